//! The upgrade plan for a maintenance window. It lists every component below
//! its baseline, behind in its train, end of life or vulnerable, with its
//! target version, the advisories the upgrade fixes and the risks of doing
//! it remotely. Devices that the rest depend on go last.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::assess::{Assessor, advisories_matching, newest_release};
use crate::device::{Component, Device, DeviceClass, Status, Verdict};
use crate::releases::Product;

/// The plan document that `plan --output` writes and `verify` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub schema: u32,
    pub created: String,
    pub fwsweep_version: String,
    /// The stored sweep the plan was built from.
    pub sweep: i64,
    pub tenant: Option<String>,
    /// The maintenance window's date, against which end of life is judged.
    pub window: Option<String>,
    pub items: Vec<PlanItem>,
    /// Devices that are there but could not be read, so the plan cannot
    /// cover them.
    #[serde(default)]
    pub unread: Vec<UnreadDevice>,
}

/// A target of the sweep that is known to be a device but was not read:
/// rejected credentials or certificate, or a named target that timed out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnreadDevice {
    pub tenant: String,
    pub site: String,
    pub address: Option<String>,
    pub name: Option<String>,
    pub status: String,
    pub reason: Option<String>,
}

/// One component to upgrade.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanItem {
    /// Position of the device in the upgrade order, from 1.
    pub order: usize,
    pub tenant: String,
    pub site: String,
    pub address: Option<String>,
    pub port: Option<u16>,
    pub name: Option<String>,
    pub class: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    /// The vendor profile that recognised the device, compared by `verify`
    /// to notice another device at the planned address.
    #[serde(default)]
    pub profile: Option<String>,
    /// The protocols the device answered on in the sweep, rescanned by `verify`.
    pub protocols: Vec<String>,
    /// Name of the credential set the device accepted (never a secret),
    /// tried first by `verify`.
    #[serde(default)]
    pub credential: Option<String>,
    pub component: String,
    pub kind: String,
    pub product: Option<String>,
    pub verdict: String,
    pub current: String,
    /// The version to install, or `null` when the release data lists no newer one.
    pub target: Option<String>,
    /// Source of the target version: `baseline target`, `latest in train`,
    /// `newest release` (a train change) or `baseline minimum`.
    pub target_from: Option<String>,
    pub advisories_fixed: Vec<String>,
    pub kev_fixed: bool,
    pub overdue: Option<bool>,
    pub risks: Vec<String>,
}

/// Risk note for a server whose BMC was not read over Redfish.
pub const RISK_NO_OUT_OF_BAND: &str = "no out-of-band path: the BMC was not reached over Redfish, so a failed update cannot be recovered remotely";
/// Risk note for a device on the remote path.
pub const RISK_REMOTE_PATH: &str = "the upgrade can cut the remote path: have someone on site";
/// Risk note for a component whose train is end of life.
pub const RISK_TRAIN_EOL: &str = "train is end of life: a train change, not a patch";

/// Builds the plan from assessed devices. `window` is the date end of life
/// is judged against (the assessor's `today`).
pub fn build_plan(assessor: &Assessor, devices: &[Device], sweep: i64, tenant: Option<&str>, window: Option<Date>, created: String) -> Plan {
    let mut planned: Vec<(&Device, Vec<PlanItem>)> = devices
        .iter()
        .filter(|d| d.status.answered() && tenant.is_none_or(|t| d.tenant == t))
        .map(|device| (device, items_for(assessor, device)))
        .filter(|(_, items)| !items.is_empty())
        .collect();
    planned.sort_by(|(a, _), (b, _)| dependency_rank(a).cmp(&dependency_rank(b)).then_with(|| a.sort_key().cmp(&b.sort_key())));

    let mut items = Vec::new();
    for (position, (_, device_items)) in planned.into_iter().enumerate() {
        for mut item in device_items {
            item.order = position + 1;
            items.push(item);
        }
    }
    let unread = devices
        .iter()
        .filter(|d| tenant.is_none_or(|t| d.tenant == t) && is_unread_device(d))
        .map(|d| UnreadDevice {
            tenant: d.tenant.clone(),
            site: d.site.clone(),
            address: d.address.map(|a| a.to_string()),
            name: d.name.clone(),
            status: d.status.to_string(),
            reason: d.reason.clone(),
        })
        .collect();
    Plan {
        schema: 1,
        created,
        fwsweep_version: env!("CARGO_PKG_VERSION").to_string(),
        sweep,
        tenant: tenant.map(str::to_string),
        window: window.map(|d| d.to_string()),
        items,
        unread,
    }
}

/// Returns whether a row that was not read stands for a real device: one
/// that rejected the credentials or the certificate, or a target named in
/// the inventory that timed out. Silent and refused addresses of a swept
/// range are left out.
fn is_unread_device(device: &Device) -> bool {
    match device.status {
        Status::AuthFailed | Status::TlsRejected | Status::TlsLegacy => true,
        Status::Timeout | Status::Unreachable => device.name.is_some(),
        _ => false,
    }
}

/// Ranks a device by how much of the network depends on it: edge devices
/// first, then servers and storage, access switches, core switches, routers
/// and firewalls last, because their upgrade can cut the remote path.
pub fn dependency_rank(device: &Device) -> u8 {
    match device.class {
        Some(DeviceClass::Phone | DeviceClass::Printer) => 0,
        Some(DeviceClass::Ups | DeviceClass::Other) | None => 1,
        Some(DeviceClass::Wireless) => 2,
        Some(DeviceClass::Bmc) => 3,
        Some(DeviceClass::Storage) => 4,
        Some(DeviceClass::Switch) if is_core_switch(device) => 6,
        Some(DeviceClass::Switch) => 5,
        Some(DeviceClass::Router) => 7,
        Some(DeviceClass::Firewall) => 8,
    }
}

/// Returns whether a switch is a core switch: its inventory name or its
/// host name has a word starting with `core` (`core-sw1`, `HQ-CORE-02`,
/// `coresw3`), words being split at anything but letters and digits.
pub fn is_core_switch(device: &Device) -> bool {
    let has_core_word = |text: &Option<String>| {
        text.as_deref().is_some_and(|t| t.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w.to_ascii_lowercase().starts_with("core")))
    };
    device.class == Some(DeviceClass::Switch) && (has_core_word(&device.name) || has_core_word(&device.hostname))
}

fn items_for(assessor: &Assessor, device: &Device) -> Vec<PlanItem> {
    device
        .components
        .iter()
        .filter(|c| matches!(c.state, None | Some("installed")) && c.verdict >= Verdict::Behind)
        .filter(|c| !rests_at_approved_target(assessor, device, c))
        .map(|component| item_for(assessor, device, component))
        .collect()
}

fn item_for(assessor: &Assessor, device: &Device, component: &Component) -> PlanItem {
    let product = assessor.product_of(device, component);
    let target = product.and_then(|p| choose_target(assessor, device, component, p));
    let (target_text, target_from) = match &target {
        Some(choice) => (Some(choice.text.clone()), Some(choice.from.to_string())),
        None => (None, None),
    };
    let mut item = PlanItem {
        order: 0,
        tenant: device.tenant.clone(),
        site: device.site.clone(),
        address: device.address.map(|a| a.to_string()),
        port: device.port,
        name: device.name.clone().or_else(|| device.hostname.clone()),
        class: device.class.map(|c| c.as_str().to_string()),
        vendor: device.vendor.clone(),
        model: device.model.clone(),
        serial: device.serial.clone(),
        profile: device.profile.clone(),
        protocols: device.protocols.iter().map(|p| p.to_string()).collect(),
        credential: device.credential.clone(),
        component: component.name.clone(),
        kind: component.kind.as_str().to_string(),
        product: product.map(|p| p.id.clone()),
        verdict: component.verdict.to_string(),
        current: component.version.clone(),
        target: target_text,
        target_from,
        advisories_fixed: Vec::new(),
        kev_fixed: false,
        overdue: device.overdue,
        risks: risks_of(device, component, assessor.today),
    };
    if let (Some(product), Some(target)) = (product, &target) {
        let fixed = fixed_advisories(product, component, &target.text);
        item.kev_fixed = product.advisories.iter().any(|a| a.kev && fixed.contains(&a.id));
        item.advisories_fixed = fixed;
    }
    if item.target.is_none() {
        item.risks.push("no newer release in the release data".to_string());
    }
    let approved = product.and_then(|p| approved_target_met(assessor, device, component, p));
    if let (Some(approved), Some(target)) = (approved, &item.target) {
        item.risks.push(format!("beyond the approved target {approved}: approve {target} first"));
    }
    if device.overdue == Some(true) {
        let since = device.firmware_since.as_deref().unwrap_or("unknown");
        item.risks.push(format!("overdue: firmware unchanged since {since}"));
    }
    item
}

/// Returns the tenant's approved baseline target when the component already
/// runs it or a newer version of its train.
fn approved_target_met(assessor: &Assessor, device: &Device, component: &Component, product: &Product) -> Option<String> {
    let approved = assessor.baselines.find(&device.tenant, &product.id)?.target.clone()?;
    let running_text = component.release_version.as_deref().unwrap_or(&component.version);
    if running_text == approved {
        return Some(approved);
    }
    let running = product.scheme.parse(running_text)?;
    let order = running.compare(&product.scheme.parse(&approved)?)?;
    (order != Ordering::Less).then_some(approved)
}

/// Returns whether a component that meets its approved target stays
/// there: an upgrade past the approved target is planned only for an
/// end-of-life train or a vulnerable version, and then carries a risk note.
fn rests_at_approved_target(assessor: &Assessor, device: &Device, component: &Component) -> bool {
    let Some(product) = assessor.product_of(device, component) else { return false };
    if approved_target_met(assessor, device, component, product).is_none() {
        return false;
    }
    let train_ended = component.verdict == Verdict::Eol || train_has_ended(assessor, component, product);
    !train_ended && component.verdict != Verdict::Vulnerable
}

/// Returns whether the component's train reaches its end of support by the window.
fn train_has_ended(assessor: &Assessor, component: &Component, product: &Product) -> bool {
    let running_text = component.release_version.as_deref().unwrap_or(&component.version);
    let Some(running) = product.scheme.parse(running_text) else { return false };
    let train = product.trains.iter().find(|t| t.name == running.train);
    train.and_then(|t| t.end_of_support).is_some_and(|end| end <= assessor.today)
}

struct TargetChoice {
    text: String,
    from: &'static str,
}

/// Picks the target version: the tenant's approved target when one is set,
/// else the newest release for an end-of-life train, else the latest in the
/// train, else the baseline minimum. A candidate not newer than the running
/// version is skipped.
fn choose_target(assessor: &Assessor, device: &Device, component: &Component, product: &Product) -> Option<TargetChoice> {
    let running_text = component.release_version.as_deref().unwrap_or(&component.version);
    let running = product.scheme.parse(running_text)?;
    let baseline = assessor.baselines.find(&device.tenant, &product.id);
    let train = product.trains.iter().find(|t| t.name == running.train);
    let train_ended = train.and_then(|t| t.end_of_support).is_some_and(|end| end <= assessor.today);

    let mut candidates: Vec<(Option<String>, &'static str)> = vec![(baseline.and_then(|b| b.target.clone()), "baseline target")];
    if train_ended {
        candidates.push((newest_release(product), "newest release"));
    }
    candidates.push((train.and_then(|t| t.latest_text.clone()), "latest in train"));
    candidates.push((baseline.map(|b| b.minimum.clone()), "baseline minimum"));
    if !train_ended {
        candidates.push((newest_release(product), "newest release"));
    }

    candidates.into_iter().find_map(|(text, from)| {
        let text = text?;
        let version = product.scheme.parse(&text)?;
        let newer = match running.compare(&version) {
            Some(order) => order == Ordering::Less,
            // Another train: only a deliberate choice (baseline target or
            // an end-of-life train change) crosses trains.
            None => from == "baseline target" || (from == "newest release" && train_ended),
        };
        newer.then_some(TargetChoice { text, from })
    })
}

/// Returns the advisories matched by the running version that the target no longer matches.
fn fixed_advisories(product: &Product, component: &Component, target: &str) -> Vec<String> {
    let Some(target) = product.scheme.parse(target) else { return Vec::new() };
    let still_open = advisories_matching(product, &target);
    component.advisories.iter().filter(|id| !still_open.contains(id)).cloned().collect()
}

fn risks_of(device: &Device, component: &Component, window: Date) -> Vec<String> {
    let mut risks = Vec::new();
    if device.class == Some(DeviceClass::Bmc) && !device.protocols.contains(&"redfish") {
        risks.push(RISK_NO_OUT_OF_BAND.to_string());
    }
    let on_remote_path = matches!(device.class, Some(DeviceClass::Firewall | DeviceClass::Router)) || is_core_switch(device);
    if on_remote_path {
        risks.push(RISK_REMOTE_PATH.to_string());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let eol = component.eol_date.as_deref().and_then(|d| Date::parse(d, &format).ok()).is_some_and(|end| end <= window);
    if eol || component.verdict == Verdict::Eol {
        risks.push(RISK_TRAIN_EOL.to_string());
    }
    risks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(class: DeviceClass, hostname: &str) -> Device {
        let mut device = Device::empty("acme", "hq", Some("192.0.2.1".parse().unwrap()), Status::Ok);
        device.class = Some(class);
        device.hostname = Some(hostname.to_string());
        device
    }

    #[test]
    fn core_switch_rule_reads_words() {
        assert!(is_core_switch(&device(DeviceClass::Switch, "HQ-CORE-02")));
        assert!(is_core_switch(&device(DeviceClass::Switch, "coresw3")));
        assert!(!is_core_switch(&device(DeviceClass::Switch, "access-sw4")));
        assert!(!is_core_switch(&device(DeviceClass::Switch, "hardcore")));
        assert!(!is_core_switch(&device(DeviceClass::Router, "core-rtr")));
    }

    #[test]
    fn remote_path_ranks_last() {
        let ranks: Vec<u8> = [
            device(DeviceClass::Phone, "p1"),
            device(DeviceClass::Bmc, "srv1"),
            device(DeviceClass::Switch, "access-1"),
            device(DeviceClass::Switch, "core-1"),
            device(DeviceClass::Router, "r1"),
            device(DeviceClass::Firewall, "fw1"),
        ]
        .iter()
        .map(dependency_rank)
        .collect();

        assert!(ranks.windows(2).all(|pair| pair[0] < pair[1]), "{ranks:?}");
    }
}
