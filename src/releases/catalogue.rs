//! The release catalogue: per product, its version scheme, release trains
//! with support dates, and advisories with affected ranges.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::Date;
use toml::value::Datetime;

use super::scheme::{Scheme, Version};

/// One product's known releases.
#[derive(Debug, Clone)]
pub struct Product {
    pub id: String,
    pub vendor: String,
    pub name: String,
    pub scheme: Scheme,
    pub checked: Date,
    pub sources: Vec<String>,
    pub trains: Vec<Train>,
    pub advisories: Vec<Advisory>,
    pub path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Train {
    pub name: String,
    pub latest: Option<Version>,
    pub latest_text: Option<String>,
    pub released: Option<Date>,
    pub end_of_sale: Option<Date>,
    pub end_of_support: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct Advisory {
    pub id: String,
    pub cves: Vec<String>,
    /// A one-line summary, shown in the HTML report.
    pub title: Option<String>,
    /// The vendor's advisory page, linked from the HTML report.
    pub url: Option<String>,
    pub severity: Option<String>,
    pub kev: bool,
    pub affected: Vec<AffectedRange>,
}

/// An inclusive range of affected versions inside one train.
#[derive(Debug, Clone)]
pub struct AffectedRange {
    pub train: String,
    pub from: Version,
    pub to: Version,
    pub scheme: Scheme,
}

impl AffectedRange {
    pub fn contains(&self, version: &Version) -> bool {
        version.train == self.train
            && version.compare(&self.from).is_some_and(|o| o.is_ge())
            && self.scheme.at_or_below(version, &self.to)
    }
}

/// Every product loaded, by id.
#[derive(Debug, Default, Clone)]
pub struct Catalogue {
    pub products: BTreeMap<String, Product>,
}

/// Error in a catalogue file. The message names the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Syntax { path: PathBuf, line: usize, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: product {id:?} is already defined in {first}")]
    Duplicate { path: PathBuf, id: String, first: PathBuf },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductFile {
    product: String,
    vendor: String,
    name: String,
    scheme: String,
    train_fields: Option<usize>,
    checked: Datetime,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default, rename = "train")]
    trains: Vec<TrainFile>,
    #[serde(default, rename = "advisory")]
    advisories: Vec<AdvisoryFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainFile {
    name: String,
    latest: Option<String>,
    released: Option<Datetime>,
    end_of_sale: Option<Datetime>,
    end_of_support: Option<Datetime>,
    #[serde(default)]
    unconfirmed: Vec<String>,
    notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvisoryFile {
    id: String,
    #[serde(default)]
    cves: Vec<String>,
    title: Option<String>,
    severity: Option<String>,
    #[serde(default)]
    kev: bool,
    published: Option<Datetime>,
    url: Option<String>,
    #[serde(default)]
    affected: Vec<RangeFile>,
    #[serde(default)]
    fixed: Vec<String>,
    #[serde(default)]
    unconfirmed: Vec<String>,
    notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeFile {
    train: Option<String>,
    from: String,
    to: String,
}

impl Catalogue {
    /// Loads the catalogue built into the binary.
    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        let mut catalogue = Catalogue::default();
        for (path, text) in crate::embedded::RELEASES {
            catalogue.insert(parse_product(Path::new(path), text)?, false)?;
        }
        Ok(catalogue)
    }

    /// Adds every `*.toml` in `dir`. A file replaces a product that is already
    /// loaded, because a user's data is newer, but two files in `dir` for one
    /// product are an error.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), CatalogueError> {
        let io_error = |source| CatalogueError::Io { path: dir.to_path_buf(), source };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io_error)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let mut added: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| CatalogueError::Io { path: path.clone(), source })?;
            let product = parse_product(&path, &text)?;
            if let Some(first) = added.get(&product.id) {
                return Err(CatalogueError::Duplicate { path, id: product.id, first: first.clone() });
            }
            added.insert(product.id.clone(), path);
            self.insert(product, true)?;
        }
        Ok(())
    }

    fn insert(&mut self, product: Product, may_replace: bool) -> Result<(), CatalogueError> {
        if let Some(first) = self.products.get(&product.id) {
            if !may_replace {
                return Err(CatalogueError::Duplicate { path: product.path.clone(), id: product.id.clone(), first: first.path.clone() });
            }
            tracing::info!(product = %product.id, path = %product.path.display(), "release data replaces the built-in data");
        }
        self.products.insert(product.id.clone(), product);
        Ok(())
    }
}

/// Converts a TOML local date. A date-time or a time alone is rejected.
fn to_date(value: &Datetime, path: &Path, field: &str) -> Result<Date, CatalogueError> {
    let invalid = || CatalogueError::Invalid { path: path.to_path_buf(), message: format!("{field}: {value} is not a date such as 2026-12-04") };
    if value.time.is_some() {
        return Err(invalid());
    }
    let date = value.date.ok_or_else(invalid)?;
    let month = time::Month::try_from(date.month).map_err(|_| invalid())?;
    Date::from_calendar_date(i32::from(date.year), month, date.day).map_err(|_| invalid())
}

fn optional_date(value: &Option<Datetime>, path: &Path, field: &str) -> Result<Option<Date>, CatalogueError> {
    value.as_ref().map(|v| to_date(v, path, field)).transpose()
}

/// Parses and validates one product file. Every version must parse under the
/// product's scheme, and every range must lie inside its train.
pub fn parse_product(path: &Path, text: &str) -> Result<Product, CatalogueError> {
    let file: ProductFile = toml::from_str(text).map_err(|error| CatalogueError::Syntax {
        path: path.to_path_buf(),
        line: error.span().map_or(1, |span| text[..span.start.min(text.len())].matches('\n').count() + 1),
        message: error.message().to_string(),
    })?;
    let invalid = |message: String| CatalogueError::Invalid { path: path.to_path_buf(), message };
    let scheme = Scheme::from_name(&file.scheme, file.train_fields).ok_or_else(|| {
        invalid(format!("scheme {:?} is not one of {}", file.scheme, Scheme::NAMES.join(", ")))
    })?;
    let parse = |text: &str, field: &str| {
        scheme.parse(text).ok_or_else(|| invalid(format!("{field}: {text:?} is not a {scheme} version")))
    };

    let mut trains = Vec::new();
    for train in &file.trains {
        let field = format!("train {:?}", train.name);
        let latest = train.latest.as_deref().map(|l| parse(l, &format!("{field} latest"))).transpose()?;
        if let Some(latest) = &latest
            && latest.train != train.name {
                return Err(invalid(format!(
                    "{field}: latest {:?} belongs to train {:?} under the {scheme} scheme",
                    train.latest.as_deref().unwrap_or_default(),
                    latest.train
                )));
            }
        // Kept for the people who maintain the data. The scan does not use them.
        let _ = (&train.unconfirmed, &train.notes);
        trains.push(Train {
            name: train.name.clone(),
            latest,
            latest_text: train.latest.clone(),
            released: optional_date(&train.released, path, &format!("{field} released"))?,
            end_of_sale: optional_date(&train.end_of_sale, path, &format!("{field} end_of_sale"))?,
            end_of_support: optional_date(&train.end_of_support, path, &format!("{field} end_of_support"))?,
        });
    }

    let mut advisories = Vec::new();
    for advisory in &file.advisories {
        let field = format!("advisory {:?}", advisory.id);
        let mut affected = Vec::new();
        for range in &advisory.affected {
            let from = parse(&range.from, &format!("{field} from"))?;
            let to = parse(&range.to, &format!("{field} to"))?;
            if from.train != to.train {
                return Err(invalid(format!(
                    "{field}: range {} to {} must lie in one train (the scheme puts them in {:?} and {:?})",
                    range.from, range.to, from.train, to.train
                )));
            }
            if let Some(train) = range.train.as_ref().filter(|train| **train != from.train) {
                return Err(invalid(format!(
                    "{field}: range {} to {} is in train {:?} under the {scheme} scheme, not in train {train:?}",
                    range.from, range.to, from.train
                )));
            }
            affected.push(AffectedRange { train: from.train.clone(), from, to, scheme });
        }
        for fixed in &advisory.fixed {
            parse(fixed, &format!("{field} fixed"))?;
        }
        // Kept for the people who maintain the data. The scan does not use them.
        let _ = (&advisory.published, &advisory.unconfirmed, &advisory.notes);
        advisories.push(Advisory {
            id: advisory.id.clone(),
            cves: advisory.cves.clone(),
            title: advisory.title.clone(),
            url: advisory.url.clone(),
            severity: advisory.severity.clone(),
            kev: advisory.kev,
            affected,
        });
    }

    Ok(Product {
        id: file.product,
        vendor: file.vendor,
        name: file.name,
        scheme,
        checked: to_date(&file.checked, path, "checked")?,
        sources: file.sources,
        trains,
        advisories,
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
product = "fortios"
vendor = "Fortinet"
name = "FortiOS"
scheme = "fortios"
checked = 2026-12-04
sources = ["vendor release notes"]

[[train]]
name = "7.2"
latest = "7.2.11"
end_of_support = 2026-09-28

[[advisory]]
id = "FG-IR-24-015"
cves = ["CVE-2024-21762"]
severity = "critical"
kev = true
affected = [{ train = "7.2", from = "7.2.0", to = "7.2.6" }]
fixed = ["7.2.7"]
"#;

    #[test]
    fn product_file_parses() {
        let product = parse_product(Path::new("fortios.toml"), SAMPLE).unwrap();
        assert_eq!(product.trains[0].latest.as_ref().unwrap().train, "7.2");
        let range = &product.advisories[0].affected[0];
        assert!(range.contains(&product.scheme.parse("7.2.5").unwrap()));
        assert!(!range.contains(&product.scheme.parse("7.2.7").unwrap()));
        assert!(!range.contains(&product.scheme.parse("7.4.1").unwrap()));
    }

    #[test]
    fn junos_bound_covers_respins() {
        let text = r#"
product = "junos"
vendor = "Juniper"
name = "Junos OS"
scheme = "junos"
checked = 2026-12-04
[[advisory]]
id = "test"
affected = [{ train = "23.2", from = "23.2R1", to = "23.2R1" }]
"#;
        let product = parse_product(Path::new("junos.toml"), text).unwrap();
        let range = &product.advisories[0].affected[0];
        assert!(range.contains(&product.scheme.parse("23.2R1.15").unwrap()));
        assert!(!range.contains(&product.scheme.parse("23.2R2").unwrap()));
        assert!(!range.contains(&product.scheme.parse("23.2R1-S1").unwrap()));
    }

    #[test]
    fn latest_outside_its_train_is_rejected() {
        let text = SAMPLE.replace("latest = \"7.2.11\"", "latest = \"7.4.1\"");
        let error = parse_product(Path::new("fortios.toml"), &text).unwrap_err().to_string();
        assert!(error.contains("belongs to train \"7.4\""), "{error}");
    }

    #[test]
    fn unparseable_range_names_the_advisory() {
        let text = SAMPLE.replace("to = \"7.2.6\"", "to = \"seven\"");
        let error = parse_product(Path::new("fortios.toml"), &text).unwrap_err().to_string();
        assert!(error.contains("FG-IR-24-015"), "{error}");
        assert!(error.contains("\"seven\""), "{error}");
    }

    #[test]
    fn range_in_other_train_rejected() {
        let text = SAMPLE.replace("train = \"7.2\", from", "train = \"7.4\", from");
        let error = parse_product(Path::new("fortios.toml"), &text).unwrap_err().to_string();
        assert!(error.contains("is in train \"7.2\""), "{error}");
        assert!(error.contains("not in train \"7.4\""), "{error}");
    }

    #[test]
    fn date_time_rejected() {
        let text = SAMPLE.replace("checked = 2026-12-04", "checked = 2026-12-04T10:00:00");
        let error = parse_product(Path::new("fortios.toml"), &text).unwrap_err().to_string();
        assert!(error.contains("checked: 2026-12-04T10:00:00 is not a date"), "{error}");
    }
}
