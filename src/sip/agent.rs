//! A simulated phone: answers SIP `OPTIONS` with a recorded response over UDP
//! and TCP, and ignores every other method, as phones ignore strangers.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use super::message::{Request, Response, recorded_response};

fn response_to(bytes: &[u8], recording: &Response) -> Option<String> {
    let request = Request::parse(&String::from_utf8_lossy(bytes))?;
    (request.method == "OPTIONS").then(|| recorded_response(recording, &request))
}

pub async fn serve_udp(socket: UdpSocket, recording: Arc<Response>, latency: Duration) {
    let socket = Arc::new(socket);
    let mut buffer = vec![0u8; 65_535];
    loop {
        let Ok((length, from)) = socket.recv_from(&mut buffer).await else { continue };
        let Some(answer) = response_to(&buffer[..length], &recording) else { continue };
        let socket = socket.clone();
        tokio::spawn(async move {
            tokio::time::sleep(latency).await;
            let _ = socket.send_to(answer.as_bytes(), from).await;
        });
    }
}

pub async fn serve_tcp(listener: TcpListener, recording: Arc<Response>, latency: Duration) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
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
            if let Some(answer) = response_to(&received, &recording) {
                tokio::time::sleep(latency).await;
                let _ = stream.write_all(answer.as_bytes()).await;
            }
        });
    }
}
