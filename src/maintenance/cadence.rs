//! Patch cadence: how long each device class may run one firmware version
//! while a newer release exists before it counts as `overdue`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use time::Date;

use crate::device::{Device, DeviceClass, Verdict};

/// Days in a quarter, rounded up so that a sweep on the same calendar day
/// each quarter is never early.
pub const QUARTERLY: i64 = 92;
/// Days in half a year, rounded up.
pub const TWICE_A_YEAR: i64 = 183;

/// Maximum days between firmware changes, per device class. A class with
/// no entry is never overdue.
#[derive(Debug, Clone, PartialEq)]
pub struct CadencePolicy {
    pub days: BTreeMap<&'static str, i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Default for CadencePolicy {
    /// Network security devices, BMC and server firmware, and storage are
    /// patched quarterly, printers, phones and UPS cards twice a year.
    /// Devices of class `other` have no default cadence.
    fn default() -> Self {
        let days = BTreeMap::from([
            ("firewall", QUARTERLY),
            ("router", QUARTERLY),
            ("switch", QUARTERLY),
            ("wireless", QUARTERLY),
            ("bmc", QUARTERLY),
            ("storage", QUARTERLY),
            ("printer", TWICE_A_YEAR),
            ("phone", TWICE_A_YEAR),
            ("ups", TWICE_A_YEAR),
        ]);
        CadencePolicy { days }
    }
}

/// A cadence as written in the policy file: days, or a name.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Interval {
    Days(i64),
    Name(String),
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    cadence: BTreeMap<String, Interval>,
}

const CLASSES: [DeviceClass; 10] = [
    DeviceClass::Switch,
    DeviceClass::Router,
    DeviceClass::Firewall,
    DeviceClass::Wireless,
    DeviceClass::Printer,
    DeviceClass::Phone,
    DeviceClass::Bmc,
    DeviceClass::Storage,
    DeviceClass::Ups,
    DeviceClass::Other,
];

impl CadencePolicy {
    /// Reads a policy TOML whose `[cadence]` table maps a device class to
    /// days or to `monthly`, `quarterly`, `twice-a-year` or `yearly`. Classes
    /// the file leaves out keep their defaults, and `never` removes one.
    pub fn load(path: &Path) -> Result<CadencePolicy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io { path: path.to_path_buf(), source })?;
        let invalid = |message: String| PolicyError::Invalid { path: path.to_path_buf(), message };
        let file: PolicyFile = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;

        let mut policy = CadencePolicy::default();
        for (class_name, interval) in file.cadence {
            let Some(class) = CLASSES.iter().find(|c| c.as_str() == class_name) else {
                let known: Vec<&str> = CLASSES.iter().map(|c| c.as_str()).collect();
                return Err(invalid(format!("[cadence] {class_name:?} is not a device class; use one of {}", known.join(", "))));
            };
            let days = match interval {
                Interval::Days(days) if days > 0 => Some(days),
                Interval::Days(days) => return Err(invalid(format!("[cadence] {class_name} = {days}: days must be above zero"))),
                Interval::Name(name) => match name.as_str() {
                    "monthly" => Some(31),
                    "quarterly" => Some(QUARTERLY),
                    "twice-a-year" => Some(TWICE_A_YEAR),
                    "yearly" => Some(366),
                    "never" => None,
                    _ => {
                        return Err(invalid(format!(
                            "[cadence] {class_name} = {name:?}: use days or monthly, quarterly, twice-a-year, yearly, never"
                        )));
                    }
                },
            };
            match days {
                Some(days) => policy.days.insert(class.as_str(), days),
                None => policy.days.remove(class.as_str()),
            };
        }
        Ok(policy)
    }

    /// Returns the cadence of the device's class in days, if it has one.
    pub fn days_for(&self, device: &Device) -> Option<i64> {
        device.class.and_then(|class| self.days.get(class.as_str()).copied())
    }
}

/// Returns whether a release newer than the running firmware is known: a
/// component behind in its train, below baseline, vulnerable or end of life
/// with a different latest version.
pub fn newer_release_exists(device: &Device) -> bool {
    device.components.iter().any(|component| {
        let differs = |latest: &Option<String>| latest.as_deref().is_some_and(|l| l != component.version);
        component.verdict >= Verdict::Behind && (differs(&component.latest_in_train) || differs(&component.latest))
    })
}

/// Judges one device: `firmware_since` is the first day of the unbroken run
/// of sweeps with its current version, `today` the sweep's date.
pub fn is_overdue(policy: &CadencePolicy, device: &Device, firmware_since: Date, today: Date) -> Option<bool> {
    let days = policy.days_for(device)?;
    Some((today - firmware_since).whole_days() > days && newer_release_exists(device))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Component, ComponentKind, Status};

    fn behind_printer() -> Device {
        let mut device = Device::empty("acme", "hq", None, Status::Ok);
        device.class = Some(DeviceClass::Printer);
        let mut component = Component::new("firmware", ComponentKind::Firmware, "1.0".into(), "snmp:1".into());
        component.verdict = Verdict::Behind;
        component.latest_in_train = Some("1.4".into());
        device.components.push(component);
        device
    }

    #[test]
    fn printer_overdue_after_half_year() {
        let policy = CadencePolicy::default();
        let device = behind_printer();
        let since = time::macros::date!(2026 - 01 - 01);

        assert_eq!(is_overdue(&policy, &device, since, time::macros::date!(2026 - 06 - 30)), Some(false));
        assert_eq!(is_overdue(&policy, &device, since, time::macros::date!(2026 - 07 - 10)), Some(true));
    }

    #[test]
    fn current_firmware_never_overdue() {
        let policy = CadencePolicy::default();
        let mut device = behind_printer();
        device.components[0].verdict = Verdict::Current;
        let since = time::macros::date!(2020 - 01 - 01);

        assert_eq!(is_overdue(&policy, &device, since, time::macros::date!(2026 - 01 - 01)), Some(false));
    }

    #[test]
    fn policy_file_overrides_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "[cadence]\nprinter = \"quarterly\"\nphone = \"never\"\nother = 400\n").unwrap();

        let policy = CadencePolicy::load(&path).unwrap();

        assert_eq!(policy.days.get("printer"), Some(&QUARTERLY));
        assert_eq!(policy.days.get("phone"), None);
        assert_eq!(policy.days.get("other"), Some(&400));
        assert_eq!(policy.days.get("firewall"), Some(&QUARTERLY));
    }

    #[test]
    fn policy_file_rejects_unknown_class() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "[cadence]\nprinters = 90\n").unwrap();

        let error = CadencePolicy::load(&path).unwrap_err().to_string();

        assert!(error.contains("policy.toml"), "{error}");
        assert!(error.contains("\"printers\" is not a device class"), "{error}");
    }
}
