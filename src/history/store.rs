//! Writing sweeps, devices and components to the history database, and
//! reading them back as the same `Device` rows the reports take.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::de::DeserializeOwned;

use super::HistoryError;
use crate::device::{Component, Device, Status};

/// One row of `fwsweep history`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SweepInfo {
    pub id: i64,
    pub started: String,
    pub finished: Option<String>,
    pub fwsweep_version: String,
    pub release_data_checked: Option<String>,
    pub targets: i64,
    pub complete: bool,
    /// `scan`, or `verify` for the rescan of a plan's devices only.
    pub kind: String,
    pub tenants: Vec<String>,
}

/// A stored sweep with its device rows, in report order.
#[derive(Debug, Clone)]
pub struct StoredSweep {
    pub info: SweepInfo,
    pub devices: Vec<Device>,
}

fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
    move |source| HistoryError::Sqlite { path: path.to_path_buf(), source }
}

/// Inserts a sweep row marked incomplete and returns its id. It is
/// committed on its own, so a scan killed later leaves it behind as
/// incomplete rather than leaving nothing.
pub fn begin_sweep(connection: &Connection, path: &Path, started: &str, kind: &str, tenants: &[String]) -> Result<i64, HistoryError> {
    let failed = sqlite_error(path);
    connection
        .execute(
            "INSERT INTO sweeps (started, fwsweep_version, complete, kind) VALUES (?1, ?2, 0, ?3)",
            params![started, env!("CARGO_PKG_VERSION"), kind],
        )
        .map_err(&failed)?;
    let id = connection.last_insert_rowid();
    for tenant in tenants {
        connection
            .execute("INSERT OR IGNORE INTO sweep_tenants (sweep_id, tenant) VALUES (?1, ?2)", params![id, tenant])
            .map_err(&failed)?;
    }
    Ok(id)
}

/// Facts written when a sweep completes.
pub struct Completion<'a> {
    pub started: &'a str,
    pub finished: &'a str,
    pub release_data_checked: Option<&'a str>,
}

/// Stores every device and component of the sweep and marks it complete,
/// all in one transaction: either the whole sweep is stored or it stays
/// incomplete with no devices.
pub fn complete_sweep(
    connection: &mut Connection,
    path: &Path,
    id: i64,
    completion: &Completion,
    devices: &[Device],
) -> Result<(), HistoryError> {
    let failed = sqlite_error(path);
    let transaction = connection.transaction().map_err(&failed)?;
    for (position, device) in devices.iter().enumerate() {
        insert_device(&transaction, id, position, device).map_err(&failed)?;
        transaction
            .execute("INSERT OR IGNORE INTO sweep_tenants (sweep_id, tenant) VALUES (?1, ?2)", params![id, device.tenant])
            .map_err(&failed)?;
    }
    transaction
        .execute(
            "UPDATE sweeps SET started = ?2, finished = ?3, release_data_checked = ?4, targets = ?5, complete = 1 WHERE id = ?1",
            params![id, completion.started, completion.finished, completion.release_data_checked, devices.len() as i64],
        )
        .map_err(&failed)?;
    transaction.commit().map_err(&failed)
}

fn insert_device(connection: &Connection, sweep: i64, position: usize, device: &Device) -> rusqlite::Result<()> {
    connection.execute(
        "INSERT INTO devices (sweep_id, position, tenant, site, address, port, target_label, name, recording,
            status, reason, protocols, credential, profile, vendor, model, serial, class, hostname, sys_descr,
            sys_object_id, user_agent, version, verdict, tls, scanned_at, overdue, firmware_since, outcomes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
            ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
        params![
            sweep,
            position as i64,
            device.tenant,
            device.site,
            device.address.map(|a| a.to_string()),
            device.port,
            device.target_label,
            device.name,
            device.recording,
            device.status.as_str(),
            device.reason,
            device.protocols.join(","),
            device.credential,
            device.profile,
            device.vendor,
            device.model,
            device.serial,
            device.class.map(|c| c.as_str()),
            device.hostname,
            device.sys_descr,
            device.sys_object_id,
            device.user_agent,
            device.version,
            device.verdict.map(|v| v.as_str()),
            device.tls,
            device.scanned_at,
            device.overdue,
            device.firmware_since,
            serde_json::to_string(&device.outcomes).ok(),
        ],
    )?;
    let device_id = connection.last_insert_rowid();
    for (position, component) in device.components.iter().enumerate() {
        insert_component(connection, device_id, position, component)?;
    }
    Ok(())
}

fn insert_component(connection: &Connection, device: i64, position: usize, component: &Component) -> rusqlite::Result<()> {
    connection.execute(
        "INSERT INTO components (device_id, position, name, kind, version, source, protocol, verdict,
            latest_in_train, latest, baseline, eol_date, advisories, kev, note, updateable, software_id,
            related_item, state, release_product, release_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        params![
            device,
            position as i64,
            component.name,
            component.kind.as_str(),
            component.version,
            component.source,
            component.protocol,
            component.verdict.as_str(),
            component.latest_in_train,
            component.latest,
            component.baseline,
            component.eol_date,
            serde_json::to_string(&component.advisories).unwrap_or_else(|_| "[]".to_string()),
            component.kev,
            component.note,
            component.updateable,
            component.software_id,
            component.related_item,
            component.state,
            component.release_product,
            component.release_version,
        ],
    )?;
    Ok(())
}

/// Lists the stored sweeps, newest first, optionally only those of one tenant.
pub fn list_sweeps(connection: &Connection, path: &Path, tenant: Option<&str>) -> Result<Vec<SweepInfo>, HistoryError> {
    let failed = sqlite_error(path);
    let mut statement = connection
        .prepare(
            "SELECT id, started, finished, fwsweep_version, release_data_checked, targets, complete, kind FROM sweeps
             WHERE ?1 IS NULL OR id IN (SELECT sweep_id FROM sweep_tenants WHERE tenant = ?1)
             ORDER BY id DESC",
        )
        .map_err(&failed)?;
    let rows = statement.query_map(params![tenant], sweep_info).map_err(&failed)?;
    let mut sweeps = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(&failed)?;
    for sweep in &mut sweeps {
        sweep.tenants = tenants_of(connection, sweep.id).map_err(&failed)?;
    }
    Ok(sweeps)
}

fn sweep_info(row: &Row) -> rusqlite::Result<SweepInfo> {
    Ok(SweepInfo {
        id: row.get(0)?,
        started: row.get(1)?,
        finished: row.get(2)?,
        fwsweep_version: row.get(3)?,
        release_data_checked: row.get(4)?,
        targets: row.get(5)?,
        complete: row.get(6)?,
        kind: row.get(7)?,
        tenants: Vec::new(),
    })
}

fn tenants_of(connection: &Connection, sweep: i64) -> rusqlite::Result<Vec<String>> {
    let mut statement = connection.prepare("SELECT tenant FROM sweep_tenants WHERE sweep_id = ?1 ORDER BY tenant")?;
    let rows = statement.query_map([sweep], |row| row.get(0))?;
    rows.collect()
}

/// Returns the ids of the complete full scans (not `verify` rescans),
/// newest first, of one tenant or of all.
pub fn complete_scans(connection: &Connection, path: &Path, tenant: Option<&str>) -> Result<Vec<i64>, HistoryError> {
    let sweeps = list_sweeps(connection, path, tenant)?;
    Ok(sweeps.into_iter().filter(|s| s.complete && s.kind == "scan").map(|s| s.id).collect())
}

/// Reads a sweep and its devices. An incomplete sweep has no devices,
/// because they are stored only when it completes.
pub fn load_sweep(connection: &Connection, path: &Path, id: i64) -> Result<StoredSweep, HistoryError> {
    let failed = sqlite_error(path);
    let info = connection
        .query_row(
            "SELECT id, started, finished, fwsweep_version, release_data_checked, targets, complete, kind FROM sweeps WHERE id = ?1",
            [id],
            sweep_info,
        )
        .optional()
        .map_err(&failed)?;
    let Some(mut info) = info else {
        return Err(HistoryError::NoSweep { path: path.to_path_buf(), id });
    };
    info.tenants = tenants_of(connection, id).map_err(&failed)?;
    let devices = load_devices(connection, id).map_err(&failed)?;
    Ok(StoredSweep { info, devices })
}

/// Reads a sweep that must be complete.
pub fn load_complete_sweep(connection: &Connection, path: &Path, id: i64) -> Result<StoredSweep, HistoryError> {
    let sweep = load_sweep(connection, path, id)?;
    if !sweep.info.complete {
        return Err(HistoryError::Incomplete { path: path.to_path_buf(), id });
    }
    Ok(sweep)
}

fn load_devices(connection: &Connection, sweep: i64) -> rusqlite::Result<Vec<Device>> {
    let mut statement = connection.prepare(
        "SELECT id, tenant, site, address, port, target_label, name, recording, status, reason, protocols,
            credential, profile, vendor, model, serial, class, hostname, sys_descr, sys_object_id, user_agent,
            version, verdict, tls, scanned_at, overdue, firmware_since, outcomes
         FROM devices WHERE sweep_id = ?1 ORDER BY position",
    )?;
    let rows = statement.query_map([sweep], |row| Ok((row.get::<_, i64>(0)?, device_of(row)?)))?;
    let mut devices = Vec::new();
    for row in rows {
        let (id, mut device) = row?;
        device.components = load_components(connection, id)?;
        devices.push(device);
    }
    Ok(devices)
}

fn device_of(row: &Row) -> rusqlite::Result<Device> {
    let status: String = row.get(8)?;
    let address: Option<String> = row.get(3)?;
    let mut device = Device::empty(
        &row.get::<_, String>(1)?,
        &row.get::<_, String>(2)?,
        address.and_then(|a| a.parse().ok()),
        parse_name(&status).unwrap_or(Status::NotScanned),
    );

    device.port = row.get(4)?;
    device.target_label = row.get(5)?;
    device.name = row.get(6)?;
    device.recording = row.get(7)?;
    device.reason = row.get(9)?;
    let protocols: String = row.get(10)?;
    device.protocols = protocols.split(',').filter(|p| !p.is_empty()).map(interned).collect();

    device.credential = row.get(11)?;
    device.profile = row.get(12)?;
    device.vendor = row.get(13)?;
    device.model = row.get(14)?;
    device.hardware = device.model.clone();
    device.serial = row.get(15)?;
    device.class = row.get::<_, Option<String>>(16)?.as_deref().and_then(parse_name);
    device.hostname = row.get(17)?;
    device.sys_descr = row.get(18)?;
    device.sys_object_id = row.get(19)?;
    device.user_agent = row.get(20)?;

    device.version = row.get(21)?;
    device.verdict = row.get::<_, Option<String>>(22)?.as_deref().and_then(parse_name);
    device.tls = row.get::<_, Option<String>>(23)?.as_deref().map(interned);
    device.scanned_at = row.get(24)?;
    device.overdue = row.get(25)?;
    device.firmware_since = row.get(26)?;
    device.outcomes = outcomes_of(row.get::<_, Option<String>>(27)?.as_deref());
    Ok(device)
}

/// One stored entry of a device's `outcomes` column.
#[derive(serde::Deserialize)]
struct StoredOutcome {
    protocol: String,
    status: Status,
    reason: Option<String>,
}

/// Parses the `outcomes` column. A sweep stored before the column existed
/// has none, and an unreadable value is read as none.
fn outcomes_of(json: Option<&str>) -> Vec<crate::outcome::ProtocolOutcome> {
    let stored: Vec<StoredOutcome> = json.and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default();
    stored
        .into_iter()
        .map(|o| crate::outcome::ProtocolOutcome { protocol: interned(&o.protocol), status: o.status, reason: o.reason })
        .collect()
}

fn load_components(connection: &Connection, device: i64) -> rusqlite::Result<Vec<Component>> {
    let mut statement = connection.prepare_cached(
        "SELECT name, kind, version, source, protocol, verdict, latest_in_train, latest, baseline, eol_date,
            advisories, kev, note, updateable, software_id, related_item, state, release_product, release_version
         FROM components WHERE device_id = ?1 ORDER BY position",
    )?;
    let rows = statement.query_map([device], |row| {
        let kind: String = row.get(1)?;
        let mut component =
            Component::new(row.get::<_, String>(0)?, parse_name(&kind).unwrap_or_default(), row.get(2)?, row.get(3)?);
        component.protocol = interned(&row.get::<_, String>(4)?);
        component.verdict = parse_name(&row.get::<_, String>(5)?).unwrap_or_default();
        component.latest_in_train = row.get(6)?;
        component.latest = row.get(7)?;
        component.baseline = row.get(8)?;
        component.eol_date = row.get(9)?;
        component.advisories = serde_json::from_str(&row.get::<_, String>(10)?).unwrap_or_default();
        component.kev = row.get(11)?;
        component.note = row.get(12)?;
        component.updateable = row.get(13)?;
        component.software_id = row.get(14)?;
        component.related_item = row.get(15)?;
        component.state = row.get::<_, Option<String>>(16)?.as_deref().map(interned);
        component.release_product = row.get(17)?;
        component.release_version = row.get(18)?;
        Ok(component)
    })?;
    rows.collect()
}

/// Parses a kebab-case enum name (status, class, kind, verdict) as its serde
/// form, so that the database and the JSON document spell values alike.
fn parse_name<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
}

/// Returns the `'static` spelling of a protocol, TLS mode or component state
/// name, as `Device` keeps them.
fn interned(text: &str) -> &'static str {
    const KNOWN: [&str; 11] =
        ["snmp", "redfish", "sip", "ssh", "http", "verified", "pinned", "insecure", "installed", "previous", "available"];
    match KNOWN.iter().find(|known| **known == text) {
        Some(known) => known,
        // NOTE: a name this build does not know (written by a newer fwsweep)
        // is leaked once per row read. Such rows are rare, and the process is short-lived.
        None => Box::leak(text.to_string().into_boxed_str()),
    }
}

/// One earlier observation of a device's firmware: the sweep's start and the
/// version then, for the patch cadence.
#[derive(Debug, Clone)]
pub struct Observation {
    pub started: String,
    pub version: Option<String>,
}

/// Returns the firmware observations that complete sweeps other than `exclude`
/// made at the device's tenant, site, address and port, newest first. Rows
/// where the device did not respond are skipped.
pub fn firmware_history(
    connection: &Connection,
    path: &Path,
    device: &Device,
    exclude: i64,
) -> Result<Vec<Observation>, HistoryError> {
    let failed = sqlite_error(path);
    let Some(address) = device.address else { return Ok(Vec::new()) };
    let mut statement = connection
        .prepare_cached(
            "SELECT s.started, d.version, d.status FROM devices d JOIN sweeps s ON s.id = d.sweep_id
             WHERE s.complete = 1 AND s.id != ?1 AND d.tenant = ?2 AND d.site = ?3 AND d.address = ?4
               AND d.port IS ?5
             ORDER BY s.started DESC, s.id DESC",
        )
        .map_err(&failed)?;
    let rows = statement
        .query_map(params![exclude, device.tenant, device.site, address.to_string(), device.port], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?, row.get::<_, String>(2)?))
        })
        .map_err(&failed)?;
    let mut observations = Vec::new();
    for row in rows {
        let (started, version, status) = row.map_err(&failed)?;
        if parse_name::<Status>(&status).is_some_and(Status::answered) {
            observations.push(Observation { started, version });
        }
    }
    Ok(observations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{ComponentKind, DeviceClass, Verdict};

    fn redfish_device() -> Device {
        let mut device = Device::empty("acme", "dc1", Some("192.0.2.40".parse().unwrap()), Status::Partial);
        device.port = Some(443);
        device.name = Some("srv-40".into());
        device.reason = Some("one component failed".into());
        device.protocols = vec!["snmp", "redfish"];
        device.credential = Some("acme-bmc".into());
        device.profile = Some("dell-idrac".into());
        device.vendor = Some("Dell".into());
        device.model = Some("PowerEdge R750".into());
        device.hardware = device.model.clone();
        device.serial = Some("7QJ3XK3".into());
        device.class = Some(DeviceClass::Bmc);
        device.version = Some("6.10.30.00".into());
        device.verdict = Some(Verdict::Vulnerable);
        device.tls = Some("pinned");
        device.scanned_at = Some("2026-12-04T21:00:00Z".into());
        device.overdue = Some(true);
        device.firmware_since = Some("2026-01-02".into());
        device.outcomes = vec![
            crate::outcome::ProtocolOutcome { protocol: "redfish", status: Status::Partial, reason: Some("one component failed".into()) },
            crate::outcome::ProtocolOutcome { protocol: "snmp", status: Status::Timeout, reason: Some("no SNMP response".into()) },
        ];

        let mut bios = Component::new("BIOS", ComponentKind::Bios, "1.2.3".into(), "redfish:/redfish/v1/x".into());
        bios.protocol = "redfish";
        bios.verdict = Verdict::Behind;
        bios.latest_in_train = Some("1.4.0".into());
        bios.advisories = vec!["DSA-2026-001".into(), "DSA-2026-002".into()];
        bios.kev = true;
        bios.note = Some("a note".into());
        bios.updateable = Some(true);
        bios.software_id = Some("159".into());
        bios.related_item = Some("/redfish/v1/Systems/1".into());
        bios.state = Some("installed");
        bios.release_product = Some("dell-bios".into());
        bios.release_version = Some("1.2.3".into());
        device.components.push(bios);
        device
    }

    #[test]
    fn device_round_trip_keeps_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite3");
        let mut connection = super::super::db::open(&path).unwrap();
        let device = redfish_device();
        let id = begin_sweep(&connection, &path, "2026-12-04T21:00:00Z", "scan", &["acme".to_string()]).unwrap();
        let completion = Completion { started: "2026-12-04T21:00:00Z", finished: "2026-12-04T21:00:09Z", release_data_checked: None };
        complete_sweep(&mut connection, &path, id, &completion, std::slice::from_ref(&device)).unwrap();

        let stored = load_complete_sweep(&connection, &path, id).unwrap();

        let read = &stored.devices[0];
        assert_eq!(serde_json::to_value(read).unwrap(), serde_json::to_value(&device).unwrap());
        assert_eq!(read.scanned_at, device.scanned_at);
        assert_eq!(read.target_label, device.target_label);
        assert_eq!(read.components[0].release_product, device.components[0].release_product);
        assert_eq!(read.components[0].release_version, device.components[0].release_version);
        assert_eq!(stored.info.tenants, vec!["acme".to_string()]);
        assert_eq!(stored.info.targets, 1);
    }

    #[test]
    fn incomplete_sweep_not_loaded_as_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite3");
        let connection = super::super::db::open(&path).unwrap();
        let id = begin_sweep(&connection, &path, "2026-12-04T21:00:00Z", "scan", &[]).unwrap();

        let error = load_complete_sweep(&connection, &path, id).unwrap_err();

        assert!(matches!(error, HistoryError::Incomplete { .. }), "{error}");
        assert!(load_sweep(&connection, &path, id).unwrap().devices.is_empty());
    }
}
