//! Identification from standard MIBs (ENTITY-MIB, UPS-MIB, HOST-RESOURCES-MIB,
//! Printer-MIB and sysDescr). It is used when no vendor profile claims a
//! device, and to fill values that a profile leaves out.

use regex::Regex;
use std::sync::LazyLock;

use super::Facts;
use crate::device::{Component, ComponentKind, DeviceClass};
use crate::snmp::{Oid, oid};

/// UPS-MIB upsIdentManufacturer, upsIdentModel, upsIdentUPSSoftwareVersion
/// and upsIdentAgentSoftwareVersion.
pub const UPS_MANUFACTURER: &str = "1.3.6.1.2.1.33.1.1.1.0";
pub const UPS_MODEL: &str = "1.3.6.1.2.1.33.1.1.2.0";
pub const UPS_SOFTWARE_VERSION: &str = "1.3.6.1.2.1.33.1.1.3.0";
pub const UPS_AGENT_SOFTWARE_VERSION: &str = "1.3.6.1.2.1.33.1.1.4.0";
/// HOST-RESOURCES-MIB hrDeviceDescr of the first device (the model on printers).
pub const HR_DEVICE_DESCR_1: &str = "1.3.6.1.2.1.25.3.2.1.3.1";
/// Printer-MIB prtGeneralSerialNumber of the first printer.
pub const PRINTER_SERIAL: &str = "1.3.6.1.2.1.43.5.1.1.17.1";

/// Returns the scalars that every scan fetches besides the system group and ENTITY-MIB.
pub fn scalars() -> Vec<Oid> {
    [
        UPS_MANUFACTURER,
        UPS_MODEL,
        UPS_SOFTWARE_VERSION,
        UPS_AGENT_SOFTWARE_VERSION,
        HR_DEVICE_DESCR_1,
        PRINTER_SERIAL,
    ]
    .iter()
    .map(|text| oid(text))
    .collect()
}

/// Version in sysDescr, such as "Version 1.2.3", "Firmware Version 3.0(3a)" or "ver: 2.1".
static DESCR_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:firmware\s+)?(?:version|ver\.?|release)\s*:?\s*v?(\d[\w.()\-]*[\w)])")
        .expect("static regex")
});

/// Vendor, model, serial and version read from standard MIBs for a device that
/// no profile claims.
pub struct GenericReading {
    pub class: DeviceClass,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub version: Option<Component>,
}

pub fn read(facts: &Facts<'_>) -> GenericReading {
    let is_ups = facts.text(&oid(UPS_MODEL)).is_some() || facts.text(&oid(UPS_AGENT_SOFTWARE_VERSION)).is_some();
    let is_printer = facts.text(&oid(PRINTER_SERIAL)).is_some();
    let class = if is_ups {
        DeviceClass::Ups
    } else if is_printer {
        DeviceClass::Printer
    } else {
        DeviceClass::Other
    };

    GenericReading {
        class,
        vendor: facts
            .text(&oid(UPS_MANUFACTURER))
            .or_else(|| enterprise_vendor(facts.sys_object_id.as_ref()).map(str::to_string)),
        model: model(facts, class),
        serial: serial(facts),
        version: version(facts),
    }
}

/// Returns the model from standard MIBs. hrDeviceDescr.1 names the model only on
/// printers (elsewhere it is a CPU or a driver name such as `nexus0:`), so
/// it is read only for the printer class.
pub fn model(facts: &Facts<'_>, class: DeviceClass) -> Option<String> {
    use crate::profiles::EntityColumn;
    let from_standard = facts
        .entity
        .chassis_value(EntityColumn::ModelName)
        .or_else(|| facts.entity.chassis_value(EntityColumn::Descr))
        .map(|(_, text)| text)
        .or_else(|| facts.text(&oid(UPS_MODEL)));
    match class {
        DeviceClass::Printer => from_standard.or_else(|| facts.text(&oid(HR_DEVICE_DESCR_1))),
        _ => from_standard,
    }
}

pub fn serial(facts: &Facts<'_>) -> Option<String> {
    facts
        .entity
        .chassis_value(crate::profiles::EntityColumn::SerialNum)
        .map(|(_, text)| text)
        .or_else(|| facts.text(&oid(PRINTER_SERIAL)))
}

fn version(facts: &Facts<'_>) -> Option<Component> {
    use crate::profiles::EntityColumn;
    let from_entity = facts
        .entity
        .chassis_value(EntityColumn::SoftwareRev)
        .or_else(|| facts.entity.chassis_value(EntityColumn::FirmwareRev));
    if let Some((oid, version)) = from_entity {
        return Some(Component::new("Software", ComponentKind::Os, version, format!("snmp:{oid}")));
    }
    for (name, text) in [("UPS", UPS_SOFTWARE_VERSION), ("Network card", UPS_AGENT_SOFTWARE_VERSION)] {
        if let Some(version) = facts.text(&oid(text)) {
            return Some(Component::new(name, ComponentKind::Firmware, version, format!("snmp:{text}")));
        }
    }
    let captures = DESCR_VERSION.captures(&facts.sys_descr)?;
    let version = captures.get(1)?.as_str().to_string();
    Some(Component::new("Software", ComponentKind::Os, version, "snmp:1.3.6.1.2.1.1.1.0".to_string()))
}

/// Names the vendor behind a sysObjectID's private enterprise number
/// (IANA registry), for devices no profile claims.
fn enterprise_vendor(sys_object_id: Option<&Oid>) -> Option<&'static str> {
    let arcs = sys_object_id?.arcs();
    if arcs.len() < 7 || arcs[..6] != [1, 3, 6, 1, 4, 1] {
        return None;
    }
    Some(match arcs[6] {
        9 => "Cisco",
        11 => "HP",
        171 => "D-Link",
        232 => "HPE",
        318 => "APC",
        367 => "Ricoh",
        534 | 705 => "Eaton",
        674 => "Dell",
        1248 => "Epson",
        1602 => "Canon",
        1916 => "Extreme Networks",
        2011 => "Huawei",
        2435 => "Brother",
        2604 => "Sophos",
        2620 => "Check Point",
        2636 => "Juniper",
        3808 => "CyberPower",
        4526 => "Netgear",
        6574 => "Synology",
        8072 => "Net-SNMP",
        8741 => "SonicWall",
        12356 => "Fortinet",
        14823 => "Aruba",
        14988 => "MikroTik",
        18334 => "Konica Minolta",
        19046 => "Lenovo",
        21317 => "Supermicro",
        25461 => "Palo Alto Networks",
        25053 => "Ruckus",
        41112 => "Ubiquiti",
        42397 => "Grandstream",
        _ => return None,
    })
}
