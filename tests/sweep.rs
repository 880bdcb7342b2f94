//! Sweeps over real sockets against `fwsweep simulate`, and the simulator
//! itself against net-snmp's command-line tools.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use common::*;

#[test]
fn sweep_of_slash_22_gives_row_per_address() {
    let dir = recordings_dir(&[("a-switch.snmprec", SWITCH), ("b-unknown.snmprec", UNKNOWN)]);
    let simulation = Simulation::start(dir.path(), "127.91.0.1", 1161, &["--replicate", "3", "--silent", "4"]);
    let output = fwsweep(&["scan", "127.91.0.0/22", "--snmp-port", "1161", "--timeout", "300ms", "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let document = json_of(&output);
    let devices = document["devices"].as_array().unwrap();

    let addresses: BTreeSet<&str> = devices.iter().map(|d| d["address"].as_str().unwrap()).collect();
    assert_eq!(devices.len(), 1022, "a /22 has 1022 host addresses");
    assert_eq!(addresses.len(), 1022, "each address appears once");
    assert_eq!(document["sweep"]["targets"], 1022);

    let status_of = |address: &str| {
        devices.iter().find(|d| d["address"] == address).map(|d| d["status"].as_str().unwrap().to_string()).unwrap()
    };
    for (address, recording) in &simulation.endpoints {
        let expected = if recording == "silent" { "timeout" } else { "ok" };
        assert_eq!(status_of(address), expected, "{address} serves {recording}");
    }
    assert_eq!(status_of("127.91.3.254"), "refused", "the kernel replies with ICMP port unreachable for an unbound loopback address");
    let counts = &document["sweep"]["counts"];
    assert_eq!(counts["ok"], 6);
    assert_eq!(counts["timeout"], 4);
    assert_eq!(counts["refused"], 1022 - 10);
}

#[test]
fn scan_reads_stack_and_entity_values() {
    let dir = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(dir.path(), "127.91.8.1", 1161, &[]);
    let address = simulation.address_of("switch.snmprec");
    let output = fwsweep(&["scan", address, "--snmp-port", "1161", "--format", "json", "--tenant", "acme", "--site", "hq"]);
    let device = &json_of(&output)["devices"][0];
    assert_eq!(device["tenant"], "acme");
    assert_eq!(device["site"], "hq");
    assert_eq!(device["status"], "ok");
    assert_eq!(device["serial"], "FOC1234X0AB");
    assert_eq!(device["model"], "WS-C2960X-48FPD-L");
    assert_eq!(device["hostname"], "test-sw1");
    assert_eq!(device["credential"], "default-public");
    assert_eq!(device["sys_object_id"], ".1.3.6.1.4.1.9.1.1208");
    let versions: Vec<&str> = device["components"].as_array().unwrap().iter().map(|c| c["version"].as_str().unwrap()).collect();
    assert!(versions.contains(&"15.2(7)E3"), "{versions:?}");
}

#[test]
fn wrong_community_is_auth_failed() {
    let dir = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(dir.path(), "127.91.9.1", 1161, &["--community", "s3cret-community"]);
    let address = simulation.address_of("switch.snmprec");
    let output = fwsweep(&["scan", address, "--snmp-port", "1161", "--community", "wrong-guess", "--format", "json"]);
    let device = &json_of(&output)["devices"][0];
    assert_eq!(device["status"], "auth-failed", "{device}");
    let all_output = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!all_output.contains("wrong-guess"), "the community must not appear in any output");
}

#[test]
fn lossy_agents_respond_after_retries() {
    let dir = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(
        dir.path(),
        "127.91.10.1",
        1161,
        &["--replicate", "20", "--loss", "30", "--seed", "7", "--latency", "20"],
    );
    let first = &simulation.endpoints.first().unwrap().0;
    let last = &simulation.endpoints.last().unwrap().0;
    let range = format!("{first}-{last}");
    let output = fwsweep(&["scan", &range, "--snmp-port", "1161", "--timeout", "200ms", "--retries", "6", "--format", "json"]);
    let document = json_of(&output);
    assert_eq!(document["sweep"]["counts"]["ok"], 20, "{}", document["sweep"]);
}

#[test]
fn network_path_matches_identify_on_corpus() {
    let Some(corpus) = corpus_or_skip() else { return };
    let recordings = corpus.join("snmp/recordings");
    let offline = fwsweep(&["identify", "--format", "json", recordings.to_str().unwrap()]);
    let offline = json_of(&offline);

    let simulation = Simulation::start(&recordings, "127.92.0.1", 1161, &[]);
    let first = &simulation.endpoints.first().unwrap().0;
    let last = &simulation.endpoints.last().unwrap().0;
    let live = fwsweep(&["scan", &format!("{first}-{last}"), "--snmp-port", "1161", "--format", "json", "--concurrency", "32"]);
    let live = json_of(&live);

    let by_address: BTreeMap<&str, &serde_json::Value> =
        live["devices"].as_array().unwrap().iter().map(|d| (d["address"].as_str().unwrap(), d)).collect();
    let mut differences = Vec::new();
    for device in offline["devices"].as_array().unwrap() {
        let recording = device["recording"].as_str().unwrap();
        let scanned = by_address[simulation.address_of(recording)];
        for field in ["status", "profile", "version", "model", "serial", "components"] {
            let mut expected = device[field].clone();
            let mut got = scanned[field].clone();
            if field == "components" {
                strip_verdicts(&mut expected);
                strip_verdicts(&mut got);
            }
            if expected != got {
                differences.push(format!("{recording} {field}: identify {expected} scan {got}"));
            }
        }
    }
    assert!(differences.is_empty(), "the network path lost values:\n{}", differences.join("\n"));
}

fn strip_verdicts(components: &mut serde_json::Value) {
    if let Some(list) = components.as_array_mut() {
        for component in list {
            if let Some(object) = component.as_object_mut() {
                object.remove("verdict");
            }
        }
    }
}

/// The simulator responds to net-snmp's own walk tools like a real agent:
/// lexicographic order, GETBULK and GETNEXT walks, v1 and v2c, and the v2c
/// exceptions.
#[test]
fn simulator_serves_net_snmp_tools() {
    if !need(command_exists("snmpbulkwalk"), "net-snmp tools (snmpget, snmpwalk, snmpbulkwalk)") {
        return;
    }
    let unordered = "\
1.3.6.1.2.1.1.5.0|4|sim
1.3.6.1.2.1.1.1.0|4|Simulated agent
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.3
1.3.6.1.2.1.2.2.1.10.2|65|20
1.3.6.1.2.1.2.2.1.10.10|65|100
1.3.6.1.2.1.2.2.1.10.1|65|10
1.3.6.1.2.1.31.1.1.1.6.1|70|18446744073709551615
";
    let dir = recordings_dir(&[("agent.snmprec", unordered)]);
    let simulation = Simulation::start(dir.path(), "127.91.11.1", 1161, &[]);
    let target = format!("{}:1161", simulation.address_of("agent.snmprec"));
    let run = |tool: &str, version: &str, oid: &str| {
        let output = Command::new(tool)
            .env("MIBS", "")
            .args(["-v", version, "-c", "public", "-On", "-Oq", "-t", "1", "-r", "1", &target, oid])
            .output()
            .expect("net-snmp tool runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };

    let bulk = run("snmpbulkwalk", "2c", "1.3.6.1.2.1.2.2.1.10");
    assert_eq!(bulk, ".1.3.6.1.2.1.2.2.1.10.1 10\n.1.3.6.1.2.1.2.2.1.10.2 20\n.1.3.6.1.2.1.2.2.1.10.10 100\n");
    let walk_v1 = run("snmpwalk", "1", "1.3.6.1.2.1");
    assert!(walk_v1.starts_with(".1.3.6.1.2.1.1.1.0 \"Simulated agent\"\n"), "{walk_v1}");
    assert!(!walk_v1.contains("31.1.1.1.6"), "v1 walks skip Counter64: {walk_v1}");
    let walk_v2 = run("snmpwalk", "2c", "1.3.6.1.2.1.31");
    let mut lines = walk_v2.lines();
    assert_eq!(lines.next(), Some(".1.3.6.1.2.1.31.1.1.1.6.1 18446744073709551615"));
    let end = lines.next().unwrap_or_default();
    assert!(end.contains("No more variables left"), "the last OID is followed by endOfMibView: {walk_v2}");
    let missing = run("snmpget", "2c", "1.3.6.1.2.1.1.4.0");
    assert!(missing.contains("No Such Object"), "{missing}");
    let missing_instance = run("snmpget", "2c", "1.3.6.1.2.1.1.5.1");
    assert!(missing_instance.contains("No Such Instance"), "{missing_instance}");
    let after_end = run("snmpgetnext", "2c", "1.3.6.1.2.1.31.1.1.1.6.1");
    assert!(after_end.contains("No more variables"), "{after_end}");
}

#[test]
fn ctrl_c_writes_partial_results() {
    let dir = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let _simulation = Simulation::start(dir.path(), "127.91.12.1", 1161, &["--silent", "50"]);
    let output_dir = tempfile::tempdir().unwrap();
    let report = output_dir.path().join("partial.json");
    let mut child = Command::new(binary())
        .args(["-v", "scan", "127.91.12.0/22", "--snmp-port", "1161", "--timeout", "5s", "--retries", "3"])
        .args(["--probe-rate", "200", "--format", "json", "--output", report.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The Ctrl-C handler is in place once the sweep logs its start. A signal
    // before that would end the process the default way.
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    assert!(lines.by_ref().any(|line| line.is_ok_and(|l| l.contains("sweep started"))), "the sweep never started");
    std::thread::spawn(move || lines.for_each(drop));
    std::thread::sleep(std::time::Duration::from_millis(1000));
    // SAFETY: kill() with a valid child PID and SIGINT has no memory effects.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait_with_output().unwrap().status;
    assert!(status.success(), "first Ctrl-C ends the sweep cleanly: {status}");

    let document: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let devices = document["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1022, "every target still has a row");
    let switch = devices.iter().find(|d| d["address"] == "127.91.12.1").unwrap();
    // The switch is collected in full (ok) or cut short by Ctrl-C (partial,
    // from the values discovery read). Either way it is identified.
    assert!(matches!(switch["status"].as_str(), Some("ok" | "partial")), "{switch}");
    assert_eq!(switch["version"], "15.2(7)E3", "{switch}");
    assert!(document["sweep"]["counts"]["not-scanned"].as_u64().unwrap() > 0, "{}", document["sweep"]);
}
