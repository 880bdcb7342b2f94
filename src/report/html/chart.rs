//! The HTML report's summary: devices counted by class and verdict, and the
//! same counts drawn as an inline SVG bar chart that needs no script, font
//! or image from outside the file.

use std::fmt::Write as _;

use crate::device::{Device, DeviceClass, Verdict};

/// A device's verdict in the summary: its worst verdict, or `NotRead` when
/// the device did not respond. Ordered worst first, the order of the columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SummaryVerdict {
    Vulnerable,
    Eol,
    BelowBaseline,
    Behind,
    Unknown,
    Current,
    NotRead,
}

impl SummaryVerdict {
    pub const ALL: [SummaryVerdict; 7] = [
        SummaryVerdict::Vulnerable,
        SummaryVerdict::Eol,
        SummaryVerdict::BelowBaseline,
        SummaryVerdict::Behind,
        SummaryVerdict::Unknown,
        SummaryVerdict::Current,
        SummaryVerdict::NotRead,
    ];

    /// Classifies a device. A responding device without a verdict, such as
    /// one with no version to judge, counts as `Unknown`.
    pub fn of(device: &Device) -> SummaryVerdict {
        if !device.status.answered() {
            return SummaryVerdict::NotRead;
        }
        match device.verdict.unwrap_or(Verdict::Unknown) {
            Verdict::Vulnerable => SummaryVerdict::Vulnerable,
            Verdict::Eol => SummaryVerdict::Eol,
            Verdict::BelowBaseline => SummaryVerdict::BelowBaseline,
            Verdict::Behind => SummaryVerdict::Behind,
            Verdict::Unknown => SummaryVerdict::Unknown,
            Verdict::Current => SummaryVerdict::Current,
        }
    }

    /// Returns the verdict name of the JSON and CSV contracts, or `not read`.
    pub fn label(self) -> &'static str {
        match self {
            SummaryVerdict::Vulnerable => "vulnerable",
            SummaryVerdict::Eol => "eol",
            SummaryVerdict::BelowBaseline => "below-baseline",
            SummaryVerdict::Behind => "behind",
            SummaryVerdict::Unknown => "unknown",
            SummaryVerdict::Current => "current",
            SummaryVerdict::NotRead => "not read",
        }
    }

    /// Returns the fill colour in the chart and the legend. Adjacent verdicts
    /// differ in lightness too, so a greyscale printout still separates them.
    pub fn color(self) -> &'static str {
        match self {
            SummaryVerdict::Vulnerable => "#a4161a",
            SummaryVerdict::Eol => "#6a1b9a",
            SummaryVerdict::BelowBaseline => "#e8590c",
            SummaryVerdict::Behind => "#f2c12e",
            SummaryVerdict::Unknown => "#adb5bd",
            SummaryVerdict::Current => "#2b8a3e",
            SummaryVerdict::NotRead => "#495057",
        }
    }

    fn index(self) -> usize {
        SummaryVerdict::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// Device count per summary verdict for one class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRow {
    /// The class name, or `unknown` for devices that no profile classified.
    pub class: &'static str,
    pub counts: [usize; 7],
}

impl ClassRow {
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    pub fn count(&self, verdict: SummaryVerdict) -> usize {
        self.counts[verdict.index()]
    }
}

const CLASS_ORDER: [DeviceClass; 10] = [
    DeviceClass::Firewall,
    DeviceClass::Router,
    DeviceClass::Switch,
    DeviceClass::Wireless,
    DeviceClass::Bmc,
    DeviceClass::Storage,
    DeviceClass::Ups,
    DeviceClass::Phone,
    DeviceClass::Printer,
    DeviceClass::Other,
];

/// Counts devices by class and summary verdict. Classes without devices are left
/// out, and devices without a class come last as `unknown`.
pub fn tally(devices: &[Device]) -> Vec<ClassRow> {
    let mut rows: Vec<ClassRow> = CLASS_ORDER
        .iter()
        .map(|class| ClassRow { class: class.as_str(), counts: [0; 7] })
        .chain(std::iter::once(ClassRow { class: "unknown", counts: [0; 7] }))
        .collect();
    for device in devices {
        let row = match device.class {
            Some(class) => CLASS_ORDER.iter().position(|c| *c == class).unwrap_or(CLASS_ORDER.len()),
            None => CLASS_ORDER.len(),
        };
        rows[row].counts[SummaryVerdict::of(device).index()] += 1;
    }
    rows.retain(|row| row.total() > 0);
    rows
}

/// Chart geometry in SVG user units (CSS pixels at 100 % zoom).
const LABEL_WIDTH: usize = 90;
const BAR_AREA_WIDTH: usize = 460;
const TOTAL_WIDTH: usize = 50;
const ROW_HEIGHT: usize = 26;
const BAR_HEIGHT: usize = 18;
const LEGEND_HEIGHT: usize = 34;
/// Swatch, space and gap to the next item, and an upper bound of the width
/// of one character of a 12 px legend label.
const LEGEND_SWATCH_AND_GAP: usize = 28;
const LEGEND_CHAR_WIDTH: usize = 7;
/// Narrowest segment that still gets its count written inside it.
const MIN_LABELLED_SEGMENT: usize = 18;

/// Draws one horizontal bar per class, split into summary verdicts, with a legend
/// below. Bars share one scale, so their lengths compare across classes.
pub fn bar_chart_svg(rows: &[ClassRow]) -> String {
    let width = LABEL_WIDTH + BAR_AREA_WIDTH + TOTAL_WIDTH;
    let height = rows.len() * ROW_HEIGHT + LEGEND_HEIGHT + 8;
    let largest = rows.iter().map(ClassRow::total).max().unwrap_or(0).max(1);

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">"#
    );
    svg.push_str(r#"<title id="chart-title">Devices by class and verdict</title>"#);
    for (position, row) in rows.iter().enumerate() {
        draw_row(&mut svg, row, position * ROW_HEIGHT + 4, largest);
    }
    draw_legend(&mut svg, rows.len() * ROW_HEIGHT + 12);
    svg.push_str("</svg>");
    svg
}

fn draw_row(svg: &mut String, row: &ClassRow, top: usize, largest: usize) {
    let middle = top + BAR_HEIGHT / 2 + 4;
    let _ = write!(svg, r#"<text x="{}" y="{middle}" text-anchor="end" class="axis">{}</text>"#, LABEL_WIDTH - 8, row.class);
    let mut x = LABEL_WIDTH;
    for verdict in SummaryVerdict::ALL {
        let count = row.count(verdict);
        if count == 0 {
            continue;
        }
        let segment = (count * BAR_AREA_WIDTH).div_ceil(largest).max(2);
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{top}" width="{segment}" height="{BAR_HEIGHT}" fill="{}"><title>{}: {count} {}</title></rect>"#,
            verdict.color(),
            row.class,
            verdict.label()
        );
        if segment >= MIN_LABELLED_SEGMENT {
            let ink = if matches!(verdict, SummaryVerdict::Behind | SummaryVerdict::Unknown) { "#212529" } else { "#ffffff" };
            let _ = write!(
                svg,
                r#"<text x="{}" y="{middle}" text-anchor="middle" fill="{ink}" class="count">{count}</text>"#,
                x + segment / 2
            );
        }
        x += segment;
    }
    let _ = write!(svg, r#"<text x="{}" y="{middle}" class="axis">{}</text>"#, x + 6, row.total());
}

fn draw_legend(svg: &mut String, top: usize) {
    let mut x = 10;
    for verdict in SummaryVerdict::ALL {
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{top}" width="12" height="12" fill="{}"/><text x="{}" y="{}" class="legend">{}</text>"#,
            verdict.color(),
            x + 17,
            top + 11,
            verdict.label()
        );
        x += LEGEND_SWATCH_AND_GAP + verdict.label().len() * LEGEND_CHAR_WIDTH;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Status;

    fn device(class: Option<DeviceClass>, status: Status, verdict: Option<Verdict>) -> Device {
        let mut device = Device::empty("acme", "hq", None, status);
        device.class = class;
        device.verdict = verdict;
        device
    }

    #[test]
    fn tally_counts_class_and_verdict() {
        let devices = [
            device(Some(DeviceClass::Switch), Status::Ok, Some(Verdict::Vulnerable)),
            device(Some(DeviceClass::Switch), Status::Ok, Some(Verdict::Current)),
            device(Some(DeviceClass::Switch), Status::Partial, None),
            device(Some(DeviceClass::Firewall), Status::Ok, Some(Verdict::Eol)),
            device(None, Status::Timeout, None),
        ];
        let rows = tally(&devices);
        let classes: Vec<&str> = rows.iter().map(|r| r.class).collect();
        assert_eq!(classes, ["firewall", "switch", "unknown"]);
        assert_eq!(rows[1].count(SummaryVerdict::Vulnerable), 1);
        assert_eq!(rows[1].count(SummaryVerdict::Current), 1);
        assert_eq!(rows[1].count(SummaryVerdict::Unknown), 1);
        assert_eq!(rows[2].count(SummaryVerdict::NotRead), 1);
        assert_eq!(rows[0].total(), 1);
    }

    #[test]
    fn chart_draws_one_bar_per_class() {
        let devices = [
            device(Some(DeviceClass::Printer), Status::Ok, Some(Verdict::Behind)),
            device(Some(DeviceClass::Ups), Status::Ok, Some(Verdict::Current)),
        ];
        let svg = bar_chart_svg(&tally(&devices));
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 2 + SummaryVerdict::ALL.len());
        assert!(svg.contains("printer: 1 behind"));
    }

    #[test]
    fn empty_chart_is_valid() {
        let svg = bar_chart_svg(&[]);
        assert!(svg.contains("viewBox"));
        assert!(!svg.contains("NaN"));
    }
}
