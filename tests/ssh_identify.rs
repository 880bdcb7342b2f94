//! `fwsweep identify` on CLI text: single outputs with `--command`, profiles
//! named with `--platform`, and `.cli` transcripts, good and malformed.

mod common;

use std::io::Write;

use common::*;

const IOS_OUTPUT: &str = "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.7(3)M8, RELEASE SOFTWARE (fc1)\r\n\
lab-rtr uptime is 2 weeks, 1 day\r\n\
Cisco CISCO2911/K9 (revision 1.0) with 483328K/40960K bytes of memory.\r\n\
Processor board ID FTX1702TEST\r\n";

fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    path.to_str().unwrap().to_string()
}

fn identify(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["identify", "--format", "json"];
    all.extend_from_slice(args);
    let output = fwsweep(&all);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    json_of(&output)
}

#[test]
fn command_output_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "rtr.txt", IOS_OUTPUT);
    let document = identify(&["--command", "show version", &file]);
    let device = &document["devices"][0];
    assert_eq!(device["recording"], "rtr.txt");
    assert_eq!(device["status"], "ok");
    assert_eq!(device["profile"], "cisco-ios-router");
    assert_eq!(device["version"], "15.7(3)M8");
    assert_eq!(device["model"], "CISCO2911/K9");
    assert_eq!(device["serial"], "FTX1702TEST");
    assert_eq!(device["hostname"], "lab-rtr");
    assert_eq!(device["protocols"], serde_json::json!(["ssh"]));
    let component = &device["components"][0];
    assert_eq!(component["source"], "ssh:show version");
    assert_eq!(component["protocol"], "ssh");
}

#[test]
fn command_output_of_unknown_platform_is_unidentified() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "other.txt", "Some Other OS 1.0\n");
    let document = identify(&["--command", "show version", &file]);
    let device = &document["devices"][0];
    assert_eq!(device["status"], "unidentified");
    assert_eq!(device["reason"], "no profile recognises the output of \"show version\"");
}

#[test]
fn platform_names_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    // An old IOS banner that the router profile recognises, read with another profile.
    let file = write_file(&dir, "cut.txt", "lab-rtr uptime is 2 weeks\nIOS (tm) C2600 Software, Version 12.3(26), RELEASE\n");
    let detected = identify(&["--command", "show version", &file]);
    assert_eq!(detected["devices"][0]["profile"], "cisco-ios-router");
    let named = identify(&["--command", "show version", "--platform", "cisco-ios-switch", &file]);
    let device = &named["devices"][0];
    assert_eq!(device["profile"], "cisco-ios-switch");
    assert_eq!(device["version"], "12.3(26)");
}

#[test]
fn unknown_platform_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "rtr.txt", IOS_OUTPUT);
    let output = fwsweep(&["identify", "--command", "show version", "--platform", "no-such-profile", &file]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--platform no-such-profile: no profile has this id"), "{stderr}");
}

#[test]
fn command_reads_every_file_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    write_file(&dir, "one.raw", IOS_OUTPUT);
    write_file(&dir, "two", IOS_OUTPUT);
    let document = identify(&["--command", "show version", dir.path().to_str().unwrap()]);
    let names: Vec<&str> = document["devices"].as_array().unwrap().iter().map(|d| d["recording"].as_str().unwrap()).collect();
    assert_eq!(names, ["one.raw", "two"]);
}

#[test]
fn transcript_file_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("# saved session\n### show version\n{IOS_OUTPUT}");
    let file = write_file(&dir, "rtr.cli", &text);
    let document = identify(&[&file]);
    let device = &document["devices"][0];
    assert_eq!(device["recording"], "rtr.cli");
    assert_eq!(device["profile"], "cisco-ios-router");
    assert_eq!(device["version"], "15.7(3)M8");
}

#[test]
fn malformed_transcript_keeps_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write_file(&dir, "broken.cli", "# header\nVersion 1.0\n### show version\n");
    let good = write_file(&dir, "good.cli", &format!("### show version\n{IOS_OUTPUT}"));
    let document = identify(&[&broken, &good]);
    let devices = document["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    let broken_row = devices.iter().find(|d| d["recording"] == "broken.cli").unwrap();
    assert_eq!(broken_row["status"], "not-scanned");
    let reason = broken_row["reason"].as_str().unwrap();
    assert!(reason.ends_with("broken.cli: line 2: text before the first command; start each command's output with a `### COMMAND` line"), "{reason}");
    let good_row = devices.iter().find(|d| d["recording"] == "good.cli").unwrap();
    assert_eq!(good_row["status"], "ok");
}

#[test]
fn escape_sequences_never_reach_values() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "Cisco IOS Software, C2900 Software, Version 15.7(3)M8, RELEASE\n\
\u{1b}]0;owned\u{7}evil\u{1b}[31m-rtr uptime is 1 day\n\
Cisco CISCO2911/K9 (revision 1.0) with 4K bytes of memory.\n";
    let file = write_file(&dir, "hostile.txt", hostile);
    let document = identify(&["--command", "show version", &file]);
    let device = &document["devices"][0];
    assert_eq!(device["hostname"], "evil-rtr");
    let text = document.to_string();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(!text.contains("\\u001b"), "{text}");
}
