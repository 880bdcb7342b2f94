//! Probing one target with `OPTIONS`: over UDP with retries, then once over
//! TCP when UDP got no response. Each attempt sends exactly one request.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use super::message::{MalformedResponse, RequestIds, Response, options_request};

/// Timeout and retry settings of the probe.
#[derive(Clone, Copy, Debug)]
pub struct SipSettings {
    pub timeout: Duration,
    pub retries: u32,
}

/// Outcome of probing one target.
#[derive(Debug)]
pub enum SipOutcome {
    Answered { response: Response, transport: &'static str },
    /// No response over UDP or TCP.
    Silent,
    /// ICMP port unreachable over UDP, and no SIP over TCP.
    Refused,
    Unreachable(String),
    /// Received data that is not a SIP response.
    Malformed(MalformedResponse),
}

/// Maximum response size read, in bytes. It is enough for any UDP datagram.
const MAX_RESPONSE_BYTES: usize = 65_535;

/// Sends `OPTIONS` to `target` over UDP, then over TCP when UDP got no
/// response, and returns the outcome.
pub async fn probe(target: SocketAddr, settings: SipSettings) -> SipOutcome {
    let over_udp = probe_udp(target, settings).await;
    if !matches!(over_udp, SipOutcome::Silent | SipOutcome::Refused) {
        return over_udp;
    }
    // Some phones listen on TCP only. A response there is returned, else the
    // UDP outcome (silent or refused).
    probe_tcp(target, settings).await.unwrap_or(over_udp)
}

fn unspecified(target: SocketAddr) -> SocketAddr {
    let ip = if target.is_ipv4() { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { IpAddr::V6(Ipv6Addr::UNSPECIFIED) };
    SocketAddr::new(ip, 0)
}

async fn probe_udp(target: SocketAddr, settings: SipSettings) -> SipOutcome {
    let socket = match UdpSocket::bind(unspecified(target)).await {
        Ok(socket) => socket,
        Err(error) => return SipOutcome::Unreachable(format!("cannot open a UDP socket: {error}")),
    };
    // A connected socket receives ICMP port unreachable as a receive error.
    if let Err(error) = socket.connect(target).await {
        return SipOutcome::Unreachable(format!("cannot reach {target}: {error}"));
    }
    let local = socket.local_addr().unwrap_or_else(|_| unspecified(target));
    let mut buffer = vec![0u8; MAX_RESPONSE_BYTES];
    for attempt in 0..=settings.retries {
        let ids = RequestIds::fresh();
        let request = options_request(target, local, "UDP", &ids);
        if let Err(error) = socket.send(request.as_bytes()).await {
            return match error.kind() {
                std::io::ErrorKind::ConnectionRefused => SipOutcome::Refused,
                _ => SipOutcome::Unreachable(format!("send failed: {error}")),
            };
        }
        let deadline = tokio::time::Instant::now() + settings.timeout;
        loop {
            let received = tokio::time::timeout_at(deadline, socket.recv(&mut buffer)).await;
            let length = match received {
                Err(_) => break,
                Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => return SipOutcome::Refused,
                Ok(Err(error)) => return SipOutcome::Unreachable(format!("receive failed: {error}")),
                Ok(Ok(length)) => length,
            };
            match response_for(&buffer[..length], &ids) {
                Some(Ok(response)) if response.status >= 200 => return SipOutcome::Answered { response, transport: "UDP" },
                // A provisional response (1xx) or a stray datagram: keep waiting.
                Some(Ok(_)) | None => continue,
                Some(Err(malformed)) => return SipOutcome::Malformed(malformed),
            }
        }
        tracing::debug!(%target, attempt, "no SIP response over UDP");
    }
    SipOutcome::Silent
}

/// Parses a response, or returns `None` when its Call-ID belongs to another
/// request.
fn response_for(bytes: &[u8], ids: &RequestIds) -> Option<Result<Response, MalformedResponse>> {
    let text = String::from_utf8_lossy(bytes);
    match Response::parse(&text) {
        Ok(response) => {
            let call_id = response.header("call-id").unwrap_or_default();
            (call_id.is_empty() || call_id.starts_with(&ids.call_id)).then_some(Ok(response))
        }
        Err(malformed) => Some(Err(malformed)),
    }
}

/// Sends one request over TCP. Returns `None` when the connection is refused
/// or times out, the request cannot be sent, or no bytes arrive in time.
async fn probe_tcp(target: SocketAddr, settings: SipSettings) -> Option<SipOutcome> {
    let connect = tokio::time::timeout(settings.timeout, TcpStream::connect(target)).await;
    let mut stream = match connect {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => return None,
        Ok(Err(error)) => return Some(SipOutcome::Unreachable(format!("TCP connect failed: {error}"))),
        Err(_) => return None,
    };
    let local = stream.local_addr().unwrap_or_else(|_| unspecified(target));
    let ids = RequestIds::fresh();
    let request = options_request(target, local, "TCP", &ids);
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut received = Vec::new();
    let mut chunk = vec![0u8; 4096];
    let deadline = tokio::time::Instant::now() + settings.timeout;
    while !received.windows(4).any(|w| w == b"\r\n\r\n") && received.len() < MAX_RESPONSE_BYTES {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
            Ok(Ok(length)) => received.extend_from_slice(&chunk[..length]),
        }
    }
    if received.is_empty() {
        return None;
    }
    Some(match response_for(&received, &ids) {
        Some(Ok(response)) => SipOutcome::Answered { response, transport: "TCP" },
        Some(Err(malformed)) => SipOutcome::Malformed(malformed),
        None => SipOutcome::Silent,
    })
}
