//! `fwsweep record`: saves a device's responses as a `.snmprec` file that
//! `identify` and `simulate` read back. With `--anonymize`, the file can be
//! attached to a support request.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

use crate::collect::{Agent, AgentError, collect};
use crate::identify::{Facts, SYS_NAME, generic, select_profile};
use crate::profiles::{ProfileSet, SourceKind};
use crate::recording::Varbinds;
use crate::snmp::{Oid, Value, oid};

/// Subtrees recorded from every device besides what collection reads:
/// system, ENTITY-MIB physical table, HOST-RESOURCES system, device and
/// installed-software tables, UPS-MIB identity, Printer-MIB general table
/// and SYSAPPL-MIB installed packages.
pub const STANDARD_SUBTREES: [&str; 8] = [
    "1.3.6.1.2.1.1",
    "1.3.6.1.2.1.47.1.1.1",
    "1.3.6.1.2.1.25.1",
    "1.3.6.1.2.1.25.3.2",
    "1.3.6.1.2.1.25.6.3",
    "1.3.6.1.2.1.33.1.1",
    "1.3.6.1.2.1.43.5.1",
    "1.3.6.1.2.1.54.1.1",
];

/// Maximum number of rows read from one subtree, because the vendor subtree
/// of an unknown device can be very large.
pub const MAX_SUBTREE_ROWS: usize = 5000;

/// OIDs whose values identify a person, a place or a unit.
const SYS_CONTACT: &str = "1.3.6.1.2.1.1.4.0";
const SYS_LOCATION: &str = "1.3.6.1.2.1.1.6.0";
const ENT_SERIAL_COLUMN: &str = "1.3.6.1.2.1.47.1.1.1.1.11";
const PRINTER_SERIAL: &str = "1.3.6.1.2.1.43.5.1.1.17";

/// Reads from an agent every varbind that a recording should contain. That is
/// what collection reads, the standard subtrees, and the selected profile's
/// object groups or, when no profile matches, the vendor subtree.
pub async fn record<A: Agent>(agent: &mut A, profiles: &ProfileSet) -> Result<Varbinds, AgentError> {
    let collected = collect(agent, profiles, None).await?;
    let mut varbinds = collected.varbinds;

    let mut subtrees: Vec<Oid> = STANDARD_SUBTREES.iter().map(|text| oid(text)).collect();
    let facts = Facts::new(&varbinds);
    match select_profile(profiles, &facts) {
        Some(profile) => {
            for source in profile.sources() {
                match &source.kind {
                    SourceKind::Oid(scalar) => subtrees.push(object_group(scalar)),
                    SourceKind::Oids(scalars, _) => subtrees.extend(scalars.iter().map(object_group)),
                    SourceKind::Walk(column) => subtrees.push(column.clone()),
                    SourceKind::Entity(_) | SourceKind::Command(_) => {}
                }
            }
        }
        None => {
            // An unknown device: its vendor subtree is what a new profile needs.
            if let Some(enterprise) = facts.sys_object_id.as_ref().and_then(enterprise_subtree) {
                subtrees.push(enterprise);
            }
        }
    }
    subtrees.sort();
    subtrees.dedup();
    for subtree in subtrees {
        match agent.walk(std::slice::from_ref(&subtree), MAX_SUBTREE_ROWS).await {
            Ok(rows) => varbinds.extend(rows.into_iter().filter(|(_, v)| !v.is_exception())),
            Err(error) => tracing::warn!(%subtree, %error, "subtree walk failed, so the recording leaves it out"),
        }
    }
    Ok(varbinds)
}

/// Returns the group that a scalar belongs to, such as `…4.1` for `…4.1.1.0`,
/// so that a recording shows the neighbours a profile author may need.
fn object_group(scalar: &Oid) -> Oid {
    let arcs = scalar.arcs();
    let drop = if arcs.last() == Some(&0) { 2 } else { 1 };
    Oid::new(arcs[..arcs.len().saturating_sub(drop).max(7.min(arcs.len()))].to_vec())
}

fn enterprise_subtree(sys_object_id: &Oid) -> Option<Oid> {
    let arcs = sys_object_id.arcs();
    (arcs.len() > 6 && arcs[..6] == [1, 3, 6, 1, 4, 1]).then(|| Oid::new(arcs[..7].to_vec()))
}

/// Writes varbinds in the snmpsim format, hex-encoding every string that
/// is not plain printable text on one line.
pub fn to_snmprec(varbinds: &Varbinds) -> String {
    let mut out = String::new();
    for (oid, value) in varbinds {
        let (tag, text) = match value {
            Value::Integer(n) => ("2".to_string(), n.to_string()),
            Value::OctetString(bytes) if is_plain_text(bytes) => ("4".into(), String::from_utf8_lossy(bytes).into_owned()),
            Value::OctetString(bytes) => ("4x".into(), hex(bytes)),
            Value::Null => ("5".into(), String::new()),
            Value::ObjectId(o) => ("6".into(), o.to_string()),
            Value::IpAddress(a) => ("64".into(), format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
            Value::Counter32(n) => ("65".into(), n.to_string()),
            Value::Gauge32(n) => ("66".into(), n.to_string()),
            Value::TimeTicks(n) => ("67".into(), n.to_string()),
            Value::Opaque(bytes) => ("68x".into(), hex(bytes)),
            Value::Counter64(n) => ("70".into(), n.to_string()),
            Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => continue,
        };
        let _ = writeln!(out, "{oid}|{tag}|{text}");
    }
    out
}

fn is_plain_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| text.chars().all(|c| !c.is_control()))
}

/// Returns the string as text when it is UTF-8 or readable Latin-1, so that
/// Latin-1 names are anonymized too. Binary values return `None`.
fn octets_as_text(bytes: &[u8]) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text.to_string()),
        Err(_) => crate::identify::text::decode_text(bytes),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) static MAC_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b").expect("static regex"));
pub(crate) static IPV4_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b").expect("static regex")
});

/// Replaces identifying values consistently: one original always becomes
/// the same stand-in, wherever it appears.
#[derive(Default)]
pub(crate) struct Anonymizer {
    replacements: HashMap<(&'static str, String), String>,
    counters: HashMap<&'static str, usize>,
}

impl Anonymizer {
    pub(crate) fn stand_in(&mut self, kind: &'static str, original: &str) -> String {
        if let Some(known) = self.replacements.get(&(kind, original.to_string())) {
            return known.clone();
        }
        let counter = self.counters.entry(kind).or_insert(0);
        *counter += 1;
        let n = *counter;
        let replacement = match kind {
            "serial" => format!("SERIAL{n:06}"),
            "host" => format!("host-{n}"),
            "contact" => format!("contact-{n}"),
            "location" => format!("location-{n}"),
            // Documentation ranges (RFC 5737), 254 addresses each.
            "ip" => {
                let ranges = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
                let range = ranges[((n - 1) / 254) % 3];
                format!("{}.{}.{}.{}", range[0], range[1], range[2], (n - 1) % 254 + 1)
            }
            "mac" => format!("02:00:00:{:02x}:{:02x}:{:02x}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff),
            // The documentation prefix (RFC 3849).
            "ipv6" => format!("2001:db8::{n:x}"),
            _ => format!("{kind}-{n}"),
        };
        self.replacements.insert((kind, original.to_string()), replacement.clone());
        replacement
    }
}

/// Anonymizes a recording: serial numbers, MAC addresses, host names,
/// contacts, locations and IPv4 addresses are replaced consistently.
///
/// `protected` lists OIDs whose text must keep dotted numbers, such as the
/// values that versions are read from, where `7.10.30.00` is no address.
/// `serials` lists OIDs beyond the standard serial columns whose values are
/// serial numbers.
///
/// NOTE: addresses inside OIDs, such as the index of an address table, are
/// not rewritten. The standard subtrees contain none, but a vendor subtree may.
pub fn anonymize(varbinds: &Varbinds, protected: &[Oid], serials: &[Oid]) -> Varbinds {
    let mut anonymizer = Anonymizer::default();
    let text_of = |oid: &str| varbinds.get(&crate::snmp::oid(oid)).and_then(Value::to_text);

    // Host names are also replaced inside other strings (sysDescr often
    // repeats them), so they are learned first.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (oid_text, kind) in [(SYS_NAME, "host"), (SYS_CONTACT, "contact"), (SYS_LOCATION, "location")] {
        if let Some(original) = text_of(oid_text).filter(|t| t.trim().len() >= 3) {
            names.insert(original.clone(), anonymizer.stand_in(kind, &original));
        }
    }
    let serial_columns = [oid(ENT_SERIAL_COLUMN), oid(PRINTER_SERIAL)];

    let mut result = Varbinds::new();
    for (oid, value) in varbinds {
        let anonymized = match value {
            Value::IpAddress(address) => {
                let original = format!("{}.{}.{}.{}", address[0], address[1], address[2], address[3]);
                let stand_in: std::net::Ipv4Addr = anonymizer.stand_in("ip", &original).parse().expect("stand-in is an address");
                Value::IpAddress(stand_in.octets())
            }
            Value::OctetString(bytes) if bytes.len() == 6 && !is_plain_text(bytes) => {
                let stand_in = anonymizer.stand_in("mac", &hex(bytes));
                Value::OctetString(stand_in.split(':').filter_map(|pair| u8::from_str_radix(pair, 16).ok()).collect())
            }
            Value::OctetString(bytes) => {
                let Some(mut text) = octets_as_text(bytes) else {
                    result.insert(oid.clone(), value.clone());
                    continue;
                };
                let is_serial = serial_columns.iter().any(|column| oid.starts_with(column)) || serials.contains(oid);
                if is_serial && !text.trim().is_empty() {
                    text = anonymizer.stand_in("serial", text.trim());
                }
                for (original, stand_in) in &names {
                    text = text.replace(original.as_str(), stand_in);
                }
                text = MAC_TEXT.replace_all(&text, |m: &regex::Captures<'_>| anonymizer.stand_in("mac", &m[0].to_lowercase())).into_owned();
                if !protected.contains(oid) {
                    text = IPV4_TEXT.replace_all(&text, |m: &regex::Captures<'_>| anonymizer.stand_in("ip", &m[0])).into_owned();
                }
                Value::OctetString(text.into_bytes())
            }
            other => other.clone(),
        };
        result.insert(oid.clone(), anonymized);
    }
    result
}

/// Returns the OIDs whose values must keep their dotted numbers, and the
/// serial OIDs that the selected profile names.
///
/// The first list contains the ENTITY-MIB revisions and UPS-MIB software
/// versions, which generic identification reads, and the version sources of
/// the selected profile.
pub fn profile_oids(profiles: &ProfileSet, varbinds: &Varbinds) -> (Vec<Oid>, Vec<Oid>) {
    let facts = Facts::new(varbinds);
    let revision_columns = [
        crate::identify::entity::COLUMN_HARDWARE_REV,
        crate::identify::entity::COLUMN_FIRMWARE_REV,
        crate::identify::entity::COLUMN_SOFTWARE_REV,
    ];
    let mut version_oids: Vec<Oid> = facts
        .entity
        .rows
        .values()
        .flat_map(|row| row.cells.iter().filter(|(column, _)| revision_columns.contains(column)).map(|(_, (o, _))| o.clone()))
        .collect();
    version_oids.extend([generic::UPS_SOFTWARE_VERSION, generic::UPS_AGENT_SOFTWARE_VERSION].map(oid));

    let Some(profile) = select_profile(profiles, &facts) else { return (version_oids, Vec::new()) };
    let oids_of = |field: Option<&crate::profiles::Field>| -> Vec<Oid> {
        field
            .into_iter()
            .flat_map(|f| f.sources.iter())
            .flat_map(|source| match &source.kind {
                SourceKind::Oid(o) => vec![o.clone()],
                SourceKind::Oids(oids, _) => oids.clone(),
                _ => Vec::new(),
            })
            .collect()
    };
    version_oids.extend(profile.version.iter().flat_map(|v| oids_of(Some(&v.field))));
    version_oids.extend(profile.components.iter().flat_map(|c| oids_of(Some(&c.field))));
    (version_oids, oids_of(profile.serial.as_ref()))
}

/// Anonymizes with the selected profile's rules. Its version OIDs keep their
/// numbers, and its serial OIDs are replaced like ENTITY-MIB serials.
pub fn anonymize_for_profile(profiles: &ProfileSet, varbinds: &Varbinds) -> Varbinds {
    let (protected, serials) = profile_oids(profiles, varbinds);
    anonymize(varbinds, &protected, &serials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymize_replaces_latin1_location() {
        let mut varbinds = Varbinds::new();
        varbinds.insert(oid(SYS_LOCATION), Value::OctetString(b"Z\xfcrich, Bahnhofstrasse 1".to_vec()));
        let anonymized = anonymize(&varbinds, &[], &[]);
        assert_eq!(anonymized[&oid(SYS_LOCATION)], Value::OctetString(b"location-1".to_vec()));
    }

    #[test]
    fn profile_oids_protect_revisions_without_profile() {
        let software_rev = oid("1.3.6.1.2.1.47.1.1.1.1.10.1");
        let mut varbinds = Varbinds::new();
        varbinds.insert(software_rev.clone(), Value::OctetString(b"8.10.0.6".to_vec()));
        let (protected, serials) = profile_oids(&ProfileSet::default(), &varbinds);
        assert!(protected.contains(&software_rev), "{protected:?}");
        assert!(serials.is_empty(), "{serials:?}");

        let anonymized = anonymize(&varbinds, &protected, &serials);
        assert_eq!(anonymized[&software_rev], Value::OctetString(b"8.10.0.6".to_vec()));
    }
}
