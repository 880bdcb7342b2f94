//! Checking after a maintenance window that each planned component reached
//! its target version.

use std::cmp::Ordering;

use serde::Serialize;

use super::plan::{Plan, PlanItem};
use crate::device::Device;
use crate::releases::Catalogue;
use crate::targets::{Host, Protocol, Target};

/// The result of one planned upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The component runs the target version or a newer one.
    Reached,
    /// The component runs an older version than the target.
    NotReached,
    /// No response from the device to the rescan.
    NotAnswering,
    /// A response from the device, which no longer reports the component.
    ComponentMissing,
    /// A different device at the planned address, whose serial, vendor
    /// profile or class differs from the one the plan recorded.
    DifferentDevice,
    /// The plan had no target for the component, so nothing is checked.
    NoTarget,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::NotReached => "not-reached",
            Outcome::NotAnswering => "not-answering",
            Outcome::ComponentMissing => "component-missing",
            Outcome::DifferentDevice => "different-device",
            Outcome::NoTarget => "no-target",
        }
    }

    /// Returns whether the outcome fails `verify` (exit status 1).
    pub fn failed(self) -> bool {
        matches!(self, Outcome::NotReached | Outcome::NotAnswering | Outcome::ComponentMissing | Outcome::DifferentDevice)
    }
}

/// One planned component after the rescan.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyRow {
    pub order: usize,
    pub tenant: String,
    pub site: String,
    pub address: Option<String>,
    pub name: Option<String>,
    pub component: String,
    pub before: String,
    pub target: Option<String>,
    /// The version found by the rescan.
    pub now: Option<String>,
    pub status: String,
    pub result: Outcome,
}

/// Returns one target per planned device (tenant, site and address), with
/// the protocols it answered on and the credential set it accepted in the
/// planned sweep. A plan item without an address is skipped.
pub fn plan_targets(plan: &Plan) -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    for item in &plan.items {
        let Some(address) = item.address.as_deref().and_then(|a| a.parse().ok()) else { continue };
        let seen = targets.iter().any(|t| t.tenant == item.tenant && t.site == item.site && t.address() == Some(address));
        if seen {
            continue;
        }
        let mut target = Target::new(&item.tenant, &item.site, Host::Address(address));
        target.name = item.name.clone();
        let protocols: Vec<Protocol> = item.protocols.iter().filter_map(|p| Protocol::parse(p)).collect();
        // A port belongs to one protocol, so it is kept only for a device
        // read over one.
        if protocols.len() == 1 {
            target.port = item.port;
        }
        target.protocols = (!protocols.is_empty()).then_some(protocols);
        target.credentials = item.credential.iter().cloned().collect();
        targets.push(target);
    }
    targets
}

/// Compares each plan item with the rescanned devices, judging versions by
/// the product's version scheme and falling back to equal text without one.
pub fn verify_plan(plan: &Plan, devices: &[Device], catalogue: &Catalogue) -> Vec<VerifyRow> {
    plan.items.iter().map(|item| verify_item(item, devices, catalogue)).collect()
}

fn verify_item(item: &PlanItem, devices: &[Device], catalogue: &Catalogue) -> VerifyRow {
    let device = devices.iter().find(|d| {
        d.tenant == item.tenant && d.site == item.site && d.address.map(|a| a.to_string()) == item.address
    });
    let component = device.and_then(|d| d.components.iter().find(|c| c.name == item.component && c.kind.as_str() == item.kind));
    let result = match (device, component, &item.target) {
        (_, _, None) => Outcome::NoTarget,
        (None, _, _) => Outcome::NotAnswering,
        (Some(d), _, _) if !d.status.answered() => Outcome::NotAnswering,
        (Some(d), _, _) if is_other_device(item, d) => Outcome::DifferentDevice,
        (Some(_), None, _) => Outcome::ComponentMissing,
        (Some(_), Some(c), Some(target)) => judge(item, &c.version, c.release_version.as_deref(), target, catalogue),
    };
    VerifyRow {
        order: item.order,
        tenant: item.tenant.clone(),
        site: item.site.clone(),
        address: item.address.clone(),
        name: item.name.clone(),
        component: item.component.clone(),
        before: item.current.clone(),
        target: item.target.clone(),
        now: component.map(|c| c.version.clone()),
        status: device.map(|d| d.status.to_string()).unwrap_or_else(|| "not-scanned".to_string()),
        result,
    }
}

/// Returns whether the rescanned device is not the planned one: serials,
/// vendor profiles or classes that are known on both sides and differ.
fn is_other_device(item: &PlanItem, device: &Device) -> bool {
    let differ = |planned: Option<&str>, found: Option<&str>| {
        matches!((planned.filter(|p| !p.is_empty()), found.filter(|f| !f.is_empty())), (Some(p), Some(f)) if p != f)
    };
    differ(item.serial.as_deref(), device.serial.as_deref())
        || differ(item.profile.as_deref(), device.profile.as_deref())
        || differ(item.class.as_deref(), device.class.map(|c| c.as_str()))
}

fn judge(item: &PlanItem, version: &str, release_version: Option<&str>, target: &str, catalogue: &Catalogue) -> Outcome {
    let product = item.product.as_deref().and_then(|id| catalogue.products.get(id));
    let compared = product.and_then(|p| {
        let running = p.scheme.parse(release_version.unwrap_or(version))?;
        running.compare(&p.scheme.parse(target)?)
    });
    let reached = match compared {
        Some(order) => order != Ordering::Less,
        None => version == target || release_version == Some(target),
    };
    if reached { Outcome::Reached } else { Outcome::NotReached }
}
