//! A simulated phone that responds to SIP `OPTIONS` requests with a recorded
//! response over UDP and TCP. Other methods and unparseable requests get no
//! response.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use super::message::{Request, Response, recorded_response};

/// Builds the response to an `OPTIONS` request, or returns `None` for any
/// other message.
fn response_to(bytes: &[u8], recording: &Response) -> Option<String> {
    let request = Request::parse(&String::from_utf8_lossy(bytes))?;
    (request.method == "OPTIONS").then(|| recorded_response(recording, &request))
}

pub async fn serve_udp(socket: UdpSocket, recording: Arc<Response>, latency: Duration) {
    let socket = Arc::new(socket);
    let mut buffer = vec![0u8; 65_535];
    loop {
        let (length, from) = match socket.recv_from(&mut buffer).await {
            Ok(received) => received,
            Err(error) => {
                tracing::debug!(%error, "simulated phone: UDP receive failed");
                continue;
            }
        };
        let Some(response) = response_to(&buffer[..length], &recording) else { continue };
        let socket = socket.clone();
        tokio::spawn(async move {
            tokio::time::sleep(latency).await;
            if let Err(error) = socket.send_to(response.as_bytes(), from).await {
                tracing::debug!(%error, peer = %from, "simulated phone: UDP send failed");
            }
        });
    }
}

pub async fn serve_tcp(listener: TcpListener, recording: Arc<Response>, latency: Duration) {
    loop {
        let (mut stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::debug!(%error, "simulated phone: TCP accept failed");
                continue;
            }
        };
        let recording = recording.clone();
        tokio::spawn(async move {
            let mut received = Vec::new();
            let mut chunk = vec![0u8; 4096];
            while !received.windows(4).any(|w| w == b"\r\n\r\n") && received.len() < 65_535 {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(length) => received.extend_from_slice(&chunk[..length]),
                }
            }
            if let Some(response) = response_to(&received, &recording) {
                tokio::time::sleep(latency).await;
                if let Err(error) = stream.write_all(response.as_bytes()).await {
                    tracing::debug!(%error, %peer, "simulated phone: TCP send failed");
                }
            }
        });
    }
}
