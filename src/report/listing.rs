//! Reports that are one list with fixed columns (the sweep history, a diff,
//! an upgrade plan, a verify result), written as a table, CSV or JSON.

use std::io::Write;

use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use super::{Format, TableStyle, escape_formula};
use crate::identify::text::strip_terminal_controls;

/// A list report: table and CSV cells row by row, and the JSON document
/// that carries the same facts with their types.
pub struct Listing<'a, T: Serialize> {
    pub columns: &'a [&'a str],
    pub rows: Vec<Vec<String>>,
    pub document: &'a T,
    /// Lines printed under the table only.
    pub footer: Vec<String>,
}

/// Writes the listing in the requested format. Formats without a list form
/// of their own (anything but CSV and JSON) get the table.
pub fn write_listing<T: Serialize>(out: &mut dyn Write, format: Format, listing: &Listing<T>, style: TableStyle) -> std::io::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, listing.document)?;
        return writeln!(out);
    }
    if format == Format::Csv {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(listing.columns)?;
        for row in &listing.rows {
            writer.write_record(row.iter().map(|cell| escape_formula(cell)))?;
        }
        return writer.flush();
    }
    write_table(out, listing, style)
}

fn write_table<T: Serialize>(out: &mut dyn Write, listing: &Listing<T>, style: TableStyle) -> std::io::Result<()> {
    let mut table = Table::new();
    table.load_preset(super::table::HEADER_RULE_ONLY);
    match style.width {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.force_no_tty();
    table.set_header(listing.columns.iter().copied());
    for row in &listing.rows {
        table.add_row(row.iter().map(|cell| strip_terminal_controls(cell)));
    }
    if !listing.rows.is_empty() {
        for line in table.to_string().lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    for line in &listing.footer {
        writeln!(out, "{}", strip_terminal_controls(line))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile_listing(document: &serde_json::Value) -> Listing<'_, serde_json::Value> {
        Listing {
            columns: &["address", "name"],
            rows: vec![vec!["192.0.2.9".into(), "=HYPERLINK(\"x\")\u{1b}[2J".into()]],
            document,
            footer: vec!["1 row".into()],
        }
    }

    fn written(format: Format, listing: &Listing<serde_json::Value>) -> String {
        let mut out = Vec::new();
        write_listing(&mut out, format, listing, TableStyle { color: false, width: None, full_detail: false }).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_cells_lose_formula_meaning() {
        let document = serde_json::json!({});
        let text = written(Format::Csv, &hostile_listing(&document));

        assert!(text.starts_with("address,name\n"), "{text}");
        assert!(text.contains("\"'=HYPERLINK"), "{text}");
    }

    #[test]
    fn table_strips_terminal_escapes() {
        let document = serde_json::json!({});
        let text = written(Format::Table, &hostile_listing(&document));

        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.ends_with("1 row\n"), "{text:?}");
    }
}
