//! HTTP(S): identifying phones and printers from the device information
//! pages that profiles name. Only GET is sent, except the form login and
//! logout a profile defines.

pub mod client;
pub mod credentials;
pub mod digest;
pub mod identify;
pub mod recording;
pub mod server;
pub mod xpath;

use std::future::Future;

use crate::profiles::http_rules::{FormLogin, Scheme};

/// A failed page request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("timed out waiting for a response")]
    Timeout,
    #[error("connection refused")]
    Refused,
    #[error("host unreachable: {0}")]
    Unreachable(String),
    #[error("TLS certificate rejected: {0}")]
    TlsRejected(String),
    #[error("the device offers only TLS 1.0 or 1.1, which is no longer supported; its firmware is old")]
    TlsLegacy,
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    #[error("{0}")]
    Other(String),
}

/// A page as the device returned it, whatever its status.
#[derive(Clone, Debug)]
pub struct Page {
    pub status: u16,
    pub body: String,
    pub scheme: Scheme,
    /// Whether the request carried credentials (a session cookie or an
    /// `Authorization` header).
    pub authenticated: bool,
    /// The `WWW-Authenticate` header of a 401 response.
    pub challenge: Option<String>,
}

impl Page {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Returns whether the status is 401 or 403, which means the page needs credentials.
    pub fn needs_login(&self) -> bool {
        matches!(self.status, 401 | 403)
    }
}

/// One page to read.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest<'a> {
    pub path: &'a str,
    pub scheme: Scheme,
    /// Whether the profile marks the page as needing credentials.
    pub login: bool,
    pub form_login: Option<&'a FormLogin>,
}

/// Source of pages: a live device or a recording.
pub trait PageSource: Send {
    fn fetch(&mut self, request: &PageRequest<'_>) -> impl Future<Output = Result<Page, FetchError>> + Send;

    /// Returns the name of the credential set sent for login pages, which a
    /// reason names when the device rejects it. Never the secret.
    fn credential_name(&self) -> Option<&str> {
        None
    }
}
