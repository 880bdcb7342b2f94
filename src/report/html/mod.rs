//! The HTML report for one customer: a single self-contained file with a
//! summary and chart, the devices that need action, and the full inventory.
//!
//! The file loads nothing from outside: the style sheet is inline, the chart
//! is inline SVG and there is no script. A Content-Security-Policy in the
//! document forbids scripts and outside resources, as a second line of
//! defence behind the escaping of every device string.

mod action;
pub mod chart;
mod escape;
mod inventory;
mod redact;

use std::collections::BTreeSet;
use std::io::{self, Write};

use super::SweepSummary;
use super::advisories::{AdvisoryIndex, cve_record_url};
use crate::device::Device;

pub use escape::escape_html;

use chart::{SummaryVerdict, bar_chart_svg, tally};
use escape::escape_optional;

const STYLE: &str = include_str!("style.css");

/// Writes the HTML report of one tenant's devices.
///
/// Fails with `InvalidInput`, before writing anything, when the devices
/// belong to more than one tenant, because a customer must never receive
/// another customer's devices. `advisories` supplies the titles and links
/// of the advisory ids that components carry.
pub fn write_html(
    out: &mut dyn Write,
    summary: &SweepSummary,
    devices: &[Device],
    advisories: &AdvisoryIndex,
) -> io::Result<()> {
    let tenant = single_tenant(devices)?;
    let mut page = String::with_capacity(4096 + devices.len() * 1024);
    page.push_str(&document_head(tenant));
    page.push_str(&header_section(tenant, summary, devices));
    page.push_str(&summary_section(devices));
    page.push_str(&action::needs_action_section(devices, advisories));
    page.push_str(&inventory::inventory_section(devices));
    page.push_str(&footer(summary));
    page.push_str("</body>\n</html>\n");
    out.write_all(page.as_bytes())?;
    out.flush()
}

/// Returns the one tenant of the devices, `None` for no devices, or an
/// `InvalidInput` error that names the tenants found.
fn single_tenant(devices: &[Device]) -> io::Result<Option<&str>> {
    let tenants: BTreeSet<&str> = devices.iter().map(|d| d.tenant.as_str()).collect();
    if tenants.len() > 1 {
        let names: Vec<String> = tenants.iter().map(|t| format!("{t:?}")).collect();
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "an HTML report is for one tenant, but the devices belong to {} tenants ({}); write one report per tenant with --split-by tenant --output DIR",
                tenants.len(),
                names.join(", ")
            ),
        ));
    }
    Ok(tenants.into_iter().next())
}

fn document_head(tenant: Option<&str>) -> String {
    let title = match tenant {
        Some(tenant) => format!("Firmware report: {}", escape_html(tenant)),
        None => "Firmware report".to_string(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n"
    )
}

fn header_section(tenant: Option<&str>, summary: &SweepSummary, devices: &[Device]) -> String {
    let mut html = String::from("<header>\n");
    html.push_str(&format!(
        "<h1>Firmware report <span class=\"tenant\">{}</span></h1>\n<dl class=\"facts\">\n",
        escape_optional(tenant)
    ));
    html.push_str(&fact("Sweep", &format!("{} to {}", display_time(&summary.started), display_time(&summary.finished))));
    html.push_str(&fact("Devices", &format!("{} ({})", devices.len(), escape_html(&super::status_line(devices)))));
    let checked = summary.release_data_checked.as_deref().map(escape_html).unwrap_or_else(|| "none matched".into());
    html.push_str(&fact("Release data checked", &checked));
    html.push_str(&fact("Scanner", &format!("fwsweep {}", env!("CARGO_PKG_VERSION"))));
    html.push_str("</dl>\n");
    if summary.stale {
        html.push_str(&format!(
            "<p class=\"warning\">The release data was last checked on {checked}, more than {} days before the verdicts were judged. \
             Releases and advisories published since then are missing, so a device shown as current may be behind or vulnerable.</p>\n",
            crate::assess::STALE_AFTER_DAYS
        ));
    }
    if summary.release_data_checked.is_none() && !devices.is_empty() {
        html.push_str("<p class=\"warning\">No release data covers these devices, so their firmware could not be judged.</p>\n");
    }
    html.push_str("</header>\n");
    html
}

fn fact(term: &str, value: &str) -> String {
    format!("<dt>{term}</dt><dd>{value}</dd>\n")
}

/// Writes the class by verdict table and the same counts as a chart.
fn summary_section(devices: &[Device]) -> String {
    let rows = tally(devices);
    let mut html = String::from("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"summary-layout\">\n");
    html.push_str(&format!("<figure>{}</figure>\n", bar_chart_svg(&rows)));
    html.push_str("<table class=\"summary\">\n<thead><tr><th>Class</th>");
    for verdict in SummaryVerdict::ALL {
        html.push_str(&format!("<th class=\"num\">{}</th>", verdict.label()));
    }
    html.push_str("<th class=\"num\">total</th></tr></thead>\n<tbody>\n");
    for row in &rows {
        html.push_str(&format!("<tr><th scope=\"row\">{}</th>", row.class));
        for verdict in SummaryVerdict::ALL {
            let count = row.count(verdict);
            let cell = if count == 0 { String::new() } else { count.to_string() };
            html.push_str(&format!("<td class=\"num\">{cell}</td>"));
        }
        html.push_str(&format!("<td class=\"num total\">{}</td></tr>\n", row.total()));
    }
    html.push_str("</tbody>\n</table>\n</div>\n</section>\n");
    html
}

fn footer(summary: &SweepSummary) -> String {
    let mut html = format!(
        "<footer><p>Written by fwsweep {} from the sweep that finished {}. \
         Verdicts compare each firmware component with the release data named above.</p>\n<dl class=\"legend\">\n",
        env!("CARGO_PKG_VERSION"),
        display_time(&summary.finished)
    );
    for (label, meaning) in LEGEND {
        html.push_str(&format!("<dt>{}</dt><dd>{meaning}</dd>\n", badge(label)));
    }
    html.push_str("</dl></footer>\n");
    html
}

/// The meaning of every badge and summary column the report can show.
const LEGEND: [(&str, &str); 8] = [
    ("vulnerable", "the installed version is covered by a published security advisory"),
    ("eol", "the release train is past the vendor's end of support"),
    ("below-baseline", "older than the minimum version approved for this network"),
    ("behind", "a newer release exists in the same train"),
    ("current", "the latest release of its train, or newer"),
    ("unknown", "the release data does not cover this product or version, so it could not be judged"),
    ("not read", "the device did not answer the scanner or rejected its access, so its firmware is not known"),
    ("KEV", "the advisory is in CISA's Known Exploited Vulnerabilities catalogue: attacks using it have been seen"),
];

/// Formats one advisory id as links: the id to the vendor's page (or to its
/// CVE record when the id is a CVE id), then its CVE ids to their records.
fn advisory_links(id: &str, advisories: &AdvisoryIndex) -> String {
    let details = advisories.get(id);
    let target = details.and_then(|d| d.url.clone()).or_else(|| cve_record_url(id));
    let mut html = link(target.as_deref(), &escape_html(id));
    if let Some(details) = details {
        if details.kev {
            html.push_str(" <span class=\"badge kev\">KEV</span>");
        }
        if let Some(severity) = &details.severity {
            html.push_str(&format!(" <span class=\"severity\">{}</span>", escape_html(severity)));
        }
        let cves: Vec<String> = details
            .cves
            .iter()
            .filter(|cve| cve.as_str() != id)
            .map(|cve| link(cve_record_url(cve).as_deref(), &escape_html(cve)))
            .collect();
        if !cves.is_empty() {
            html.push_str(&format!(" ({})", cves.join(", ")));
        }
        if let Some(title) = &details.title {
            html.push_str(&format!("<br><span class=\"advisory-title\">{}</span>", escape_html(title)));
        }
    }
    html
}

/// Wraps escaped text in a link when there is a URL. The URL has passed
/// `is_web_url` or `cve_record_url` and is escaped again for the attribute.
fn link(url: Option<&str>, escaped_text: &str) -> String {
    match url {
        Some(url) => format!("<a class=\"advisory\" href=\"{}\" rel=\"noreferrer\">{escaped_text}</a>", escape_html(url)),
        None => escaped_text.to_string(),
    }
}

/// Formats a verdict or summary verdict as a coloured label.
fn badge(label: &str) -> String {
    let class = label.replace(' ', "-").to_ascii_lowercase();
    format!("<span class=\"badge {class}\">{label}</span>")
}

/// Formats the address as scanned, or the recording or target text for rows without one.
fn address_text(device: &Device) -> String {
    let text = match device.address {
        Some(address) => address.to_string(),
        None => device.recording.clone().unwrap_or_else(|| device.target_label.clone()),
    };
    escape_html(&text)
}

/// Formats the inventory name, with the device's own host name after it when they differ.
fn name_text(device: &Device) -> String {
    match (device.name.as_deref(), device.hostname.as_deref()) {
        (Some(name), Some(host)) if name != host => {
            format!("{} <span class=\"hostname\">({})</span>", escape_html(name), escape_html(host))
        }
        (Some(name), _) => escape_html(name),
        (None, host) => escape_optional(host),
    }
}

/// Formats vendor and model on one line. The vendor is left out when the
/// model already starts with it, as in "Juniper EX4300-48P".
fn model_text(device: &Device) -> String {
    let vendor = device.vendor.as_deref().filter(|v| !v.is_empty());
    let model = device.model.as_deref().filter(|m| !m.is_empty());
    match (vendor, model) {
        (Some(vendor), Some(model)) if model.starts_with(vendor) => escape_html(model),
        (Some(vendor), Some(model)) => format!("{} {}", escape_html(vendor), escape_html(model)),
        (vendor, model) => escape_optional(vendor.or(model)),
    }
}

/// Shortens an RFC 3339 UTC time such as `2026-12-04T23:32:11Z` to
/// `2026-12-04 23:32:11 UTC`. Other text is returned unchanged.
fn display_time(rfc3339: &str) -> String {
    match rfc3339.strip_suffix('Z').and_then(|t| t.split_once('T')) {
        Some((date, time)) => format!("{} {} UTC", escape_html(date), escape_html(time)),
        None => escape_html(rfc3339),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Component, ComponentKind, Status, Verdict};

    fn summary(stale: bool) -> SweepSummary {
        SweepSummary {
            started: "2026-12-04T10:00:00Z".into(),
            finished: "2026-12-04T10:00:05Z".into(),
            release_data_checked: Some("2026-08-01".into()),
            stale,
            targets: 1,
        }
    }

    fn device(tenant: &str) -> Device {
        let mut device = Device::empty(tenant, "hq", Some("192.0.2.7".parse().unwrap()), Status::Ok);
        let mut component = Component::new("IOS", ComponentKind::Os, "15.2(7)E3".into(), "snmp:1.3.6.1.2.1.1.1.0".into());
        component.verdict = Verdict::Vulnerable;
        component.advisories = vec!["CVE-2023-20198".into()];
        device.components.push(component);
        device.verdict = Some(Verdict::Vulnerable);
        device
    }

    fn render(summary: &SweepSummary, devices: &[Device]) -> io::Result<String> {
        let mut out = Vec::new();
        write_html(&mut out, summary, devices, &AdvisoryIndex::default())?;
        Ok(String::from_utf8(out).expect("UTF-8"))
    }

    #[test]
    fn mixed_tenants_are_rejected() {
        let mut out = Vec::new();
        let error = write_html(&mut out, &summary(false), &[device("acme"), device("globex")], &AdvisoryIndex::default())
            .expect_err("two tenants");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("--split-by tenant"), "{error}");
        assert!(out.is_empty(), "nothing is written");
    }

    #[test]
    fn stale_release_data_warns() {
        let html = render(&summary(true), &[device("acme")]).unwrap();
        assert!(html.contains("class=\"warning\""));
        assert!(html.contains("last checked on 2026-08-01"));
        let fresh = render(&summary(false), &[device("acme")]).unwrap();
        assert!(!fresh.contains("class=\"warning\""));
    }

    #[test]
    fn cve_id_without_details_is_linked() {
        let html = render(&summary(false), &[device("acme")]).unwrap();
        assert!(html.contains("href=\"https://www.cve.org/CVERecord?id=CVE-2023-20198\""));
    }

    #[test]
    fn no_devices_still_render() {
        let html = render(&summary(false), &[]).unwrap();
        assert!(html.contains("No device needs action"));
        assert!(html.contains("The sweep found no devices"));
        assert!(html.ends_with("</html>\n"));
    }
}
