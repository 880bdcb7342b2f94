//! Assessment: each component's verdict against known releases, and the
//! `--fail-on` threshold.
//!
//! NOTE: no release data is loaded yet, so every verdict is `unknown`, as
//! the verdict contract prescribes before release data exists.

use crate::device::{Device, Verdict};

/// Sets component verdicts and each device's worst verdict.
pub fn assess(devices: &mut [Device]) {
    for device in devices {
        for component in &mut device.components {
            component.verdict = Verdict::Unknown;
        }
        device.verdict = device.components.iter().map(|c| c.verdict).max();
    }
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
    /// Tells whether any component reaches the threshold. `unknown` counts
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
