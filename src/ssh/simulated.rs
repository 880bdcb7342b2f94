//! The devices `simulate` serves over SSH: command outputs read from a
//! `.cli` transcript file, with the prompt, banner and paging of the
//! recorded platform given in header lines.
//!
//! ```text
//! # prompt: core-sw1#
//! # banner: Authorized access only
//! # paging_off: terminal length 0
//! # page_lines: 24
//! ### show version
//! Cisco IOS Software, C2960X Software ...
//! ### show inventory
//! NAME: "1", DESCR: "WS-C2960X-48FPD-L"
//! ```
//!
//! Header lines (`# key: value`) come before the first `### COMMAND` line;
//! other `#` lines there are comments. Each `### COMMAND` line starts that
//! command's output, which runs to the next `### ` line or the end of file.
//! As in [`Transcript::parse`], one leading `\` is removed from an output
//! line, so that files `record` writes are served as the device printed them.

use std::path::Path;

use super::transcript::Transcript;

/// One simulated device's CLI.
#[derive(Clone, Debug)]
pub struct SimulatedCli {
    /// The file name, as `simulate` prints it.
    pub name: String,
    pub prompt: String,
    /// Printed after login, before the first prompt.
    pub banner: Option<String>,
    /// Commands that turn paging off for the session.
    pub paging_off: Vec<String>,
    /// Lines per page while paging is on; `None` means the device never pages.
    pub page_lines: Option<usize>,
    pub outputs: Transcript,
}

/// A `.cli` file that cannot be served; names the file and line.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct CliFileError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Returns whether `path` is a CLI transcript file (`.cli`).
pub fn is_cli_file(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "cli") && path.is_file()
}

impl SimulatedCli {
    /// Reads a `.cli` file.
    pub fn load(path: &Path) -> Result<SimulatedCli, CliFileError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|error| CliFileError { path: shown.clone(), line: 1, message: format!("cannot read: {error}") })?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        SimulatedCli::parse(&name, &String::from_utf8_lossy(&bytes)).map_err(|(line, message)| CliFileError { path: shown, line, message })
    }

    /// Parses the text of a `.cli` file. Errors carry the 1-based line.
    pub fn parse(name: &str, text: &str) -> Result<SimulatedCli, (usize, String)> {
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        let mut device = SimulatedCli {
            name: name.to_string(),
            prompt: format!("{stem}#"),
            banner: None,
            paging_off: Vec::new(),
            page_lines: None,
            outputs: Transcript::default(),
        };
        let mut current: Option<(String, String)> = None;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if let Some(command) = line.strip_prefix("### ") {
                if let Some((command, output)) = current.take() {
                    device.outputs.push(command, output);
                }
                let command = command.trim();
                if command.is_empty() {
                    return Err((number, "a \"### \" line must name a command".into()));
                }
                current = Some((command.to_string(), String::new()));
                continue;
            }
            match &mut current {
                Some((_, output)) => {
                    output.push_str(line.strip_prefix('\\').unwrap_or(line));
                    output.push('\n');
                }
                None => device.read_header(number, line)?,
            }
        }
        if let Some((command, output)) = current {
            device.outputs.push(command, output);
        }
        if device.outputs.outputs.is_empty() {
            return Err((1, "no \"### COMMAND\" line, so there is no output to serve".into()));
        }
        Ok(device)
    }

    fn read_header(&mut self, number: usize, line: &str) -> Result<(), (usize, String)> {
        let Some(comment) = line.strip_prefix('#') else {
            if line.trim().is_empty() {
                return Ok(());
            }
            return Err((number, "text before the first \"### COMMAND\" line must be a # comment or header".into()));
        };
        let Some((key, value)) = comment.split_once(':') else { return Ok(()) };
        let value = value.trim();
        match key.trim() {
            "prompt" if !value.is_empty() => self.prompt = value.to_string(),
            "banner" => self.banner = Some(value.to_string()),
            "paging_off" => self.paging_off.push(value.to_string()),
            "page_lines" => {
                let lines = value.parse().ok().filter(|&n: &usize| n > 0);
                self.page_lines = Some(lines.ok_or((number, format!("page_lines {value:?} is not a positive number")))?);
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_file_with_headers_parses() {
        let text = "# prompt: sw1>\n# paging_off: terminal length 0\n# page_lines: 2\n# a comment\n### show version\nline 1\nline 2\n### show clock\n12:00\n";
        let device = SimulatedCli::parse("sw1.cli", text).unwrap();
        assert_eq!(device.prompt, "sw1>");
        assert_eq!(device.paging_off, ["terminal length 0"]);
        assert_eq!(device.page_lines, Some(2));
        assert_eq!(device.outputs.output("show version"), Some("line 1\nline 2\n"));
        assert_eq!(device.outputs.output("show clock"), Some("12:00\n"));
    }

    #[test]
    fn cli_file_defaults_prompt_to_its_name() {
        let device = SimulatedCli::parse("edge-1.cli", "### show version\nv1\n").unwrap();
        assert_eq!(device.prompt, "edge-1#");
        assert_eq!(device.page_lines, None);
    }

    #[test]
    fn cli_file_unescapes_output_lines() {
        let mut transcript = Transcript::default();
        transcript.push("show run", "### banner\n\\backslash\n");
        let device = SimulatedCli::parse("x.cli", &transcript.to_text()).unwrap();
        assert_eq!(device.outputs.output("show run"), Some("### banner\n\\backslash\n\n"));
    }

    #[test]
    fn cli_file_errors_name_the_line() {
        assert_eq!(SimulatedCli::parse("x.cli", "hello\n### a\n").unwrap_err().0, 1);
        assert_eq!(SimulatedCli::parse("x.cli", "### a\nb\n### \n").unwrap_err().0, 3);
        assert!(SimulatedCli::parse("x.cli", "# prompt: a#\n").is_err());
    }
}
