//! Asking one target for its SIP `OPTIONS` response and identifying the phone.

use std::net::SocketAddr;

use super::Context;
use crate::device::Status;
use crate::offline::apply_identity;
use crate::sip::probe::{SipOutcome, SipSettings, probe};
use crate::targets::{Host, Target};

/// Probes the target and reports its row. `only_sip` is whether the
/// inventory's port column is the SIP port, as in a row scanned only over SIP.
pub(super) async fn scan(context: &Context, target: Target, only_sip: bool) {
    let port = if only_sip { target.port } else { None }.unwrap_or(context.settings.sip_port);
    let address = match &target.host {
        Host::Address(ip) => SocketAddr::new(*ip, port),
        Host::Name(name) => match super::resolve(name, port).await {
            Ok(address) => address,
            Err(reason) => return context.report_protocol("sip", &target, Status::Unreachable, reason),
        },
    };
    let settings = SipSettings { timeout: context.settings.policy.timeout, retries: context.settings.policy.retries };
    let outcome = tokio::select! {
        outcome = probe(address, settings) => outcome,
        () = context.cancel.cancelled() => {
            let mut device = context.row(&target, Some(address));
            device.scanned_with = Some("sip");
            return finish_with(context, device, Status::NotScanned, "cancelled (Ctrl-C) during the SIP probe".into());
        }
    };
    let mut device = context.row(&target, Some(address));
    device.protocols = vec!["sip"];
    device.scanned_with = Some("sip");
    match outcome {
        SipOutcome::Answered { response, transport } => {
            apply_identity(&mut device, crate::sip::identify::identify(&response, &context.profiles), &[]);
            tracing::debug!(%address, transport, status = response.status, "SIP response");
            context.finish(device);
        }
        SipOutcome::Silent => {
            device.protocols.clear();
            let reason = format!(
                "no response to SIP OPTIONS on UDP port {port} after {} attempt(s), nor on TCP",
                settings.retries + 1
            );
            finish_with(context, device, Status::Timeout, reason);
        }
        SipOutcome::Refused => {
            device.protocols.clear();
            let reason = format!("ICMP port unreachable on UDP port {port}, and no SIP on TCP: nothing listens for SIP");
            finish_with(context, device, Status::Refused, reason);
        }
        SipOutcome::Unreachable(reason) => {
            device.protocols.clear();
            finish_with(context, device, Status::Unreachable, reason);
        }
        SipOutcome::Malformed(malformed) => finish_with(context, device, Status::Unidentified, malformed.to_string()),
    }
}

fn finish_with(context: &Context, mut device: crate::device::Device, status: Status, reason: String) {
    device.status = status;
    device.reason = Some(reason);
    context.finish(device);
}
