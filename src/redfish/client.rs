//! The live Redfish client for one BMC. It sends a few requests at a time and
//! deletes its session after the crawl.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;

use super::crawl::{FetchError, Source};
use super::tls::{TlsFailure, TlsPolicy, classify, client_config};
use crate::credentials::Secret;

/// User, password and login method of one Redfish credential set.
#[derive(Clone, Debug)]
pub struct RedfishLogin {
    pub user: String,
    pub password: Secret,
    /// Whether to send HTTP Basic credentials on every request instead of
    /// opening a session.
    pub basic: bool,
}

/// Limits for one BMC.
#[derive(Clone, Copy, Debug)]
pub struct ClientSettings {
    pub timeout: Duration,
    /// Maximum number of requests in flight to one BMC, kept low because BMCs
    /// are slow and fragile.
    pub max_in_flight: usize,
}

/// A connection to one BMC.
pub struct Client {
    http: reqwest::Client,
    base: String,
    permits: Semaphore,
    timeout: Duration,
    basic: Option<(String, Secret)>,
    session: Option<Session>,
    pub tls_mode: &'static str,
}

/// An open session: its token and the URI that deletes it.
struct Session {
    token: Secret,
    uri: String,
}

impl Client {
    pub fn new(address: SocketAddr, policy: &TlsPolicy, settings: ClientSettings) -> Result<Client, FetchError> {
        let config = client_config(policy).map_err(FetchError::Other)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .pool_max_idle_per_host(settings.max_in_flight)
            .build()
            .map_err(|e| FetchError::Other(format!("cannot build the HTTPS client: {e}")))?;
        Ok(Client {
            http,
            base: base_url(address),
            permits: Semaphore::new(settings.max_in_flight.max(1)),
            timeout: settings.timeout,
            basic: None,
            session: None,
            tls_mode: policy.label(),
        })
    }

    /// Reads the service root, which needs no credentials.
    pub async fn root(&self) -> Result<Value, FetchError> {
        self.get("/redfish/v1/").await
    }

    /// Logs in by creating a session in the SessionService, or with HTTP Basic
    /// when the set requests it. Basic credentials are checked with one
    /// authenticated GET of the Systems collection.
    pub async fn login(&mut self, login: &RedfishLogin, root: &Value) -> Result<(), FetchError> {
        if login.basic {
            self.basic = Some((login.user.clone(), login.password.clone()));
            let probe = root.get("Systems").and_then(|s| s.get("@odata.id")).and_then(Value::as_str).unwrap_or("/redfish/v1/Systems");
            return self.get(probe).await.map(|_| ());
        }

        let sessions = root
            .get("Links")
            .and_then(|l| l.get("Sessions"))
            .and_then(|s| s.get("@odata.id"))
            .and_then(Value::as_str)
            .unwrap_or("/redfish/v1/SessionService/Sessions");
        let body = serde_json::json!({ "UserName": login.user, "Password": login.password.expose() });
        let _permit = self.permits.acquire().await.map_err(|e| FetchError::Other(e.to_string()))?;
        let response = self
            .http
            .post(format!("{}{}", self.base, sessions))
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;

        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            return Err(FetchError::AuthFailed(format!("the BMC rejected user {:?} (HTTP {status})", login.user)));
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status { status, uri: sessions.to_string() });
        }

        let token = response
            .headers()
            .get("X-Auth-Token")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| FetchError::AuthFailed("the session response contains no X-Auth-Token header".into()))?;
        let location = response.headers().get("Location").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let uri = session_path(location);
        self.session = Some(Session { token: Secret::new(token.to_string()), uri });
        Ok(())
    }

    /// Deletes the session, if one is open. Called after every crawl, also
    /// after errors and timeouts, because BMCs have few session slots.
    pub async fn logout(&mut self) {
        let Some(session) = self.session.take() else { return };
        if session.uri.is_empty() {
            tracing::warn!(bmc = %self.base, "the BMC sent no session URI, so the session cannot be deleted and will expire");
            return;
        }
        let request = self
            .http
            .delete(format!("{}{}", self.base, session.uri))
            .header("X-Auth-Token", session.token.expose())
            .timeout(self.timeout);
        match request.send().await {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => {
                tracing::warn!(bmc = %self.base, session = %session.uri, status = response.status().as_u16(), "session delete rejected")
            }
            Err(error) => {
                tracing::warn!(bmc = %self.base, session = %session.uri, error = %transport_error(&error), "session delete failed")
            }
        }
    }
}

impl Source for Client {
    async fn get(&self, uri: &str) -> Result<Value, FetchError> {
        let _permit = self.permits.acquire().await.map_err(|e| FetchError::Other(e.to_string()))?;
        let url = if uri.starts_with("https://") { uri.to_string() } else { format!("{}{}", self.base, uri) };
        let mut request = self.http.get(&url).header("Accept", "application/json");
        if let Some(session) = &self.session {
            request = request.header("X-Auth-Token", session.token.expose());
        } else if let Some((user, password)) = &self.basic {
            request = request.basic_auth(user, Some(password.expose()));
        }
        let response = request.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            return Err(FetchError::AuthFailed(format!("HTTP {status} on {uri}")));
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status { status, uri: uri.to_string() });
        }
        let bytes = response.bytes().await.map_err(|e| transport_error(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| FetchError::Json { uri: uri.to_string(), message: e.to_string() })
    }
}

/// Connects to a BMC without trusting anything and returns the SHA-256
/// fingerprint of the certificate it presents, for pinning. Sends one
/// unauthenticated GET of the service root and no credentials.
pub async fn peer_fingerprint(address: SocketAddr, timeout: Duration) -> Result<String, FetchError> {
    let config = client_config(&TlsPolicy::Insecure).map_err(FetchError::Other)?;
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .tls_info(true)
        .timeout(timeout)
        .build()
        .map_err(|e| FetchError::Other(format!("cannot build the HTTPS client: {e}")))?;
    let response = http.get(format!("{}/redfish/v1/", base_url(address))).send().await.map_err(|e| transport_error(&e))?;
    let certificate = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .ok_or_else(|| FetchError::Other("the server presented no certificate".to_string()))?;
    Ok(super::tls::format_fingerprint(&super::tls::fingerprint_of(certificate)))
}

/// Returns `https://` and the address, with IPv6 addresses in brackets.
fn base_url(address: SocketAddr) -> String {
    match address {
        SocketAddr::V4(v4) => format!("https://{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("https://[{}]:{}", v6.ip(), v6.port()),
    }
}

/// Returns the path of a session's `Location` header, which BMCs send either
/// as a path or as an absolute URL. Keeping only the path sends the delete to
/// the scanned address, whatever host name the URL contains.
fn session_path(location: &str) -> String {
    match reqwest::Url::parse(location) {
        Ok(url) => url.path().to_string(),
        Err(_) => location.to_string(),
    }
}

/// Maps a transport error to the scan's outcomes, looking through its
/// source chain for TLS and socket errors.
pub(crate) fn transport_error(error: &reqwest::Error) -> FetchError {
    if error.is_timeout() {
        return FetchError::Timeout;
    }
    match classify(error) {
        Some(TlsFailure::Legacy) => return FetchError::TlsLegacy,
        Some(TlsFailure::Rejected(reason)) => return FetchError::TlsRejected(reason),
        None => {}
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => FetchError::Refused,
                std::io::ErrorKind::TimedOut => FetchError::Timeout,
                std::io::ErrorKind::HostUnreachable | std::io::ErrorKind::NetworkUnreachable => FetchError::Unreachable(io.to_string()),
                _ => FetchError::Other(io.to_string()),
            };
        }
        source = current.source();
    }
    FetchError::Other(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_path_of_location_forms() {
        let path = "/redfish/v1/SessionService/Sessions/7";
        assert_eq!(session_path(path), path);
        assert_eq!(session_path("https://bmc.example.net/redfish/v1/SessionService/Sessions/7"), path);
        assert_eq!(session_path("https://192.0.2.10:8443/redfish/v1/SessionService/Sessions/7"), path);
        assert_eq!(session_path(""), "");
    }
}
