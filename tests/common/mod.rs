//! Helpers shared by the integration tests: the built binary, simulator
//! processes on private loopback ranges, and peers that may be missing.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_fwsweep")
}

pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns the path of the shared corpus beside the repository, or `None` when
/// it is missing.
pub fn corpus() -> Option<PathBuf> {
    let path = repository().join("../shared/corpus");
    path.is_dir().then_some(path)
}

/// Returns the shared corpus, or `None` after printing why the test is skipped.
/// In CI a missing corpus fails the test instead.
pub fn corpus_or_skip() -> Option<PathBuf> {
    let found = corpus();
    if found.is_none() {
        assert!(!required(), "../shared/corpus is missing, and CI=true makes that a failure");
        eprintln!("skipped: ../shared/corpus is missing");
    }
    found
}

/// Returns whether a missing peer or data set must fail the test (in CI)
/// rather than skip it.
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips a test whose peer is missing, or fails it in CI. Returns `true`
/// when the test should go on.
pub fn need(available: bool, requirement: &str) -> bool {
    if available {
        return true;
    }
    assert!(!required(), "{requirement} is missing, and CI=true makes that a failure");
    eprintln!("skipped: {requirement} is missing (set up by .ci/run)");
    false
}

pub fn command_exists(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs fwsweep with the arguments and returns its output.
pub fn fwsweep(args: &[&str]) -> Output {
    Command::new(binary()).args(args).output().expect("fwsweep runs")
}

pub fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Identifies every recording in `folder` and returns the devices keyed by
/// their `recording` name.
pub fn identify_by_recording(folder: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    let document = json_of(&fwsweep(&["identify", "--format", "json", folder.to_str().expect("UTF-8 path")]));
    document["devices"]
        .as_array()
        .expect("devices list")
        .iter()
        .map(|d| (d["recording"].as_str().expect("recording name").to_string(), d.clone()))
        .collect()
}

/// A `fwsweep simulate` process, stopped when dropped.
pub struct Simulation {
    child: Child,
    _log: tempfile::NamedTempFile,
    /// Pairs of (address, recording or "silent"), in the order the simulator
    /// printed them.
    pub endpoints: Vec<(String, String)>,
}

impl Simulation {
    /// Starts the simulator and waits until it prints every address.
    pub fn start(recordings: &Path, first_address: &str, port: u16, extra: &[&str]) -> Simulation {
        Simulation::start_with_env(recordings, first_address, port, extra, &[])
    }

    /// Starts the simulator like [`Simulation::start`], with extra
    /// environment variables, such as one that contains a password.
    pub fn start_with_env(
        recordings: &Path,
        first_address: &str,
        port: u16,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Simulation {
        let port_text = port.to_string();
        let mut args = vec![
            "simulate",
            "--recordings",
            recordings.to_str().expect("UTF-8 path"),
            "--address",
            first_address,
            "--port",
            &port_text,
        ];
        args.extend_from_slice(extra);
        let log = tempfile::NamedTempFile::new().expect("temp file");
        let mut child = Command::new(binary())
            .args(&args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .expect("simulator starts");
        let stdout = child.stdout.take().expect("piped stdout");

        let expected = expected_count(recordings, extra);
        let mut endpoints = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("simulator output is text");
            let (address, recording) = line.split_once(',').expect("ADDRESS,FILE line");
            endpoints.push((address.to_string(), recording.to_string()));
            if endpoints.len() == expected {
                break;
            }
        }
        if endpoints.is_empty() {
            let message = std::fs::read_to_string(log.path()).unwrap_or_default();
            panic!("simulator printed no address: {message}");
        }
        Simulation { child, endpoints, _log: log }
    }

    pub fn address_of(&self, recording: &str) -> &str {
        &self.endpoints.iter().find(|(_, r)| r == recording).expect("recording is served").0
    }
}

fn expected_count(recordings: &Path, extra: &[&str]) -> usize {
    let files = std::fs::read_dir(recordings)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| {
                    let path = e.path();
                    path.extension().is_some_and(|x| x == "snmprec" || x == "snmpwalk" || x == "sip" || x == "http" || x == "cli")
                        || path.join("index.json").is_file()
                })
                .count()
        })
        .unwrap_or(0);
    let option = |name: &str, default: usize| {
        extra
            .iter()
            .position(|a| *a == name)
            .and_then(|i| extra.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    files * option("--replicate", 1) + option("--silent", 0)
}

impl Drop for Simulation {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes small hand-made recordings into a fresh folder.
pub fn recordings_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write recording");
    }
    dir
}

/// Switch recording with the system group and one ENTITY-MIB chassis row.
pub const SWITCH: &str = "\
1.3.6.1.2.1.1.1.0|4|Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E3, RELEASE SOFTWARE (fc3)
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.9.1.1208
1.3.6.1.2.1.1.5.0|4|test-sw1
1.3.6.1.2.1.47.1.1.1.1.2.1001|4|WS-C2960X-48FPD-L
1.3.6.1.2.1.47.1.1.1.1.5.1001|2|3
1.3.6.1.2.1.47.1.1.1.1.10.1001|4|15.2(7)E3
1.3.6.1.2.1.47.1.1.1.1.11.1001|4|FOC1234X0AB
1.3.6.1.2.1.47.1.1.1.1.13.1001|4|WS-C2960X-48FPD-L
";

/// Recording of a device that no profile claims, with a version only in sysDescr.
pub const UNKNOWN: &str = "\
1.3.6.1.2.1.1.1.0|4|Acme Widget Controller, firmware version 4.2.1
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.1
1.3.6.1.2.1.1.5.0|4|widget
";

/// Recording of a device whose strings try terminal escapes and a spreadsheet
/// formula.
pub const HOSTILE: &str = "\
1.3.6.1.2.1.1.1.0|4x|3d636d647c272f632063616c63272141312076657273696f6e20312e30201b5b324a1b5d303b70776e656407
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.2
1.3.6.1.2.1.1.5.0|4|=HYPERLINK(\"http://203.0.113.9\")
";

/// Returns a shell-mode SSH test profile for an IOS-like switch, which turns
/// paging off and runs `show version` and `show inventory`.
pub fn ssh_switch_profile(id: &str, sys_descr: &str) -> String {
    format!(
        r#"
id = "{id}"
vendor = "Test"
class = "switch"

[match]
sys_descr = ['{sys_descr}']

[ssh]
mode = "shell"
prompt = '^[\w.\-]+[>#]\s*$'
paging_off = ["terminal length 0"]
commands = ["show version", "show inventory"]

[[ssh.detect]]
command = "show version"
pattern = ['Cisco IOS Software']
"#
    )
}
