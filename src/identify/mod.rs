//! Turning an observation into an identified device: pick the vendor
//! profile that matches, extract model, serial and every component version,
//! and fall back to standard MIBs when no profile matches.

pub mod entity;
pub mod generic;
pub mod text;

use crate::device::{Component, ComponentKind, DeviceClass, Status};
use crate::profiles::{Profile, ProfileSet, clean_value};
use crate::recording::Varbinds;
use crate::snmp::{Oid, Value, oid};
use crate::ssh::transcript::Transcript;

pub use entity::EntityTable;

pub const SYS_DESCR: &str = "1.3.6.1.2.1.1.1.0";
pub const SYS_OBJECT_ID: &str = "1.3.6.1.2.1.1.2.0";
pub const SYS_NAME: &str = "1.3.6.1.2.1.1.5.0";

/// Varbinds of one device, with the values that every rule reads already
/// decoded, and its command outputs when it was read over SSH.
pub struct Facts<'a> {
    pub varbinds: &'a Varbinds,
    /// Cleaned command outputs, which `command` sources read.
    pub transcript: Option<&'a Transcript>,
    /// sysDescr as the device sent it, decoded, or empty when absent.
    pub sys_descr: String,
    pub sys_object_id: Option<Oid>,
    pub entity: EntityTable,
}

impl<'a> Facts<'a> {
    pub fn new(varbinds: &'a Varbinds) -> Self {
        let sys_descr = varbinds
            .get(&oid(SYS_DESCR))
            .and_then(Value::to_text)
            .unwrap_or_default();
        let sys_object_id = match varbinds.get(&oid(SYS_OBJECT_ID)) {
            Some(Value::ObjectId(object_id)) => Some(object_id.clone()),
            Some(other) => other.to_text().and_then(|t| t.parse().ok()),
            None => None,
        };
        Facts { varbinds, transcript: None, sys_descr, sys_object_id, entity: EntityTable::from_varbinds(varbinds) }
    }

    /// Facts of a device read over SSH only: no varbinds, so SNMP sources
    /// yield nothing and `command` sources read the transcript.
    pub fn from_transcript(transcript: &'a Transcript) -> Self {
        static NO_VARBINDS: Varbinds = Varbinds::new();
        let mut facts = Facts::new(&NO_VARBINDS);
        facts.transcript = Some(transcript);
        facts
    }

    /// Returns the output of `command`, when the transcript has it.
    pub fn command_output(&self, command: &str) -> Option<&str> {
        self.transcript?.output(command)
    }

    /// Returns the value at `oid` as cleaned text, or `None` when it is
    /// missing, an exception or empty.
    pub fn text(&self, oid: &Oid) -> Option<String> {
        let value = self.varbinds.get(oid)?;
        if value.is_exception() {
            return None;
        }
        clean_value(&value.to_text()?)
    }

    /// Iterates over the rows of a table column as (OID, text).
    pub fn column<'b>(&'b self, column: &'b Oid) -> impl Iterator<Item = (Oid, String)> + 'b {
        self.varbinds
            .range(column.clone()..)
            .take_while(move |(oid, _)| oid.starts_with(column))
            .filter_map(|(oid, value)| Some((oid.clone(), clean_value(&value.to_text()?)?)))
    }
}

/// Result of identifying one device.
#[derive(Debug, Default)]
pub struct Identity {
    pub status: Option<Status>,
    pub reason: Option<String>,
    pub profile: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub class: Option<DeviceClass>,
    pub hostname: Option<String>,
    pub sys_descr: Option<String>,
    pub sys_object_id: Option<String>,
    pub version: Option<String>,
    /// The `User-Agent` (or `Server`) header of the device's SIP response.
    pub user_agent: Option<String>,
    pub components: Vec<Component>,
}

/// Picks the best matching profile, or `None` when no profile matches.
pub fn select_profile<'p>(profiles: &'p ProfileSet, facts: &Facts<'_>) -> Option<&'p Profile> {
    profiles
        .profiles
        .iter()
        .filter(|profile| profile.matches(facts))
        .max_by_key(|profile| profile.specificity(facts.sys_object_id.as_ref()))
}

/// Identifies a device from its varbinds. The result's status is `Ok`,
/// `Partial` (a profile matched but its version was not found) or
/// `Unidentified`.
pub fn identify(profiles: &ProfileSet, varbinds: &Varbinds) -> Identity {
    let facts = Facts::new(varbinds);
    let mut identity = Identity {
        sys_descr: (!facts.sys_descr.is_empty()).then(|| facts.sys_descr.clone()),
        sys_object_id: facts.sys_object_id.as_ref().map(|o| format!(".{o}")),
        hostname: facts.text(&oid(SYS_NAME)),
        ..Identity::default()
    };

    match select_profile(profiles, &facts) {
        Some(profile) => apply_profile(profile, &facts, &mut identity),
        None => apply_generic(&facts, &mut identity),
    }
    identity
}

/// Fills `identity` from the profile's rules: vendor, class, model, serial,
/// hostname, version and components. The status is `Ok` when a version was
/// found and `Partial` otherwise.
pub fn apply_profile(profile: &Profile, facts: &Facts<'_>, identity: &mut Identity) {
    identity.profile = Some(profile.id.clone());
    identity.vendor = Some(profile.vendor.clone());
    identity.class = Some(profile.class);
    identity.model = extract(&profile.model, facts).or_else(|| generic::model(facts, profile.class));
    identity.serial = extract(&profile.serial, facts).or_else(|| generic::serial(facts));
    if let Some(hostname) = extract(&profile.hostname, facts) {
        identity.hostname = Some(hostname);
    }

    if let Some(extractor) = &profile.version
        && let Some((version, source)) = extractor.field.extract(facts)
    {
        identity.version = Some(version.clone());
        identity.components.push(component(extractor.name.clone(), extractor.kind, version, source));
    }
    for extractor in &profile.components {
        for found in extractor.extract_all(facts) {
            identity.components.push(component(found.name, extractor.kind, found.version, found.source));
        }
    }
    if profile.entity_components {
        identity.components.extend(facts.entity.components());
    }
    if identity.version.is_none() && profile.version.is_none() {
        identity.version = identity
            .components
            .iter()
            .find(|c| c.kind == ComponentKind::Os || c.kind == ComponentKind::Firmware)
            .map(|c| c.version.clone());
    }

    if identity.version.is_some() {
        identity.status = Some(Status::Ok);
    } else {
        identity.status = Some(Status::Partial);
        identity.reason = Some(format!(
            "matched profile {} but found no firmware version in the values it names",
            profile.id
        ));
    }
}

/// Creates a component whose protocol follows from its source: `ssh:` for
/// command output, SNMP otherwise.
fn component(name: String, kind: ComponentKind, version: String, source: String) -> Component {
    let from_ssh = source.starts_with("ssh:");
    let mut component = Component::new(name, kind, version, source);
    if from_ssh {
        component.protocol = "ssh";
    }
    component
}

fn apply_generic(facts: &Facts<'_>, identity: &mut Identity) {
    let reading = generic::read(facts);
    identity.class = Some(reading.class);
    identity.vendor = reading.vendor;
    identity.model = reading.model;
    identity.serial = reading.serial;
    let entity_components = facts.entity.components();
    match reading.version {
        Some(component) => {
            identity.profile = Some("generic".to_string());
            identity.version = Some(component.version.clone());
            let duplicate = entity_components.iter().any(|c| c.source == component.source);
            if !duplicate {
                identity.components.push(component);
            }
            identity.components.extend(entity_components);
            identity.status = Some(Status::Ok);
        }
        None => {
            identity.components.extend(entity_components);
            identity.status = Some(Status::Unidentified);
            identity.reason = Some(
                "responded, but no vendor profile matched and standard MIBs name no version".to_string(),
            );
        }
    }
}

fn extract(field: &Option<crate::profiles::Field>, facts: &Facts<'_>) -> Option<String> {
    field.as_ref()?.extract(facts).map(|(value, _)| value)
}
