use std::io::Write;

use serde::Serialize;

use super::SweepSummary;
use crate::device::Device;

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    sweep: Sweep<'a>,
    devices: &'a [Device],
}

#[derive(Serialize)]
struct Sweep<'a> {
    started: &'a str,
    finished: &'a str,
    fwsweep_version: &'static str,
    release_data_checked: Option<&'a str>,
    targets: usize,
    counts: std::collections::BTreeMap<&'static str, usize>,
}

/// Writes the JSON document, schema 1.
pub fn write_json(out: &mut dyn Write, summary: &SweepSummary, devices: &[Device]) -> std::io::Result<()> {
    let document = Document {
        schema: 1,
        sweep: Sweep {
            started: &summary.started,
            finished: &summary.finished,
            fwsweep_version: env!("CARGO_PKG_VERSION"),
            release_data_checked: summary.release_data_checked.as_deref(),
            targets: summary.targets,
            counts: SweepSummary::counts(devices),
        },
        devices,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
