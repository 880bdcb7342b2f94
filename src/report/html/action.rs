//! The "needs action" list: devices with a component that is vulnerable,
//! end of life, below the baseline or behind, most urgent first.

use super::escape::{escape_html, escape_optional};
use super::{address_text, advisory_links, badge, model_text, name_text};
use crate::device::{Component, Device, Verdict};
use crate::report::advisories::AdvisoryIndex;

/// The mildest verdict that calls for action.
const ACTION_THRESHOLD: Verdict = Verdict::Behind;

pub fn needs_action_section(devices: &[Device], advisories: &AdvisoryIndex) -> String {
    let mut html = String::from("<section id=\"action\">\n<h2>Needs action</h2>\n");
    let urgent = devices_needing_action(devices);
    if urgent.is_empty() {
        html.push_str("<p>No device needs action: no component is vulnerable, end of life, below its baseline or behind.</p>\n</section>\n");
        return html;
    }
    html.push_str(&format!(
        "<p>{} device(s), listed with devices that have an advisory in the CISA Known Exploited Vulnerabilities catalogue (KEV) first, \
         then by verdict: vulnerable, eol, below-baseline, behind.</p>\n",
        urgent.len()
    ));
    html.push_str(
        "<table class=\"action\">\n<thead><tr><th>Component</th><th>Installed</th><th>Verdict</th>\
         <th>Update to</th><th>Advisories</th></tr></thead>\n",
    );
    for device in urgent {
        html.push_str(&device_rows(device, advisories));
    }
    html.push_str("</table>\n</section>\n");
    html
}

/// Returns the devices with a component at or above the action threshold,
/// KEV first, then worst verdict first, otherwise in report order.
fn devices_needing_action(devices: &[Device]) -> Vec<&Device> {
    let mut urgent: Vec<&Device> = devices.iter().filter(|d| d.verdict.is_some_and(|v| v >= ACTION_THRESHOLD)).collect();
    // The sort is stable, so devices of equal urgency keep the order by site and address.
    urgent.sort_by_key(|device| {
        let kev = device.components.iter().any(|c| c.kev);
        (!kev, std::cmp::Reverse(device.verdict))
    });
    urgent
}

fn device_rows(device: &Device, advisories: &AdvisoryIndex) -> String {
    let mut html = String::from("<tbody class=\"device\">\n");
    html.push_str(&format!(
        "<tr class=\"device-head\"><th colspan=\"5\">{} <span class=\"address\">{}</span> {} <span class=\"site\">site {}</span></th></tr>\n",
        name_text(device),
        address_text(device),
        model_text(device),
        escape_html(&device.site)
    ));
    let mut components: Vec<&Component> =
        device.components.iter().filter(|c| c.verdict >= ACTION_THRESHOLD).collect();
    components.sort_by_key(|c| std::cmp::Reverse((c.kev, c.verdict)));
    for component in components {
        html.push_str(&component_row(component, advisories));
    }
    html.push_str("</tbody>\n");
    html
}

fn component_row(component: &Component, advisories: &AdvisoryIndex) -> String {
    let links: Vec<String> = component.advisories.iter().map(|id| advisory_links(id, advisories)).collect();
    format!(
        "<tr><td>{} <span class=\"kind\">{}</span></td><td class=\"version\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        escape_html(&component.name),
        component.kind.as_str(),
        escape_html(&component.version),
        badge(component.verdict.as_str()),
        update_target(component),
        links.join("<br>")
    )
}

/// Describes what the component should move to: the latest release in its
/// train, the approved baseline, and the end of support when it has passed.
fn update_target(component: &Component) -> String {
    let mut lines = Vec::new();
    if let Some(latest) = &component.latest_in_train {
        lines.push(format!("latest in train: <span class=\"version\">{}</span>", escape_html(latest)));
    }
    if let Some(baseline) = &component.baseline {
        lines.push(format!("baseline minimum: <span class=\"version\">{}</span>", escape_html(baseline)));
    }
    let newest_helps = component.verdict == Verdict::Eol || component.latest_in_train.is_none();
    if let Some(latest) = component.latest.as_ref().filter(|_| newest_helps) {
        lines.push(format!("newest release: <span class=\"version\">{}</span>", escape_html(latest)));
    }
    if let Some(eol) = &component.eol_date {
        lines.push(format!("end of support: {}", escape_html(eol)));
    }
    if let Some(note) = &component.note {
        lines.push(format!("<span class=\"note\">{}</span>", escape_optional(Some(note))));
    }
    lines.join("<br>")
}
