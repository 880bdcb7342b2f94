//! `fwsweep record` against live agents: the recording identifies as the
//! device does, and `--anonymize` leaves nothing that names the customer.

mod common;

use common::*;

/// A switch with personal and network details that anonymizing must hide.
const DETAILED_SWITCH: &str = "\
1.3.6.1.2.1.1.1.0|4|Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E3, RELEASE SOFTWARE (fc3) on acme-core-7
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.9.1.1208
1.3.6.1.2.1.1.4.0|4|Jane Roe, +1 555 0100
1.3.6.1.2.1.1.5.0|4|acme-core-7
1.3.6.1.2.1.1.6.0|4|Building 4, Main Street 1
1.3.6.1.2.1.2.2.1.6.1|4x|001a2b3c4d5e
1.3.6.1.2.1.4.20.1.1.198.51.100.77|64|198.51.100.77
1.3.6.1.2.1.47.1.1.1.1.2.1001|4|WS-C2960X-48FPD-L
1.3.6.1.2.1.47.1.1.1.1.5.1001|2|3
1.3.6.1.2.1.47.1.1.1.1.7.1001|4|mgmt 198.51.100.77 mac 00:1a:2b:3c:4d:5e
1.3.6.1.2.1.47.1.1.1.1.10.1001|4|15.2(7)E3
1.3.6.1.2.1.47.1.1.1.1.11.1001|4|FOC1234X0AB
1.3.6.1.2.1.47.1.1.1.1.13.1001|4|WS-C2960X-48FPD-L
";

fn identify_one(path: &std::path::Path) -> serde_json::Value {
    json_of(&fwsweep(&["identify", "--format", "json", path.to_str().unwrap()]))["devices"][0].clone()
}

#[test]
fn recording_identifies_like_the_device() {
    let dir = recordings_dir(&[("switch.snmprec", DETAILED_SWITCH)]);
    let simulation = Simulation::start(dir.path(), "127.94.0.1", 1161, &["--community", "lab-ro"]);
    let address = simulation.address_of("switch.snmprec");
    let out = tempfile::tempdir().unwrap();
    let recording = out.path().join("recorded.snmprec");
    let run = fwsweep(&["record", address, "--snmp-port", "1161", "--community", "lab-ro", "--output", recording.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));

    let text = std::fs::read_to_string(&recording).unwrap();
    assert!(!text.contains("lab-ro"), "the community is never written");
    assert!(text.contains("1.3.6.1.2.1.1.6.0|4|Building 4"), "system group is recorded");

    let recorded = identify_one(&recording);
    let original = identify_one(&dir.path().join("switch.snmprec"));
    for field in ["status", "profile", "version", "model", "serial", "hostname"] {
        assert_eq!(recorded[field], original[field], "{field}");
    }
}

#[test]
fn anonymize_replaces_identifying_values() {
    let dir = recordings_dir(&[("switch.snmprec", DETAILED_SWITCH)]);
    let simulation = Simulation::start(dir.path(), "127.94.1.1", 1161, &[]);
    let address = simulation.address_of("switch.snmprec");
    let out = tempfile::tempdir().unwrap();
    let recording = out.path().join("anonymized.snmprec");
    let run = fwsweep(&["record", address, "--snmp-port", "1161", "--anonymize", "--output", recording.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));

    let text = std::fs::read_to_string(&recording).unwrap();
    for secret in ["acme-core-7", "Jane Roe", "Main Street", "FOC1234X0AB", "198.51.100.77", "00:1a:2b:3c:4d:5e", "001a2b3c4d5e"] {
        assert!(!text.contains(secret), "{secret} survived anonymizing:\n{text}");
    }
    let device = identify_one(&recording);
    assert_eq!(device["version"], "15.2(7)E3", "versions are kept");
    assert_eq!(device["model"], "WS-C2960X-48FPD-L", "models are kept");
    assert_eq!(device["serial"], "SERIAL000001");
    assert_eq!(device["hostname"], "host-1");
    assert!(device["sys_descr"].as_str().unwrap().ends_with("on host-1"), "the host name inside sysDescr is replaced consistently");
    assert!(text.contains("mgmt 192.0.2.1 mac 02:00:00:00:00:01"), "addresses become documentation addresses:\n{text}");
}

#[test]
fn record_wrong_community_reports_failure() {
    let dir = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(dir.path(), "127.94.2.1", 1161, &["--community", "right-one"]);
    let address = simulation.address_of("switch.snmprec");
    let run = fwsweep(&["record", address, "--snmp-port", "1161", "--community", "wrong-one", "--timeout", "200ms", "--retries", "0"]);
    assert_eq!(run.status.code(), Some(3));
    let message = String::from_utf8_lossy(&run.stderr);
    assert!(message.contains("nothing recorded"), "{message}");
    assert!(message.contains("command-line: no answer"), "{message}");
    assert!(!message.contains("wrong-one"), "the community must not be echoed");
}
