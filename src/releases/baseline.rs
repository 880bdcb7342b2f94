//! Approved baselines: per tenant and product, the minimum version patch
//! testing has cleared and optionally the target version of the next window.

use std::path::{Path, PathBuf};

/// One tenant's approved range for one product; tenant `*` applies to every
/// tenant that has no row of its own.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub tenant: String,
    pub product: String,
    pub minimum: String,
    pub target: Option<String>,
    /// `file:line`, for messages.
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
    /// Reads a CSV with the header `tenant,product,minimum,target`.
    pub fn load(path: &Path) -> Result<Baselines, BaselineError> {
        let file = std::fs::File::open(path).map_err(|source| BaselineError::Io { path: path.to_path_buf(), source })?;
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(file);
        let mut rows = Vec::new();
        for record in reader.deserialize::<Row>() {
            let row = record.map_err(|error| BaselineError::Invalid {
                path: path.to_path_buf(),
                line: error.position().map_or(0, |p| p.line()),
                message: format!("{error}; expected columns tenant,product,minimum,target"),
            })?;
            rows.push(Baseline {
                origin: format!("{}:{}", path.display(), rows.len() + 2),
                tenant: row.tenant,
                product: row.product,
                minimum: row.minimum,
                target: row.target.filter(|t| !t.is_empty()),
            });
        }
        Ok(Baselines { rows })
    }

    /// The tenant's own row for the product, else the `*` row.
    pub fn find(&self, tenant: &str, product: &str) -> Option<&Baseline> {
        let for_product = || self.rows.iter().filter(move |b| b.product == product);
        for_product().find(|b| b.tenant == tenant).or_else(|| for_product().find(|b| b.tenant == "*"))
    }
}
