//! The SSH session driver against fwsweep's own simulated SSH devices, in
//! process: the transcript each session produces, pagers, banners, prompts,
//! privileged mode, timeouts and host-key checks.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fwsweep::credentials::Secret;
use fwsweep::profiles::{ProfileSet, load_text};
use fwsweep::ssh::client::{ConnectError, Login, LoginMethod, Timeouts, connect};
use fwsweep::ssh::known_hosts::KnownHosts;
use fwsweep::ssh::server::{HostKey, ServerOptions, serve};
use fwsweep::ssh::session::{SessionFailure, collect};
use fwsweep::ssh::simulated::SimulatedCli;

const PASSWORD: &str = "sim-pass-4711";

const SWITCH_CLI: &str = "\
# prompt: lab-sw1#
# banner: Authorized access only. Press any key to continue
# paging_off: terminal length 0
# page_lines: 2
### show version
Cisco IOS Software, C2960X Software, Version 15.2(7)E3, RELEASE SOFTWARE (fc3)
ROM: Bootstrap program is C2960X boot loader
Model number                    : WS-C2960X-48FPD-L
System serial number            : FOC1234X0AB
### show inventory
NAME: \"1\", DESCR: \"WS-C2960X-48FPD-L\"
PID: WS-C2960X-48FPD-L  , VID: V05  , SN: FOC1234X0AB
";

const VERSION_OUTPUT: &str = "\
Cisco IOS Software, C2960X Software, Version 15.2(7)E3, RELEASE SOFTWARE (fc3)
ROM: Bootstrap program is C2960X boot loader
Model number                    : WS-C2960X-48FPD-L
System serial number            : FOC1234X0AB
";

/// A simulated SSH device on a loopback address of its own.
struct Device {
    address: SocketAddr,
    host_key: HostKey,
    _tasks: tokio::task::JoinSet<()>,
}

async fn start(address: &str, cli: &str, latency: Duration) -> Device {
    let device = Arc::new(SimulatedCli::parse("lab-sw1.cli", cli).expect("valid .cli text"));
    let host_key = HostKey::generate();
    let options = ServerOptions { user: "netops".into(), password: Secret::new(PASSWORD.into()), latency };
    let mut tasks = tokio::task::JoinSet::new();
    let listen: SocketAddr = format!("{address}:0").parse().unwrap();
    // A listener on port 0 picks a free port, which the server then binds.
    let probe = std::net::TcpListener::bind(listen).expect("loopback address is free");
    let address = probe.local_addr().unwrap();
    drop(probe);
    serve(&mut tasks, address, device, &host_key, options).await.expect("simulated device listens");
    Device { address, host_key, _tasks: tasks }
}

fn login(password: &str) -> Login {
    Login {
        user: "netops".into(),
        method: LoginMethod::Password(Secret::new(password.into())),
        enable_secret: None,
        legacy_algorithms: false,
    }
}

fn known_hosts_with(dir: &Path, device: &Device) -> Arc<KnownHosts> {
    let path = dir.join("known_hosts");
    std::fs::write(&path, format!("{}\n", device.host_key.known_hosts_line(device.address))).unwrap();
    Arc::new(KnownHosts::new(path, false))
}

fn profile_text() -> String {
    common::ssh_switch_profile("test-cli-switch", "^Test CLI switch")
}

fn profile_set() -> ProfileSet {
    let profile = load_text(Path::new("test-cli-switch.toml"), &profile_text()).expect("test profile loads");
    ProfileSet { profiles: vec![profile] }
}

const TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(5), command: Duration::from_secs(5) };

#[tokio::test]
async fn shell_session_with_profile_yields_clean_outputs() {
    let device = start("127.82.1.1", SWITCH_CLI, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let known = known_hosts_with(dir.path(), &device);
    let profiles = profile_set();
    let login = login(PASSWORD);

    let started = Instant::now();
    let connection = connect(device.address, &login, known, TIMEOUTS).await.expect("login works");
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, TIMEOUTS.command).await;
    let elapsed = started.elapsed();

    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.profile.as_deref(), Some("test-cli-switch"));
    assert_eq!(outcome.transcript.outputs.len(), 2);
    assert_eq!(outcome.transcript.output("show version"), Some(VERSION_OUTPUT));
    assert_eq!(
        outcome.transcript.output("show inventory"),
        Some("NAME: \"1\", DESCR: \"WS-C2960X-48FPD-L\"\nPID: WS-C2960X-48FPD-L  , VID: V05  , SN: FOC1234X0AB\n")
    );
    assert!(elapsed < Duration::from_secs(2), "session took {elapsed:?}");
}

#[tokio::test]
async fn probe_session_answers_pagers_without_paging_off() {
    let device = start("127.82.1.2", SWITCH_CLI, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let known = known_hosts_with(dir.path(), &device);
    let profiles = profile_set();
    let login = login(PASSWORD);

    let connection = connect(device.address, &login, known, TIMEOUTS).await.expect("login works");
    let outcome = collect(&connection, &profiles, None, &login, TIMEOUTS.command).await;

    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    // The probe runs before the platform and its paging command are known,
    // so the simulated pager prompts appear and are answered.
    assert_eq!(outcome.transcript.output("show version"), Some(VERSION_OUTPUT));
}

#[tokio::test]
async fn exec_session_runs_each_command() {
    let device = start("127.82.1.3", SWITCH_CLI, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let known = known_hosts_with(dir.path(), &device);
    let text = profile_text().replace("mode = \"shell\"", "mode = \"exec\"");
    let profiles = ProfileSet { profiles: vec![load_text(Path::new("exec.toml"), &text).unwrap()] };
    let login = login(PASSWORD);

    let connection = connect(device.address, &login, known, TIMEOUTS).await.expect("login works");
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, TIMEOUTS.command).await;

    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.transcript.output("show version"), Some(VERSION_OUTPUT));
    assert_eq!(outcome.transcript.outputs.len(), 2);
}

#[tokio::test]
async fn wrong_password_is_auth_failed_without_secret() {
    let device = start("127.82.1.4", SWITCH_CLI, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let known = known_hosts_with(dir.path(), &device);

    let error = connect(device.address, &login("wrong-secret-93"), known, TIMEOUTS).await.err().expect("login fails");

    assert!(matches!(error, ConnectError::AuthFailed { .. }), "{error}");
    assert!(!error.to_string().contains("wrong-secret-93"), "{error}");
    assert!(!format!("{error:?}").contains("wrong-secret-93"), "{error:?}");
}

#[tokio::test]
async fn unknown_host_key_is_rejected_with_fingerprint() {
    let device = start("127.82.1.5", SWITCH_CLI, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    let known = Arc::new(KnownHosts::new(path.clone(), false));

    let error = connect(device.address, &login(PASSWORD), known, TIMEOUTS).await.err().expect("key is rejected");

    let message = error.to_string();
    assert!(matches!(error, ConnectError::HostKeyUnknown { .. }), "{message}");
    assert!(message.contains(&device.host_key.fingerprint), "{message}");
    assert!(message.contains("--trust-new-host-keys"), "{message}");
    assert!(!path.exists(), "the file must stay untouched");
}

#[tokio::test]
async fn trusted_new_host_key_is_recorded() {
    let device = start("127.82.1.6", SWITCH_CLI, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    let known = Arc::new(KnownHosts::new(path.clone(), true));

    connect(device.address, &login(PASSWORD), known, TIMEOUTS).await.expect("new key is trusted");

    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written.trim_end(), device.host_key.known_hosts_line(device.address));
}

#[tokio::test]
async fn changed_host_key_names_target_and_line() {
    let device = start("127.82.1.7", SWITCH_CLI, Duration::ZERO).await;
    let other = HostKey::generate();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    std::fs::write(&path, format!("# fleet keys\n{}\n", other.known_hosts_line(device.address))).unwrap();
    let known = Arc::new(KnownHosts::new(path, true));

    let error = connect(device.address, &login(PASSWORD), known, TIMEOUTS).await.err().expect("changed key is rejected");

    let message = error.to_string();
    assert!(matches!(error, ConnectError::HostKeyChanged { line: 2, .. }), "{message}");
    assert!(message.contains("127.82.1.7"), "{message}");
}

#[tokio::test]
async fn slow_device_times_out_within_bound() {
    // The device takes longer than the command timeout for every command
    // after login, so the first command stalls.
    let device = start("127.82.1.8", SWITCH_CLI, Duration::from_millis(1500)).await;
    let dir = tempfile::tempdir().unwrap();
    let known = known_hosts_with(dir.path(), &device);
    let profiles = profile_set();
    let login = login(PASSWORD);
    let timeouts = Timeouts { connect: Duration::from_secs(5), command: Duration::from_millis(500) };

    let started = Instant::now();
    let connection = connect(device.address, &login, known, timeouts).await.expect("login works");
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, timeouts.command).await;

    let failure = outcome.failure.expect("the command stalls");
    assert!(matches!(&failure, SessionFailure::CommandTimeout { command, .. } if command == "terminal length 0"), "{failure}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn refused_port_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let known = Arc::new(KnownHosts::new(dir.path().join("known_hosts"), false));
    let listener = std::net::TcpListener::bind("127.82.1.9:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);

    let error = connect(address, &login(PASSWORD), known, TIMEOUTS).await.err().expect("nothing listens");

    assert!(matches!(error, ConnectError::Refused { .. }), "{error}");
}
