//! One row per target: a BMC scanned over SNMP and Redfish is one device.

use std::collections::BTreeMap;

use crate::device::Device;

/// Merges rows that share a merge key; other rows pass through.
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
        let merged_row = rows.into_iter().reduce(merge).expect("a group has at least one row");
        merged.push(merged_row);
    }
    merged
}

/// Merges two rows of one target. The row that responded leads, preferring
/// Redfish because it is the server's own inventory. The other row adds its
/// components and fills what the leader lacks, or adds its failure to the reason.
fn merge(a: Device, b: Device) -> Device {
    // Redfish is the server's own inventory, SNMP the richest view of other
    // devices, a web page a phone's or printer's model, serial and firmware,
    // SIP a phone's name and firmware only, and SSH adds what only the CLI
    // shows.
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
        if let Some(reason) = other.reason {
            device.reason = Some(join_reason(device.reason.take(), &reason));
        }
    } else if let Some(reason) = other.reason {
        let protocol = other.scanned_with.unwrap_or("snmp");
        device.reason = Some(join_reason(device.reason.take(), &format!("{protocol}: {reason}")));
    }
    device
}

fn join_reason(first: Option<String>, second: &str) -> String {
    match first {
        Some(first) => format!("{first}; {second}"),
        None => second.to_string(),
    }
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
    fn failed_ssh_row_is_named_in_the_reason() {
        let snmp = row(None, Status::Ok, &[("IOS", "15.2(7)E3")]);
        let mut ssh = row(Some("ssh"), Status::HostKeyRejected, &[]);
        ssh.reason = Some("unknown host key".into());

        let merged = merge_rows(vec![snmp, ssh]);

        assert_eq!(merged[0].status, Status::Ok);
        assert_eq!(merged[0].reason.as_deref(), Some("ssh: unknown host key"));
    }
}
