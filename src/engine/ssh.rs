//! Reading one device over SSH. Credential sets are tried in order until
//! one authenticates. The session then runs the commands of the profile that
//! SNMP identified, or first recognises the platform from probe commands.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, oneshot};

use super::Context;
use crate::device::{Device, Status};
use crate::offline::apply_identity;
use crate::ssh::client::{ConnectError, Login, Timeouts, connect};
use crate::ssh::known_hosts::KnownHosts;
use crate::ssh::session::{SessionOutcome, collect};
use crate::targets::{Host, Target};

/// Settings for reading devices over SSH.
#[derive(Clone, Debug)]
pub struct SshSettings {
    pub port: u16,
    /// Devices read over SSH at once, apart from the sweep's other limits.
    pub concurrency: usize,
    /// Limit for TCP connect plus key exchange, and for authentication.
    pub connect_timeout: Duration,
    /// Limit for each command's output.
    pub command_timeout: Duration,
    pub known_hosts: PathBuf,
    /// Record unknown host keys in `known_hosts` instead of rejecting them.
    pub trust_new_host_keys: bool,
}

impl Default for SshSettings {
    fn default() -> Self {
        let known_hosts = dirs::home_dir().unwrap_or_default().join(".ssh").join("known_hosts");
        SshSettings {
            port: 22,
            concurrency: 16,
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(20),
            known_hosts,
            trust_new_host_keys: false,
        }
    }
}

/// SNMP result for a target scanned with both protocols, which decides what
/// its SSH session does.
#[derive(Clone, Debug)]
pub(super) struct SnmpFinding {
    answered: bool,
    profile: Option<String>,
}

/// SSH state shared by a sweep: its own concurrency limit, the known_hosts
/// file, and the SSH scans waiting for their target's SNMP row.
pub(super) struct SshState {
    permits: Arc<Semaphore>,
    known_hosts: Arc<KnownHosts>,
    waiting: Mutex<HashMap<u64, oneshot::Sender<SnmpFinding>>>,
}

impl SshState {
    pub(super) fn new(settings: &SshSettings) -> Self {
        SshState {
            permits: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            known_hosts: Arc::new(KnownHosts::new(settings.known_hosts.clone(), settings.trust_new_host_keys)),
            waiting: Mutex::new(HashMap::new()),
        }
    }

    /// Hands a finished SNMP row to the SSH scan of the same target, if one waits.
    pub(super) fn snmp_finished(&self, device: &Device) {
        let Some(key) = device.merge_key.filter(|_| device.scanned_with.is_none()) else { return };
        let sender = self.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
        if let Some(sender) = sender {
            let finding = SnmpFinding { answered: device.status.answered(), profile: device.profile.clone() };
            let _ = sender.send(finding);
        }
    }

    /// Releases every SSH scan still waiting, as if SNMP had found nothing.
    /// Called once all SNMP work of the sweep has ended.
    pub(super) fn release_waiting(&self) {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Starts the SSH scan of a target. With SNMP also allowed, the scan waits
/// for the SNMP row first, so that SSH only adds what SNMP cannot read.
pub(super) async fn start(
    context: &Arc<Context>,
    target: Target,
    with_snmp: bool,
    tasks: &mut tokio::task::JoinSet<()>,
) {
    let context_for_task = context.clone();
    match target.merge_key.filter(|_| with_snmp) {
        Some(key) => {
            let (sender, receiver) = oneshot::channel();
            context.ssh.waiting.lock().unwrap_or_else(|p| p.into_inner()).insert(key, sender);
            tasks.spawn(async move {
                let finding = receiver.await.unwrap_or(SnmpFinding { answered: false, profile: None });
                let Ok(_permit) = context_for_task.ssh.permits.clone().acquire_owned().await else { return };
                scan(&context_for_task, target, false, Some(finding)).await;
            });
        }
        None => {
            let permit = context.ssh.permits.clone().acquire_owned().await;
            tasks.spawn(async move {
                let _permit = permit;
                scan(&context_for_task, target, !with_snmp, None).await;
            });
        }
    }
}

/// Reads the target over SSH and reports its row. `only_ssh` is whether
/// the inventory's port column is the SSH port, as in a row scanned
/// without SNMP.
async fn scan(context: &Context, target: Target, only_ssh: bool, snmp: Option<SnmpFinding>) {
    let known_profile = match &snmp {
        Some(finding) if finding.answered && finding.profile.as_deref().is_some_and(|id| id != "generic") => {
            let id = finding.profile.as_deref().unwrap_or_default();
            match context.profiles.profiles.iter().find(|p| p.id == id) {
                Some(profile) if profile.ssh.is_some() => Some(profile),
                // The profile reads nothing over SSH, so SNMP has read everything.
                _ => return,
            }
        }
        _ => None,
    };
    let settings = &context.settings.ssh;
    let port = if only_ssh { target.port } else { None }.unwrap_or(settings.port);
    let address = match &target.host {
        Host::Address(ip) => SocketAddr::new(*ip, port),
        Host::Name(name) => match super::resolve(name, port).await {
            Ok(address) => address,
            Err(reason) => {
                let mut device = context.row(&target, None);
                device.scanned_with = Some("ssh");
                return finish_with(context, device, Status::Unreachable, reason);
            }
        },
    };
    let mut device = context.row(&target, Some(address));
    device.scanned_with = Some("ssh");

    let candidates = match candidates(context, &target) {
        Ok(candidates) => candidates,
        Err(problem) if snmp.as_ref().is_some_and(|finding| finding.answered) => {
            tracing::debug!(target = %target.label, "SSH skipped: {problem}");
            return;
        }
        Err(problem) => return finish_with(context, device, Status::NotScanned, problem),
    };

    let started = Instant::now();
    let timeouts = Timeouts { connect: settings.connect_timeout, command: settings.command_timeout };
    let mut failures: Vec<(String, ConnectError)> = Vec::new();
    for (name, mut login) in candidates {
        // NOTE: a profile's legacy flag applies only once SNMP has named the
        // profile. A platform recognised over SSH must connect first, so it
        // needs the flag in its credential set.
        if known_profile.and_then(|p| p.ssh.as_ref()).is_some_and(|rules| rules.legacy_algorithms) {
            login.legacy_algorithms = true;
        }
        let attempt = async {
            let connection = connect(address, &login, context.ssh.known_hosts.clone(), timeouts).await?;
            let outcome = collect(&connection, &context.profiles, known_profile, &login, timeouts.command).await;
            let _ = connection.handle.disconnect(russh::Disconnect::ByApplication, "", "").await;
            Ok::<_, ConnectError>((connection.negotiated, outcome))
        };
        let result = tokio::select! {
            result = attempt => result,
            () = context.cancel.cancelled() => {
                return finish_with(context, device, Status::NotScanned, "cancelled (Ctrl-C) during the SSH session".into());
            }
        };
        match result {
            Ok((negotiated, outcome)) => {
                device.credential = Some(name);
                device.ssh = negotiated.as_ref().map(Into::into);
                fill_from_session(context, &mut device, outcome);
                tracing::debug!(%address, status = %device.status, elapsed = ?started.elapsed(), "SSH session finished");
                return context.finish(device);
            }
            Err(error) => {
                tracing::debug!(%address, credential = %name, %error, "SSH credential set failed");
                // Only a rejected login makes another set worth trying.
                let try_next = matches!(error, ConnectError::AuthFailed { .. } | ConnectError::PrivateKey { .. });
                failures.push((name, error));
                if !try_next {
                    break;
                }
            }
        }
    }
    let status = status_of(failures.iter().map(|(_, error)| error));
    let reason = failures.iter().map(|(name, error)| format!("{name}: {error}")).collect::<Vec<_>>().join("; ");
    finish_with(context, device, status, reason);
}

/// Identifies the device from the session's transcript and sets its status:
/// a session cut short by a stalled command is `partial` when the outputs
/// so far identify the device, and `timeout` when they do not.
fn fill_from_session(context: &Context, device: &mut Device, outcome: SessionOutcome) {
    let identity = crate::ssh::identify::identify(&outcome.transcript, &context.profiles);
    apply_identity(device, identity, &[]);
    device.protocols = vec!["ssh"];
    if device.profile.is_none() {
        device.profile = outcome.profile.clone();
    }
    let mut reasons: Vec<String> = device.reason.take().into_iter().collect();
    if let Some(failure) = &outcome.failure {
        device.status = match device.status {
            Status::Ok | Status::Partial => Status::Partial,
            _ if failure.is_timeout() => Status::Timeout,
            other => other,
        };
        reasons.insert(0, failure.to_string());
    }
    reasons.extend(outcome.notes);
    device.reason = (!reasons.is_empty()).then(|| reasons.join("; "));
}

fn candidates(context: &Context, target: &Target) -> Result<Vec<(String, Login)>, String> {
    login_candidates(&context.credentials, target)
}

/// Returns the SSH credential sets to try, with their logins: the sets the
/// target names, else every set of its tenant.
pub fn login_candidates(credentials: &crate::credentials::Credentials, target: &Target) -> Result<Vec<(String, Login)>, String> {
    let named: Vec<&String> = target.credentials.iter().filter(|n| credentials.find_ssh(n).is_some()).collect();
    let sets: Vec<_> = if named.is_empty() {
        credentials.ssh.iter().filter(|s| s.allows_tenant(&target.tenant)).collect()
    } else {
        named.iter().filter_map(|n| credentials.find_ssh(n)).collect()
    };
    if sets.is_empty() {
        return Err(format!("no SSH credential set for tenant {:?}", target.tenant));
    }
    let mut usable = Vec::new();
    let mut problems = Vec::new();
    for set in sets {
        if !set.allows_tenant(&target.tenant) {
            problems.push(format!("credential set {:?} ({}) is fenced to tenants {:?}", set.name, set.origin, set.tenants));
            continue;
        }
        match &set.login {
            Ok(login) => usable.push((set.name.clone(), login.clone())),
            Err(problem) => problems.push(format!("credential set {:?} ({}): {problem}", set.name, set.origin)),
        }
    }
    if usable.is_empty() { Err(problems.join("; ")) } else { Ok(usable) }
}

/// Returns the status that best explains why no credential set worked.
fn status_of<'a>(errors: impl Iterator<Item = &'a ConnectError>) -> Status {
    let rank = |error: &ConnectError| match error {
        ConnectError::HostKeyUnknown { .. } | ConnectError::HostKeyChanged { .. } => (0, Status::HostKeyRejected),
        ConnectError::AuthFailed { .. } => (1, Status::AuthFailed),
        ConnectError::Refused { .. } => (2, Status::Refused),
        ConnectError::Unreachable(_) => (3, Status::Unreachable),
        ConnectError::HostKeyFile(_) | ConnectError::NoCommonAlgorithm(_) | ConnectError::PrivateKey { .. } => {
            (4, Status::NotScanned)
        }
        // NOTE: protocol errors (a device that drops the connection during
        // key exchange) are also reported as `timeout`; the reason names them.
        ConnectError::Timeout(..) | ConnectError::Protocol(_) => (5, Status::Timeout),
    };
    errors.map(rank).min_by_key(|(r, _)| *r).map_or(Status::NotScanned, |(_, status)| status)
}

fn finish_with(context: &Context, mut device: Device, status: Status, reason: String) {
    device.status = status;
    device.reason = Some(reason);
    context.finish(device);
}
