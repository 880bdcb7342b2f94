//! Connecting to a device over SSH: TCP connect, key exchange with the
//! modern or legacy algorithm set, host-key check, and authentication, each
//! bounded by a timeout so that a stalled device cannot keep a slot.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, AuthResult, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::{Algorithm, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{MethodKind, Names};

use super::algorithms::{Negotiated, preferred};
use super::known_hosts::{HostKeyCheck, KnownHosts};
use crate::credentials::Secret;

/// The method a credential set logs in with.
#[derive(Clone, Debug)]
pub enum LoginMethod {
    /// A password, sent with the `password` method, or answered to every
    /// `keyboard-interactive` prompt when the device offers only that.
    Password(Secret),
    /// A private key file in OpenSSH or PEM format, with its passphrase.
    PrivateKey { path: PathBuf, passphrase: Option<Secret> },
}

/// One SSH credential set, resolved.
#[derive(Clone, Debug)]
pub struct Login {
    pub user: String,
    pub method: LoginMethod,
    /// Secret for privileged (enable) mode, where the profile needs it.
    pub enable_secret: Option<Secret>,
    /// Offer the legacy algorithms (SHA-1 key exchange, ssh-rsa, CBC, hmac-sha1).
    pub legacy_algorithms: bool,
}

/// Timeouts of one connection.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// TCP connect plus key exchange, and authentication separately.
    pub connect: Duration,
    /// Each command, from sending it until its output ends.
    pub command: Duration,
}

/// A failure to connect, check the host key or log in.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("TCP connection refused on port {port}")]
    Refused { port: u16 },
    #[error("{0}")]
    Unreachable(String),
    #[error("no SSH response within {0:?} ({1})")]
    Timeout(Duration, &'static str),
    #[error("unknown host key ({algorithm} {fingerprint}); add it to {file} or pass --trust-new-host-keys")]
    HostKeyUnknown { algorithm: String, fingerprint: String, file: String },
    #[error("host key of {target} changed ({file} line {line} records another key; it now presents {fingerprint})")]
    HostKeyChanged { target: String, file: String, line: usize, fingerprint: String },
    #[error("host key check failed: {0}")]
    HostKeyFile(String),
    #[error("{0}; if this is an old device, set legacy_algorithms = true in its credential set or profile")]
    NoCommonAlgorithm(String),
    #[error("authentication as {user:?} rejected ({methods})")]
    AuthFailed { user: String, methods: String },
    #[error("private key {path}: {message}")]
    PrivateKey { path: String, message: String },
    #[error("SSH error: {0}")]
    Protocol(String),
}

/// An authenticated connection and what its key exchange negotiated.
pub struct Connection {
    pub handle: Handle<DeviceHandler>,
    pub negotiated: Option<Negotiated>,
    /// The start of the pre-authentication banner (SSH_MSG_USERAUTH_BANNER),
    /// with escape sequences removed; empty when the device sent none.
    pub banner: String,
}

/// Bytes of the pre-authentication banner kept, roughly.
const MAX_BANNER_BYTES: usize = 4096;

/// State the russh handler shares with the caller.
#[derive(Default)]
struct Shared {
    host_key: Option<HostKeyCheck>,
    negotiated: Option<Negotiated>,
    banner: String,
}

/// The russh client handler: checks the host key against known_hosts and
/// notes the negotiated algorithms and the banner.
pub struct DeviceHandler {
    host: String,
    port: u16,
    known_hosts: Arc<KnownHosts>,
    shared: Arc<Mutex<Shared>>,
}

impl client::Handler for DeviceHandler {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let check = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => self.known_hosts.check(&self.host, self.port, key),
            // NOTE: host certificates are not checked against a CA, so they
            // are treated like unknown keys.
            _ => HostKeyCheck::Failed("the device presented a host certificate, which is not supported".into()),
        };
        let trusted = matches!(check, HostKeyCheck::Known | HostKeyCheck::Learned);
        lock(&self.shared).host_key = Some(check);
        Ok(trusted)
    }

    async fn kex_done(
        &mut self,
        _shared_secret: Option<&[u8]>,
        names: &Names,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        lock(&self.shared).negotiated = Some(Negotiated::from_names(names));
        Ok(())
    }

    async fn auth_banner(&mut self, banner: &str, _session: &mut client::Session) -> Result<(), Self::Error> {
        let mut state = lock(&self.shared);
        // A device controls the banner's length, so only its start is kept.
        if state.banner.len() < MAX_BANNER_BYTES {
            state.banner.extend(banner.chars().take(MAX_BANNER_BYTES));
        }
        Ok(())
    }
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Connects, checks the host key and authenticates. `host` is the name the
/// known_hosts file uses for the device (its address as text).
pub async fn connect(
    address: SocketAddr,
    login: &Login,
    known_hosts: Arc<KnownHosts>,
    timeouts: Timeouts,
) -> Result<Connection, ConnectError> {
    let shared = Arc::new(Mutex::new(Shared::default()));
    let handler = DeviceHandler {
        host: address.ip().to_string(),
        port: address.port(),
        known_hosts: known_hosts.clone(),
        shared: shared.clone(),
    };
    let config = Arc::new(client::Config {
        preferred: preferred(login.legacy_algorithms),
        nodelay: true,
        inactivity_timeout: Some(timeouts.command.max(timeouts.connect) * 2),
        ..client::Config::default()
    });

    let stream = tcp_connect(address, timeouts.connect).await?;
    let handshake = client::connect_stream(config, stream, handler);
    let mut handle = match tokio::time::timeout(timeouts.connect, handshake).await {
        Err(_) => return Err(ConnectError::Timeout(timeouts.connect, "key exchange")),
        Ok(Ok(handle)) => handle,
        Ok(Err(error)) => {
            let state = lock(&shared);
            return Err(handshake_error(error, state.host_key.clone(), address, &known_hosts));
        }
    };
    match tokio::time::timeout(timeouts.connect, authenticate(&mut handle, login)).await {
        Err(_) => Err(ConnectError::Timeout(timeouts.connect, "authentication")),
        Ok(Err(error)) => Err(error),
        Ok(Ok(())) => {
            let state = lock(&shared);
            let banner = super::terminal::printable(&state.banner);
            Ok(Connection { handle, negotiated: state.negotiated.clone(), banner })
        }
    }
}

async fn tcp_connect(address: SocketAddr, timeout: Duration) -> Result<tokio::net::TcpStream, ConnectError> {
    let stream = match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(address)).await {
        Err(_) => return Err(ConnectError::Timeout(timeout, "TCP connect")),
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(ConnectError::Refused { port: address.port() });
        }
        Ok(Err(error)) => return Err(ConnectError::Unreachable(format!("cannot connect to {address}: {error}"))),
        Ok(Ok(stream)) => stream,
    };
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%address, %error, "cannot set TCP_NODELAY");
    }
    Ok(stream)
}

/// Maps a failed handshake to the error that explains it, preferring the
/// host-key verdict because russh reports a rejected key only as an error.
fn handshake_error(
    error: russh::Error,
    host_key: Option<HostKeyCheck>,
    address: SocketAddr,
    known_hosts: &KnownHosts,
) -> ConnectError {
    let file = known_hosts.path.display().to_string();
    match host_key {
        Some(HostKeyCheck::Unknown { fingerprint, algorithm }) => {
            return ConnectError::HostKeyUnknown { algorithm, fingerprint, file };
        }
        Some(HostKeyCheck::Changed { line, fingerprint }) => {
            return ConnectError::HostKeyChanged { target: address.ip().to_string(), file, line, fingerprint };
        }
        Some(HostKeyCheck::Failed(message)) => return ConnectError::HostKeyFile(message),
        _ => {}
    }
    match error {
        russh::Error::NoCommonAlgo { kind, theirs, .. } => {
            // The names come from the device, so they are made safe to print.
            let offered = super::terminal::printable(&theirs.join(", "));
            ConnectError::NoCommonAlgorithm(format!("no common {kind:?} algorithm; the device offers {offered}"))
        }
        russh::Error::IO(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            ConnectError::Refused { port: address.port() }
        }
        russh::Error::Disconnect | russh::Error::HUP => {
            ConnectError::Protocol("the device closed the connection during key exchange".into())
        }
        other => ConnectError::Protocol(super::terminal::printable(&other.to_string())),
    }
}

/// Authenticates with the set's method. A password is tried with the
/// `password` method, then with `keyboard-interactive` when the device
/// offers it (Arista EOS requires the latter by default).
async fn authenticate(handle: &mut Handle<DeviceHandler>, login: &Login) -> Result<(), ConnectError> {
    let protocol = |error: russh::Error| ConnectError::Protocol(format!("during authentication: {error}"));
    match &login.method {
        LoginMethod::Password(password) => {
            let result = handle.authenticate_password(&login.user, password.expose()).await.map_err(protocol)?;
            let offers_keyboard = match &result {
                AuthResult::Success => return Ok(()),
                AuthResult::Failure { remaining_methods, .. } => {
                    remaining_methods.contains(&MethodKind::KeyboardInteractive)
                }
            };
            if offers_keyboard && keyboard_interactive(handle, &login.user, password).await.map_err(protocol)? {
                return Ok(());
            }
            let methods = if offers_keyboard { "password, keyboard-interactive" } else { "password" };
            Err(ConnectError::AuthFailed { user: login.user.clone(), methods: methods.into() })
        }
        LoginMethod::PrivateKey { path, passphrase } => {
            let shown = path.display().to_string();
            let key = russh::keys::load_secret_key(path, passphrase.as_ref().map(Secret::expose))
                .map_err(|error| ConnectError::PrivateKey { path: shown.clone(), message: error.to_string() })?;
            // The RSA signature hash probe waits up to a second for the
            // server's extension list, which old devices never send, so
            // legacy sets sign with ssh-rsa (SHA-1) at once.
            let hash = if matches!(key.algorithm(), Algorithm::Rsa { .. }) && !login.legacy_algorithms {
                handle.best_supported_rsa_hash().await.map_err(protocol)?.flatten()
            } else {
                None
            };
            let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
            let result = handle.authenticate_publickey(&login.user, key).await.map_err(protocol)?;
            if result.success() {
                Ok(())
            } else {
                Err(ConnectError::AuthFailed { user: login.user.clone(), methods: format!("publickey {shown}") })
            }
        }
    }
}

/// Answers every keyboard-interactive prompt with the password. Returns
/// whether the device accepted it.
async fn keyboard_interactive(
    handle: &mut Handle<DeviceHandler>,
    user: &str,
    password: &Secret,
) -> Result<bool, russh::Error> {
    let mut response = handle.authenticate_keyboard_interactive_start(user, None).await?;
    // A server may send several rounds (OpenSSH with PAM sends two), but a
    // loop without bound would let a device hold the slot forever.
    for _ in 0..8 {
        match response {
            KeyboardInteractiveAuthResponse::Success => return Ok(true),
            KeyboardInteractiveAuthResponse::Failure { .. } => return Ok(false),
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                let answers = prompts.iter().map(|_| password.expose().to_string()).collect();
                response = handle.authenticate_keyboard_interactive_respond(answers).await?;
            }
        }
    }
    Ok(false)
}
