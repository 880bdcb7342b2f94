//! The SSH collector against real OpenSSH `sshd` instances that each test
//! starts on its own loopback address, with host keys generated for the
//! run and a ForceCommand script (tests/ssh/fake-cli.sh) that plays a
//! device's CLI. Password logins use the local user `fwsweep-test`, whose
//! password `.ci/run` sets and exports as FWSWEEP_TEST_SSH_PASSWORD.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fwsweep::credentials::Secret;
use fwsweep::profiles::{ProfileSet, load_text};
use fwsweep::ssh::client::{ConnectError, Login, LoginMethod, Timeouts, connect};
use fwsweep::ssh::known_hosts::KnownHosts;
use fwsweep::ssh::session::{SessionFailure, collect};

const USER: &str = "fwsweep-test";
const SSHD: &str = "/usr/sbin/sshd";
const PROMPT: &str = "lab-sw2#";

const VERSION: &str = "\
Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E3, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
ROM: Bootstrap program is C2960X boot loader
lab-sw2 uptime is 3 weeks, 2 days, 4 hours
System image file is \"flash:c2960x-universalk9-mz.152-7.E3.bin\"
Model number                    : WS-C2960X-48FPD-L
System serial number            : FOC1234X0AB
";

const INVENTORY: &str = "\
NAME: \"1\", DESCR: \"WS-C2960X-48FPD-L\"
PID: WS-C2960X-48FPD-L  , VID: V05  , SN: FOC1234X0AB
";

/// Which algorithms and authentication methods an instance offers.
#[derive(Clone, Copy, PartialEq)]
enum Flavour {
    Modern,
    /// Restricted to what old devices offer: group14-sha1, ssh-rsa, CBC, hmac-sha1.
    Legacy,
    /// Modern, with keyboard-interactive but not password authentication.
    KeyboardOnly,
}

/// A running sshd, stopped when dropped.
struct Sshd {
    child: Child,
    dir: tempfile::TempDir,
    address: SocketAddr,
}

impl Sshd {
    /// Starts an instance on `ip`, or returns `None` when a requirement is
    /// missing (which fails the test in CI).
    fn start(ip: &str, flavour: Flavour, page_lines: usize, stall: Option<&str>) -> Option<Sshd> {
        Sshd::start_with_enable(ip, flavour, page_lines, stall, None)
    }

    /// Starts an instance whose CLI starts unprivileged and needs
    /// `enable_secret` for privileged mode, when one is given.
    fn start_with_enable(
        ip: &str,
        flavour: Flavour,
        page_lines: usize,
        stall: Option<&str>,
        enable_secret: Option<&str>,
    ) -> Option<Sshd> {
        if !requirements_met() {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir_all("/run/sshd").expect("sshd privilege-separation folder");
        keygen(root, "host_ed25519", "ed25519", &[]);
        if flavour == Flavour::Legacy {
            keygen(root, "host_rsa", "rsa", &["-b", "2048"]);
        }
        std::fs::write(root.join("authorized_keys"), "").unwrap();
        std::fs::set_permissions(root.join("authorized_keys"), std::fs::Permissions::from_mode(0o644)).unwrap();
        write_device(root, page_lines, stall, enable_secret);

        let script = root.join("fake-cli.sh");
        std::fs::copy(common::repository().join("tests/ssh/fake-cli.sh"), &script).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

        let port = free_port(ip);
        let address: SocketAddr = format!("{ip}:{port}").parse().unwrap();
        let config = root.join("sshd_config");
        std::fs::write(&config, sshd_config(root, address, flavour)).unwrap();
        let log = std::fs::File::create(root.join("sshd.log")).unwrap();
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("sshd starts");
        let sshd = Sshd { child, dir, address };
        sshd.wait_until_listening();
        Some(sshd)
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&self.address, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "sshd did not listen on {}: {}", self.address, self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Generates a client key pair (`-m PEM` for RSA, as older tools write
    /// it), authorizes it for the test user and returns the private key path.
    fn add_client_key(&self, name: &str, kind: &str) -> PathBuf {
        let extra: &[&str] = if kind == "rsa" { &["-b", "2048", "-m", "PEM"] } else { &[] };
        keygen(self.dir.path(), name, kind, extra);
        let public = std::fs::read_to_string(self.path(&format!("{name}.pub"))).unwrap();
        let mut authorized = std::fs::read_to_string(self.path("authorized_keys")).unwrap();
        authorized.push_str(&public);
        std::fs::write(self.path("authorized_keys"), authorized).unwrap();
        self.path(name)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a known_hosts file with this instance's host key of `kind`
    /// (`ed25519` or `rsa`) and returns its path.
    fn known_hosts(&self, kind: &str) -> PathBuf {
        let public = std::fs::read_to_string(self.path(&format!("host_{kind}.pub"))).unwrap();
        let key: Vec<&str> = public.split_whitespace().take(2).collect();
        let line = format!("[{}]:{} {}\n", self.address.ip(), self.address.port(), key.join(" "));
        let path = self.path(&format!("known_hosts_{kind}"));
        std::fs::write(&path, line).unwrap();
        path
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns whether sshd, ssh-keygen, the test user and its password are
/// present; skips (or fails in CI) with the reason when they are not.
fn requirements_met() -> bool {
    let user_exists = Command::new("id").arg(USER).output().is_ok_and(|o| o.status.success());
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    common::need(root, "root, which sshd needs for privilege separation")
        && common::need(Path::new(SSHD).exists(), "OpenSSH sshd (apt package openssh-server)")
        && common::need(common::command_exists("ssh-keygen"), "ssh-keygen (apt package openssh-client)")
        && common::need(user_exists, "the local user fwsweep-test")
        && common::need(password().is_some(), "FWSWEEP_TEST_SSH_PASSWORD (the password of fwsweep-test)")
}

fn password() -> Option<String> {
    std::env::var("FWSWEEP_TEST_SSH_PASSWORD").ok().filter(|p| !p.is_empty())
}

fn keygen(dir: &Path, name: &str, kind: &str, extra: &[&str]) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-f"])
        .arg(dir.join(name))
        .args(extra)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen -t {kind} failed");
}

fn free_port(ip: &str) -> u16 {
    let listener = std::net::TcpListener::bind(format!("{ip}:0")).expect("loopback address is free");
    listener.local_addr().unwrap().port()
}

fn write_device(root: &Path, page_lines: usize, stall: Option<&str>, enable_secret: Option<&str>) {
    let device = root.join("device");
    std::fs::create_dir_all(device.join("outputs")).unwrap();
    std::fs::write(device.join("prompt"), PROMPT).unwrap();
    std::fs::write(device.join("page_lines"), page_lines.to_string()).unwrap();
    if let Some(command) = stall {
        std::fs::write(device.join("stall"), command).unwrap();
    }
    if let Some(secret) = enable_secret {
        std::fs::write(device.join("enable_secret"), secret).unwrap();
    }
    std::fs::write(device.join("outputs/show_version.txt"), VERSION).unwrap();
    std::fs::write(device.join("outputs/show_inventory.txt"), INVENTORY).unwrap();
    // The ForceCommand script runs as the test user, which must read these.
    make_readable(&device);
}

/// Makes a folder tree readable by every user: 755 for folders, 644 for files.
fn make_readable(path: &Path) {
    let mode = if path.is_dir() { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap().flatten() {
            make_readable(&entry.path());
        }
    }
}

fn sshd_config(root: &Path, address: SocketAddr, flavour: Flavour) -> String {
    let root = root.display();
    let mut config = format!(
        "Port {port}\nListenAddress {ip}\nPidFile {root}/sshd.pid\nAuthorizedKeysFile {root}/authorized_keys\n\
         StrictModes no\nUsePAM yes\nAllowUsers {USER}\nForceCommand {root}/fake-cli.sh {root}/device\n\
         PrintMotd no\nPrintLastLog no\nMaxStartups 100\n",
        port = address.port(),
        ip = address.ip(),
    );
    match flavour {
        Flavour::Modern | Flavour::Legacy => {
            config.push_str("PasswordAuthentication yes\nKbdInteractiveAuthentication no\n");
        }
        Flavour::KeyboardOnly => config.push_str("PasswordAuthentication no\nKbdInteractiveAuthentication yes\n"),
    }
    if flavour == Flavour::Legacy {
        config.push_str(&format!(
            "HostKey {root}/host_rsa\nKexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group1-sha1\n\
             HostKeyAlgorithms ssh-rsa\nCiphers aes128-cbc,3des-cbc,aes256-cbc\nMACs hmac-sha1\n\
             PubkeyAcceptedAlgorithms +ssh-rsa\n"
        ));
    } else {
        config.push_str(&format!("HostKey {root}/host_ed25519\n"));
    }
    config
}

fn password_login(password: &str, legacy: bool) -> Login {
    Login {
        user: USER.into(),
        method: LoginMethod::Password(Secret::new(password.into())),
        enable_secret: None,
        legacy_algorithms: legacy,
    }
}

fn profile_text() -> String {
    common::ssh_switch_profile("test-sshd-switch", "^Test sshd switch")
}

fn profiles(mode: &str) -> ProfileSet {
    let text = profile_text().replace("mode = \"shell\"", &format!("mode = \"{mode}\""));
    ProfileSet { profiles: vec![load_text(Path::new("test-sshd-switch.toml"), &text).expect("test profile loads")] }
}

const TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(10), command: Duration::from_secs(10) };

#[tokio::test]
async fn exec_mode_returns_recorded_outputs() {
    let Some(sshd) = Sshd::start("127.82.2.1", Flavour::Modern, 0, None) else { return };
    let known = Arc::new(KnownHosts::new(sshd.known_hosts("ed25519"), false));
    let profiles = profiles("exec");
    let login = password_login(&password().unwrap(), false);

    let connection = connect(sshd.address, &login, known, TIMEOUTS).await.unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, TIMEOUTS.command).await;

    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.transcript.output("show version"), Some(VERSION));
    assert_eq!(outcome.transcript.output("show inventory"), Some(INVENTORY));
}

#[tokio::test]
async fn shell_mode_answers_pagers_and_strips_noise() {
    let Some(sshd) = Sshd::start("127.82.2.2", Flavour::Modern, 3, None) else { return };
    let known = Arc::new(KnownHosts::new(sshd.known_hosts("ed25519"), false));
    let profiles = profiles("shell");
    let login = password_login(&password().unwrap(), false);

    // Without a known platform no paging command is sent, so the device
    // pages with --More-- and the session continues each page.
    let connection = connect(sshd.address, &login, known, TIMEOUTS).await.unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    let outcome = collect(&connection, &profiles, None, &login, TIMEOUTS.command).await;

    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.transcript.output("show version"), Some(VERSION));
}

#[tokio::test]
async fn shell_mode_with_profile_turns_paging_off() {
    let Some(sshd) = Sshd::start("127.82.2.3", Flavour::Modern, 2, None) else { return };
    let known = Arc::new(KnownHosts::new(sshd.known_hosts("ed25519"), false));
    let profiles = profiles("shell");
    let login = password_login(&password().unwrap(), false);

    let started = Instant::now();
    let connection = connect(sshd.address, &login, known, TIMEOUTS).await.unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, TIMEOUTS.command).await;

    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    let commands: Vec<&str> = outcome.transcript.outputs.iter().map(|o| o.command.as_str()).collect();
    assert_eq!(commands, ["show version", "show inventory"]);
    assert_eq!(outcome.transcript.output("show version"), Some(VERSION));
    assert_eq!(outcome.transcript.output("show inventory"), Some(INVENTORY));
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn stalled_device_times_out_and_keeps_partial_output() {
    let Some(sshd) = Sshd::start("127.82.2.4", Flavour::Modern, 0, Some("show inventory")) else { return };
    let known = Arc::new(KnownHosts::new(sshd.known_hosts("ed25519"), false));
    let profiles = profiles("shell");
    let login = password_login(&password().unwrap(), false);
    let timeouts = Timeouts { connect: Duration::from_secs(10), command: Duration::from_secs(1) };

    let started = Instant::now();
    let connection = connect(sshd.address, &login, known, timeouts).await.unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, timeouts.command).await;

    let failure = outcome.failure.expect("the stalled command fails");
    assert!(matches!(&failure, SessionFailure::CommandTimeout { command, .. } if command == "show inventory"), "{failure}");
    assert_eq!(outcome.transcript.output("show version"), Some(VERSION));
    assert_eq!(outcome.transcript.output("show inventory"), Some(INVENTORY));
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn enable_secret_reaches_privileged_mode() {
    let secret = "enable-secret-3307";
    let Some(sshd) = Sshd::start_with_enable("127.82.2.13", Flavour::Modern, 0, None, Some(secret)) else { return };
    let known = Arc::new(KnownHosts::new(sshd.known_hosts("ed25519"), false));
    let text = profile_text()
        .replace("commands = [\"show version\", \"show inventory\"]", "commands = [\"show privilege\"]\nenable = { command = \"enable\" }");
    let profiles = ProfileSet { profiles: vec![load_text(Path::new("enable.toml"), &text).expect("test profile loads")] };
    let mut login = password_login(&password().unwrap(), false);
    login.enable_secret = Some(Secret::new(secret.into()));

    let connection = connect(sshd.address, &login, known, TIMEOUTS).await.unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, TIMEOUTS.command).await;

    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.transcript.output("show privilege"), Some("Current privilege level is 15\n"));
    assert_eq!(outcome.transcript.outputs.len(), 1);
    assert!(!format!("{:?}", outcome.transcript).contains(secret));
}

#[tokio::test]
async fn missing_enable_secret_is_noted() {
    let Some(sshd) = Sshd::start_with_enable("127.82.2.14", Flavour::Modern, 0, None, Some("unused-secret")) else { return };
    let known = Arc::new(KnownHosts::new(sshd.known_hosts("ed25519"), false));
    let text = profile_text()
        .replace("commands = [\"show version\", \"show inventory\"]", "commands = [\"show privilege\"]\nenable = { command = \"enable\" }");
    let profiles = ProfileSet { profiles: vec![load_text(Path::new("enable.toml"), &text).expect("test profile loads")] };
    let login = password_login(&password().unwrap(), false);

    let connection = connect(sshd.address, &login, known, TIMEOUTS).await.unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, TIMEOUTS.command).await;

    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.transcript.output("show privilege"), Some("Current privilege level is 1\n"));
    assert_eq!(outcome.notes, ["privileged mode skipped: the credential set has no enable_secret"]);
}

#[tokio::test]
async fn public_keys_authenticate() {
    let Some(sshd) = Sshd::start("127.82.2.5", Flavour::Modern, 0, None) else { return };
    for (key, kind) in [("client_ed25519", "ed25519"), ("client_rsa", "rsa")] {
        let path = sshd.add_client_key(key, kind);
        let known = Arc::new(KnownHosts::new(sshd.known_hosts("ed25519"), false));
        let login = Login {
            user: USER.into(),
            method: LoginMethod::PrivateKey { path, passphrase: None },
            enable_secret: None,
            legacy_algorithms: false,
        };
        let result = connect(sshd.address, &login, known, TIMEOUTS).await;
        assert!(result.is_ok(), "{key}: {:?}: {}", result.err(), sshd.log());
    }
}

#[tokio::test]
async fn keyboard_interactive_answers_with_the_password() {
    let Some(sshd) = Sshd::start("127.82.2.6", Flavour::KeyboardOnly, 0, None) else { return };
    let known = Arc::new(KnownHosts::new(sshd.known_hosts("ed25519"), false));

    let result = connect(sshd.address, &password_login(&password().unwrap(), false), known, TIMEOUTS).await;

    assert!(result.is_ok(), "{:?}: {}", result.err(), sshd.log());
}

#[tokio::test]
async fn legacy_sshd_needs_the_legacy_set() {
    let Some(sshd) = Sshd::start("127.82.2.7", Flavour::Legacy, 0, None) else { return };
    let known = Arc::new(KnownHosts::new(sshd.known_hosts("rsa"), false));
    let password = password().unwrap();

    let modern = connect(sshd.address, &password_login(&password, false), known.clone(), TIMEOUTS).await;
    let error = modern.err().expect("the modern set finds no common algorithm");
    assert!(matches!(error, ConnectError::NoCommonAlgorithm(_)), "{error}");
    assert!(error.to_string().contains("legacy_algorithms = true"), "{error}");

    let profiles = profiles("exec");
    let login = password_login(&password, true);
    let connection = connect(sshd.address, &login, known, TIMEOUTS).await.unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    let negotiated = connection.negotiated.clone().expect("names are recorded");
    assert_eq!(negotiated.kex, "diffie-hellman-group14-sha1");
    assert_eq!(negotiated.host_key, "ssh-rsa");
    assert_eq!(negotiated.cipher, "aes128-cbc");
    assert_eq!(negotiated.mac, "hmac-sha1");
    assert_eq!(negotiated.legacy().len(), 4);
    let outcome = collect(&connection, &profiles, Some(&profiles.profiles[0]), &login, TIMEOUTS.command).await;
    assert_eq!(outcome.transcript.output("show version"), Some(VERSION));
}

/// Writes a credentials file with one SSH set for tenant `default` and
/// returns its path. The password is read from FWSWEEP_SSH_SCAN_PASSWORD.
fn credentials_file(dir: &Path, legacy: bool) -> PathBuf {
    let path = dir.join("credentials.toml");
    let text = format!(
        "[[ssh]]\nname = \"lab-cli\"\ntenants = [\"default\"]\nuser = \"{USER}\"\npassword = \"env:FWSWEEP_SSH_SCAN_PASSWORD\"\nlegacy_algorithms = {legacy}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Scans the instance over SSH only with the fwsweep binary and returns
/// the device row and the combined output text.
fn scan(sshd: &Sshd, password: &str, known_hosts: &Path, legacy: bool, extra: &[&str]) -> (serde_json::Value, String) {
    let credentials = credentials_file(sshd.dir.path(), legacy);
    let port = sshd.address.port().to_string();
    let ip = sshd.address.ip().to_string();
    let mut args = vec![
        "scan", &ip, "--protocols", "ssh", "--ssh-port", &port, "--format", "json",
        "--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = Command::new(common::binary())
        .args(&args)
        .env("FWSWEEP_SSH_SCAN_PASSWORD", password)
        .output()
        .expect("fwsweep runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let document = common::json_of(&output);
    (document["devices"][0].clone(), text)
}

#[test]
fn scan_with_wrong_password_is_auth_failed() {
    let Some(sshd) = Sshd::start("127.82.2.8", Flavour::Modern, 0, None) else { return };
    let wrong = "not-the-password-5521";

    let (device, text) = scan(&sshd, wrong, &sshd.known_hosts("ed25519"), false, &["-vv"]);

    assert_eq!(device["status"], "auth-failed", "{device}");
    assert_eq!(device["credential"], serde_json::Value::Null, "{device}");
    assert!(device["reason"].as_str().unwrap().contains("lab-cli"), "{device}");
    assert!(!text.contains(wrong), "the password appears in the output");
}

#[test]
fn scan_rejects_unknown_then_records_trusted_key() {
    let Some(sshd) = Sshd::start("127.82.2.9", Flavour::Modern, 0, None) else { return };
    let known_hosts = sshd.path("empty_known_hosts");
    let password = password().unwrap();

    let (device, text) = scan(&sshd, &password, &known_hosts, false, &[]);
    assert_eq!(device["status"], "host-key-rejected", "{device}");
    let reason = device["reason"].as_str().unwrap();
    assert!(reason.contains("unknown host key (ssh-ed25519 SHA256:"), "{reason}");
    assert!(reason.contains("--trust-new-host-keys"), "{reason}");
    assert!(!known_hosts.exists(), "an untrusted key must not be recorded");
    assert!(!text.contains(&password), "the password appears in the output");

    let (device, _) = scan(&sshd, &password, &known_hosts, false, &["--trust-new-host-keys"]);
    assert!(["ok", "unidentified"].contains(&device["status"].as_str().unwrap()), "{device}");
    assert_eq!(device["protocols"], serde_json::json!(["ssh"]), "{device}");
    let recorded = std::fs::read_to_string(&known_hosts).unwrap();
    assert!(recorded.starts_with(&format!("[{}]:{} ssh-ed25519 ", sshd.address.ip(), sshd.address.port())), "{recorded}");
}

#[test]
fn scan_reports_changed_host_key_with_line() {
    let Some(sshd) = Sshd::start("127.82.2.10", Flavour::Modern, 0, None) else { return };
    // A known_hosts file that records another ed25519 key on line 2.
    let other = tempfile::tempdir().unwrap();
    keygen(other.path(), "old_host", "ed25519", &[]);
    let public = std::fs::read_to_string(other.path().join("old_host.pub")).unwrap();
    let key: Vec<&str> = public.split_whitespace().take(2).collect();
    let known_hosts = sshd.path("changed_known_hosts");
    let line = format!("# replaced switch\n[{}]:{} {}\n", sshd.address.ip(), sshd.address.port(), key.join(" "));
    std::fs::write(&known_hosts, line).unwrap();

    let (device, _) = scan(&sshd, &password().unwrap(), &known_hosts, false, &["--trust-new-host-keys"]);

    assert_eq!(device["status"], "host-key-rejected", "{device}");
    let reason = device["reason"].as_str().unwrap();
    assert!(reason.contains(&format!("host key of {} changed", sshd.address.ip())), "{reason}");
    assert!(reason.contains("line 2"), "{reason}");
}

#[test]
fn scan_of_stalled_device_keeps_its_row() {
    let Some(sshd) = Sshd::start("127.82.2.11", Flavour::Modern, 0, Some("show version")) else { return };

    let started = Instant::now();
    let (device, _) = scan(&sshd, &password().unwrap(), &sshd.known_hosts("ed25519"), false, &["--ssh-command-timeout", "1s"]);

    assert!(["timeout", "partial"].contains(&device["status"].as_str().unwrap()), "{device}");
    let reason = device["reason"].as_str().unwrap();
    assert!(reason.contains("\"show version\" timed out"), "{reason}");
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
}

#[test]
fn scan_of_legacy_sshd_records_legacy_algorithms() {
    let Some(sshd) = Sshd::start("127.82.2.12", Flavour::Legacy, 0, None) else { return };
    let known_hosts = sshd.known_hosts("rsa");
    let password = password().unwrap();

    let (device, _) = scan(&sshd, &password, &known_hosts, false, &[]);
    assert_eq!(device["status"], "not-scanned", "{device}");
    assert!(device["reason"].as_str().unwrap().contains("legacy_algorithms = true"), "{device}");

    let (device, _) = scan(&sshd, &password, &known_hosts, true, &[]);
    assert_eq!(device["protocols"], serde_json::json!(["ssh"]), "{device}");
    assert_eq!(device["ssh"]["kex"], "diffie-hellman-group14-sha1", "{device}");
    assert_eq!(
        device["ssh"]["legacy"],
        serde_json::json!(["diffie-hellman-group14-sha1", "ssh-rsa", "aes128-cbc", "hmac-sha1"]),
        "{device}"
    );
}

#[tokio::test]
async fn hashed_known_hosts_entry_is_trusted() {
    let Some(sshd) = Sshd::start("127.82.2.15", Flavour::Modern, 0, None) else { return };
    let path = sshd.known_hosts("ed25519");
    // ssh-keygen -H replaces host names by salted hashes (`|1|salt|hash`).
    let status = Command::new("ssh-keygen").args(["-q", "-H", "-f"]).arg(&path).status().expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen -H failed");
    let hashed = std::fs::read_to_string(&path).unwrap();
    assert!(hashed.starts_with("|1|"), "{hashed}");
    let known = Arc::new(KnownHosts::new(path, false));

    let result = connect(sshd.address, &password_login(&password().unwrap(), false), known, TIMEOUTS).await;

    assert!(result.is_ok(), "{:?}: {}", result.err(), sshd.log());
}

#[test]
fn scan_with_private_key_set_logs_in() {
    let Some(sshd) = Sshd::start("127.82.2.16", Flavour::Modern, 0, None) else { return };
    sshd.add_client_key("scan_key", "ed25519");
    let credentials = sshd.path("key_credentials.toml");
    // The key path is relative to the credentials file.
    let text = format!("[[ssh]]\nname = \"lab-key\"\ntenants = [\"default\"]\nuser = \"{USER}\"\nprivate_key = \"scan_key\"\n");
    std::fs::write(&credentials, text).unwrap();
    std::fs::set_permissions(sshd.path("scan_key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let port = sshd.address.port().to_string();
    let ip = sshd.address.ip().to_string();
    let known_hosts = sshd.known_hosts("ed25519");

    let output = Command::new(common::binary())
        .args(["scan", &ip, "--protocols", "ssh", "--ssh-port", &port, "--format", "json"])
        .args(["--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap()])
        .output()
        .expect("fwsweep runs");

    let device = common::json_of(&output)["devices"][0].clone();
    assert_eq!(device["credential"], "lab-key", "{device}");
    assert_eq!(device["protocols"], serde_json::json!(["ssh"]), "{device}");
}

#[test]
fn record_enters_privileged_mode_without_writing_secrets() {
    let secret = "enable-secret-6614";
    let Some(sshd) = Sshd::start_with_enable("127.89.20.1", Flavour::Modern, 0, None, Some(secret)) else { return };
    sshd.add_client_key("record_key", "ed25519");
    std::fs::set_permissions(sshd.path("record_key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    // A key login, so the secret on trial is the enable secret. The key
    // path is relative to the credentials file.
    let credentials = sshd.path("record_credentials.toml");
    let text = format!(
        "[[ssh]]\nname = \"lab-key\"\ntenants = [\"default\"]\nuser = \"{USER}\"\nprivate_key = \"record_key\"\n\
         enable_secret = \"env:FWSWEEP_RECORD_ENABLE\"\n"
    );
    std::fs::write(&credentials, text).unwrap();
    // Above the built-in IOS profiles, so this profile's privileged commands run.
    let profile = profile_text()
        .replace("class = \"switch\"", "class = \"switch\"\npriority = 200")
        .replace("commands = [\"show version\", \"show inventory\"]", "commands = [\"show version\", \"show privilege\"]\nenable = { command = \"enable\" }");
    let profiles = tempfile::tempdir().unwrap();
    std::fs::write(profiles.path().join("test-sshd-switch.toml"), profile).unwrap();
    let transcript = sshd.path("recorded.cli");
    let port = sshd.address.port().to_string();
    let ip = sshd.address.ip().to_string();
    let known_hosts = sshd.known_hosts("ed25519");

    let output = Command::new(common::binary())
        .args(["-vv", "record", &ip, "--ssh", "--ssh-port", &port, "--profiles", profiles.path().to_str().unwrap()])
        .args(["--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap()])
        .args(["--output", transcript.to_str().unwrap()])
        .env("FWSWEEP_RECORD_ENABLE", secret)
        .output()
        .expect("fwsweep runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}\n{}", sshd.log());
    let text = std::fs::read_to_string(&transcript).unwrap();
    assert!(text.contains("### show privilege\nCurrent privilege level is 15\n"), "privileged mode was entered:\n{text}");
    assert!(!text.contains(secret), "the enable secret is in the transcript");
    assert!(!stderr.contains(secret), "the enable secret is on stderr");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(secret), "the enable secret is on stdout");
    for noise in ["lab-sw2>", "lab-sw2#", "Password:", "### enable", "terminal length 0"] {
        assert!(!text.contains(noise), "{noise:?} is in the transcript:\n{text}");
    }
}
