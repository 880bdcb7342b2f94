//! Approved baselines: per tenant and product, the minimum version that
//! patch testing has cleared and, optionally, the target version of the next
//! maintenance window.

use std::path::{Path, PathBuf};

/// Approved version range of one tenant for one product. The tenant `*`
/// applies to every tenant that has no row of its own.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub tenant: String,
    pub product: String,
    pub minimum: String,
    pub target: Option<String>,
    /// Source of the row as `file:line`, for messages.
    pub origin: String,
}

#[derive(Debug, Default, Clone)]
pub struct Baselines {
    pub rows: Vec<Baseline>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Invalid { path: PathBuf, line: u64, message: String },
}

#[derive(serde::Deserialize)]
struct Row {
    tenant: String,
    product: String,
    minimum: String,
    #[serde(default)]
    target: Option<String>,
}

impl Baselines {
    /// Reads a CSV with the header `tenant,product,minimum,target`. Lines
    /// starting with `#` are comments.
    pub fn load(path: &Path) -> Result<Baselines, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io { path: path.to_path_buf(), source })?;
        let lines: Vec<&str> = text.lines().collect();
        let line_of = |position: Option<&csv::Position>| crate::csv_lines::record_line(&lines, position, Some('#'));
        let invalid = |error: csv::Error| BaselineError::Invalid {
            path: path.to_path_buf(),
            line: line_of(error.position()),
            message: format!("{error}; expected columns tenant,product,minimum,target"),
        };

        reject_open_quote(path, &text)?;

        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
        let headers = reader.headers().map_err(invalid)?.clone();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(invalid)?;
            let row: Row = record.deserialize(Some(&headers)).map_err(invalid)?;
            rows.push(Baseline {
                origin: format!("{}:{}", path.display(), line_of(record.position())),
                tenant: row.tenant,
                product: row.product,
                minimum: row.minimum,
                target: row.target.filter(|t| !t.is_empty()),
            });
        }
        Ok(Baselines { rows })
    }

    /// Returns the tenant's own row for the product, else the `*` row.
    pub fn find(&self, tenant: &str, product: &str) -> Option<&Baseline> {
        let for_product = || self.rows.iter().filter(move |b| b.product == product);
        for_product().find(|b| b.tenant == tenant).or_else(|| for_product().find(|b| b.tenant == "*"))
    }
}

/// Fails on a line that ends inside a quoted field. The csv crate would read
/// the following lines into that field, so their rows would vanish and every
/// later `file:line` would be off.
fn reject_open_quote(path: &Path, text: &str) -> Result<(), BaselineError> {
    let Some((line, field)) = crate::csv_lines::first_unterminated_line(text, Some('#')) else { return Ok(()) };
    Err(BaselineError::Invalid {
        path: path.to_path_buf(),
        line,
        message: format!(
            "unterminated quote in field {}; a field may not span lines, so close the quote on this line",
            field + 1
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_skips_comment_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baselines.csv");
        let text = "tenant,product,minimum,target\n# approved 2026-11\n\n*,fortios,7.2.10,\nacme,fortios,7.2.11,7.4.7\n# next\nbeta,fortios,7.2.11,\n";
        std::fs::write(&path, text).unwrap();

        let baselines = Baselines::load(&path).unwrap();

        let acme = baselines.find("acme", "fortios").unwrap();
        assert_eq!(acme.origin, format!("{}:5", path.display()));
        assert_eq!(acme.target.as_deref(), Some("7.4.7"));
        let other = baselines.find("other", "fortios").unwrap();
        assert_eq!(other.origin, format!("{}:4", path.display()));
        assert_eq!(other.target, None);
        let beta = baselines.find("beta", "fortios").unwrap();
        assert_eq!(beta.origin, format!("{}:7", path.display()));
    }

    #[test]
    fn invalid_row_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baselines.csv");
        std::fs::write(&path, "tenant,product,minimum,target\n# approved 2026-11\nacme,fortios\n").unwrap();

        let error = Baselines::load(&path).unwrap_err().to_string();

        assert!(error.starts_with(&format!("{}:3:", path.display())), "{error}");
        assert!(error.contains("expected columns tenant,product,minimum,target"), "{error}");
    }

    #[test]
    fn open_quote_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baselines.csv");
        let text = "tenant,product,minimum,target\n# approved\nacme,fortios,\"7.2.11,7.4.7\nbeta,fortios,7.2.11,\n";
        std::fs::write(&path, text).unwrap();

        let error = Baselines::load(&path).unwrap_err().to_string();

        assert!(error.starts_with(&format!("{}:3:", path.display())), "{error}");
        assert!(error.contains("unterminated quote in field 3"), "{error}");
        assert!(error.contains("may not span lines"), "{error}");
    }
}
