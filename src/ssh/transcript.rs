//! The commands sent to one device over SSH and what each printed, and the
//! `.cli` text file that stores them.
//!
//! A `.cli` file contains one device's transcript. A line that starts with
//! `###` begins a command, and the rest of that line, trimmed, is the
//! command. Every line up to the next such line is the command's output.
//! Lines before the first command may only be blank or comments starting
//! with `#`. An output line that itself starts with `###` or `\` is written
//! with one extra `\` in front, which reading removes again, so every output
//! survives a write and a read unchanged:
//!
//! ```text
//! # Catalyst 2960-X in the lab
//! ### show version
//! Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E3, RELEASE SOFTWARE (fc3)
//! ...
//! ### show inventory
//! NAME: "1", DESCR: "WS-C2960X-48FPD-L"
//! ```

/// The marker that begins a command in a `.cli` file.
const COMMAND_MARKER: &str = "###";

/// Output of one device, command by command, cleaned of prompts, echoes,
/// pager marks and escape sequences. This is the SSH observation, which
/// `record` saves and `identify` replays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    pub outputs: Vec<CommandOutput>,
}

/// One command and its output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandOutput {
    pub command: String,
    pub output: String,
}

/// A `.cli` file that cannot be read as a transcript. `line` counts from 1.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TranscriptError {
    #[error("line {line}: text before the first command; start each command's output with a `### COMMAND` line")]
    OutputBeforeCommand { line: usize },
    #[error("line {line}: `###` needs a command after it, such as `### show version`")]
    MissingCommand { line: usize },
    #[error("line {line}: the command {command:?} starts with `#`; write commands without a leading `#`")]
    InvalidCommand { line: usize, command: String },
    #[error("the transcript names no command; start each command's output with a `### COMMAND` line")]
    Empty,
}

impl Transcript {
    /// Returns the output of `command`, if it was run. When it ran more than
    /// once, the first output counts.
    pub fn output(&self, command: &str) -> Option<&str> {
        self.outputs.iter().find(|entry| entry.command == command).map(|entry| entry.output.as_str())
    }

    pub fn push(&mut self, command: impl Into<String>, output: impl Into<String>) {
        self.outputs.push(CommandOutput { command: command.into(), output: output.into() });
    }

    /// Reads the `.cli` text format described in the module documentation.
    pub fn parse(text: &str) -> Result<Transcript, TranscriptError> {
        let mut transcript = Transcript::default();
        let mut current: Option<(String, Vec<&str>)> = None;
        for (index, line) in split_lines(text).into_iter().enumerate() {
            let number = index + 1;
            if let Some(rest) = line.strip_prefix(COMMAND_MARKER) {
                let command = parse_command(rest, number)?;
                if let Some((command, lines)) = current.take() {
                    transcript.push(command, lines.join("\n"));
                }
                current = Some((command, Vec::new()));
                continue;
            }
            match current.as_mut() {
                Some((_, lines)) => lines.push(line.strip_prefix('\\').unwrap_or(line)),
                None if line.trim().is_empty() || line.starts_with('#') => {}
                None => return Err(TranscriptError::OutputBeforeCommand { line: number }),
            }
        }
        if let Some((command, lines)) = current {
            transcript.push(command, lines.join("\n"));
        }
        if transcript.outputs.is_empty() {
            return Err(TranscriptError::Empty);
        }
        Ok(transcript)
    }

    /// Writes the transcript in the `.cli` text format, which
    /// [`Transcript::parse`] reads back unchanged.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for entry in &self.outputs {
            text.push_str(COMMAND_MARKER);
            text.push(' ');
            text.push_str(entry.command.trim());
            text.push('\n');
            for line in entry.output.split('\n') {
                if line.starts_with(COMMAND_MARKER) || line.starts_with('\\') {
                    text.push('\\');
                }
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }
}

/// Splits on `\n` only, so carriage returns stay in the output for the
/// cleaner, and drops the empty piece after a final line break.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

fn parse_command(rest: &str, line: usize) -> Result<String, TranscriptError> {
    let command = rest.trim();
    if command.is_empty() {
        return Err(TranscriptError::MissingCommand { line });
    }
    if command.starts_with('#') {
        return Err(TranscriptError::InvalidCommand { line, command: command.to_string() });
    }
    Ok(command.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Transcript {
        let mut transcript = Transcript::default();
        transcript.push("show version", "Line one\n### not a command\n\\backslash\n\ntrailing blank\n");
        transcript.push("show inventory", "");
        transcript.push("display version", "no final newline\r\nwith CR");
        transcript
    }

    #[test]
    fn round_trip_keeps_every_output() {
        let transcript = sample();
        let text = transcript.to_text();
        assert_eq!(Transcript::parse(&text), Ok(transcript));
    }

    #[test]
    fn round_trip_escapes_marker_lines() {
        let text = sample().to_text();
        assert!(text.contains("\n\\### not a command\n"), "{text}");
        assert!(text.contains("\n\\\\backslash\n"), "{text}");
    }

    #[test]
    fn parse_reads_hand_written_file() {
        let text = "# lab switch\n\n### show version\r\nVersion 1.2\n###   show system  \nName: sw1\n";
        let transcript = Transcript::parse(text).expect("parses");
        assert_eq!(transcript.output("show version"), Some("Version 1.2"));
        assert_eq!(transcript.output("show system"), Some("Name: sw1"));
    }

    #[test]
    fn parse_rejects_output_before_command() {
        let error = Transcript::parse("# header\nVersion 1.2\n### show version\n").expect_err("rejected");
        assert_eq!(error, TranscriptError::OutputBeforeCommand { line: 2 });
        assert!(error.to_string().starts_with("line 2: "), "{error}");
    }

    #[test]
    fn parse_rejects_marker_without_command() {
        let error = Transcript::parse("### show version\nx\n###\n").expect_err("rejected");
        assert_eq!(error, TranscriptError::MissingCommand { line: 3 });
    }

    #[test]
    fn parse_rejects_separator_line() {
        let error = Transcript::parse("######\n").expect_err("rejected");
        assert_eq!(error, TranscriptError::InvalidCommand { line: 1, command: "###".to_string() });
    }

    #[test]
    fn parse_rejects_file_without_commands() {
        assert_eq!(Transcript::parse("# only a comment\n\n"), Err(TranscriptError::Empty));
    }

    #[test]
    fn output_returns_first_run() {
        let mut transcript = Transcript::default();
        transcript.push("show version", "first");
        transcript.push("show version", "second");
        assert_eq!(transcript.output("show version"), Some("first"));
    }
}
