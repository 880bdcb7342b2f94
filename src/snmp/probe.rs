//! The discovery probe: one UDP socket per address family shared by every
//! v1/v2c target, so that silent addresses, which dominate a sweep, cost a
//! timer each instead of a socket and a task each.
//!
//! The probe requests the system group from each target with its first
//! community. On timeout the request is retried, then the next community is
//! tried. With the first request, an SNMPv3 engine discovery request goes out.
//! An agent that responds to it but to none of the communities is alive and
//! rejects them, so it is not reported as a timeout.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ber::{self, Message};
use super::icmp;
use super::client::RequestPolicy;
use super::{Oid, Value};
use crate::collect::system_oids;
use crate::credentials::{Secret, SnmpVersion};

/// One community to try, with the index of its credential set.
#[derive(Clone, Debug)]
pub struct ProbeCommunity {
    pub credential: usize,
    pub version: SnmpVersion,
    pub community: Secret,
}

/// A target handed to the probe; `payload` comes back with the outcome.
pub struct ProbeRequest<T> {
    pub payload: T,
    pub address: SocketAddr,
    pub communities: Vec<ProbeCommunity>,
}

/// Outcome of the probe for one target.
#[derive(Debug)]
pub enum ProbeOutcome {
    Answered { credential: usize, varbinds: Vec<(Oid, Value)> },
    /// No community drew a response. `engine_answered` is whether the agent
    /// responded to SNMPv3 engine discovery.
    Silent { engine_answered: bool },
    /// ICMP port unreachable: the host is up but nothing listens on the port.
    Refused,
    Unreachable(String),
    /// Ctrl-C arrived before any other outcome. `started` is whether a packet
    /// had been sent.
    Cancelled { started: bool },
}

/// Rate and concurrency limits of the probe.
#[derive(Clone, Copy, Debug)]
pub struct ProbeSettings {
    pub policy: RequestPolicy,
    /// Targets in flight at once.
    pub window: usize,
    /// New targets started per second.
    pub rate: u32,
}

/// Targets started at once before the rate applies, so a small sweep does
/// not wait on the rate at all.
const RATE_BURST: u32 = 256;
/// Kernel receive buffer size requested so that a burst of responses is not
/// dropped. Linux caps it at `net.core.rmem_max` and the probe ignores a failure.
const RECEIVE_BUFFER_BYTES: usize = 4 << 20;

struct InFlight<T> {
    request: ProbeRequest<T>,
    community_index: usize,
    attempt: u32,
    deadline: Instant,
    engine_answered: bool,
    request_ids: Vec<i32>,
    discovery_id: Option<i32>,
}

struct Sockets {
    v4: UdpSocket,
    v6: Option<UdpSocket>,
}

impl Sockets {
    fn bind() -> std::io::Result<Sockets> {
        let v4 = bind_socket(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0))?;
        let v6 = bind_socket(SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0)).ok();
        Ok(Sockets { v4, v6 })
    }

    fn for_address(&self, address: &SocketAddr) -> Option<&UdpSocket> {
        if address.is_ipv4() { Some(&self.v4) } else { self.v6.as_ref() }
    }
}

fn bind_socket(address: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let domain = if address.is_ipv4() { Domain::IPV4 } else { Domain::IPV6 };
    let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    if address.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    let _ = socket.set_recv_buffer_size(RECEIVE_BUFFER_BYTES);
    if let Err(error) = icmp::enable_error_queue(&socket, address.is_ipv6()) {
        tracing::debug!(%error, "failed to enable the ICMP error queue, so closed ports will be reported as timeouts");
    }
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    UdpSocket::from_std(socket.into())
}

/// Runs the probe until `input` closes and every target has an outcome, or
/// until `cancel` fires (targets in flight then come back `Cancelled`).
pub async fn run<T: Send + 'static>(
    settings: ProbeSettings,
    mut input: mpsc::Receiver<ProbeRequest<T>>,
    output: mpsc::UnboundedSender<(T, ProbeOutcome)>,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let sockets = Sockets::bind()?;
    let mut probe = Probe {
        settings,
        sockets,
        in_flight: HashMap::new(),
        by_request: HashMap::new(),
        by_host: HashMap::new(),
        deadlines: BinaryHeap::new(),
        next_key: 0,
        next_request_id: rand::random::<u16>() as i32 + 1,
        output,
    };
    let interval = Duration::from_secs_f64(1.0 / f64::from(settings.rate.max(1)));
    let mut admit_at = Instant::now();
    let mut input_open = true;
    let mut buffer_v4 = vec![0u8; 65536];
    let mut buffer_v6 = vec![0u8; 65536];

    while input_open || !probe.in_flight.is_empty() {
        let now = Instant::now();
        let room = probe.in_flight.len() < settings.window;
        let rate_allows = admit_at <= now;
        let next_deadline = probe.deadlines.peek().map(|Reverse((at, _, _))| *at);
        tokio::select! {
            biased;
            () = cancel.cancelled() => {
                probe.cancel_all();
                // Requests still queued must come back too, or their targets
                // would have no row.
                input.close();
                while let Some(request) = input.recv().await {
                    let _ = probe.output.send((request.payload, ProbeOutcome::Cancelled { started: false }));
                }
                return Ok(());
            }
            Ok(()) = error_ready(Some(&probe.sockets.v4)) => {
                let errors = icmp::drain_error_queue(&probe.sockets.v4);
                probe.on_icmp_errors(errors);
            }
            Ok(()) = error_ready(probe.sockets.v6.as_ref()) => {
                let errors = probe.sockets.v6.as_ref().map(icmp::drain_error_queue).unwrap_or_default();
                probe.on_icmp_errors(errors);
            }
            received = probe.sockets.v4.recv_from(&mut buffer_v4) => match received {
                Ok((length, from)) => probe.on_datagram(&buffer_v4[..length], from),
                Err(_) => {
                    let errors = icmp::drain_error_queue(&probe.sockets.v4);
                    probe.on_icmp_errors(errors);
                }
            },
            received = recv_optional(probe.sockets.v6.as_ref(), &mut buffer_v6) => match received {
                Ok((length, from)) => probe.on_datagram(&buffer_v6[..length], from),
                Err(_) => {
                    let errors = probe.sockets.v6.as_ref().map(icmp::drain_error_queue).unwrap_or_default();
                    probe.on_icmp_errors(errors);
                }
            },
            () = sleep_until_optional(next_deadline) => probe.on_deadlines(Instant::now()).await,
            () = tokio::time::sleep_until(admit_at), if input_open && room && !rate_allows => {}
            request = input.recv(), if input_open && room && rate_allows => match request {
                Some(request) => {
                    let burst_start = now.checked_sub(interval * RATE_BURST).unwrap_or(now);
                    admit_at = admit_at.max(burst_start) + interval;
                    probe.admit(request).await;
                }
                None => input_open = false,
            },
        }
    }
    Ok(())
}

/// Waits until the socket has a queued ICMP error.
async fn error_ready(socket: Option<&UdpSocket>) -> std::io::Result<()> {
    match socket {
        Some(socket) => socket.ready(tokio::io::Interest::ERROR).await.map(|_| ()),
        None => std::future::pending().await,
    }
}

async fn recv_optional(socket: Option<&UdpSocket>, buffer: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
    match socket {
        Some(socket) => socket.recv_from(buffer).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until_optional(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

struct Probe<T> {
    settings: ProbeSettings,
    sockets: Sockets,
    in_flight: HashMap<u64, InFlight<T>>,
    /// Request IDs (and v3 message IDs) of every packet sent, to the target key.
    by_request: HashMap<i32, u64>,
    /// Target keys by host, to attribute ICMP errors, which name only the
    /// destination the failed packet was sent to.
    by_host: HashMap<IpAddr, Vec<u64>>,
    /// (deadline, key, attempt): stale entries are skipped when popped.
    deadlines: BinaryHeap<Reverse<(Instant, u64, u32)>>,
    next_key: u64,
    next_request_id: i32,
    output: mpsc::UnboundedSender<(T, ProbeOutcome)>,
}

impl<T> Probe<T> {
    fn take_request_id(&mut self) -> i32 {
        let id = self.next_request_id;
        self.next_request_id = self.next_request_id.wrapping_add(1).max(1);
        id
    }

    async fn admit(&mut self, request: ProbeRequest<T>) {
        if request.communities.is_empty() {
            let _ = self.output.send((request.payload, ProbeOutcome::Silent { engine_answered: false }));
            return;
        }
        let key = self.next_key;
        self.next_key += 1;
        let entry = InFlight {
            request,
            community_index: 0,
            attempt: 0,
            deadline: Instant::now(),
            engine_answered: false,
            request_ids: Vec::new(),
            discovery_id: None,
        };
        self.by_host.entry(normalise(entry.request.address.ip())).or_default().push(key);
        self.in_flight.insert(key, entry);
        self.send_discovery(key).await;
        self.send_current(key).await;
    }

    async fn send_discovery(&mut self, key: u64) {
        let message_id = self.take_request_id();
        let Some(entry) = self.in_flight.get_mut(&key) else { return };
        entry.discovery_id = Some(message_id);
        let address = entry.request.address;
        self.by_request.insert(message_id, key);
        let packet = ber::encode_v3_discovery(message_id, message_id);
        if let Some(socket) = self.sockets.for_address(&address) {
            let _ = socket.send_to(&packet, address).await;
        }
    }

    /// Sends the GET for the target's current community and attempt.
    async fn send_current(&mut self, key: u64) {
        let request_id = self.take_request_id();
        let timeout = self.settings.policy.timeout;
        let Some(entry) = self.in_flight.get_mut(&key) else { return };
        let community = &entry.request.communities[entry.community_index];
        let varbinds: Vec<(Oid, Value)> = system_oids().into_iter().map(|oid| (oid, Value::Null)).collect();
        let packet = Message {
            version: if community.version == SnmpVersion::V1 { ber::VERSION_1 } else { ber::VERSION_2C },
            community: community.community.expose().as_bytes(),
            pdu_type: ber::GET_REQUEST,
            request_id,
            error_status: 0,
            error_index: 0,
            varbinds: &varbinds,
        }
        .encode();
        entry.request_ids.push(request_id);
        entry.deadline = Instant::now() + timeout;
        let address = entry.request.address;
        let marker = (entry.deadline, key, entry.attempt + 100 * entry.community_index as u32);
        self.by_request.insert(request_id, key);
        self.deadlines.push(Reverse(marker));

        let Some(socket) = self.sockets.for_address(&address) else {
            self.finish(key, ProbeOutcome::Unreachable("no IPv6 socket on this host".to_string()));
            return;
        };
        if let Err(error) = socket.send_to(&packet, address).await {
            let outcome = match error.kind() {
                std::io::ErrorKind::ConnectionRefused => return,
                _ => ProbeOutcome::Unreachable(format!("send failed: {error}")),
            };
            self.finish(key, outcome);
        }
    }

    fn on_datagram(&mut self, bytes: &[u8], from: SocketAddr) {
        if let Some(message_id) = ber::v3_message_id(bytes) {
            if let Some(entry) = self.by_request.get(&message_id).and_then(|key| self.in_flight.get_mut(key))
                && same_host(entry.request.address, from) && entry.discovery_id == Some(message_id) {
                    entry.engine_answered = true;
                }
            return;
        }
        let Some(message) = ber::decode(bytes) else { return };
        if message.pdu_type != ber::RESPONSE {
            return;
        }
        let Some(&key) = self.by_request.get(&message.request_id) else { return };
        let Some(entry) = self.in_flight.get(&key) else { return };
        if !same_host(entry.request.address, from) {
            return;
        }
        // The response may be a late one to any community already sent to this target.
        let Some(position) = entry
            .request
            .communities
            .iter()
            .position(|c| c.community.expose().as_bytes() == message.community.as_slice())
        else {
            return;
        };
        let credential = entry.request.communities[position].credential;
        let varbinds = if message.error_status == 0 {
            message.varbinds
        } else {
            // A v1 agent rejects the whole GET when one OID is missing. It did
            // respond, so collection requests the OIDs again one at a time.
            Vec::new()
        };
        self.finish(key, ProbeOutcome::Answered { credential, varbinds });
    }

    async fn on_deadlines(&mut self, now: Instant) {
        while let Some(Reverse((at, key, marker))) = self.deadlines.peek().copied() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            let Some(entry) = self.in_flight.get_mut(&key) else { continue };
            if entry.attempt + 100 * entry.community_index as u32 != marker {
                continue;
            }
            if entry.attempt < self.settings.policy.retries {
                entry.attempt += 1;
                tracing::debug!(address = %entry.request.address, attempt = entry.attempt, "retrying probe");
                self.send_current(key).await;
            } else if entry.community_index + 1 < entry.request.communities.len() {
                entry.community_index += 1;
                entry.attempt = 0;
                self.send_current(key).await;
            } else {
                let engine_answered = entry.engine_answered;
                self.finish(key, ProbeOutcome::Silent { engine_answered });
            }
        }
    }

    fn finish(&mut self, key: u64, outcome: ProbeOutcome) {
        let Some(entry) = self.in_flight.remove(&key) else { return };
        for id in entry.request_ids.iter().chain(entry.discovery_id.iter()) {
            self.by_request.remove(id);
        }
        let host = normalise(entry.request.address.ip());
        if let Some(keys) = self.by_host.get_mut(&host) {
            keys.retain(|&k| k != key);
            if keys.is_empty() {
                self.by_host.remove(&host);
            }
        }
        let _ = self.output.send((entry.request.payload, outcome));
    }

    /// Ends the targets that an ICMP error names. Port unreachable ends only the
    /// targets on that port, because the host is up. Host or network unreachable
    /// ends every target on the host, because there is no route to it.
    fn on_icmp_errors(&mut self, errors: Vec<(SocketAddr, i32)>) {
        for (destination, errno) in errors {
            let outcome: fn() -> ProbeOutcome = match errno {
                libc::ECONNREFUSED => || ProbeOutcome::Refused,
                libc::EHOSTUNREACH => || ProbeOutcome::Unreachable("ICMP host unreachable".to_string()),
                libc::ENETUNREACH => || ProbeOutcome::Unreachable("ICMP network unreachable".to_string()),
                other => {
                    tracing::debug!(%destination, errno = other, "ignoring ICMP error");
                    continue;
                }
            };
            let only_port = (errno == libc::ECONNREFUSED).then_some(destination.port());
            let keys = self.by_host.get(&normalise(destination.ip())).cloned().unwrap_or_default();
            for key in keys {
                let port = self.in_flight.get(&key).map(|entry| entry.request.address.port());
                if only_port.is_some_and(|closed| port != Some(closed)) {
                    continue;
                }
                self.finish(key, outcome());
            }
        }
    }

    fn cancel_all(&mut self) {
        let keys: Vec<u64> = self.in_flight.keys().copied().collect();
        for key in keys {
            self.finish(key, ProbeOutcome::Cancelled { started: true });
        }
    }
}

/// Compares the responding address with the target, allowing for IPv4
/// addresses that arrive mapped into IPv6.
fn same_host(target: SocketAddr, from: SocketAddr) -> bool {
    normalise(target.ip()) == normalise(from.ip())
}

fn normalise(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Responds to every v1/v2c request on `socket` after `delay`, echoing its varbinds.
    async fn respond_after(socket: UdpSocket, delay: Duration) {
        let mut buffer = vec![0u8; 65536];
        loop {
            let Ok((length, from)) = socket.recv_from(&mut buffer).await else { return };
            let Some(request) = ber::decode(&buffer[..length]) else { continue };
            tokio::time::sleep(delay).await;
            let response = Message {
                version: request.version,
                community: &request.community,
                pdu_type: ber::RESPONSE,
                request_id: request.request_id,
                error_status: 0,
                error_index: 0,
                varbinds: &request.varbinds,
            }
            .encode();
            let _ = socket.send_to(&response, from).await;
        }
    }

    #[tokio::test]
    async fn port_unreachable_ends_only_that_port() {
        let agent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let live = agent.local_addr().unwrap();
        let closed = UdpSocket::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        tokio::spawn(respond_after(agent, Duration::from_millis(300)));

        let settings = ProbeSettings {
            policy: RequestPolicy { timeout: Duration::from_secs(2), retries: 0 },
            window: 16,
            rate: 1000,
        };
        let community = ProbeCommunity {
            credential: 0,
            version: SnmpVersion::V2c,
            community: Secret::new("public".to_string()),
        };
        let (input_tx, input_rx) = mpsc::channel(4);
        let (output_tx, mut output_rx) = mpsc::unbounded_channel();
        let probe = tokio::spawn(run(settings, input_rx, output_tx, CancellationToken::new()));
        for address in [live, closed] {
            let request = ProbeRequest { payload: address, address, communities: vec![community.clone()] };
            input_tx.send(request).await.unwrap();
        }
        drop(input_tx);
        probe.await.unwrap().unwrap();

        let mut outcomes = HashMap::new();
        while let Ok((address, outcome)) = output_rx.try_recv() {
            outcomes.insert(address, outcome);
        }
        assert!(matches!(outcomes[&closed], ProbeOutcome::Refused), "closed port: {:?}", outcomes[&closed]);
        assert!(matches!(outcomes[&live], ProbeOutcome::Answered { .. }), "live port: {:?}", outcomes[&live]);
    }
}
