//! Sweep history against `fwsweep simulate`: storing, showing and diffing
//! sweeps, a scan killed midway, planning a maintenance window, verifying
//! it and the patch cadence. Every test keeps its database in a temp dir.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Copies fixture recordings into a fresh folder under new names, which set
/// the order (and so the addresses) the simulator serves them in.
fn fixture_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, fixture) in files {
        let source = repository().join("fixtures/snmp").join(fixture);
        std::fs::copy(&source, dir.path().join(name)).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    }
    dir
}

/// Replaces a version in a recording, in plain values and in hex-encoded
/// ones (the switch's sysDescr is stored as hex).
fn replace_version(path: &Path, from: &str, to: &str) {
    let hex = |text: &str| text.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let text = std::fs::read_to_string(path).expect("recording");
    let text = text.replace(from, to).replace(&hex(from), &hex(to));
    std::fs::write(path, text).expect("write recording");
}

struct History {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl History {
    fn new() -> History {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("history.sqlite3");
        History { _dir: dir, db }
    }

    fn db(&self) -> &str {
        self.db.to_str().expect("UTF-8 path")
    }

    /// Runs fwsweep with `--db` added after the arguments.
    fn run(&self, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        all.extend(["--db", self.db()]);
        fwsweep(&all)
    }

    fn scan(&self, first: &str, last_octet: u8, extra: &[&str]) -> Output {
        let range = format!("{first}-{last_octet}");
        let mut args = vec!["scan", &range, "--snmp-port", "1161", "--timeout", "300ms", "--tenant", "acme", "--format", "json"];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        assert!(output.status.success(), "scan failed: {}", String::from_utf8_lossy(&output.stderr));
        output
    }
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn diff_reports_firmware_change_and_silence() {
    let history = History::new();
    let dir = fixture_dir(&[("a-switch.snmprec", "cisco-ios-switch.snmprec"), ("b-phone.snmprec", "yealink-phone.snmprec")]);
    let first = Simulation::start(dir.path(), "127.84.1.1", 1161, &[]);
    history.scan("127.84.1.1", 2, &[]);
    drop(first);

    let switch = dir.path().join("a-switch.snmprec");
    replace_version(&switch, "15.2(7)E9", "15.2(7)E12");
    replace_version(&switch, "15.2(7)E8", "15.2(7)E12");
    let second = Simulation::start(dir.path(), "127.84.1.1", 1161, &[]);
    history.scan("127.84.1.1", 2, &[]);
    drop(second);

    let output = history.run(&["diff", "--tenant", "acme", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let document = json_of(&output);
    let changes = document["changes"].as_array().expect("changes");
    let firmware = changes
        .iter()
        .find(|c| c["change"] == "firmware" && c["component"].is_null())
        .expect("a firmware change of the device version");
    assert_eq!(firmware["address"], "127.84.1.1");
    assert_eq!(firmware["from"], "15.2(7)E9");
    assert_eq!(firmware["to"], "15.2(7)E12");
    let improved = changes.iter().find(|c| c["change"] == "improved").expect("an improved verdict");
    assert_eq!(improved["from"], "behind");
    assert_eq!(improved["to"], "current");
    assert!(changes.iter().all(|c| c["address"] != "127.84.1.2"), "the phone did not change: {changes:?}");
    assert_eq!(document["regressions"], 0);

    std::fs::remove_file(dir.path().join("b-phone.snmprec")).expect("remove phone");
    let third = Simulation::start(dir.path(), "127.84.1.1", 1161, &[]);
    history.scan("127.84.1.1", 2, &[]);
    drop(third);

    let output = history.run(&["diff", "--tenant", "acme", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "a device that stopped answering is a regression");
    let document = json_of(&output);
    let changes = document["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["change"], "not-answering");
    assert_eq!(changes[0]["address"], "127.84.1.2");
    assert_eq!(changes[0]["from"], "ok");
    assert_eq!(changes[0]["to"], "refused");
}

#[test]
fn diff_never_pairs_tenants() {
    let history = History::new();
    let dir = fixture_dir(&[("a-switch.snmprec", "cisco-ios-switch.snmprec")]);
    let _simulation = Simulation::start(dir.path(), "127.84.2.1", 1161, &[]);
    history.scan("127.84.2.1", 1, &[]);
    let output = history.run(&["scan", "127.84.2.1", "--snmp-port", "1161", "--tenant", "globex", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr_of(&output));

    let output = history.run(&["diff", "1", "2", "--format", "json"]);
    let document = json_of(&output);
    let changes: Vec<(&str, &str)> = document["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| (c["change"].as_str().unwrap(), c["tenant"].as_str().unwrap()))
        .collect();
    assert_eq!(changes, vec![("gone", "acme"), ("added", "globex")]);
}

#[test]
fn show_writes_the_stored_sweep_again() {
    let history = History::new();
    let dir = fixture_dir(&[("a-switch.snmprec", "cisco-ios-switch.snmprec"), ("b-bmc.snmprec", "dell-idrac.snmprec")]);
    let _simulation = Simulation::start(dir.path(), "127.84.3.1", 1161, &[]);
    let scanned = json_of(&history.scan("127.84.3.1", 3, &[]));

    let show_output = history.run(&["show", "1", "--format", "json"]);
    assert!(show_output.status.success(), "{}", stderr_of(&show_output));
    let stored = json_of(&show_output);
    assert_eq!(stored["devices"], scanned["devices"]);
    assert_eq!(stored["sweep"]["started"], scanned["sweep"]["started"]);
    assert_eq!(stored["sweep"]["counts"], scanned["sweep"]["counts"]);

    let csv = history.run(&["show", "latest", "--format", "csv"]);
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with("tenant,site,address,"), "{text}");
    assert!(text.contains("127.84.3.2"), "{text}");

    let html = history.run(&["show", "latest", "--format", "html"]);
    assert!(html.status.success(), "{}", stderr_of(&html));
    let page = String::from_utf8_lossy(&html.stdout);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("127.84.3.2"), "{page}");

    let missing = history.run(&["show", "7"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr_of(&missing).contains("no sweep 7"), "{}", stderr_of(&missing));
}

#[test]
fn killed_scan_leaves_earlier_sweeps_intact() {
    let history = History::new();
    let dir = fixture_dir(&[("a-switch.snmprec", "cisco-ios-switch.snmprec")]);
    let _simulation = Simulation::start(dir.path(), "127.84.4.1", 1161, &["--silent", "60"]);
    history.scan("127.84.4.1", 1, &[]);

    // The silent addresses keep the second scan waiting on timeouts long
    // enough to kill it after its sweep row is stored.
    let mut child = Command::new(binary())
        .args(["scan", "127.84.4.1-61", "--snmp-port", "1161", "--timeout", "3s", "--retries", "3", "--tenant", "acme"])
        .args(["--db", history.db()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("scan starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let listed = history.run(&["history", "--format", "json"]);
        let count = serde_json::from_slice::<serde_json::Value>(&listed.stdout)
            .map(|v| v["sweeps"].as_array().map_or(0, |s| s.len()))
            .unwrap_or(0);
        if count == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the second scan stored no sweep row");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    child.kill().expect("SIGKILL the scan");
    let status = child.wait().expect("scan ends");
    assert!(!status.success(), "the scan was killed, not finished");

    let connection = rusqlite::Connection::open(&history.db).expect("database opens");
    let check: String = connection.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity check");
    assert_eq!(check, "ok");
    drop(connection);

    let listed = json_of(&history.run(&["history", "--format", "json"]));
    let sweeps = listed["sweeps"].as_array().expect("sweeps");
    assert_eq!(sweeps[0]["id"], 2);
    assert_eq!(sweeps[0]["complete"], false);
    assert_eq!(sweeps[1]["id"], 1);
    assert_eq!(sweeps[1]["complete"], true);

    let first = history.run(&["show", "1", "--format", "json"]);
    assert!(first.status.success(), "{}", stderr_of(&first));
    assert_eq!(json_of(&first)["devices"][0]["status"], "ok");
    let diff = history.run(&["diff", "1", "2"]);
    assert_eq!(diff.status.code(), Some(2));
    assert!(stderr_of(&diff).contains("sweep 2 is incomplete"), "{}", stderr_of(&diff));
}

/// Finds the plan items of one address.
fn items_of<'a>(plan: &'a serde_json::Value, address: &str) -> Vec<&'a serde_json::Value> {
    plan["items"].as_array().expect("items").iter().filter(|i| i["address"] == address).collect()
}

fn risks_of(item: &serde_json::Value) -> Vec<&str> {
    item["risks"].as_array().expect("risks").iter().map(|r| r.as_str().unwrap()).collect()
}

#[test]
fn plan_orders_and_annotates_mixed_network() {
    let history = History::new();
    let dir = fixture_dir(&[
        ("a-core.snmprec", "cisco-ios-switch.snmprec"),
        ("b-edge.snmprec", "cisco-ios-switch-2.snmprec"),
        ("c-bmc.snmprec", "dell-idrac.snmprec"),
        ("d-firewall.snmprec", "fortinet-fortigate.snmprec"),
        ("e-phone.snmprec", "yealink-phone.snmprec"),
        ("f-printer.snmprec", "lexmark-printer.snmprec"),
    ]);
    let _simulation = Simulation::start(dir.path(), "127.84.5.1", 1161, &[]);
    let locked = fixture_dir(&[("a-switch.snmprec", "cisco-ios-switch-2.snmprec")]);
    let _locked = Simulation::start(locked.path(), "127.84.5.7", 1161, &["--community", "another-community"]);
    history.scan("127.84.5.1", 8, &[]);
    let baselines = dir.path().join("baselines.csv");
    std::fs::write(&baselines, "tenant,product,minimum,target\nacme,cisco-ios,15.2(7)E10,15.2(7)E11\n").expect("baselines");

    let output = history.run(&[
        "plan", "--tenant", "acme", "--window", "2026-12-12", "--format", "json", "--baselines", baselines.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let plan = json_of(&output);
    let order_of = |address: &str| items_of(&plan, address).first().map(|i| i["order"].as_u64().unwrap()).expect(address);
    let (core, edge, bmc, firewall, phone, printer) =
        (order_of("127.84.5.1"), order_of("127.84.5.2"), order_of("127.84.5.3"), order_of("127.84.5.4"), order_of("127.84.5.5"), order_of("127.84.5.6"));
    assert!(phone < bmc, "phones before servers");
    assert!(printer < bmc, "printers before servers");
    assert!(bmc < edge, "servers before access switches");
    assert!(edge < core, "access switches before the core switch");
    assert!(core < firewall, "the firewall last");

    let core_item = items_of(&plan, "127.84.5.1")[0];
    assert_eq!(core_item["target"], "15.2(7)E11");
    assert_eq!(core_item["target_from"], "baseline target");
    assert!(risks_of(core_item).iter().any(|r| r.contains("have someone on site")), "{core_item}");
    let edge_item = items_of(&plan, "127.84.5.2")[0];
    assert!(risks_of(edge_item).is_empty(), "an access switch is not on the remote path: {edge_item}");
    let bmc_item = items_of(&plan, "127.84.5.3")[0];
    assert!(risks_of(bmc_item).iter().any(|r| r.starts_with("no out-of-band path")), "{bmc_item}");
    let firewall_item = items_of(&plan, "127.84.5.4")[0];
    assert_eq!(firewall_item["target_from"], "newest release");
    assert!(risks_of(firewall_item).iter().any(|r| r.contains("a train change, not a patch")), "{firewall_item}");
    assert!(risks_of(firewall_item).iter().any(|r| r.contains("have someone on site")), "{firewall_item}");
    let fixed = firewall_item["advisories_fixed"].as_array().expect("advisories fixed");
    assert!(!fixed.is_empty(), "{firewall_item}");
    assert_eq!(firewall_item["kev_fixed"], true);

    let unread: Vec<(&str, &str)> = plan["unread"]
        .as_array()
        .expect("unread devices")
        .iter()
        .map(|d| (d["address"].as_str().unwrap(), d["status"].as_str().unwrap()))
        .collect();
    assert_eq!(unread, vec![("127.84.5.7", "auth-failed")], "a refused address is not a device");

    let csv = history.run(&["plan", "--tenant", "acme", "--format", "csv"]);
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with("order,tenant,site,address,name,class,component,current,target,verdict,fixes,risks"), "{text}");
}

#[test]
fn verify_reports_reached_and_missed_targets() {
    let history = History::new();
    let dir = fixture_dir(&[
        ("a-switch.snmprec", "cisco-ios-switch-2.snmprec"),
        ("b-phone.snmprec", "yealink-phone.snmprec"),
        ("c-printer.snmprec", "lexmark-printer.snmprec"),
    ]);
    let credentials = dir.path().join("credentials.toml");
    std::fs::write(dir.path().join("community"), "public\n").expect("community file");
    std::fs::write(&credentials, "[[snmp]]\nname = \"acme-v2\"\ntenants = [\"acme\"]\nversion = \"2c\"\ncommunity = \"file:community\"\n")
        .expect("credentials file");
    let credentials = credentials.to_str().unwrap();
    let before = Simulation::start(dir.path(), "127.84.6.1", 1161, &[]);
    history.scan("127.84.6.1", 3, &["--credentials", credentials]);
    drop(before);
    let plan_path = dir.path().join("plan.json");
    let output = history.run(&["plan", "--tenant", "acme", "--output", plan_path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan_path).expect("plan file")).expect("plan is JSON");
    let phone_target = items_of(&plan, "127.84.6.2")[0]["target"].as_str().expect("phone target").to_string();
    assert_eq!(items_of(&plan, "127.84.6.2")[0]["credential"], "acme-v2");

    // The window: the phone is upgraded, the switch is not, the printer is off.
    replace_version(&dir.path().join("b-phone.snmprec"), "108.86.0.45", &phone_target);
    std::fs::remove_file(dir.path().join("c-printer.snmprec")).expect("remove printer");
    let _after = Simulation::start(dir.path(), "127.84.6.1", 1161, &[]);
    let output = history.run(&[
        "verify", plan_path.to_str().unwrap(), "--credentials", credentials, "--snmp-port", "1161", "--timeout", "300ms", "--format", "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let document = json_of(&output);
    let results = document["results"].as_array().expect("results");
    let result_of = |address: &str| {
        results.iter().find(|r| r["address"] == address).map(|r| r["result"].as_str().unwrap().to_string()).expect(address)
    };
    assert_eq!(result_of("127.84.6.2"), "reached");
    assert_eq!(result_of("127.84.6.1"), "not-reached");
    assert_eq!(result_of("127.84.6.3"), "not-answering");
    let phone = results.iter().find(|r| r["address"] == "127.84.6.2").unwrap();
    assert_eq!(phone["now"], phone_target.as_str());

    let listed = json_of(&history.run(&["history", "--format", "json"]));
    assert_eq!(listed["sweeps"][0]["kind"], "verify", "the rescan is stored too");
}

#[test]
fn unchanged_firmware_becomes_overdue() {
    let history = History::new();
    let dir = fixture_dir(&[("a-phone.snmprec", "yealink-phone.snmprec")]);
    let _simulation = Simulation::start(dir.path(), "127.84.7.1", 1161, &[]);
    let first = json_of(&history.scan("127.84.7.1", 1, &[]));
    assert!(first["devices"][0]["overdue"].is_null(), "no history yet");
    let first_day = first["sweep"]["started"].as_str().unwrap()[..10].to_string();

    let later = time::OffsetDateTime::now_utc().date() + time::Duration::days(200);
    let as_of = later.to_string();
    let second = json_of(&history.scan("127.84.7.1", 1, &["--as-of", &as_of]));
    let phone = &second["devices"][0];
    assert_eq!(phone["overdue"], true, "a phone behind for 200 days passes its half-year cadence: {phone}");
    assert_eq!(phone["firmware_since"], first_day.as_str());

    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[cadence]\nphone = 365\n").expect("policy");
    let third = json_of(&history.scan("127.84.7.1", 1, &["--as-of", &as_of, "--policy", policy.to_str().unwrap()]));
    assert_eq!(third["devices"][0]["overdue"], false, "a yearly cadence is not passed after 200 days");

    let csv = history.run(&["show", "2", "--format", "csv"]);
    let text = String::from_utf8_lossy(&csv.stdout);
    let header = text.lines().next().expect("header");
    assert!(header.ends_with(",note,overdue"), "{header}");
    assert!(text.lines().nth(1).expect("a row").ends_with(",true"), "{text}");
}

#[test]
fn no_history_stores_nothing() {
    let history = History::new();
    let dir = fixture_dir(&[("a-phone.snmprec", "yealink-phone.snmprec")]);
    let _simulation = Simulation::start(dir.path(), "127.84.8.1", 1161, &[]);
    let output = history.run(&["scan", "127.84.8.1", "--snmp-port", "1161", "--no-history", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(!history.db.exists(), "--no-history must not create the database");
}

#[test]
fn database_contains_no_community() {
    let history = History::new();
    let dir = fixture_dir(&[("a-phone.snmprec", "yealink-phone.snmprec")]);
    let _simulation = Simulation::start(dir.path(), "127.84.9.1", 1161, &["--community", "s3cret-history-community"]);
    let output = history.run(&["scan", "127.84.9.1", "--snmp-port", "1161", "--community", "s3cret-history-community"]);
    assert!(output.status.success(), "{}", stderr_of(&output));

    let folder = history.db.parent().expect("database folder");
    for entry in std::fs::read_dir(folder).expect("list folder") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read database file");
        let found = bytes.windows(b"s3cret-history".len()).any(|w| w == b"s3cret-history");
        assert!(!found, "{} contains the community", path.display());
    }
    let show_output = history.run(&["show", "1", "--format", "json"]);
    assert_eq!(json_of(&show_output)["devices"][0]["credential"], "command-line");
}

#[test]
fn diff_follows_serial_to_new_address() {
    let history = History::new();
    let dir = fixture_dir(&[("b-switch.snmprec", "cisco-ios-switch.snmprec")]);
    let before = Simulation::start(dir.path(), "127.84.10.1", 1161, &[]);
    history.scan("127.84.10.1", 2, &[]);
    drop(before);

    std::fs::copy(repository().join("fixtures/snmp/yealink-phone.snmprec"), dir.path().join("a-phone.snmprec")).expect("copy phone");
    let _after = Simulation::start(dir.path(), "127.84.10.1", 1161, &[]);
    history.scan("127.84.10.1", 2, &[]);

    let document = json_of(&history.run(&["diff", "--tenant", "acme", "--format", "json"]));
    let changes: Vec<(&str, &str)> = document["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| (c["change"].as_str().unwrap(), c["address"].as_str().unwrap()))
        .collect();
    assert_eq!(changes, vec![("added", "127.84.10.1"), ("moved", "127.84.10.2")]);
    let moved = &document["changes"][1];
    assert_eq!(moved["from"], "127.84.10.1");
    assert_eq!(moved["serial"], "FOC2231X0AB");
}

#[test]
fn diff_names_devices_by_own_sweep() {
    let history = History::new();
    let dir = fixture_dir(&[("b-switch.snmprec", "cisco-ios-switch.snmprec")]);
    let inventory = dir.path().join("inventory.csv");
    // The inventory was written for the first network: the switch at .1 and
    // a printer at .2 that is switched off.
    std::fs::write(&inventory, "tenant,site,target,name,port\nacme,hq,127.88.1.1,sw1,1161\nacme,hq,127.88.1.2,printer1,1161\n")
        .expect("inventory");
    let scan = |history: &History| {
        let output = history.run(&["scan", "--inventory", inventory.to_str().unwrap(), "--timeout", "300ms", "--format", "json"]);
        assert!(output.status.success(), "scan failed: {}", stderr_of(&output));
    };
    let before = Simulation::start(dir.path(), "127.88.1.1", 1161, &[]);
    scan(&history);
    drop(before);

    // A phone takes .1 and shifts the switch to .2, the printer's row.
    std::fs::copy(repository().join("fixtures/snmp/yealink-phone.snmprec"), dir.path().join("a-phone.snmprec")).expect("copy phone");
    let _after = Simulation::start(dir.path(), "127.88.1.1", 1161, &[]);
    scan(&history);

    let document = json_of(&history.run(&["diff", "--tenant", "acme", "--format", "json"]));
    let changes = document["changes"].as_array().expect("changes");
    let moved = changes.iter().find(|c| c["change"] == "moved").expect("the switch moved");
    assert_eq!(moved["address"], "127.88.1.2");
    assert_eq!(moved["from"], "127.88.1.1");
    assert_eq!(moved["name"], "sw1", "the name of the old sweep, not the printer row: {moved}");
    assert_eq!(moved["hostname"], "acme-core-sw1");
    assert_eq!(moved["serial"], "FOC2231X0AB");
    let added = changes.iter().find(|c| c["change"] == "added").expect("the phone is added");
    assert_eq!(added["address"], "127.88.1.1");
    assert_eq!(added["name"], "globex-desk-114", "sw1 left .1, so the phone is named by its host name: {added}");

    let table = history.run(&["diff", "--tenant", "acme"]);
    let text = String::from_utf8_lossy(&table.stdout);
    let moved_line = text.lines().find(|l| l.contains("moved")).expect("a moved line");
    assert!(moved_line.contains("sw1"), "{moved_line}");
    assert!(!moved_line.contains("printer1"), "{moved_line}");
    assert!(moved_line.contains("FOC2231X0AB"), "{moved_line}");
}

#[test]
fn verify_notices_different_device() {
    let history = History::new();
    let dir = fixture_dir(&[("a-switch.snmprec", "cisco-ios-switch-2.snmprec"), ("b-printer.snmprec", "lexmark-printer.snmprec")]);
    let before = Simulation::start(dir.path(), "127.88.2.1", 1161, &[]);
    history.scan("127.88.2.1", 2, &[]);
    drop(before);
    let plan_path = dir.path().join("plan.json");
    let output = history.run(&["plan", "--tenant", "acme", "--output", plan_path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan_path).expect("plan file")).expect("plan is JSON");
    assert!(!items_of(&plan, "127.88.2.1").is_empty(), "the switch is planned: {plan}");

    // Without the switch, the simulator serves the printer at the switch's address.
    std::fs::remove_file(dir.path().join("a-switch.snmprec")).expect("remove switch");
    let _after = Simulation::start(dir.path(), "127.88.2.1", 1161, &[]);
    let output = history.run(&["verify", plan_path.to_str().unwrap(), "--snmp-port", "1161", "--timeout", "300ms", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let document = json_of(&output);
    let results = document["results"].as_array().expect("results");
    let switch_results: Vec<&str> =
        results.iter().filter(|r| r["address"] == "127.88.2.1").map(|r| r["result"].as_str().unwrap()).collect();
    assert!(!switch_results.is_empty());
    assert!(switch_results.iter().all(|r| *r == "different-device"), "{switch_results:?}");

    let table = history.run(&["verify", plan_path.to_str().unwrap(), "--snmp-port", "1161", "--timeout", "300ms"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("0 reached"), "{text}");
}

#[test]
fn plan_respects_approved_target() {
    let history = History::new();
    let dir = fixture_dir(&[("a-switch.snmprec", "cisco-ios-switch.snmprec"), ("b-firewall.snmprec", "fortinet-fortigate.snmprec")]);
    let _simulation = Simulation::start(dir.path(), "127.88.3.1", 1161, &[]);
    history.scan("127.88.3.1", 2, &[]);
    // Both run their approved target (one switch stack member runs an
    // older one). The switch's train is supported;
    // the firewall's 7.2 train ended on 2026-09-30.
    let baselines = dir.path().join("approved.csv");
    std::fs::write(&baselines, "tenant,product,minimum,target\nacme,cisco-ios,15.2(7)E9,15.2(7)E9\nacme,fortios,7.2.8,7.2.8\n")
        .expect("baselines");

    let output = history.run(&[
        "plan", "--tenant", "acme", "--window", "2026-12-12", "--format", "json", "--baselines", baselines.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let plan = json_of(&output);
    // The stack member still on 15.2(7)E8 is raised to the approved
    // target, never to the newer 15.2(7)E12; those on it stay.
    let switch = items_of(&plan, "127.88.3.1");
    assert!(switch.iter().all(|i| i["current"] != "15.2(7)E9"), "components at the approved target stay: {switch:?}");
    assert!(switch.iter().all(|i| i["target"] == "15.2(7)E9"), "{switch:?}");
    let firewall = items_of(&plan, "127.88.3.2");
    let item = firewall.first().expect("the end-of-life firewall is planned");
    assert_eq!(item["target"], "8.0.1");
    assert_eq!(item["target_from"], "newest release");
    let risks = risks_of(item);
    assert!(risks.contains(&"beyond the approved target 7.2.8: approve 8.0.1 first"), "{risks:?}");
}

#[test]
fn history_messages_name_the_problem() {
    let history = History::new();
    let dir = fixture_dir(&[("a-phone.snmprec", "yealink-phone.snmprec")]);
    let _simulation = Simulation::start(dir.path(), "127.88.4.1", 1161, &[]);
    let inventory = dir.path().join("inventory.csv");
    std::fs::write(&inventory, "tenant,site,target,name,port\nacme,hq,127.88.4.1,phone-a,1161\nglobex,hq,127.88.4.1,phone-g,1161\n")
        .expect("inventory");
    let output = history.run(&["scan", "--inventory", inventory.to_str().unwrap(), "--timeout", "300ms", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr_of(&output));

    for command in [&["plan", "--tenant", "nosuch"][..], &["show", "latest", "--tenant", "nosuch"][..]] {
        let output = history.run(command);
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        assert!(stderr_of(&output).contains("no complete sweep stored for tenant \"nosuch\""), "{command:?}: {}", stderr_of(&output));
    }

    let folder = dir.path().to_str().unwrap();
    for command in [&["show", "latest", "--db", folder][..], &["scan", "127.88.4.1", "--snmp-port", "1161", "--db", folder][..]] {
        let output = fwsweep(command);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {}", stderr_of(&output));
        assert!(stderr_of(&output).contains("is a folder; --db needs a file path"), "{command:?}: {}", stderr_of(&output));
    }

    let output = history.run(&["show", "1", "--format", "html"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr_of(&output);
    assert!(message.contains("--split-by tenant --output DIR"), "{message}");
    assert!(message.contains("--tenant NAME"), "{message}");
    let single_tenant = history.run(&["show", "1", "--format", "html", "--tenant", "globex"]);
    assert!(single_tenant.status.success(), "{}", stderr_of(&single_tenant));
}
