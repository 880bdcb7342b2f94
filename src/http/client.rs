//! The live HTTP(S) client for one device. It sends GETs. For pages a
//! profile marks as needing login, it responds to a Basic or Digest
//! challenge or performs the profile's form login, which it logs out of again.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE, WWW_AUTHENTICATE};
use reqwest::{Method, RequestBuilder, Response};

use super::digest::Challenge;
use super::{FetchError, Page, PageRequest, PageSource};
use crate::credentials::Secret;
use crate::profiles::http_rules::{FormLogin, Scheme};
use crate::redfish::tls::{TlsPolicy, client_config};

/// User and password of one `[[http]]` credential set.
#[derive(Clone, Debug)]
pub struct HttpLogin {
    pub user: String,
    pub password: Secret,
}

/// Address, ports and timeout of one device's web server.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    pub address: IpAddr,
    pub http_port: u16,
    pub https_port: u16,
    pub timeout: Duration,
}

/// HTTP authentication learned from the device's first challenge, reused
/// for later pages so each needs one request.
#[derive(Clone, Debug)]
enum KnownAuth {
    Basic,
    Digest(Challenge),
}

/// A connection to one device's web server.
pub struct Client {
    http: reqwest::Client,
    settings: ClientSettings,
    login: Option<HttpLogin>,
    known_auth: Option<KnownAuth>,
    /// Digest nonce count, sent as `nc`.
    nonce_count: u32,
    /// Cookies of an open form session, as a `Cookie` header value.
    session_cookies: Option<Secret>,
    /// The form login whose session is open, for the logout.
    open_form: Option<(Scheme, FormLogin)>,
    /// Schemes whose port refused the connection, timed out or was
    /// unreachable, with that error. They are not tried again, so a silent
    /// address costs one timeout per scheme, not one per page.
    dead: HashMap<Scheme, FetchError>,
    /// Whether any request carried credentials.
    pub credentials_sent: bool,
    /// Name of the `[[http]]` credential set behind `login`, for reasons.
    pub credential_name: Option<String>,
}

impl Client {
    pub fn new(settings: ClientSettings, policy: &TlsPolicy, login: Option<HttpLogin>) -> Result<Client, FetchError> {
        let config = client_config(policy).map_err(FetchError::Other)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            // Redirects are returned, not followed: a redirect to a login
            // page means the page needs credentials, and a device must not
            // send the scanner to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| FetchError::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            settings,
            login,
            known_auth: None,
            nonce_count: 0,
            session_cookies: None,
            open_form: None,
            dead: HashMap::new(),
            credentials_sent: false,
            credential_name: None,
        })
    }

    fn url(&self, scheme: Scheme, path: &str) -> String {
        let port = match scheme {
            Scheme::Http => self.settings.http_port,
            Scheme::Https => self.settings.https_port,
        };
        match self.settings.address {
            IpAddr::V4(v4) => format!("{}://{v4}:{port}{path}", scheme.as_str()),
            IpAddr::V6(v6) => format!("{}://[{v6}]:{port}{path}", scheme.as_str()),
        }
    }

    /// Ends the form session, if one is open. Called once after the last
    /// page, also after errors and timeouts, because phones and printers
    /// allow few web sessions.
    pub async fn logout(&mut self) {
        let Some((scheme, form)) = self.open_form.take() else { return };
        let cookies = self.session_cookies.take();
        let method = if form.logout_post { Method::POST } else { Method::GET };
        let mut request = self.http.request(method, self.url(scheme, &form.logout_path));
        if let Some(cookies) = &cookies {
            request = request.header(COOKIE, cookies.expose());
        }
        match request.send().await {
            Ok(response) if response.status().is_success() || response.status().is_redirection() => {}
            Ok(response) => tracing::warn!(address = %self.settings.address, path = %form.logout_path, status = response.status().as_u16(), "logout rejected; the session will expire"),
            Err(error) => tracing::warn!(address = %self.settings.address, path = %form.logout_path, error = %map_error(&error), "logout failed; the session will expire"),
        }
    }

    async fn fetch_scheme(&mut self, scheme: Scheme, request: &PageRequest<'_>) -> Result<Page, FetchError> {
        let use_credentials = request.login && self.login.is_some();
        let page = self.get(scheme, request.path, use_credentials).await?;
        let denied = page.needs_login() || (300..400).contains(&page.status);
        if !use_credentials || page.authenticated || !denied {
            return Ok(page);
        }
        if let Some(form) = request.form_login
            && self.open_form.is_none()
        {
            self.form_login(scheme, form).await?;
            return self.get(scheme, request.path, true).await;
        }
        if page.status == 401 && self.learn_challenge(&page)? {
            return self.get(scheme, request.path, true).await;
        }
        Ok(page)
    }

    /// Sends one GET, with the session cookie or the learned HTTP
    /// authentication when `with_credentials` is set.
    async fn get(&mut self, scheme: Scheme, path: &str, with_credentials: bool) -> Result<Page, FetchError> {
        let mut builder = self.http.get(self.url(scheme, path));
        let mut authenticated = false;
        if with_credentials {
            (builder, authenticated) = self.add_credentials(builder, path);
        }
        let response = builder.send().await.map_err(|e| map_error(&e))?;
        self.credentials_sent |= authenticated;
        read_page(response, scheme, authenticated).await
    }

    fn add_credentials(&mut self, builder: RequestBuilder, path: &str) -> (RequestBuilder, bool) {
        if let Some(cookies) = &self.session_cookies {
            return (builder.header(COOKIE, cookies.expose()), true);
        }
        let (Some(login), Some(auth)) = (&self.login, &self.known_auth) else { return (builder, false) };
        match auth {
            KnownAuth::Basic => (builder.basic_auth(&login.user, Some(login.password.expose())), true),
            KnownAuth::Digest(challenge) => {
                self.nonce_count += 1;
                let cnonce = format!("{:016x}", rand::random::<u64>());
                let header = challenge.authorization(&login.user, login.password.expose(), "GET", path, self.nonce_count, &cnonce);
                (builder.header(AUTHORIZATION, header), true)
            }
        }
    }

    /// Stores the Basic or Digest challenge of a 401 response. Returns
    /// whether a retry with credentials makes sense.
    fn learn_challenge(&mut self, page: &Page) -> Result<bool, FetchError> {
        let Some(header) = &page.challenge else { return Ok(false) };
        if header.len() >= 6 && header[..6].eq_ignore_ascii_case("digest") {
            let challenge = Challenge::parse(header).map_err(|e| FetchError::AuthFailed(e.to_string()))?;
            self.known_auth = Some(KnownAuth::Digest(challenge));
            self.nonce_count = 0;
            return Ok(true);
        }
        if header.len() >= 5 && header[..5].eq_ignore_ascii_case("basic") {
            self.known_auth = Some(KnownAuth::Basic);
            return Ok(true);
        }
        Ok(false)
    }

    /// Posts the profile's login form and keeps the session cookies.
    async fn form_login(&mut self, scheme: Scheme, form: &FormLogin) -> Result<(), FetchError> {
        let Some(login) = &self.login else { return Err(FetchError::AuthFailed("no credentials for the form login".into())) };

        let mut fields = vec![(form.user_field.as_str(), login.user.as_str()), (form.password_field.as_str(), login.password.expose())];
        fields.extend(form.extra_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let body = fields.iter().map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v))).collect::<Vec<_>>().join("&");
        let response = self
            .http
            .post(self.url(scheme, &form.path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| map_error(&e))?;
        self.credentials_sent = true;

        let status = response.status().as_u16();
        let cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next().map(|pair| pair.trim().to_string()))
            .filter(|pair| pair.contains('='))
            .collect();
        if !(200..400).contains(&status) || cookies.is_empty() {
            return Err(FetchError::AuthFailed(format!(
                "the form login at {} rejected user {:?} (HTTP {status}{})",
                form.path,
                login.user,
                if cookies.is_empty() { ", no session cookie" } else { "" }
            )));
        }

        self.session_cookies = Some(Secret::new(cookies.join("; ")));
        self.open_form = Some((scheme, form.clone()));
        Ok(())
    }
}

impl PageSource for Client {
    fn credential_name(&self) -> Option<&str> {
        self.credential_name.as_deref()
    }

    /// Reads a page over its preferred scheme. A page that needs no login
    /// falls back to the other scheme when the first one cannot be reached.
    /// A login page never does, so credentials meant for HTTPS are not sent
    /// in clear text.
    async fn fetch(&mut self, request: &PageRequest<'_>) -> Result<Page, FetchError> {
        let mut schemes = vec![request.scheme];
        if !request.login {
            schemes.push(request.scheme.other());
        }
        let mut last_error = None;
        for scheme in schemes {
            if let Some(error) = self.dead.get(&scheme) {
                last_error.get_or_insert_with(|| error.clone());
                continue;
            }
            match self.fetch_scheme(scheme, request).await {
                Err(error @ (FetchError::Refused | FetchError::Timeout | FetchError::Unreachable(_))) => {
                    tracing::debug!(address = %self.settings.address, scheme = scheme.as_str(), %error, "web server not reachable");
                    self.dead.insert(scheme, error.clone());
                    last_error.get_or_insert(error);
                }
                other => return other,
            }
        }
        Err(last_error.unwrap_or(FetchError::Refused))
    }
}

async fn read_page(response: Response, scheme: Scheme, authenticated: bool) -> Result<Page, FetchError> {
    let status = response.status().as_u16();
    let challenge = (status == 401)
        .then(|| response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).map(str::to_string))
        .flatten();
    let bytes = response.bytes().await.map_err(|e| map_error(&e))?;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Ok(Page { status, body, scheme, authenticated, challenge })
}

/// Encodes a form value as `application/x-www-form-urlencoded`.
fn form_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => encoded.push(byte as char),
            b' ' => encoded.push('+'),
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

fn map_error(error: &reqwest::Error) -> FetchError {
    use crate::redfish::crawl::FetchError as Redfish;
    match crate::redfish::client::transport_error(error) {
        Redfish::Timeout => FetchError::Timeout,
        Redfish::Refused => FetchError::Refused,
        Redfish::Unreachable(reason) => FetchError::Unreachable(reason),
        Redfish::TlsRejected(reason) => FetchError::TlsRejected(reason),
        Redfish::TlsLegacy => FetchError::TlsLegacy,
        Redfish::AuthFailed(reason) => FetchError::AuthFailed(reason),
        other => FetchError::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_encoded() {
        assert_eq!(form_encode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}
