//! Identifying a phone from the `User-Agent` (or `Server`) of its SIP response.

use super::message::Response;
use crate::device::{Component, ComponentKind, DeviceClass, Status};
use crate::identify::Identity;
use crate::profiles::ProfileSet;

/// Matches the response's agent header against the profiles' `[sip]` rules
/// and returns the identity from the first pattern that matches.
pub fn identify(response: &Response, profiles: &ProfileSet) -> Identity {
    let Some(agent) = response.agent() else {
        return Identity {
            status: Some(Status::Unidentified),
            reason: Some(format!("the SIP response ({} {}) has no User-Agent or Server header", response.status, response.reason)),
            ..Identity::default()
        };
    };
    let agent = crate::identify::text::strip_terminal_controls(agent);
    for profile in &profiles.profiles {
        let Some(rules) = &profile.sip else { continue };
        for pattern in &rules.user_agent {
            let Some(captures) = pattern.captures(&agent) else { continue };
            let model = captures.name("model").map(|m| m.as_str().to_string());
            let version = captures.name("version").map(|m| m.as_str().to_string());
            let mut identity = Identity {
                profile: Some(profile.id.clone()),
                vendor: Some(profile.vendor.clone()),
                class: Some(profile.class),
                model,
                version: version.clone(),
                user_agent: Some(agent.clone()),
                ..Identity::default()
            };
            match version {
                Some(version) => {
                    let mut component = Component::new("Firmware", ComponentKind::Firmware, version, "sip:User-Agent".to_string());
                    component.protocol = "sip";
                    component.release_product = rules.product.clone().or_else(|| profile.release_product.clone());
                    identity.components.push(component);
                    identity.status = Some(Status::Ok);
                }
                None => {
                    identity.status = Some(Status::Partial);
                    identity.reason = Some(format!("matched profile {} but the User-Agent carries no version", profile.id));
                }
            }
            return identity;
        }
    }
    Identity {
        status: Some(Status::Unidentified),
        reason: Some(format!("the SIP User-Agent {agent:?} matches no profile")),
        class: Some(DeviceClass::Phone),
        user_agent: Some(agent),
        ..Identity::default()
    }
}
