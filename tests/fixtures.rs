//! Hand-made fixtures. Every vendor profile has a recording in `fixtures/snmp/`,
//! `fixtures/redfish/`, `fixtures/sip/`, `fixtures/http/` or `fixtures/ssh/` and expected values in
//! `fixtures/expected/*.csv`, and the tests identify each recording and compare.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;

#[derive(Debug, serde::Deserialize)]
struct Expected {
    recording: String,
    profile: String,
    class: String,
    vendor: String,
    model: String,
    serial: String,
    version: String,
    components: String,
}

fn expected_rows() -> Vec<Expected> {
    let folder = repository().join("fixtures/expected");
    let mut rows = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&folder).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for path in files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "csv")) {
        let mut reader = csv::Reader::from_path(&path).unwrap();
        for row in reader.deserialize() {
            rows.push(row.unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        }
    }
    rows
}

/// Records a mismatch when a field differs from its expected value. An empty
/// expected cell means the field is not checked.
fn check(mismatches: &mut Vec<String>, recording: &str, field: &str, expected: &str, got: &serde_json::Value) {
    if expected.is_empty() {
        return;
    }
    if got.as_str() != Some(expected) {
        mismatches.push(format!("{recording}: {field} expected {expected:?}, got {got}"));
    }
}

#[test]
fn fixtures_match_expected_values() {
    let rows = expected_rows();
    assert!(!rows.is_empty(), "fixtures/expected/*.csv has no rows");
    // SNMP recordings live in fixtures/snmp, Redfish mockup folders in
    // fixtures/redfish, saved SIP responses in fixtures/sip, saved web pages
    // in fixtures/http, and CLI transcripts in fixtures/ssh.
    let files: Vec<String> = rows
        .iter()
        .map(|row| {
            let path = ["snmp", "redfish", "sip", "http", "ssh"]
                .iter()
                .map(|folder| repository().join("fixtures").join(folder).join(&row.recording))
                .find(|path| path.exists())
                .unwrap_or_else(|| panic!("{} is in no fixtures folder", row.recording));
            path.to_str().unwrap().to_string()
        })
        .collect();
    let mut args = vec!["identify", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let document = json_of(&fwsweep(&args));
    let devices: BTreeMap<&str, &serde_json::Value> = document["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["recording"].as_str().unwrap(), d))
        .collect();

    let mut mismatches = Vec::new();
    for row in &rows {
        let device = devices.get(row.recording.as_str()).unwrap_or_else(|| panic!("{} not identified", row.recording));
        let recording = row.recording.as_str();
        if device["status"] != "ok" {
            mismatches.push(format!("{recording}: status {} ({})", device["status"], device["reason"]));
        }
        check(&mut mismatches, recording, "profile", &row.profile, &device["profile"]);
        check(&mut mismatches, recording, "class", &row.class, &device["class"]);
        check(&mut mismatches, recording, "vendor", &row.vendor, &device["vendor"]);
        check(&mut mismatches, recording, "model", &row.model, &device["model"]);
        check(&mut mismatches, recording, "serial", &row.serial, &device["serial"]);
        check(&mut mismatches, recording, "version", &row.version, &device["version"]);
        let components: BTreeSet<(String, String)> = device["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap().to_string(), c["version"].as_str().unwrap().to_string()))
            .collect();
        for pair in row.components.split("; ").filter(|p| !p.is_empty()) {
            let (name, version) = pair.split_once('=').unwrap_or_else(|| panic!("{recording}: component {pair:?} is not name=version"));
            if !components.contains(&(name.to_string(), version.to_string())) {
                mismatches.push(format!("{recording}: component {name}={version} missing from {components:?}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn every_profile_has_a_fixture() {
    let output = fwsweep(&["profiles", "list"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let listed: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.ends_with(" profiles"))
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        .collect();
    let covered: BTreeSet<String> = expected_rows().into_iter().map(|row| row.profile).collect();
    let missing: Vec<&String> = listed.difference(&covered).collect();
    assert!(missing.is_empty(), "profiles without a fixture row: {missing:?}");
    assert!(listed.len() >= 15, "expected at least 15 profiles, found {}", listed.len());
}

#[test]
fn every_fixture_is_listed() {
    let listed: BTreeSet<String> = expected_rows().into_iter().map(|row| row.recording).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(repository().join("fixtures/snmp"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".snmprec"))
        .collect();
    let mockups = std::fs::read_dir(repository().join("fixtures/redfish"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("index.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned());
    let sip_responses = std::fs::read_dir(repository().join("fixtures/sip"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sip"));
    let web_pages = std::fs::read_dir(repository().join("fixtures/http"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".http"));
    let transcripts = std::fs::read_dir(repository().join("fixtures/ssh"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".cli"));
    let on_disk: BTreeSet<String> =
        on_disk.into_iter().chain(mockups).chain(sip_responses).chain(web_pages).chain(transcripts).collect();
    let unlisted: Vec<&String> = on_disk.difference(&listed).collect();
    assert!(unlisted.is_empty(), "fixtures without expected values: {unlisted:?}");
}

/// Every profile with an `[ssh]` table has a CLI transcript among the
/// fixtures, so its detect rules and command sources are exercised.
#[test]
fn every_ssh_profile_has_a_transcript() {
    let profiles = fwsweep::profiles::ProfileSet::builtin().expect("built-in profiles load");
    let covered: BTreeSet<String> = expected_rows()
        .into_iter()
        .filter(|row| row.recording.ends_with(".cli"))
        .map(|row| row.profile)
        .collect();
    let missing: Vec<&str> = profiles
        .profiles
        .iter()
        .filter(|profile| profile.ssh.is_some() && !covered.contains(&profile.id))
        .map(|profile| profile.id.as_str())
        .collect();
    assert!(missing.is_empty(), "profiles with [ssh] but no fixtures/ssh transcript: {missing:?}");
}
