//! One row per target: a BMC scanned over SNMP and Redfish is one device.

use std::collections::BTreeMap;

use crate::device::{Device, Status};
use crate::outcome::{ProtocolOutcome, merged_reason};

/// Merges rows that share a merge key and passes other rows through unchanged.
pub(super) fn merge_rows(devices: Vec<Device>) -> Vec<Device> {
    let mut merged: Vec<Device> = Vec::with_capacity(devices.len());
    let mut groups: BTreeMap<u64, Vec<Device>> = BTreeMap::new();
    for device in devices {
        match device.merge_key {
            Some(key) => groups.entry(key).or_default().push(device),
            None => merged.push(device),
        }
    }
    for (_, rows) in groups {
        merged.push(merge_group(rows));
    }
    merged
}

/// Merges the rows of one target, then lists every protocol's outcome, the
/// leading protocol first, and keeps in the reason only what
/// [`merged_reason`] counts as a problem.
fn merge_group(rows: Vec<Device>) -> Device {
    if let [single] = rows.as_slice() {
        // A target stopped before its protocols ran, such as by a
        // configuration problem, has one row whose outcomes are all set.
        let mut device = single.clone();
        device.outcomes = outcomes_of(single);
        return device;
    }
    let mut outcomes: Vec<ProtocolOutcome> = rows.iter().flat_map(outcomes_of).collect();
    let mut device = rows.into_iter().reduce(merge).expect("a group has at least one row");

    let lead = device.scanned_with.unwrap_or("snmp");
    outcomes.sort_by_key(|o| (o.protocol != lead, protocol_order(o.protocol)));
    let others = outcomes.iter().skip_while(|o| o.protocol == lead).cloned().collect::<Vec<_>>();
    let read = matches!(device.status, Status::Ok | Status::Partial);
    device.reason = merged_reason(lead, device.reason.take(), &others, read);
    device.outcomes = outcomes;
    device
}

/// Returns a row's outcomes, or its own outcome when the row has none yet.
fn outcomes_of(device: &Device) -> Vec<ProtocolOutcome> {
    if device.outcomes.is_empty() { vec![ProtocolOutcome::of(device)] } else { device.outcomes.clone() }
}

/// Returns the rank of a protocol among the outcomes that follow the
/// leading one: SNMP, Redfish, SIP, HTTP, SSH.
fn protocol_order(protocol: &str) -> usize {
    ["snmp", "redfish", "sip", "http", "ssh"].iter().position(|p| *p == protocol).unwrap_or(usize::MAX)
}

/// Merges two rows of one target. The row that responded leads, preferring
/// Redfish because it is the server's own inventory. The other row adds its
/// components and fills what the leader lacks. The leader keeps its own
/// reason, because [`merge_group`] adds the others' from their outcomes.
fn merge(a: Device, b: Device) -> Device {
    // Redfish is the server's own inventory, and SNMP the richest view of
    // other devices. A web page gives a phone's or printer's model, serial
    // and firmware, SIP a phone's name and firmware only, and SSH adds what
    // only the CLI shows.
    let rank = |device: &Device| match device.scanned_with {
        Some("redfish") => 0,
        Some("http") => 2,
        Some("sip") => 3,
        Some("ssh") => 4,
        _ => 1,
    };
    // Redfish leads. Among the others, a row that a vendor profile identified
    // leads a generic or unidentified one, so a phone's web page leads an
    // SNMP agent that only the standard MIBs describe.
    let order = |device: &Device| (rank(device) != 0, device.profile.as_deref().is_none_or(|p| p == "generic"), rank(device));
    let (lead, other) = match (a.status.answered(), b.status.answered()) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ if order(&a) <= order(&b) => (a, b),
        _ => (b, a),
    };
    let mut device = lead;
    if other.status.answered() {
        for protocol in other.protocols {
            if !device.protocols.contains(&protocol) {
                device.protocols.push(protocol);
            }
        }
        // A version read both over SNMP and over SSH is listed once, from
        // the leading row.
        for component in other.components {
            let duplicate = other.scanned_with == Some("ssh")
                && device.components.iter().any(|c| c.name == component.name && c.version == component.version);
            if !duplicate {
                device.components.push(component);
            }
        }
        if device.ssh.is_none() {
            device.ssh = other.ssh;
        }
        let fill = |mine: &mut Option<String>, theirs: Option<String>| {
            if mine.is_none() {
                *mine = theirs;
            }
        };
        fill(&mut device.vendor, other.vendor);
        fill(&mut device.model, other.model);
        fill(&mut device.hardware, other.hardware);
        fill(&mut device.serial, other.serial);
        fill(&mut device.hostname, other.hostname);
        fill(&mut device.sys_descr, other.sys_descr);
        fill(&mut device.sys_object_id, other.sys_object_id);
        fill(&mut device.user_agent, other.user_agent);
        fill(&mut device.version, other.version);
    }
    device
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Component, ComponentKind, Status};

    fn row(protocol: Option<&'static str>, status: Status, components: &[(&str, &str)]) -> Device {
        let mut device = Device::empty("acme", "hq", Some("192.0.2.1".parse().unwrap()), status);
        device.merge_key = Some(7);
        device.scanned_with = protocol;
        device.protocols = protocol.map_or(vec!["snmp"], |p| vec![p]);
        for (name, version) in components {
            let mut component = Component::new(*name, ComponentKind::Os, version.to_string(), format!("x:{name}"));
            component.protocol = protocol.unwrap_or("snmp");
            device.components.push(component);
        }
        device
    }

    #[test]
    fn ssh_row_adds_only_new_components() {
        let snmp = row(None, Status::Ok, &[("FortiOS", "7.2.8")]);
        let ssh = row(Some("ssh"), Status::Ok, &[("FortiOS", "7.2.8"), ("FortiOS build", "1639")]);

        let merged = merge_rows(vec![ssh, snmp]);

        assert_eq!(merged.len(), 1);
        let names: Vec<(&str, &str)> = merged[0].components.iter().map(|c| (c.name.as_str(), c.protocol)).collect();
        assert_eq!(names, [("FortiOS", "snmp"), ("FortiOS build", "ssh")]);
        assert_eq!(merged[0].protocols, ["snmp", "ssh"]);
    }

    #[test]
    fn reason_names_failed_ssh_row() {
        let snmp = row(None, Status::Ok, &[("IOS", "15.2(7)E3")]);
        let mut ssh = row(Some("ssh"), Status::HostKeyRejected, &[]);
        ssh.reason = Some("unknown host key".into());

        let merged = merge_rows(vec![snmp, ssh]);

        assert_eq!(merged[0].status, Status::Ok);
        assert_eq!(merged[0].reason.as_deref(), Some("ssh: unknown host key"));
    }

    #[test]
    fn sip_reason_omits_absent_http() {
        let sip = row(Some("sip"), Status::Ok, &[("Firmware", "14.2.1")]);
        let mut http = row(Some("http"), Status::Refused, &[]);
        http.reason = Some("connection refused on 7 pages".into());

        let merged = merge_rows(vec![http, sip]);

        assert_eq!(merged[0].status, Status::Ok);
        assert_eq!(merged[0].reason, None);
        let outcomes: Vec<(&str, Status)> = merged[0].outcomes.iter().map(|o| (o.protocol, o.status)).collect();
        assert_eq!(outcomes, [("sip", Status::Ok), ("http", Status::Refused)], "the leading protocol comes first");
        assert_eq!(merged[0].outcomes[1].reason.as_deref(), Some("connection refused on 7 pages"));
    }

    #[test]
    fn unread_target_names_every_protocol() {
        let mut snmp = row(None, Status::Timeout, &[]);
        snmp.reason = Some("no SNMP response".into());
        let mut sip = row(Some("sip"), Status::Refused, &[]);
        sip.reason = Some("nothing listens for SIP".into());

        let merged = merge_rows(vec![sip, snmp]);

        let reason = merged[0].reason.as_deref().unwrap();
        assert!(reason.contains("no SNMP response"), "{reason}");
        assert!(reason.contains("sip: nothing listens for SIP"), "{reason}");
    }
}
