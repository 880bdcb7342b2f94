//! Serving a saved `.http` recording over HTTP and HTTPS on loopback, for
//! `simulate` and the tests. Protected pages need Basic, Digest or form
//! login as the recording sets, and every request is counted by method, so
//! tests can check that the scanner only reads.

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use super::digest::{Algorithm, DigestInput, parse_parameters, response_digest};
use super::recording::{FormSettings, HttpRecording, RecordedAuth};
use crate::redfish::server::ServerCertificate;

/// Realm of the simulated devices' Basic and Digest challenges.
const REALM: &str = "fwsweep simulated device";

/// Name of the session cookie that a form login sets.
const SESSION_COOKIE: &str = "fwsweep_session";

type HttpResponse = Response<Full<Bytes>>;

/// User, password and latency of a simulated web server.
#[derive(Clone)]
pub struct WebOptions {
    pub username: String,
    /// Never logged.
    pub password: String,
    pub latency: Duration,
}

impl std::fmt::Debug for WebOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebOptions").field("username", &self.username).field("password", &"<redacted>").field("latency", &self.latency).finish()
    }
}

/// Request counters of a running server, readable while it serves.
#[derive(Debug, Default)]
pub struct WebStats {
    pub gets: AtomicU64,
    pub posts: AtomicU64,
    /// Requests with any other method (PUT, DELETE, HEAD, …).
    pub other_methods: AtomicU64,
    /// Successful form logins.
    pub logins: AtomicU64,
    /// Requests to the logout path that ended a session.
    pub logouts: AtomicU64,
    /// Requests for protected pages rejected with 401 or redirected to the login.
    pub denied: AtomicU64,
    /// TLS handshakes that failed, such as a client that rejected the certificate.
    pub handshake_failures: AtomicU64,
}

impl WebStats {
    /// Returns the number of requests whose method was not GET, apart from
    /// form logins and logouts.
    pub fn writes(&self) -> u64 {
        let posts = self.posts.load(Ordering::SeqCst);
        let logins_and_logouts = self.logins.load(Ordering::SeqCst) + self.logouts.load(Ordering::SeqCst);
        posts.saturating_sub(logins_and_logouts) + self.other_methods.load(Ordering::SeqCst)
    }
}

/// Handle of a running server. Dropping it stops both listeners.
pub struct RunningWebServer {
    pub http_address: SocketAddr,
    pub https_address: SocketAddr,
    pub stats: Arc<WebStats>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for RunningWebServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Binds `http_address` (plain HTTP) and `https_address` (TLS with
/// `certificate`) and serves `recording` on both. Port 0 picks a free port.
pub async fn serve(
    http_address: SocketAddr,
    https_address: SocketAddr,
    recording: Arc<HttpRecording>,
    certificate: &ServerCertificate,
    options: WebOptions,
) -> io::Result<RunningWebServer> {
    let acceptor = TlsAcceptor::from(Arc::new(crate::redfish::server::tls_config(certificate, false)?));
    let plain = TcpListener::bind(http_address).await?;
    let secure = TcpListener::bind(https_address).await?;
    let http_address = plain.local_addr()?;
    let https_address = secure.local_addr()?;
    let stats = Arc::new(WebStats::default());
    let site = Arc::new(Site { recording, options, stats: stats.clone(), sessions: Mutex::new(HashSet::new()), nonces: Mutex::new(HashSet::new()) });
    tracing::info!(%http_address, %https_address, recording = %site.recording.name, "web server listening");
    let tasks = vec![tokio::spawn(accept(plain, None, site.clone())), tokio::spawn(accept(secure, Some(acceptor), site))];
    Ok(RunningWebServer { http_address, https_address, stats, tasks })
}

async fn accept(listener: TcpListener, acceptor: Option<TlsAcceptor>, site: Arc<Site>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, acceptor.clone(), site.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "web server failed to accept a connection, retrying in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, acceptor: Option<TlsAcceptor>, site: Arc<Site>) {
    let handler = {
        let site = site.clone();
        hyper::service::service_fn(move |request| {
            let site = site.clone();
            async move { Ok::<_, std::convert::Infallible>(site.handle(request).await) }
        })
    };
    let builder = hyper::server::conn::http1::Builder::new();
    let result = match acceptor {
        None => builder.serve_connection(TokioIo::new(stream), handler).await,
        Some(acceptor) => match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
            Ok(Ok(tls)) => builder.serve_connection(TokioIo::new(tls), handler).await,
            _ => {
                site.stats.handshake_failures.fetch_add(1, Ordering::SeqCst);
                tracing::debug!(%peer, "TLS handshake failed or timed out");
                return;
            }
        },
    };
    if let Err(error) = result {
        tracing::debug!(%peer, %error, "web connection ended with an error");
    }
}

/// One simulated device's web server.
struct Site {
    recording: Arc<HttpRecording>,
    options: WebOptions,
    stats: Arc<WebStats>,
    /// Open form sessions by cookie value.
    sessions: Mutex<HashSet<String>>,
    /// Digest nonces handed out, accepted until the server stops.
    nonces: Mutex<HashSet<String>>,
}

impl Site {
    async fn handle(&self, request: Request<Incoming>) -> HttpResponse {
        let counter = match *request.method() {
            Method::GET => &self.stats.gets,
            Method::POST => &self.stats.posts,
            _ => &self.stats.other_methods,
        };
        counter.fetch_add(1, Ordering::SeqCst);

        if !self.options.latency.is_zero() {
            tokio::time::sleep(self.options.latency).await;
        }
        let path = request.uri().path_and_query().map_or_else(|| request.uri().path().to_string(), |p| p.as_str().to_string());
        if let RecordedAuth::Form(form) = &self.recording.auth {
            if path == form.login_path {
                return self.form_login(request, form).await;
            }
            if path == form.logout_path {
                return self.form_logout(request.headers());
            }
        }

        if request.method() != Method::GET {
            return text(StatusCode::METHOD_NOT_ALLOWED, "only GET is served");
        }
        let Some(page) = self.recording.pages.get(&path) else {
            return text(StatusCode::NOT_FOUND, "not found");
        };
        if page.protected && !self.authorised(request.headers(), &path) {
            self.stats.denied.fetch_add(1, Ordering::SeqCst);
            return self.challenge();
        }

        let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = Response::new(Full::new(Bytes::from(page.body.clone())));
        *response.status_mut() = status;
        if let Some(content_type) = page.content_type.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
            response.headers_mut().insert(header::CONTENT_TYPE, content_type);
        }
        response
    }

    fn authorised(&self, headers: &HeaderMap, path: &str) -> bool {
        let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        match &self.recording.auth {
            RecordedAuth::None => true,
            RecordedAuth::Basic => self.basic_valid(authorization),
            RecordedAuth::Digest(algorithm) => self.digest_valid(authorization, *algorithm, path),
            RecordedAuth::Form(_) => session_cookie(headers).is_some_and(|id| self.sessions.lock().is_ok_and(|s| s.contains(&id))),
        }
    }

    fn basic_valid(&self, authorization: &str) -> bool {
        let Some(encoded) = authorization.strip_prefix("Basic ") else { return false };
        let Some(decoded) = crate::redfish::server::decode_base64(encoded.trim()) else { return false };
        let text = String::from_utf8_lossy(&decoded);
        text.split_once(':').is_some_and(|(user, password)| user == self.options.username && password == self.options.password)
    }

    fn digest_valid(&self, authorization: &str, algorithm: Algorithm, path: &str) -> bool {
        let Some(rest) = authorization.strip_prefix("Digest ") else { return false };
        let parameters = parse_parameters(rest);
        let get = |name: &str| parameters.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let (Some(user), Some(nonce), Some(uri), Some(response)) = (get("username"), get("nonce"), get("uri"), get("response")) else {
            return false;
        };
        if user != self.options.username || uri != path || get("realm") != Some(REALM) || !self.nonces.lock().is_ok_and(|n| n.contains(nonce)) {
            return false;
        }
        let (Some(nc), Some(cnonce)) = (get("nc"), get("cnonce")) else { return false };
        if get("qop") != Some("auth") {
            return false;
        }
        let expected = response_digest(algorithm, &DigestInput {
            user,
            realm: REALM,
            password: &self.options.password,
            method: "GET",
            uri,
            nonce,
            qop: Some(("auth", nc, cnonce)),
        });
        expected == response
    }

    fn challenge(&self) -> HttpResponse {
        let mut response = text(StatusCode::UNAUTHORIZED, "authentication required");
        let value = match &self.recording.auth {
            RecordedAuth::Basic => format!("Basic realm=\"{REALM}\""),
            RecordedAuth::Digest(algorithm) => {
                let nonce = random_token();
                if let Ok(mut nonces) = self.nonces.lock() {
                    nonces.insert(nonce.clone());
                }
                format!("Digest realm=\"{REALM}\", qop=\"auth\", algorithm={}, nonce=\"{nonce}\", opaque=\"{}\"", algorithm.name(), random_token())
            }
            RecordedAuth::Form(form) => {
                *response.status_mut() = StatusCode::FOUND;
                if let Ok(location) = HeaderValue::from_str(&form.login_path) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                return response;
            }
            RecordedAuth::None => return response,
        };
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }

    async fn form_login(&self, request: Request<Incoming>, form: &FormSettings) -> HttpResponse {
        if request.method() != Method::POST {
            return text(StatusCode::METHOD_NOT_ALLOWED, "the login form is posted");
        }
        let Ok(body) = Limited::new(request.into_body(), 16 * 1024).collect().await else {
            return text(StatusCode::BAD_REQUEST, "unreadable form");
        };
        let body = String::from_utf8_lossy(&body.to_bytes()).into_owned();
        let fields: Vec<(String, String)> =
            body.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (form_decode(k), form_decode(v))).collect();
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if field(&form.user_field) != Some(self.options.username.as_str()) || field(&form.password_field) != Some(self.options.password.as_str()) {
            return text(StatusCode::UNAUTHORIZED, "login failed");
        }
        let session = random_token();
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(session.clone());
        }
        self.stats.logins.fetch_add(1, Ordering::SeqCst);
        let mut response = text(StatusCode::OK, "logged in");
        if let Ok(cookie) = HeaderValue::from_str(&format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly")) {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        response
    }

    fn form_logout(&self, headers: &HeaderMap) -> HttpResponse {
        let removed = session_cookie(headers).is_some_and(|id| self.sessions.lock().is_ok_and(|mut s| s.remove(&id)));
        if removed {
            self.stats.logouts.fetch_add(1, Ordering::SeqCst);
            text(StatusCode::OK, "logged out")
        } else {
            text(StatusCode::UNAUTHORIZED, "no session")
        }
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

fn text(status: StatusCode, body: &'static str) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

fn random_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Decodes an `application/x-www-form-urlencoded` value.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => decoded.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                let digits = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
                match u8::from_str_radix(digits, 16) {
                    Ok(byte) => {
                        decoded.push(byte);
                        index += 2;
                    }
                    Err(_) => decoded.push(b'%'),
                }
            }
            other => decoded.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_decode() {
        assert_eq!(form_decode("a+b%26c%3Dd%2F%C3%A9"), "a b&c=d/é");
        assert_eq!(form_decode("100%"), "100%");
    }
}
