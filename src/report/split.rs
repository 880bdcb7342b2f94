//! Per-tenant exports: one CSV, one JSON and optionally one HTML file per
//! tenant in a folder, so that each customer gets only their own devices.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::advisories::AdvisoryIndex;
use super::{SweepSummary, write_csv, write_csv_for_excel, write_html, write_json};
use crate::device::Device;

/// The key by which `--split-by` divides the results into files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitBy {
    Tenant,
}

/// The files written for each tenant besides CSV and JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// Also write `<tenant>.html`.
    pub html: bool,
    /// Write CSV for spreadsheets: a UTF-8 byte order mark and CRLF line ends.
    pub excel: bool,
}

/// Error while writing per-tenant files. The message names the path.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: cannot create the output folder: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("{path}: exists and is not a folder; --split-by tenant needs --output DIR")]
    NotADirectory { path: PathBuf },
    #[error("{path}: is a symbolic link, which is never written through; remove it or choose another --output folder")]
    Symlink { path: PathBuf },
    #[error("{path}: cannot write: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// One file written by [`write_per_tenant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    pub tenant: String,
    pub path: PathBuf,
}

/// Writes `<name>.csv` and `<name>.json` (and `<name>.html` when asked) for
/// every tenant into `dir`, creating it when missing. `<name>` comes from
/// [`file_stems`], so it stays inside `dir` and differs between tenants.
/// Each file contains one tenant's devices, and its sweep counts are that
/// tenant's.
pub fn write_per_tenant(
    dir: &Path,
    summary: &SweepSummary,
    devices: &[Device],
    advisories: &AdvisoryIndex,
    options: ExportOptions,
) -> Result<Vec<WrittenFile>, ExportError> {
    prepare_dir(dir)?;
    let by_tenant = group_by_tenant(devices);
    let tenants: Vec<&str> = by_tenant.keys().map(String::as_str).collect();
    let stems = file_stems(&tenants);

    let mut written = Vec::new();
    for ((tenant, rows), stem) in by_tenant.iter().zip(stems) {
        let tenant_summary = SweepSummary { targets: rows.len(), ..summary.clone() };
        let mut write_one = |extension: &str, writer: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| {
            let path = dir.join(format!("{stem}.{extension}"));
            write_file(&path, writer)?;
            written.push(WrittenFile { tenant: tenant.clone(), path });
            Ok::<(), ExportError>(())
        };
        write_one("csv", &|out| if options.excel { write_csv_for_excel(out, rows) } else { write_csv(out, rows) })?;
        write_one("json", &|out| write_json(out, &tenant_summary, rows))?;
        if options.html {
            write_one("html", &|out| write_html(out, &tenant_summary, rows, advisories))?;
        }
    }
    Ok(written)
}

fn prepare_dir(dir: &Path) -> Result<(), ExportError> {
    if dir.exists() && !dir.is_dir() {
        return Err(ExportError::NotADirectory { path: dir.to_path_buf() });
    }
    std::fs::create_dir_all(dir).map_err(|source| ExportError::CreateDir { path: dir.to_path_buf(), source })
}

/// Copies the devices into one list per tenant, in tenant order, keeping
/// each list in the order given.
fn group_by_tenant(devices: &[Device]) -> BTreeMap<String, Vec<Device>> {
    let mut groups: BTreeMap<String, Vec<Device>> = BTreeMap::new();
    for device in devices {
        groups.entry(device.tenant.clone()).or_default().push(device.clone());
    }
    groups
}

/// Creates or replaces one file. A symbolic link in its place is rejected,
/// so that a prepared link cannot redirect a customer's file elsewhere.
fn write_file(path: &Path, writer: &dyn Fn(&mut dyn Write) -> std::io::Result<()>) -> Result<(), ExportError> {
    if path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(ExportError::Symlink { path: path.to_path_buf() });
    }
    let error = |source| ExportError::Write { path: path.to_path_buf(), source };
    let file = File::create(path).map_err(error)?;
    let mut out = BufWriter::new(file);
    writer(&mut out).map_err(error)?;
    out.flush().map_err(error)
}

/// Maximum number of characters taken from a tenant name for a file stem,
/// before the hash suffix.
const MAX_STEM_CHARS: usize = 64;

/// Names that Windows reserves for devices, with or without an extension.
const WINDOWS_RESERVED: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];

/// Returns one file stem per tenant, in the same order, that is safe on
/// Linux, macOS and Windows and unique even where file names ignore case.
///
/// ASCII letters, digits, `-`, `_` and `.` are kept and every other
/// character becomes `_`. A leading or trailing dot, a reserved Windows
/// device name (CON, NUL, COM1, LPT1 and the like) and an empty name are
/// altered as well. An altered name, and a name that would clash with
/// another tenant's, gets `-` and 8 hex digits of the tenant name's SHA-256.
/// That suffix stays the same from one sweep to the next.
pub fn file_stems(tenants: &[&str]) -> Vec<String> {
    let mut stems: Vec<(String, bool)> = tenants
        .iter()
        .map(|tenant| {
            let (stem, altered) = sanitize(tenant);
            if altered { (format!("{stem}-{}", short_hash(tenant)), true) } else { (stem, false) }
        })
        .collect();

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (stem, _) in &stems {
        *seen.entry(stem.to_ascii_lowercase()).or_default() += 1;
    }
    for ((stem, hashed), tenant) in stems.iter_mut().zip(tenants) {
        if !*hashed && seen[&stem.to_ascii_lowercase()] > 1 {
            *stem = format!("{stem}-{}", short_hash(tenant));
            *hashed = true;
        }
    }

    // Two different tenant names whose hashes share 8 hex digits still get
    // distinct names from a counter.
    let mut used_stems = HashSet::new();
    stems
        .into_iter()
        .map(|(stem, _)| {
            let mut candidate = stem.clone();
            let mut counter = 2;
            while !used_stems.insert(candidate.to_ascii_lowercase()) {
                candidate = format!("{stem}-{counter}");
                counter += 1;
            }
            candidate
        })
        .collect()
}

/// Replaces unsafe characters and returns the stem and whether it differs
/// from the tenant name.
fn sanitize(tenant: &str) -> (String, bool) {
    let mut stem: String = tenant
        .chars()
        .take(MAX_STEM_CHARS)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    if stem.starts_with('.') {
        stem.replace_range(..1, "_");
    }
    if stem.ends_with('.') {
        stem.pop();
        stem.push('_');
    }
    if stem.is_empty() {
        stem.push_str("tenant");
    }
    if is_windows_reserved(&stem) {
        stem.insert(0, '_');
    }
    let altered = stem != tenant;
    (stem, altered)
}

/// Returns whether Windows treats the name as a device: CON, PRN, AUX, NUL,
/// COM0-COM9 and LPT0-LPT9 in any case, alone or before an extension.
fn is_windows_reserved(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or(stem).to_ascii_uppercase();
    if WINDOWS_RESERVED.contains(&base.as_str()) {
        return true;
    }
    let numbered = base.strip_prefix("COM").or_else(|| base.strip_prefix("LPT"));
    numbered.is_some_and(|digit| digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit())
}

fn short_hash(tenant: &str) -> String {
    let digest = Sha256::digest(tenant.as_bytes());
    digest.iter().take(4).map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_kept() {
        assert_eq!(file_stems(&["acme", "globex-eu", "init_tech.2"]), ["acme", "globex-eu", "init_tech.2"]);
    }

    #[test]
    fn unsafe_characters_are_replaced() {
        let stems = file_stems(&["../etc/passwd", "a b/c\\d", ".hidden", "..", ".", "", "x."]);
        for stem in &stems {
            assert!(!stem.contains('/'), "{stem}");
            assert!(!stem.contains('\\'), "{stem}");
            assert!(!stem.starts_with('.'), "{stem}");
            assert!(!stem.ends_with('.'), "{stem}");
            assert!(!stem.is_empty());
        }
        assert!(stems[0].starts_with("_._etc_passwd-"), "{}", stems[0]);
        assert!(stems[1].starts_with("a_b_c_d-"), "{}", stems[1]);
        assert!(stems[5].starts_with("tenant-"), "{}", stems[5]);
    }

    #[test]
    fn windows_device_names_are_altered() {
        let stems = file_stems(&["CON", "nul", "com1", "LPT9.txt", "console", "COM10"]);
        assert!(stems[0].starts_with("_CON-"), "{}", stems[0]);
        assert!(stems[1].starts_with("_nul-"), "{}", stems[1]);
        assert!(stems[2].starts_with("_com1-"), "{}", stems[2]);
        assert!(stems[3].starts_with("_LPT9.txt-"), "{}", stems[3]);
        assert_eq!(stems[4], "console");
        assert_eq!(stems[5], "COM10");
    }

    #[test]
    fn clashing_names_are_disambiguated() {
        let stems = file_stems(&["a b", "a_b", "a/b", "Acme", "acme"]);
        let unique: HashSet<String> = stems.iter().map(|s| s.to_ascii_lowercase()).collect();
        assert_eq!(unique.len(), stems.len(), "{stems:?}");
        assert_eq!(stems[1], "a_b");
        assert!(stems[3].starts_with("Acme-"), "{}", stems[3]);
        assert!(stems[4].starts_with("acme-"), "{}", stems[4]);
    }

    #[test]
    fn stems_are_stable_and_bounded() {
        let long = "x".repeat(300);
        let first = file_stems(&[&long, "Müller GmbH"]);
        let second = file_stems(&[&long, "Müller GmbH"]);
        assert_eq!(first, second);
        assert_eq!(first[0].len(), MAX_STEM_CHARS + 9);
        assert!(first[1].starts_with("M_ller_GmbH-"), "{}", first[1]);
    }
}
