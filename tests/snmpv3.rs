//! SNMP v1, v2c and v3 against net-snmp's snmpd, a real third-party agent.
//! Each test starts its own snmpd on a loopback port with secrets made for
//! that run.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Running snmpd with the SNMPv3 users the tests log in as and the secrets
/// generated for this run.
struct Snmpd {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    auth_secret: String,
    privacy_secret: String,
}

impl Snmpd {
    /// Starts snmpd and waits until it responds. Returns `None`, so the test is
    /// skipped, when snmpd or snmpget is missing outside CI.
    fn start(port: u16) -> Option<Snmpd> {
        if !need(command_exists("snmpd") && command_exists("snmpget"), "net-snmp snmpd and snmpget") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let auth_secret = random_secret();
        let privacy_secret = random_secret();
        let config = format!(
            "agentaddress udp:127.0.0.1:{port},udp6:[::1]:{port}
sysdescr Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E3, RELEASE SOFTWARE (fc3)
sysobjectid .1.3.6.1.4.1.9.1.1208
sysname lab-sw1
rocommunity lab-community 127.0.0.1
rocommunity lab-v1 127.0.0.1
rocommunity6 lab-community ::1
createUser authsha      SHA     {auth_secret}
createUser shaaes       SHA     {auth_secret} AES     {privacy_secret}
createUser sha256aes    SHA-256 {auth_secret} AES     {privacy_secret}
createUser sha512aes256 SHA-512 {auth_secret} AES-256 {privacy_secret}
createUser md5des       MD5     {auth_secret} DES     {privacy_secret}
rouser authsha auth
rouser shaaes priv
rouser sha256aes priv
rouser sha512aes256 priv
rouser md5des priv
override .1.3.6.1.2.1.47.1.1.1.1.2.1001  octet_str \"WS-C2960X-48FPD-L\"
override .1.3.6.1.2.1.47.1.1.1.1.5.1001  integer   3
override .1.3.6.1.2.1.47.1.1.1.1.10.1001 octet_str \"15.2(7)E3\"
override .1.3.6.1.2.1.47.1.1.1.1.11.1001 octet_str \"FOC1234X0AB\"
override .1.3.6.1.2.1.47.1.1.1.1.13.1001 octet_str \"WS-C2960X-48FPD-L\"
"
        );
        std::fs::write(dir.path().join("snmpd.conf"), config).unwrap();
        std::fs::create_dir_all(dir.path().join("persist")).unwrap();
        let child = Command::new("snmpd")
            .env("SNMP_PERSISTENT_DIR", dir.path().join("persist"))
            .args(["-f", "-C", "-c"])
            .arg(dir.path().join("snmpd.conf"))
            .arg("-Lf")
            .arg(dir.path().join("snmpd.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("snmpd starts");
        let snmpd = Snmpd { child, port, dir, auth_secret, privacy_secret };
        snmpd.wait_until_responding();
        Some(snmpd)
    }

    fn wait_until_responding(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let target = format!("127.0.0.1:{}", self.port);
        while Instant::now() < deadline {
            let responded = Command::new("snmpget")
                .env("MIBS", "")
                .args(["-v2c", "-c", "lab-community", "-r0", "-t1", &target, "1.3.6.1.2.1.1.1.0"])
                .output()
                .is_ok_and(|o| o.status.success());
            if responded {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let log = std::fs::read_to_string(self.dir.path().join("snmpd.log")).unwrap_or_default();
        panic!("snmpd did not respond within 15 s. snmpd log:\n{log}");
    }

    /// Writes the credential sets to `credentials.toml` in the run's folder and
    /// returns its path.
    fn credentials(&self, sets: &str) -> PathBuf {
        let path = self.dir.path().join("credentials.toml");
        std::fs::write(&path, sets).unwrap();
        path
    }

    /// Scans the agent with the credentials file. The secrets reach fwsweep only
    /// through the environment.
    fn scan(&self, credentials: &PathBuf, extra: &[&str]) -> std::process::Output {
        Command::new(binary())
            .env("LAB_AUTH", &self.auth_secret)
            .env("LAB_PRIV", &self.privacy_secret)
            .env("LAB_WRONG", "not-the-passphrase-1")
            .args(["scan", "127.0.0.1", "--snmp-port", &self.port.to_string(), "--tenant", "lab"])
            .args(["--timeout", "500ms", "--format", "json", "--credentials"])
            .arg(credentials)
            .args(extra)
            .output()
            .unwrap()
    }

    fn assert_no_secret(&self, output: &std::process::Output) {
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!text.contains(&self.auth_secret), "the auth passphrase leaked into the output");
        assert!(!text.contains(&self.privacy_secret), "the privacy passphrase leaked into the output");
        assert!(!text.contains("not-the-passphrase-1"), "the wrong passphrase leaked into the output");
    }
}

impl Drop for Snmpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn random_secret() -> String {
    let bytes: [u8; 12] = std::array::from_fn(|_| rand_byte());
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rand_byte() -> u8 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    hasher.finish() as u8
}

fn usm_set(name: &str, user: &str, auth: &str, privacy: Option<&str>, auth_variable: &str) -> String {
    let privacy_lines = privacy
        .map(|p| format!("privacy = \"{p}\"\nprivacy_secret = \"env:LAB_PRIV\"\n"))
        .unwrap_or_default();
    format!(
        "[[snmp]]\nname = \"{name}\"\ntenants = [\"lab\"]\nversion = \"3\"\nuser = \"{user}\"\n\
         auth = \"{auth}\"\nauth_secret = \"env:{auth_variable}\"\n{privacy_lines}\n"
    )
}

fn only_device(output: &std::process::Output) -> serde_json::Value {
    let document = json_of(output);
    assert_eq!(document["devices"].as_array().unwrap().len(), 1);
    document["devices"][0].clone()
}

fn assert_identified(device: &serde_json::Value, credential: &str) {
    assert_eq!(device["status"], "ok", "{device}");
    assert_eq!(device["credential"], credential);
    assert_eq!(device["version"], "15.2(7)E3");
    assert_eq!(device["serial"], "FOC1234X0AB");
    assert_eq!(device["hostname"], "lab-sw1");
}

#[test]
fn v3_sha_aes_auth_priv() {
    let Some(snmpd) = Snmpd::start(11161) else { return };
    let path = snmpd.credentials(&usm_set("lab-v3", "shaaes", "sha", Some("aes128"), "LAB_AUTH"));
    let output = snmpd.scan(&path, &[]);
    assert_identified(&only_device(&output), "lab-v3");
    snmpd.assert_no_secret(&output);
}

#[test]
fn v3_sha256_aes_auth_priv() {
    let Some(snmpd) = Snmpd::start(11162) else { return };
    let path = snmpd.credentials(&usm_set("lab-v3-sha256", "sha256aes", "sha256", Some("aes128"), "LAB_AUTH"));
    assert_identified(&only_device(&snmpd.scan(&path, &[])), "lab-v3-sha256");
}

#[test]
fn v3_sha512_aes256_blumenthal() {
    let Some(snmpd) = Snmpd::start(11163) else { return };
    let path = snmpd.credentials(&usm_set("lab-v3-aes256", "sha512aes256", "sha512", Some("aes256"), "LAB_AUTH"));
    assert_identified(&only_device(&snmpd.scan(&path, &[])), "lab-v3-aes256");
}

#[test]
fn v3_auth_only_and_md5_des() {
    let Some(snmpd) = Snmpd::start(11164) else { return };
    let path = snmpd.credentials(&usm_set("lab-authonly", "authsha", "sha", None, "LAB_AUTH"));
    assert_identified(&only_device(&snmpd.scan(&path, &[])), "lab-authonly");
    let path = snmpd.credentials(&usm_set("lab-md5des", "md5des", "md5", Some("des"), "LAB_AUTH"));
    assert_identified(&only_device(&snmpd.scan(&path, &[])), "lab-md5des");
}

#[test]
fn v3_wrong_passphrase_is_auth_failed() {
    let Some(snmpd) = Snmpd::start(11165) else { return };
    let path = snmpd.credentials(&usm_set("lab-v3", "shaaes", "sha", Some("aes128"), "LAB_WRONG"));
    let output = snmpd.scan(&path, &["-vv"]);
    let device = only_device(&output);
    assert_eq!(device["status"], "auth-failed", "{device}");
    assert!(device["reason"].as_str().unwrap().contains("lab-v3"), "the reason names the set: {device}");
    assert!(device["credential"].is_null());
    snmpd.assert_no_secret(&output);
}

#[test]
fn v3_unknown_user_is_auth_failed() {
    let Some(snmpd) = Snmpd::start(11166) else { return };
    let path = snmpd.credentials(&usm_set("lab-nobody", "nobody", "sha", Some("aes128"), "LAB_AUTH"));
    assert_eq!(only_device(&snmpd.scan(&path, &[]))["status"], "auth-failed");
}

#[test]
fn credential_sets_tried_in_order() {
    let Some(snmpd) = Snmpd::start(11167) else { return };
    let sets = format!(
        "{}{}",
        usm_set("lab-stale", "shaaes", "sha", Some("aes128"), "LAB_WRONG"),
        usm_set("lab-current", "sha256aes", "sha256", Some("aes128"), "LAB_AUTH")
    );
    let path = snmpd.credentials(&sets);
    assert_identified(&only_device(&snmpd.scan(&path, &[])), "lab-current");
}

#[test]
fn v1_and_v2c_communities() {
    let Some(snmpd) = Snmpd::start(11168) else { return };
    std::fs::write(snmpd.dir.path().join("community"), "lab-community\n").unwrap();
    let sets = "[[snmp]]\nname = \"lab-v1\"\ntenants = [\"lab\"]\nversion = \"1\"\ncommunity = \"file:community\"\n";
    let path = snmpd.credentials(sets);
    assert_identified(&only_device(&snmpd.scan(&path, &[])), "lab-v1");

    let sets = "[[snmp]]\nname = \"lab-v2c\"\ntenants = [\"lab\"]\nversion = \"2c\"\ncommunity = \"file:community\"\n";
    let path = snmpd.credentials(sets);
    assert_identified(&only_device(&snmpd.scan(&path, &[])), "lab-v2c");
}

#[test]
fn v2c_wrong_community_is_auth_failed() {
    let Some(snmpd) = Snmpd::start(11169) else { return };
    let sets = "[[snmp]]\nname = \"lab-old\"\ntenants = [\"lab\"]\nversion = \"2c\"\ncommunity = \"env:LAB_WRONG\"\n";
    let path = snmpd.credentials(sets);
    let output = snmpd.scan(&path, &[]);
    let device = only_device(&output);
    assert_eq!(device["status"], "auth-failed", "snmpd responds to v3 engine discovery: {device}");
    snmpd.assert_no_secret(&output);
}

#[test]
fn ipv6_and_host_name_targets() {
    let Some(snmpd) = Snmpd::start(11170) else { return };
    let port = snmpd.port.to_string();
    for target in ["::1", "localhost"] {
        let output = fwsweep(&["scan", target, "--snmp-port", &port, "--community", "lab-community", "--format", "json"]);
        let device = only_device(&output);
        assert_eq!(device["status"], "ok", "{target}: {device}");
        assert_eq!(device["version"], "15.2(7)E3", "{target}");
    }
    // No test resolves a name outside /etc/hosts, because that would send a DNS
    // query off this machine.
}

#[test]
fn record_over_v3_identifies_again() {
    let Some(snmpd) = Snmpd::start(11171) else { return };
    let path = snmpd.credentials(&usm_set("lab-v3", "shaaes", "sha", Some("aes128"), "LAB_AUTH"));
    let recording = snmpd.dir.path().join("lab-sw1.snmprec");
    let output = Command::new(binary())
        .env("LAB_AUTH", &snmpd.auth_secret)
        .env("LAB_PRIV", &snmpd.privacy_secret)
        .args(["record", "127.0.0.1", "--snmp-port", &snmpd.port.to_string(), "--tenant", "lab", "--credentials"])
        .arg(&path)
        .arg("--output")
        .arg(&recording)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    snmpd.assert_no_secret(&output);
    let text = std::fs::read_to_string(&recording).unwrap();
    assert!(!text.contains(&snmpd.auth_secret), "the auth passphrase leaked into the recording");
    assert!(!text.contains(&snmpd.privacy_secret), "the privacy passphrase leaked into the recording");
    let device = json_of(&fwsweep(&["identify", "--format", "json", recording.to_str().unwrap()]))["devices"][0].clone();
    assert_eq!(device["version"], "15.2(7)E3");
    assert_eq!(device["serial"], "FOC1234X0AB");
}
