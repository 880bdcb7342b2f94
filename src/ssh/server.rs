//! The SSH side of `simulate`: a russh server per simulated device on a
//! loopback address, serving its `.cli` transcript over exec channels and
//! an interactive shell with the recorded prompt, banner and paging.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey};
use russh::server::{self, Auth, Msg, Session};
use russh::{Channel, ChannelId, MethodKind, MethodSet};

use super::simulated::SimulatedCli;
use crate::credentials::Secret;

/// The pager prompt simulated devices print while paging is on.
const PAGER: &str = " --More-- ";

/// The login every simulated SSH device accepts, and its latency.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub user: String,
    pub password: Secret,
    /// Delay before each command's output.
    pub latency: Duration,
}

/// A host key generated when the simulator starts, shared by its devices.
#[derive(Clone)]
pub struct HostKey {
    key: PrivateKey,
    /// SHA-256 fingerprint, as OpenSSH prints it (`SHA256:...`).
    pub fingerprint: String,
    /// The public key in OpenSSH format (`ssh-ed25519 AAAA...`), for a
    /// known_hosts line.
    pub public_openssh: String,
}

impl HostKey {
    /// Generates a fresh Ed25519 host key.
    pub fn generate() -> HostKey {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
        let public = key.public_key();
        HostKey {
            fingerprint: public.fingerprint(HashAlg::Sha256).to_string(),
            public_openssh: public.to_openssh().unwrap_or_default(),
            key,
        }
    }

    /// Returns the known_hosts line for a device at `address`.
    pub fn known_hosts_line(&self, address: SocketAddr) -> String {
        if address.port() == 22 {
            format!("{} {}", address.ip(), self.public_openssh)
        } else {
            format!("[{}]:{} {}", address.ip(), address.port(), self.public_openssh)
        }
    }
}

/// Listens on `address` and serves `device` on a task in `tasks`, until
/// that set is dropped.
pub async fn serve(
    tasks: &mut tokio::task::JoinSet<()>,
    address: SocketAddr,
    device: Arc<SimulatedCli>,
    host_key: &HostKey,
    options: ServerOptions,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let config = Arc::new(server::Config {
        keys: vec![host_key.key.clone()],
        methods: MethodSet::from(&[MethodKind::Password][..]),
        auth_rejection_time: Duration::from_millis(200),
        auth_rejection_time_initial: Some(Duration::ZERO),
        nodelay: true,
        ..server::Config::default()
    });
    let mut factory = Factory { device, options: Arc::new(options) };
    tasks.spawn(async move {
        use russh::server::Server as _;
        if let Err(error) = factory.run_on_socket(config, &listener).await {
            tracing::warn!(%address, %error, "simulated SSH device stopped");
        }
    });
    Ok(())
}

struct Factory {
    device: Arc<SimulatedCli>,
    options: Arc<ServerOptions>,
}

impl server::Server for Factory {
    type Handler = DeviceSession;

    fn new_client(&mut self, _peer: Option<SocketAddr>) -> DeviceSession {
        DeviceSession { device: self.device.clone(), options: self.options.clone(), channels: HashMap::new() }
    }
}

/// The state of one client connection.
struct DeviceSession {
    device: Arc<SimulatedCli>,
    options: Arc<ServerOptions>,
    channels: HashMap<ChannelId, Terminal>,
}

/// The state of one shell channel: the line being typed, whether paging is
/// on, and the lines still held back behind a pager prompt.
#[derive(Default)]
struct Terminal {
    line: String,
    after_carriage_return: bool,
    paging_off: bool,
    held_back: Vec<String>,
}

impl server::Handler for DeviceSession {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if user == self.options.user && password == self.options.password.expose() {
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.insert(channel.id(), Terminal::default());
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _columns: u32,
        _rows: u32,
        _pixel_width: u32,
        _pixel_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let mut greeting = String::new();
        if let Some(banner) = &self.device.banner {
            greeting.push_str(&format!("\r\n{banner}\r\n"));
        }
        greeting.push_str(&format!("\r\n{}", self.device.prompt));
        session.data(channel, greeting.into_bytes())
    }

    async fn exec_request(&mut self, channel: ChannelId, data: &[u8], session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let command = String::from_utf8_lossy(data).trim().to_string();
        tokio::time::sleep(self.options.latency).await;
        let (output, status) = match self.device.outputs.output(&command) {
            Some(output) => (output.to_string(), 0),
            None => (format!("% Invalid input: {command}\n"), 1),
        };
        session.data(channel, output.into_bytes())?;
        session.exit_status_request(channel, status)?;
        session.eof(channel)?;
        session.close(channel)
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], session: &mut Session) -> Result<(), Self::Error> {
        let Some(mut terminal) = self.channels.remove(&channel) else { return Ok(()) };
        let mut reply = String::new();
        let mut open = true;
        for &byte in data {
            if !terminal.held_back.is_empty() {
                self.next_page(&mut terminal, byte, &mut reply);
                continue;
            }
            match byte {
                b'\r' | b'\n' if byte == b'\n' && terminal.after_carriage_return => terminal.after_carriage_return = false,
                b'\r' | b'\n' => {
                    terminal.after_carriage_return = byte == b'\r';
                    reply.push_str("\r\n");
                    let line = std::mem::take(&mut terminal.line);
                    if !reply.is_empty() {
                        session.data(channel, std::mem::take(&mut reply).into_bytes())?;
                    }
                    open = self.run_line(&mut terminal, line.trim(), &mut reply).await;
                    if !open {
                        break;
                    }
                }
                0x08 | 0x7f => {
                    terminal.after_carriage_return = false;
                    if terminal.line.pop().is_some() {
                        reply.push_str("\u{8} \u{8}");
                    }
                }
                byte => {
                    terminal.after_carriage_return = false;
                    let character = char::from(byte);
                    terminal.line.push(character);
                    reply.push(character);
                }
            }
        }
        if !reply.is_empty() {
            session.data(channel, reply.into_bytes())?;
        }
        if open {
            self.channels.insert(channel, terminal);
        } else {
            session.exit_status_request(channel, 0)?;
            session.eof(channel)?;
            session.close(channel)?;
        }
        Ok(())
    }
}

impl DeviceSession {
    /// Runs one typed line and appends the device's reply. Returns false
    /// when the line ends the session.
    async fn run_line(&self, terminal: &mut Terminal, line: &str, reply: &mut String) -> bool {
        if matches!(line, "exit" | "quit" | "logout") {
            return false;
        }
        if line.is_empty() {
            reply.push_str(&self.device.prompt);
            return true;
        }
        tokio::time::sleep(self.options.latency).await;
        if self.device.paging_off.iter().any(|command| command == line) {
            terminal.paging_off = true;
            reply.push_str(&self.device.prompt);
            return true;
        }
        let output = match self.device.outputs.output(line) {
            Some(output) => output.to_string(),
            None => format!("% Invalid input detected at '^' marker.\n{line}\n"),
        };
        let lines: Vec<String> = output.lines().map(|l| format!("{l}\r\n")).collect();
        match self.device.page_lines {
            Some(page) if !terminal.paging_off && lines.len() > page => {
                reply.push_str(&lines[..page].concat());
                reply.push_str(PAGER);
                terminal.held_back = lines[page..].to_vec();
            }
            _ => {
                reply.push_str(&lines.concat());
                reply.push_str(&self.device.prompt);
            }
        }
        true
    }

    /// Answers a key pressed at the pager prompt: `q` drops the rest, any
    /// other key shows the next page. The prompt is erased with backspaces,
    /// as IOS does.
    fn next_page(&self, terminal: &mut Terminal, key: u8, reply: &mut String) {
        let erase = "\u{8}".repeat(PAGER.len());
        reply.push_str(&format!("{erase}{}{erase}", " ".repeat(PAGER.len())));
        if key == b'q' {
            terminal.held_back.clear();
        } else {
            let page = self.device.page_lines.unwrap_or(usize::MAX).min(terminal.held_back.len());
            let shown: Vec<String> = terminal.held_back.drain(..page).collect();
            reply.push_str(&shown.concat());
        }
        if terminal.held_back.is_empty() {
            reply.push_str(&self.device.prompt);
        } else {
            reply.push_str(PAGER);
        }
    }
}
