//! Customer reports: the HTML report and per-tenant exports, written from
//! sweeps of `fwsweep simulate` on 127.85.0.0/16, and from offline
//! identification of the project's fixtures.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

/// A string with markup, quotes, an ampersand, a terminal escape sequence,
/// control characters and a right-to-left override.
const HOSTILE: &str = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>&amp;\u{1b}[31mred\u{7}\u{0}\u{202e}gpj.exe";
/// A value shaped like a script URL.
const HOSTILE_URL: &str = "javascript:alert(3)";

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Builds a recording whose sysName is `sys_name` and whose sysDescr
/// matches no profile, so its raw sysDescr appears in the report.
fn unknown_device_recording(sys_descr: &str, sys_name: &str) -> String {
    format!(
        "1.3.6.1.2.1.1.1.0|4x|{}\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.1\n1.3.6.1.2.1.1.3.0|67|1234\n1.3.6.1.2.1.1.5.0|4x|{}\n",
        hex(sys_descr),
        hex(sys_name)
    )
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

/// Returns every `href` value of an HTML document.
fn hrefs(html: &str) -> Vec<&str> {
    html.split("href=\"").skip(1).map(|rest| rest.split('"').next().unwrap_or("")).collect()
}

/// Returns the text of every tag, between `<` and `>`. Escaping leaves no
/// raw `<` in device text, so each one found starts a real tag.
fn tags(html: &str) -> Vec<&str> {
    html.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or("")).collect()
}

/// Asserts that the document loads nothing from outside and runs no script.
fn assert_self_contained(html: &str) {
    const FORBIDDEN: [&str; 11] = ["script", "img", "iframe", "link", "object", "embed", "audio", "video", "source", "base", "form"];
    for tag in tags(html) {
        let lower = tag.to_ascii_lowercase();
        let name = lower.split(|c: char| c.is_whitespace() || c == '/').find(|part| !part.is_empty()).unwrap_or("");
        assert!(!FORBIDDEN.contains(&name), "forbidden element <{tag}>");
        assert!(!lower.contains("src="), "an attribute loads a resource: <{tag}>");
        assert!(!lower.contains(" on"), "an event handler attribute: <{tag}>");
    }
    let style = html.split("<style>").nth(1).and_then(|s| s.split("</style>").next()).expect("inline style sheet");
    assert!(!style.contains("url("), "the style sheet loads a resource");
    assert!(!style.contains("@import"), "the style sheet imports another");
    for href in hrefs(html) {
        let web = href.starts_with("https://") || href.starts_with("http://");
        assert!(web, "href {href:?} is not an advisory link");
    }
    let lower = html.to_ascii_lowercase();
    let web_urls = lower.matches("http://").count() + lower.matches("https://").count();
    let allowed = hrefs(html).len() + lower.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(web_urls, allowed, "every http(s) URL is an advisory href or the SVG namespace");
}

#[test]
fn html_escapes_hostile_device_strings() {
    let recordings = recordings_dir(&[("hostile.snmprec", &unknown_device_recording(HOSTILE, HOSTILE_URL))]);
    let simulation = Simulation::start(recordings.path(), "127.85.1.1", 1161, &[]);
    let address = simulation.address_of("hostile.snmprec");
    let tenant = "Acme <b>&</b> \"Sons\"";
    // A command-line argument cannot carry NUL.
    let site = HOSTILE.replace('\0', "");
    let output = fwsweep(&["scan", address, "--snmp-port", "1161", "--format", "html", "--tenant", tenant, "--site", &site]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let html = String::from_utf8(output.stdout).expect("UTF-8 HTML");

    assert_self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;&amp;amp;"), "sysDescr is escaped");
    assert!(html.contains("Acme &lt;b&gt;&amp;&lt;/b&gt; &quot;Sons&quot;"), "tenant is escaped");
    assert!(html.contains("javascript:alert(3)"), "sysName is shown as text");
    assert!(!html.contains('\u{1b}'), "escape character removed");
    assert!(!html.contains('\u{7}'), "bell removed");
    assert!(!html.contains('\u{0}'), "NUL removed");
    assert!(!html.contains('\u{202e}'), "right-to-left override removed");
    assert!(html.contains("redgpj.exe"), "the printable text stays");
}

/// Identifies SNMP recordings from `fixtures/snmp` for tenant `acme` as of
/// 2026-12-04 and returns the HTML report.
fn identify_fixtures_html(names: &[&str]) -> String {
    let fixtures = repository().join("fixtures/snmp");
    let recordings: Vec<String> = names.iter().map(|name| fixtures.join(name).to_string_lossy().into_owned()).collect();
    let mut args = vec!["identify", "--format", "html", "--tenant", "acme", "--as-of", "2026-12-04"];
    args.extend(recordings.iter().map(String::as_str));
    let output = fwsweep(&args);
    assert!(output.status.success(), "{}", stderr_of(&output));
    String::from_utf8(output.stdout).expect("UTF-8 HTML")
}

#[test]
fn html_has_advisory_links_only() {
    let html = identify_fixtures_html(&["fortinet-fortigate.snmprec", "apc-nmc.snmprec", "cisco-ios-switch.snmprec"]);

    assert_self_contained(&html);
    assert!(html.contains("Content-Security-Policy"), "the page forbids scripts");
    assert!(html.contains("<svg"), "the chart is inline SVG");
    let links = hrefs(&html);
    assert!(links.contains(&"https://www.cve.org/CVERecord?id=CVE-2021-22825"), "{links:?}");
    assert!(
        links.iter().any(|l| l.starts_with("https://download.schneider-electric.com/")),
        "the vendor advisory page is linked: {links:?}"
    );
    let action = html.split("id=\"action\"").nth(1).and_then(|s| s.split("id=\"inventory\"").next()).expect("sections");
    let fortigate = action.find("FortiGate").expect("the vulnerable FortiGate needs action");
    let switch = action.find("WS-C2960X").expect("the behind switch needs action");
    assert!(fortigate < switch, "a KEV-listed device comes before one that is behind");
}

/// Starts one switch and writes an inventory that puts the same address in
/// two tenants, one of them with a name that is unsafe as a file name.
fn two_tenant_inventory(work: &Path, first_address: &str) -> (Simulation, PathBuf) {
    let recordings = recordings_dir(&[("switch.snmprec", SWITCH)]);
    let simulation = Simulation::start(recordings.path(), first_address, 1161, &[]);
    let switch = simulation.address_of("switch.snmprec").to_string();
    let inventory = write_file(
        work,
        "inventory.csv",
        &format!(
            "tenant,site,target,name,port\n\
             acme,hq,{switch},acme-core,1161\n\
             ../Globex EU,hq,{switch},globex-core,1161\n\
             acme,hq,127.85.2.250,acme-silent,1161\n"
        ),
    );
    (simulation, inventory)
}

#[test]
fn per_tenant_exports_never_mix_tenants() {
    let work = tempfile::tempdir().unwrap();
    let (_simulation, inventory) = two_tenant_inventory(work.path(), "127.85.2.1");
    let out_dir = work.path().join("exports");
    let output = fwsweep(&[
        "scan", "--inventory", inventory.to_str().unwrap(), "--community", "public", "--timeout", "300ms",
        "--format", "html", "--split-by", "tenant", "--output", out_dir.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));

    let names: BTreeSet<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 6, "three files per tenant: {names:?}");
    for name in ["acme.csv", "acme.json", "acme.html"] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
    let globex_stem = names.iter().find(|n| n.ends_with(".json") && n.contains("Globex")).expect("globex file").replace(".json", "");
    assert!(globex_stem.starts_with("_._Globex_EU-"), "{globex_stem}");
    let outside: Vec<_> = std::fs::read_dir(work.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(outside.len(), 2, "nothing written beside the output folder: {outside:?}");

    let acme: serde_json::Value = serde_json::from_slice(&std::fs::read(out_dir.join("acme.json")).unwrap()).unwrap();
    let acme_devices = acme["devices"].as_array().unwrap();
    assert_eq!(acme_devices.len(), 2);
    assert!(acme_devices.iter().all(|d| d["tenant"] == "acme"));
    assert_eq!(acme["sweep"]["targets"], 2, "the counts are the tenant's own");
    let globex: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join(format!("{globex_stem}.json"))).unwrap()).unwrap();
    let globex_devices = globex["devices"].as_array().unwrap();
    assert_eq!(globex_devices.len(), 1);
    assert_eq!(globex_devices[0]["tenant"], "../Globex EU");
    assert_eq!(globex_devices[0]["name"], "globex-core");

    let acme_csv = std::fs::read_to_string(out_dir.join("acme.csv")).unwrap();
    assert!(acme_csv.contains("acme-core"));
    assert!(!acme_csv.contains("globex"), "acme.csv holds no globex row");
    let globex_csv = std::fs::read_to_string(out_dir.join(format!("{globex_stem}.csv"))).unwrap();
    assert!(globex_csv.contains("globex-core"));
    assert!(!globex_csv.contains("acme"), "the globex CSV holds no acme row");

    let acme_html = std::fs::read_to_string(out_dir.join("acme.html")).unwrap();
    assert!(acme_html.contains("acme-core"), "acme.html lists the acme switch");
    assert!(acme_html.contains("acme-silent"), "acme.html lists the silent acme target");
    assert!(!acme_html.contains("globex"), "acme.html names no globex device");
    let globex_html = std::fs::read_to_string(out_dir.join(format!("{globex_stem}.html"))).unwrap();
    assert!(globex_html.contains("globex-core"));
    assert!(!globex_html.contains("acme"), "the globex report names no acme device");
}

#[test]
fn html_for_several_tenants_needs_split() {
    let work = tempfile::tempdir().unwrap();
    let (_simulation, inventory) = two_tenant_inventory(work.path(), "127.85.3.1");
    let output = fwsweep(&["scan", "--inventory", inventory.to_str().unwrap(), "--format", "html"]);
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let message = stderr_of(&output);
    assert!(message.contains("--split-by tenant"), "{message}");
    assert!(message.contains("\"acme\""), "{message}");
    assert!(output.stdout.is_empty(), "no report is written");
}

#[test]
fn demo_html_needs_split() {
    // The check runs before the demo network starts, so this opens no socket.
    let output = fwsweep(&["demo", "--format", "html"]);
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let message = stderr_of(&output);
    assert!(message.contains("4 tenants"), "{message}");
    assert!(message.contains("--split-by tenant"), "{message}");
}

#[test]
fn split_without_output_is_rejected() {
    let fixture = repository().join("fixtures/snmp/cisco-ios-switch.snmprec");
    let output = fwsweep(&["identify", "--split-by", "tenant", fixture.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("needs --output DIR"), "{}", stderr_of(&output));

    let output = fwsweep(&["identify", "--excel", "--format", "json", fixture.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("--excel"), "{}", stderr_of(&output));
}

#[test]
fn excel_csv_has_bom_and_crlf() {
    let fixture = repository().join("fixtures/snmp/cisco-ios-switch.snmprec");
    let plain = fwsweep(&["identify", "--format", "csv", fixture.to_str().unwrap()]);
    assert!(plain.status.success(), "{}", stderr_of(&plain));
    assert!(!plain.stdout.starts_with(b"\xEF\xBB\xBF"), "plain CSV has no byte order mark");
    assert!(!plain.stdout.windows(2).any(|w| w == b"\r\n"), "plain CSV has LF line ends");

    let excel = fwsweep(&["identify", "--format", "csv", "--excel", fixture.to_str().unwrap()]);
    assert!(excel.status.success(), "{}", stderr_of(&excel));
    assert!(excel.stdout.starts_with(b"\xEF\xBB\xBFtenant,site,address"), "byte order mark before the header");
    let text = String::from_utf8(excel.stdout[3..].to_vec()).unwrap();
    let plain_text = String::from_utf8(plain.stdout).unwrap();
    assert_eq!(text.matches("\r\n").count(), plain_text.matches('\n').count(), "every line ends in CRLF");

    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("out");
    let split = fwsweep(&[
        "identify", "--tenant", "acme", "--split-by", "tenant", "--excel", "--output", out_dir.to_str().unwrap(),
        fixture.to_str().unwrap(),
    ]);
    assert!(split.status.success(), "{}", stderr_of(&split));
    let csv = std::fs::read(out_dir.join("acme.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "per-tenant CSV has the byte order mark");
    let json = std::fs::read(out_dir.join("acme.json")).unwrap();
    assert!(json.starts_with(b"{"), "JSON gets no byte order mark");
    assert!(!out_dir.join("acme.html").exists(), "HTML only with --format html");
}

#[test]
fn split_refuses_symlinked_file() {
    let fixture = repository().join("fixtures/snmp/cisco-ios-switch.snmprec");
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let elsewhere = write_file(work.path(), "elsewhere.txt", "keep me");
    std::os::unix::fs::symlink(&elsewhere, out_dir.join("acme.csv")).unwrap();

    let output = Command::new(binary())
        .args(["identify", "--tenant", "acme", "--split-by", "tenant", "--output", out_dir.to_str().unwrap()])
        .arg(&fixture)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr_of(&output).contains("symbolic link"), "{}", stderr_of(&output));
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me", "the link target is untouched");
}

/// Writes the files of a sweep whose HTML report would show technician
/// details: a credential set name in a silent target's reason and a
/// baseline file reference in a component note.
fn technician_details_scan(work: &Path, simulation: &Simulation) -> Vec<String> {
    let switch = simulation.address_of("switch.snmprec");
    write_file(work, "community", "public\n");
    let credentials = write_file(
        work,
        "credentials.toml",
        "[[snmp]]\nname = \"acme-hidden-set\"\ntenants = [\"acme\"]\nversion = \"2c\"\ncommunity = \"file:community\"\n",
    );
    let inventory = write_file(
        work,
        "inventory.csv",
        &format!("tenant,site,target,name,port\nacme,hq,{switch},core-sw,1161\nacme,hq,127.85.5.2,silent-ups,1161\n"),
    );
    // The minimum is in another train than the switch runs, so the note
    // names the baseline file and line.
    let baselines = write_file(work, "approved.csv", "tenant,product,minimum,target\nacme,cisco-ios,15.9(3)M1,\n");
    [
        "scan", "--inventory", inventory.to_str().unwrap(), "--credentials", credentials.to_str().unwrap(),
        "--baselines", baselines.to_str().unwrap(), "--timeout", "300ms", "--retries", "0", "--no-history",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn html_hides_technician_details() {
    let work = tempfile::tempdir().unwrap();
    let recordings = recordings_dir(&[("switch.snmprec", SWITCH)]);
    // The simulator leaves 127.85.5.2 silent, so its reason lists the credential sets tried.
    let simulation = Simulation::start(recordings.path(), "127.85.5.1", 1161, &["--silent", "1"]);
    let mut args = technician_details_scan(work.path(), &simulation);
    let base: Vec<&str> = args.iter().map(String::as_str).collect();

    let json = fwsweep(&[base.as_slice(), &["--format", "json"]].concat());
    assert!(json.status.success(), "{}", stderr_of(&json));
    let json_text = String::from_utf8_lossy(&json.stdout).into_owned();
    assert!(json_text.contains("acme-hidden-set"), "JSON keeps the credential set for the technician: {json_text}");
    assert!(json_text.contains("approved.csv:2"), "JSON keeps the baseline reference: {json_text}");

    args.extend(["--format".to_string(), "html".to_string()]);
    let base: Vec<&str> = args.iter().map(String::as_str).collect();
    let html = fwsweep(&base);
    assert!(html.status.success(), "{}", stderr_of(&html));
    let html = String::from_utf8(html.stdout).expect("UTF-8 HTML");
    assert!(html.contains("silent-ups"), "the silent target is listed");
    assert!(html.contains("no SNMP response"), "its reason is kept");
    assert!(!html.contains("acme-hidden-set"), "no credential set name");
    assert!(!html.contains("approved.csv"), "no baseline file reference");
    assert!(!html.contains(work.path().to_str().unwrap()), "no local path");
    assert!(html.contains("is in another train"), "the baseline note stays");
}

#[test]
fn html_legend_explains_every_badge() {
    let html = identify_fixtures_html(&["fortinet-fortigate.snmprec", "cisco-ios-switch.snmprec", "yealink-phone.snmprec"]);

    let legend = html.split("<dl class=\"legend\">").nth(1).and_then(|s| s.split("</dl>").next()).expect("a legend");
    let badges: BTreeSet<&str> = html
        .split("<span class=\"badge ")
        .skip(1)
        .filter_map(|rest| rest.split('>').nth(1)?.split('<').next())
        .collect();
    assert!(badges.contains("vulnerable"), "{badges:?}");
    assert!(badges.contains("current"), "{badges:?}");
    for badge in &badges {
        assert!(legend.contains(&format!(">{badge}</span></dt><dd>")), "{badge} is not explained: {legend}");
    }
    for label in ["unknown", "current", "not read"] {
        assert!(legend.contains(&format!(">{label}</span></dt><dd>")), "{label} is not explained: {legend}");
    }
}
