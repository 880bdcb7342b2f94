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

/// A recording that could not be read; names the file and line.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Syntax { path: PathBuf, line: usize, message: String },
    #[error("{path}: unknown recording kind; expected a .snmprec or .snmpwalk file")]
    UnknownKind { path: PathBuf },
}

/// Reads a `.snmprec` or `.snmpwalk` file, chosen by its extension.
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
    parse(&text).map_err(|(line, message)| RecordingError::Syntax {
        path: path.to_path_buf(),
        line,
        message,
    })
}

/// Tells whether a file name looks like an SNMP recording.
pub fn is_recording(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("snmprec" | "snmpwalk")
    )
}
