//! The full inventory: every device row with its components below it, and
//! the status and reason of devices that could not be read.

use super::escape::{escape_html, escape_optional};
use super::redact::customer_text;
use super::{address_text, badge, model_text, name_text};
use crate::device::{Component, Device, Status};

const COLUMNS: [&str; 9] = ["Site", "Address", "Name", "Class", "Vendor and model", "Serial", "Version", "Status", "Verdict"];

pub fn inventory_section(devices: &[Device]) -> String {
    let mut html = String::from("<section id=\"inventory\">\n<h2>Inventory</h2>\n");
    if devices.is_empty() {
        html.push_str("<p>The sweep found no devices.</p>\n</section>\n");
        return html;
    }
    html.push_str("<table class=\"inventory\">\n<thead><tr>");
    for column in COLUMNS {
        html.push_str(&format!("<th>{column}</th>"));
    }
    html.push_str("</tr></thead>\n");
    for device in devices {
        html.push_str(&device_rows(device));
    }
    html.push_str("</table>\n</section>\n");
    html
}

fn device_rows(device: &Device) -> String {
    let verdict = device.verdict.map(|v| badge(v.as_str())).unwrap_or_default();
    let status_class = if device.status.answered() { "status" } else { "status unread" };
    let mut html = format!(
        "<tbody class=\"device\">\n<tr class=\"device-row\"><td>{}</td><td class=\"address\">{}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td>{}</td><td class=\"version\">{}</td><td class=\"{status_class}\">{}</td><td>{verdict}</td></tr>\n",
        escape_html(&device.site),
        address_text(device),
        name_text(device),
        device.class.map(|c| c.as_str()).unwrap_or(""),
        model_text(device),
        escape_optional(device.serial.as_deref()),
        escape_optional(device.version.as_deref()),
        device.status.as_str(),
    );
    if let Some(reason) = &device.reason {
        let row_class = if device.status.answered() { "reason note" } else { "reason" };
        html.push_str(&format!(
            "<tr class=\"{row_class}\"><td></td><td colspan=\"8\">{}: {}</td></tr>\n",
            reason_label(device.status),
            escape_html(&customer_text(reason))
        ));
    }
    // An unidentified device shows the sysDescr it reported, so that a
    // reader can tell what it is.
    if let (Status::Unidentified, Some(descr)) = (device.status, &device.sys_descr) {
        html.push_str(&format!("<tr class=\"reason note\"><td></td><td colspan=\"8\">sysDescr: {}</td></tr>\n", escape_html(descr)));
    }
    for component in &device.components {
        html.push_str(&component_row(component));
    }
    html.push_str("</tbody>\n");
    html
}

/// Names the reason line: why a device could not be read, or what was
/// missing from one that was.
fn reason_label(status: Status) -> &'static str {
    if status.answered() { "Note" } else { "Not read" }
}

fn component_row(component: &Component) -> String {
    let verdict = if component.state.is_none_or(|state| state == "installed") {
        badge(component.verdict.as_str())
    } else {
        String::new()
    };
    format!(
        "<tr class=\"component\"><td></td><td colspan=\"2\" class=\"component-name\">{} <span class=\"kind\">{}</span></td>\
         <td colspan=\"3\" class=\"detail\">{}</td><td class=\"version\">{}</td><td></td><td>{verdict}</td></tr>\n",
        escape_html(&component.name),
        component.kind.as_str(),
        component_detail(component),
        escape_html(&component.version),
    )
}

/// Summarises the release data for a component: its train's latest
/// release, the baseline, end of support, advisory ids and note.
fn component_detail(component: &Component) -> String {
    let mut parts = Vec::new();
    if let Some(state) = component.state.filter(|state| *state != "installed") {
        parts.push(format!("{state} image"));
    }
    if let Some(latest) = &component.latest_in_train {
        parts.push(format!("latest in train {}", escape_html(latest)));
    }
    if let Some(baseline) = &component.baseline {
        parts.push(format!("baseline {}", escape_html(baseline)));
    }
    if let Some(eol) = &component.eol_date {
        parts.push(format!("end of support {}", escape_html(eol)));
    }
    if !component.advisories.is_empty() {
        let ids: Vec<String> = component.advisories.iter().map(|id| escape_html(id)).collect();
        parts.push(format!("advisories {}", ids.join(", ")));
    }
    if component.kev {
        parts.push("KEV".to_string());
    }
    if let Some(note) = &component.note {
        parts.push(escape_html(&customer_text(note)));
    }
    parts.join("; ")
}
