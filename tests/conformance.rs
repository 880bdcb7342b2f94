//! Agreement with the shared corpus of real device recordings, counted by
//! the shared script (`conformance.py`): `identify` over every recording
//! must reproduce the corpus's expected `version` for at least
//! `MIN_AGREEMENT` of the rows.

mod common;

use std::process::Command;

use common::*;

/// The share of corpus rows whose version must agree. The two disputed
/// rows below are the only disagreements when this was set.
const MIN_AGREEMENT: f64 = 0.95;

/// Rows where the corpus's expected value is, in our reading, not what a
/// firmware scanner should report; fwsweep reports the device's own value
/// and the row counts as a disagreement.
/// (recording, corpus expects, fwsweep reports, why)
pub const DISPUTED: &[(&str, &str, &str, &str)] = &[
    (
        "ascom_ipbs3.snmprec",
        "IPBS3[12.0.11], Bootcode[12.0.11]",
        "12.0.11 (firmware and boot code components)",
        "the expected value is a sysDescr fragment with labels; its version-like parts are \
         glued to the labels, so no bare version can agree",
    ),
    (
        "supermicro-bmc_x10slehf.snmprec",
        "3.88.",
        "3.88",
        "the trailing dot is an artefact of joining three INTEGER parts when the agent \
         sends only two; the firmware is 3.88",
    ),
];

#[test]
fn corpus_version_agreement() {
    let Some(corpus) = corpus() else {
        assert!(!required(), "../shared/corpus is missing, and CI=true makes that a failure");
        eprintln!("skipped: ../shared/corpus is missing");
        return;
    };
    let script = corpus.join("../tools/conformance.py");
    if !need(script.is_file() && command_exists("python3"), "python3 and ../shared/tools/conformance.py") {
        return;
    }
    let output = Command::new("python3")
        .arg(&script)
        .args(["--bin", binary(), "--show", "100", "--min", &MIN_AGREEMENT.to_string()])
        .arg("--recordings")
        .arg(corpus.join("snmp/recordings"))
        .arg("--expected")
        .arg(corpus.join("snmp/expected.csv"))
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}");
    for (recording, expected, reported, why) in DISPUTED {
        println!("disputed: {recording}: corpus {expected:?}, fwsweep {reported:?}: {why}");
    }
    assert!(
        output.status.success(),
        "agreement below {MIN_AGREEMENT}:\n{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
