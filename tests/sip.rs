//! Phones over SIP. The simulator replies to OPTIONS with saved responses, and
//! test sockets act as phones that stay silent or reply with garbage.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;

const PROFILE: &str = r#"
id = "test-deskphone"
vendor = "Acme Phones"
class = "phone"

[sip]
user_agent = ['^Acme (?P<model>AP-\d+) (?P<version>\d+(?:\.\d+)+)$']
"#;

const RESPONSE: &str = "SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bK-recorded\r\n\
From: <sip:probe@192.0.2.50>;tag=recorded\r\n\
To: <sip:192.0.2.61>;tag=77\r\n\
Call-ID: recorded@192.0.2.50\r\n\
CSeq: 1 OPTIONS\r\n\
User-Agent: Acme AP-460 3.14.2.7\r\n\
Content-Length: 0\r\n\r\n";

fn profiles_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deskphone.toml"), PROFILE).unwrap();
    dir
}

fn device_of(output: &std::process::Output) -> serde_json::Value {
    json_of(output)["devices"][0].clone()
}

#[test]
fn identify_reads_saved_response() {
    let profiles = profiles_dir();
    let dir = recordings_dir(&[("deskphone.sip", RESPONSE), ("garbage.sip", "HTTP/1.1 200 OK\r\n\r\n")]);
    let output = fwsweep(&["identify", "--profiles", profiles.path().to_str().unwrap(), "--format", "json", dir.path().to_str().unwrap()]);
    let devices = json_of(&output)["devices"].as_array().unwrap().clone();
    let phone = devices.iter().find(|d| d["recording"] == "deskphone.sip").unwrap();
    assert_eq!(phone["status"], "ok", "{phone}");
    assert_eq!(phone["profile"], "test-deskphone");
    assert_eq!(phone["model"], "AP-460");
    assert_eq!(phone["version"], "3.14.2.7");
    assert_eq!(phone["user_agent"], "Acme AP-460 3.14.2.7");
    assert_eq!(phone["components"][0]["protocol"], "sip");
    let garbage = devices.iter().find(|d| d["recording"] == "garbage.sip").unwrap();
    assert_eq!(garbage["status"], "unidentified");
    assert!(garbage["reason"].as_str().unwrap().contains("malformed SIP response"), "{garbage}");
}

#[test]
fn scan_finds_simulated_phone() {
    let profiles = profiles_dir();
    let dir = recordings_dir(&[("deskphone.sip", RESPONSE)]);
    let simulation = Simulation::start(dir.path(), "127.98.0.1", 1161, &["--sip-port", "15062"]);
    let address = simulation.address_of("deskphone.sip");
    let output = fwsweep(&["scan", address, "--protocols", "sip", "--sip-port", "15062", "--profiles", profiles.path().to_str().unwrap(), "--format", "json"]);
    let device = device_of(&output);
    assert_eq!(device["status"], "ok", "{device}");
    assert_eq!(device["model"], "AP-460");
    assert_eq!(device["protocols"], serde_json::json!(["sip"]));
}

#[test]
fn unknown_user_agent_is_unidentified() {
    let dir = recordings_dir(&[("other.sip", &RESPONSE.replace("Acme AP-460 3.14.2.7", "Nobody Phone 1.0"))]);
    let simulation = Simulation::start(dir.path(), "127.98.1.1", 1161, &["--sip-port", "15062"]);
    let output = fwsweep(&["scan", simulation.address_of("other.sip"), "--protocols", "sip", "--sip-port", "15062", "--format", "json"]);
    let device = device_of(&output);
    assert_eq!(device["status"], "unidentified");
    assert_eq!(device["user_agent"], "Nobody Phone 1.0");
}

/// A phone that never replies receives exactly one datagram per attempt, and the
/// target still gets a row.
#[test]
fn silent_phone_one_request_per_attempt() {
    let socket = std::net::UdpSocket::bind("127.98.2.1:15062").unwrap();
    socket.set_read_timeout(Some(std::time::Duration::from_millis(200))).unwrap();
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    let listener = std::thread::spawn(move || {
        let mut buffer = [0u8; 2048];
        let mut call_ids = std::collections::HashSet::new();
        while !stopping.load(Ordering::SeqCst) {
            if let Ok(length) = socket.recv(&mut buffer) {
                let text = String::from_utf8_lossy(&buffer[..length]).into_owned();
                assert!(text.starts_with("OPTIONS sip:127.98.2.1 SIP/2.0\r\n"), "only OPTIONS is sent: {text}");
                let call_id = text.lines().find(|l| l.starts_with("Call-ID:")).unwrap().to_string();
                assert!(call_ids.insert(call_id), "every attempt has a fresh Call-ID");
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    let output = fwsweep(&["scan", "127.98.2.1", "--protocols", "sip", "--sip-port", "15062", "--timeout", "300ms", "--retries", "2", "--format", "json"]);
    stop.store(true, Ordering::SeqCst);
    listener.join().unwrap();
    let device = device_of(&output);
    assert_eq!(device["status"], "timeout", "{device}");
    assert!(device["reason"].as_str().unwrap().contains("no response to SIP OPTIONS"), "{device}");
    assert_eq!(received.load(Ordering::SeqCst), 3, "one request per attempt, three attempts");
}

#[test]
fn malformed_response_is_unidentified() {
    let socket = std::net::UdpSocket::bind("127.98.3.1:15062").unwrap();
    let responder = std::thread::spawn(move || {
        let mut buffer = [0u8; 2048];
        if let Ok((_, from)) = socket.recv_from(&mut buffer) {
            let _ = socket.send_to(b"<html>not a phone</html>", from);
        }
    });
    let output = fwsweep(&["scan", "127.98.3.1", "--protocols", "sip", "--sip-port", "15062", "--format", "json"]);
    responder.join().unwrap();
    let device = device_of(&output);
    assert_eq!(device["status"], "unidentified", "{device}");
    assert!(device["reason"].as_str().unwrap().contains("malformed SIP response"), "{device}");
}

#[test]
fn snmp_and_sip_give_one_row() {
    let profiles = profiles_dir();
    let snmp = recordings_dir(&[("phone.snmprec", UNKNOWN)]);
    let _agent = Simulation::start(snmp.path(), "127.98.4.1", 1161, &[]);
    let sip = recordings_dir(&[("deskphone.sip", RESPONSE)]);
    let _phone = Simulation::start(sip.path(), "127.98.4.1", 11161, &["--sip-port", "15062"]);
    let output = fwsweep(&[
        "scan", "127.98.4.1", "--protocols", "snmp,sip", "--snmp-port", "1161", "--sip-port", "15062",
        "--profiles", profiles.path().to_str().unwrap(), "--format", "json",
    ]);
    let devices = json_of(&output)["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 1, "one row for the phone: {devices:?}");
    let protocols = devices[0]["protocols"].as_array().unwrap();
    assert!(protocols.contains(&serde_json::json!("snmp")), "{}", devices[0]);
    assert!(protocols.contains(&serde_json::json!("sip")), "{}", devices[0]);
    assert_eq!(devices[0]["user_agent"], "Acme AP-460 3.14.2.7");
}
