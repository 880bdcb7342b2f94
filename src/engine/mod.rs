//! The sweep: streams targets through the discovery probe and per-device
//! collection, under one concurrency limit, and returns one row per target.
//! Targets scanned over SNMP and Redfish give one row, merged at the end.

mod http;
mod merge;
mod redfish;
mod sip;
mod ssh;

pub use ssh::{SshSettings, login_candidates as ssh_login_candidates};

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use indicatif::ProgressBar;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::collect::{AgentError, collect};
use crate::credentials::{Credentials, Secret, SnmpAuth, SnmpCredential, SnmpVersion};
use crate::device::{Device, Status};
use crate::identify::identify;
use crate::offline::apply_identity;
use crate::profiles::ProfileSet;
use crate::snmp::client::{RequestPolicy, Session};
use crate::snmp::probe::{self, ProbeCommunity, ProbeOutcome, ProbeRequest, ProbeSettings};
use crate::snmp::{Oid, Value};
use crate::targets::{Host, Protocol, Target};

/// Limits and timing of one sweep.
#[derive(Clone, Debug)]
pub struct ScanSettings {
    pub policy: RequestPolicy,
    /// Devices collected from at once (one UDP socket each).
    pub concurrency: usize,
    /// Maximum time that collection from one device may take.
    pub device_deadline: Duration,
    pub snmp_port: u16,
    /// Targets the discovery probe keeps in flight at once.
    pub probe_window: usize,
    /// New targets the probe starts per second.
    pub probe_rate: u32,
    /// Protocols for targets whose inventory row names none.
    pub protocols: Vec<Protocol>,
    /// UDP and TCP port of the phones' SIP service.
    pub sip_port: u16,
    /// TCP port of the devices' plain HTTP web server. HTTPS uses the
    /// Redfish HTTPS port.
    pub http_port: u16,
    pub redfish: RedfishSettings,
    pub ssh: SshSettings,
}

/// Settings for reading BMCs over Redfish.
#[derive(Clone, Debug)]
pub struct RedfishSettings {
    pub https_port: u16,
    /// Requests in flight to one BMC.
    pub max_in_flight: usize,
    /// Extra CA certificates (PEM) trusted besides the system roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Use `$expand` where the service offers it.
    pub expand: bool,
}

impl Default for RedfishSettings {
    fn default() -> Self {
        RedfishSettings { https_port: 443, max_in_flight: 2, ca_pem: None, expand: true }
    }
}

/// Capacity of the queue between the target stream and the probe. The stream
/// waits while the queue is full, which keeps memory flat on large ranges.
const PROBE_QUEUE: usize = 1024;

/// A credential set chosen for one target.
#[derive(Clone, Debug)]
struct Candidate {
    name: String,
    auth: SnmpAuth,
}

/// Everything a target needs once it has an address.
struct Job {
    target: Target,
    address: SocketAddr,
    candidates: Vec<Candidate>,
}

impl Job {
    /// Returns the names of the credential sets to try, comma-separated.
    fn credential_names(&self) -> String {
        self.candidates.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// Shared state of a running sweep.
struct Context {
    profiles: Arc<ProfileSet>,
    credentials: Credentials,
    settings: ScanSettings,
    permits: Arc<Semaphore>,
    results: mpsc::UnboundedSender<Device>,
    cancel: CancellationToken,
    ssh: ssh::SshState,
}

/// Runs a sweep to the end or until `cancel` fires. Either way, every target
/// read from `targets` gets a row. Fails only when the probe cannot open its socket.
pub async fn sweep(
    targets: Box<dyn Iterator<Item = Target> + Send>,
    profiles: Arc<ProfileSet>,
    credentials: Credentials,
    settings: ScanSettings,
    cancel: CancellationToken,
    progress: ProgressBar,
) -> std::io::Result<Vec<Device>> {
    let (results_tx, mut results_rx) = mpsc::unbounded_channel::<Device>();
    let probe_settings = ProbeSettings {
        policy: settings.policy,
        window: settings.probe_window,
        rate: settings.probe_rate,
    };
    let context = Arc::new(Context {
        profiles,
        credentials,
        permits: Arc::new(Semaphore::new(settings.concurrency.max(1))),
        ssh: ssh::SshState::new(&settings.ssh),
        settings,
        results: results_tx,
        cancel: cancel.clone(),
    });

    let gather = tokio::spawn(async move {
        let mut devices = Vec::new();
        let mut responding = 0usize;
        while let Some(device) = results_rx.recv().await {
            if device.status.answered() {
                responding += 1;
            }
            progress.inc(1);
            progress.set_message(format!("{responding} responding"));
            devices.push(device);
        }
        progress.finish_and_clear();
        devices
    });

    let (probe_tx, probe_rx) = mpsc::channel::<ProbeRequest<Job>>(PROBE_QUEUE);
    let (outcome_tx, outcome_rx) = mpsc::unbounded_channel();
    let probe = tokio::spawn(probe::run(probe_settings, probe_rx, outcome_tx, cancel.clone()));
    let outcomes = tokio::spawn(handle_outcomes(context.clone(), outcome_rx));

    let mut tasks = tokio::task::JoinSet::new();
    let mut ssh_tasks = tokio::task::JoinSet::new();
    dispatch(&context, targets, &probe_tx, &mut tasks, &mut ssh_tasks).await;
    drop(probe_tx);

    let probe_result = probe.await.unwrap_or(Ok(()));
    let _ = outcomes.await;
    while tasks.join_next().await.is_some() {}
    context.ssh.release_waiting();
    while ssh_tasks.join_next().await.is_some() {}
    drop(context);
    let devices = gather.await.unwrap_or_default();
    probe_result?;
    Ok(merge::merge_rows(devices))
}

/// Reads the target stream: rejects duplicates and misconfigured targets,
/// resolves host names, and routes each target to the probe or to direct
/// collection.
async fn dispatch(
    context: &Arc<Context>,
    targets: Box<dyn Iterator<Item = Target> + Send>,
    probe_tx: &mpsc::Sender<ProbeRequest<Job>>,
    tasks: &mut tokio::task::JoinSet<()>,
    ssh_tasks: &mut tokio::task::JoinSet<()>,
) {
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    let mut next_merge_key = 0u64;
    for mut target in targets {
        if !seen.insert((target.tenant.clone(), target.site.clone(), target.label.clone())) {
            continue;
        }
        let protocols = target.protocols.clone().unwrap_or_else(|| context.settings.protocols.clone());
        if protocols.len() > 1 {
            target.merge_key = Some(next_merge_key);
            next_merge_key += 1;
        }
        if context.cancel.is_cancelled() {
            context.report_target(&target, &protocols, Status::NotScanned, "cancelled (Ctrl-C) before its scan started".into());
            continue;
        }
        if let Some(problem) = target.problem.clone() {
            tracing::warn!(target = %target.label, tenant = %target.tenant, "not scanned: {problem}");
            context.report_target(&target, &protocols, Status::NotScanned, problem);
            continue;
        }
        if protocols.contains(&Protocol::Redfish) {
            let permit = context.permits.clone().acquire_owned().await;
            let context = context.clone();
            let target = target.clone();
            let only_redfish = !protocols.contains(&Protocol::Snmp);
            tasks.spawn(async move {
                let _permit = permit;
                redfish::scan(&context, target, only_redfish).await;
            });
        }
        if protocols.contains(&Protocol::Sip) {
            let permit = context.permits.clone().acquire_owned().await;
            let context = context.clone();
            let target = target.clone();
            let only_sip = protocols == [Protocol::Sip];
            tasks.spawn(async move {
                let _permit = permit;
                sip::scan(&context, target, only_sip).await;
            });
        }
        if protocols.contains(&Protocol::Http) {
            let permit = context.permits.clone().acquire_owned().await;
            let context = context.clone();
            let target = target.clone();
            let only_http = protocols == [Protocol::Http];
            tasks.spawn(async move {
                let _permit = permit;
                http::scan(&context, target, only_http).await;
            });
        }
        if protocols.contains(&Protocol::Ssh) {
            ssh::start(context, target.clone(), protocols.contains(&Protocol::Snmp), ssh_tasks).await;
        }
        if !protocols.contains(&Protocol::Snmp) {
            continue;
        }
        let candidates = match context.candidates(&target) {
            Ok(candidates) => candidates,
            Err(problem) => {
                tracing::warn!(target = %target.label, tenant = %target.tenant, "not scanned: {problem}");
                context.report(&target, None, Status::NotScanned, problem);
                continue;
            }
        };
        let port = target.port.unwrap_or(context.settings.snmp_port);
        match target.host.clone() {
            Host::Address(ip) => {
                let job = Job { target, address: SocketAddr::new(ip, port), candidates };
                route(context, job, probe_tx, tasks).await;
            }
            Host::Name(name) => {
                let context = context.clone();
                let probe_tx = probe_tx.clone();
                tasks.spawn(async move {
                    match resolve(&name, port).await {
                        Ok(address) => {
                            let job = Job { target, address, candidates };
                            let mut inner = tokio::task::JoinSet::new();
                            route(&context, job, &probe_tx, &mut inner).await;
                            while inner.join_next().await.is_some() {}
                        }
                        Err(reason) => context.report(&target, None, Status::Unreachable, reason),
                    }
                });
            }
        }
    }
}

pub(super) async fn resolve(name: &str, port: u16) -> Result<SocketAddr, String> {
    let mut addresses = tokio::net::lookup_host((name, port))
        .await
        .map_err(|error| format!("cannot resolve host name {name:?}: {error}"))?;
    addresses.next().ok_or_else(|| format!("host name {name:?} has no address"))
}

async fn route(
    context: &Arc<Context>,
    job: Job,
    probe_tx: &mpsc::Sender<ProbeRequest<Job>>,
    tasks: &mut tokio::task::JoinSet<()>,
) {
    let communities: Option<Vec<ProbeCommunity>> = job
        .candidates
        .iter()
        .enumerate()
        .map(|(index, candidate)| match &candidate.auth {
            SnmpAuth::Community { version, community } => Some(ProbeCommunity {
                credential: index,
                version: *version,
                community: community.clone(),
            }),
            SnmpAuth::Usm(_) => None,
        })
        .collect();
    match communities {
        Some(communities) => {
            let address = job.address;
            if let Err(rejected) = probe_tx.send(ProbeRequest { payload: job, address, communities }).await {
                let job = rejected.0.payload;
                context.report(&job.target, Some(job.address), Status::NotScanned, "cancelled before its scan started".into());
            }
        }
        None => {
            let context = context.clone();
            let permit = context.permits.clone().acquire_owned().await;
            tasks.spawn(async move {
                let _permit = permit;
                scan_direct(&context, job).await;
            });
        }
    }
}

/// Turns probe outcomes into rows, collecting first from the targets that responded.
async fn handle_outcomes(context: Arc<Context>, mut outcomes: mpsc::UnboundedReceiver<(Job, ProbeOutcome)>) {
    let mut tasks = tokio::task::JoinSet::new();
    while let Some((job, outcome)) = outcomes.recv().await {
        match outcome {
            ProbeOutcome::Answered { credential, varbinds } => {
                let permit = context.permits.clone().acquire_owned().await;
                let context = context.clone();
                tasks.spawn(async move {
                    let _permit = permit;
                    let system = (!varbinds.is_empty()).then_some(varbinds);
                    scan_answered(&context, job, credential, system).await;
                });
            }
            ProbeOutcome::Silent { engine_answered: true } => {
                let names = job.credential_names();
                let reason = format!(
                    "the agent responds to SNMPv3 engine discovery but ignored every community tried \
                     (credential sets: {names}); the community is wrong or the agent's access list excludes this scanner"
                );
                context.report(&job.target, Some(job.address), Status::AuthFailed, reason);
            }
            ProbeOutcome::Silent { engine_answered: false } => {
                let reason = context.silence_reason(&job);
                context.report(&job.target, Some(job.address), Status::Timeout, reason);
            }
            ProbeOutcome::Refused => {
                let reason = format!(
                    "ICMP port unreachable: the host is up but nothing listens on UDP port {}",
                    job.address.port()
                );
                context.report(&job.target, Some(job.address), Status::Refused, reason);
            }
            ProbeOutcome::Unreachable(reason) => {
                context.report(&job.target, Some(job.address), Status::Unreachable, reason);
            }
            ProbeOutcome::Cancelled { started } => {
                let reason = if started {
                    "cancelled (Ctrl-C) while waiting for a response"
                } else {
                    "cancelled (Ctrl-C) before its scan started"
                };
                context.report(&job.target, Some(job.address), Status::NotScanned, reason.into());
            }
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// Collects from a target that responded to the probe with credential set `index`.
async fn scan_answered(context: &Context, job: Job, index: usize, system: Option<Vec<(Oid, Value)>>) {
    let candidate = &job.candidates[index];
    let mut device = context.row(&job.target, Some(job.address));
    device.credential = Some(candidate.name.clone());
    device.protocols = vec!["snmp"];

    let mut session = match Session::open(job.address, &candidate.auth, context.settings.policy).await {
        Ok(session) => session,
        Err(error) => return context.finish(device_failed(device, &error)),
    };
    let work = collect(&mut session, &context.profiles, system.clone());
    let outcome = tokio::select! {
        outcome = tokio::time::timeout(context.settings.device_deadline, work) => outcome,
        () = context.cancel.cancelled() => {
            return context.finish(partial_from_system(context, device, system, "cancelled (Ctrl-C) during collection"));
        }
    };
    match outcome {
        Ok(Ok(collected)) => {
            apply_identity(&mut device, identify(&context.profiles, &collected.varbinds), &collected.failures);
            context.finish(device);
        }
        Ok(Err(error)) => context.finish(device_failed(device, &error)),
        Err(_) => {
            let reason = format!("device deadline of {:?} exceeded during collection", context.settings.device_deadline);
            context.finish(partial_from_system(context, device, system, &reason));
        }
    }
}

/// Tries each credential set in order, each with its own session. Used for
/// targets with SNMPv3 sets, because the shared probe sends only v1/v2c.
async fn scan_direct(context: &Context, job: Job) {
    let mut device = context.row(&job.target, Some(job.address));
    let mut failures: Vec<(String, AgentError)> = Vec::new();
    for candidate in &job.candidates {
        if context.cancel.is_cancelled() {
            device.status = Status::NotScanned;
            device.reason = Some("cancelled (Ctrl-C) before its scan finished".into());
            return context.finish(device);
        }
        let attempt = async {
            let mut session = Session::open(job.address, &candidate.auth, context.settings.policy).await?;
            tokio::time::timeout(context.settings.device_deadline, collect(&mut session, &context.profiles, None))
                .await
                .unwrap_or(Err(AgentError::Timeout))
        };
        match attempt.await {
            Ok(collected) => {
                device.credential = Some(candidate.name.clone());
                device.protocols = vec!["snmp"];
                apply_identity(&mut device, identify(&context.profiles, &collected.varbinds), &collected.failures);
                return context.finish(device);
            }
            Err(error) => {
                tracing::debug!(address = %job.address, credential = %candidate.name, %error, "credential set failed");
                let stop = matches!(error, AgentError::Refused | AgentError::Unreachable);
                failures.push((candidate.name.clone(), error));
                if stop {
                    break;
                }
            }
        }
    }
    context.finish(summarise_failures(device, &failures));
}

/// Sets the status from the most informative failure and lists every failure in
/// the reason. An authentication failure ranks first, then refused, unreachable,
/// a protocol error and a timeout.
fn summarise_failures(mut device: Device, failures: &[(String, AgentError)]) -> Device {
    let rank = |error: &AgentError| match error {
        AgentError::AuthFailed(_) => 0,
        AgentError::Refused => 1,
        AgentError::Unreachable => 2,
        AgentError::Protocol(_) => 3,
        AgentError::Timeout => 4,
    };
    let Some((_, worst)) = failures.iter().min_by_key(|(_, error)| rank(error)) else {
        device.status = Status::NotScanned;
        device.reason = Some("no credential set to try".into());
        return device;
    };
    device.status = status_of(worst);
    device.reason = Some(
        failures
            .iter()
            .map(|(name, error)| format!("{name}: {error}"))
            .collect::<Vec<_>>()
            .join("; "),
    );
    device
}

fn status_of(error: &AgentError) -> Status {
    match error {
        AgentError::Timeout | AgentError::Protocol(_) => Status::Timeout,
        AgentError::Refused => Status::Refused,
        AgentError::Unreachable => Status::Unreachable,
        AgentError::AuthFailed(_) => Status::AuthFailed,
    }
}

fn device_failed(mut device: Device, error: &AgentError) -> Device {
    device.status = status_of(error);
    device.reason = Some(error.to_string());
    device
}

/// Identifies from the system group alone when collection could not finish.
fn partial_from_system(context: &Context, mut device: Device, system: Option<Vec<(Oid, Value)>>, reason: &str) -> Device {
    let varbinds = system.unwrap_or_default().into_iter().collect();
    apply_identity(&mut device, identify(&context.profiles, &varbinds), &[]);
    device.status = Status::Partial;
    device.reason = Some(reason.to_string());
    device
}

impl Context {
    fn row(&self, target: &Target, address: Option<SocketAddr>) -> Device {
        let mut device = Device::empty(&target.tenant, &target.site, address.map(|a| a.ip()).or(target.address()), Status::NotScanned);
        device.merge_key = target.merge_key;
        device.name = target.name.clone();
        device.port = address.map(|a| a.port());
        device.target_label = target.label.clone();
        device
    }

    fn report(&self, target: &Target, address: Option<SocketAddr>, status: Status, reason: String) {
        let mut device = self.row(target, address);
        device.status = status;
        device.reason = Some(reason);
        tracing::debug!(target = %target.label, %status, reason = device.reason.as_deref().unwrap_or(""), "no device data");
        self.finish(device);
    }

    /// Reports a row of `protocol` that learned nothing about the device.
    fn report_protocol(&self, protocol: &'static str, target: &Target, status: Status, reason: String) {
        let mut device = self.row(target, None);
        device.scanned_with = Some(protocol);
        device.status = status;
        device.reason = Some(reason);
        tracing::debug!(target = %target.label, protocol, %status, reason = device.reason.as_deref().unwrap_or(""), "no device data");
        self.finish(device);
    }

    /// Reports a target that none of its `protocols` scanned, with that
    /// status as every protocol's outcome.
    fn report_target(&self, target: &Target, protocols: &[Protocol], status: Status, reason: String) {
        let mut device = self.row(target, None);
        device.status = status;
        device.outcomes = protocols
            .iter()
            .map(|p| crate::outcome::ProtocolOutcome { protocol: p.as_str(), status, reason: Some(reason.clone()) })
            .collect();
        device.reason = Some(reason);
        self.finish(device);
    }

    fn finish(&self, mut device: Device) {
        device.scanned_at = Some(now_rfc3339());
        if device.outcomes.is_empty() {
            device.outcomes.push(crate::outcome::ProtocolOutcome::of(&device));
        }
        self.ssh.snmp_finished(&device);
        let _ = self.results.send(device);
    }

    fn silence_reason(&self, job: &Job) -> String {
        let names = job.credential_names();
        format!(
            "no SNMP response on port {} after {} attempt(s) per credential set ({names}); \
             a v1/v2c agent also stays silent for a wrong community",
            job.address.port(),
            self.settings.policy.retries + 1
        )
    }

    fn candidates(&self, target: &Target) -> Result<Vec<Candidate>, String> {
        credential_candidates(&self.credentials, target)
            .map(|list| list.into_iter().map(|(name, auth)| Candidate { name, auth }).collect())
    }
}

/// Returns the credential sets to try for a target, in order, as (name, secrets).
///
/// These are the SNMP sets the target names. Without any, they are the
/// command-line community and then every set fenced to the target's tenant, or
/// the community `public` when there is no such set. Fails with the reason when
/// a named set is missing, fenced to another tenant or has unresolved secrets,
/// or when no tenant set has resolved secrets.
pub fn credential_candidates(credentials: &Credentials, target: &Target) -> Result<Vec<(String, SnmpAuth)>, String> {
    let usable = |set: &SnmpCredential| -> Result<(String, SnmpAuth), String> {
        let auth = set.auth.clone().map_err(|e| format!("credential set {:?} ({}): {e}", set.name, set.origin))?;
        Ok((set.name.clone(), auth))
    };
    let snmp_names: Vec<&String> = target
        .credentials
        .iter()
        .filter(|name| credentials.find_redfish(name).is_none() && credentials.find_http(name).is_none() && credentials.find_ssh(name).is_none())
        .collect();
    if !snmp_names.is_empty() {
        return snmp_names
            .into_iter()
            .map(|name| {
                let set = credentials.find(name).ok_or_else(|| format!("credential set {name:?} is not defined"))?;
                if !set.allows_tenant(&target.tenant) {
                    return Err(format!(
                        "credential set {name:?} ({}) is fenced to tenants {:?}, not {:?}",
                        set.origin, set.tenants, target.tenant
                    ));
                }
                usable(set)
            })
            .collect();
    }
    let fenced: Vec<&SnmpCredential> = credentials.snmp.iter().filter(|s| s.allows_tenant(&target.tenant)).collect();
    if fenced.is_empty() {
        let auth = SnmpAuth::Community { version: SnmpVersion::V2c, community: default_community() };
        return Ok(vec![("default-public".to_string(), auth)]);
    }
    let mut candidates = Vec::new();
    let mut problems = Vec::new();
    for set in fenced {
        match usable(set) {
            Ok(candidate) => candidates.push(candidate),
            Err(problem) => problems.push(problem),
        }
    }
    if candidates.is_empty() {
        return Err(problems.join("; "));
    }
    for problem in problems {
        tracing::warn!(tenant = %target.tenant, "{problem}");
    }
    Ok(candidates)
}

/// Returns `public`, the community tried when neither the target, the credentials
/// file nor the command line names one. It is a common factory default.
fn default_community() -> Secret {
    Secret::new("public".to_string())
}

/// Returns the current time as RFC 3339 UTC, with second precision.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
