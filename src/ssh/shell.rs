//! Driving a device's interactive CLI over a pty: waiting for the prompt,
//! answering pagers and key-press screens, and cutting each command's output
//! out of the stream.

use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use russh::{Channel, ChannelMsg, client};
use tokio::time::Instant;

use super::terminal;

/// Terminal size requested for the pty. Many rows keep pagers quiet on
/// devices whose paging cannot be turned off per session.
const PTY_COLUMNS: u32 = 511;
const PTY_ROWS: u32 = 1000;

/// Quiet time after which a line that looks like a prompt is taken as one,
/// when the platform and so its exact prompt pattern are not known yet.
const GENERIC_PROMPT_QUIET: Duration = Duration::from_millis(300);

/// Quiet time after login with no prompt before a carriage return is sent,
/// for devices that show a banner and wait for a key.
const LOGIN_NUDGE_AFTER: Duration = Duration::from_millis(1500);

/// Bytes at the end of the stream examined for a prompt or pager.
const TAIL_BYTES: usize = 4096;

/// Pager pages continued per command before the output is taken as endless.
const MAX_PAGES: usize = 10_000;

/// Bytes one command may print. A device that prints more is cut off, so
/// that endless output cannot exhaust memory before the command timeout.
pub const MAX_OUTPUT_BYTES: usize = 8 * 1024 * 1024;

/// A line that looks like a CLI prompt on most platforms: short, and ending
/// in `>`, `#`, `$`, `%` or `]`, with an optional trailing space.
static GENERIC_PROMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\S.{0,100}[>#$%\]] ?$").expect("valid generic prompt"));

/// The rule that recognises the end of a command's output.
#[derive(Clone, Debug)]
pub enum Prompt {
    /// The profile's prompt pattern, matched as soon as it appears.
    Profile(Regex),
    /// The generic pattern, matched after [`GENERIC_PROMPT_QUIET`], or the
    /// exact prompt line seen after login, matched at once.
    Generic { learned: Option<String> },
}

/// Result of matching the last line against the prompt: no prompt, a prompt
/// to trust now, or a prompt to trust only once the device falls quiet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PromptMatch {
    No,
    Now,
    AfterQuiet,
}

impl Prompt {
    fn check(&self, line: &str) -> PromptMatch {
        match self {
            Prompt::Profile(regex) if regex.is_match(line) => PromptMatch::Now,
            Prompt::Profile(_) => PromptMatch::No,
            Prompt::Generic { learned } if learned.as_deref().is_some_and(|prompt| prompt == line.trim_end()) => {
                PromptMatch::Now
            }
            Prompt::Generic { .. } if GENERIC_PROMPT.is_match(line) => PromptMatch::AfterQuiet,
            Prompt::Generic { .. } => PromptMatch::No,
        }
    }
}

/// A failure that stopped a read from the shell before a prompt.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("no prompt within {0:?}")]
    Timeout(Duration),
    #[error("the device closed the session")]
    Closed,
    #[error("the output exceeds {0} bytes")]
    TooLong(usize),
    #[error("{0}")]
    Channel(String),
}

/// The result of a read up to the prompt: the raw text received, and the
/// error that cut it short, if any.
pub struct Read {
    pub raw: String,
    pub error: Option<ShellError>,
}

/// An interactive shell session on one channel.
pub struct Shell {
    channel: Channel<client::Msg>,
    pub prompt: Prompt,
    timeout: Duration,
}

impl Shell {
    /// Opens a session channel with a pty and a shell.
    pub async fn open(handle: &client::Handle<super::client::DeviceHandler>, timeout: Duration) -> Result<Shell, ShellError> {
        let channel_error = |error: russh::Error| ShellError::Channel(format!("cannot open a shell: {error}"));
        let channel = handle.channel_open_session().await.map_err(channel_error)?;
        channel
            .request_pty(false, "vt100", PTY_COLUMNS, PTY_ROWS, 0, 0, &[])
            .await
            .map_err(channel_error)?;
        channel.request_shell(false).await.map_err(channel_error)?;
        Ok(Shell { channel, prompt: Prompt::Generic { learned: None }, timeout })
    }

    /// Reads past banners and key-press screens up to the first prompt.
    /// Without a profile, that prompt line is remembered, so later outputs
    /// end as soon as it reappears.
    pub async fn wait_for_login(&mut self) -> Read {
        let read = self.read_until_prompt(true, None).await;
        if read.error.is_none()
            && let Prompt::Generic { learned } = &mut self.prompt
        {
            let cleaned = terminal::clean(&read.raw);
            *learned = Some(terminal::last_line(&cleaned).trim_end().to_string());
        }
        read
    }

    /// Sends one line and reads up to the next prompt. The returned text
    /// contains the echo, the output and the prompt, raw.
    pub async fn run(&mut self, line: &str) -> Read {
        if let Err(error) = self.send(&format!("{line}\n")).await {
            return Read { raw: String::new(), error: Some(error) };
        }
        self.read_until_prompt(false, None).await
    }

    /// Sends one line and reads until the prompt or until the last line
    /// matches `alternative` (such as a password prompt). Returns whether
    /// the alternative matched.
    pub async fn run_expecting(&mut self, line: &str, alternative: &Regex) -> (Read, bool) {
        if let Err(error) = self.send(&format!("{line}\n")).await {
            return (Read { raw: String::new(), error: Some(error) }, false);
        }
        let read = self.read_until_prompt(false, Some(alternative)).await;
        let matched = read.error.is_none()
            && alternative.is_match(terminal::last_line(&terminal::clean(&read.raw)).trim_end());
        (read, matched)
    }

    /// Reads up to the next prompt without sending anything, such as the
    /// device's reply to a secret sent with [`Shell::send`].
    pub async fn read_to_prompt(&mut self) -> Read {
        self.read_until_prompt(false, None).await
    }

    /// Sends text without reading, such as a secret typed at a password prompt.
    pub async fn send(&mut self, text: &str) -> Result<(), ShellError> {
        self.channel
            .data(text.as_bytes())
            .await
            .map_err(|error| ShellError::Channel(format!("cannot write to the shell: {error}")))
    }

    /// Closes the channel, ignoring errors because the session is over anyway.
    pub async fn close(self) {
        let _ = self.channel.eof().await;
        let _ = self.channel.close().await;
    }

    /// Reads until the prompt (or `alternative`) appears on the last line,
    /// answering pagers with a space. During login, a key-press screen is
    /// answered with a carriage return, and one is also sent when the device
    /// stays quiet without a prompt.
    async fn read_until_prompt(&mut self, login: bool, alternative: Option<&Regex>) -> Read {
        let deadline = Instant::now() + self.timeout;
        // Bytes, not text, so that a character split across two packets is
        // decoded whole.
        let mut raw: Vec<u8> = Vec::new();
        let done = |raw: &[u8], error: Option<ShellError>| Read { raw: String::from_utf8_lossy(raw).into_owned(), error };
        let mut pages = 0usize;
        let mut nudged = false;
        // Stream length when a key last went to a pager prompt, so that a
        // message without data does not page past the same prompt twice.
        let mut answered_at = usize::MAX;
        loop {
            let tail = terminal::clean(&String::from_utf8_lossy(tail(&raw)));
            let last = terminal::last_line(&tail);
            let mut prompt = self.prompt.check(last);
            if alternative.is_some_and(|regex| regex.is_match(last.trim_end())) {
                prompt = PromptMatch::Now;
            }
            if prompt == PromptMatch::Now {
                return done(&raw, None);
            }
            let at_prompt = prompt == PromptMatch::AfterQuiet;
            if terminal::ends_in_pager(&tail) && pages < MAX_PAGES && answered_at != raw.len() {
                pages += 1;
                answered_at = raw.len();
                if let Err(error) = self.send(" ").await {
                    return done(&raw, Some(error));
                }
            } else if login && terminal::waits_for_key(&tail) && !nudged {
                nudged = true;
                if let Err(error) = self.send("\r").await {
                    return done(&raw, Some(error));
                }
            }

            let now = Instant::now();
            if now >= deadline {
                return done(&raw, Some(ShellError::Timeout(self.timeout)));
            }
            // Generic prompts count only once the device has gone quiet,
            // because an output line may end in `>` or `#` too.
            let wait = if at_prompt {
                GENERIC_PROMPT_QUIET
            } else if login && !nudged {
                LOGIN_NUDGE_AFTER
            } else {
                deadline - now
            };
            match tokio::time::timeout(wait.min(deadline - now), self.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. })) => {
                    raw.extend_from_slice(&data);
                    if raw.len() > MAX_OUTPUT_BYTES {
                        return done(&raw, Some(ShellError::TooLong(MAX_OUTPUT_BYTES)));
                    }
                }
                Ok(Some(ChannelMsg::Eof | ChannelMsg::Close) | None) => return done(&raw, Some(ShellError::Closed)),
                Ok(Some(_)) => {}
                Err(_) if at_prompt => return done(&raw, None),
                Err(_) if login && !nudged && Instant::now() < deadline => {
                    nudged = true;
                    if let Err(error) = self.send("\r").await {
                        return done(&raw, Some(error));
                    }
                }
                Err(_) => {}
            }
        }
    }
}

/// Returns the last [`TAIL_BYTES`] of the stream. A character cut at the
/// start decodes as a replacement character, which no prompt ends with.
fn tail(raw: &[u8]) -> &[u8] {
    &raw[raw.len().saturating_sub(TAIL_BYTES)..]
}

/// Cuts a command's output out of what the shell returned: the text is
/// cleaned, pager marks are removed, the echoed command line and the
/// closing prompt line are dropped, and blank lines at either end trimmed.
pub fn command_output(raw: &str, command: &str, prompt_reached: bool) -> String {
    let cleaned = terminal::remove_pager_marks(&terminal::clean(raw));
    let mut lines: Vec<&str> = cleaned.split('\n').collect();
    if lines.first().is_some_and(|first| first.trim_end().ends_with(command.trim())) {
        lines.remove(0);
    }
    if prompt_reached {
        lines.pop();
    }
    trim_blank_lines(&lines)
}

/// Joins lines with `\n`, without blank lines at either end, ending in a
/// newline unless nothing is left.
pub fn trim_blank_lines(lines: &[&str]) -> String {
    let first = lines.iter().position(|line| !line.trim().is_empty());
    let last = lines.iter().rposition(|line| !line.trim().is_empty());
    match (first, last) {
        (Some(first), Some(last)) => {
            let mut text = lines[first..=last].join("\n");
            text.push('\n');
            text
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_output_drops_echo_and_prompt() {
        let raw = "show version\r\n\x1b[1mCisco IOS\x1b[0m Software\r\n --More-- \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08uptime 1 day\r\n\r\nsw1#";
        assert_eq!(command_output(raw, "show version", true), "Cisco IOS Software\nuptime 1 day\n");
    }

    #[test]
    fn command_output_keeps_partial_text_without_prompt() {
        assert_eq!(command_output("show inventory\r\nNAME: \"1\"\r\nPID: WS-C", "show inventory", false), "NAME: \"1\"\nPID: WS-C\n");
    }

    #[test]
    fn generic_prompt_matches_common_prompts_after_quiet() {
        let generic = Prompt::Generic { learned: None };
        for prompt in ["sw1#", "router1>", "lab@mx240> ", "[admin@MikroTik] /system> ", "ubnt@ubnt:~$ ", "<HPE>", "[~HUAWEI]"] {
            assert_eq!(generic.check(prompt), PromptMatch::AfterQuiet, "{prompt:?}");
        }
        assert_eq!(generic.check("Cisco IOS Software, Version 15.2(7)E3"), PromptMatch::No);
    }

    #[test]
    fn learned_prompt_matches_at_once() {
        let learned = Prompt::Generic { learned: Some("edge-1#".into()) };
        assert_eq!(learned.check("edge-1# "), PromptMatch::Now);
        assert_eq!(learned.check("edge-1(config)#"), PromptMatch::AfterQuiet);
    }
}
