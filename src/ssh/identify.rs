//! Recognising a platform from its command output and extracting its facts.

use super::transcript::Transcript;
use crate::device::Status;
use crate::identify::Identity;
use crate::profiles::{Profile, ProfileSet};

/// Commands to send, in order, to a device whose platform is not known yet,
/// until one output is recognised by [`detect`].
pub fn probe_commands(_profiles: &ProfileSet) -> Vec<String> {
    vec!["show version".to_string()]
}

/// The profile whose SSH detection rules recognise this command output.
pub fn detect<'p>(_profiles: &'p ProfileSet, _command: &str, _output: &str) -> Option<&'p Profile> {
    None
}

/// Identifies a device from its transcript: the platform, then model,
/// serial, hostname, version and components from the profile's rules.
pub fn identify(_transcript: &Transcript, _profiles: &ProfileSet) -> Identity {
    Identity {
        status: Some(Status::Unidentified),
        reason: Some("no profile recognises the command output".to_string()),
        ..Identity::default()
    }
}
