//! The inventory CSV: tenant, site, target, name, credentials, protocols,
//! port, tls_fingerprint, insecure, notes (extra columns ignored).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Host, Protocol, Target, TargetSpec};
use crate::credentials::Credentials;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Header { path: PathBuf, message: String },
    #[error("{path}:{line}: {message}")]
    Row { path: PathBuf, line: u64, message: String },
}

/// Reads the inventory. A row with a bad target, an unknown credential set or
/// one fenced to another tenant still yields a target, marked with the
/// problem, so it is reported `not-scanned` instead of disappearing.
///
/// Each line is one row, because no inventory field contains a line break. A
/// quote left open is a problem of its own line only, so the lines after it
/// are still read as rows.
pub fn read_inventory(
    path: &Path,
    credentials: &Credentials,
) -> Result<Box<dyn Iterator<Item = Target> + Send>, InventoryError> {
    let rows = read_rows(path)?;
    let credentials = credentials.clone();
    Ok(Box::new(rows.into_iter().flat_map(move |row| row.expand(&credentials))))
}

/// Returns the tenants that the inventory's rows name, with `default` for an
/// empty cell, without expanding any target. Options that allow only one
/// tenant use it to fail before a sweep starts.
pub fn read_inventory_tenants(path: &Path) -> Result<std::collections::BTreeSet<String>, InventoryError> {
    let rows = read_rows(path)?;
    Ok(rows.into_iter().map(|row| if row.tenant.is_empty() { "default".to_string() } else { row.tenant }).collect())
}

/// Column names of the inventory, lower-cased, with their index.
type Columns = HashMap<String, usize>;

/// Reads the header and every row, one row per non-empty line.
fn read_rows(path: &Path) -> Result<Vec<InventoryRow>, InventoryError> {
    let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Io { path: path.to_path_buf(), source })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().enumerate().map(|(index, line)| (index as u64 + 1, line)).filter(|(_, line)| !line.is_empty());

    let columns = match lines.next() {
        Some((number, line)) => read_header(path, number, line)?,
        None => read_header(path, 1, "")?,
    };
    Ok(lines.map(|(number, line)| InventoryRow::parse(path, number, line, &columns)).collect())
}

/// Reads the header line into its columns. It must name `target`.
fn read_header(path: &Path, number: u64, line: &str) -> Result<Columns, InventoryError> {
    if let Some(field) = crate::csv_lines::unterminated_field(line) {
        return Err(InventoryError::Row {
            path: path.to_path_buf(),
            line: number,
            message: format!("unterminated quote in header field {}; a field may not span lines, so close the quote on this line", field + 1),
        });
    }
    let headers = parse_line(line).map_err(|e| InventoryError::Header { path: path.to_path_buf(), message: e.to_string() })?;
    let columns: Columns = headers.iter().enumerate().map(|(i, h)| (h.to_ascii_lowercase(), i)).collect();
    if !columns.contains_key("target") {
        return Err(InventoryError::Header {
            path: path.to_path_buf(),
            message: "missing column \"target\"; the header needs at least target (tenant and site default to default)".to_string(),
        });
    }
    const KNOWN: [&str; 10] = ["tenant", "site", "target", "name", "credentials", "protocols", "port", "tls_fingerprint", "insecure", "notes"];
    for column in columns.keys().filter(|c| !KNOWN.contains(&c.as_str())) {
        tracing::warn!("{}: column {column:?} is not read (known columns: {})", path.display(), KNOWN.join(", "));
    }
    Ok(columns)
}

/// Splits one line into trimmed fields. Only `\n` ends a record, so a stray
/// carriage return inside the line cannot hide the fields after it.
fn parse_line(line: &str) -> Result<csv::StringRecord, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    reader.read_record(&mut record)?;
    Ok(record)
}

fn split_list(cell: &str) -> Vec<String> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

struct InventoryRow {
    origin: String,
    /// A problem with the line itself, such as a quote left open. Cells from
    /// the broken field on are empty.
    line_problem: Option<String>,
    tenant: String,
    site: String,
    target: String,
    name: String,
    credentials: Vec<String>,
    protocols: Vec<String>,
    port: String,
    tls_fingerprint: String,
    insecure: String,
}

impl InventoryRow {
    /// Parses one line. A field whose quote is never closed, and every field
    /// after it, is left empty, and the row carries the problem.
    fn parse(path: &Path, number: u64, line: &str, columns: &Columns) -> InventoryRow {
        let origin = format!("{}:{number}", path.display());
        let (record, mut line_problem) = match parse_line(line) {
            Ok(record) => (record, None),
            Err(error) => (csv::StringRecord::new(), Some(format!("cannot read the line: {error}"))),
        };
        let open_field = crate::csv_lines::unterminated_field(line);
        if let Some(field) = open_field {
            let column = columns.iter().find(|(_, i)| **i == field).map_or_else(|| format!("field {}", field + 1), |(name, _)| format!("column {name:?}"));
            line_problem = Some(format!(
                "unterminated quote in {column}; a field may not span lines, so close the quote on this line or remove it"
            ));
        }
        let cell = |name: &str| -> String {
            let Some(&index) = columns.get(name) else { return String::new() };
            if open_field.is_some_and(|field| index >= field) {
                return String::new();
            }
            record.get(index).unwrap_or("").to_string()
        };
        InventoryRow {
            origin,
            line_problem,
            tenant: cell("tenant"),
            site: cell("site"),
            target: cell("target"),
            name: cell("name"),
            credentials: split_list(&cell("credentials")),
            protocols: split_list(&cell("protocols")),
            port: cell("port"),
            tls_fingerprint: cell("tls_fingerprint"),
            insecure: cell("insecure"),
        }
    }

    fn expand(self, credentials: &Credentials) -> Box<dyn Iterator<Item = Target> + Send> {
        let tenant = if self.tenant.is_empty() { "default".to_string() } else { self.tenant.clone() };
        let site = if self.site.is_empty() { "default".to_string() } else { self.site.clone() };
        let broken = |problem: String| -> Box<dyn Iterator<Item = Target> + Send> {
            let label = if self.target.is_empty() { self.origin.clone() } else { self.target.clone() };
            let mut target = Target::broken(&tenant, &site, &label, format!("{}: {problem}", self.origin));
            target.name = (!self.name.is_empty()).then(|| self.name.clone());
            Box::new(std::iter::once(target))
        };

        let spec = match TargetSpec::parse(&self.target) {
            Ok(spec) => spec,
            Err(error) => return broken(self.line_problem.clone().unwrap_or_else(|| error.to_string())),
        };
        // From here on the target is known: a problem with the row's other
        // cells still gives one row per address, each naming the problem.
        let mut problem = self.line_problem.clone().or_else(|| self.credential_problem(&tenant, credentials));
        let port = match self.port.as_str() {
            "" => None,
            text => match text.parse::<u16>() {
                Ok(port) if port > 0 => Some(port),
                _ => {
                    problem.get_or_insert(format!("port {text:?} is not a number from 1 to 65535"));
                    None
                }
            },
        };
        let mut protocols = Vec::new();
        for name in &self.protocols {
            match Protocol::parse(name) {
                Some(protocol) => protocols.push(protocol),
                None => {
                    problem.get_or_insert(format!("unknown protocol {name:?}; expected snmp, redfish, sip, http or ssh"));
                }
            }
        }
        let tls_fingerprint = match self.tls_fingerprint.as_str() {
            "" => None,
            text => match crate::redfish::tls::parse_fingerprint(text) {
                Ok(fingerprint) => Some(fingerprint),
                Err(message) => {
                    problem.get_or_insert(format!("tls_fingerprint: {message}"));
                    None
                }
            },
        };
        let insecure = match self.insecure.to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "1" => true,
            other => {
                problem.get_or_insert(format!("insecure {other:?} is not true or false"));
                false
            }
        };

        let problem = problem.map(|p| format!("{}: {p}", self.origin));
        let name = (!self.name.is_empty()).then_some(self.name);
        let names = self.credentials;
        let protocols = (!protocols.is_empty()).then_some(protocols);
        Box::new(spec.hosts().map(move |host: Host| {
            let mut target = Target::new(&tenant, &site, host);
            target.name = name.clone();
            target.credentials = names.clone();
            target.port = port;
            target.protocols = protocols.clone();
            target.tls_fingerprint = tls_fingerprint;
            target.insecure = insecure;
            target.problem = problem.clone();
            target
        }))
    }

    fn credential_problem(&self, tenant: &str, credentials: &Credentials) -> Option<String> {
        for name in &self.credentials {
            let Some((allowed, origin, tenants)) = credentials.fence_of(name, tenant) else {
                return Some(format!("credential set {name:?} is not defined in the credentials file"));
            };
            if !allowed {
                return Some(format!("credential set {name:?} ({origin}) is fenced to tenants {tenants:?}, not {tenant:?}"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One set per protocol for tenant `acme`, and an HTTP set for `globex`.
    const SETS: &str = "\
[[snmp]]\nname = \"acme-snmp\"\ntenants = [\"acme\"]\nversion = \"2c\"\ncommunity = \"env:FWSWEEP_TEST_UNSET_SECRET\"\n
[[redfish]]\nname = \"acme-bmc\"\ntenants = [\"acme\"]\nuser = \"u\"\npassword = \"env:FWSWEEP_TEST_UNSET_SECRET\"\n
[[http]]\nname = \"acme-web\"\ntenants = [\"acme\"]\nuser = \"u\"\npassword = \"env:FWSWEEP_TEST_UNSET_SECRET\"\n
[[ssh]]\nname = \"acme-cli\"\ntenants = [\"acme\"]\nuser = \"u\"\npassword = \"env:FWSWEEP_TEST_UNSET_SECRET\"\n
[[http]]\nname = \"globex-web\"\ntenants = [\"globex\"]\nuser = \"u\"\npassword = \"env:FWSWEEP_TEST_UNSET_SECRET\"\n";

    fn read(dir: &tempfile::TempDir, inventory: &str) -> Vec<Target> {
        let credentials_path = dir.path().join("credentials.toml");
        std::fs::write(&credentials_path, SETS).unwrap();
        let credentials = Credentials::load(&credentials_path).unwrap();
        let path = dir.path().join("inventory.csv");
        std::fs::write(&path, inventory).unwrap();
        read_inventory(&path, &credentials).unwrap().collect()
    }

    #[test]
    fn rows_name_sets_of_every_protocol() {
        let dir = tempfile::tempdir().unwrap();
        let targets = read(&dir, "tenant,target,credentials\nacme,127.87.4.1,acme-snmp;acme-bmc;acme-web;acme-cli\n");

        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].problem, None);
        assert_eq!(targets[0].credentials, ["acme-snmp", "acme-bmc", "acme-web", "acme-cli"]);
    }

    #[test]
    fn http_set_of_other_tenant_is_fenced() {
        let dir = tempfile::tempdir().unwrap();
        let targets = read(&dir, "tenant,target,credentials\nacme,127.87.4.2,globex-web\n");

        let problem = targets[0].problem.as_deref().unwrap();
        assert!(problem.contains("inventory.csv:2: credential set \"globex-web\""), "{problem}");
        assert!(problem.contains("credentials.toml:25) is fenced to tenants [\"globex\"], not \"acme\""), "{problem}");
    }

    #[test]
    fn open_quote_spoils_only_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = "tenant,site,target,name\nacme,hq,127.87.4.3,\"sw1\nbeta,hq,127.87.4.4,sw2\n\ngamma,hq,\"127.87.4.5,sw3\n";
        let targets = read(&dir, text);

        assert_eq!(targets.len(), 3);
        assert_eq!(targets[0].label, "127.87.4.3");
        assert_eq!(targets[0].name, None);
        let problem = targets[0].problem.as_deref().unwrap();
        assert!(problem.contains("inventory.csv:2: unterminated quote in column \"name\""), "{problem}");
        assert_eq!(targets[1].name.as_deref(), Some("sw2"));
        assert_eq!(targets[1].problem, None);
        assert_eq!(targets[2].tenant, "gamma");
        assert!(targets[2].label.ends_with("inventory.csv:5"), "a row without a readable target is labelled by its line: {}", targets[2].label);
        let problem = targets[2].problem.as_deref().unwrap();
        assert!(problem.contains("inventory.csv:5: unterminated quote in column \"target\""), "{problem}");
    }

    #[test]
    fn tenants_after_open_quote_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inventory.csv");
        std::fs::write(&path, "tenant,target,name\nacme,127.87.4.6,\"open\nbeta,127.87.4.7,x\n").unwrap();

        let tenants = read_inventory_tenants(&path).unwrap();

        assert_eq!(tenants.into_iter().collect::<Vec<_>>(), ["acme", "beta"]);
    }

    #[test]
    fn open_quote_in_header_names_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inventory.csv");
        std::fs::write(&path, "\ntenant,\"target\nacme,127.87.4.8\n").unwrap();

        let error = read_inventory(&path, &Credentials::default()).err().unwrap().to_string();

        assert!(error.ends_with("inventory.csv:2: unterminated quote in header field 2; a field may not span lines, so close the quote on this line"), "{error}");
    }
}
