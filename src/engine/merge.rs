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
    // SIP a phone's name and firmware only.
    let rank = |device: &Device| match device.scanned_with {
        Some("redfish") => 0,
        Some("http") => 2,
        Some("sip") => 3,
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
        device.components.extend(other.components);
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
