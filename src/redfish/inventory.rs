//! Identifying a server from its BMC's Redfish resources: vendor, model and
//! serial from the system, BMC firmware from the manager, BIOS from the
//! system, and one component per firmware inventory item.

use serde_json::Value;

use super::crawl::{Observation, member_uris, normalise};
use crate::device::{Component, ComponentKind, DeviceClass, Status};
use crate::identify::Identity;
use crate::profiles::{Profile, ProfileSet, capture_value};

fn text(resource: &Value, property: &str) -> Option<String> {
    let value = resource.get(property)?.as_str()?.trim();
    (!value.is_empty() && !value.eq_ignore_ascii_case("NotAvailable")).then(|| value.to_string())
}

fn resources<'a>(observation: &'a Observation, collection: &str) -> Vec<(String, &'a Value)> {
    member_uris(observation, collection)
        .into_iter()
        .filter_map(|uri| observation.resources.get(&normalise(&uri)).map(|value| (normalise(&uri), value)))
        .collect()
}

fn component(name: String, kind: ComponentKind, version: String, uri: &str) -> Component {
    let mut component = Component::new(name, kind, version, format!("redfish:{uri}"));
    component.protocol = "redfish";
    component
}

/// Builds the identity of the server behind a BMC, applying the Redfish
/// rules of the profile that claims it.
pub fn identify(observation: &Observation, profiles: &ProfileSet) -> Identity {
    let mut identity = identify_generic(observation);
    if let Some(profile) = select_profile(observation, profiles) {
        apply_profile(profile, observation, &mut identity);
    }
    identity
}

/// Picks the profile whose Redfish vendor (and product, when given) rules
/// match; higher priority wins.
fn select_profile<'p>(observation: &Observation, profiles: &'p ProfileSet) -> Option<&'p Profile> {
    let root = observation.resources.values().next()?;
    let systems = resources(observation, "Systems");
    let managers = resources(observation, "Managers");
    let vendors: Vec<String> = [text(root, "Vendor"), systems.first().and_then(|(_, s)| text(s, "Manufacturer"))]
        .into_iter()
        .flatten()
        .collect();
    let mut products: Vec<String> = text(root, "Product").into_iter().collect();
    for (_, manager) in &managers {
        products.extend(["Model", "Name", "FirmwareVersion"].iter().filter_map(|p| text(manager, p)));
    }
    profiles
        .profiles
        .iter()
        .filter(|profile| {
            profile.redfish.as_ref().is_some_and(|rules| {
                (rules.vendor.is_empty() || rules.vendor.iter().any(|r| vendors.iter().any(|v| r.is_match(v))))
                    && (rules.product.is_empty() || rules.product.iter().any(|r| products.iter().any(|p| r.is_match(p))))
            })
        })
        .max_by_key(|profile| (profile.priority, profile.redfish.as_ref().map_or(0, |r| r.product.len())))
}

/// Names the profile, and ties the BMC firmware and matching inventory
/// items to their release products with their comparable versions.
fn apply_profile(profile: &Profile, observation: &Observation, identity: &mut Identity) {
    let Some(rules) = &profile.redfish else { return };
    identity.profile = Some(profile.id.clone());
    identity.vendor = Some(profile.vendor.clone());
    identity.class = Some(profile.class);
    let manager_uris: Vec<String> = resources(observation, "Managers").into_iter().map(|(uri, _)| format!("redfish:{uri}")).collect();
    for component in &mut identity.components {
        // The manager's own firmware takes the BMC rules; inventory items
        // take the first component rule whose name matches.
        if manager_uris.contains(&component.source) {
            component.release_product = rules.bmc_product.clone();
            component.release_version = rules.bmc_version.as_ref().and_then(|r| capture_value(r, &component.version));
            continue;
        }
        if let Some(rule) = rules.components.iter().find(|rule| rule.name.is_match(&component.name)) {
            if let Some(kind) = rule.kind {
                component.kind = kind;
            }
            component.release_product = rule.product.clone();
            component.release_version = rule.version.as_ref().and_then(|r| capture_value(r, &component.version));
        }
    }
    let manager = identity.components.iter().find(|c| manager_uris.contains(&c.source));
    if let Some(manager) = manager {
        identity.version = Some(manager.release_version.clone().unwrap_or_else(|| manager.version.clone()));
    }
}

/// Builds the identity from standard Redfish resources alone.
fn identify_generic(observation: &Observation) -> Identity {
    let root = observation.resources.values().next().cloned().unwrap_or(Value::Null);
    let systems = resources(observation, "Systems");
    let managers = resources(observation, "Managers");
    let chassis = resources(observation, "Chassis");
    let system = systems.first().map(|(_, s)| *s);
    let bmc = managers
        .iter()
        .find(|(_, m)| m.get("ManagerType").and_then(Value::as_str) == Some("BMC"))
        .or_else(|| managers.first());
    // Blade enclosures list many chassis. The one that names a model (the
    // enclosure) represents the device.
    let first_chassis = chassis
        .iter()
        .find(|(_, c)| text(c, "Model").is_some())
        .or_else(|| chassis.iter().find(|(_, c)| text(c, "SerialNumber").is_some()))
        .or_else(|| chassis.first())
        .map(|(_, c)| *c);

    let mut identity = Identity {
        profile: Some("generic".to_string()),
        class: Some(DeviceClass::Bmc),
        vendor: system.and_then(|s| text(s, "Manufacturer")).or_else(|| text(&root, "Vendor")),
        model: system.and_then(|s| text(s, "Model")).or_else(|| first_chassis.and_then(|c| text(c, "Model"))),
        serial: system.and_then(|s| text(s, "SerialNumber")).or_else(|| first_chassis.and_then(|c| text(c, "SerialNumber"))),
        hostname: system.and_then(|s| text(s, "HostName")).or_else(|| bmc.and_then(|(_, m)| text(m, "HostName"))),
        ..Identity::default()
    };

    if let Some((uri, manager)) = bmc
        && let Some(version) = text(manager, "FirmwareVersion")
    {
        let name = text(manager, "Model").or_else(|| text(manager, "Name")).unwrap_or_else(|| "BMC".to_string());
        identity.version = Some(version.clone());
        identity.components.push(component(name, ComponentKind::Bmc, version, uri));
    }
    for (uri, system) in &systems {
        if let Some(version) = text(system, "BiosVersion") {
            let name = if systems.len() > 1 {
                format!("BIOS ({})", text(system, "Id").unwrap_or_else(|| uri.clone()))
            } else {
                "BIOS".to_string()
            };
            identity.components.push(component(name, ComponentKind::Bios, version, uri));
        }
    }
    inventory_components(observation, &mut identity);
    if identity.version.is_none() {
        identity.version = identity.components.iter().find(|c| c.kind == ComponentKind::Bmc).map(|c| c.version.clone());
    }

    identity.status = Some(match (&identity.version, observation.failures.is_empty()) {
        (Some(_), true) => Status::Ok,
        (Some(_), false) => Status::Partial,
        (None, _) if identity.components.is_empty() => Status::Unidentified,
        (None, _) => Status::Partial,
    });
    if !observation.failures.is_empty() {
        identity.reason = Some(format!("some Redfish resources could not be read: {}", observation.failures.join("; ")));
    } else if identity.version.is_none() {
        identity.reason = Some("the BMC lists no manager firmware version".to_string());
    }
    identity
}

/// Adds one component per FirmwareInventory member and per entry of the iLO 4
/// `Current` map. SoftwareInventory is read only when the firmware inventory
/// is empty, because it usually lists OS packages.
fn inventory_components(observation: &Observation, identity: &mut Identity) {
    let Some(root) = observation.resources.values().next() else { return };
    let update_service = root
        .get("UpdateService")
        .and_then(|u| u.get("@odata.id"))
        .and_then(Value::as_str)
        .and_then(|uri| observation.resources.get(&normalise(uri)));
    let collection_members = |property: &str| -> Vec<String> {
        let Some(collection) = update_service.and_then(|u| u.get(property)).and_then(|c| c.get("@odata.id")).and_then(Value::as_str) else {
            return Vec::new();
        };
        observation
            .resources
            .get(&normalise(collection))
            .and_then(|c| c.get("Members"))
            .and_then(Value::as_array)
            .map(|m| m.iter().filter_map(|e| e.get("@odata.id").and_then(Value::as_str).map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let mut members = collection_members("FirmwareInventory");
    if members.is_empty() {
        members = collection_members("SoftwareInventory");
    }
    for uri in members {
        let Some(item) = observation.resources.get(&normalise(&uri)) else { continue };
        let Some(version) = item.get("Version").and_then(Value::as_str).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let id = text(item, "Id").unwrap_or_default();
        // OpenBMC names every item after its collection ("Software
        // Inventory"), so the Id names the item instead.
        let name = text(item, "Name")
            .filter(|name| !name.eq_ignore_ascii_case("Software Inventory") && !name.eq_ignore_ascii_case("Firmware Inventory"))
            .unwrap_or_else(|| id.clone());
        let mut entry = component(name.clone(), kind_of(&name, &id, item), version, &normalise(&uri));
        entry.updateable = item.get("Updateable").and_then(Value::as_bool);
        entry.software_id = text(item, "SoftwareId");
        entry.related_item = related_item(item);
        entry.state = Some(state_of(&id));
        identity.components.push(entry);
    }

    // iLO 4: Systems/1/FirmwareInventory is {"Current": {"Key": [{"Name", "VersionString"}]}}.
    for value in observation.resources.values() {
        let Some(current) = value.get("Current").and_then(Value::as_object) else { continue };
        for (key, entries) in current {
            for entry in entries.as_array().into_iter().flatten() {
                let (Some(name), Some(version)) = (text(entry, "Name"), text(entry, "VersionString")) else { continue };
                let uri = value.get("@odata.id").and_then(Value::as_str).unwrap_or_default();
                let mut item = component(name.clone(), kind_of(&name, key, entry), version, uri);
                item.state = Some("installed");
                identity.components.push(item);
            }
        }
    }
}

fn related_item(item: &Value) -> Option<String> {
    match item.get("RelatedItem")? {
        Value::Array(links) => links.iter().filter_map(|l| l.get("@odata.id").and_then(Value::as_str)).next().map(str::to_string),
        Value::String(link) => Some(link.clone()),
        _ => None,
    }
}

/// Returns the state of an inventory item from its Id. iDRAC names staged and
/// previous images `Available-…` and `Previous-…`.
fn state_of(id: &str) -> &'static str {
    let lower = id.to_ascii_lowercase();
    if lower.starts_with("previous") {
        "previous"
    } else if lower.starts_with("available") || lower.starts_with("staged") {
        "available"
    } else {
        "installed"
    }
}

/// Guesses the component kind from its name, id and related resource.
fn kind_of(name: &str, id: &str, item: &Value) -> ComponentKind {
    let related = related_item(item).unwrap_or_default().to_ascii_lowercase();
    let haystack = format!("{name} {id} {related}").to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| haystack.contains(w));
    if has(&["bios", "system rom", "uefi", "rom family"]) {
        ComponentKind::Bios
    } else if has(&["bmc", "idrac", "ilo", "xcc", "imm", "cimc", "/managers/"]) {
        ComponentKind::Bmc
    } else if has(&["cpld", "programmable logic", "fpga", "pld"]) {
        ComponentKind::Cpld
    } else if has(&["power supply", "psu", "/power"]) {
        ComponentKind::Psu
    } else if has(&["raid", "perc", "smart array", "storage controller", "hba", "sas", "/storage"]) {
        ComponentKind::StorageController
    } else if has(&["drive", "disk", "ssd", "hdd", "nvme", "/drives/"]) {
        ComponentKind::Drive
    } else if has(&["nic", "ethernet", "network", "adapter", "fastlinq", "connectx", "/networkadapters/"]) {
        ComponentKind::Nic
    } else {
        ComponentKind::Firmware
    }
}
