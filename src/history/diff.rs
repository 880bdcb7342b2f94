//! Comparing two sweeps: devices added, gone or moved, firmware changed,
//! verdicts improved or worsened, and devices that stopped answering.
//! Devices are paired by tenant, site, address and port, so two tenants'
//! devices never pair.

use std::collections::BTreeMap;

use crate::device::{Device, Verdict};

/// Kind of change of one device between the old and the new sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Added,
    Gone,
    Moved,
    NotAnswering,
    Firmware,
    Improved,
    Worsened,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Gone => "gone",
            Change::Moved => "moved",
            Change::NotAnswering => "not-answering",
            Change::Firmware => "firmware",
            Change::Improved => "improved",
            Change::Worsened => "worsened",
        }
    }

    /// Returns whether the change counts as a regression for the exit status.
    pub fn regressed(self) -> bool {
        matches!(self, Change::Worsened | Change::NotAnswering)
    }
}

/// One line of a diff.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DiffRow {
    pub change: Change,
    pub tenant: String,
    pub site: String,
    pub address: String,
    /// The inventory name the device had in the sweep it was seen in, else
    /// its host name. For `moved` rows it is the name from the old sweep.
    pub name: Option<String>,
    /// The host name the device reported itself (sysName, for SNMP).
    pub hostname: Option<String>,
    pub class: Option<&'static str>,
    pub serial: Option<String>,
    /// The old value: version, verdict, address or status, by change.
    pub from: Option<String>,
    pub to: Option<String>,
    /// The component whose version changed, for `firmware` rows of one component.
    pub component: Option<String>,
}

type Key = (String, String, String, Option<u16>);

fn key_of(device: &Device) -> Key {
    let address = device.address.map(|a| a.to_string()).unwrap_or_else(|| device.target_label.clone());
    (device.tenant.clone(), device.site.clone(), address, device.port)
}

fn row(change: Change, device: &Device, from: Option<String>, to: Option<String>) -> DiffRow {
    let (tenant, site, address, _) = key_of(device);
    DiffRow {
        change,
        tenant,
        site,
        address,
        name: device.name.clone().or_else(|| device.hostname.clone()),
        hostname: device.hostname.clone(),
        class: device.class.map(|c| c.as_str()),
        serial: device.serial.clone(),
        from,
        to,
        component: None,
    }
}

/// A device that left its address: reported `gone` unless it turns up
/// elsewhere (`moved`) or already has a `not-answering` row.
struct Vanished<'a> {
    device: &'a Device,
    report_gone: bool,
}

/// Compares two sweeps' devices and returns the changes, ordered by tenant,
/// site and address.
pub fn diff(old: &[Device], new: &[Device]) -> Vec<DiffRow> {
    let old_by_key: BTreeMap<Key, &Device> = old.iter().map(|d| (key_of(d), d)).collect();
    let new_by_key: BTreeMap<Key, &Device> = new.iter().map(|d| (key_of(d), d)).collect();
    let mut rows = Vec::new();
    let mut vanished: Vec<Vanished> = Vec::new();
    let mut appeared: Vec<&Device> = Vec::new();

    for (key, before) in &old_by_key {
        let Some(after) = new_by_key.get(key) else {
            if before.status.answered() {
                vanished.push(Vanished { device: before, report_gone: true });
            }
            continue;
        };
        if !before.status.answered() {
            if after.status.answered() {
                appeared.push(after);
            }
        } else if !after.status.answered() {
            rows.push(row(Change::NotAnswering, after, Some(before.status.to_string()), Some(after.status.to_string())));
            vanished.push(Vanished { device: before, report_gone: false });
        } else if is_other_device(before, after) {
            vanished.push(Vanished { device: before, report_gone: true });
            appeared.push(after);
        } else {
            compare(before, after, &mut rows);
        }
    }
    for (key, after) in &new_by_key {
        if after.status.answered() && !old_by_key.contains_key(key) {
            appeared.push(after);
        }
    }
    pair_moves(vanished, appeared, &mut rows);

    rows.sort_by(|a, b| {
        (&a.tenant, &a.site, address_order(&a.address), a.change).cmp(&(&b.tenant, &b.site, address_order(&b.address), b.change))
    });
    rows
}

/// Sorts IPv4 and IPv6 addresses numerically and labels after them.
fn address_order(address: &str) -> (u8, u128, String) {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => (4, u128::from(u32::from(v4)), String::new()),
        Ok(std::net::IpAddr::V6(v6)) => (6, u128::from(v6), String::new()),
        Err(_) => (9, 0, address.to_string()),
    }
}

/// Returns whether another device now sits at the address: both serials,
/// or both vendor profiles, are known and differ.
fn is_other_device(before: &Device, after: &Device) -> bool {
    let serials_differ = matches!((&before.serial, &after.serial), (Some(old), Some(new)) if old != new);
    let profiles_differ = matches!((&before.profile, &after.profile), (Some(old), Some(new)) if old != new);
    serials_differ || profiles_differ
}

/// Compares one device that responded in both sweeps.
fn compare(before: &Device, after: &Device, rows: &mut Vec<DiffRow>) {
    compare_firmware(before, after, rows);
    match (judged_verdict(before), judged_verdict(after)) {
        (Some(old), Some(new)) if old != new && old != Verdict::Unknown && new != Verdict::Unknown => {
            let change = if new > old { Change::Worsened } else { Change::Improved };
            rows.push(row(change, after, Some(old.to_string()), Some(new.to_string())));
        }
        _ => {}
    }
}

/// Returns the worst verdict among the components that could be judged.
/// The device verdict counts `unknown` components too, so a device whose
/// judged firmware went from `behind` to `current` would still read `unknown`.
fn judged_verdict(device: &Device) -> Option<Verdict> {
    let judged = device.components.iter().map(|c| c.verdict).filter(|v| *v != Verdict::Unknown).max();
    judged.or(device.verdict)
}

/// Adds a `firmware` row for the device version, and one per other
/// component whose version changed.
fn compare_firmware(before: &Device, after: &Device, rows: &mut Vec<DiffRow>) {
    if before.version != after.version {
        rows.push(row(Change::Firmware, after, before.version.clone(), after.version.clone()));
    }
    for component in &after.components {
        let old = before.components.iter().find(|c| c.name == component.name && c.kind == component.kind);
        let Some(old) = old else { continue };
        let is_device_version = after.version.as_deref() == Some(component.version.as_str())
            || before.version.as_deref() == Some(old.version.as_str());
        if old.version != component.version && !is_device_version {
            let mut changed = row(Change::Firmware, after, Some(old.version.clone()), Some(component.version.clone()));
            changed.component = Some(component.name.clone());
            rows.push(changed);
        }
    }
}

/// Reports a device that left one address and appears at another of the
/// same tenant with the same serial as `moved`. The others are `gone` or
/// `added`.
///
/// A `moved` row names the device as the old sweep did, at its new address,
/// because the inventory name of the new address belongs to whatever was
/// planned there. An `added` device whose inventory name is that of a
/// device that left its address (the inventory no longer matches the
/// network) is named by its host name instead.
fn pair_moves(vanished: Vec<Vanished>, appeared: Vec<&Device>, rows: &mut Vec<DiffRow>) {
    let left_names: Vec<(&str, &str)> =
        vanished.iter().filter_map(|v| Some((v.device.tenant.as_str(), v.device.name.as_deref()?))).collect();
    let mut appeared: Vec<Option<&Device>> = appeared.into_iter().map(Some).collect();
    for Vanished { device: before, report_gone } in vanished {
        let serial = before.serial.as_deref().filter(|s| !s.is_empty());
        let found = appeared.iter_mut().find(|slot| {
            slot.is_some_and(|after| after.tenant == before.tenant && serial.is_some() && after.serial.as_deref() == serial)
        });
        match found.and_then(|slot| slot.take()) {
            Some(after) => {
                let mut moved = row(Change::Moved, before, Some(key_of(before).2), Some(key_of(after).2));
                let (_, site, address, _) = key_of(after);
                moved.site = site;
                moved.address = address;
                moved.hostname = after.hostname.clone().or(moved.hostname);
                rows.push(moved);
            }
            None if report_gone => rows.push(row(Change::Gone, before, before.version.clone(), None)),
            None => {}
        }
    }
    for after in appeared.into_iter().flatten() {
        let mut added = row(Change::Added, after, None, after.version.clone());
        let name_left = after.name.as_deref().is_some_and(|name| left_names.contains(&(after.tenant.as_str(), name)));
        if name_left {
            added.name = after.hostname.clone();
        }
        rows.push(added);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Status;

    fn device(tenant: &str, address: &str, version: &str, verdict: Verdict) -> Device {
        let mut device = Device::empty(tenant, "hq", Some(address.parse().unwrap()), Status::Ok);
        device.version = Some(version.to_string());
        device.verdict = Some(verdict);
        device.serial = Some(format!("SN-{address}"));
        device
    }

    #[test]
    fn tenants_never_pair() {
        let old = vec![device("acme", "10.0.0.1", "1.0", Verdict::Behind)];
        let new = vec![device("globex", "10.0.0.1", "2.0", Verdict::Current)];

        let changes: Vec<Change> = diff(&old, &new).iter().map(|r| r.change).collect();

        assert_eq!(changes, vec![Change::Gone, Change::Added]);
    }

    #[test]
    fn same_serial_elsewhere_is_moved() {
        let old = vec![device("acme", "10.0.0.1", "1.0", Verdict::Current)];
        let mut moved = device("acme", "10.0.0.9", "1.0", Verdict::Current);
        moved.serial = old[0].serial.clone();
        let mut silent = Device::empty("acme", "hq", Some("10.0.0.1".parse().unwrap()), Status::Timeout);
        silent.reason = Some("no response".into());
        let new = vec![silent, moved];

        let rows = diff(&old, &new);
        let changes: Vec<Change> = rows.iter().map(|r| r.change).collect();

        assert_eq!(changes, vec![Change::NotAnswering, Change::Moved]);
        assert_eq!(rows[1].from.as_deref(), Some("10.0.0.1"));
        assert_eq!(rows[1].to.as_deref(), Some("10.0.0.9"));
    }

    #[test]
    fn moved_and_added_keep_own_names() {
        let mut router = device("acme", "10.0.0.7", "7.1", Verdict::Current);
        router.name = Some("gw1".into());
        router.hostname = Some("acme-gw".into());
        let old = vec![router.clone()];
        let mut moved = router.clone();
        moved.address = Some("10.0.0.6".parse().unwrap());
        moved.name = Some("printer1".into());
        let mut phone = device("acme", "10.0.0.7", "2.0", Verdict::Current);
        phone.name = Some("gw1".into());
        phone.hostname = Some("desk-114".into());
        phone.serial = Some("SN-PHONE".into());

        let rows = diff(&old, &[moved, phone]);

        let changes: Vec<Change> = rows.iter().map(|r| r.change).collect();
        assert_eq!(changes, vec![Change::Moved, Change::Added]);
        assert_eq!(rows[0].address, "10.0.0.6");
        assert_eq!(rows[0].name.as_deref(), Some("gw1"), "the old sweep's name, not the new address's row");
        assert_eq!(rows[0].hostname.as_deref(), Some("acme-gw"));
        assert_eq!(rows[1].name.as_deref(), Some("desk-114"), "gw1 left, so the host name names the newcomer");
    }

    #[test]
    fn other_serial_at_address_is_gone_and_added() {
        let old = vec![device("acme", "10.0.0.1", "1.0", Verdict::Current)];
        let mut replacement = device("acme", "10.0.0.1", "7.0", Verdict::Current);
        replacement.serial = Some("SN-NEW".into());

        let changes: Vec<Change> = diff(&old, &[replacement]).iter().map(|r| r.change).collect();

        assert_eq!(changes, vec![Change::Added, Change::Gone]);
    }

    #[test]
    fn swapped_addresses_are_two_moves() {
        let old = vec![device("acme", "10.0.0.1", "1.0", Verdict::Current), device("acme", "10.0.0.2", "2.0", Verdict::Current)];
        let mut first = old[1].clone();
        first.address = Some("10.0.0.1".parse().unwrap());
        let mut second = old[0].clone();
        second.address = Some("10.0.0.2".parse().unwrap());

        let rows = diff(&old, &[first, second]);
        let changes: Vec<Change> = rows.iter().map(|r| r.change).collect();

        assert_eq!(changes, vec![Change::Moved, Change::Moved]);
        assert_eq!(rows[0].from.as_deref(), Some("10.0.0.2"));
    }

    #[test]
    fn firmware_and_verdict_changes() {
        let old = vec![device("acme", "10.0.0.1", "1.0", Verdict::Behind), device("acme", "10.0.0.2", "3.0", Verdict::Current)];
        let new = vec![device("acme", "10.0.0.1", "1.2", Verdict::Current), device("acme", "10.0.0.2", "3.0", Verdict::Vulnerable)];

        let rows = diff(&old, &new);
        let changes: Vec<Change> = rows.iter().map(|r| r.change).collect();

        assert_eq!(changes, vec![Change::Firmware, Change::Improved, Change::Worsened]);
        assert!(rows[2].change.regressed());
        assert!(!rows[0].change.regressed());
    }
}
