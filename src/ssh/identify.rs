//! Recognising a platform from its command output and extracting its facts.

use std::collections::HashMap;

use super::clean::clean_output;
use super::transcript::Transcript;
use crate::device::Status;
use crate::identify::{Facts, Identity, apply_profile};
use crate::profiles::{Profile, ProfileSet};

/// Commands to send, in order, to a device whose platform is not known yet,
/// until one output is recognised by [`detect`]. Each profile contributes the
/// command of its first detect rule, the one meant to recognise it alone, and
/// commands that more profiles share come first, so that `show version` is
/// tried before `get system status`.
pub fn probe_commands(profiles: &ProfileSet) -> Vec<String> {
    let mut uses: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for profile in &profiles.profiles {
        let Some(rule) = profile.ssh.as_ref().and_then(|ssh| ssh.detect.first()) else { continue };
        let command = rule.command.as_str();
        if !uses.contains_key(command) {
            order.push(command);
        }
        *uses.entry(command).or_default() += 1;
    }
    // A stable sort keeps the first-seen order among commands used equally often.
    order.sort_by_key(|command| std::cmp::Reverse(uses[command]));
    order.into_iter().map(str::to_string).collect()
}

/// Returns the profile whose SSH detect rules recognise this command output:
/// the highest priority first, then the one with more matching rules, then
/// the one whose matching rules carry more exclusions. The output is cleaned
/// first, so escape sequences and pager debris do not matter.
pub fn detect<'p>(profiles: &'p ProfileSet, command: &str, output: &str) -> Option<&'p Profile> {
    let mut transcript = Transcript::default();
    transcript.push(command, clean_output(output));
    select(profiles, &transcript)
}

/// Identifies a device from its transcript: the platform, then model,
/// serial, hostname, version and components from the profile's rules.
pub fn identify(transcript: &Transcript, profiles: &ProfileSet) -> Identity {
    let cleaned = clean(transcript);
    match select(profiles, &cleaned) {
        Some(profile) => extract(profile, &cleaned),
        None => Identity {
            status: Some(Status::Unidentified),
            reason: Some(format!("no profile recognises the output of {}", command_list(&cleaned))),
            ..Identity::default()
        },
    }
}

/// Identifies a device with a profile named by the user, without detection.
pub fn identify_as(transcript: &Transcript, profile: &Profile) -> Identity {
    extract(profile, &clean(transcript))
}

fn extract(profile: &Profile, cleaned: &Transcript) -> Identity {
    let facts = Facts::from_transcript(cleaned);
    let mut identity = Identity::default();
    apply_profile(profile, &facts, &mut identity);
    identity
}

/// Returns a copy of the transcript with every output cleaned.
fn clean(transcript: &Transcript) -> Transcript {
    let mut cleaned = Transcript::default();
    for entry in &transcript.outputs {
        cleaned.push(entry.command.trim(), clean_output(&entry.output));
    }
    cleaned
}

/// Picks the best profile whose detect rules match any output.
fn select<'p>(profiles: &'p ProfileSet, transcript: &Transcript) -> Option<&'p Profile> {
    let mut best: Option<(&Profile, (i32, usize, usize))> = None;
    for profile in &profiles.profiles {
        let Some(rank) = rank(profile, transcript) else { continue };
        if best.is_none_or(|(_, best_rank)| rank > best_rank) {
            best = Some((profile, rank));
        }
    }
    best.map(|(profile, _)| profile)
}

/// Ranks a profile by (priority, matching rules, exclusions in them), or
/// `None` when no rule of it matches.
fn rank(profile: &Profile, transcript: &Transcript) -> Option<(i32, usize, usize)> {
    let ssh = profile.ssh.as_ref()?;
    let matching: Vec<_> = ssh
        .detect
        .iter()
        .filter(|rule| transcript.output(&rule.command).is_some_and(|output| rule.matches(&rule.command, output)))
        .collect();
    if matching.is_empty() {
        return None;
    }
    let exclusions = matching.iter().map(|rule| rule.exclude.len()).sum();
    Some((profile.priority, matching.len(), exclusions))
}

fn command_list(transcript: &Transcript) -> String {
    if transcript.outputs.is_empty() {
        return "any command (the transcript is empty)".to_string();
    }
    transcript.outputs.iter().map(|entry| format!("{:?}", entry.command)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn profile(id: &str, priority: i32, detect: &str) -> Profile {
        let text = format!(
            "id = \"{id}\"\nvendor = \"Test\"\nclass = \"switch\"\npriority = {priority}\n\
             [version]\ncomponent = \"OS\"\nsources = [{{ command = \"show version\", regex = 'Version (\\S+)' }}]\n\
             [ssh]\nprompt = '#$'\ncommands = [\"show version\"]\n{detect}"
        );
        crate::profiles::load_text(Path::new(&format!("{id}.toml")), &text).expect("test profile loads")
    }

    fn set(profiles: Vec<Profile>) -> ProfileSet {
        ProfileSet { profiles }
    }

    const GENERIC: &str = "[[ssh.detect]]\ncommand = \"show version\"\npattern = ['Test OS']\n";
    const SPECIFIC: &str = "[[ssh.detect]]\ncommand = \"show version\"\npattern = ['Test OS']\nexclude = ['Lite']\n";

    #[test]
    fn detect_prefers_higher_priority() {
        let profiles = set(vec![profile("low", 100, GENERIC), profile("high", 110, GENERIC)]);
        let found = detect(&profiles, "show version", "Test OS Version 1.0");
        assert_eq!(found.map(|p| p.id.as_str()), Some("high"));
    }

    #[test]
    fn detect_prefers_rules_with_exclusions() {
        let profiles = set(vec![profile("generic", 100, GENERIC), profile("specific", 100, SPECIFIC)]);
        let found = detect(&profiles, "show version", "Test OS Version 1.0");
        assert_eq!(found.map(|p| p.id.as_str()), Some("specific"));
        let lite = detect(&profiles, "show version", "Test OS Lite Version 1.0");
        assert_eq!(lite.map(|p| p.id.as_str()), Some("generic"));
    }

    #[test]
    fn detect_ignores_other_commands() {
        let profiles = set(vec![profile("only", 100, GENERIC)]);
        assert!(detect(&profiles, "show system", "Test OS").is_none());
    }

    #[test]
    fn detect_sees_through_escape_sequences() {
        let profiles = set(vec![profile("only", 100, GENERIC)]);
        assert!(detect(&profiles, "show version", "Test\u{1b}[0m OS").is_some());
    }

    #[test]
    fn identify_reads_command_sources() {
        let profiles = set(vec![profile("only", 100, GENERIC)]);
        let mut transcript = Transcript::default();
        transcript.push("show version", "Test OS\r\nVersion 2.4\r\n");
        let identity = identify(&transcript, &profiles);
        assert_eq!(identity.status, Some(Status::Ok));
        assert_eq!(identity.version.as_deref(), Some("2.4"));
        assert_eq!(identity.components[0].source, "ssh:show version");
        assert_eq!(identity.components[0].protocol, "ssh");
    }

    #[test]
    fn identify_without_match_is_unidentified() {
        let profiles = set(vec![profile("only", 100, GENERIC)]);
        let mut transcript = Transcript::default();
        transcript.push("show version", "Other OS");
        let identity = identify(&transcript, &profiles);
        assert_eq!(identity.status, Some(Status::Unidentified));
        assert_eq!(identity.reason.as_deref(), Some("no profile recognises the output of \"show version\""));
    }

    #[test]
    fn probe_commands_put_common_commands_first() {
        let rare = "[[ssh.detect]]\ncommand = \"get system status\"\npattern = ['x']\n";
        let profiles = set(vec![profile("a", 100, rare), profile("b", 100, GENERIC), profile("c", 100, GENERIC)]);
        assert_eq!(probe_commands(&profiles), ["show version", "get system status"]);
    }

    #[test]
    fn probe_commands_of_builtin_profiles() {
        let profiles = ProfileSet::builtin().expect("built-in profiles load");
        let commands = probe_commands(&profiles);
        assert_eq!(commands.first().map(String::as_str), Some("show version"));
        for expected in ["get system status", "display version", "/system resource print", "show system info", "show system"] {
            assert!(commands.iter().any(|c| c == expected), "{expected} missing from {commands:?}");
        }
        println!("{commands:?}");
    }
}
