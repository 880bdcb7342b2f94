//! Sweep history: every scan stored in an embedded SQLite database, so that
//! sweeps can be listed, shown again, compared, planned from and judged
//! against a patch cadence.

pub mod db;
pub mod diff;
mod recorder;
pub mod store;

use std::path::PathBuf;

pub use recorder::Recorder;
pub use store::{StoredSweep, SweepInfo};

/// Failures to open, read or write the history database.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history database {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("{path}: cannot create the folder: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "history database {path} has schema version {found}, but this fwsweep knows versions up to {known}; use a newer fwsweep or another --db"
    )]
    NewerSchema { path: PathBuf, found: i64, known: i64 },
    #[error("history database {path}: no sweep {id}; `fwsweep history` lists the stored sweeps")]
    NoSweep { path: PathBuf, id: i64 },
    #[error("history database {path}: sweep {id} is incomplete (the scan was stopped); only complete sweeps can be used here")]
    Incomplete { path: PathBuf, id: i64 },
    #[error("history database {path}: tenant {tenant:?} has {found} complete sweep(s), and {needed} are needed")]
    TooFewSweeps { path: PathBuf, tenant: String, found: usize, needed: usize },
}
