//! The Redfish test server over real TLS sockets on 127.95.0.0/16, with
//! reqwest as the client: credentials, sessions, `$expand`, paging, path
//! matching, fault hooks, latency, and `fwsweep simulate` with mockups.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use fwsweep::redfish::server::{
    Failure, Mockup, MockupError, RunningServer, ServerCertificate, ServerOptions, load_mockup, self_signed, serve,
    sha256_fingerprint,
};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const USER: &str = "operator";
const PASSWORD: &str = "test-password-1";

/// Writes `body` as `<dir>/<relative>/index.json`.
fn write_resource(dir: &Path, relative: &str, body: Value) {
    let folder = if relative.is_empty() { dir.to_path_buf() } else { dir.join(relative) };
    std::fs::create_dir_all(&folder).expect("create mockup folder");
    std::fs::write(folder.join("index.json"), serde_json::to_vec_pretty(&body).unwrap()).expect("write index.json");
}

/// Writes a small BMC mockup and returns its folder. The mockup has one system with
/// a BIOS resource stored in lower case (as iLO does), a five-member firmware
/// inventory, a manager whose Id needs percent-encoding, and a stored error body.
fn small_mockup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_resource(
        root,
        "",
        json!({
            "@odata.id": "/redfish/v1/",
            "@odata.type": "#ServiceRoot.v1_5_0.ServiceRoot",
            "RedfishVersion": "1.6.0",
            "Vendor": "Test",
            "Systems": {"@odata.id": "/redfish/v1/Systems"},
            "Managers": {"@odata.id": "/redfish/v1/Managers"},
            "UpdateService": {"@odata.id": "/redfish/v1/UpdateService"},
            "SessionService": {"@odata.id": "/redfish/v1/SessionService"},
            "Links": {"Sessions": {"@odata.id": "/redfish/v1/SessionService/Sessions"}},
            "ProtocolFeaturesSupported": {
                "ExpandQuery": {"ExpandAll": true, "Levels": true, "Links": false, "NoLinks": true, "MaxLevels": 1}
            }
        }),
    );

    write_resource(
        root,
        "Systems",
        json!({
            "@odata.id": "/redfish/v1/Systems",
            "Members@odata.count": 1,
            "Members": [{"@odata.id": "/redfish/v1/Systems/1"}]
        }),
    );

    write_resource(
        root,
        "Systems/1",
        json!({
            "@odata.id": "/redfish/v1/Systems/1",
            "Id": "1",
            "Model": "Test Server 1",
            "BiosVersion": "T1 v1.00",
            "Bios": {"@odata.id": "/redfish/v1/systems/1/bios"}
        }),
    );
    write_resource(root, "Systems/1/bios", json!({"@odata.id": "/redfish/v1/systems/1/bios", "Id": "Bios"}));
    write_resource(
        root,
        "Managers",
        json!({
            "@odata.id": "/redfish/v1/Managers",
            "Members@odata.count": 1,
            "Members": [{"@odata.id": "/redfish/v1/Managers/BMC%201"}]
        }),
    );

    write_resource(
        root,
        "Managers/BMC%201",
        json!({"@odata.id": "/redfish/v1/Managers/BMC%201", "ManagerType": "BMC", "FirmwareVersion": "2.10"}),
    );
    write_resource(root, "UpdateService", json!({"@odata.id": "/redfish/v1/UpdateService",
        "FirmwareInventory": {"@odata.id": "/redfish/v1/UpdateService/FirmwareInventory"}}));
    let ids = ["BMC", "BIOS", "NIC1", "NIC2", "PSU1"];
    let inventory = "/redfish/v1/UpdateService/FirmwareInventory";
    let members: Vec<Value> = ids.iter().map(|id| json!({"@odata.id": format!("{inventory}/{id}")})).collect();
    write_resource(
        root,
        "UpdateService/FirmwareInventory",
        json!({"@odata.id": inventory, "Members@odata.count": ids.len(), "Members": members}),
    );
    for (position, id) in ids.iter().enumerate() {
        write_resource(
            root,
            &format!("UpdateService/FirmwareInventory/{id}"),
            json!({"@odata.id": format!("{inventory}/{id}"), "Id": id, "Version": format!("1.{position}")}),
        );
    }
    write_resource(
        root,
        "Chassis/1/Power",
        json!({"error": {"code": "Base.1.4.ResourceMissingAtURI", "message": "stored by the Mockup Creator"}}),
    );
    dir
}

fn loopback(last: u8) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 95, 0, last)), 0)
}

struct Peer {
    server: RunningServer,
    certificate: ServerCertificate,
    _mockup_dir: tempfile::TempDir,
}

impl Peer {
    fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.server.address())
    }
}

/// Serves the small mockup on 127.95.0.`last`, an address no other test
/// uses, on a free port.
async fn start(last: u8, adjust: impl FnOnce(&mut ServerOptions)) -> Peer {
    let dir = small_mockup();
    let mockup = Arc::new(load_mockup(dir.path()).expect("small mockup loads"));
    let address = loopback(last);
    let certificate = self_signed(&[address.ip()]);
    let mut options = ServerOptions::new(USER, PASSWORD);
    adjust(&mut options);
    let server = serve(address, mockup, &certificate, options).await.expect("server binds");
    Peer { server, certificate, _mockup_dir: dir }
}

/// Builds a client that accepts any certificate (test code only).
fn client() -> Client {
    Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds")
}

async fn get_json(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request succeeds");
    let status = response.status();
    let body = response.json::<Value>().await.expect("body is JSON");
    (status, body)
}

fn member_ids(body: &Value) -> Vec<String> {
    body["Members"]
        .as_array()
        .expect("Members array")
        .iter()
        .map(|member| {
            let link = member["@odata.id"].as_str().expect("member link");
            link.rsplit('/').next().unwrap_or_default().to_string()
        })
        .collect()
}

#[tokio::test]
async fn root_without_credentials() {
    let peer = start(1, |_| {}).await;
    let client = client();

    for path in ["/redfish/v1", "/redfish/v1/"] {
        let (status, body) = get_json(client.get(peer.url(path))).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body["RedfishVersion"], "1.6.0", "{path}");
    }
    let (status, body) = get_json(client.get(peer.url("/redfish"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["v1"], "/redfish/v1/");
}

#[tokio::test]
async fn resource_without_credentials_401() {
    let peer = start(2, |_| {}).await;
    let (status, body) = get_json(client().get(peer.url("/redfish/v1/Systems/1"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "Base.1.8.NoValidSession");
    assert!(body["error"]["message"].is_string());
}

#[tokio::test]
async fn basic_auth_right_and_wrong() {
    let peer = start(3, |_| {}).await;
    let client = client();

    let (status, body) = get_json(client.get(peer.url("/redfish/v1/Systems/1")).basic_auth(USER, Some(PASSWORD))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Model"], "Test Server 1");

    let wrong = client.get(peer.url("/redfish/v1/Systems/1")).basic_auth(USER, Some("not-the-password"));
    let (status, body) = get_json(wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "Base.1.8.NoValidSession");

    let other_user = client.get(peer.url("/redfish/v1/Systems/1")).basic_auth("root", Some(PASSWORD));
    assert_eq!(other_user.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(peer.server.stats.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn session_create_use_delete() {
    let peer = start(4, |_| {}).await;
    let client = client();
    let stats = &peer.server.stats;

    let login = json!({"UserName": USER, "Password": PASSWORD});
    let response = client.post(peer.url("/redfish/v1/SessionService/Sessions")).json(&login).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let token = response.headers()["x-auth-token"].to_str().unwrap().to_string();
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let session: Value = response.json().await.unwrap();
    assert!(token.len() >= 32, "token {} characters long", token.len());
    assert!(location.starts_with("/redfish/v1/SessionService/Sessions/"), "{location}");
    assert_eq!(session["@odata.id"], location.as_str());
    assert_eq!(session["UserName"], USER);
    assert!(session.get("Password").is_none());
    assert_eq!(stats.sessions_created.load(Ordering::SeqCst), 1);
    assert_eq!(stats.open_sessions(), 1);

    let (status, body) = get_json(client.get(peer.url("/redfish/v1/Systems/1")).header("X-Auth-Token", &token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Id"], "1");

    let (status, sessions) =
        get_json(client.get(peer.url("/redfish/v1/SessionService/Sessions")).header("X-Auth-Token", &token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sessions["Members"], json!([{"@odata.id": location}]));
    assert_eq!(sessions["Members@odata.count"], 1);

    let deleted = client.delete(peer.url(&location)).header("X-Auth-Token", &token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(stats.sessions_deleted.load(Ordering::SeqCst), 1);
    assert_eq!(stats.open_sessions(), 0);

    let stale = client.get(peer.url("/redfish/v1/Systems/1")).header("X-Auth-Token", &token).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    let again = client.delete(peer.url(&location)).basic_auth(USER, Some(PASSWORD)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(stats.sessions_deleted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn session_wrong_password() {
    let peer = start(5, |_| {}).await;
    let client = client();
    let sessions = peer.url("/redfish/v1/SessionService/Sessions/");

    let wrong = json!({"UserName": USER, "Password": "guess"});
    let response = client.post(&sessions).json(&wrong).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("x-auth-token").is_none());
    assert_eq!(peer.server.stats.sessions_created.load(Ordering::SeqCst), 0);

    let missing_password = client.post(&sessions).json(&json!({"UserName": USER})).send().await.unwrap();
    assert_eq!(missing_password.status(), StatusCode::BAD_REQUEST);
    let not_json = client.post(&sessions).body("UserName=operator").send().await.unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(peer.server.stats.open_sessions(), 0);
}

#[tokio::test]
async fn expand_inlines_members() {
    let peer = start(6, |_| {}).await;
    let client = client();
    let inventory = "/redfish/v1/UpdateService/FirmwareInventory";

    for query in ["?$expand=.($levels=1)", "?%24expand=.%28%24levels%3D1%29", "?$expand=*"] {
        let request = client.get(peer.url(&format!("{inventory}{query}"))).basic_auth(USER, Some(PASSWORD));
        let (status, body) = get_json(request).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let members = body["Members"].as_array().expect("Members");
        assert_eq!(members.len(), 5, "{query}");
        assert_eq!(members[0]["@odata.id"], format!("{inventory}/BMC"), "{query}");
        assert_eq!(members[0]["Version"], "1.0", "{query}");
        assert_eq!(members[4]["Version"], "1.4", "{query}");
    }

    let plain = client.get(peer.url(inventory)).basic_auth(USER, Some(PASSWORD));
    let (_, body) = get_json(plain).await;
    assert_eq!(body["Members"][0], json!({"@odata.id": format!("{inventory}/BMC")}));
}

#[tokio::test]
async fn expand_disabled_keeps_links() {
    let peer = start(7, |options| options.expand = false).await;
    let client = client();

    let (_, root) = get_json(client.get(peer.url("/redfish/v1"))).await;
    assert!(root["ProtocolFeaturesSupported"].get("ExpandQuery").is_none(), "{root}");

    let url = peer.url("/redfish/v1/UpdateService/FirmwareInventory?$expand=.($levels=1)");
    let (status, body) = get_json(client.get(url).basic_auth(USER, Some(PASSWORD))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["Members"][0].get("Version").is_none(), "{body}");
    assert_eq!(body["Members"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn paging_follows_next_link() {
    let peer = start(8, |options| options.page_size = Some(2)).await;
    let client = client();

    let mut next = Some("/redfish/v1/UpdateService/FirmwareInventory".to_string());
    let mut pages = Vec::new();
    while let Some(link) = next {
        let (status, body) = get_json(client.get(peer.url(&link)).basic_auth(USER, Some(PASSWORD))).await;
        assert_eq!(status, StatusCode::OK, "{link}");
        assert_eq!(body["Members@odata.count"], 5, "{link}");
        pages.push(member_ids(&body));
        next = body["Members@odata.nextLink"].as_str().map(str::to_string);
        assert!(pages.len() <= 3, "more pages than members allow: {pages:?}");
    }
    assert_eq!(pages, vec![vec!["BMC", "BIOS"], vec!["NIC1", "NIC2"], vec!["PSU1"]]);

    // Short collections are not paged.
    let (_, systems) = get_json(client.get(peer.url("/redfish/v1/Systems")).basic_auth(USER, Some(PASSWORD))).await;
    assert!(systems.get("Members@odata.nextLink").is_none());
}

#[tokio::test]
async fn paging_with_skip_and_top() {
    let peer = start(9, |options| options.page_size = Some(2)).await;
    let client = client();
    let inventory = "/redfish/v1/UpdateService/FirmwareInventory";

    let url = peer.url(&format!("{inventory}?$skip=1&$top=3"));
    let (_, first) = get_json(client.get(url).basic_auth(USER, Some(PASSWORD))).await;
    assert_eq!(member_ids(&first), ["BIOS", "NIC1"]);
    assert_eq!(first["Members@odata.nextLink"], format!("{inventory}?$skip=3&$top=1"));

    let url = peer.url(&format!("{inventory}?$top=1"));
    let (_, only) = get_json(client.get(url).basic_auth(USER, Some(PASSWORD))).await;
    assert_eq!(member_ids(&only), ["BMC"]);
    assert!(only.get("Members@odata.nextLink").is_none());

    let url = peer.url(&format!("{inventory}?$skip=9"));
    let (status, past_end) = get_json(client.get(url).basic_auth(USER, Some(PASSWORD))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(past_end["Members"], json!([]));

    let url = peer.url(&format!("{inventory}?$skip=two"));
    let (status, invalid) = get_json(client.get(url).basic_auth(USER, Some(PASSWORD))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(invalid["error"]["code"], "Base.1.8.QueryParameterValueTypeError");
}

#[tokio::test]
async fn paths_slash_case_and_encoding() {
    let peer = start(10, |_| {}).await;
    let client = client();

    let cases = [
        ("/redfish/v1/Systems/1/", "1"),
        ("/redfish/v1/systems/1", "1"),
        ("/REDFISH/V1/SYSTEMS/1?$select=Id", "1"),
        ("/redfish/v1/Systems/1/Bios", "Bios"),
        ("/redfish/v1/systems/1/bios/", "Bios"),
    ];
    for (path, id) in cases {
        let (status, body) = get_json(client.get(peer.url(path)).basic_auth(USER, Some(PASSWORD))).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body["Id"], id, "{path}");
    }

    let (status, manager) =
        get_json(client.get(peer.url("/redfish/v1/Managers/BMC%201")).basic_auth(USER, Some(PASSWORD))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(manager["FirmwareVersion"], "2.10");
    let double_encoded = client.get(peer.url("/redfish/v1/Managers/BMC%25201")).basic_auth(USER, Some(PASSWORD));
    assert_eq!(double_encoded.send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let (status, missing) =
        get_json(client.get(peer.url("/redfish/v1/Systems/2")).basic_auth(USER, Some(PASSWORD))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"]["code"], "Base.1.8.ResourceMissingAtURI");
}

#[tokio::test]
async fn stored_error_body_served() {
    let peer = start(11, |_| {}).await;
    let request = client().get(peer.url("/redfish/v1/Chassis/1/Power")).basic_auth(USER, Some(PASSWORD));
    let (status, body) = get_json(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["error"]["code"], "Base.1.4.ResourceMissingAtURI");
}

#[tokio::test]
async fn methods_not_allowed() {
    let peer = start(12, |_| {}).await;
    let client = client();

    let patch = client.patch(peer.url("/redfish/v1/Systems/1")).basic_auth(USER, Some(PASSWORD)).json(&json!({}));
    let response = patch.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, HEAD");

    let delete_root = client.delete(peer.url("/redfish/v1/Systems")).basic_auth(USER, Some(PASSWORD));
    assert_eq!(delete_root.send().await.unwrap().status(), StatusCode::METHOD_NOT_ALLOWED);
    let post_missing = client.post(peer.url("/redfish/v1/Nowhere")).basic_auth(USER, Some(PASSWORD));
    assert_eq!(post_missing.send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let unauthenticated = client.patch(peer.url("/redfish/v1/Systems/1")).json(&json!({}));
    assert_eq!(unauthenticated.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn failure_hooks_apply_per_path() {
    let peer = start(13, |options| {
        options.failures = vec![
            ("/redfish/v1/Systems/1".to_string(), Failure::Status(500)),
            ("/redfish/v1/managers/".to_string(), Failure::Status(503)),
            ("/redfish/v1/UpdateService".to_string(), Failure::InvalidJson),
            ("/redfish/v1/Systems".to_string(), Failure::Disconnect),
            ("/redfish/v1/UpdateService/FirmwareInventory/BMC".to_string(), Failure::Delay(Duration::from_millis(300))),
        ];
    })
    .await;
    let client = client();
    let get = |path: &str| client.get(peer.url(path)).basic_auth(USER, Some(PASSWORD));

    let (status, body) = get_json(get("/redfish/v1/Systems/1/")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"]["code"], "Base.1.8.InternalError");
    let (status, _) = get_json(get("/redfish/v1/Managers")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    let invalid = get("/redfish/v1/UpdateService").send().await.unwrap();
    assert_eq!(invalid.status(), StatusCode::OK);
    let text = invalid.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    let closed = get("/redfish/v1/Systems").send().await;
    assert!(closed.is_err(), "expected a closed connection, got {closed:?}");

    let started = Instant::now();
    let (status, slow) = get_json(get("/redfish/v1/UpdateService/FirmwareInventory/BMC")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(slow["Version"], "1.0");
    assert!(started.elapsed() >= Duration::from_millis(300), "responded after {:?}", started.elapsed());

    // Credentials are still checked before a fault applies.
    let anonymous = client.get(peer.url("/redfish/v1/Systems/1")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn latency_delays_every_response() {
    let peer = start(14, |options| options.latency = Duration::from_millis(250)).await;
    let client = client();

    for path in ["/redfish/v1", "/redfish/v1/Systems/1"] {
        let started = Instant::now();
        let response = client.get(peer.url(path)).send().await.unwrap();
        let elapsed = started.elapsed();
        let status = response.status();
        assert!(status == StatusCode::OK || status == StatusCode::UNAUTHORIZED, "{path}: {status}");
        assert!(elapsed >= Duration::from_millis(250), "{path} responded after {elapsed:?}");
    }
}

#[tokio::test]
async fn certificate_fingerprint_and_san() {
    let peer = start(15, |_| {}).await;

    let client = Client::builder().tls_danger_accept_invalid_certs(true).tls_info(true).no_proxy().build().unwrap();
    let response = client.get(peer.url("/redfish/v1")).send().await.unwrap();
    let info = response.extensions().get::<reqwest::tls::TlsInfo>().expect("TLS info");
    let served = info.peer_certificate().expect("peer certificate");
    assert_eq!(served, peer.certificate.der.as_slice());
    assert_eq!(sha256_fingerprint(served), peer.certificate.fingerprint);
    assert_eq!(peer.certificate.fingerprint.len(), 95);
    let fingerprint = &peer.certificate.fingerprint;
    assert!(fingerprint.chars().all(|c| c == ':' || (c.is_ascii_hexdigit() && !c.is_ascii_lowercase())), "{fingerprint}");

    // Trusting the certificate itself verifies the IP SAN for the address.
    let trusted = reqwest::Certificate::from_der(&peer.certificate.der).unwrap();
    let verifying = Client::builder().tls_certs_only([trusted]).no_proxy().build().unwrap();
    let verified = verifying.get(peer.url("/redfish/v1")).send().await.expect("certificate verifies for its IP");
    assert_eq!(verified.status(), StatusCode::OK);

    let strict = Client::builder().no_proxy().build().unwrap();
    assert!(strict.get(peer.url("/redfish/v1")).send().await.is_err(), "an untrusted self-signed certificate passed");
    // The server counts the failed handshake when it reads the client's alert.
    let failures = &peer.server.stats.handshake_failures;
    let deadline = Instant::now() + Duration::from_secs(5);
    while failures.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(failures.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn tls12_only_server() {
    let peer = start(16, |options| options.tls12_only = true).await;

    let tls12 = Client::builder().tls_danger_accept_invalid_certs(true).tls_info(true).no_proxy().build().unwrap();
    let response = tls12.get(peer.url("/redfish/v1")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let info = response.extensions().get::<reqwest::tls::TlsInfo>().expect("TLS info");
    assert_eq!(info.version(), Some(reqwest::tls::Version::TLS_1_2));

    let tls13 = Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .tls_version_min(reqwest::tls::Version::TLS_1_3)
        .no_proxy()
        .build()
        .unwrap();
    assert!(tls13.get(peer.url("/redfish/v1")).send().await.is_err());
}

#[tokio::test]
async fn stop_closes_listener() {
    let peer = start(17, |_| {}).await;
    let address = peer.server.address();
    assert_ne!(address.port(), 0);
    let Peer { server, _mockup_dir, .. } = peer;
    server.stop().await;
    assert!(tokio::net::TcpStream::connect(address).await.is_err(), "{address} still accepts connections");
}

#[test]
fn load_mockup_errors_name_file() {
    let dir = small_mockup();
    let broken = dir.path().join("Systems/1/index.json");
    std::fs::write(&broken, "{\"Id\": ").unwrap();
    let error = load_mockup(dir.path()).expect_err("invalid JSON is rejected");
    assert!(matches!(error, MockupError::Json { .. }), "{error:?}");
    assert!(error.to_string().contains(&broken.display().to_string()), "{error}");

    let empty = tempfile::tempdir().unwrap();
    let error = load_mockup(empty.path()).expect_err("a folder without index.json is rejected");
    assert!(matches!(error, MockupError::NoServiceRoot { .. }), "{error:?}");
}

#[test]
fn load_mockup_rejects_case_duplicates() {
    let dir = small_mockup();
    write_resource(dir.path(), "Systems/1/Bios", json!({"Id": "Bios"}));
    let error = load_mockup(dir.path()).expect_err("folders differing in case are rejected");
    assert!(matches!(error, MockupError::Duplicate { .. }), "{error:?}");
}

#[test]
fn load_mockup_keys_by_uri() {
    let dir = small_mockup();
    let mockup: Mockup = load_mockup(dir.path()).unwrap();
    assert_eq!(mockup.len(), 14);
    assert_eq!(mockup.service_root()["Vendor"], "Test");
    assert_eq!(mockup.get("/redfish/v1/SYSTEMS/1/").unwrap()["Model"], "Test Server 1");
    assert!(mockup.uris().any(|uri| uri == "/redfish/v1/Managers/BMC%201"));
    assert!(mockup.get("/redfish/v1/Managers/BMC 1").is_none());
}

/// Returns the component count `expected.csv` gives for a corpus mockup.
fn expected_component_count(corpus: &Path, mockup: &str) -> usize {
    let mut reader = csv::Reader::from_path(corpus.join("expected.csv")).expect("expected.csv opens");
    let headers = reader.headers().unwrap().clone();
    let mockup_column = headers.iter().position(|h| h == "mockup").expect("mockup column");
    let count_column = headers.iter().position(|h| h == "component_count").expect("component_count column");
    for record in reader.records() {
        let record = record.unwrap();
        if &record[mockup_column] == mockup {
            return record[count_column].parse().expect("component_count is a number");
        }
    }
    panic!("expected.csv has no row for {mockup}");
}

#[tokio::test]
async fn corpus_ilo5_mockup_served() {
    let corpus = common::corpus().map(|path| path.join("redfish"));
    let name = "hpe-ilo5-dl325-gen10plus";
    if !common::need(corpus.as_ref().is_some_and(|c| c.join(name).is_dir()), "the Redfish mockup corpus") {
        return;
    }
    let corpus = corpus.unwrap();
    let mockup = Arc::new(load_mockup(&corpus.join(name)).expect("corpus mockup loads"));
    assert_eq!(mockup.name, name);
    let address = loopback(18);
    let certificate = self_signed(&[address.ip()]);
    let server = serve(address, mockup.clone(), &certificate, ServerOptions::new(USER, PASSWORD)).await.unwrap();
    let client = client();
    let get = |path: &str| client.get(format!("https://{}{path}", server.address())).basic_auth(USER, Some(PASSWORD));

    // Every stored resource returns 200 at the URI its folder spells, except
    // captured sessions, because the server serves only the sessions it opened.
    let mut uris: Vec<&str> = mockup.uris().collect();
    uris.sort_unstable();
    let captured_session = |uri: &str| uri.to_lowercase().starts_with("/redfish/v1/sessionservice/sessions/");
    assert!(uris.iter().any(|uri| captured_session(uri)), "the capture has no session");
    for uri in &uris {
        let expected = if captured_session(uri) { StatusCode::NOT_FOUND } else { StatusCode::OK };
        let response = get(uri).send().await.unwrap();
        assert_eq!(response.status(), expected, "{uri}");
    }

    // Walk root -> UpdateService -> FirmwareInventory with $expand.
    let (_, root) = get_json(get("/redfish/v1/")).await;
    let update_service = root["UpdateService"]["@odata.id"].as_str().expect("UpdateService link");
    let (_, service) = get_json(get(update_service)).await;
    let inventory = service["FirmwareInventory"]["@odata.id"].as_str().expect("FirmwareInventory link");
    let (status, expanded) = get_json(get(&format!("{inventory}?$expand=.($levels=1)"))).await;
    assert_eq!(status, StatusCode::OK);
    let members = expanded["Members"].as_array().expect("Members");
    assert_eq!(members.len(), expected_component_count(&corpus, name));
    assert!(members.iter().all(|member| member.get("Version").is_some()), "a member was not inlined");

    // iLO links the BIOS resource in lower case, and that link resolves as written.
    let (_, system) = get_json(get("/redfish/v1/Systems/1/")).await;
    let bios = system["Bios"]["@odata.id"].as_str().expect("Bios link");
    assert_eq!(bios, "/redfish/v1/systems/1/bios");
    assert_eq!(get(bios).send().await.unwrap().status(), StatusCode::OK);
}

/// A `fwsweep simulate` child process, killed when dropped.
struct Simulator(std::process::Child);

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn simulate_serves_mockups() {
    let recordings = common::recordings_dir(&[("switch.snmprec", common::SWITCH)]);
    let mockup = small_mockup();
    let folder = recordings.path().join("bmc-one");
    copy_tree(mockup.path(), &folder);

    let password_variable = "FWSWEEP_TEST_REDFISH_PASSWORD";
    let mut child = Command::new(common::binary())
        .args(["simulate", "--recordings", recordings.path().to_str().unwrap()])
        .args(["--address", "127.95.1.1", "--port", "11961", "--https-port", "18443"])
        .args(["--redfish-user", USER, "--redfish-password-env", password_variable, "--page-size", "2"])
        .env(password_variable, PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("simulator starts");
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let simulator = Simulator(child);

    let lines: Vec<String> = BufReader::new(stdout).lines().take(2).map(|line| line.unwrap()).collect();
    assert_eq!(lines, ["127.95.1.1,switch.snmprec", "127.95.1.2,bmc-one"]);

    let client = Client::builder().tls_danger_accept_invalid_certs(true).tls_info(true).no_proxy().build().unwrap();
    let url = "https://127.95.1.2:18443/redfish/v1/UpdateService/FirmwareInventory";
    let response = client.get(url).basic_auth(USER, Some(PASSWORD)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let served = response.extensions().get::<reqwest::tls::TlsInfo>().unwrap().peer_certificate().unwrap().to_vec();
    let body: Value = response.json().await.unwrap();
    assert_eq!(member_ids(&body), ["BMC", "BIOS"]);

    drop(simulator);
    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
    assert!(log.contains(&sha256_fingerprint(&served)), "no fingerprint line in: {log}");
    assert!(!log.contains(PASSWORD), "the password from the environment was printed: {log}");
}

#[test]
fn simulate_rejects_missing_password_variable() {
    let recordings = tempfile::tempdir().unwrap();
    copy_tree(small_mockup().path(), &recordings.path().join("bmc-one"));
    let output = Command::new(common::binary())
        .args(["simulate", "--recordings", recordings.path().to_str().unwrap(), "--address", "127.95.2.1"])
        .args(["--redfish-password-env", "FWSWEEP_TEST_UNSET_VARIABLE"])
        .env_remove("FWSWEEP_TEST_UNSET_VARIABLE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("FWSWEEP_TEST_UNSET_VARIABLE"), "{stderr}");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
