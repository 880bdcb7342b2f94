//! `fwsweep simulate`: serves recordings as live SNMP v1/v2c agents, one per
//! loopback address, so that a whole network can be swept on one machine.
//! It also serves silent addresses that swallow every packet, Redfish mockup
//! folders over HTTPS and SIP phones.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng, rngs::StdRng};
use tokio::net::UdpSocket;
use tokio::task::JoinSet;

use crate::recording::{self, RecordingError, Varbinds};
use crate::redfish::server::{self as redfish, Mockup, MockupError, RunningServer, ServerOptions};
use crate::snmp::ber::{self, Message};
use crate::snmp::{Oid, Value};

/// Settings of a simulated network: addresses, ports, SNMP community, latency
/// and packet loss.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// UDP and TCP port of the simulated phones' SIP service.
    pub sip_port: u16,
    pub first_address: Ipv4Addr,
    pub port: u16,
    pub community: String,
    pub latency: Duration,
    /// Percentage of SNMP requests dropped, 0 to 100.
    pub loss_percent: f64,
    pub seed: u64,
    pub replicate: usize,
    pub silent: usize,
}

/// A recording loaded for serving.
#[derive(Clone)]
pub struct ServedRecording {
    pub name: String,
    pub varbinds: Arc<Varbinds>,
}

/// The password the simulated Redfish services accept when the operator
/// sets none. It protects nothing, so it may be printed.
pub const SIMULATED_REDFISH_PASSWORD: &str = "simulated";

/// Redfish mockups to serve over HTTPS, one per address after the SNMP ones.
#[derive(Clone, Debug)]
pub struct RedfishConfig {
    /// TCP port every Redfish service listens on.
    pub port: u16,
    /// Credentials, latency, `$expand` and paging, shared by every mockup.
    pub options: ServerOptions,
    pub mockups: Vec<Arc<Mockup>>,
}

/// The protocol an endpoint speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// SNMP over UDP (a recording, or a silent address).
    Snmp,
    /// Redfish over HTTPS (a mockup folder).
    Redfish,
    /// SIP over UDP and TCP (a saved `OPTIONS` response).
    Sip,
    /// Web pages over HTTP and HTTPS (a saved `.http` recording).
    Http,
    /// SSH over TCP (a `.cli` transcript).
    Ssh,
}

/// Web devices to serve, one per address after the SIP phones.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// TCP port of the plain HTTP server of every device.
    pub http_port: u16,
    /// TCP port of the HTTPS server of every device.
    pub https_port: u16,
    /// User, password and latency shared by every device.
    pub options: crate::http::server::WebOptions,
    pub devices: Vec<Arc<crate::http::recording::HttpRecording>>,
}

/// Loads every `.http` recording in `dir`, in file-name order.
pub fn load_web_devices(dir: &Path) -> Result<Vec<Arc<crate::http::recording::HttpRecording>>, SimulateError> {
    let paths = list_sorted(dir, crate::http::recording::is_http_recording)?;
    paths.iter().map(|path| Ok(Arc::new(crate::http::recording::load(path)?))).collect()
}

/// Devices to serve over SSH, one per address after the phones.
#[derive(Clone, Debug)]
pub struct SshConfig {
    /// TCP port every simulated SSH device listens on.
    pub port: u16,
    pub options: crate::ssh::server::ServerOptions,
    pub devices: Vec<Arc<crate::ssh::simulated::SimulatedCli>>,
}

/// The user name simulated SSH devices accept unless `--ssh-user` names another.
pub const SIMULATED_SSH_USER: &str = "admin";

/// Loads every `.cli` transcript in `dir`, in file-name order.
pub fn load_cli_devices(dir: &Path) -> Result<Vec<Arc<crate::ssh::simulated::SimulatedCli>>, SimulateError> {
    let paths = list_sorted(dir, crate::ssh::simulated::is_cli_file)?;
    paths
        .iter()
        .map(|path| {
            crate::ssh::simulated::SimulatedCli::load(path)
                .map(Arc::new)
                .map_err(|e| SimulateError::Cli(e.to_string()))
        })
        .collect()
}

/// A phone that responds to SIP `OPTIONS` with a recorded response.
#[derive(Clone, Debug)]
pub struct SipPhone {
    pub name: String,
    pub response: crate::sip::message::Response,
}

/// Loads every `.sip` file in `dir`, in file-name order.
pub fn load_phones(dir: &Path) -> Result<Vec<SipPhone>, SimulateError> {
    let paths = list_sorted(dir, recording::is_sip_recording)?;
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read(path)
                .map_err(|e| SimulateError::Phone { path: path.clone(), message: format!("cannot read: {e}") })?;
            let response = crate::sip::message::Response::parse(&String::from_utf8_lossy(&text))
                .map_err(|e| SimulateError::Phone { path: path.clone(), message: e.to_string() })?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(SipPhone { name, response })
        })
        .collect()
}

/// One served address. `recording` is the file name of the SNMP recording or
/// SIP response, the mockup's folder name, or `None` for a silent address.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub address: SocketAddr,
    pub recording: Option<String>,
    pub protocol: Protocol,
}

/// A running simulator. Dropping it stops every SNMP agent, Redfish service and
/// SIP phone.
pub struct Simulator {
    pub endpoints: Vec<Endpoint>,
    /// SHA-256 fingerprint of the certificate every Redfish service presents,
    /// for pinning. `None` when no mockup is served.
    pub certificate_fingerprint: Option<String>,
    /// SHA-256 fingerprint of the certificate every simulated web server
    /// presents on HTTPS. `None` when no `.http` recording is served.
    pub web_certificate_fingerprint: Option<String>,
    /// The host key every SSH device presents. `None` when none is served.
    pub ssh_host_key: Option<crate::ssh::server::HostKey>,
    tasks: JoinSet<()>,
    redfish_servers: Vec<RunningServer>,
    web_servers: Vec<crate::http::server::RunningWebServer>,
}

impl Simulator {
    /// Waits until the simulator's tasks end (they run until aborted).
    pub async fn wait(mut self) {
        while self.tasks.join_next().await.is_some() {}
        if !self.redfish_servers.is_empty() || !self.web_servers.is_empty() {
            // Redfish and web servers run on their own tasks until dropped.
            std::future::pending::<()>().await;
        }
    }

    /// Returns the counters of the Redfish service on `address`, if one runs
    /// there.
    pub fn redfish_stats(&self, address: SocketAddr) -> Option<Arc<redfish::ServerStats>> {
        self.redfish_servers.iter().find(|server| server.address() == address).map(|server| server.stats.clone())
    }

    /// Returns the request counters of the web device at `address`, counting
    /// its HTTP and HTTPS requests, if one runs there.
    pub fn web_stats(&self, address: std::net::IpAddr) -> Option<Arc<crate::http::server::WebStats>> {
        self.web_servers.iter().find(|server| server.http_address.ip() == address).map(|server| server.stats.clone())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("{path}: {message}")]
    Phone { path: PathBuf, message: String },
    #[error("{0}")]
    Cli(String),
    #[error(transparent)]
    Recording(#[from] RecordingError),
    #[error(transparent)]
    Web(#[from] crate::http::recording::RecordingError),
    #[error("{dir}: cannot list the folder: {source}")]
    Dir { dir: PathBuf, source: std::io::Error },
    #[error("{dir}: no .snmprec or .snmpwalk files")]
    Empty { dir: PathBuf },
    #[error("{dir}: no .snmprec, .snmpwalk, .sip, .http or .cli files and no Redfish mockup folders (subfolders with an index.json)")]
    NothingToServe { dir: PathBuf },
    #[error(transparent)]
    Mockup(#[from] MockupError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error("--address {first}: the {count} simulated addresses must all lie in 127.0.0.0/8 (loopback); choose a first address such as 127.77.0.1")]
    Range { first: Ipv4Addr, count: usize },
}

/// Loads every recording in `dir`, in file-name order.
pub fn load_recordings(dir: &Path) -> Result<Vec<ServedRecording>, SimulateError> {
    let paths = list_sorted(dir, recording::is_recording)?;
    if paths.is_empty() {
        return Err(SimulateError::Empty { dir: dir.to_path_buf() });
    }
    paths
        .iter()
        .map(|path| {
            Ok(ServedRecording {
                name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                varbinds: Arc::new(recording::load(path)?),
            })
        })
        .collect()
}

/// Loads every Redfish mockup folder in `dir` (a subfolder with an
/// `index.json`), in folder-name order.
pub fn load_mockups(dir: &Path) -> Result<Vec<Arc<Mockup>>, SimulateError> {
    let folders = list_sorted(dir, |path| path.is_dir() && redfish::is_mockup(path))?;
    folders.iter().map(|folder| Ok(Arc::new(redfish::load_mockup(folder)?))).collect()
}

/// Contents of one folder that the simulator can serve.
pub struct Folder {
    pub recordings: Vec<ServedRecording>,
    pub mockups: Vec<Arc<Mockup>>,
    pub phones: Vec<SipPhone>,
    pub web_devices: Vec<Arc<crate::http::recording::HttpRecording>>,
    pub cli_devices: Vec<Arc<crate::ssh::simulated::SimulatedCli>>,
}

/// Lists the paths in `dir` that `keep` accepts, sorted by name. Entries that
/// cannot be read are skipped.
fn list_sorted(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, SimulateError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| SimulateError::Dir { dir: dir.to_path_buf(), source })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| keep(path))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Loads the SNMP recordings, Redfish mockup folders and SIP responses in
/// `dir`. Fails with [`SimulateError::NothingToServe`] when there are none.
pub fn load_folder(dir: &Path) -> Result<Folder, SimulateError> {
    let mockups = load_mockups(dir)?;
    let phones = load_phones(dir)?;
    let web_devices = load_web_devices(dir)?;
    let cli_devices = load_cli_devices(dir)?;
    let recordings = match load_recordings(dir) {
        Err(SimulateError::Empty { .. })
            if !mockups.is_empty() || !phones.is_empty() || !web_devices.is_empty() || !cli_devices.is_empty() =>
        {
            Vec::new()
        }
        Err(SimulateError::Empty { dir }) => return Err(SimulateError::NothingToServe { dir }),
        other => other?,
    };
    Ok(Folder { recordings, mockups, phones, web_devices, cli_devices })
}

/// Binds every address and starts serving SNMP only. See [`start_with_redfish`].
pub async fn start(config: &SimulatorConfig, recordings: Vec<ServedRecording>) -> Result<Simulator, SimulateError> {
    start_with_redfish(config, recordings, None).await
}

/// Binds every address and starts serving. Addresses are consecutive from
/// `first_address`: each recording `replicate` times, then the silent ones,
/// then one per Redfish mockup. Only 127.0.0.0/8 is accepted, so the
/// simulator never listens on a real network. All Redfish services share one
/// fresh self-signed certificate whose IP SANs are their addresses.
pub async fn start_with_redfish(
    config: &SimulatorConfig,
    recordings: Vec<ServedRecording>,
    redfish: Option<RedfishConfig>,
) -> Result<Simulator, SimulateError> {
    start_all(config, recordings, redfish, Vec::new()).await
}

/// Starts serving like [`start_with_redfish`], and also serves SIP phones on
/// the addresses after the Redfish services. Each phone responds to `OPTIONS`
/// over UDP and TCP on `config.sip_port`.
pub async fn start_all(
    config: &SimulatorConfig,
    recordings: Vec<ServedRecording>,
    redfish: Option<RedfishConfig>,
    phones: Vec<SipPhone>,
) -> Result<Simulator, SimulateError> {
    start_network(config, recordings, redfish, phones, None, None).await
}

/// Starts serving like [`start_all`], and also serves web devices on the
/// addresses after the phones, each over HTTP and HTTPS, then SSH devices,
/// each `.cli` transcript `replicate` times. All web devices share one fresh
/// self-signed certificate whose IP SANs are their addresses, and all SSH
/// devices present one host key generated now.
pub async fn start_network(
    config: &SimulatorConfig,
    recordings: Vec<ServedRecording>,
    redfish: Option<RedfishConfig>,
    phones: Vec<SipPhone>,
    web: Option<WebConfig>,
    ssh: Option<SshConfig>,
) -> Result<Simulator, SimulateError> {
    let mockup_count = redfish.as_ref().map_or(0, |redfish| redfish.mockups.len());
    let web_count = web.as_ref().map_or(0, |web| web.devices.len());
    let ssh_count = ssh.as_ref().map_or(0, |ssh| ssh.devices.len() * config.replicate.max(1));
    let count =
        recordings.len() * config.replicate.max(1) + config.silent + mockup_count + phones.len() + web_count + ssh_count;
    let first = u32::from(config.first_address);
    let last = first.checked_add(count.saturating_sub(1) as u32);
    let in_loopback = |n: u32| Ipv4Addr::from(n).is_loopback();
    if !in_loopback(first) || !last.is_some_and(in_loopback) {
        return Err(SimulateError::Range { first: config.first_address, count });
    }

    let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(config.seed)));
    let engine_boots = 1;
    let mut tasks = JoinSet::new();
    let mut endpoints = Vec::with_capacity(count);
    let mut position = 0u32;
    let mut next_address = || {
        let address = SocketAddr::new(IpAddr::V4(Ipv4Addr::from(first + position)), config.port);
        position += 1;
        address
    };

    for _ in 0..config.replicate.max(1) {
        for recording in &recordings {
            let address = next_address();
            let socket = bind(address).await?;
            let agent = Agent {
                varbinds: recording.varbinds.clone(),
                community: config.community.clone().into_bytes(),
                latency: config.latency,
                loss_percent: config.loss_percent,
                rng: rng.clone(),
                engine_id: engine_id(address),
                engine_boots,
            };
            tasks.spawn(agent.serve(Arc::new(socket)));
            endpoints.push(Endpoint { address, recording: Some(recording.name.clone()), protocol: Protocol::Snmp });
        }
    }
    for _ in 0..config.silent {
        let address = next_address();
        let socket = bind(address).await?;
        tasks.spawn(swallow(socket));
        endpoints.push(Endpoint { address, recording: None, protocol: Protocol::Snmp });
    }

    let mut redfish_servers = Vec::with_capacity(mockup_count);
    let mut certificate_fingerprint = None;
    if let Some(redfish) = redfish.filter(|redfish| !redfish.mockups.is_empty()) {
        let addresses: Vec<SocketAddr> = redfish
            .mockups
            .iter()
            .map(|_| SocketAddr::new(next_address().ip(), redfish.port))
            .collect();
        let ips: Vec<IpAddr> = addresses.iter().map(SocketAddr::ip).collect();
        let certificate = redfish::self_signed(&ips);
        for (mockup, address) in redfish.mockups.iter().zip(addresses) {
            let server = redfish::serve(address, mockup.clone(), &certificate, redfish.options.clone())
                .await
                .map_err(|source| SimulateError::Bind { address, source })?;
            endpoints.push(Endpoint { address, recording: Some(mockup.name.clone()), protocol: Protocol::Redfish });
            redfish_servers.push(server);
        }
        certificate_fingerprint = Some(certificate.fingerprint);
    }
    for phone in phones {
        let address = next_address();
        let address = SocketAddr::new(address.ip(), config.sip_port);
        let udp = bind(address).await?;
        let tcp = tokio::net::TcpListener::bind(address).await.map_err(|source| SimulateError::Bind { address, source })?;
        let response = Arc::new(phone.response);
        tasks.spawn(crate::sip::agent::serve_udp(udp, response.clone(), config.latency));
        tasks.spawn(crate::sip::agent::serve_tcp(tcp, response, config.latency));
        endpoints.push(Endpoint { address, recording: Some(phone.name), protocol: Protocol::Sip });
    }
    let mut web_servers = Vec::with_capacity(web_count);
    let mut web_certificate_fingerprint = None;
    if let Some(web) = web.filter(|web| !web.devices.is_empty()) {
        let ips: Vec<IpAddr> = web.devices.iter().map(|_| next_address().ip()).collect();
        let certificate = redfish::self_signed(&ips);
        for (device, ip) in web.devices.iter().zip(ips) {
            let http_address = SocketAddr::new(ip, web.http_port);
            let https_address = SocketAddr::new(ip, web.https_port);
            let server = crate::http::server::serve(http_address, https_address, device.clone(), &certificate, web.options.clone())
                .await
                .map_err(|source| SimulateError::Bind { address: http_address, source })?;
            endpoints.push(Endpoint { address: http_address, recording: Some(device.name.clone()), protocol: Protocol::Http });
            web_servers.push(server);
        }
        web_certificate_fingerprint = Some(certificate.fingerprint);
    }
    let mut ssh_host_key = None;
    if let Some(ssh) = ssh.filter(|ssh| !ssh.devices.is_empty()) {
        let host_key = crate::ssh::server::HostKey::generate();
        for _ in 0..config.replicate.max(1) {
            for device in &ssh.devices {
                let address = SocketAddr::new(next_address().ip(), ssh.port);
                crate::ssh::server::serve(&mut tasks, address, device.clone(), &host_key, ssh.options.clone())
                    .await
                    .map_err(|source| SimulateError::Bind { address, source })?;
                endpoints.push(Endpoint { address, recording: Some(device.name.clone()), protocol: Protocol::Ssh });
            }
        }
        ssh_host_key = Some(host_key);
    }
    Ok(Simulator {
        endpoints,
        certificate_fingerprint,
        web_certificate_fingerprint,
        ssh_host_key,
        tasks,
        redfish_servers,
        web_servers,
    })
}

async fn bind(address: SocketAddr) -> Result<UdpSocket, SimulateError> {
    UdpSocket::bind(address).await.map_err(|source| SimulateError::Bind { address, source })
}

/// Receives and discards every packet, like a dead host. A closed port would
/// send ICMP port unreachable, which real dead hosts do not.
async fn swallow(socket: UdpSocket) {
    let mut buffer = vec![0u8; 2048];
    while socket.recv_from(&mut buffer).await.is_ok() {}
}

/// Returns an RFC 3411 engine ID: enterprise 8072 with the format bit set,
/// then format 4 (text) and the agent's IP address, so each agent has its own.
/// The text part is at most 27 octets, so the ID fits the 32-octet maximum.
fn engine_id(address: SocketAddr) -> Vec<u8> {
    let mut id = vec![0x80, 0x00, 0x1f, 0x88, 0x04];
    id.extend_from_slice(format!("fwsweep-sim-{}", address.ip()).as_bytes());
    id
}

struct Agent {
    varbinds: Arc<Varbinds>,
    community: Vec<u8>,
    latency: Duration,
    loss_percent: f64,
    rng: Arc<Mutex<StdRng>>,
    engine_id: Vec<u8>,
    engine_boots: i64,
}

/// Maximum size in bytes of a GETBULK response, below the 65,507-byte UDP
/// payload limit.
const MAX_RESPONSE_BYTES: usize = 60_000;

impl Agent {
    async fn serve(self, socket: Arc<UdpSocket>) {
        let started = std::time::Instant::now();
        let mut buffer = vec![0u8; 65536];
        loop {
            let Ok((length, from)) = socket.recv_from(&mut buffer).await else { continue };
            if self.drops_this_one() {
                continue;
            }
            let request = &buffer[..length];
            let response = match ber::v3_message_id(request) {
                Some(message_id) => Some(ber::encode_v3_report(
                    message_id,
                    0,
                    &self.engine_id,
                    self.engine_boots,
                    started.elapsed().as_secs() as i64,
                )),
                None => self.respond(request),
            };
            let Some(response) = response else { continue };
            if self.latency.is_zero() {
                let _ = socket.send_to(&response, from).await;
            } else {
                let socket = socket.clone();
                let latency = self.latency;
                tokio::spawn(async move {
                    tokio::time::sleep(latency).await;
                    let _ = socket.send_to(&response, from).await;
                });
            }
        }
    }

    fn drops_this_one(&self) -> bool {
        self.loss_percent > 0.0
            && self.rng.lock().map(|mut rng| rng.random::<f64>() * 100.0 < self.loss_percent).unwrap_or(false)
    }

    /// Builds the response, or returns `None` to stay silent on a wrong
    /// community or an unparsable packet, as real agents do.
    fn respond(&self, request: &[u8]) -> Option<Vec<u8>> {
        let message = ber::decode(request)?;
        if message.community != self.community {
            return None;
        }
        let v1 = message.version == ber::VERSION_1;
        let (varbinds, error_status, error_index) = match message.pdu_type {
            ber::GET_REQUEST => self.get(&message.varbinds, v1),
            ber::GET_NEXT_REQUEST => self.get_next(&message.varbinds, v1),
            ber::GET_BULK_REQUEST if !v1 => {
                (self.get_bulk(&message.varbinds, message.error_status, message.error_index), 0, 0)
            }
            _ => (message.varbinds.clone(), ber::ERROR_GEN_ERR, 1),
        };
        let (varbinds, error_status, error_index) = if error_status != 0 {
            (message.varbinds, error_status, error_index)
        } else {
            (varbinds, 0, 0)
        };
        Some(
            Message {
                version: message.version,
                community: &message.community,
                pdu_type: ber::RESPONSE,
                request_id: message.request_id,
                error_status,
                error_index,
                varbinds: &varbinds,
            }
            .encode(),
        )
    }

    fn get(&self, requested: &[(Oid, Value)], v1: bool) -> (Vec<(Oid, Value)>, u32, u32) {
        let mut response = Vec::with_capacity(requested.len());
        for (position, (oid, _)) in requested.iter().enumerate() {
            match self.varbinds.get(oid).filter(|value| !v1 || v1_compatible(value)) {
                Some(value) => response.push((oid.clone(), value.clone())),
                None if v1 => return (Vec::new(), ber::ERROR_NO_SUCH_NAME, position as u32 + 1),
                None => response.push((oid.clone(), self.missing(oid))),
            }
        }
        (response, 0, 0)
    }

    fn get_next(&self, requested: &[(Oid, Value)], v1: bool) -> (Vec<(Oid, Value)>, u32, u32) {
        let mut response = Vec::with_capacity(requested.len());
        for (position, (oid, _)) in requested.iter().enumerate() {
            match self.successor(oid, v1) {
                Some(pair) => response.push(pair),
                None if v1 => return (Vec::new(), ber::ERROR_NO_SUCH_NAME, position as u32 + 1),
                None => response.push((oid.clone(), Value::EndOfMibView)),
            }
        }
        (response, 0, 0)
    }

    /// Returns the varbinds of a GETBULK response (RFC 3416 section 4.2.3).
    /// The first `non_repeaters` OIDs get one successor each, and the rest get
    /// `max_repetitions` rounds, capped at 1000. The response is cut at a
    /// varbind boundary before it exceeds [`MAX_RESPONSE_BYTES`].
    fn get_bulk(&self, requested: &[(Oid, Value)], non_repeaters: u32, max_repetitions: u32) -> Vec<(Oid, Value)> {
        let non_repeaters = (non_repeaters as usize).min(requested.len());
        let mut response = Vec::new();
        let mut size = 64;
        let mut push = |pair: (Oid, Value), response: &mut Vec<(Oid, Value)>| {
            size += ber::varbind_size(&pair.0, &pair.1);
            if size > MAX_RESPONSE_BYTES {
                return false;
            }
            response.push(pair);
            true
        };
        for (oid, _) in &requested[..non_repeaters] {
            let pair = self.successor(oid, false).unwrap_or((oid.clone(), Value::EndOfMibView));
            if !push(pair, &mut response) {
                return response;
            }
        }
        let mut cursors: Vec<Oid> = requested[non_repeaters..].iter().map(|(oid, _)| oid.clone()).collect();
        for _ in 0..max_repetitions.min(1000) {
            if cursors.is_empty() {
                break;
            }
            let mut all_ended = true;
            for cursor in &mut cursors {
                let pair = match self.successor(cursor, false) {
                    Some(pair) => {
                        all_ended = false;
                        *cursor = pair.0.clone();
                        pair
                    }
                    None => (cursor.clone(), Value::EndOfMibView),
                };
                if !push(pair, &mut response) {
                    return response;
                }
            }
            if all_ended {
                break;
            }
        }
        response
    }

    fn successor(&self, oid: &Oid, v1: bool) -> Option<(Oid, Value)> {
        use std::ops::Bound::{Excluded, Unbounded};
        self.varbinds
            .range((Excluded(oid.clone()), Unbounded))
            .find(|(_, value)| !v1 || v1_compatible(value))
            .map(|(oid, value)| (oid.clone(), value.clone()))
    }

    /// Returns noSuchInstance when the object (the OID less its last arc) has
    /// instances, else noSuchObject.
    fn missing(&self, oid: &Oid) -> Value {
        let arcs = oid.arcs();
        if arcs.len() > 1 {
            let object = Oid::new(arcs[..arcs.len() - 1].to_vec());
            if self.varbinds.range(object.clone()..).next().is_some_and(|(next, _)| next.starts_with(&object)) {
                return Value::NoSuchInstance;
            }
        }
        Value::NoSuchObject
    }
}

/// Returns whether an SNMPv1 agent can send the value. SNMPv1 has no
/// Counter64, so v1 agents skip such objects.
fn v1_compatible(value: &Value) -> bool {
    !matches!(value, Value::Counter64(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_id_fits_rfc_3411_size() {
        let id = engine_id("127.255.255.255:65535".parse().unwrap());
        assert!(id.len() <= 32, "{} octets", id.len());
        assert_eq!(&id[..5], &[0x80, 0x00, 0x1f, 0x88, 0x04]);
    }
}
