use std::io::Write;

use comfy_table::{Cell, Color, ContentArrangement, Table};

use super::{SweepSummary, TableStyle, status_line};
use crate::device::{Device, Status, Verdict};
use crate::identify::text::strip_terminal_controls;
use crate::outcome::full_detail;

/// A comfy-table style (19 border characters) that draws only the rule
/// under the header, so a thousand devices take a thousand lines.
pub(super) const HEADER_RULE_ONLY: &str = "     ──            ";

/// Maximum characters of a detail cell, unless `-v` requests the full
/// text. CSV and JSON always carry it in full.
pub const DETAIL_MAX_CHARS: usize = 100;

/// Writes one line per device, device strings stripped of control
/// sequences, then a line of counts.
pub fn write_table(
    out: &mut dyn Write,
    summary: &SweepSummary,
    devices: &[Device],
    style: TableStyle,
) -> std::io::Result<()> {
    let mut table = Table::new();
    table.load_preset(HEADER_RULE_ONLY);
    match style.width {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    if !style.color {
        table.force_no_tty();
    } else {
        table.enforce_styling();
    }
    table.set_header(["tenant", "site", "address", "status", "class", "vendor", "model", "version", "verdict", "advisories", "detail"]);

    for device in devices {
        let clean = |value: &Option<String>| value.as_deref().map(strip_terminal_controls).unwrap_or_default();
        let address = device
            .address
            .map(|a| a.to_string())
            .or_else(|| device.recording.clone())
            .unwrap_or_else(|| device.target_label.clone());
        let reason = if style.full_detail { full_detail(device) } else { device.reason.clone() };
        let note = match (&reason, &device.name) {
            (Some(reason), _) => strip_terminal_controls(reason),
            (None, Some(name)) => strip_terminal_controls(name),
            (None, None) => clean(&device.hostname),
        };
        let note = if style.full_detail { note } else { truncate(&note, DETAIL_MAX_CHARS) };
        let mut status = Cell::new(device.status.as_str());
        if style.color {
            status = status.fg(status_color(device.status));
        }
        table.add_row(vec![
            Cell::new(strip_terminal_controls(&device.tenant)),
            Cell::new(strip_terminal_controls(&device.site)),
            Cell::new(strip_terminal_controls(&address)),
            status,
            Cell::new(device.class.map(|c| c.as_str()).unwrap_or("")),
            Cell::new(clean(&device.vendor)),
            Cell::new(clean(&device.model)),
            Cell::new(clean(&device.version)),
            verdict_cell(device, style.color),
            Cell::new(advisory_summary(device)),
            Cell::new(note),
        ]);
    }
    // Cells are padded to the column width; the padding after the last
    // column only makes piped output wider.
    for line in table.to_string().lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    let noun = if summary.targets == 1 { "target" } else { "targets" };
    writeln!(out, "{} {noun}: {}", summary.targets, status_line(devices))?;
    match &summary.release_data_checked {
        Some(checked) if summary.stale => writeln!(out, "release data checked {checked} (stale: update it before relying on verdicts)"),
        Some(checked) => writeln!(out, "release data checked {checked}"),
        None => Ok(()),
    }
}

/// Cuts `text` to `max_chars` characters, the last one `…` when any were cut.
fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let prefix: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", prefix.trim_end())
}

fn verdict_cell(device: &Device, color: bool) -> Cell {
    let Some(verdict) = device.verdict else { return Cell::new("") };
    let text = if device.overdue == Some(true) { format!("{verdict} overdue") } else { verdict.to_string() };
    let cell = Cell::new(text);
    if !color {
        return cell;
    }
    match verdict {
        Verdict::Current => cell.fg(Color::Green),
        Verdict::Unknown => cell,
        Verdict::Behind | Verdict::BelowBaseline => cell.fg(Color::Yellow),
        Verdict::Eol | Verdict::Vulnerable => cell.fg(Color::Red),
    }
}

/// Formats the device's advisory ids, at most two followed by a count, and
/// `KEV` when one is known to be exploited.
fn advisory_summary(device: &Device) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for component in &device.components {
        for id in &component.advisories {
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
    }
    let mut summary = ids.iter().take(2).map(|id| strip_terminal_controls(id)).collect::<Vec<_>>().join(" ");
    if ids.len() > 2 {
        summary.push_str(&format!(" +{}", ids.len() - 2));
    }
    if device.components.iter().any(|c| c.kev) {
        summary.push_str(" KEV");
    }
    summary.trim().to_string()
}

fn status_color(status: Status) -> Color {
    match status {
        Status::Ok => Color::Green,
        Status::Partial | Status::Unidentified => Color::Yellow,
        Status::NotScanned => Color::DarkGrey,
        _ => Color::Red,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_short_text() {
        assert_eq!(truncate("connection refused", 100), "connection refused");
    }

    #[test]
    fn truncate_marks_cut_text() {
        let cut = truncate(&"é".repeat(150), DETAIL_MAX_CHARS);

        assert_eq!(cut.chars().count(), DETAIL_MAX_CHARS);
        assert!(cut.ends_with('…'), "{cut}");
    }
}
