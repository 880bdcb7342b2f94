//! The commands sent to one device over SSH and what each printed.

/// What one device printed, command by command, cleaned of prompts, echoes,
/// pager marks and escape sequences. This is the SSH observation: what
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

impl Transcript {
    /// Returns the output of `command`, if it was run.
    pub fn output(&self, command: &str) -> Option<&str> {
        self.outputs.iter().find(|entry| entry.command == command).map(|entry| entry.output.as_str())
    }

    pub fn push(&mut self, command: impl Into<String>, output: impl Into<String>) {
        self.outputs.push(CommandOutput { command: command.into(), output: output.into() });
    }
}
