//! Reading one device's web pages over HTTP(S) and identifying it. Pages
//! that need no login are read without credentials. An `[[http]]` set is
//! used only for pages a profile marks as needing login.

use std::net::SocketAddr;

use super::Context;
use crate::device::Status;
use crate::http::client::{Client, ClientSettings, HttpLogin};
use crate::http::identify::{HttpReading, identify};
use crate::offline::apply_identity;
use crate::redfish::tls::TlsPolicy;
use crate::targets::{Host, Target};

/// Reads the target's pages and reports its row. `only_http` is whether the
/// inventory's port column is the web server's port, as in a row scanned
/// only over HTTP. That port then serves both schemes.
pub(super) async fn scan(context: &Context, target: Target, only_http: bool) {
    let explicit_port = if only_http { target.port } else { None };
    let http_port = explicit_port.unwrap_or(context.settings.http_port);
    let https_port = explicit_port.unwrap_or(context.settings.redfish.https_port);
    let address = match &target.host {
        Host::Address(ip) => *ip,
        Host::Name(name) => match super::resolve(name, http_port).await {
            Ok(address) => address.ip(),
            Err(reason) => return context.report_protocol("http", &target, Status::Unreachable, reason),
        },
    };
    let mut device = context.row(&target, Some(SocketAddr::new(address, http_port)));
    device.scanned_with = Some("http");

    let (credential, login) = match login_for(context, &target) {
        Ok(Some((name, login))) => (Some(name), Some(login)),
        Ok(None) => (None, None),
        Err(problem) => {
            device.status = Status::NotScanned;
            device.reason = Some(problem);
            return context.finish(device);
        }
    };
    let policy = match target.tls_fingerprint {
        Some(fingerprint) => TlsPolicy::Pinned(fingerprint),
        None if target.insecure => TlsPolicy::Insecure,
        None => TlsPolicy::Verified { extra_roots_pem: context.settings.redfish.ca_pem.clone() },
    };
    let settings = ClientSettings {
        address,
        http_port,
        https_port,
        timeout: context.settings.policy.timeout.max(std::time::Duration::from_secs(2)),
    };
    let mut client = match Client::new(settings, &policy, login) {
        Ok(mut client) => {
            client.credential_name = credential.clone();
            client
        }
        Err(error) => {
            device.status = Status::NotScanned;
            device.reason = Some(error.to_string());
            return context.finish(device);
        }
    };

    let work = identify(&mut client, &context.profiles);
    let outcome = tokio::select! {
        outcome = tokio::time::timeout(context.settings.device_deadline, work) => outcome.ok(),
        () = context.cancel.cancelled() => None,
    };
    client.logout().await;

    let Some(HttpReading { identity, failures, used_https }) = outcome else {
        device.status = Status::Timeout;
        device.reason = Some(format!("reading the web pages did not finish within {:?} or was cancelled", context.settings.device_deadline));
        return context.finish(device);
    };
    apply_identity(&mut device, identity, &failures);
    if device.status.answered() {
        device.protocols = vec!["http"];
    }
    if used_https {
        device.tls = Some(policy.label());
    }
    if client.credentials_sent {
        device.credential = credential;
    }
    tracing::debug!(%address, status = %device.status, "HTTP scan finished");
    context.finish(device);
}

/// Returns the first usable `[[http]]` set: one the target names, else one
/// fenced to its tenant. `None` when there is none, because pages that need
/// no login can still be read.
// NOTE: only the first usable set is tried. A device that rejects it is
// reported `auth-failed` even when a later set would have worked.
fn login_for(context: &Context, target: &Target) -> Result<Option<(String, HttpLogin)>, String> {
    let credentials = &context.credentials;
    let named: Vec<_> = target.credentials.iter().filter_map(|name| credentials.find_http(name)).collect();
    let sets: Vec<_> = if named.is_empty() {
        credentials.http.iter().filter(|set| set.allows_tenant(&target.tenant)).collect()
    } else {
        named
    };
    let mut problems = Vec::new();
    for set in &sets {
        if !set.allows_tenant(&target.tenant) {
            problems.push(format!("credential set {:?} ({}) is fenced to tenants {:?}, not {:?}", set.name, set.origin, set.tenants, target.tenant));
            continue;
        }
        match &set.login {
            Ok(login) => return Ok(Some((set.name.clone(), login.clone()))),
            Err(problem) => problems.push(format!("credential set {:?} ({}): {problem}", set.name, set.origin)),
        }
    }
    if problems.is_empty() { Ok(None) } else { Err(problems.join("; ")) }
}
