//! `fwsweep record --ssh` against fwsweep's own simulated SSH devices: the
//! transcript identifies as a scan of the device does, holds only commands
//! and outputs, never a secret, and `--command` sends only read-only commands.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Simulation, json_of, recordings_dir, repository};

const PASSWORD: &str = "rec-ssh-secret-5521";
const ENABLE_SECRET: &str = "rec-enable-secret-7730";

/// SNMP port the simulator is given. It stays unused, because no SNMP
/// recording is served here.
const SIMULATOR_PORT: u16 = 11710;
const SSH_PORT: &str = "12122";

/// The Catalyst fixture, served with a prompt, a pager and a paging-off
/// command, so the session has prompt lines and paging to leave out.
fn switch_cli() -> String {
    let fixture = std::fs::read_to_string(repository().join("fixtures/ssh/cisco-ios-switch.cli")).expect("fixture exists");
    format!("# prompt: acc-sw-07#\n# paging_off: terminal length 0\n# page_lines: 5\n{fixture}")
}

/// A simulated device and the folder holding its known_hosts and credentials files.
struct Lab {
    _simulation: Simulation,
    work: tempfile::TempDir,
    address: String,
}

impl Lab {
    fn start(address: &str, name: &str, cli: &str) -> Lab {
        let work = tempfile::tempdir().unwrap();
        let known_hosts = work.path().join("known_hosts");
        let served = recordings_dir(&[(name, cli)]);
        let simulation = Simulation::start_with_env(
            served.path(),
            address,
            SIMULATOR_PORT,
            &["--ssh-port", SSH_PORT, "--ssh-password-env", "SIM_SSH_PASSWORD", "--ssh-known-hosts", known_hosts.to_str().unwrap()],
            &[("SIM_SSH_PASSWORD", PASSWORD)],
        );
        let credentials = "[[ssh]]\nname = \"lab-cli\"\ntenants = [\"acme\"]\nuser = \"admin\"\n\
                           password = \"env:REC_SSH_PASSWORD\"\nenable_secret = \"env:REC_ENABLE_SECRET\"\n";
        std::fs::write(work.path().join("credentials.toml"), credentials).unwrap();
        let address = simulation.address_of(name).to_string();
        Lab { _simulation: simulation, work, address }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.work.path().join(name)
    }

    /// Runs fwsweep with the lab's credentials and secrets in its environment.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(common::binary())
            .args(args)
            .env("REC_SSH_PASSWORD", PASSWORD)
            .env("REC_ENABLE_SECRET", ENABLE_SECRET)
            .output()
            .expect("fwsweep runs")
    }

    /// Runs `record --ssh` into `file` with extra arguments.
    fn record(&self, file: &str, extra: &[&str]) -> Output {
        let output = self.path(file);
        let credentials = self.path("credentials.toml");
        let known_hosts = self.path("known_hosts");
        let mut args = vec![
            "-vv", "record", self.address.as_str(), "--ssh", "--tenant", "acme", "--ssh-port", SSH_PORT,
            "--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap(),
            "--output", output.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn scan(&self) -> serde_json::Value {
        let credentials = self.path("credentials.toml");
        let known_hosts = self.path("known_hosts");
        let output = self.run(&[
            "scan", &self.address, "--protocols", "ssh", "--tenant", "acme", "--ssh-port", SSH_PORT, "--format", "json",
            "--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap(),
        ]);
        json_of(&output)["devices"][0].clone()
    }
}

fn identify(path: &Path) -> serde_json::Value {
    json_of(&common::fwsweep(&["identify", "--format", "json", path.to_str().unwrap()]))["devices"][0].clone()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn recorded_transcript_identifies_like_scan() {
    let lab = Lab::start("127.89.1.1", "acc-sw-07.cli", &switch_cli());

    let run = lab.record("recorded.cli", &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));

    let recorded = identify(&lab.path("recorded.cli"));
    let scanned = lab.scan();
    assert_eq!(scanned["status"], "ok", "{scanned}");
    for field in ["status", "profile", "version", "model", "serial", "hostname"] {
        assert_eq!(recorded[field], scanned[field], "{field}");
    }
    assert_eq!(recorded["profile"], "cisco-ios-switch");
    assert_eq!(recorded["version"], "15.2(7)E10");
}

#[test]
fn transcript_holds_only_commands_and_outputs() {
    let lab = Lab::start("127.89.2.1", "acc-sw-07.cli", &switch_cli());

    let run = lab.record("recorded.cli", &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));

    let text = std::fs::read_to_string(lab.path("recorded.cli")).unwrap();
    assert!(text.starts_with("### show version\n"), "{text}");
    assert!(!text.contains("acc-sw-07#"), "a prompt line is in the transcript:\n{text}");
    assert!(!text.contains("terminal length 0"), "the paging-off command is in the transcript:\n{text}");
    assert!(!text.contains("--More--"), "a pager prompt is in the transcript:\n{text}");
    let commands: Vec<&str> = text.lines().filter(|line| line.starts_with("### ")).collect();
    assert_eq!(commands, ["### show version"], "{text}");
    assert!(text.contains("\nConfiguration register is 0xF\n"), "the output after the pager is kept:\n{text}");
}

#[test]
fn secrets_stay_out_of_transcript_and_stderr() {
    // The ASA profile enters privileged mode, so the enable secret is in play.
    let fixture = std::fs::read_to_string(repository().join("fixtures/ssh/cisco-asa.cli")).unwrap();
    let cli = format!("# prompt: edge-asa>\n# paging_off: terminal pager 0\n{fixture}");
    let lab = Lab::start("127.89.3.1", "edge-asa.cli", &cli);

    let run = lab.record("recorded.cli", &["--anonymize"]);
    assert!(run.status.success(), "{}", stderr_of(&run));

    let text = std::fs::read_to_string(lab.path("recorded.cli")).unwrap();
    let stderr = stderr_of(&run);
    let stdout = String::from_utf8_lossy(&run.stdout);
    for secret in [PASSWORD, ENABLE_SECRET] {
        assert!(!text.contains(secret), "{secret} is in the transcript");
        assert!(!stderr.contains(secret), "{secret} is on stderr");
        assert!(!stdout.contains(secret), "{secret} is on stdout");
    }
    assert!(stderr.contains("platform cisco-asa"), "{stderr}");
}

#[test]
fn anonymized_transcript_identifies_alike() {
    let lab = Lab::start("127.89.4.1", "acc-sw-07.cli", &switch_cli());

    let run = lab.record("anonymized.cli", &["--anonymize"]);
    assert!(run.status.success(), "{}", stderr_of(&run));

    let text = std::fs::read_to_string(lab.path("anonymized.cli")).unwrap();
    for identifying in ["FOC2144Z1QA", "acc-sw-07", "00:1A:2B:3C:4D:00"] {
        assert!(!text.contains(identifying), "{identifying} survived anonymizing:\n{text}");
    }
    let device = identify(&lab.path("anonymized.cli"));
    let scanned = lab.scan();
    assert_eq!(device["profile"], scanned["profile"], "profile");
    assert_eq!(device["version"], scanned["version"], "version");
    assert_eq!(device["model"], scanned["model"], "model");
    assert_eq!(device["components"], scanned["components"], "components");
    assert_eq!(device["serial"], "SERIAL000001");
    assert_eq!(device["hostname"], "host-1");
    assert!(text.contains("Base ethernet MAC Address       : 02:00:00:00:00:01"), "{text}");
}

#[test]
fn command_option_records_only_those_commands() {
    let lab = Lab::start("127.89.5.1", "acc-sw-07.cli", &switch_cli());

    let run = lab.record("version.cli", &["--command", "show version"]);
    assert!(run.status.success(), "{}", stderr_of(&run));

    let text = std::fs::read_to_string(lab.path("version.cli")).unwrap();
    let commands: Vec<&str> = text.lines().filter(|line| line.starts_with("### ")).collect();
    assert_eq!(commands, ["### show version"], "{text}");
    assert!(!text.contains("acc-sw-07#"), "a prompt line is in the transcript:\n{text}");
    assert_eq!(identify(&lab.path("version.cli"))["version"], "15.2(7)E10");
}

#[test]
fn configuration_command_is_rejected_before_connecting() {
    let lab = Lab::start("127.89.6.1", "acc-sw-07.cli", &switch_cli());
    // With --trust-new-host-keys, a connection would add the device's key
    // to this empty file, so an untouched file shows that none was made.
    let known_hosts = lab.path("empty_known_hosts");
    std::fs::write(&known_hosts, "").unwrap();
    let credentials = lab.path("credentials.toml");

    let run = lab.run(&[
        "record", &lab.address, "--ssh", "--tenant", "acme", "--ssh-port", SSH_PORT, "--trust-new-host-keys",
        "--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap(),
        "--command", "show version", "--command", "configure terminal",
    ]);

    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    let stderr = stderr_of(&run);
    assert!(stderr.contains("\"configure terminal\" is not a read-only command"), "{stderr}");
    assert!(run.stdout.is_empty(), "nothing is recorded");
    assert_eq!(std::fs::read_to_string(&known_hosts).unwrap(), "", "no connection was made");
}

#[test]
fn trust_new_host_keys_records_unknown_device() {
    let lab = Lab::start("127.89.7.1", "acc-sw-07.cli", &switch_cli());
    let known_hosts = lab.path("new_known_hosts");
    std::fs::write(&known_hosts, "").unwrap();
    let credentials = lab.path("credentials.toml");
    let args = |trust: bool| {
        let mut args = vec![
            "record", lab.address.as_str(), "--ssh", "--tenant", "acme", "--ssh-port", SSH_PORT,
            "--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap(),
            "--command", "show version",
        ];
        if trust {
            args.push("--trust-new-host-keys");
        }
        args.into_iter().map(str::to_string).collect::<Vec<_>>()
    };

    let rejected = lab.run(&args(false).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(rejected.status.code(), Some(3), "{}", stderr_of(&rejected));
    assert!(stderr_of(&rejected).contains("unknown host key"), "{}", stderr_of(&rejected));

    let trusted = lab.run(&args(true).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(trusted.status.success(), "{}", stderr_of(&trusted));
    assert!(String::from_utf8_lossy(&trusted.stdout).starts_with("### show version\n"));
    assert!(std::fs::read_to_string(&known_hosts).unwrap().contains("ssh-ed25519"), "the new key is recorded");
}

#[test]
fn tenant_without_ssh_set_is_usage_error() {
    let lab = Lab::start("127.89.8.1", "acc-sw-07.cli", &switch_cli());
    let credentials = lab.path("credentials.toml");

    let run = lab.run(&[
        "record", &lab.address, "--ssh", "--tenant", "other", "--ssh-port", SSH_PORT,
        "--credentials", credentials.to_str().unwrap(),
    ]);

    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(stderr_of(&run).contains("no SSH credential set for tenant \"other\""), "{}", stderr_of(&run));
}

#[test]
fn unknown_device_keeps_every_probe_output() {
    let lab = Lab::start("127.89.9.1", "lab-box.cli", "# prompt: lab-box#\n### show version\nLab Box OS 1.0\n");

    let run = lab.record("unknown.cli", &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));

    let stderr = stderr_of(&run);
    assert!(stderr.contains("no profile recognised the outputs"), "{stderr}");
    let text = std::fs::read_to_string(lab.path("unknown.cli")).unwrap();
    assert!(text.starts_with("### show version\nLab Box OS 1.0\n"), "{text}");
    for probe in ["### get system status", "### display version", "### /system resource print"] {
        assert!(text.contains(probe), "{probe} is missing:\n{text}");
    }
}
