//! The "needs action" list: devices with a component that is vulnerable,
//! end of life, below the baseline or behind, most urgent first.

use super::escape::escape_html;
use super::redact::customer_text;
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
/// A latest-in-train equal to the installed version is no update, so it is
/// not offered as one.
fn update_target(component: &Component) -> String {
    let installed = [Some(component.version.as_str()), component.release_version.as_deref()];
    let is_installed = |version: &str| installed.contains(&Some(version));
    let mut lines = Vec::new();
    let latest_is_installed = component.latest_in_train.as_deref().is_some_and(is_installed);
    match &component.latest_in_train {
        Some(_) if latest_is_installed && component.verdict == Verdict::Vulnerable => {
            lines.push("no fixed release known in this train".to_string());
        }
        Some(_) if latest_is_installed => lines.push("already the latest release of its train".to_string()),
        Some(latest) => lines.push(format!("latest in train: <span class=\"version\">{}</span>", escape_html(latest))),
        None => {}
    }
    if let Some(baseline) = &component.baseline {
        lines.push(format!("baseline minimum: <span class=\"version\">{}</span>", escape_html(baseline)));
    }
    let newest_helps = component.verdict == Verdict::Eol || component.latest_in_train.is_none() || latest_is_installed;
    if let Some(latest) = component.latest.as_ref().filter(|latest| newest_helps && !is_installed(latest)) {
        lines.push(format!("newest release: <span class=\"version\">{}</span>", escape_html(latest)));
    }
    if let Some(eol) = &component.eol_date {
        lines.push(format!("end of support: {}", escape_html(eol)));
    }
    if let Some(note) = &component.note {
        lines.push(format!("<span class=\"note\">{}</span>", escape_html(&customer_text(note))));
    }
    lines.join("<br>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::ComponentKind;

    fn vulnerable(version: &str, latest_in_train: &str, newest: &str) -> Component {
        let mut component = Component::new("FortiOS", ComponentKind::Os, version.into(), "snmp:1.3.6.1".into());
        component.verdict = Verdict::Vulnerable;
        component.latest_in_train = Some(latest_in_train.into());
        component.latest = Some(newest.into());
        component
    }

    #[test]
    fn unfixed_train_offers_newest_release() {
        let text = update_target(&vulnerable("6.9.6", "6.9.6", "7.0.2"));
        assert!(text.contains("no fixed release known in this train"), "{text}");
        assert!(!text.contains("latest in train"), "{text}");
        assert!(text.contains("newest release: <span class=\"version\">7.0.2</span>"), "{text}");
    }

    #[test]
    fn installed_newest_is_not_offered() {
        let text = update_target(&vulnerable("6.9.6", "6.9.6", "6.9.6"));
        assert_eq!(text, "no fixed release known in this train");
    }

    #[test]
    fn eol_at_latest_points_past_train() {
        let mut component = vulnerable("6.4.16", "6.4.16", "7.0.2");
        component.verdict = Verdict::Eol;
        let text = update_target(&component);
        assert!(text.starts_with("already the latest release of its train"), "{text}");
        assert!(text.contains("newest release: <span class=\"version\">7.0.2</span>"), "{text}");
    }

    #[test]
    fn newer_in_train_is_offered() {
        let text = update_target(&vulnerable("6.9.4", "6.9.6", "7.0.2"));
        assert!(text.contains("latest in train: <span class=\"version\">6.9.6</span>"), "{text}");
        assert!(!text.contains("no fixed release"), "{text}");
    }
}
