//! Saved SNMP recordings: the snmpsim `.snmprec` format and net-snmp
//! `snmpwalk -ObentU` output, both read into one sorted table of varbinds.

mod snmprec;
mod snmpwalk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::snmp::{Oid, Value};

pub use snmprec::parse_snmprec;

pub use snmpwalk::parse_snmpwalk;

/// The varbinds of one recorded agent, in OID order.
pub type Varbinds = BTreeMap<Oid, Value>;

/// The varbinds read from a recording and the lines that could not be read
/// (1-based line number, message).
#[derive(Debug, Default)]
pub struct Parsed {
    pub varbinds: Varbinds,
    pub problems: Vec<(usize, String)>,
}

/// Error for a recording that could not be read. The message names the file,
/// and the line when it is known.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Syntax { path: PathBuf, line: usize, message: String },
    #[error("{path}: unknown recording kind; expected a .snmprec, .snmpwalk or .sip file, or a Redfish mockup folder")]
    UnknownKind { path: PathBuf },
}

/// Reads a `.snmprec` or `.snmpwalk` file, chosen by its extension. Lines
/// that cannot be read are skipped with a warning that names the file and
/// line. A file with no readable varbind is an error.
pub fn load(path: &Path) -> Result<Varbinds, RecordingError> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let parse = match extension {
        "snmprec" => parse_snmprec,
        "snmpwalk" => parse_snmpwalk,
        _ => return Err(RecordingError::UnknownKind { path: path.to_path_buf() }),
    };
    let bytes = std::fs::read(path).map_err(|source| RecordingError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let parsed = parse(&text);
    if parsed.varbinds.is_empty() {
        let (line, message) = parsed.problems.into_iter().next().unwrap_or((1, "no varbinds".to_string()));
        return Err(RecordingError::Syntax { path: path.to_path_buf(), line, message });
    }
    for (line, message) in &parsed.problems {
        tracing::warn!("{}:{line}: skipped: {message}", path.display());
    }
    Ok(parsed.varbinds)
}

/// Returns whether a file name looks like a saved SIP response.
pub fn is_sip_recording(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sip")
}

/// Returns whether a file name looks like an SNMP recording.
pub fn is_recording(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("snmprec" | "snmpwalk")
    )
}
