//! Serving Redfish mockup folders over HTTPS, for `simulate`, the demo and
//! tests.
//!
//! A mockup folder contains `index.json` for the service root `/redfish/v1` and
//! one subfolder per path segment, each with its own `index.json`
//! (`Systems/1/index.json` is `/redfish/v1/Systems/1`). The server behaves
//! like a BMC. It offers TLS with a self-signed certificate, HTTP Basic and
//! session login, 401 for requests without valid credentials, `$expand`,
//! paging with `Members@odata.nextLink`, and optional latency and per-URI
//! failures.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rand::RngCore;
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// URI of the service root, the resource stored in the mockup folder's own
/// `index.json`.
pub const SERVICE_ROOT: &str = "/redfish/v1";

/// URI of the sessions collection, where clients log in.
pub const SESSIONS: &str = "/redfish/v1/SessionService/Sessions";

/// Maximum request body size in bytes. A login is well under 1 KiB.
const MAX_REQUEST_BODY_BYTES: usize = 64 * 1024;

/// Time a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Registry prefix of the error codes in the bodies this server sends.
const BASE_REGISTRY: &str = "Base.1.8";

// ---------------------------------------------------------------------------
// Mockups

/// A Redfish mockup loaded into memory: every resource of the folder, keyed by
/// its normalised URI.
pub struct Mockup {
    /// The folder's name, e.g. `openbmc-stock`.
    pub name: String,
    resources: HashMap<String, Resource>,
}

struct Resource {
    /// The URI as the folder names spell it, e.g. `/redfish/v1/Systems/1`.
    uri: String,
    body: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum MockupError {
    #[error("{}: no index.json, so the folder is not a Redfish mockup (expected the service root there)", dir.display())]
    NoServiceRoot { dir: PathBuf },
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{}: invalid JSON: {source}", path.display())]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("{}: folder name is not valid UTF-8, so it cannot be a URI segment", path.display())]
    FolderName { path: PathBuf },
    #[error("{} and {} differ only in letter case; the server matches URIs case-insensitively, so rename or remove one", first.display(), second.display())]
    Duplicate { first: PathBuf, second: PathBuf },
}

impl fmt::Debug for Mockup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mockup").field("name", &self.name).field("resources", &self.resources.len()).finish()
    }
}

impl Mockup {
    /// Returns the stored body of a resource. `uri` is matched as the server
    /// matches request paths: any query string and trailing slash dropped,
    /// letter case ignored, percent-encoding compared as written.
    pub fn get(&self, uri: &str) -> Option<&Value> {
        self.resources.get(&lookup_key(uri)).map(|resource| &resource.body)
    }

    /// Returns the service root (`/redfish/v1`).
    pub fn service_root(&self) -> &Value {
        // load_mockup fails without a root index.json, so the key is present.
        &self.resources[&lookup_key(SERVICE_ROOT)].body
    }

    /// Number of resources, error bodies included.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// URIs of every resource as the folders spell them, in no set order.
    pub fn uris(&self) -> impl Iterator<Item = &str> {
        self.resources.values().map(|resource| resource.uri.as_str())
    }
}

/// Tells whether `dir` looks like a mockup folder (it has a root `index.json`).
pub fn is_mockup(dir: &Path) -> bool {
    dir.join("index.json").is_file()
}

/// Reads every `index.json` below `dir` into a [`Mockup`]. Folders without
/// an `index.json` (such as `Oem`) are walked through. Hidden folders and
/// symbolic links are skipped, so a link cycle cannot loop.
pub fn load_mockup(dir: &Path) -> Result<Mockup, MockupError> {
    if !is_mockup(dir) {
        return Err(MockupError::NoServiceRoot { dir: dir.to_path_buf() });
    }
    let mut resources: HashMap<String, Resource> = HashMap::new();
    let mut files: HashMap<String, PathBuf> = HashMap::new();
    let mut pending = vec![(dir.to_path_buf(), SERVICE_ROOT.to_string())];
    while let Some((folder, uri)) = pending.pop() {
        let index = folder.join("index.json");
        if index.is_file() {
            let body = read_json(&index)?;
            let key = lookup_key(&uri);
            if let Some(first) = files.get(&key) {
                return Err(MockupError::Duplicate { first: first.clone(), second: index });
            }
            files.insert(key.clone(), index);
            resources.insert(key, Resource { uri: uri.clone(), body });
        }
        for (path, name) in subfolders(&folder)? {
            pending.push((path, format!("{uri}/{name}")));
        }
    }
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    Ok(Mockup { name, resources })
}

/// Builds a mockup from files given in memory, such as the demo's files built
/// into the binary. Each path is relative to the mockup folder and ends in
/// `index.json`, such as `Systems/1/index.json`.
pub fn mockup_from_files<'a>(name: &str, files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Mockup, String> {
    let mut resources = HashMap::new();
    for (path, text) in files {
        let folder = path.strip_suffix("index.json").ok_or_else(|| format!("{name}/{path}: not an index.json"))?.trim_end_matches('/');
        let uri = if folder.is_empty() { SERVICE_ROOT.to_string() } else { format!("{SERVICE_ROOT}/{folder}") };
        let body: Value = serde_json::from_str(text).map_err(|e| format!("{name}/{path}: {e}"))?;
        resources.insert(lookup_key(&uri), Resource { uri, body });
    }
    if !resources.contains_key(&lookup_key(SERVICE_ROOT)) {
        return Err(format!("{name}: no index.json for the service root"));
    }
    Ok(Mockup { name: name.to_string(), resources })
}

fn read_json(path: &Path) -> Result<Value, MockupError> {
    let text = std::fs::read(path).map_err(|source| MockupError::Read { path: path.to_path_buf(), source })?;
    serde_json::from_slice(&text).map_err(|source| MockupError::Json { path: path.to_path_buf(), source })
}

/// Lists the subfolders of `folder` with their names, skipping hidden ones
/// and symbolic links.
fn subfolders(folder: &Path) -> Result<Vec<(PathBuf, String)>, MockupError> {
    let read_error = |source| MockupError::Read { path: folder.to_path_buf(), source };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| MockupError::Read { path: path.clone(), source })?;
        if !file_type.is_dir() {
            continue;
        }
        let Ok(name) = entry.file_name().into_string() else {
            return Err(MockupError::FolderName { path });
        };
        if !name.starts_with('.') {
            found.push((path, name));
        }
    }
    Ok(found)
}

/// Normalises a request path or link for lookups by dropping the query
/// string, fragment and trailing slashes and lowering letters. Percent-encoding
/// is kept as written because the Mockup Creator stores encoded folder names.
fn lookup_key(uri: &str) -> String {
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    let trimmed = path.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    trimmed.to_lowercase()
}

/// Tells whether a stored body is a Redfish error (a top-level `error`
/// object) rather than a resource.
fn is_error_body(body: &Value) -> bool {
    body.get("error").is_some_and(Value::is_object)
}

// ---------------------------------------------------------------------------
// Certificates

/// A self-signed server certificate with its private key.
#[derive(Clone)]
pub struct ServerCertificate {
    /// The certificate, DER-encoded.
    pub der: Vec<u8>,
    /// The private key, PKCS#8 DER.
    pub key_der: Vec<u8>,
    /// SHA-256 of `der` as upper-case hex pairs joined with `:`, the form
    /// `openssl x509 -fingerprint -sha256` prints.
    pub fingerprint: String,
}

impl fmt::Debug for ServerCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCertificate").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

/// Creates a fresh self-signed certificate (ECDSA P-256) whose subject
/// alternative names are the given IP addresses.
///
/// # Panics
///
/// Panics when the crypto provider cannot generate or sign a key, which
/// means the build's aws-lc-rs is broken.
pub fn self_signed(addresses: &[IpAddr]) -> ServerCertificate {
    let mut params = rcgen::CertificateParams::default();
    params.subject_alt_names = addresses.iter().map(|ip| rcgen::SanType::IpAddress(*ip)).collect();
    params.distinguished_name.push(rcgen::DnType::CommonName, "fwsweep simulated BMC");
    let key = rcgen::KeyPair::generate().expect("aws-lc-rs generates an ECDSA P-256 key");
    let certificate = params.self_signed(&key).expect("rcgen signs a certificate with a fresh key");
    let der = certificate.der().to_vec();
    let fingerprint = sha256_fingerprint(&der);
    ServerCertificate { der, key_der: key.serialize_der(), fingerprint }
}

/// Returns the SHA-256 of `der` as upper-case hex pairs joined with `:`.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    super::tls::format_fingerprint(&super::tls::fingerprint_of(der))
}

pub(crate) fn tls_config(certificate: &ServerCertificate, tls12_only: bool) -> io::Result<ServerConfig> {
    let invalid = |error: rustls::Error| io::Error::new(io::ErrorKind::InvalidInput, error);
    let versions: &[&rustls::SupportedProtocolVersion] =
        if tls12_only { &[&rustls::version::TLS12] } else { &[&rustls::version::TLS12, &rustls::version::TLS13] };
    // An explicit provider, because the process-wide default is ambiguous
    // when another crate in the build enables ring as well.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certificate.key_der.clone()));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(invalid)?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(certificate.der.clone())], key)
        .map_err(invalid)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

// ---------------------------------------------------------------------------
// Options and statistics

/// A fault injected on one URI, so client tests can exercise error handling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Responds with this HTTP status and a Redfish error body
    /// (`Base.1.8.InternalError` for 5xx, `Base.1.8.GeneralError` otherwise).
    /// A number outside 100..=999 is sent as 500.
    Status(u16),
    /// Responds 200 with a body that is cut off mid-document, so it is not
    /// valid JSON.
    InvalidJson,
    /// Closes the connection without sending a response.
    Disconnect,
    /// Waits this long (on top of the server's latency), then responds
    /// normally, for client timeout tests.
    Delay(Duration),
}

/// Server settings: credentials, latency, `$expand`, paging, faults and TLS versions.
#[derive(Clone)]
pub struct ServerOptions {
    /// User name accepted for Basic auth and session login.
    pub username: String,
    /// Password accepted for Basic auth and session login. Never logged.
    pub password: String,
    /// Delay before every response, including errors.
    pub latency: Duration,
    /// Whether `$expand` queries on collections are honoured. When false, the service
    /// root's `ProtocolFeaturesSupported.ExpandQuery` is removed and
    /// `$expand` is ignored.
    pub expand: bool,
    /// Pages collections longer than this many members, with
    /// `Members@odata.nextLink`. `None` serves them whole unless the client
    /// sends `$top` or `$skip`.
    pub page_size: Option<usize>,
    /// Faults by URI, matched like request paths (query and trailing slash
    /// dropped, case ignored). A fault applies to every method on that URI,
    /// after the credential check for URIs that need credentials.
    pub failures: Vec<(String, Failure)>,
    /// Whether to offer only TLS 1.2, like older BMCs. When false, TLS 1.2
    /// and 1.3 are offered.
    pub tls12_only: bool,
}

impl ServerOptions {
    /// Options with these credentials, no latency, `$expand` on, no paging,
    /// no faults, TLS 1.2 and 1.3.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        ServerOptions {
            username: username.into(),
            password: password.into(),
            latency: Duration::ZERO,
            expand: true,
            page_size: None,
            failures: Vec::new(),
            tls12_only: false,
        }
    }
}

impl fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerOptions")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("latency", &self.latency)
            .field("expand", &self.expand)
            .field("page_size", &self.page_size)
            .field("failures", &self.failures)
            .field("tls12_only", &self.tls12_only)
            .finish()
    }
}

/// Counters of a running server, readable while it serves.
#[derive(Debug, Default)]
pub struct ServerStats {
    /// TLS handshakes completed.
    pub connections: AtomicU64,
    /// TLS handshakes that failed or timed out (for example a client that
    /// rejected the certificate).
    pub handshake_failures: AtomicU64,
    /// HTTP requests received, whatever their outcome.
    pub requests: AtomicU64,
    /// Sessions created by a successful login.
    pub sessions_created: AtomicU64,
    /// Sessions removed by a `DELETE`.
    pub sessions_deleted: AtomicU64,
}

impl ServerStats {
    /// Returns the number of sessions created and not yet deleted (sessions
    /// never expire on this server).
    pub fn open_sessions(&self) -> u64 {
        let created = self.sessions_created.load(Ordering::SeqCst);
        created.saturating_sub(self.sessions_deleted.load(Ordering::SeqCst))
    }
}

// ---------------------------------------------------------------------------
// Serving

/// Handle of a server task. Dropping it, or calling [`RunningServer::stop`],
/// stops serving and closes every open connection.
pub struct RunningServer {
    address: SocketAddr,
    pub stats: Arc<ServerStats>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// Returns the address the server listens on (with the real port when
    /// it was bound to port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops serving and waits until the listening socket is closed.
    pub async fn stop(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `address` and serves `mockup` over HTTPS with `certificate` on a
/// spawned task. Fails when the address cannot be bound or the certificate
/// and key do not form a valid TLS configuration.
pub async fn serve(
    address: SocketAddr,
    mockup: Arc<Mockup>,
    certificate: &ServerCertificate,
    options: ServerOptions,
) -> io::Result<RunningServer> {
    let acceptor = TlsAcceptor::from(Arc::new(tls_config(certificate, options.tls12_only)?));
    let listener = TcpListener::bind(address).await?;
    let address = listener.local_addr()?;
    let stats = Arc::new(ServerStats::default());
    let service = Arc::new(Service::new(mockup, options, stats.clone()));
    tracing::info!(%address, mockup = %service.mockup.name, "Redfish server listening");
    let task = tokio::spawn(accept_connections(listener, acceptor, service));
    Ok(RunningServer { address, stats, task })
}

async fn accept_connections(listener: TcpListener, acceptor: TlsAcceptor, service: Arc<Service>) {
    // Connection tasks live in this set, so aborting the server task drops
    // the set and with it every open connection.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, acceptor.clone(), service.clone()));
                }
                Err(error) => {
                    // Typically EMFILE. Back off instead of spinning.
                    tracing::warn!(address = ?listener.local_addr().ok(), %error, "Redfish server failed to accept a connection, retrying in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, acceptor: TlsAcceptor, service: Arc<Service>) {
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            service.stats.handshake_failures.fetch_add(1, Ordering::SeqCst);
            tracing::debug!(%peer, %error, "TLS handshake failed");
            return;
        }
        Err(_) => {
            service.stats.handshake_failures.fetch_add(1, Ordering::SeqCst);
            tracing::debug!(%peer, "TLS handshake timed out after {HANDSHAKE_TIMEOUT:?}");
            return;
        }
    };
    service.stats.connections.fetch_add(1, Ordering::SeqCst);
    let handler = hyper::service::service_fn(move |request| {
        let service = service.clone();
        async move { service.handle(request).await }
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), handler);
    if let Err(error) = connection.await {
        tracing::debug!(%peer, %error, "Redfish connection ended with an error");
    }
}

/// The error a request handler returns to make hyper close the connection
/// without a response ([`Failure::Disconnect`]).
#[derive(Debug)]
struct DisconnectRequested;

impl fmt::Display for DisconnectRequested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed on purpose by a Failure::Disconnect hook")
    }
}

impl std::error::Error for DisconnectRequested {}

type HttpResponse = Response<Full<Bytes>>;

/// An open session, stored by its token.
struct Session {
    id: String,
    user_name: String,
}

#[derive(Default)]
struct Sessions {
    by_token: HashMap<String, Session>,
    last_id: u64,
}

struct Service {
    mockup: Arc<Mockup>,
    options: ServerOptions,
    failures: HashMap<String, Failure>,
    sessions: Mutex<Sessions>,
    stats: Arc<ServerStats>,
}

/// The system query options this server reads.
#[derive(Debug, Default, PartialEq, Eq)]
struct Query {
    expand: bool,
    skip: Option<usize>,
    top: Option<usize>,
}

impl Service {
    fn new(mockup: Arc<Mockup>, options: ServerOptions, stats: Arc<ServerStats>) -> Self {
        let failures = options.failures.iter().map(|(uri, failure)| (lookup_key(uri), failure.clone())).collect();
        Service { mockup, options, failures, sessions: Mutex::default(), stats }
    }

    async fn handle(&self, request: Request<Incoming>) -> Result<HttpResponse, DisconnectRequested> {
        self.stats.requests.fetch_add(1, Ordering::SeqCst);
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        if !self.options.latency.is_zero() {
            tokio::time::sleep(self.options.latency).await;
        }
        let result = self.route(request).await;
        match &result {
            Ok(response) => tracing::debug!(%method, %path, status = response.status().as_u16(), "Redfish request"),
            Err(_) => tracing::debug!(%method, %path, "Redfish request: connection closed without a response"),
        }
        result
    }

    async fn route(&self, request: Request<Incoming>) -> Result<HttpResponse, DisconnectRequested> {
        let method = request.method().clone();
        let key = lookup_key(request.uri().path());
        let readable = method == Method::GET || method == Method::HEAD;
        let public = readable && (key == lookup_key(SERVICE_ROOT) || key == "/redfish");
        let login = method == Method::POST && key == lookup_key(SESSIONS);
        if !public && !login && !self.authenticated(request.headers()) {
            return Ok(error_response(
                StatusCode::UNAUTHORIZED,
                "NoValidSession",
                "No valid session or Basic credentials were sent; log in at /redfish/v1/SessionService/Sessions.",
            ));
        }

        if let Some(failure) = self.failures.get(&key) {
            match failure {
                Failure::Status(code) => return Ok(failure_status(*code)),
                Failure::InvalidJson => return Ok(truncated_json()),
                Failure::Disconnect => return Err(DisconnectRequested),
                Failure::Delay(delay) => tokio::time::sleep(*delay).await,
            }
        }

        let query = match parse_query(request.uri().query().unwrap_or_default()) {
            Ok(query) => query,
            Err(message) => return Ok(error_response(StatusCode::BAD_REQUEST, "QueryParameterValueTypeError", &message)),
        };
        let sessions_key = lookup_key(SESSIONS);
        let session_id = key.strip_prefix(&sessions_key).and_then(|rest| rest.strip_prefix('/'));
        Ok(match (&method, session_id) {
            (_, None) if key == sessions_key => match method {
                Method::GET | Method::HEAD => self.sessions_collection(&query),
                Method::POST => self.login(request).await,
                _ => method_not_allowed("GET, HEAD, POST"),
            },
            (&Method::GET | &Method::HEAD, Some(id)) => match self.session_body(id) {
                Some(body) => json_response(StatusCode::OK, &body),
                None => missing(request.uri().path()),
            },
            (&Method::DELETE, Some(id)) => self.logout(id),
            (_, Some(id)) if self.session_body(id).is_some() => method_not_allowed("GET, HEAD, DELETE"),
            (_, Some(_)) => missing(request.uri().path()),
            (&Method::GET | &Method::HEAD, None) if key == "/redfish" => {
                json_response(StatusCode::OK, &json!({ "v1": "/redfish/v1/" }))
            }
            (&Method::GET | &Method::HEAD, None) => self.resource(&key, request.uri().path(), &query),
            (_, None) if self.mockup.resources.contains_key(&key) => method_not_allowed("GET, HEAD"),
            (_, None) => missing(request.uri().path()),
        })
    }

    /// Returns whether the request carries the `X-Auth-Token` of an open
    /// session or valid Basic credentials.
    fn authenticated(&self, headers: &HeaderMap) -> bool {
        let token_valid = headers
            .get("x-auth-token")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|token| self.sessions.lock().is_ok_and(|sessions| sessions.by_token.contains_key(token)));
        token_valid || self.basic_credentials_valid(headers)
    }

    fn basic_credentials_valid(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Some((scheme, encoded)) = value.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Some(decoded) = decode_base64(encoded.trim()) else {
            return false;
        };
        let Ok(text) = String::from_utf8(decoded) else {
            return false;
        };
        text.split_once(':').is_some_and(|(user, password)| self.credentials_valid(user, password))
    }

    fn credentials_valid(&self, user: &str, password: &str) -> bool {
        user == self.options.username && password == self.options.password
    }

    /// Serves a stored resource, applying paging and `$expand` to collections.
    fn resource(&self, key: &str, path: &str, query: &Query) -> HttpResponse {
        let Some(resource) = self.mockup.resources.get(key) else {
            return missing(path);
        };
        let mut body = resource.body.clone();
        if is_error_body(&body) {
            // The Mockup Creator stored a failed GET. Static servers serve
            // such files with 200, and so does this one.
            return json_response(StatusCode::OK, &body);
        }
        if key == lookup_key(SERVICE_ROOT)
            && !self.options.expand
            && let Some(features) = body.get_mut("ProtocolFeaturesSupported").and_then(Value::as_object_mut)
        {
            features.remove("ExpandQuery");
        }
        if let Some(object) = body.as_object_mut() {
            let base = collection_base(object, &resource.uri);
            self.shape_collection(object, &base, query, |uri| self.expanded_member(uri));
        }
        json_response(StatusCode::OK, &body)
    }

    /// Pages a collection and inlines its members when the query requests
    /// `$expand`. Does nothing to a resource without a `Members` array.
    fn shape_collection(
        &self,
        object: &mut Map<String, Value>,
        base: &str,
        query: &Query,
        lookup: impl Fn(&str) -> Option<Value>,
    ) {
        let Some(Value::Array(members)) = object.get_mut("Members") else {
            return;
        };
        let page = page_members(members.len(), query.skip, query.top, self.options.page_size);
        if let Some(page) = page {
            let total = members.len();
            *members = members.drain(page.start..page.end).collect();
            object.remove("Members@odata.nextLink");
            object.entry("Members@odata.count").or_insert(json!(total));
            if let Some(next) = page.next {
                object.insert("Members@odata.nextLink".to_string(), json!(next.link(base)));
            }
        }
        if self.options.expand
            && query.expand
            && let Some(Value::Array(members)) = object.get_mut("Members")
        {
            for member in members.iter_mut() {
                let Some(uri) = member.get("@odata.id").and_then(Value::as_str).map(str::to_string) else {
                    continue;
                };
                let Some(mut full) = lookup(&uri) else {
                    continue;
                };
                if let Some(full_object) = full.as_object_mut() {
                    full_object.insert("@odata.id".to_string(), json!(uri));
                }
                *member = full;
            }
        }
    }

    /// Returns a member's body for `$expand`, or `None` to leave the link
    /// as it is (a missing member, or one stored as an error body).
    fn expanded_member(&self, uri: &str) -> Option<Value> {
        let key = lookup_key(uri);
        if let Some(id) = key.strip_prefix(&lookup_key(SESSIONS)).and_then(|rest| rest.strip_prefix('/')) {
            return self.session_body(id);
        }
        let body = &self.mockup.resources.get(&key)?.body;
        (!is_error_body(body)).then(|| body.clone())
    }

    /// Serves the sessions collection, listing the sessions open on this
    /// server. Sessions captured in the mockup are not served, but the
    /// stored collection body, when there is one, supplies the other properties.
    fn sessions_collection(&self, query: &Query) -> HttpResponse {
        let stored = self.mockup.resources.get(&lookup_key(SESSIONS)).map(|resource| &resource.body);
        let mut object = match stored {
            Some(body @ Value::Object(object)) if !is_error_body(body) => object.clone(),
            _ => {
                let mut object = Map::new();
                object.insert("@odata.id".to_string(), json!(SESSIONS));
                object.insert("@odata.type".to_string(), json!("#SessionCollection.SessionCollection"));
                object.insert("Name".to_string(), json!("Session Collection"));
                object
            }
        };
        let mut ids: Vec<u64> = match self.sessions.lock() {
            Ok(sessions) => sessions.by_token.values().filter_map(|session| session.id.parse().ok()).collect(),
            Err(_) => Vec::new(),
        };
        ids.sort_unstable();
        let members: Vec<Value> = ids.iter().map(|id| json!({ "@odata.id": session_uri(&id.to_string()) })).collect();
        object.insert("Members@odata.count".to_string(), json!(members.len()));
        object.insert("Members".to_string(), Value::Array(members));
        object.remove("Members@odata.nextLink");
        self.shape_collection(&mut object, SESSIONS, query, |uri| self.expanded_member(uri));
        json_response(StatusCode::OK, &Value::Object(object))
    }

    fn session_body(&self, id: &str) -> Option<Value> {
        let sessions = self.sessions.lock().ok()?;
        let session = sessions.by_token.values().find(|session| session.id == id)?;
        Some(json!({
            "@odata.id": session_uri(&session.id),
            "@odata.type": "#Session.v1_0_0.Session",
            "Id": session.id,
            "Name": "User Session",
            "UserName": session.user_name,
        }))
    }

    async fn login(&self, request: Request<Incoming>) -> HttpResponse {
        let bytes = match Limited::new(request.into_body(), MAX_REQUEST_BODY_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                tracing::debug!(%error, "Redfish login body could not be read");
                let message = format!("The request body could not be read: {error}.");
                return error_response(StatusCode::BAD_REQUEST, "MalformedJSON", &message);
            }
        };
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&bytes) else {
            return error_response(StatusCode::BAD_REQUEST, "MalformedJSON", "The request body is not a JSON object.");
        };
        let field = |name: &str| body.get(name).and_then(Value::as_str);
        let (Some(user), Some(password)) = (field("UserName"), field("Password")) else {
            let message = "The request body is missing the string property UserName or Password.";
            return error_response(StatusCode::BAD_REQUEST, "PropertyMissing", message);
        };
        if !self.credentials_valid(user, password) {
            tracing::debug!(user, "Redfish login rejected: wrong user name or password");
            return error_response(StatusCode::UNAUTHORIZED, "NoValidSession", "The user name or password is incorrect.");
        }

        let token = random_token();
        let id = {
            let Ok(mut sessions) = self.sessions.lock() else {
                tracing::warn!(user, "Redfish login failed because a panicked thread poisoned the session table");
                let message = "The session table is unavailable after an internal panic.";
                return error_response(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message);
            };
            sessions.last_id += 1;
            let id = sessions.last_id.to_string();
            sessions.by_token.insert(token.clone(), Session { id: id.clone(), user_name: user.to_string() });
            id
        };
        self.stats.sessions_created.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(user, session = %id, "Redfish session created");

        let body = self.session_body(&id).unwrap_or_else(|| json!({}));
        let mut response = json_response(StatusCode::CREATED, &body);
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&token) {
            headers.insert("x-auth-token", value);
        }
        if let Ok(value) = HeaderValue::from_str(&session_uri(&id)) {
            headers.insert(header::LOCATION, value);
        }
        response
    }

    fn logout(&self, id: &str) -> HttpResponse {
        let removed = match self.sessions.lock() {
            Ok(mut sessions) => {
                let token = sessions.by_token.iter().find(|(_, session)| session.id == id).map(|(token, _)| token.clone());
                token.and_then(|token| sessions.by_token.remove(&token)).is_some()
            }
            Err(_) => false,
        };
        if !removed {
            return missing(&session_uri(id));
        }
        self.stats.sessions_deleted.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(session = %id, "Redfish session deleted");
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NO_CONTENT;
        response.headers_mut().insert("odata-version", HeaderValue::from_static("4.0"));
        response
    }
}

fn session_uri(id: &str) -> String {
    format!("{SESSIONS}/{id}")
}

/// Returns the URI a collection's next link starts from: its own
/// `@odata.id` without any query, else the URI the folder gives.
fn collection_base(object: &Map<String, Value>, stored_uri: &str) -> String {
    object
        .get("@odata.id")
        .and_then(Value::as_str)
        .map(|id| id.split('?').next().unwrap_or(id).to_string())
        .unwrap_or_else(|| stored_uri.to_string())
}

// ---------------------------------------------------------------------------
// Queries and paging

/// Reads `$expand`, `$skip` and `$top`; other options are ignored. Names and
/// values are percent-decoded first, so `%24expand=.%28%24levels%3D1%29` is
/// `$expand=.($levels=1)`.
fn parse_query(query: &str) -> Result<Query, String> {
    let mut parsed = Query::default();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name);
        let value = percent_decode(value);
        let count = |option: &str| {
            value.parse::<usize>().map_err(|_| format!("The value {value:?} of {option} is not a non-negative integer."))
        };
        match name.as_str() {
            "$expand" => parsed.expand = expands_one_level(&value),
            "$skip" => parsed.skip = Some(count("$skip")?),
            "$top" => parsed.top = Some(count("$top")?),
            _ => {}
        }
    }
    Ok(parsed)
}

/// Tells whether an `$expand` value requests the members of a collection:
/// `*` or `.`, optionally with `($levels=N)` where N is at least 1. Only one
/// level is ever expanded, and `~` (links only) is not supported.
fn expands_one_level(value: &str) -> bool {
    let (kind, levels) = match value.split_once('(') {
        Some((kind, rest)) => (kind, Some(rest.strip_suffix(')').unwrap_or(rest))),
        None => (value, None),
    };
    if kind != "*" && kind != "." {
        return false;
    }
    match levels {
        None => true,
        Some(option) => option
            .strip_prefix("$levels=")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .is_some_and(|n| n >= 1),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_follows =
            bytes[i] == b'%' && i + 2 < bytes.len() && bytes[i + 1..i + 3].iter().all(u8::is_ascii_hexdigit);
        let escaped = if hex_follows {
            std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|hex| u8::from_str_radix(hex, 16).ok())
        } else {
            None
        };
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// The slice of a collection's members one response carries.
#[derive(Debug, PartialEq, Eq)]
struct Page {
    start: usize,
    end: usize,
    next: Option<NextPage>,
}

/// Query options of the next page's link.
#[derive(Debug, PartialEq, Eq)]
struct NextPage {
    skip: usize,
    /// Number of members still due under the client's `$top`, if it sent one.
    top: Option<usize>,
}

impl NextPage {
    fn link(&self, base: &str) -> String {
        match self.top {
            Some(top) => format!("{base}?$skip={}&$top={top}", self.skip),
            None => format!("{base}?$skip={}", self.skip),
        }
    }
}

/// Picks the members to send, or returns `None` to send the collection as
/// stored. `$top` limits the total number the client requests (OData
/// semantics). The server's page size limits one response, and a next link
/// covers the rest.
fn page_members(total: usize, skip: Option<usize>, top: Option<usize>, page_size: Option<usize>) -> Option<Page> {
    let paged = page_size.is_some_and(|size| total > size);
    if skip.is_none() && top.is_none() && !paged {
        return None;
    }
    let start = skip.unwrap_or(0).min(total);
    let wanted = top.map_or(total - start, |top| top.min(total - start));
    let length = page_size.map_or(wanted, |size| wanted.min(size));
    let end = start + length;
    let next = (length < wanted).then(|| NextPage { skip: end, top: top.map(|top| top - length) });
    Some(Page { start, end, next })
}

// ---------------------------------------------------------------------------
// Responses

fn json_response(status: StatusCode, body: &Value) -> HttpResponse {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert("odata-version", HeaderValue::from_static("4.0"));
    response
}

/// Builds a Redfish error response. `message_id` names a message of the Base
/// registry.
fn error_response(status: StatusCode, message_id: &str, message: &str) -> HttpResponse {
    let code = format!("{BASE_REGISTRY}.{message_id}");
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "@Message.ExtendedInfo": [{
                "@odata.type": "#Message.v1_0_0.Message",
                "MessageId": code,
                "Message": message,
                "Severity": if status.is_server_error() || status == StatusCode::UNAUTHORIZED { "Critical" } else { "Warning" },
            }],
        }
    });
    json_response(status, &body)
}

fn missing(path: &str) -> HttpResponse {
    error_response(StatusCode::NOT_FOUND, "ResourceMissingAtURI", &format!("The resource at the URI {path} was not found."))
}

fn method_not_allowed(allowed: &'static str) -> HttpResponse {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "GeneralError",
        &format!("This simulated service allows only {allowed} on this resource."),
    );
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}

fn failure_status(code: u16) -> HttpResponse {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message_id = if status.is_server_error() { "InternalError" } else { "GeneralError" };
    error_response(status, message_id, &format!("Injected failure: status {}.", status.as_u16()))
}

fn truncated_json() -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(b"{\"@odata.id\": \"/redfish/v1\", \"Name\": ")));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

/// Returns 32 random bytes as lower-case hex, the session token.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Decodes standard base64 (RFC 4648, padding optional). Returns `None` when
/// the text contains other characters or has an impossible length.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits = text.trim_end_matches('=').as_bytes();
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut decoded = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut buffer = 0u32;
        for (position, &c) in chunk.iter().enumerate() {
            buffer |= value(c)? << (18 - 6 * position);
        }
        let bytes = buffer.to_be_bytes();
        decoded.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_key_normalises() {
        assert_eq!(lookup_key("/redfish/v1/"), "/redfish/v1");
        assert_eq!(lookup_key("/redfish/v1/Systems/1/?$expand=*"), "/redfish/v1/systems/1");
        assert_eq!(lookup_key("/redfish/v1/Sessions/a%20B"), "/redfish/v1/sessions/a%20b");
        assert_eq!(lookup_key("/"), "/");
    }

    #[test]
    fn base64_decodes_padded_and_unpadded() {
        assert_eq!(decode_base64("YWRtaW46c2VjcmV0").as_deref(), Some(&b"admin:secret"[..]));
        assert_eq!(decode_base64("YTpi").as_deref(), Some(&b"a:b"[..]));
        assert_eq!(decode_base64("YTpiYw==").as_deref(), Some(&b"a:bc"[..]));
        assert_eq!(decode_base64("YTpiYw").as_deref(), Some(&b"a:bc"[..]));
        assert_eq!(decode_base64("YTpiY"), None);
        assert_eq!(decode_base64("YT!i"), None);
    }

    #[test]
    fn query_expand_forms() {
        assert!(parse_query("$expand=.($levels=1)").unwrap().expand);
        assert!(parse_query("%24expand=.%28%24levels%3D1%29").unwrap().expand);
        assert!(parse_query("$expand=*").unwrap().expand);
        assert!(parse_query("$expand=.").unwrap().expand);
        assert!(!parse_query("$expand=~").unwrap().expand);
        assert!(!parse_query("$expand=.($levels=0)").unwrap().expand);
        assert!(!parse_query("$select=Name").unwrap().expand);
    }

    #[test]
    fn query_skip_top() {
        let query = parse_query("$skip=10&$top=5").unwrap();
        assert_eq!(query.skip, Some(10));
        assert_eq!(query.top, Some(5));
        assert!(parse_query("$skip=ten").is_err());
    }

    #[test]
    fn page_by_server_size() {
        let page = page_members(27, None, None, Some(10)).unwrap();
        assert_eq!((page.start, page.end), (0, 10));
        assert_eq!(page.next, Some(NextPage { skip: 10, top: None }));
        let last = page_members(27, Some(20), None, Some(10)).unwrap();
        assert_eq!((last.start, last.end, last.next), (20, 27, None));
        assert_eq!(page_members(5, None, None, Some(10)), None);
    }

    #[test]
    fn page_by_client_top() {
        let page = page_members(27, None, Some(10), None).unwrap();
        assert_eq!((page.start, page.end, page.next), (0, 10, None));
        let limited = page_members(27, Some(5), Some(15), Some(10)).unwrap();
        assert_eq!((limited.start, limited.end), (5, 15));
        assert_eq!(limited.next, Some(NextPage { skip: 15, top: Some(5) }));
        let beyond = page_members(3, Some(50), None, None).unwrap();
        assert_eq!((beyond.start, beyond.end, beyond.next), (3, 3, None));
    }

    #[test]
    fn fingerprint_format() {
        let fingerprint = sha256_fingerprint(b"");
        assert_eq!(fingerprint.len(), 32 * 3 - 1);
        assert!(fingerprint.starts_with("E3:B0:C4:42:"));
    }
}
