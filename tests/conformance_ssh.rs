//! Agreement with the corpus of real CLI outputs. `identify --command CMD`
//! over every saved output must reproduce the corpus's expected version,
//! model and serial, counted by the corpus script `conformance.py`, and every
//! disagreement must be one that `DISPUTED` explains.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// Minimum share of corpus rows whose value must agree, for each field.
const MIN_AGREEMENT: f64 = 0.95;

/// Rows whose expected value is, in our reading of the raw output, not what a
/// firmware scanner should report. Each counts as a disagreement. Tuples are
/// (file, field, corpus expects, fwsweep reports, reason).
const DISPUTED: &[(&str, &str, &str, &str, &str)] = &[
    (
        "outputs/allied_telesis_awplus/show_system/allied_telesis_awplus_show_system.raw",
        "version",
        "SH210-5.4.5-1.3.rel",
        "5.4.5-1.3",
        "the expected value is the release file name from the \"Current software\" line, while \
         the \"Software version\" line of the same output names the version, 5.4.5-1.3",
    ),
    (
        "outputs/juniper_junos/show_chassis_hardware/juniper_junos_show_chassis_hardware3.raw",
        "serial",
        "JNP204",
        "A0000",
        "the Chassis row's serial number column holds A0000, and JNP204 is the first word of \
         its description \"JNP204 [MX204]\"",
    ),
    (
        "outputs/paloalto_panos/show_system_info/paloalto_panos_show_system_info.raw",
        "serial",
        "unknown",
        "no serial",
        "an unlicensed VM-Series firewall prints the word unknown in place of a serial number, \
         so the device has none to report",
    ),
];

/// Runs `conformance.py` for one field and returns its report, failing the
/// test when agreement is below `MIN_AGREEMENT`.
fn run_conformance(corpus: &Path, field: &str) -> String {
    let script = corpus.join("../tools/conformance.py");
    let ssh = corpus.join("ssh");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--bin", binary(), "--show", "100", "--min", &MIN_AGREEMENT.to_string()])
        .args(["--key", "file", "--command-column", "command", "--group-column", "platform", "--field", field])
        .arg("--recordings")
        .arg(&ssh)
        .arg("--expected")
        .arg(ssh.join("expected.csv"))
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{report}");
    assert!(
        output.status.success(),
        "{field} agreement below {MIN_AGREEMENT}:\n{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

/// Returns the files that the report lists as mismatches.
fn mismatched_files(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|line| line.trim_start().split_once(": expected "))
        .map(|(file, _)| file.trim().to_string())
        .collect()
}

/// Checks one field and fails on any mismatch that `DISPUTED` does not list.
fn check_field(field: &str) {
    let Some(corpus) = corpus_or_skip() else { return };
    if !need(
        corpus.join("../tools/conformance.py").is_file() && corpus.join("ssh/expected.csv").is_file() && command_exists("python3"),
        "python3, ../shared/tools/conformance.py and ../shared/corpus/ssh",
    ) {
        return;
    }
    let report = run_conformance(&corpus, field);
    let disputed: Vec<_> = DISPUTED.iter().filter(|row| row.1 == field).collect();
    for (file, _, expected, reported, reason) in &disputed {
        println!("disputed: {file}: corpus {expected:?}, fwsweep {reported:?}: {reason}");
    }
    let unexplained: Vec<String> = mismatched_files(&report)
        .into_iter()
        .filter(|file| !disputed.iter().any(|row| row.0 == file))
        .collect();
    assert!(unexplained.is_empty(), "{field} mismatches not listed in DISPUTED: {unexplained:#?}");
}

#[test]
fn ssh_corpus_version_agreement() {
    check_field("version");
}

#[test]
fn ssh_corpus_model_agreement() {
    check_field("model");
}

#[test]
fn ssh_corpus_serial_agreement() {
    check_field("serial");
}

/// Every disputed row must still disagree, so the table cannot go stale.
#[test]
fn ssh_disputed_rows_still_disagree() {
    let Some(corpus) = corpus_or_skip() else { return };
    for (file, field, _, reported, _) in DISPUTED {
        let path = corpus.join("ssh").join(file);
        if !need(path.is_file(), &format!("../shared/corpus/ssh/{file}")) {
            return;
        }
        let command = command_of(&corpus, file);
        let document = json_of(&fwsweep(&["identify", "--format", "json", "--command", &command, path.to_str().unwrap()]));
        let device = &document["devices"][0];
        let value = match *field {
            "version" => device["version"].clone(),
            other => device[other].clone(),
        };
        let shown = value.as_str().unwrap_or("no serial");
        assert_eq!(shown, *reported, "{file}: {field}");
    }
}

/// Returns the command column of a corpus row.
fn command_of(corpus: &Path, file: &str) -> String {
    let mut reader = csv::Reader::from_path(corpus.join("ssh/expected.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (file_column, command_column) = (column("file"), column("command"));
    reader
        .records()
        .map(|record| record.unwrap())
        .find(|record| &record[file_column] == file)
        .map(|record| record[command_column].to_string())
        .unwrap_or_else(|| panic!("{file} is not in expected.csv"))
}
