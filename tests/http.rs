//! Phones and printers over HTTP(S), and phones over SIP. The simulator and
//! in-process web servers serve saved pages on 127.81.0.0/16, and the
//! scanner reads them over real sockets.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::*;
use fwsweep::http::recording;
use fwsweep::http::server::{self, RunningWebServer, WebOptions};
use fwsweep::redfish::server::{ServerCertificate, self_signed};

const USER: &str = "admin";
/// A password distinctive enough that a leak into any output is found.
const PASSWORD: &str = "web-pw-7Qx!sekret";

#[derive(Debug, serde::Deserialize)]
struct Expected {
    recording: String,
    profile: String,
    model: String,
    version: String,
}

fn expected_rows(file: &str) -> Vec<Expected> {
    let path = repository().join("fixtures/expected").join(file);
    csv::Reader::from_path(&path).unwrap().deserialize().map(|row| row.unwrap()).collect()
}

/// Writes an inventory that scans `targets` (a TARGET form) over `protocols`.
fn write_inventory(dir: &Path, targets: &str, protocols: &str, extra: &str) -> std::path::PathBuf {
    let path = dir.join("inventory.csv");
    let text = format!("tenant,site,target,name,credentials,protocols,port,tls_fingerprint,insecure\nlab,hq,{targets},,,{protocols},{extra}\n");
    std::fs::write(&path, text).unwrap();
    path
}

fn write_credentials(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("credentials.toml");
    std::fs::write(&path, format!("[[http]]\nname = \"lab-web\"\ntenants = [\"lab\"]\nuser = \"{USER}\"\npassword = \"env:LAB_WEB_PASSWORD\"\n")).unwrap();
    path
}

/// Runs fwsweep with the web password in its environment and checks that
/// the password appears in none of its output.
fn run(args: &[&str]) -> std::process::Output {
    run_with_password(args, PASSWORD)
}

/// Runs fwsweep like [`run`] with `password` as the `[[http]]` password.
fn run_with_password(args: &[&str], password: &str) -> std::process::Output {
    let output = std::process::Command::new(binary()).env("LAB_WEB_PASSWORD", password).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!text.contains(password), "the web password leaked into the output");
    output
}

fn devices_by_address(output: &std::process::Output) -> BTreeMap<String, serde_json::Value> {
    json_of(output)["devices"].as_array().unwrap().iter().map(|d| (d["address"].as_str().unwrap_or("").to_string(), d.clone())).collect()
}

#[test]
fn every_http_profile_identified_live() {
    let simulation = Simulation::start(&repository().join("fixtures/http"), "127.81.1.1", 1161, &["--http-port", "18081", "--https-port", "18441"]);
    let dir = tempfile::tempdir().unwrap();
    let last = &simulation.endpoints.last().unwrap().0;
    let inventory = write_inventory(dir.path(), &format!("127.81.1.1-{last}"), "http", ",,true");
    let credentials = write_credentials(dir.path());
    // The simulator's web devices accept its fixed password.
    let args = [
        "scan", "--inventory", inventory.to_str().unwrap(), "--credentials", credentials.to_str().unwrap(),
        "--http-port", "18081", "--https-port", "18441", "--format", "json", "-v",
    ];
    let output = run_with_password(&args, fwsweep::simulate::SIMULATED_REDFISH_PASSWORD);
    let devices = devices_by_address(&output);
    let rows = expected_rows("http.csv");
    assert_eq!(devices.len(), rows.len(), "one row per simulated device");
    for row in rows {
        let device = &devices[simulation.address_of(&row.recording)];
        assert_eq!(device["status"], "ok", "{}: {device}", row.recording);
        assert_eq!(device["profile"], row.profile.as_str(), "{}", row.recording);
        assert_eq!(device["model"], row.model.as_str(), "{}", row.recording);
        assert_eq!(device["version"], row.version.as_str(), "{}", row.recording);
        assert_eq!(device["protocols"], serde_json::json!(["http"]), "{}", row.recording);
        let component = &device["components"][0];
        assert_eq!(component["protocol"], "http", "{}", row.recording);
        assert!(component["source"].as_str().unwrap().starts_with("http:/"), "{}: {component}", row.recording);
    }
}

#[test]
fn every_sip_profile_identified_live() {
    let simulation = Simulation::start(&repository().join("fixtures/sip"), "127.81.2.1", 1161, &["--sip-port", "15081"]);
    let last = &simulation.endpoints.last().unwrap().0;
    let output = fwsweep(&["scan", &format!("127.81.2.1-{last}"), "--protocols", "sip", "--sip-port", "15081", "--format", "json"]);
    let devices = devices_by_address(&output);
    let rows = expected_rows("sip.csv");
    assert_eq!(devices.len(), rows.len(), "one row per simulated phone");
    for row in rows {
        let device = &devices[simulation.address_of(&row.recording)];
        assert_eq!(device["status"], "ok", "{}: {device}", row.recording);
        assert_eq!(device["profile"], row.profile.as_str(), "{}", row.recording);
        assert_eq!(device["version"], row.version.as_str(), "{}", row.recording);
        if !row.model.is_empty() {
            assert_eq!(device["model"], row.model.as_str(), "{}", row.recording);
        }
    }
}

const MALFORMED_XML: &str = "=== /DeviceInformationX\nContent-Type: text/xml\n\n<DeviceInformationX><modelNumber>CP-8845</modelNumber><versionID>sip88xx.14-2-1</DeviceInformationX>\n";
const MALFORMED_JSON: &str = "=== /api/v1/mgmt/device/info\nContent-Type: application/json\n\n{\"Status\": \"2000\", \"data\": {\"ModelNumber\": \"VVX 450\"\n";
const UNKNOWN_HTML: &str = "=== /web/guest/en/websys/status/configuration.cgi\nContent-Type: text/html\n\n<html><title>Garden lights</title><p>nothing to see</p></html>\n";

#[test]
fn malformed_pages_are_unidentified() {
    let dir = recordings_dir(&[("a-xml.http", MALFORMED_XML), ("b-json.http", MALFORMED_JSON), ("c-html.http", UNKNOWN_HTML)]);
    let simulation = Simulation::start(dir.path(), "127.81.3.1", 1161, &["--http-port", "18082", "--https-port", "18442"]);
    let scan_dir = tempfile::tempdir().unwrap();
    let inventory = write_inventory(scan_dir.path(), "127.81.3.1-127.81.3.3", "http", ",,true");
    let output = run(&["scan", "--inventory", inventory.to_str().unwrap(), "--http-port", "18082", "--https-port", "18442", "--format", "json"]);
    let devices = devices_by_address(&output);

    let xml = &devices[simulation.address_of("a-xml.http")];
    assert_eq!(xml["status"], "unidentified", "{xml}");
    assert!(xml["reason"].as_str().unwrap().contains("/DeviceInformationX: invalid XML"), "{xml}");

    let json = &devices[simulation.address_of("b-json.http")];
    assert_eq!(json["status"], "unidentified", "{json}");
    assert!(json["reason"].as_str().unwrap().contains("/api/v1/mgmt/device/info: invalid JSON"), "{json}");

    let html = &devices[simulation.address_of("c-html.http")];
    assert_eq!(html["status"], "unidentified", "{html}");
    assert!(html["reason"].as_str().unwrap().contains("configuration.cgi: the page matches no profile"), "{html}");
}

#[test]
fn identify_reports_malformed_recording() {
    let dir = recordings_dir(&[("broken.http", "=== /a\nStatus: twelve\n\nbody\n"), ("bad-xml.http", MALFORMED_XML)]);
    let devices = identify_by_recording(dir.path());
    let broken = &devices["broken.http"];
    assert_eq!(broken["status"], "unidentified", "{broken}");
    assert!(broken["reason"].as_str().unwrap().contains("broken.http:2: status"), "{broken}");
    let bad_xml = &devices["bad-xml.http"];
    assert_eq!(bad_xml["status"], "unidentified", "{bad_xml}");
    assert!(bad_xml["reason"].as_str().unwrap().contains("invalid XML"), "{bad_xml}");
}

#[test]
fn missing_second_page_is_partial() {
    let profiles = recordings_dir(&[(
        "two-pages.toml",
        r#"
id = "test-two-pages"
vendor = "Acme Printers"
class = "printer"

[http]
[[http.page]]
path = "/status.xml"
format = "xml"
match = '<acme-status'
model = { xpath = "/acme-status/model" }
version = { xpath = "/acme-status/firmware" }

[[http.page]]
path = "/engine.json"
format = "json"
[[http.page.component]]
name = "Engine"
kind = "firmware"
pointer = "/engine"
"#,
    )]);
    let page = "=== /status.xml\nContent-Type: text/xml\n\n<acme-status><model>AP-1</model><firmware>3.1</firmware></acme-status>\n";
    let recordings = recordings_dir(&[("acme.http", page)]);
    let output = fwsweep(&["identify", "--profiles", profiles.path().to_str().unwrap(), "--format", "json", recordings.path().join("acme.http").to_str().unwrap()]);
    let device = &json_of(&output)["devices"][0];
    assert_eq!(device["status"], "partial", "{device}");
    assert_eq!(device["version"], "3.1");
    assert!(device["reason"].as_str().unwrap().contains("/engine.json: HTTP 404"), "{device}");
}

#[test]
fn login_without_credentials_is_auth_failed() {
    let vvx = std::fs::read_to_string(repository().join("fixtures/http/poly-vvx.http")).unwrap();
    let dir = recordings_dir(&[("poly-vvx.http", &vvx)]);
    let _simulation = Simulation::start(dir.path(), "127.81.4.1", 1161, &["--http-port", "18083", "--https-port", "18443"]);
    let scan_dir = tempfile::tempdir().unwrap();
    let inventory = write_inventory(scan_dir.path(), "127.81.4.1", "http", ",,true");
    let output = run(&["scan", "--inventory", inventory.to_str().unwrap(), "--http-port", "18083", "--https-port", "18443", "--format", "json"]);
    let device = &json_of(&output)["devices"][0];
    assert_eq!(device["status"], "auth-failed", "{device}");
    assert!(device["reason"].as_str().unwrap().contains("HTTP 401; the page needs credentials"), "{device}");
    assert_eq!(device["credential"], serde_json::Value::Null);
}

#[test]
fn closed_ports_are_refused() {
    let output = run(&["scan", "127.81.8.1", "--protocols", "http", "--http-port", "18085", "--https-port", "18445", "--format", "json"]);
    let device = &json_of(&output)["devices"][0];
    assert_eq!(device["status"], "refused", "{device}");
    assert!(device["reason"].as_str().unwrap().contains("connection refused"), "{device}");
}

// ---------------------------------------------------------------------------
// In-process web servers, whose request counters the tests read.

const PROFILE: &str = r#"
id = "test-webphone"
vendor = "Acme Phones"
class = "phone"

[http]
FORM

[[http.page]]
path = "/info.json"
scheme = "SCHEME"
format = "json"
login = true
match = '"vendor"\s*:\s*"Acme"'
model = { pointer = "/model" }
version = { pointer = "/firmware" }
"#;

const FORM_LOGIN: &str = r#"[http.form_login]
path = "/login"
user_field = "user"
password_field = "pass"
logout_path = "/logout""#;

const PAGE: &str = "=== /info.json\nContent-Type: application/json\nProtected: yes\n\n{\"vendor\": \"Acme\", \"model\": \"AP-9\", \"firmware\": \"2.4.1\"}\n";

/// A web server for one test device, with its certificate and a folder for
/// the profile, credentials and inventory.
struct WebDevice {
    server: RunningWebServer,
    certificate: ServerCertificate,
    dir: tempfile::TempDir,
}

async fn start_device(ip: &str, settings: &str, password: &str) -> WebDevice {
    let recording = Arc::new(recording::parse("test.http", &format!("{settings}\n{PAGE}")).unwrap());
    let ip: std::net::IpAddr = ip.parse().unwrap();
    let certificate = self_signed(&[ip]);
    let options = WebOptions { username: USER.to_string(), password: password.to_string(), latency: std::time::Duration::ZERO };
    let server = server::serve(SocketAddr::new(ip, 0), SocketAddr::new(ip, 0), recording, &certificate, options).await.unwrap();
    WebDevice { server, certificate, dir: tempfile::tempdir().unwrap() }
}

impl WebDevice {
    /// Scans the device with the test profile, the `[[http]]` set and the
    /// inventory columns `port,tls_fingerprint,insecure` given as `tls`.
    async fn scan(&self, scheme: &str, form: bool, tls: &str) -> serde_json::Value {
        let profiles = self.dir.path().join("profiles");
        std::fs::create_dir_all(&profiles).unwrap();
        let profile = PROFILE.replace("SCHEME", scheme).replace("FORM", if form { FORM_LOGIN } else { "" });
        std::fs::write(profiles.join("webphone.toml"), profile).unwrap();
        let ip = self.server.http_address.ip().to_string();
        let inventory = write_inventory(self.dir.path(), &ip, "http", tls);
        let credentials = write_credentials(self.dir.path());
        let args: Vec<String> = [
            "scan", "--inventory", inventory.to_str().unwrap(), "--credentials", credentials.to_str().unwrap(),
            "--profiles", profiles.to_str().unwrap(), "--format", "json", "-vv",
            "--http-port", &self.server.http_address.port().to_string(), "--https-port", &self.server.https_address.port().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let output = tokio::task::spawn_blocking(move || run(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
        json_of(&output)["devices"][0].clone()
    }

    fn pin(&self) -> String {
        format!(",{},", self.certificate.fingerprint)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_login_reads_page() {
    let device = start_device("127.81.5.1", "Auth: basic", PASSWORD).await;
    let row = device.scan("http", false, ",,").await;
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["version"], "2.4.1");
    assert_eq!(row["credential"], "lab-web");
    assert_eq!(device.server.stats.writes(), 0, "only GET reaches the server");
    assert!(device.server.stats.gets.load(Ordering::SeqCst) >= 2, "a plain GET, then one with credentials");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_md5_login_reads_page() {
    let device = start_device("127.81.5.2", "Auth: digest", PASSWORD).await;
    let row = device.scan("http", false, ",,").await;
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["model"], "AP-9");
    assert_eq!(device.server.stats.writes(), 0, "only GET reaches the server");
    assert_eq!(device.server.stats.denied.load(Ordering::SeqCst), 1, "one challenge, then the answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_sha256_login_reads_page() {
    let device = start_device("127.81.5.3", "Auth: digest-sha256", PASSWORD).await;
    let row = device.scan("http", false, ",,").await;
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["version"], "2.4.1");
    assert_eq!(device.server.stats.writes(), 0, "only GET reaches the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_digest_password_is_auth_failed() {
    let device = start_device("127.81.5.4", "Auth: digest", "another-password").await;
    let row = device.scan("http", false, ",,").await;
    assert_eq!(row["status"], "auth-failed", "{row}");
    let reason = row["reason"].as_str().unwrap();
    assert!(reason.starts_with("/info.json: HTTP 401 although credential set \"lab-web\" was sent; the device rejected it"), "the rejected login leads: {reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_login_logs_out_once() {
    let settings = "Auth: form\nLogin: /login\nLogout: /logout\nLogin-Fields: user pass";
    let device = start_device("127.81.5.5", settings, PASSWORD).await;
    let row = device.scan("http", true, ",,").await;
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["version"], "2.4.1");
    let stats = &device.server.stats;
    assert_eq!(stats.logins.load(Ordering::SeqCst), 1, "one form login");
    assert_eq!(stats.logouts.load(Ordering::SeqCst), 1, "one logout");
    assert_eq!(stats.posts.load(Ordering::SeqCst), 1, "the login is the only POST");
    assert_eq!(stats.writes(), 0, "nothing but GET, login and logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_login_rejected_is_auth_failed() {
    let settings = "Auth: form\nLogin: /login\nLogout: /logout\nLogin-Fields: user pass";
    let device = start_device("127.81.5.6", settings, "another-password").await;
    let row = device.scan("http", true, ",,").await;
    assert_eq!(row["status"], "auth-failed", "{row}");
    assert!(row["reason"].as_str().unwrap().contains("form login at /login rejected user"), "{row}");
    assert_eq!(device.server.stats.logouts.load(Ordering::SeqCst), 0, "no session, so no logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_pinned_certificate_is_trusted() {
    let device = start_device("127.81.6.1", "Auth: basic", PASSWORD).await;
    let row = device.scan("https", false, &device.pin()).await;
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["tls"], "pinned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_wrong_pin_is_tls_rejected() {
    let device = start_device("127.81.6.2", "Auth: basic", PASSWORD).await;
    let wrong = format!(",{},", "AB:".repeat(31) + "AB");
    let row = device.scan("https", false, &wrong).await;
    assert_eq!(row["status"], "tls-rejected", "{row}");
    assert!(row["reason"].as_str().unwrap().contains("pinned SHA-256 fingerprint"), "{row}");
    assert!(device.server.stats.handshake_failures.load(Ordering::SeqCst) >= 1, "the handshake was rejected");
    assert_eq!(device.server.stats.denied.load(Ordering::SeqCst), 0, "no request for the login page crosses a rejected handshake");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_insecure_target_is_read() {
    let device = start_device("127.81.6.3", "Auth: basic", PASSWORD).await;
    let row = device.scan("https", false, ",,true").await;
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["tls"], "insecure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_self_signed_unverified_is_rejected() {
    let device = start_device("127.81.6.4", "Auth: basic", PASSWORD).await;
    let row = device.scan("https", false, ",,").await;
    assert_eq!(row["status"], "tls-rejected", "{row}");
    assert!(row["reason"].as_str().unwrap().contains("not trusted"), "{row}");
    assert_eq!(device.server.stats.denied.load(Ordering::SeqCst), 0, "no request for the login page crosses an untrusted handshake");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_port_sets_web_port() {
    let device = start_device("127.81.6.5", "Auth: none", PASSWORD).await;
    let profiles = device.dir.path().join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(profiles.join("webphone.toml"), PROFILE.replace("SCHEME", "http").replace("FORM", "")).unwrap();
    let port = device.server.http_address.port().to_string();
    let inventory = write_inventory(device.dir.path(), "127.81.6.5", "http", &format!("{port},,"));
    let args = [
        "scan".to_string(), "--inventory".into(), inventory.to_str().unwrap().into(),
        "--profiles".into(), profiles.to_str().unwrap().into(), "--format".into(), "json".into(),
    ];
    let output = tokio::task::spawn_blocking(move || run(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
    let row = &json_of(&output)["devices"][0];
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["port"], device.server.http_address.port());
    assert_eq!(row["credential"], serde_json::Value::Null, "no credentials were needed");
}

#[test]
fn phone_over_three_protocols_one_row() {
    let snmp = recordings_dir(&[("phone.snmprec", UNKNOWN)]);
    let _agent = Simulation::start(snmp.path(), "127.81.7.1", 11661, &[]);
    let sip = recordings_dir(&[("cisco-ip-phone.sip", &std::fs::read_to_string(repository().join("fixtures/sip/cisco-ip-phone.sip")).unwrap())]);
    let _phone = Simulation::start(sip.path(), "127.81.7.1", 11662, &["--sip-port", "15082"]);
    let web = recordings_dir(&[("cisco-ip-phone.http", &std::fs::read_to_string(repository().join("fixtures/http/cisco-ip-phone.http")).unwrap())]);
    let _web = Simulation::start(web.path(), "127.81.7.1", 11663, &["--http-port", "18084", "--https-port", "18444"]);
    let output = fwsweep(&[
        "scan", "127.81.7.1", "--protocols", "snmp,sip,http", "--snmp-port", "11661", "--sip-port", "15082",
        "--http-port", "18084", "--https-port", "18444", "--format", "json",
    ]);
    let devices = json_of(&output)["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 1, "one row for the phone: {devices:?}");
    let device = &devices[0];
    let protocols = device["protocols"].as_array().unwrap();
    for protocol in ["snmp", "sip", "http"] {
        assert!(protocols.contains(&serde_json::json!(protocol)), "{protocol} missing: {device}");
    }
    assert_eq!(device["profile"], "cisco-ip-phone", "the web page leads over SIP: {device}");
    assert_eq!(device["serial"], "FCH2211A0B1");
    let components = device["components"].as_array().unwrap();
    assert!(components.iter().any(|c| c["protocol"] == "http" && c["source"] == "http:/DeviceInformationX"), "{device}");
    assert!(components.iter().any(|c| c["protocol"] == "sip"), "{device}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_names_http_set() {
    let device = start_device("127.81.10.1", "Auth: basic", PASSWORD).await;
    let dir = device.dir.path();
    let profiles = dir.join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(profiles.join("webphone.toml"), PROFILE.replace("SCHEME", "http").replace("FORM", "")).unwrap();
    // The tenant's first set has the wrong password, so only a row that
    // names `lab-web` reads the protected page.
    let credentials = dir.join("credentials.toml");
    let sets = format!(
        "[[http]]\nname = \"lab-old\"\ntenants = [\"lab\"]\nuser = \"{USER}\"\npassword = \"env:LAB_OLD_PASSWORD\"\n\n\
         [[http]]\nname = \"lab-web\"\ntenants = [\"lab\"]\nuser = \"{USER}\"\npassword = \"env:LAB_WEB_PASSWORD\"\n\n\
         [[http]]\nname = \"globex-web\"\ntenants = [\"globex\"]\nuser = \"{USER}\"\npassword = \"env:LAB_WEB_PASSWORD\"\n"
    );
    std::fs::write(&credentials, sets).unwrap();
    let inventory = dir.join("inventory.csv");
    let rows = "tenant,site,target,name,credentials,protocols\n\
                lab,hq,127.81.10.1,named,lab-web,http\n\
                lab,branch,127.81.10.1,unnamed,,http\n\
                lab,lab,127.81.10.1,borrowed,globex-web,http\n";
    std::fs::write(&inventory, rows).unwrap();
    let args: Vec<String> = [
        "scan", "--inventory", inventory.to_str().unwrap(), "--credentials", credentials.to_str().unwrap(),
        "--profiles", profiles.to_str().unwrap(), "--format", "json", "--no-history", "-v",
        "--http-port", &device.server.http_address.port().to_string(), "--https-port", &device.server.https_address.port().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();

    let output = tokio::task::spawn_blocking(move || {
        let output = std::process::Command::new(binary())
            .env("LAB_WEB_PASSWORD", PASSWORD)
            .env("LAB_OLD_PASSWORD", "old-pw-4Rt!gone")
            .args(&args)
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!text.contains(PASSWORD), "the web password leaked into the output");
        assert!(!text.contains("old-pw-4Rt!gone"), "the old web password leaked into the output");
        output
    })
    .await
    .unwrap();

    let devices = json_of(&output)["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 3, "{devices:?}");
    let by_name = |name: &str| devices.iter().find(|d| d["name"] == name).unwrap_or_else(|| panic!("row {name}")).clone();
    let named = by_name("named");
    assert_eq!(named["status"], "ok", "{named}");
    assert_eq!(named["version"], "2.4.1", "{named}");
    assert_eq!(named["credential"], "lab-web", "{named}");
    let unnamed = by_name("unnamed");
    assert_eq!(unnamed["status"], "auth-failed", "the tenant's first set is tried: {unnamed}");
    let borrowed = by_name("borrowed");
    assert_eq!(borrowed["status"], "not-scanned", "{borrowed}");
    let reason = borrowed["reason"].as_str().unwrap();
    assert!(reason.contains("inventory.csv:4:"), "{reason}");
    assert!(reason.contains("credential set \"globex-web\""), "{reason}");
    assert!(reason.contains("credentials.toml:13) is fenced to tenants [\"globex\"]"), "{reason}");
    assert_eq!(device.server.stats.writes(), 0, "only GET reaches the server");
}

/// Serves a Cisco phone over SIP alone on 127.81.9`subnet`.1 and a Poly VVX
/// over SIP and HTTP on 127.81.9`subnet`.2, and scans both over SIP and HTTP
/// with a web password the Poly rejects. Returns the simulations, the scan
/// folder and the arguments.
fn sip_and_http_phones(subnet: u8) -> (Vec<Simulation>, tempfile::TempDir, Vec<String>) {
    let cisco_address = format!("127.81.9{subnet}.1");
    let poly_address = format!("127.81.9{subnet}.2");
    let fixture = |dir: &str, file: &str| std::fs::read_to_string(repository().join("fixtures").join(dir).join(file)).unwrap();
    let sip = recordings_dir(&[("a-cisco.sip", &fixture("sip", "cisco-ip-phone.sip")), ("b-poly.sip", &fixture("sip", "poly-vvx.sip"))]);
    let sip_phones = Simulation::start(sip.path(), &cisco_address, 11690, &["--sip-port", "15090"]);
    let web = recordings_dir(&[("b-poly.http", &fixture("http", "poly-vvx.http"))]);
    let web_phone = Simulation::start(web.path(), &poly_address, 11691, &["--http-port", "18090", "--https-port", "18490"]);
    assert_eq!(sip_phones.address_of("a-cisco.sip"), cisco_address);
    assert_eq!(web_phone.address_of("b-poly.http"), poly_address);

    let dir = tempfile::tempdir().unwrap();
    let inventory = write_inventory(dir.path(), &format!("{cisco_address}-{poly_address}"), "sip;http", ",,true");
    let credentials = write_credentials(dir.path());
    let args = [
        "scan", "--inventory", inventory.to_str().unwrap(), "--credentials", credentials.to_str().unwrap(),
        "--sip-port", "15090", "--http-port", "18090", "--https-port", "18490", "--no-history",
    ];
    (vec![sip_phones, web_phone], dir, args.iter().map(|s| s.to_string()).collect())
}

/// Runs a scan from [`sip_and_http_phones`] with `extra` arguments and
/// returns its standard output.
fn scan_phones(args: &[String], extra: &[&str]) -> String {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(extra);
    let output = run(&all);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn table_line<'a>(table: &'a str, address: &str) -> &'a str {
    table.lines().find(|line| line.contains(address)).unwrap_or_else(|| panic!("no line for {address}:\n{table}"))
}

#[test]
fn sip_phone_table_hides_http_absence() {
    let (_simulations, _dir, args) = sip_and_http_phones(1);

    let table = scan_phones(&args, &["--format", "table"]);

    let cisco = table_line(&table, "127.81.91.1");
    assert!(cisco.contains(" ok "), "{cisco}");
    assert!(!cisco.contains("http"), "no HTTP detail for a phone read over SIP: {cisco}");
    assert!(!cisco.contains("connection refused"), "{cisco}");
    let poly = table_line(&table, "127.81.91.2");
    assert!(poly.contains("http: /api/v1/mgmt/device/info: HTTP 401 although credential set \"lab-web\" was sent"), "{poly}");
    assert!(poly.ends_with('…'), "the long reason is cut: {poly}");
    for line in table.lines().filter(|line| line.contains("127.81.91.")) {
        let detail = line.split("   ").last().unwrap_or_default().trim();
        assert!(detail.chars().count() <= 100, "detail longer than 100 characters: {detail}");
    }
}

#[test]
fn sip_phone_json_keeps_outcomes() {
    let (_simulations, _dir, args) = sip_and_http_phones(2);

    let output = scan_phones(&args, &["--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&output).unwrap();
    let devices: BTreeMap<String, serde_json::Value> =
        document["devices"].as_array().unwrap().iter().map(|d| (d["address"].as_str().unwrap().to_string(), d.clone())).collect();

    let cisco = &devices["127.81.92.1"];
    assert_eq!(cisco["status"], "ok", "{cisco}");
    assert_eq!(cisco["reason"], serde_json::Value::Null, "{cisco}");
    assert_eq!(cisco["outcomes"][0]["protocol"], "sip", "{cisco}");
    assert_eq!(cisco["outcomes"][0]["status"], "ok", "{cisco}");
    assert_eq!(cisco["outcomes"][1]["protocol"], "http", "{cisco}");
    assert_eq!(cisco["outcomes"][1]["status"], "refused", "{cisco}");
    assert!(cisco["outcomes"][1]["reason"].as_str().unwrap().contains("connection refused"), "{cisco}");

    let poly = &devices["127.81.92.2"];
    assert_eq!(poly["status"], "ok", "SIP read the phone: {poly}");
    assert_eq!(poly["outcomes"][1]["protocol"], "http", "{poly}");
    assert_eq!(poly["outcomes"][1]["status"], "auth-failed", "{poly}");
    let http_reason = poly["outcomes"][1]["reason"].as_str().unwrap();
    assert!(http_reason.starts_with("/api/v1/mgmt/device/info: HTTP 401 although credential set \"lab-web\" was sent"), "the rejected login leads: {http_reason}");
    assert!(http_reason.contains("other profile pages not found (HTTP 404)"), "{http_reason}");
    assert!(!http_reason.contains("HTTP 404;"), "404s are counted, not listed: {http_reason}");
    let reason = poly["reason"].as_str().unwrap();
    assert_eq!(reason, format!("http: {http_reason}"), "the rejected login is the device's reason");
}

#[test]
fn phone_csv_and_verbose_keep_detail() {
    let (_simulations, _dir, args) = sip_and_http_phones(3);

    let csv = scan_phones(&args, &["--format", "csv"]);
    let verbose = scan_phones(&args, &["--format", "table", "-v"]);

    let cisco_rows: Vec<&str> = csv.lines().filter(|line| line.contains("127.81.93.1")).collect();
    assert!(!cisco_rows.is_empty(), "{csv}");
    for row in cisco_rows {
        assert!(row.contains(",ok,http: connection refused"), "the CSV reason names the HTTP outcome: {row}");
    }
    let cisco = table_line(&verbose, "127.81.93.1");
    assert!(cisco.contains("http: "), "-v shows every protocol's outcome: {cisco}");
    let poly = table_line(&verbose, "127.81.93.2");
    assert!(poly.contains("other profile pages not found (HTTP 404)"), "-v shows the reason in full: {poly}");
}
