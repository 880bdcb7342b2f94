//! `fwsweep record --ssh`: the SSH options of `record` and the run that
//! writes a `.cli` transcript.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use fwsweep::credentials::Credentials;
use fwsweep::engine::SshSettings;
use fwsweep::ssh::client::Timeouts;
use fwsweep::ssh::known_hosts::KnownHosts;
use fwsweep::ssh::record::{RecordRequest, Recording, check_commands};
use fwsweep::targets::{Host, Target, TargetSpec};

use super::{Failure, RecordArgs, load_profiles, parse_duration};

/// The options of `record` that apply with `--ssh`.
#[derive(Args)]
pub(super) struct SshRecordArgs {
    /// Record over SSH as a .cli transcript: the probe and profile commands
    /// a scan runs, or the --command list. Logs in with the tenant's [[ssh]] sets.
    #[arg(long, conflicts_with = "fingerprint")]
    ssh: bool,
    /// Run exactly this read-only command instead of the scan's commands
    /// (repeatable; needs --ssh).
    #[arg(long = "command", value_name = "CMD", requires = "ssh")]
    commands: Vec<String>,
    /// TCP port of the device's SSH service.
    #[arg(long, default_value_t = 22, value_name = "N")]
    ssh_port: u16,
    /// Time allowed for the SSH connection and key exchange, and again for
    /// authentication (500ms, 10s).
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    ssh_timeout: Duration,
    /// Time allowed for each SSH command's output to end at the prompt.
    #[arg(long, default_value = "20s", value_parser = parse_duration, value_name = "DURATION")]
    ssh_command_timeout: Duration,
    /// OpenSSH known_hosts file that the host key is checked against
    /// [default: ~/.ssh/known_hosts].
    #[arg(long, value_name = "FILE")]
    known_hosts: Option<PathBuf>,
    /// Accept a host key that the known_hosts file does not record yet, and
    /// append it to it. A changed key is rejected all the same.
    #[arg(long)]
    trust_new_host_keys: bool,
}

impl SshRecordArgs {
    pub(super) fn requested(&self) -> bool {
        self.ssh
    }
}

/// Records the device over SSH and writes the transcript to --output or
/// standard output. Commands are checked before anything else, so a
/// rejected command never reaches the device.
pub(super) async fn record(args: &RecordArgs) -> Result<(), Failure> {
    let ssh = &args.ssh;
    check_commands(&ssh.commands).map_err(|error| Failure::Input(error.to_string()))?;
    let profiles = load_profiles(&args.profiles)?;
    let credentials = match &args.credentials {
        Some(path) => Credentials::load(path).map_err(|e| Failure::Input(e.to_string()))?,
        None => return Err(Failure::Input("record --ssh needs --credentials FILE with an [[ssh]] set for the tenant".into())),
    };
    let address = resolve(&args.target, ssh.ssh_port).await?;
    let target = Target::new(&args.tenant, "default", Host::Address(address.ip()));
    let candidates = fwsweep::engine::ssh_login_candidates(&credentials, &target).map_err(Failure::Input)?;

    let known_hosts_path = ssh.known_hosts.clone().unwrap_or_else(|| SshSettings::default().known_hosts);
    let request = RecordRequest {
        address,
        candidates,
        known_hosts: Arc::new(KnownHosts::new(known_hosts_path, ssh.trust_new_host_keys)),
        timeouts: Timeouts { connect: ssh.ssh_timeout, command: ssh.ssh_command_timeout },
        profiles: &profiles,
        commands: &ssh.commands,
    };
    let recording = fwsweep::ssh::record::record(request).await.map_err(|failures| {
        let reasons: Vec<String> = failures.iter().map(|(name, error)| format!("{name}: {error}")).collect();
        Failure::Run(format!("nothing recorded from {address}: {}", reasons.join("; ")))
    })?;
    if recording.transcript().outputs.is_empty() {
        let reason = recording.outcome.failure.as_ref().map_or_else(|| "the device printed nothing".to_string(), ToString::to_string);
        return Err(Failure::Run(format!("nothing recorded from {address}: {reason}")));
    }

    let transcript = if args.anonymize {
        fwsweep::ssh::anonymize::anonymize(recording.transcript(), &profiles)
    } else {
        recording.transcript().clone()
    };
    write(args, &transcript.to_text())?;
    report(args, address, &recording);
    Ok(())
}

async fn resolve(target: &str, port: u16) -> Result<SocketAddr, Failure> {
    match TargetSpec::parse(target).map_err(|e| Failure::Input(e.to_string()))? {
        TargetSpec::Address(address) => Ok(SocketAddr::new(address, port)),
        TargetSpec::Name(name) => tokio::net::lookup_host((name.as_str(), port))
            .await
            .ok()
            .and_then(|mut found| found.next())
            .ok_or_else(|| Failure::Run(format!("cannot resolve host name {name:?}"))),
        _ => Err(Failure::Input(format!("record takes one address or host name, not {target:?}"))),
    }
}

fn write(args: &RecordArgs, text: &str) -> Result<(), Failure> {
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display()))),
        None => {
            let _ = std::io::stdout().write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// Prints what was recorded, and why the transcript may be incomplete, on
/// standard error. Device strings are made safe for the terminal first.
fn report(args: &RecordArgs, address: SocketAddr, recording: &Recording) {
    let printable = fwsweep::ssh::terminal::printable;
    let outcome = &recording.outcome;
    let mut stderr = std::io::stderr().lock();
    let profile = match &outcome.profile {
        Some(id) => format!(", platform {id}"),
        None if args.ssh.commands.is_empty() => ", no profile recognised the outputs".to_string(),
        None => String::new(),
    };
    let _ = writeln!(
        stderr,
        "fwsweep: recorded {} command(s) from {address} with credential set {}{profile}{}",
        recording.transcript().outputs.len(),
        recording.credential,
        if args.anonymize { ", anonymized" } else { "" }
    );
    if let Some(failure) = &outcome.failure {
        let _ = writeln!(stderr, "fwsweep: warning: the transcript is incomplete: {}", printable(&failure.to_string()));
    }
    for note in &outcome.notes {
        let _ = writeln!(stderr, "fwsweep: note: {note}");
    }
}
