//! Reading one BMC over Redfish. Credential sets are tried in order, each
//! session is deleted after its attempt, and TLS is trusted by pin, opt-out
//! or CA.

use std::net::SocketAddr;

use super::Context;
use crate::device::{Device, Status};
use crate::offline::apply_identity;
use crate::redfish::client::{Client, ClientSettings, RedfishLogin};
use crate::redfish::crawl::{FetchError, crawl};
use crate::redfish::tls::TlsPolicy;
use crate::targets::{Host, Target};

/// Reads the BMC at the target and reports its row. `only_redfish` is true
/// when the inventory's port column is the HTTPS port (a row scanned only
/// over Redfish), and false when it is the SNMP port.
pub(super) async fn scan(context: &Context, target: Target, only_redfish: bool) {
    let port = if only_redfish { target.port } else { None }.unwrap_or(context.settings.redfish.https_port);
    let address = match &target.host {
        Host::Address(ip) => SocketAddr::new(*ip, port),
        Host::Name(name) => match super::resolve(name, port).await {
            Ok(address) => address,
            Err(reason) => return context.report_protocol("redfish", &target, Status::Unreachable, reason),
        },
    };

    let mut device = context.row(&target, Some(address));
    device.scanned_with = Some("redfish");
    let candidates = match candidates(context, &target) {
        Ok(candidates) => candidates,
        Err(problem) => {
            device.status = Status::NotScanned;
            device.reason = Some(format!("no out-of-band path: {problem}"));
            return context.finish(device);
        }
    };

    let mut failures: Vec<(String, FetchError)> = Vec::new();
    for (name, login, pinned) in candidates {
        let policy = match target.tls_fingerprint.or(pinned) {
            Some(fingerprint) => TlsPolicy::Pinned(fingerprint),
            None if target.insecure => TlsPolicy::Insecure,
            None => TlsPolicy::Verified { extra_roots_pem: context.settings.redfish.ca_pem.clone() },
        };
        match read_bmc(context, address, &policy, &login, device.clone()).await {
            Ok(mut read) => {
                read.credential = Some(name);
                read.tls = Some(policy.label());
                return context.finish(read);
            }
            Err(error) => {
                tracing::debug!(bmc = %address, credential = %name, %error, "Redfish credential set failed");
                // Only a rejected login makes another set worth trying.
                let try_next = matches!(error, FetchError::AuthFailed(_));
                failures.push((name, error));
                if !try_next {
                    break;
                }
            }
        }
    }

    device.status = status_of(failures.iter().map(|(_, e)| e));
    let details = failures.iter().map(|(name, error)| format!("{name}: {error}")).collect::<Vec<_>>().join("; ");
    device.reason = Some(format!("no out-of-band path: {details}"));
    context.finish(device);
}

/// Logs in, crawls within the device deadline, and logs out whatever
/// happened. Returns `device`, the target's row, filled from the crawl.
async fn read_bmc(
    context: &Context,
    address: SocketAddr,
    policy: &TlsPolicy,
    login: &RedfishLogin,
    mut device: Device,
) -> Result<Device, FetchError> {
    let settings = ClientSettings {
        timeout: context.settings.policy.timeout.max(std::time::Duration::from_secs(5)),
        max_in_flight: context.settings.redfish.max_in_flight,
    };
    let mut client = Client::new(address, policy, settings)?;
    let root = client.root().await?;
    if let Err(error) = client.login(login, &root).await {
        client.logout().await;
        return Err(error);
    }
    let work = crawl(&client, root, context.settings.redfish.expand);
    let outcome = tokio::select! {
        outcome = tokio::time::timeout(context.settings.device_deadline, work) => outcome.ok(),
        () = context.cancel.cancelled() => None,
    };
    client.logout().await;

    let Some(observation) = outcome else {
        device.status = Status::Partial;
        device.reason = Some(format!("the Redfish crawl did not finish within {:?} or was cancelled", context.settings.device_deadline));
        return Ok(device);
    };
    apply_identity(&mut device, crate::redfish::inventory::identify(&observation, &context.profiles), &[]);
    device.protocols = vec!["redfish"];
    Ok(device)
}

/// Returns the Redfish credential sets to try, each with its login and the
/// fingerprint it pins, if any. These are the sets the target names, else the
/// sets allowed for its tenant.
fn candidates(context: &Context, target: &Target) -> Result<Vec<(String, RedfishLogin, Option<[u8; 32]>)>, String> {
    let named: Vec<&String> = target.credentials.iter().filter(|n| context.credentials.find_redfish(n).is_some()).collect();
    let sets: Vec<_> = if named.is_empty() {
        context.credentials.redfish.iter().filter(|s| s.allows_tenant(&target.tenant)).collect()
    } else {
        named.iter().filter_map(|n| context.credentials.find_redfish(n)).collect()
    };
    if sets.is_empty() {
        return Err(format!("no Redfish credential set for tenant {:?}", target.tenant));
    }
    let mut usable = Vec::new();
    let mut problems = Vec::new();
    for set in sets {
        if !set.allows_tenant(&target.tenant) {
            problems.push(format!("credential set {:?} ({}) is fenced to tenants {:?}", set.name, set.origin, set.tenants));
            continue;
        }
        match &set.login {
            Ok(login) => usable.push((set.name.clone(), login.clone(), set.tls_fingerprint)),
            Err(problem) => problems.push(format!("credential set {:?} ({}): {problem}", set.name, set.origin)),
        }
    }
    if usable.is_empty() { Err(problems.join("; ")) } else { Ok(usable) }
}

/// Returns the status that best explains why no credential set worked.
fn status_of<'a>(errors: impl Iterator<Item = &'a FetchError>) -> Status {
    let rank = |error: &FetchError| match error {
        FetchError::TlsLegacy => (0, Status::TlsLegacy),
        FetchError::TlsRejected(_) => (1, Status::TlsRejected),
        FetchError::AuthFailed(_) => (2, Status::AuthFailed),
        FetchError::Refused => (3, Status::Refused),
        FetchError::Unreachable(_) => (4, Status::Unreachable),
        // NOTE: HTTP errors, invalid JSON and other failures are also
        // reported as `timeout`. The reason column names the real error.
        _ => (5, Status::Timeout),
    };
    errors.map(rank).min_by_key(|(r, _)| *r).map_or(Status::NotScanned, |(_, status)| status)
}
