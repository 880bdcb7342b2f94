use std::io::Write;

use crate::device::{Component, Device};

/// The CSV header, in contract order. `note` and `overdue` come last because
/// they were added after the others.
pub const CSV_COLUMNS: [&str; 31] = [
    "tenant", "site", "address", "name", "status", "reason", "class", "vendor", "model", "serial",
    "hostname", "profile", "device_version", "device_verdict", "component", "kind", "version",
    "verdict", "latest_in_train", "latest", "baseline", "eol_date", "advisories", "kev", "source",
    "protocol", "credential", "recording", "scanned_at", "note", "overdue",
];

/// Prefixes a cell that a spreadsheet would run as a formula with `'`.
/// Device strings are attacker-controlled, and customers open these files
/// in spreadsheets.
pub fn escape_formula(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// Writes one row per component; a device without components gets one row
/// with empty component cells.
pub fn write_csv(out: &mut dyn Write, devices: &[Device]) -> std::io::Result<()> {
    write_rows(csv::Writer::from_writer(out), devices)
}

/// Writes the same rows as [`write_csv`] for spreadsheet programs. A UTF-8
/// byte order mark comes first, so that Excel reads the file as UTF-8 rather
/// than in the system's legacy code page, and lines end in CRLF as RFC 4180
/// specifies.
pub fn write_csv_for_excel(out: &mut dyn Write, devices: &[Device]) -> std::io::Result<()> {
    out.write_all(UTF8_BOM)?;
    write_rows(csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out), devices)
}

/// The UTF-8 encoding of U+FEFF, which marks a file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn write_rows<W: Write>(mut writer: csv::Writer<W>, devices: &[Device]) -> std::io::Result<()> {
    writer.write_record(CSV_COLUMNS)?;
    for device in devices {
        if device.components.is_empty() {
            writer.write_record(row(device, None).iter().map(|c| escape_formula(c)))?;
        }
        for component in &device.components {
            writer.write_record(row(device, Some(component)).iter().map(|c| escape_formula(c)))?;
        }
    }
    writer.flush()?;
    Ok(())
}

fn row(device: &Device, component: Option<&Component>) -> Vec<String> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let address = device
        .address
        .map(|a| a.to_string())
        .unwrap_or_else(|| device.target_label.clone());
    let mut cells = vec![
        device.tenant.clone(),
        device.site.clone(),
        address,
        text(&device.name),
        device.status.to_string(),
        // The reason cell carries every protocol's outcome, because CSV has
        // no column for the `outcomes` list.
        crate::outcome::full_detail(device).unwrap_or_default(),
        device.class.map(|c| c.as_str().to_string()).unwrap_or_default(),
        text(&device.vendor),
        text(&device.model),
        text(&device.serial),
        text(&device.hostname),
        text(&device.profile),
        text(&device.version),
        device.verdict.map(|v| v.to_string()).unwrap_or_default(),
    ];
    match component {
        Some(c) => cells.extend([
            c.name.clone(),
            c.kind.as_str().to_string(),
            c.version.clone(),
            c.verdict.to_string(),
            text(&c.latest_in_train),
            text(&c.latest),
            text(&c.baseline),
            text(&c.eol_date),
            c.advisories.join("; "),
            c.kev.to_string(),
            c.source.clone(),
            c.protocol.to_string(),
        ]),
        None => cells.extend(std::iter::repeat_n(String::new(), 12)),
    }
    cells.extend([text(&device.credential), text(&device.recording), text(&device.scanned_at)]);
    cells.push(component.and_then(|c| c.note.clone()).unwrap_or_default());
    cells.push(device.overdue.map(|o| o.to_string()).unwrap_or_default());
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_quote() {
        assert_eq!(escape_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(escape_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(escape_formula("\tcmd"), "'\tcmd");
        assert_eq!(escape_formula("15.2(7)E3"), "15.2(7)E3");
    }
}
