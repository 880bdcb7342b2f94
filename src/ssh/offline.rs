//! Identifying saved CLI text: `.cli` transcripts and single command
//! outputs given with `identify --command`.

use std::path::Path;

use super::transcript::Transcript;
use crate::identify::Identity;
use crate::profiles::ProfileSet;

/// Options for reading CLI text files in `identify`.
#[derive(Clone, Debug, Default)]
pub struct CliInput {
    /// When set, every file is the output of this one command.
    pub command: Option<String>,
    /// When set, the id of the profile to apply instead of detecting one.
    pub platform: Option<String>,
}

/// Returns whether `path` is a `.cli` transcript file.
pub fn is_transcript(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e == "cli")
}

/// Reads a CLI file as a transcript and identifies it. The error names the
/// file and, for a malformed transcript, the line.
pub fn identify_file(path: &Path, input: &CliInput, profiles: &ProfileSet) -> Result<Identity, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("{}: cannot read: {error}", path.display()))?;
    // Saved sessions can hold bytes in a legacy code page; they must not
    // stop the rest of the output from being read.
    let text = String::from_utf8_lossy(&bytes);
    let transcript = match &input.command {
        Some(command) => {
            let mut transcript = Transcript::default();
            transcript.push(command.trim(), text.into_owned());
            transcript
        }
        None => Transcript::parse(&text).map_err(|error| format!("{}: {error}", path.display()))?,
    };
    match &input.platform {
        Some(id) => {
            let profile = profiles
                .profiles
                .iter()
                .find(|profile| &profile.id == id)
                .ok_or_else(|| format!("--platform {id}: no profile has this id; `fwsweep profiles list` shows them"))?;
            Ok(super::identify::identify_as(&transcript, profile))
        }
        None => Ok(super::identify::identify(&transcript, profiles)),
    }
}
