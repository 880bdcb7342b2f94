//! Verdicts against a release catalogue and baselines written by the test,
//! end of life judged as of a fixed date, and the endoflife.date importer.

mod common;

use common::*;

const CATALOGUE: &str = r#"
product = "cisco-ios"
vendor = "Cisco"
name = "IOS"
scheme = "cisco-ios"
checked = 2026-11-20
sources = ["written by the test"]

[[train]]
name = "15.2E"
latest = "15.2(7)E10"
end_of_support = 2027-10-31

[[train]]
name = "12.2SE"
latest = "12.2(55)SE12"
end_of_support = 2020-07-31

[[advisory]]
id = "test-smart-install"
cves = ["CVE-2018-0171"]
severity = "critical"
kev = true
affected = [{ train = "15.2E", from = "15.2(2)E", to = "15.2(6)E1" }]
"#;

fn device_at(version: &str, name: &str) -> String {
    SWITCH.replace("Version 15.2(7)E3", &format!("Version {version}")).replace("15.2(7)E3", version).replace("test-sw1", name)
}

/// Identifies five switches at different versions against the test catalogue,
/// as of 2026-12-04 unless `extra` sets `--as-of`. Returns stdout parsed as JSON
/// (`Null` when it is not JSON) together with the raw output.
fn assess(extra: &[&str], baselines: Option<&str>) -> (serde_json::Value, std::process::Output) {
    let recordings = recordings_dir(&[
        ("current.snmprec", &device_at("15.2(7)E10", "current")),
        ("behind.snmprec", &device_at("15.2(7)E4", "behind")),
        ("vulnerable.snmprec", &device_at("15.2(6)E1", "vulnerable")),
        ("eol.snmprec", &device_at("12.2(55)SE12", "eol")),
        ("unknown-train.snmprec", &device_at("15.0(2)EX5", "unknown-train")),
    ]);

    let releases = tempfile::tempdir().unwrap();
    std::fs::write(releases.path().join("cisco-ios.toml"), CATALOGUE).unwrap();
    let baseline_file = releases.path().join("baselines.csv");
    if let Some(text) = baselines {
        std::fs::write(&baseline_file, text).unwrap();
    }

    let mut args = vec!["identify", "--tenant", "acme"];
    if !extra.contains(&"--as-of") {
        args.extend(["--as-of", "2026-12-04"]);
    }
    if !extra.contains(&"--format") {
        args.extend(["--format", "json"]);
    }
    let releases_dir = releases.path().to_str().unwrap().to_string();
    args.extend(["--releases", &releases_dir]);
    let baseline_path = baseline_file.to_str().unwrap().to_string();
    if baselines.is_some() {
        args.extend(["--baselines", &baseline_path]);
    }
    args.extend_from_slice(extra);
    let folder = recordings.path().to_str().unwrap().to_string();
    args.push(&folder);

    let output = fwsweep(&args);
    let document = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (document, output)
}

fn ios_component<'a>(document: &'a serde_json::Value, recording: &str) -> &'a serde_json::Value {
    let device = document["devices"].as_array().unwrap().iter().find(|d| d["recording"] == recording).unwrap();
    device["components"].as_array().unwrap().iter().find(|c| c["name"] == "IOS").unwrap_or_else(|| panic!("{device}"))
}

#[test]
fn verdicts_follow_catalogue() {
    let (document, _) = assess(&[], None);
    let current = ios_component(&document, "current.snmprec");
    assert_eq!(current["verdict"], "current");
    assert_eq!(current["latest_in_train"], "15.2(7)E10");
    assert_eq!(current["eol_date"], "2027-10-31");

    let behind = ios_component(&document, "behind.snmprec");
    assert_eq!(behind["verdict"], "behind");

    let vulnerable = ios_component(&document, "vulnerable.snmprec");
    assert_eq!(vulnerable["verdict"], "vulnerable");
    assert_eq!(vulnerable["advisories"], serde_json::json!(["test-smart-install"]));
    assert_eq!(vulnerable["kev"], true);

    let eol = ios_component(&document, "eol.snmprec");
    assert_eq!(eol["verdict"], "eol");
    assert_eq!(eol["latest"], "15.2(7)E10", "newest overall comes from the newest train");

    let unknown = ios_component(&document, "unknown-train.snmprec");
    assert_eq!(unknown["verdict"], "unknown");
    assert!(unknown["note"].as_str().unwrap().contains("train 15.0EX is not in the IOS release data"), "{unknown}");

    assert_eq!(document["sweep"]["release_data_checked"], "2026-11-20");
    let device = document["devices"].as_array().unwrap().iter().find(|d| d["recording"] == "vulnerable.snmprec").unwrap();
    assert_eq!(device["verdict"], "vulnerable", "the device takes its worst component's verdict");
}

#[test]
fn baselines_mark_below_and_untested() {
    let baselines = "tenant,product,minimum,target\nacme,cisco-ios,15.2(7)E9,15.2(7)E9\n*,cisco-ios,15.2(2)E1,\n";
    let (document, _) = assess(&[], Some(baselines));
    let behind = ios_component(&document, "behind.snmprec");
    assert_eq!(behind["verdict"], "below-baseline");
    assert_eq!(behind["baseline"], "15.2(7)E9");
    let current = ios_component(&document, "current.snmprec");
    assert_eq!(current["verdict"], "current");
    assert!(current["note"].as_str().unwrap().contains("untested"), "{current}");
}

#[test]
fn fail_on_levels_set_exit_status() {
    for level in ["behind", "below-baseline", "eol", "vulnerable", "kev"] {
        let (_, output) = assess(&["--fail-on", level], None);
        assert_eq!(output.status.code(), Some(1), "--fail-on {level}: a vulnerable component reaches every level");
    }
    let (_, output) = assess(&["--fail-on", "vulnerable", "--as-of", "2020-01-01"], None);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn stale_release_data_is_flagged() {
    let (_, output) = assess(&["--as-of", "2027-06-01", "--format", "table"], None);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("release data checked 2026-11-20 (stale"), "{text}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("more than 90 days"));
}

#[test]
fn invalid_catalogue_names_file() {
    let releases = tempfile::tempdir().unwrap();
    std::fs::write(releases.path().join("broken.toml"), CATALOGUE.replace("latest = \"15.2(7)E10\"", "latest = \"15.2.7\"")).unwrap();
    let dir = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let output = fwsweep(&["identify", "--releases", releases.path().to_str().unwrap(), dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("broken.toml"), "{message}");
    assert!(message.contains("\"15.2.7\" is not a cisco-ios version"), "{message}");
}

#[test]
fn import_reads_endoflife_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let cycle_list = dir.path().join("fortios.json");
    std::fs::write(
        &cycle_list,
        r#"[{"cycle":"7.2","releaseDate":"2022-03-31","eol":"2026-09-28","latest":"7.2.11"},{"cycle":"7.6","releaseDate":"2024-07-25","eol":false,"latest":"7.6.4"}]"#,
    )
    .unwrap();
    let output = dir.path().join("fortios.toml");
    let run = fwsweep(&[
        "releases", "import", cycle_list.to_str().unwrap(), "--product", "fortios", "--vendor", "Fortinet",
        "--scheme", "fortios", "--checked", "2026-12-01", "--output", output.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let listed = fwsweep(&["releases", "list", "--releases", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&listed.stdout);
    let line = text.lines().find(|l| l.starts_with("fortios")).unwrap_or_else(|| panic!("no fortios line:\n{text}"));
    assert!(line.contains("checked 2026-12-01"), "{text}");
    assert!(line.contains(" 2 trains"), "{text}");

    let wrong_scheme = fwsweep(&[
        "releases", "import", cycle_list.to_str().unwrap(), "--product", "fortios", "--vendor", "Fortinet", "--scheme", "junos",
    ]);
    assert_eq!(wrong_scheme.status.code(), Some(2), "7.2.11 is not a Junos version");

    let Some(corpus) = corpus() else { return };
    let page = corpus.join("../release-data/endoflife.date/products/cisco-ios-xe.md");
    if !need(page.is_file(), "../shared/release-data") {
        return;
    }
    let run = fwsweep(&["releases", "import", page.to_str().unwrap(), "--product", "cisco-iosxe", "--vendor", "Cisco", "--scheme", "cisco-iosxe"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stdout).contains("name = \"17.9\""));
}

#[test]
fn profiles_check_finds_missing_fixture() {
    let profiles = tempfile::tempdir().unwrap();
    let profile = "id = \"acme-widget\"\nvendor = \"Acme\"\nclass = \"other\"\n[match]\nsys_object_id = [\"1.3.6.1.4.1.99999\"]\n\
                   [version]\ncomponent = \"Firmware\"\nkind = \"firmware\"\nsources = [{ oid = \"sysDescr\", regex = 'version (\\S+)' }]\n";
    std::fs::write(profiles.path().join("widget.toml"), profile).unwrap();
    let fixtures = tempfile::tempdir().unwrap();
    let output = fwsweep(&["profiles", "check", profiles.path().to_str().unwrap(), "--fixtures", fixtures.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("has no recording"));

    std::fs::write(fixtures.path().join("acme-widget.snmprec"), UNKNOWN).unwrap();
    let output = fwsweep(&["profiles", "check", profiles.path().to_str().unwrap(), "--fixtures", fixtures.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn invalid_baseline_is_input_error() {
    let (_, output) = assess(&[], Some("tenant,product,minimum,target\nacme,cisco-ios,banana,\n"));
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("baselines.csv:2: minimum \"banana\" is not a cisco-ios version"), "{message}");
}
