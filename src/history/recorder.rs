//! Storing one scan as it runs: the sweep row first, marked incomplete, then
//! the patch cadence judged against earlier sweeps, then all devices at once.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use time::Date;

use super::{HistoryError, db, store};
use crate::device::Device;
use crate::maintenance::cadence::{CadencePolicy, is_overdue};

/// A sweep being stored in the history database.
pub struct Recorder {
    connection: Connection,
    path: PathBuf,
    sweep: i64,
    policy: CadencePolicy,
}

impl Recorder {
    /// Opens the database and stores the sweep row, marked incomplete until
    /// [`Recorder::complete`] runs. `kind` is `scan` or `verify`. `tenants`
    /// are those known before the sweep starts, and the devices' tenants are
    /// added at completion.
    pub fn begin(path: &Path, started: &str, kind: &str, tenants: &[String], policy: CadencePolicy) -> Result<Recorder, HistoryError> {
        let connection = db::open(path)?;
        let sweep = store::begin_sweep(&connection, path, started, kind, tenants)?;
        tracing::info!(sweep, db = %path.display(), "sweep stored as incomplete until it finishes");
        Ok(Recorder { connection, path: path.to_path_buf(), sweep, policy })
    }

    pub fn sweep_id(&self) -> i64 {
        self.sweep
    }

    /// Sets `overdue` and `firmware_since` on every device that responded
    /// with a version, from the earlier complete sweeps of the same tenant,
    /// site, address and port.
    pub fn mark_overdue(&self, devices: &mut [Device], today: Date) -> Result<(), HistoryError> {
        for device in devices.iter_mut().filter(|d| d.status.answered() && d.version.is_some()) {
            let earlier = store::firmware_history(&self.connection, &self.path, device, self.sweep)?;
            apply_cadence(&self.policy, device, &earlier, today);
        }
        Ok(())
    }

    /// Stores every device and marks the sweep complete in one transaction.
    pub fn complete(mut self, completion: &store::Completion, devices: &[Device]) -> Result<i64, HistoryError> {
        store::complete_sweep(&mut self.connection, &self.path, self.sweep, completion, devices)?;
        tracing::info!(sweep = self.sweep, devices = devices.len(), db = %self.path.display(), "sweep stored");
        Ok(self.sweep)
    }
}

/// Walks back through the earlier observations (newest first) while they
/// saw the same version, and judges the device from the oldest of them.
/// Without an earlier observation of this version, `overdue` stays `None`.
fn apply_cadence(policy: &CadencePolicy, device: &mut Device, earlier: &[store::Observation], today: Date) {
    let mut since: Option<Date> = None;
    for observation in earlier {
        if observation.version != device.version {
            break;
        }
        since = date_of(&observation.started).or(since);
    }
    device.firmware_since = Some(since.unwrap_or(today).to_string());
    device.overdue = since.and_then(|since| is_overdue(policy, device, since, today));
}

/// Returns the calendar date of an RFC 3339 time stamp.
pub(crate) fn date_of(stamp: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    stamp.get(..10).and_then(|day| Date::parse(day, &format).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Component, ComponentKind, DeviceClass, Status, Verdict};

    fn behind_switch(version: &str) -> Device {
        let mut device = Device::empty("acme", "hq", Some("192.0.2.2".parse().unwrap()), Status::Ok);
        device.class = Some(DeviceClass::Switch);
        device.version = Some(version.to_string());
        let mut component = Component::new("IOS", ComponentKind::Os, version.to_string(), "snmp:1".into());
        component.verdict = Verdict::Behind;
        component.latest_in_train = Some("15.2(7)E12".into());
        device.components.push(component);
        device
    }

    fn seen(started: &str, version: &str) -> store::Observation {
        store::Observation { started: started.to_string(), version: Some(version.to_string()) }
    }

    #[test]
    fn cadence_counts_from_last_change() {
        let mut device = behind_switch("15.2(7)E9");
        let earlier = [
            seen("2026-09-01T08:00:00Z", "15.2(7)E9"),
            seen("2026-06-01T08:00:00Z", "15.2(7)E9"),
            seen("2026-03-01T08:00:00Z", "15.2(7)E4"),
            seen("2025-12-01T08:00:00Z", "15.2(7)E9"),
        ];

        apply_cadence(&CadencePolicy::default(), &mut device, &earlier, time::macros::date!(2026 - 09 - 02));

        assert_eq!(device.firmware_since.as_deref(), Some("2026-06-01"));
        assert_eq!(device.overdue, Some(true));
    }

    #[test]
    fn first_sighting_is_not_judged() {
        let mut device = behind_switch("15.2(7)E9");
        let earlier = [seen("2026-06-01T08:00:00Z", "15.2(7)E4")];

        apply_cadence(&CadencePolicy::default(), &mut device, &earlier, time::macros::date!(2026 - 09 - 02));

        assert_eq!(device.firmware_since.as_deref(), Some("2026-09-02"));
        assert_eq!(device.overdue, None);
    }
}
