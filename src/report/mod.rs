//! Writing results: a terminal table, CSV with one row per component, the
//! versioned JSON document, a customer's HTML report, and per-tenant files.

pub mod advisories;
mod csv_out;
pub mod html;
mod json;
mod listing;
pub mod split;
mod table;

use std::collections::BTreeMap;
use std::io::Write;

use crate::device::{Device, Status};

pub use advisories::AdvisoryIndex;
pub use csv_out::{CSV_COLUMNS, UTF8_BOM, escape_formula, write_csv, write_csv_for_excel};
pub use html::write_html;
pub use json::write_json;
pub use listing::{Listing, write_listing};
pub use split::{ExportOptions, SplitBy, write_per_tenant};
pub use table::write_table;

/// The output formats of `scan` and `identify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    /// One tenant's self-contained HTML report.
    Html,
}

/// Facts about one sweep that head the JSON document.
#[derive(Debug, Clone)]
pub struct SweepSummary {
    pub started: String,
    pub finished: String,
    pub release_data_checked: Option<String>,
    /// The release data is older than the staleness limit.
    pub stale: bool,
    pub targets: usize,
}

impl SweepSummary {
    pub fn counts(devices: &[Device]) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for device in devices {
            *counts.entry(device.status.as_str()).or_insert(0) += 1;
        }
        counts
    }
}

/// Options for the terminal table.
#[derive(Debug, Clone, Copy)]
pub struct TableStyle {
    pub color: bool,
    /// Terminal width in columns, or `None` for unlimited (a pipe or file).
    pub width: Option<u16>,
    /// Whether the detail column shows the full text, every protocol's
    /// outcome included, instead of the reason cut to
    /// [`table::DETAIL_MAX_CHARS`].
    pub full_detail: bool,
}

/// Writes devices in the chosen format.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    summary: &SweepSummary,
    devices: &[Device],
    style: TableStyle,
) -> std::io::Result<()> {
    match format {
        Format::Table => write_table(out, summary, devices, style),
        Format::Csv => write_csv(out, devices),
        Format::Json => write_json(out, summary, devices),
        // Links come from the built-in release data; a caller with its own
        // catalogue calls `write_html` with that catalogue's index.
        Format::Html => write_html(out, summary, devices, &AdvisoryIndex::builtin()),
    }
}

/// Formats one line with the count of each status, for the end of a table and for logs.
pub fn status_line(devices: &[Device]) -> String {
    let counts = SweepSummary::counts(devices);
    Status::ALL
        .iter()
        .filter_map(|status| counts.get(status.as_str()).map(|n| format!("{n} {status}")))
        .collect::<Vec<_>>()
        .join(", ")
}
