//! Running a profile's commands on an authenticated connection, over exec
//! channels or an interactive shell, and collecting their outputs into a
//! [`Transcript`].

use std::time::Duration;

use russh::ChannelMsg;

use super::client::{Connection, Login};
use super::shell::{MAX_OUTPUT_BYTES, Prompt, Read, Shell, ShellError, command_output, trim_blank_lines};
use super::terminal;
use super::transcript::Transcript;
use crate::profiles::{Profile, ProfileSet, SshMode, SshRules};

/// The result of one session.
#[derive(Debug, Default)]
pub struct SessionOutcome {
    pub transcript: Transcript,
    /// The profile whose SSH rules drove the session: the one given, or the
    /// one the probe commands recognised.
    pub profile: Option<String>,
    /// The failure that stopped the session early. The transcript keeps what
    /// came before, including the partial output of the command that failed.
    pub failure: Option<SessionFailure>,
    /// Things the session skipped, such as privileged mode without a secret.
    pub notes: Vec<String>,
}

/// A failure that stopped a session before its last command finished.
#[derive(Debug, thiserror::Error)]
pub enum SessionFailure {
    #[error("command {command:?} timed out after {after:?}; the output so far is kept")]
    CommandTimeout { command: String, after: Duration },
    #[error("no CLI prompt within {0:?} after login")]
    NoPrompt(Duration),
    #[error("command {command:?}: {message}")]
    Channel { command: String, message: String },
}

impl SessionFailure {
    pub fn is_timeout(&self) -> bool {
        matches!(self, SessionFailure::CommandTimeout { .. } | SessionFailure::NoPrompt(_))
    }
}

/// Runs the commands of `known` (a profile identified by another protocol)
/// or, without one, the probe commands until one output is recognised and
/// then that profile's commands. Only commands from profiles are sent.
pub async fn collect(
    connection: &Connection,
    profiles: &ProfileSet,
    known: Option<&Profile>,
    login: &Login,
    command_timeout: Duration,
) -> SessionOutcome {
    let rules = known.and_then(|profile| profile.ssh.as_ref().map(|rules| (profile, rules)));
    match rules {
        Some((profile, rules)) if rules.mode == SshMode::Exec => {
            let mut outcome = SessionOutcome { profile: Some(profile.id.clone()), ..SessionOutcome::default() };
            run_exec(connection, &rules.commands, command_timeout, &mut outcome).await;
            outcome
        }
        _ => run_shell(connection, profiles, rules, login, command_timeout).await,
    }
}

/// Runs exactly `commands`, in order, in one interactive shell, with no
/// probes, paging commands or privileged mode. The prompt is the one seen
/// after login. The caller checks that the commands are read-only.
pub async fn collect_commands(connection: &Connection, commands: &[String], command_timeout: Duration) -> SessionOutcome {
    let mut outcome = SessionOutcome::default();
    let mut shell = match Shell::open(&connection.handle, command_timeout).await {
        Ok(shell) => shell,
        Err(error) => {
            outcome.failure = Some(SessionFailure::Channel { command: "shell".into(), message: error.to_string() });
            return outcome;
        }
    };
    let login_read = shell.wait_for_login().await;
    let result = match login_read.error {
        Some(ShellError::Timeout(after)) => Err(SessionFailure::NoPrompt(after)),
        Some(other) => Err(SessionFailure::Channel { command: "login".into(), message: other.to_string() }),
        None => run_each(&mut shell, commands, &mut outcome).await,
    };
    if let Err(failure) = result {
        outcome.failure = Some(failure);
    }
    shell.close().await;
    outcome
}

async fn run_each(shell: &mut Shell, commands: &[String], outcome: &mut SessionOutcome) -> Result<(), SessionFailure> {
    for command in commands {
        run_command(shell, command, outcome).await?;
    }
    Ok(())
}

/// Runs each command on its own exec channel, without a pty.
///
/// NOTE: all channels share one connection. IOS and classic IOS-XR close
/// the connection after the first exec channel, so their profiles must use
/// `shell` mode; the second command would fail here.
async fn run_exec(connection: &Connection, commands: &[String], timeout: Duration, outcome: &mut SessionOutcome) {
    for command in commands {
        match exec(connection, command, timeout).await {
            Ok(output) => outcome.transcript.push(command.clone(), output),
            Err((partial, failure)) => {
                if !partial.is_empty() {
                    outcome.transcript.push(command.clone(), partial);
                }
                outcome.failure = Some(failure);
                return;
            }
        }
    }
}

/// Runs one command on an exec channel and returns its cleaned output, or
/// the partial output and the failure.
async fn exec(connection: &Connection, command: &str, timeout: Duration) -> Result<String, (String, SessionFailure)> {
    let channel_failure =
        |message: String| (String::new(), SessionFailure::Channel { command: command.to_string(), message });
    let mut channel = connection
        .handle
        .channel_open_session()
        .await
        .map_err(|error| channel_failure(format!("cannot open an exec channel: {error}")))?;
    channel
        .exec(true, command)
        .await
        .map_err(|error| channel_failure(format!("exec request failed: {error}")))?;

    let mut raw: Vec<u8> = Vec::new();
    let read = async {
        while let Some(message) = channel.wait().await {
            match message {
                ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. } => {
                    raw.extend_from_slice(&data);
                    if raw.len() > MAX_OUTPUT_BYTES {
                        return false;
                    }
                }
                ChannelMsg::Eof | ChannelMsg::Close => break,
                _ => {}
            }
        }
        true
    };
    let (finished, within_limit) = match tokio::time::timeout(timeout, read).await {
        Ok(within_limit) => (true, within_limit),
        Err(_) => (false, true),
    };
    let cleaned = terminal::remove_pager_marks(&terminal::clean(&String::from_utf8_lossy(&raw)));
    let output = trim_blank_lines(&cleaned.split('\n').collect::<Vec<_>>());
    let _ = channel.close().await;
    if !within_limit {
        let message = format!("the output exceeds {MAX_OUTPUT_BYTES} bytes");
        return Err((output, SessionFailure::Channel { command: command.to_string(), message }));
    }
    if finished {
        Ok(output)
    } else {
        Err((output, SessionFailure::CommandTimeout { command: command.to_string(), after: timeout }))
    }
}

/// Runs the session in one interactive shell with a pty.
async fn run_shell(
    connection: &Connection,
    profiles: &ProfileSet,
    known: Option<(&Profile, &SshRules)>,
    login: &Login,
    timeout: Duration,
) -> SessionOutcome {
    let mut outcome = SessionOutcome::default();
    let mut shell = match Shell::open(&connection.handle, timeout).await {
        Ok(shell) => shell,
        Err(error) => {
            outcome.failure = Some(SessionFailure::Channel { command: "shell".into(), message: error.to_string() });
            return outcome;
        }
    };
    if let Some((_, rules)) = known {
        shell.prompt = Prompt::Profile(rules.prompt.clone());
    }
    let login_read = shell.wait_for_login().await;
    if let Some(error) = login_read.error {
        outcome.failure = Some(match error {
            ShellError::Timeout(after) => SessionFailure::NoPrompt(after),
            other => SessionFailure::Channel { command: "login".into(), message: other.to_string() },
        });
        shell.close().await;
        return outcome;
    }

    let result = match known {
        Some((profile, rules)) => {
            outcome.profile = Some(profile.id.clone());
            run_profile(&mut shell, rules, login, &mut outcome).await
        }
        None => run_probes(&mut shell, profiles, login, &mut outcome).await,
    };
    if let Err(failure) = result {
        outcome.failure = Some(failure);
    }
    shell.close().await;
    outcome
}

/// Sends the probe commands until one output is recognised, then runs the
/// recognised profile's commands that were not sent yet.
async fn run_probes(
    shell: &mut Shell,
    profiles: &ProfileSet,
    login: &Login,
    outcome: &mut SessionOutcome,
) -> Result<(), SessionFailure> {
    for command in super::identify::probe_commands(profiles) {
        let output = run_command(shell, &command, outcome).await?;
        let Some(profile) = super::identify::detect(profiles, &command, &output) else { continue };
        tracing::debug!(profile = %profile.id, %command, "platform recognised from command output");
        outcome.profile = Some(profile.id.clone());
        if let Some(rules) = &profile.ssh {
            shell.prompt = Prompt::Profile(rules.prompt.clone());
            return run_profile(shell, rules, login, outcome).await;
        }
        return Ok(());
    }
    Ok(())
}

/// Turns paging off, enters privileged mode where the profile needs it,
/// and runs the profile's commands that the transcript does not hold yet.
async fn run_profile(shell: &mut Shell, rules: &SshRules, login: &Login, outcome: &mut SessionOutcome) -> Result<(), SessionFailure> {
    for command in &rules.paging_off {
        let read = shell.run(command).await;
        check(read, command)?;
    }
    if let Some(enable) = &rules.enable {
        enter_privileged(shell, &enable.command, &enable.password_prompt, login, outcome).await?;
    }
    for command in &rules.commands {
        if outcome.transcript.output(command).is_none() {
            run_command(shell, command, outcome).await?;
        }
    }
    Ok(())
}

/// Sends the enable command and, at its password prompt, the set's enable
/// secret. Without a secret an empty line is sent, and a note records that.
async fn enter_privileged(
    shell: &mut Shell,
    command: &str,
    password_prompt: &regex::Regex,
    login: &Login,
    outcome: &mut SessionOutcome,
) -> Result<(), SessionFailure> {
    let (read, asks_password) = shell.run_expecting(command, password_prompt).await;
    check(read, command)?;
    if !asks_password {
        return Ok(());
    }
    let secret = match &login.enable_secret {
        Some(secret) => secret.expose().to_string(),
        None => {
            outcome.notes.push("privileged mode skipped: the credential set has no enable_secret".into());
            String::new()
        }
    };
    if let Err(error) = shell.send(&format!("{secret}\n")).await {
        return Err(SessionFailure::Channel { command: command.into(), message: error.to_string() });
    }
    // The secret is never echoed, and the reply is not kept, so neither
    // can reach the transcript.
    let read = shell.read_to_prompt().await;
    check(read, command)
}

/// Runs one command and pushes its output, or the output so far when it
/// failed, to the transcript.
async fn run_command(shell: &mut Shell, command: &str, outcome: &mut SessionOutcome) -> Result<String, SessionFailure> {
    let read = shell.run(command).await;
    let output = command_output(&read.raw, command, read.error.is_none());
    if read.error.is_none() || !output.is_empty() {
        outcome.transcript.push(command, output.clone());
    }
    check(read, command)?;
    Ok(output)
}

fn check(read: Read, command: &str) -> Result<(), SessionFailure> {
    match read.error {
        None => Ok(()),
        Some(ShellError::Timeout(after)) => Err(SessionFailure::CommandTimeout { command: command.into(), after }),
        Some(other) => Err(SessionFailure::Channel { command: command.into(), message: other.to_string() }),
    }
}
