//! Anonymizing a recorded SSH transcript for a support request: serial
//! numbers, host names, MAC addresses and IPv4 and IPv6 addresses in the
//! outputs are replaced with consistent stand-ins, while the values that
//! identify the platform and its versions are kept.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::clean::clean_output;
use super::transcript::Transcript;
use crate::identify::Facts;
use crate::profiles::{Field, ProfileSet};
use crate::record::{Anonymizer, IPV4_TEXT, MAC_TEXT};

/// MAC addresses written as three groups of four hex digits, as Cisco does
/// (`001a.2b3c.4d00`).
static MAC_DOTTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}\b").expect("static regex"));

/// Text that may be an IPv6 address. [`ipv6_stand_in`] keeps only the
/// candidates that parse as one.
static IPV6_CANDIDATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)[0-9a-f]*:[0-9a-f:]*:[0-9a-f]*").expect("static regex"));

/// A labelled serial number, such as `SN: FOC1234X0AB` in `show inventory`
/// or `Serial Number : 9A1234`, for the serials no profile rule names.
static SERIAL_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:serial(?:[ _-]?(?:number|num|no))?|sn|s/n)\s*[:=]\s*"?([a-z0-9][a-z0-9/-]{3,})"#).expect("static regex")
});

/// Shortest host name or serial number replaced. Shorter values would
/// match unrelated words.
const MIN_NAME_CHARS: usize = 3;
const MIN_SERIAL_CHARS: usize = 4;

/// Returns the transcript with identifying values replaced consistently:
/// one original always becomes the same stand-in, in every output.
///
/// Serial numbers and host names are the values that the detected
/// profile's serial and hostname rules extract, plus labelled serials.
/// Versions that any rule extracts keep their dotted numbers, so the
/// anonymized transcript identifies as the same platform and version.
///
/// NOTE: commands are kept as they are, and an IPv4 address embedded in an
/// IPv6 address (`::ffff:192.0.2.1`) has only its IPv4 part replaced.
pub fn anonymize(transcript: &Transcript, profiles: &ProfileSet) -> Transcript {
    let facts_source = cleaned(transcript);
    let identity = super::identify::identify(transcript, profiles);
    let profile = identity.profile.as_deref().and_then(|id| profiles.profiles.iter().find(|p| p.id == id));

    let mut protected: BTreeSet<String> = identity.components.iter().map(|c| c.version.clone()).collect();
    protected.extend(identity.version.clone());

    let mut serials: BTreeSet<String> = identity.serial.clone().into_iter().collect();
    let mut hosts: BTreeSet<String> = identity.hostname.clone().into_iter().collect();
    if let Some(profile) = profile {
        let facts = Facts::from_transcript(&facts_source);
        serials.extend(every_value(profile.serial.as_ref(), &facts));
        hosts.extend(every_value(profile.hostname.as_ref(), &facts));
    }
    for entry in &facts_source.outputs {
        serials.extend(SERIAL_LABEL.captures_iter(&entry.output).map(|c| c[1].to_string()).filter(|s| s.chars().any(|c| c.is_ascii_digit())));
    }

    let mut anonymizer = Anonymizer::default();
    let mut names: Vec<(String, String)> = Vec::new();
    for host in hosts.into_iter().filter(|h| h.chars().count() >= MIN_NAME_CHARS && !protected.contains(h)) {
        let stand_in = anonymizer.stand_in("host", &host);
        names.push((host, stand_in));
    }
    for serial in serials.into_iter().filter(|s| s.chars().count() >= MIN_SERIAL_CHARS && !protected.contains(s)) {
        let stand_in = anonymizer.stand_in("serial", &serial);
        names.push((serial, stand_in));
    }
    // Longer values first, so that a name that contains another is
    // replaced whole.
    names.sort_by_key(|(original, _)| std::cmp::Reverse(original.len()));

    let mut result = Transcript::default();
    for entry in &transcript.outputs {
        let output = anonymize_text(&entry.output, &names, &protected, &mut anonymizer);
        result.push(entry.command.clone(), output);
    }
    result
}

/// Returns a copy with every output cleaned, as identification reads it.
fn cleaned(transcript: &Transcript) -> Transcript {
    let mut copy = Transcript::default();
    for entry in &transcript.outputs {
        copy.push(entry.command.trim(), clean_output(&entry.output));
    }
    copy
}

/// Returns the value of every source of the field, not only the first,
/// because a device may print its serial in several forms.
fn every_value(field: Option<&Field>, facts: &Facts<'_>) -> Vec<String> {
    field.into_iter().flat_map(|field| field.sources.iter()).filter_map(|source| source.extract(facts)).map(|(value, _)| value).collect()
}

fn anonymize_text(text: &str, names: &[(String, String)], protected: &BTreeSet<String>, anonymizer: &mut Anonymizer) -> String {
    let mut text = text.to_string();
    for (original, stand_in) in names {
        text = replace_whole(&text, original, stand_in);
    }
    text = MAC_TEXT.replace_all(&text, |m: &Captures<'_>| mac_stand_in(&m[0], anonymizer)).into_owned();
    text = MAC_DOTTED.replace_all(&text, |m: &Captures<'_>| mac_stand_in(&m[0], anonymizer)).into_owned();
    let source = text.clone();
    text = IPV6_CANDIDATE.replace_all(&source, |m: &Captures<'_>| ipv6_stand_in(&source, m, anonymizer)).into_owned();
    IPV4_TEXT
        .replace_all(&text, |m: &Captures<'_>| {
            let found = &m[0];
            if protected.iter().any(|value| value.contains(found)) {
                found.to_string()
            } else {
                anonymizer.stand_in("ip", found)
            }
        })
        .into_owned()
}

/// Replaces `original` where it is a whole word, so that the host
/// name `sw1` leaves `sw10` alone.
fn replace_whole(text: &str, original: &str, stand_in: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(position) = rest.find(original) {
        let before = rest[..position].chars().next_back().or_else(|| result.chars().next_back());
        let after = rest[position + original.len()..].chars().next();
        result.push_str(&rest[..position]);
        if is_word(before) || is_word(after) {
            result.push_str(original);
        } else {
            result.push_str(stand_in);
        }
        rest = &rest[position + original.len()..];
    }
    result.push_str(rest);
    result
}

/// Returns the stand-in for a MAC address, written in the original's
/// notation (separator and letter case), so that parsers still read it.
fn mac_stand_in(original: &str, anonymizer: &mut Anonymizer) -> String {
    let digits: String = original.chars().filter(char::is_ascii_hexdigit).collect::<String>().to_lowercase();
    let stand_in: String = anonymizer.stand_in("mac", &digits).chars().filter(char::is_ascii_hexdigit).collect();
    let upper = original.chars().any(|c| c.is_ascii_uppercase());
    let stand_in = if upper { stand_in.to_uppercase() } else { stand_in };
    let (separator, group) = if original.contains('.') {
        ('.', 4)
    } else if original.contains('-') {
        ('-', 2)
    } else {
        (':', 2)
    };
    let groups: Vec<&str> = (0..stand_in.len()).step_by(group).map(|i| &stand_in[i..i + group]).collect();
    groups.join(&separator.to_string())
}

/// Returns the stand-in for an IPv6 address, or the text unchanged when it
/// is no address: a time such as `10:11:12`, a MAC address, or a word that
/// continues past the match.
fn ipv6_stand_in(text: &str, found: &Captures<'_>, anonymizer: &mut Anonymizer) -> String {
    let whole = found.get(0).expect("group 0 exists");
    let candidate = whole.as_str();
    let before = text[..whole.start()].chars().next_back();
    let after = text[whole.end()..].chars().next();
    let joined = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '_');
    let compressed_or_full = candidate.contains("::") || candidate.matches(':').count() == 7;
    let has_digits = candidate.chars().any(|c| c.is_ascii_hexdigit());
    if joined(before) || joined(after) || !compressed_or_full || !has_digits || candidate.parse::<std::net::Ipv6Addr>().is_err() {
        return candidate.to_string();
    }
    anonymizer.stand_in("ipv6", &candidate.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anonymize_one(output: &str) -> String {
        let mut transcript = Transcript::default();
        transcript.push("show system", output);
        let anonymized = anonymize(&transcript, &ProfileSet::default());
        anonymized.outputs[0].output.clone()
    }

    #[test]
    fn mac_notations_keep_their_form() {
        let text = anonymize_one("a 00:1A:2B:3C:4D:5E b 001a.2b3c.4d5e c 00-1a-2b-3c-4d-5f\n");
        assert_eq!(text, "a 02:00:00:00:00:01 b 0200.0000.0001 c 02-00-00-00-00-02\n");
    }

    #[test]
    fn ipv6_addresses_are_replaced_but_times_kept() {
        let text = anonymize_one("mgmt fe80::1a2b:3cff:fe4d:5e6f/64 up 10:11:12 global 2a02:1234:0:0:0:0:0:1\n");
        assert_eq!(text, "mgmt 2001:db8::1/64 up 10:11:12 global 2001:db8::2\n");
    }

    #[test]
    fn ipv4_addresses_become_documentation_addresses() {
        let text = anonymize_one("ip 10.20.30.40 gw 10.20.30.1 again 10.20.30.40\n");
        assert_eq!(text, "ip 192.0.2.1 gw 192.0.2.2 again 192.0.2.1\n");
    }

    #[test]
    fn labelled_serials_are_replaced() {
        let text = anonymize_one("PID: WS-C2960X-48FPD-L  , VID: V05  , SN: FOC1234X0AB\nSerial Number: FOC1234X0AB\n");
        assert_eq!(text, "PID: WS-C2960X-48FPD-L  , VID: V05  , SN: SERIAL000001\nSerial Number: SERIAL000001\n");
    }

    #[test]
    fn replace_whole_skips_longer_words() {
        assert_eq!(replace_whole("sw1 sw10 (sw1)", "sw1", "host-1"), "host-1 sw10 (host-1)");
    }

    /// Every SSH fixture identifies, after anonymizing, as the same
    /// platform with the same model and versions, and its serial and host
    /// name are gone from every output.
    #[test]
    fn fixtures_identify_alike_after_anonymizing() {
        let profiles = ProfileSet::builtin().expect("built-in profiles load");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ssh");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).expect("fixtures/ssh exists") {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let original = Transcript::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let anonymized = anonymize(&original, &profiles);
            let before = super::super::identify::identify(&original, &profiles);
            let after = super::super::identify::identify(&anonymized, &profiles);
            let name = path.display();
            assert_eq!(after.profile, before.profile, "{name}: profile");
            assert_eq!(after.version, before.version, "{name}: version");
            assert_eq!(after.model, before.model, "{name}: model");
            let versions = |identity: &crate::identify::Identity| identity.components.iter().map(|c| (c.name.clone(), c.version.clone())).collect::<Vec<_>>();
            assert_eq!(versions(&after), versions(&before), "{name}: components");
            let anonymized_text = anonymized.to_text();
            for value in [&before.serial, &before.hostname].into_iter().flatten().filter(|v| v.len() >= MIN_SERIAL_CHARS) {
                assert!(!anonymized_text.contains(value.as_str()), "{name}: {value} survived:\n{anonymized_text}");
            }
            checked += 1;
        }
        assert!(checked >= 30, "only {checked} fixtures found in {}", dir.display());
    }
}
