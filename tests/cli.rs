//! Command-line tests: errors name the invalid input and drop no target,
//! device strings are escaped, and exit codes follow the contract.

mod common;

use common::*;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn inventory_problems_become_not_scanned_rows() {
    let recordings = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(recordings.path(), "127.93.0.1", 1161, &[]);
    let switch = simulation.address_of("switch.snmprec");
    let dir = tempfile::tempdir().unwrap();
    let credentials = write(
        &dir,
        "credentials.toml",
        "[[snmp]]\nname = \"acme-v2\"\ntenants = [\"acme\"]\nversion = \"2c\"\ncommunity = \"env:TEST_ACME_COMMUNITY\"\n\n\
         [[snmp]]\nname = \"globex-v2\"\ntenants = [\"globex\"]\nversion = \"2c\"\ncommunity = \"env:TEST_GLOBEX_COMMUNITY\"\n",
    );
    let inventory = write(
        &dir,
        "inventory.csv",
        &format!(
            "tenant,site,target,name,credentials,protocols,port,notes,extra\n\
             acme,hq,{switch},core-sw,acme-v2,snmp,1161,,ignored\n\
             acme,hq,192.0.2.300,typo,acme-v2,snmp,,,\n\
             acme,branch,{switch},borrowed,globex-v2,snmp,1161,,\n\
             acme,lab,{switch},missing-set,nonexistent,snmp,1161,,\n\
             acme,lab2,{switch},bad-port,acme-v2,snmp,99999,,\n"
        ),
    );
    let output = std::process::Command::new(binary())
        .env("TEST_ACME_COMMUNITY", "public")
        .env("TEST_GLOBEX_COMMUNITY", "public")
        .args(["scan", "--inventory", &inventory, "--credentials", &credentials, "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let document = json_of(&output);
    let devices = document["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 5, "every inventory row has a result row");

    let by_name = |name: &str| devices.iter().find(|d| d["name"] == name).unwrap_or_else(|| panic!("row {name}"));
    assert_eq!(by_name("core-sw")["status"], "ok");
    assert_eq!(by_name("core-sw")["credential"], "acme-v2");
    for (name, line, words) in [
        ("typo", 3, "invalid target \"192.0.2.300\""),
        ("borrowed", 4, "fenced to tenants [\"globex\"]"),
        ("missing-set", 5, "not defined"),
        ("bad-port", 6, "port \"99999\""),
    ] {
        let device = by_name(name);
        assert_eq!(device["status"], "not-scanned", "{device}");
        let reason = device["reason"].as_str().unwrap();
        assert!(reason.contains(&format!("inventory.csv:{line}:")), "reason names file and line: {reason}");
        assert!(reason.contains(words), "{reason}");
    }
    for name in ["borrowed", "missing-set", "bad-port"] {
        assert_eq!(by_name(name)["address"], switch, "{name}: a row with a valid target keeps its address");
    }
}

#[test]
fn strict_fails_on_unread_targets() {
    // Nothing listens on this loopback address, so the kernel rejects every
    // request with ICMP port unreachable.
    let base = ["scan", "127.93.9.9", "--snmp-port", "1161", "--timeout", "200ms", "--format", "json"];
    assert_eq!(fwsweep(&base).status.code(), Some(0), "without --strict an unread target is only a row");
    let strict = [&base[..], &["--strict"]].concat();
    assert_eq!(fwsweep(&strict).status.code(), Some(1));
}

#[test]
fn inventory_row_line_counts_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = write(&dir, "inventory.csv", "tenant,site,target\n\nacme,hq,999.1.1.1\n");
    let output = fwsweep(&["scan", "--inventory", &inventory, "--format", "json"]);
    let document = json_of(&output);
    let reason = document["devices"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("inventory.csv:3:"), "{reason}");
}

#[test]
fn inventory_without_target_column_is_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = write(&dir, "inventory.csv", "tenant,site,address\nacme,hq,127.94.0.1\n");
    let output = fwsweep(&["scan", "--inventory", &inventory]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("inventory.csv"), "{message}");
    assert!(message.contains("\"target\""), "{message}");
}

#[test]
fn inline_secret_is_rejected_with_line() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = write(
        &dir,
        "credentials.toml",
        "# lab\n[[snmp]]\nname = \"lab\"\ntenants = [\"lab\"]\nversion = \"2c\"\ncommunity = \"Sup3rS3cret\"\n",
    );
    let output = fwsweep(&["scan", "127.94.0.1", "--credentials", &credentials]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("credentials.toml:2:"), "{message}");
    assert!(message.contains("env:NAME or file:PATH"), "{message}");
    assert!(!message.contains("Sup3rS3cret"), "the secret must not be echoed: {message}");
}

#[test]
fn target_file_bad_line_is_named() {
    let recordings = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(recordings.path(), "127.93.1.1", 1161, &[]);
    let dir = tempfile::tempdir().unwrap();
    let targets = write(&dir, "targets.txt", &format!("# lab\n{}\nnot/a/target\n", simulation.address_of("switch.snmprec")));
    let output = fwsweep(&["scan", &format!("@{targets}"), "--snmp-port", "1161", "--format", "json"]);
    let document = json_of(&output);
    let devices = document["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    let broken = devices.iter().find(|d| d["status"] == "not-scanned").unwrap();
    assert!(broken["reason"].as_str().unwrap().contains("targets.txt:3:"), "{broken}");
}

#[test]
fn exclude_and_bad_target_argument() {
    // Loopback, so that a broken exclusion still sends nothing off this host.
    let output = fwsweep(&["scan", "127.94.0.0/30", "--exclude", "127.94.0.1-2", "--format", "json", "--timeout", "100ms"]);
    assert_eq!(json_of(&output)["devices"].as_array().unwrap().len(), 0);
    let output = fwsweep(&["scan", "192.0.2.999"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("192.0.2.999"));
}

#[test]
fn hostile_strings_are_escaped() {
    let recordings = recordings_dir(&[("hostile.snmprec", HOSTILE)]);
    let simulation = Simulation::start(recordings.path(), "127.93.2.1", 1161, &[]);
    let address = simulation.address_of("hostile.snmprec");

    let csv = fwsweep(&["scan", address, "--snmp-port", "1161", "--format", "csv"]);
    let text = String::from_utf8_lossy(&csv.stdout);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let hostname_column = headers.iter().position(|h| h == "hostname").unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        assert!(record[hostname_column].starts_with("'="), "formula cell is defused: {:?}", &record[hostname_column]);
        for cell in record.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "no cell starts a formula: {cell:?}");
        }
    }

    let table = fwsweep(&["scan", address, "--snmp-port", "1161"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(!text.contains('\u{1b}'), "no escape sequence reaches the terminal: {text:?}");
    assert!(!text.contains('\u{7}'));
}

#[test]
fn fail_on_sets_exit_status() {
    let recordings = recordings_dir(&[("widget.snmprec", UNKNOWN)]);
    let simulation = Simulation::start(recordings.path(), "127.93.3.1", 1161, &[]);
    let address = simulation.address_of("widget.snmprec");
    let base = ["scan", address, "--snmp-port", "1161", "--format", "json"];
    assert_eq!(fwsweep(&base).status.code(), Some(0));
    let unknown = [&base[..], &["--fail-on", "unknown"]].concat();
    assert_eq!(fwsweep(&unknown).status.code(), Some(1), "a device without release data is unknown");
    let behind = [&base[..], &["--fail-on", "behind"]].concat();
    assert_eq!(fwsweep(&behind).status.code(), Some(0), "unknown counts only when named");
}

#[test]
fn identify_keeps_unreadable_file_rows() {
    let dir = recordings_dir(&[("switch.snmprec", SWITCH), ("broken.snmprec", "no pipes here\n"), ("notes.txt", "x")]);
    let notes = dir.path().join("notes.txt");
    let output = fwsweep(&["identify", "--format", "json", dir.path().to_str().unwrap(), notes.to_str().unwrap()]);
    let document = json_of(&output);
    let devices = document["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 3);
    let by_recording = |name: &str| devices.iter().find(|d| d["recording"] == name).unwrap();
    assert_eq!(by_recording("switch.snmprec")["status"], "ok");
    let broken = by_recording("broken.snmprec");
    assert_eq!(broken["status"], "not-scanned");
    assert!(broken["reason"].as_str().unwrap().contains("broken.snmprec:1"), "{broken}");
    assert!(by_recording("notes.txt")["reason"].as_str().unwrap().contains("unknown recording kind"));
}

#[test]
fn invalid_profile_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "bad.toml",
        "id = \"bad\"\nvendor = \"Acme\"\nclass = \"switch\"\n\n[match]\nsys_descr = ['Acme (unclosed']\n",
    );
    let output = fwsweep(&["profiles", "list", "--profiles", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("bad.toml:6: match.sys_descr: invalid regex"), "{message}");

    write(&dir, "bad.toml", "id = \"bad\"\nvendor = \"Acme\"\nclass = \"switch\"\ncolour = \"red\"\n[match]\nsys_descr = ['x']\n");
    let output = fwsweep(&["profiles", "list", "--profiles", dir.path().to_str().unwrap()]);
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("bad.toml:4"), "{message}");
    assert!(message.contains("colour"), "{message}");
}

#[test]
fn generic_fallback_reads_sys_descr_version() {
    let dir = recordings_dir(&[("unknown.snmprec", UNKNOWN)]);
    let output = fwsweep(&["identify", "--format", "json", dir.path().join("unknown.snmprec").to_str().unwrap()]);
    let device = &json_of(&output)["devices"][0];
    assert_eq!(device["status"], "ok");
    assert_eq!(device["profile"], "generic");
    assert_eq!(device["version"], "4.2.1");
    assert!(device["vendor"].is_null(), "enterprise 99999 is not in the vendor table");
}

#[test]
fn inventory_open_quote_keeps_later_rows() {
    let recordings = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(recordings.path(), "127.87.1.1", 1161, &[]);
    let switch = simulation.address_of("switch.snmprec");
    let dir = tempfile::tempdir().unwrap();
    let mut text = "tenant,site,target,name,credentials,protocols,port\n".to_string();
    for site in ["s2", "s3", "s4", "s5"] {
        text.push_str(&format!("acme,{site},{switch},sw-{site},,snmp,1161\n"));
    }
    text.push_str("acme,hq,127.87.1.200,\"unterminated,,snmp,1161\n");
    for site in ["s7", "s8", "s9", "s10"] {
        text.push_str(&format!("acme,{site},{switch},sw-{site},,snmp,1161\n"));
    }
    let inventory = write(&dir, "inventory.csv", &text);

    let output = fwsweep(&["scan", "--inventory", &inventory, "--format", "json", "--no-history"]);

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let document = json_of(&output);
    let devices = document["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 9, "every inventory line has a result row: {devices:?}");
    let broken = devices.iter().find(|d| d["address"] == "127.87.1.200").expect("row of line 6");
    assert_eq!(broken["status"], "not-scanned", "{broken}");
    assert_eq!(broken["name"], serde_json::Value::Null, "the text after the open quote is no name: {broken}");
    let reason = broken["reason"].as_str().unwrap();
    assert!(reason.contains("inventory.csv:6:"), "{reason}");
    assert!(reason.contains("unterminated quote in column \"name\""), "{reason}");
    assert!(reason.contains("may not span lines"), "{reason}");
    for site in ["s2", "s3", "s4", "s5", "s7", "s8", "s9", "s10"] {
        let name = format!("sw-{site}");
        let device = devices.iter().find(|d| d["name"] == name.as_str()).unwrap_or_else(|| panic!("row {name}"));
        assert_eq!(device["status"], "ok", "{device}");
        assert_eq!(device["site"], site, "{device}");
    }
}

/// Writes a credentials file whose only SNMP set names the tenant `acmee`
/// where the inventory names `acme`.
fn write_misspelt_credentials(dir: &tempfile::TempDir) -> String {
    write(
        dir,
        "credentials.toml",
        "# lab\n[[snmp]]\nname = \"acme-v2\"\ntenants = [\"acmee\"]\nversion = \"2c\"\ncommunity = \"env:TEST_ACME_COMMUNITY\"\n",
    )
}

#[test]
fn misspelt_tenant_warns_once() {
    let recordings = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(recordings.path(), "127.87.3.1", 1161, &[]);
    let switch = simulation.address_of("switch.snmprec");
    let dir = tempfile::tempdir().unwrap();
    let credentials = write_misspelt_credentials(&dir);
    let inventory = write(
        &dir,
        "inventory.csv",
        &format!("tenant,site,target,port\nacme,hq,{switch},1161\nacme,branch,{switch},1161\n"),
    );

    let output = std::process::Command::new(binary())
        .env("TEST_ACME_COMMUNITY", "not-the-community")
        .args(["scan", "--inventory", &inventory, "--credentials", &credentials, "--format", "json", "--no-history"])
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    let devices = json_of(&output)["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 2, "{devices:?}");
    for device in &devices {
        assert_eq!(device["status"], "ok", "the documented fallback still applies: {device}");
        assert_eq!(device["credential"], "default-public", "{device}");
    }
    let fallback = "no SNMP credential set is fenced to tenant \"acme\", so its targets are tried with the community `public`";
    assert_eq!(stderr.matches(fallback).count(), 1, "one fallback warning for the tenant: {stderr}");
    assert!(stderr.contains(&format!("{credentials}: {fallback}")), "the warning names the file: {stderr}");
    let unused = format!("tenant \"acmee\" is named by credential set \"acme-v2\" ({credentials}:2) but by no inventory row");
    assert_eq!(stderr.matches(&unused).count(), 1, "one warning for the unused tenant: {stderr}");
    assert!(!stderr.contains("not-the-community"), "the community must not be logged: {stderr}");
}

#[test]
fn record_warns_of_public_fallback() {
    let recordings = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(recordings.path(), "127.87.3.120", 1161, &[]);
    let switch = simulation.address_of("switch.snmprec");
    let dir = tempfile::tempdir().unwrap();
    let credentials = write_misspelt_credentials(&dir);

    let output = std::process::Command::new(binary())
        .env("TEST_ACME_COMMUNITY", "not-the-community")
        .args(["record", switch, "--snmp-port", "1161", "--tenant", "acme", "--credentials", &credentials])
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let fallback = "no SNMP credential set is fenced to tenant \"acme\", so the device is tried with the community `public`";
    assert!(stderr.contains(&format!("{credentials}: {fallback}")), "{stderr}");
    assert!(!stderr.contains("not-the-community"), "the community must not be logged: {stderr}");
}

#[test]
fn community_option_silences_public_warning() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = write_misspelt_credentials(&dir);
    let output = std::process::Command::new(binary())
        .env("TEST_ACME_COMMUNITY", "not-the-community")
        .args([
            "scan", "127.87.3.200", "--tenant", "acme", "--credentials", &credentials, "--community", "env:TEST_ACME_COMMUNITY",
            "--snmp-port", "1161", "--timeout", "100ms", "--retries", "0", "--format", "json", "--no-history",
        ])
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(json_of(&output)["devices"].as_array().unwrap().len(), 1);
    assert!(!stderr.contains("community `public`"), "--community is tried first, so nothing falls back: {stderr}");
    assert!(!stderr.contains("no inventory row"), "without an inventory no tenant is called unused: {stderr}");
}

#[test]
fn command_line_tenant_without_set_warns() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = write_misspelt_credentials(&dir);
    let output = fwsweep(&[
        "scan", "127.87.3.201", "127.87.3.202", "--tenant", "acme", "--credentials", &credentials,
        "--snmp-port", "1161", "--timeout", "100ms", "--retries", "0", "--format", "json", "--no-history",
    ]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(json_of(&output)["devices"].as_array().unwrap().len(), 2);
    assert_eq!(stderr.matches("tenant \"acme\", so its targets are tried with the community `public`").count(), 1, "{stderr}");
}
