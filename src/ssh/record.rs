//! `fwsweep record --ssh`: logs in to one device, runs the commands a scan
//! would run (or the commands the user names), and keeps the transcript.

use std::net::SocketAddr;
use std::sync::Arc;

use super::client::{ConnectError, Login, Timeouts, connect};
use super::known_hosts::KnownHosts;
use super::session::{SessionOutcome, collect, collect_commands};
use super::transcript::Transcript;
use crate::profiles::ProfileSet;
use crate::profiles::read_only::is_read_only;

/// A command given with `--command` that the read-only check rejects.
#[derive(Debug, thiserror::Error)]
#[error(
    "--command {0:?} is not a read-only command; record sends only commands that read state \
     (show, display, get, RouterOS print), so remove it or replace it with one of those"
)]
pub struct NotReadOnly(pub String);

/// Checks every user-given command before anything connects.
pub fn check_commands(commands: &[String]) -> Result<(), NotReadOnly> {
    match commands.iter().find(|command| !is_read_only(command)) {
        Some(rejected) => Err(NotReadOnly(rejected.clone())),
        None => Ok(()),
    }
}

/// Recording request for one device: its address, credentials, host key
/// check, timeouts and commands.
pub struct RecordRequest<'a> {
    pub address: SocketAddr,
    /// Credential sets to try in order, as `scan` selects them.
    pub candidates: Vec<(String, Login)>,
    pub known_hosts: Arc<KnownHosts>,
    pub timeouts: Timeouts,
    pub profiles: &'a ProfileSet,
    /// The commands to run instead of the probe and profile commands.
    /// Each must have passed [`check_commands`].
    pub commands: &'a [String],
}

/// A finished recording: the session's outcome and the set that logged in.
pub struct Recording {
    pub credential: String,
    pub outcome: SessionOutcome,
}

impl Recording {
    pub fn transcript(&self) -> &Transcript {
        &self.outcome.transcript
    }
}

/// Tries the credential sets in order until one logs in, then runs the
/// session once. Returns every set's login failure when none worked.
pub async fn record(request: RecordRequest<'_>) -> Result<Recording, Vec<(String, ConnectError)>> {
    let mut failures = Vec::new();
    for (name, login) in &request.candidates {
        match record_with(&request, login).await {
            Ok(outcome) => return Ok(Recording { credential: name.clone(), outcome }),
            Err(error) => {
                tracing::debug!(address = %request.address, credential = %name, %error, "SSH credential set failed");
                // Only a rejected login makes another set worth trying, as in a scan.
                let try_next = matches!(error, ConnectError::AuthFailed { .. } | ConnectError::PrivateKey { .. });
                failures.push((name.clone(), error));
                if !try_next {
                    break;
                }
            }
        }
    }
    Err(failures)
}

async fn record_with(request: &RecordRequest<'_>, login: &Login) -> Result<SessionOutcome, ConnectError> {
    let connection = connect(request.address, login, request.known_hosts.clone(), request.timeouts).await?;
    let outcome = if request.commands.is_empty() {
        collect(&connection, request.profiles, None, login, request.timeouts.command).await
    } else {
        collect_commands(&connection, request.commands, request.timeouts.command).await
    };
    let _ = connection.handle.disconnect(russh::Disconnect::ByApplication, "", "").await;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_commands_names_the_rejected_command() {
        let commands = vec!["show version".to_string(), "configure terminal".to_string()];
        let error = check_commands(&commands).expect_err("rejected");
        assert_eq!(error.0, "configure terminal");
        assert!(error.to_string().starts_with("--command \"configure terminal\" is not a read-only command"), "{error}");
    }

    #[test]
    fn check_commands_accepts_show_commands() {
        let commands = vec!["show version".to_string(), "show inventory | include SN".to_string()];
        assert!(check_commands(&commands).is_ok());
    }
}
