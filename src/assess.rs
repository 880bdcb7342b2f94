//! Assessment: each component's verdict against the release catalogue and
//! the tenant's approved baseline, and the `--fail-on` threshold.

use std::cmp::Ordering;

use time::Date;

use crate::device::{Component, ComponentKind, Device, Verdict};
use crate::profiles::ProfileSet;
use crate::releases::{Baselines, Catalogue, Product};

/// Release data older than this draws a warning.
pub const STALE_AFTER_DAYS: i64 = 90;

/// Release catalogue, baselines and profiles that verdicts are judged against.
/// `today` is a parameter, not the clock, so that end-of-life checks can be
/// repeated and tested.
pub struct Assessor<'a> {
    pub catalogue: &'a Catalogue,
    pub baselines: &'a Baselines,
    pub profiles: &'a ProfileSet,
    pub today: Date,
}

impl Assessor<'_> {
    /// Sets every component's verdict and each device's worst verdict.
    pub fn assess(&self, devices: &mut [Device]) {
        for device in devices {
            let profile = device.profile.as_deref().and_then(|id| self.profiles.profiles.iter().find(|p| p.id == id));
            let product_id = profile.and_then(|p| p.release_product.as_deref());
            let product = product_id.and_then(|id| self.catalogue.products.get(id));
            for component in device.components.iter_mut().filter(|c| matches!(c.state, None | Some("installed"))) {
                component.verdict = Verdict::Unknown;
                // A component tied to its own product, as in BMC inventories,
                // is judged against that product. Otherwise the primary version
                // and stack members' OS versions are judged against the profile's.
                let (product_id, product) = match component.release_product.as_deref() {
                    Some(id) => (Some(id), self.catalogue.products.get(id)),
                    None => {
                        let is_release = profile.is_some_and(|p| {
                            p.version.as_ref().is_some_and(|v| v.name == component.name && v.kind == component.kind)
                        }) || component.kind == ComponentKind::Os;
                        if !is_release {
                            continue;
                        }
                        (product_id, product)
                    }
                };
                match (product, product_id) {
                    (Some(product), _) => self.judge(component, product, &device.tenant),
                    (None, Some(id)) => component.note = Some(format!("no release data for product {id}")),
                    (None, None) => {}
                }
            }
            device.verdict = device.components.iter().map(|c| c.verdict).max();
        }
    }

    fn judge(&self, component: &mut Component, product: &Product, tenant: &str) {
        let text = component.release_version.clone().unwrap_or_else(|| component.version.clone());
        let Some(version) = product.scheme.parse(&text) else {
            component.note = Some(format!("{:?} is not a {} version; cannot compare", component.version, product.scheme));
            return;
        };
        component.latest = newest_release(product);

        let matched: Vec<_> = product
            .advisories
            .iter()
            .filter(|a| a.affected.iter().any(|range| range.contains(&version)))
            .collect();
        component.advisories = matched.iter().map(|a| a.id.clone()).collect();
        component.kev = matched.iter().any(|a| a.kev);
        let mut verdicts = Vec::new();
        if !matched.is_empty() {
            verdicts.push(Verdict::Vulnerable);
        }

        match product.trains.iter().find(|t| t.name == version.train) {
            None => component.note = Some(format!(
                "train {} is not in the {} release data (checked {})",
                version.train, product.name, product.checked
            )),
            Some(train) => {
                component.latest_in_train = train.latest_text.clone();
                component.eol_date = train.end_of_support.map(|d| d.to_string());
                if train.end_of_support.is_some_and(|end| end <= self.today) {
                    verdicts.push(Verdict::Eol);
                }
                match train.latest.as_ref().and_then(|latest| version.compare(latest)) {
                    Some(Ordering::Less) => verdicts.push(Verdict::Behind),
                    Some(Ordering::Equal) => verdicts.push(Verdict::Current),
                    Some(Ordering::Greater) => {
                        verdicts.push(Verdict::Current);
                        component.note = Some(format!(
                            "newer than {}, the latest in the release data (checked {})",
                            train.latest_text.as_deref().unwrap_or_default(),
                            product.checked
                        ));
                    }
                    None => {}
                }
            }
        }

        if let Some(baseline) = self.baselines.find(tenant, &product.id) {
            component.baseline = Some(baseline.minimum.clone());
            match product.scheme.parse(&baseline.minimum).and_then(|minimum| version.compare(&minimum)) {
                Some(Ordering::Less) => verdicts.push(Verdict::BelowBaseline),
                Some(_) => {}
                None => component.note = Some(format!(
                    "baseline {} ({}) is in another train; not compared",
                    baseline.minimum, baseline.origin
                )),
            }
            let target = baseline.target.as_deref().and_then(|t| product.scheme.parse(t).map(|v| (t, v)));
            if let Some((text, target)) = target
                && version.compare(&target) == Some(Ordering::Greater) {
                    component.note = Some(format!("newer than the approved target {text}: untested"));
                }
        }
        component.verdict = verdicts.into_iter().max().unwrap_or(Verdict::Unknown);
    }

    /// Returns the oldest `checked` date of the products these devices were
    /// judged against, or `None` when none was used.
    pub fn release_data_checked(&self, devices: &[Device]) -> Option<Date> {
        devices
            .iter()
            .flat_map(|device| {
                let profile_product = device
                    .profile
                    .as_deref()
                    .and_then(|id| self.profiles.profiles.iter().find(|p| p.id == id))
                    .and_then(|p| p.release_product.clone());
                let component_products = device.components.iter().filter_map(|c| c.release_product.clone());
                profile_product.into_iter().chain(component_products).collect::<Vec<_>>()
            })
            .filter_map(|id| self.catalogue.products.get(&id))
            .map(|product| product.checked)
            .min()
    }

    /// Returns whether release data checked on `checked` is older than
    /// [`STALE_AFTER_DAYS`] on `today`.
    pub fn is_stale(&self, checked: Date) -> bool {
        (self.today - checked).whole_days() > STALE_AFTER_DAYS
    }
}

impl<'a> Assessor<'a> {
    /// Returns the release product a component is judged against, as
    /// [`Assessor::assess`] picks it: the component's own, else the device
    /// profile's for the profile's version component and OS components.
    pub fn product_of(&self, device: &Device, component: &Component) -> Option<&'a Product> {
        if let Some(id) = component.release_product.as_deref() {
            return self.catalogue.products.get(id);
        }
        let profile = device.profile.as_deref().and_then(|id| self.profiles.profiles.iter().find(|p| p.id == id))?;
        let is_release = is_profile_version(profile, component) || component.kind == ComponentKind::Os;
        let id = profile.release_product.as_deref().filter(|_| is_release)?;
        self.catalogue.products.get(id)
    }
}

fn is_profile_version(profile: &crate::profiles::Profile, component: &Component) -> bool {
    profile.version.as_ref().is_some_and(|v| v.name == component.name && v.kind == component.kind)
}

/// Returns the ids of the product's advisories whose affected ranges
/// contain the version.
pub fn advisories_matching(product: &Product, version: &crate::releases::Version) -> Vec<String> {
    product
        .advisories
        .iter()
        .filter(|a| a.affected.iter().any(|range| range.contains(version)))
        .map(|a| a.id.clone())
        .collect()
}

/// Returns the latest release of the newest train. Trains are ordered by the
/// version tokens of their names, then by release date.
pub fn newest_release(product: &Product) -> Option<String> {
    let train_number = |name: &str| crate::releases::scheme::tokens(name);
    product
        .trains
        .iter()
        .filter(|t| t.latest_text.is_some())
        .max_by(|a, b| train_number(&a.name).cmp(&train_number(&b.name)).then(a.released.cmp(&b.released)))
        .and_then(|t| t.latest_text.clone())
}

/// The `--fail-on` threshold: a verdict level, or any KEV-listed advisory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Current,
    Unknown,
    Behind,
    BelowBaseline,
    Eol,
    Vulnerable,
    Kev,
}

impl FailOn {
    /// Returns whether any component reaches the threshold. `unknown` counts
    /// only when it is the named level, so `--fail-on behind` ignores
    /// unknown versions although `unknown` sorts below `behind`.
    pub fn reached(self, devices: &[Device]) -> bool {
        let components = devices.iter().flat_map(|d| d.components.iter());
        let threshold = match self {
            FailOn::Kev => return components.clone().any(|c| c.kev),
            FailOn::Current => Verdict::Current,
            FailOn::Unknown => Verdict::Unknown,
            FailOn::Behind => Verdict::Behind,
            FailOn::BelowBaseline => Verdict::BelowBaseline,
            FailOn::Eol => Verdict::Eol,
            FailOn::Vulnerable => Verdict::Vulnerable,
        };
        components.into_iter().any(|c| {
            c.verdict >= threshold && (c.verdict != Verdict::Unknown || threshold == Verdict::Unknown)
        })
    }
}
