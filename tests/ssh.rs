//! The SSH collector in whole sweeps against fwsweep's own simulator: SSH
//! alone, and SNMP with SSH on one address, where SSH runs only what the
//! SNMP-identified profile reads over SSH.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Simulation, recordings_dir};

const PASSWORD: &str = "sim-ssh-secret-8812";

const EDGE_CLI: &str = "\
# prompt: edge-rtr1#
# paging_off: terminal length 0
# page_lines: 3
### show version
Test CLI router, Version 4.2.1
uptime is 3 days
line three
line four
### show inventory
PID: TR-100, SN: TR12345
";

/// Recording whose sysDescr the test profile below claims.
const SNMP_ROUTER: &str = "\
1.3.6.1.2.1.1.1.0|4|Test CLI router, Version 4.2.1
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99998.1
1.3.6.1.2.1.1.5.0|4|edge-rtr1
";

fn profile(with_ssh: bool) -> String {
    let mut text = String::from(
        "id = \"test-cli-router\"\nvendor = \"Test\"\nclass = \"router\"\n\n[match]\nsys_descr = ['^Test CLI router']\n\n\
         [version]\ncomponent = \"OS\"\nkind = \"os\"\nsources = [{ oid = \"sysDescr\", regex = 'Version (\\S+)' }]\n",
    );
    if with_ssh {
        text.push_str(
            "\n[ssh]\nmode = \"shell\"\nprompt = '^[\\w.\\-]+[>#]\\s*$'\npaging_off = [\"terminal length 0\"]\n\
             commands = [\"show version\", \"show inventory\"]\n\n[[ssh.detect]]\ncommand = \"show version\"\npattern = ['Test CLI router']\n",
        );
    }
    text
}

/// Starts one simulator serving the .cli file and, when given, another
/// serving the SNMP recording, both on `address`. The simulators write the
/// known_hosts file into the returned folder.
fn start(address: &str, snmp: Option<&str>) -> (Vec<Simulation>, tempfile::TempDir) {
    let work = tempfile::tempdir().unwrap();
    let cli = recordings_dir(&[("edge-rtr1.cli", EDGE_CLI)]);
    let known_hosts = work.path().join("known_hosts");
    let ssh = Simulation::start_with_env(
        cli.path(),
        address,
        11610,
        &["--ssh-port", "12022", "--ssh-password-env", "SIM_SSH_PASSWORD", "--ssh-known-hosts", known_hosts.to_str().unwrap()],
        &[("SIM_SSH_PASSWORD", PASSWORD)],
    );
    let mut simulations = vec![ssh];
    if let Some(recording) = snmp {
        let agents = recordings_dir(&[("edge-rtr1.snmprec", recording)]);
        simulations.push(Simulation::start(agents.path(), address, 11611, &[]));
    }
    // The simulators have read their files once they print their addresses,
    // so the folders may go.
    (simulations, work)
}

fn write_credentials(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("credentials.toml");
    let text = "[[snmp]]\nname = \"lab-v2c\"\ntenants = [\"default\"]\nversion = \"2c\"\ncommunity = \"env:SIM_COMMUNITY\"\n\n\
                [[ssh]]\nname = \"lab-cli\"\ntenants = [\"default\"]\nuser = \"admin\"\npassword = \"env:SIM_SSH_PASSWORD\"\n";
    std::fs::write(&path, text).unwrap();
    path
}

fn scan(work: &Path, address: &str, protocols: &str, profiles: Option<&Path>) -> (serde_json::Value, String) {
    let credentials = write_credentials(work);
    let known_hosts = work.join("known_hosts");
    let mut args = vec![
        "scan", address, "--protocols", protocols, "--snmp-port", "11611", "--ssh-port", "12022",
        "--timeout", "300ms", "--retries", "0", "--format", "json",
        "--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap(),
    ];
    if let Some(dir) = profiles {
        args.extend(["--profiles", dir.to_str().unwrap()]);
    }
    let output = Command::new(common::binary())
        .args(&args)
        .env("SIM_SSH_PASSWORD", PASSWORD)
        .env("SIM_COMMUNITY", "public")
        .output()
        .expect("fwsweep runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let document = common::json_of(&output);
    assert_eq!(document["devices"].as_array().map(Vec::len), Some(1), "one row per target: {document}");
    (document["devices"][0].clone(), text)
}

fn profile_dir(with_ssh: bool) -> tempfile::TempDir {
    recordings_dir(&[("test-cli-router.toml", &profile(with_ssh))])
}

#[test]
fn ssh_only_scan_reads_the_simulated_device() {
    let (_simulations, work) = start("127.82.3.1", None);

    let (device, text) = scan(work.path(), "127.82.3.1", "ssh", None);

    assert!(["ok", "unidentified"].contains(&device["status"].as_str().unwrap()), "{device}");
    assert_eq!(device["protocols"], serde_json::json!(["ssh"]), "{device}");
    assert_eq!(device["credential"], "lab-cli", "{device}");
    assert_eq!(device["port"], 12022, "{device}");
    assert_eq!(device["ssh"]["host_key"], "ssh-ed25519", "{device}");
    assert_eq!(device["ssh"]["legacy"], serde_json::json!([]), "{device}");
    assert!(!text.contains(PASSWORD), "the password appears in the output");
}

#[test]
fn snmp_silent_target_goes_through_ssh() {
    let (_simulations, work) = start("127.82.3.2", None);

    let (device, _) = scan(work.path(), "127.82.3.2", "snmp,ssh", None);

    assert_eq!(device["protocols"], serde_json::json!(["ssh"]), "{device}");
    assert_eq!(device["credential"], "lab-cli", "{device}");
    let reason = device["reason"].as_str().unwrap_or_default();
    let outcomes = device["outcomes"].as_array().unwrap();
    let snmp = outcomes.iter().find(|o| o["protocol"] == "snmp").unwrap_or_else(|| panic!("no SNMP outcome: {device}"));
    assert!(["timeout", "refused"].contains(&snmp["status"].as_str().unwrap()), "SNMP did not answer: {device}");
    if device["status"] == "ok" {
        assert!(!reason.contains("snmp:"), "SSH read the device, so SNMP's silence is no problem: {reason}");
    } else {
        assert!(reason.contains("snmp:"), "nothing read the device, so the SNMP failure is kept: {reason}");
    }
}

#[test]
fn snmp_profile_with_ssh_table_adds_ssh() {
    let (_simulations, work) = start("127.82.3.3", Some(SNMP_ROUTER));
    let profiles = profile_dir(true);

    let (device, _) = scan(work.path(), "127.82.3.3", "snmp,ssh", Some(profiles.path()));

    assert_eq!(device["status"], "ok", "{device}");
    assert_eq!(device["profile"], "test-cli-router", "{device}");
    assert_eq!(device["version"], "4.2.1", "{device}");
    assert_eq!(device["protocols"], serde_json::json!(["snmp", "ssh"]), "{device}");
    assert_eq!(device["ssh"]["host_key"], "ssh-ed25519", "{device}");
}

#[test]
fn snmp_profile_without_ssh_table_skips_ssh() {
    let (_simulations, work) = start("127.82.3.4", Some(SNMP_ROUTER));
    let profiles = profile_dir(false);
    // An empty known_hosts file: an SSH attempt would be rejected and named
    // in the reason.
    std::fs::write(work.path().join("known_hosts"), "").unwrap();

    let (device, _) = scan(work.path(), "127.82.3.4", "snmp,ssh", Some(profiles.path()));

    assert_eq!(device["status"], "ok", "{device}");
    assert_eq!(device["protocols"], serde_json::json!(["snmp"]), "{device}");
    assert_eq!(device["ssh"], serde_json::Value::Null, "{device}");
    assert_eq!(device["reason"], serde_json::Value::Null, "{device}");
}

#[test]
fn wrong_ssh_password_is_auth_failed() {
    let (_simulations, work) = start("127.82.3.5", None);
    let credentials = write_credentials(work.path());
    let known_hosts = work.path().join("known_hosts");

    let output = Command::new(common::binary())
        .args(["scan", "127.82.3.5", "--protocols", "ssh", "--ssh-port", "12022", "--format", "csv"])
        .args(["--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap()])
        .env("SIM_SSH_PASSWORD", "guessed-wrong-1177")
        .output()
        .expect("fwsweep runs");

    let text = String::from_utf8_lossy(&output.stdout);
    let row = text.lines().nth(1).expect("one data row");
    assert!(row.contains(",auth-failed,"), "{row}");
    assert!(row.contains("authentication as \"\"admin\"\" rejected"), "{row}");
    assert!(!text.contains("guessed-wrong-1177"), "{text}");
}

#[test]
fn inventory_row_names_ssh_set_and_port() {
    let (_simulations, work) = start("127.82.3.6", None);
    let credentials = write_credentials(work.path());
    let known_hosts = work.path().join("known_hosts");
    let inventory = work.path().join("inventory.csv");
    let rows = "tenant,site,target,name,credentials,protocols,port\n\
                default,lab,127.82.3.6,edge-rtr1,lab-cli,ssh,12022\n\
                other,lab,127.82.3.7,fenced,lab-cli,ssh,12022\n";
    std::fs::write(&inventory, rows).unwrap();

    let output = Command::new(common::binary())
        .args(["scan", "--inventory", inventory.to_str().unwrap(), "--format", "json"])
        .args(["--credentials", credentials.to_str().unwrap(), "--known-hosts", known_hosts.to_str().unwrap()])
        .env("SIM_SSH_PASSWORD", PASSWORD)
        .output()
        .expect("fwsweep runs");

    let document = common::json_of(&output);
    let devices = document["devices"].as_array().expect("devices list");
    assert_eq!(devices.len(), 2, "{document}");
    let fenced = devices.iter().find(|d| d["tenant"] == "other").expect("fenced row");
    assert_eq!(fenced["status"], "not-scanned", "{fenced}");
    assert!(fenced["reason"].as_str().unwrap().contains("fenced to tenants"), "{fenced}");
    let read = devices.iter().find(|d| d["tenant"] == "default").expect("read row");
    assert_eq!(read["credential"], "lab-cli", "{read}");
    assert_eq!(read["port"], 12022, "{read}");
    assert_eq!(read["name"], "edge-rtr1", "{read}");
}
