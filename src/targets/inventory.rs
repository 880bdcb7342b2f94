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
pub fn read_inventory(
    path: &Path,
    credentials: &Credentials,
) -> Result<Box<dyn Iterator<Item = Target> + Send>, InventoryError> {
    let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Io { path: path.to_path_buf(), source })?;
    let lines: Vec<&str> = text.lines().collect();
    let line_of = |position: Option<&csv::Position>| crate::csv_lines::record_line(&lines, position, None);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| InventoryError::Header { path: path.to_path_buf(), message: e.to_string() })?
        .clone();
    let columns: HashMap<String, usize> =
        headers.iter().enumerate().map(|(i, h)| (h.to_ascii_lowercase(), i)).collect();
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

    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| InventoryError::Row {
            path: path.to_path_buf(),
            line: line_of(e.position()),
            message: e.to_string(),
        })?;
        let line = line_of(record.position());
        let cell = |name: &str| columns.get(name).and_then(|&i| record.get(i)).unwrap_or("").to_string();
        rows.push(InventoryRow {
            origin: format!("{}:{line}", path.display()),
            tenant: cell("tenant"),
            site: cell("site"),
            target: cell("target"),
            name: cell("name"),
            credentials: split_list(&cell("credentials")),
            protocols: split_list(&cell("protocols")),
            port: cell("port"),
            tls_fingerprint: cell("tls_fingerprint"),
            insecure: cell("insecure"),
        });
    }
    let credentials = credentials.clone();
    Ok(Box::new(rows.into_iter().flat_map(move |row| row.expand(&credentials))))
}

/// Returns the tenants that the inventory's rows name, with `default` for an
/// empty cell, without expanding any target. Options that allow only one
/// tenant use it to fail before a sweep starts.
pub fn read_inventory_tenants(path: &Path) -> Result<std::collections::BTreeSet<String>, InventoryError> {
    let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Io { path: path.to_path_buf(), source })?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| InventoryError::Header { path: path.to_path_buf(), message: e.to_string() })?;
    let column = headers.iter().position(|h| h.eq_ignore_ascii_case("tenant"));
    let mut tenants = std::collections::BTreeSet::new();
    for record in reader.records() {
        // A malformed row is reported by `read_inventory` with its line.
        let Ok(record) = record else { continue };
        let tenant = column.and_then(|i| record.get(i)).unwrap_or("");
        tenants.insert(if tenant.is_empty() { "default".to_string() } else { tenant.to_string() });
    }
    Ok(tenants)
}

fn split_list(cell: &str) -> Vec<String> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

struct InventoryRow {
    origin: String,
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
            Err(error) => return broken(error.to_string()),
        };
        // From here on the target is known: a problem with the row's other
        // cells still gives one row per address, each naming the problem.
        let mut problem = self.credential_problem(&tenant, credentials);
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
            let fence = match (credentials.find(name), credentials.find_redfish(name), credentials.find_ssh(name)) {
                (Some(set), _, _) => (set.allows_tenant(tenant), &set.origin, &set.tenants),
                (None, Some(set), _) => (set.allows_tenant(tenant), &set.origin, &set.tenants),
                (None, None, Some(set)) => (set.allows_tenant(tenant), &set.origin, &set.tenants),
                (None, None, None) => return Some(format!("credential set {name:?} is not defined in the credentials file")),
            };
            if let (false, origin, tenants) = fence {
                return Some(format!("credential set {name:?} ({origin}) is fenced to tenants {tenants:?}, not {tenant:?}"));
            }
        }
        None
    }
}
