//! The history database: opening it, WAL mode, and schema migrations
//! recorded in the `schema_version` table.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::HistoryError;

/// Schema migrations in order. Migration `n` (counting from 1) brings the
/// database to schema version `n`. A released migration is never edited but
/// followed by a new one.
const MIGRATIONS: &[&str] = &[
    // 1: sweeps, their tenants, device rows and component rows.
    "CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        fwsweep_version TEXT NOT NULL,
        release_data_checked TEXT,
        targets INTEGER NOT NULL DEFAULT 0,
        complete INTEGER NOT NULL DEFAULT 0,
        kind TEXT NOT NULL DEFAULT 'scan'
    );
    CREATE TABLE sweep_tenants (
        sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
        tenant TEXT NOT NULL,
        PRIMARY KEY (sweep_id, tenant)
    );
    CREATE TABLE devices (
        id INTEGER PRIMARY KEY,
        sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        tenant TEXT NOT NULL,
        site TEXT NOT NULL,
        address TEXT,
        port INTEGER,
        target_label TEXT NOT NULL,
        name TEXT,
        recording TEXT,
        status TEXT NOT NULL,
        reason TEXT,
        protocols TEXT NOT NULL,
        credential TEXT,
        profile TEXT,
        vendor TEXT,
        model TEXT,
        serial TEXT,
        class TEXT,
        hostname TEXT,
        sys_descr TEXT,
        sys_object_id TEXT,
        user_agent TEXT,
        version TEXT,
        verdict TEXT,
        tls TEXT,
        scanned_at TEXT,
        overdue INTEGER,
        firmware_since TEXT
    );
    CREATE INDEX devices_by_key ON devices (tenant, site, address, port);
    CREATE INDEX devices_by_sweep ON devices (sweep_id);
    CREATE TABLE components (
        device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        version TEXT NOT NULL,
        source TEXT NOT NULL,
        protocol TEXT NOT NULL,
        verdict TEXT NOT NULL,
        latest_in_train TEXT,
        latest TEXT,
        baseline TEXT,
        eol_date TEXT,
        advisories TEXT NOT NULL,
        kev INTEGER NOT NULL,
        note TEXT,
        updateable INTEGER,
        software_id TEXT,
        related_item TEXT,
        state TEXT,
        release_product TEXT,
        release_version TEXT,
        PRIMARY KEY (device_id, position)
    );",
    // 2: each device's per-protocol outcomes, as a JSON array.
    "ALTER TABLE devices ADD COLUMN outcomes TEXT;",
];

/// Returns the default database path, `<data dir>/fwsweep/history.sqlite3`
/// (`~/.local/share` on Linux), or `None` when the platform has no data directory.
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("fwsweep").join("history.sqlite3"))
}

/// Opens (creating when missing) the database at `path` in WAL mode and
/// brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection, HistoryError> {
    let failed = |source| HistoryError::Sqlite { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| HistoryError::Io { path: parent.to_path_buf(), source })?;
    }
    let mut connection = Connection::open(path).map_err(failed)?;
    // A second fwsweep (a scan while `history` reads) waits for the lock
    // instead of failing at once.
    connection.busy_timeout(std::time::Duration::from_secs(10)).map_err(failed)?;
    connection.pragma_update(None, "journal_mode", "WAL").map_err(failed)?;
    connection.pragma_update(None, "foreign_keys", true).map_err(failed)?;
    migrate(&mut connection).map_err(|error| match error {
        HistoryError::Sqlite { source, .. } => failed(source),
        HistoryError::NewerSchema { found, known, .. } => HistoryError::NewerSchema { path: path.to_path_buf(), found, known },
        other => other,
    })?;
    Ok(connection)
}

/// Applies the migrations the database lacks, each in its own transaction
/// together with its `schema_version` update.
fn migrate(connection: &mut Connection) -> Result<(), HistoryError> {
    let sqlite = |source| HistoryError::Sqlite { path: PathBuf::new(), source };
    connection
        .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(sqlite)?;
    let current: i64 = connection
        .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_version", [], |row| row.get(0))
        .map_err(sqlite)?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(HistoryError::NewerSchema { path: PathBuf::new(), found: current, known });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let transaction = connection.transaction().map_err(sqlite)?;
        transaction.execute_batch(sql).map_err(sqlite)?;
        transaction.execute("DELETE FROM schema_version", []).map_err(sqlite)?;
        transaction.execute("INSERT INTO schema_version (version) VALUES (?1)", [index as i64 + 1]).map_err(sqlite)?;
        transaction.commit().map_err(sqlite)?;
        tracing::debug!(version = index + 1, "history database migrated");
    }
    Ok(())
}

/// Returns the schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_twice_keeps_one_version_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("history.sqlite3");
        drop(open(&path).unwrap());
        let connection = open(&path).unwrap();

        let rows: i64 = connection.query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0)).unwrap();
        let version: i64 = connection.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).unwrap();
        let mode: String = connection.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1);
        assert_eq!(version, schema_version());
        assert_eq!(mode, "wal");
    }

    #[test]
    fn newer_schema_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite3");
        drop(open(&path).unwrap());
        let connection = Connection::open(&path).unwrap();
        connection.execute("UPDATE schema_version SET version = 99", []).unwrap();
        drop(connection);

        let error = open(&path).unwrap_err().to_string();

        assert!(error.contains("schema version 99"), "{error}");
        assert!(error.contains(&path.display().to_string()), "{error}");
    }
}
