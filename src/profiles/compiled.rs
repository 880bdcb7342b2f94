//! Validated profiles: parsed OIDs, compiled regexes, and the matching and
//! extraction rules that run on an observation.

use std::path::PathBuf;

use regex::Regex;

use crate::device::{ComponentKind, DeviceClass};
use crate::identify::Facts;
use crate::snmp::Oid;

/// A loaded, validated vendor profile.
#[derive(Debug)]
pub struct Profile {
    pub id: String,
    pub vendor: String,
    pub platform: Option<String>,
    pub class: DeviceClass,
    pub priority: i32,
    pub release_product: Option<String>,
    pub version_scheme: Option<String>,
    pub path: PathBuf,
    pub sys_object_id: Vec<Oid>,
    pub sys_descr: Vec<Regex>,
    pub sys_descr_exclude: Vec<Regex>,
    pub oid_present: Vec<Oid>,
    pub version: Option<Extractor>,
    pub model: Option<Field>,
    pub serial: Option<Field>,
    pub hostname: Option<Field>,
    pub components: Vec<Extractor>,
    pub entity_components: bool,
    pub redfish: Option<RedfishRules>,
    pub sip: Option<SipRules>,
    pub ssh: Option<SshRules>,
    pub http: Option<super::http_rules::HttpRules>,
}

/// Mode in which fwsweep drives a platform's CLI over SSH.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SshMode {
    /// One exec channel per command, no pty.
    Exec,
    /// One interactive shell with a pty, and commands written at the prompt.
    Shell,
}

/// A profile's SSH rules, compiled. Every command in it was checked to be
/// read-only when the profile was loaded.
#[derive(Debug)]
pub struct SshRules {
    pub mode: SshMode,
    /// Matches the CLI prompt on the last line of output, after escape
    /// sequences are removed.
    pub prompt: Regex,
    /// Commands that turn paging off for the session, sent first.
    pub paging_off: Vec<String>,
    /// Privileged mode, when the commands need it.
    pub enable: Option<EnableRules>,
    /// The read-only commands to run, in order.
    pub commands: Vec<String>,
    /// Whether the platform needs the legacy algorithm set (SHA-1 key
    /// exchange, ssh-rsa, CBC ciphers, hmac-sha1).
    pub legacy_algorithms: bool,
    /// Rules that recognise the platform from command output.
    pub detect: Vec<DetectRule>,
}

/// Recognises a platform when `command`'s output matches any of `patterns`
/// and none of `exclude`.
#[derive(Debug)]
pub struct DetectRule {
    pub command: String,
    pub patterns: Vec<Regex>,
    pub exclude: Vec<Regex>,
}

impl DetectRule {
    pub fn matches(&self, command: &str, output: &str) -> bool {
        self.command == command
            && self.patterns.iter().any(|p| p.is_match(output))
            && !self.exclude.iter().any(|p| p.is_match(output))
    }
}

/// Privileged-mode entry: the command and the password prompt that follows it.
#[derive(Debug)]
pub struct EnableRules {
    /// The command, such as `enable`.
    pub command: String,
    /// Matches the password prompt that follows it.
    pub password_prompt: Regex,
}

/// A profile's SIP rules, compiled.
#[derive(Debug)]
pub struct SipRules {
    pub user_agent: Vec<Regex>,
    pub product: Option<String>,
}

/// A profile's Redfish rules, compiled.
#[derive(Debug)]
pub struct RedfishRules {
    pub vendor: Vec<Regex>,
    pub product: Vec<Regex>,
    pub bmc_product: Option<String>,
    pub bmc_version: Option<Regex>,
    pub components: Vec<RedfishComponentRule>,
}

#[derive(Debug)]
pub struct RedfishComponentRule {
    pub name: Regex,
    pub kind: Option<ComponentKind>,
    pub product: Option<String>,
    pub version: Option<Regex>,
}

/// Matches `regex` against `text` and returns the named group `value`, else
/// group 1, else the whole match, cleaned by [`clean_value`].
pub fn capture_value(regex: &Regex, text: &str) -> Option<String> {
    let captures = regex.captures(text)?;
    clean_value(kept_group(&captures)?.as_str())
}

/// Returns the named group `value`, else group 1, else the whole match.
fn kept_group<'h>(captures: &regex::Captures<'h>) -> Option<regex::Match<'h>> {
    captures.name("value").or_else(|| captures.get(1)).or_else(|| captures.get(0))
}

/// Named component with the field that reads its version.
#[derive(Debug)]
pub struct Extractor {
    pub name: String,
    pub kind: ComponentKind,
    pub field: Field,
}

/// Alternatives for one value, tried in order.
#[derive(Debug, Default)]
pub struct Field {
    pub sources: Vec<Source>,
}

#[derive(Debug)]
pub struct Source {
    pub kind: SourceKind,
    pub regex: Option<Regex>,
    /// Applied to every match instead of `regex`, for components only.
    pub regex_all: Option<Regex>,
    pub template: Option<String>,
    pub replace: Vec<(Regex, String)>,
    pub map: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Clone)]
pub enum SourceKind {
    Oid(Oid),
    Oids(Vec<Oid>, String),
    Walk(Oid),
    Entity(EntityColumn),
    /// The output of a read-only CLI command, read over SSH.
    Command(String),
}

/// The ENTITY-MIB entPhysicalTable columns a profile may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityColumn {
    Descr,
    Name,
    HardwareRev,
    FirmwareRev,
    SoftwareRev,
    SerialNum,
    ModelName,
}

impl EntityColumn {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "descr" => EntityColumn::Descr,
            "name" => EntityColumn::Name,
            "hardware_rev" => EntityColumn::HardwareRev,
            "firmware_rev" => EntityColumn::FirmwareRev,
            "software_rev" => EntityColumn::SoftwareRev,
            "serial_num" => EntityColumn::SerialNum,
            "model_name" => EntityColumn::ModelName,
            _ => return None,
        })
    }
}

/// A template that refers to a capture group the regex does not have.
#[derive(Debug, thiserror::Error)]
#[error("template {template:?} refers to ${group}, which the regex does not define")]
pub struct TemplateError {
    pub template: String,
    pub group: String,
}

impl Profile {
    /// Checks the sysObjectID and sysDescr conditions only, because
    /// `oid_present` needs values that are fetched after this first pass.
    pub fn prematches(&self, sys_object_id: Option<&Oid>, sys_descr: &str) -> bool {
        // A profile with Redfish, SIP, SSH or HTTP rules only never claims an SNMP agent.
        if self.sys_object_id.is_empty() && self.sys_descr.is_empty() && self.oid_present.is_empty() {
            return false;
        }
        if !self.sys_object_id.is_empty() {
            let Some(object_id) = sys_object_id else { return false };
            if !self.sys_object_id.iter().any(|prefix| object_id.starts_with(prefix)) {
                return false;
            }
        }
        if !self.sys_descr.is_empty() && !self.sys_descr.iter().any(|r| r.is_match(sys_descr)) {
            return false;
        }
        !self.sys_descr_exclude.iter().any(|r| r.is_match(sys_descr))
    }

    /// Checks every condition against the values the device returned.
    pub fn matches(&self, facts: &Facts<'_>) -> bool {
        if !self.prematches(facts.sys_object_id.as_ref(), &facts.sys_descr) {
            return false;
        }
        self.oid_present.is_empty()
            || self.oid_present.iter().any(|oid| facts.text(oid).is_some())
    }

    /// Ranks matching profiles: priority first, then the longest sysObjectID
    /// prefix, then the number of condition kinds the profile sets.
    pub fn specificity(&self, sys_object_id: Option<&Oid>) -> (i32, usize, usize) {
        let prefix_length = sys_object_id
            .map(|object_id| {
                self.sys_object_id
                    .iter()
                    .filter(|prefix| object_id.starts_with(prefix))
                    .map(|prefix| prefix.arcs().len())
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        let conditions = [
            !self.sys_object_id.is_empty(),
            !self.sys_descr.is_empty(),
            !self.sys_descr_exclude.is_empty(),
            !self.oid_present.is_empty(),
        ]
        .iter()
        .filter(|&&set| set)
        .count();
        (self.priority, prefix_length, conditions)
    }

    /// Lists every source of the profile, for planning what to fetch.
    pub fn sources(&self) -> impl Iterator<Item = &Source> {
        let extractors = self.version.iter().chain(self.components.iter()).map(|e| &e.field);
        let fields = [&self.model, &self.serial, &self.hostname].into_iter().flatten();
        extractors.chain(fields).flat_map(|field| field.sources.iter())
    }
}

impl Field {
    /// Returns the first value that a source yields, with its origin such as
    /// `snmp:1.3.6.1.2.1.1.1.0` or `ssh:show version`.
    pub fn extract(&self, facts: &Facts<'_>) -> Option<(String, String)> {
        self.sources.iter().find_map(|source| source.extract(facts))
    }
}

/// One component that an extractor found: its name, version and origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub name: String,
    pub version: String,
    pub source: String,
}

impl Extractor {
    /// Returns the components of the first source that yields any. A
    /// `regex_all` source yields one per match, the others at most one.
    pub fn extract_all(&self, facts: &Facts<'_>) -> Vec<Extracted> {
        for source in &self.field.sources {
            let found = match &source.regex_all {
                Some(regex) => source.extract_each(regex, &self.name, facts),
                None => source
                    .extract(facts)
                    .map(|(version, origin)| Extracted { name: self.name.clone(), version, source: origin })
                    .into_iter()
                    .collect(),
            };
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }
}

impl Source {
    /// Reads the raw value, then shapes it with the regex, template,
    /// replacements and map. Returns the value and its origin.
    pub fn extract(&self, facts: &Facts<'_>) -> Option<(String, String)> {
        match &self.kind {
            SourceKind::Oid(oid) => {
                let raw = facts.text(oid)?;
                Some((self.shape(&raw)?, format!("snmp:{oid}")))
            }
            SourceKind::Oids(oids, separator) => {
                let parts: Vec<String> = oids.iter().filter_map(|oid| facts.text(oid)).collect();
                if parts.is_empty() {
                    return None;
                }
                let joined = parts.iter().map(|p| p.trim()).collect::<Vec<_>>().join(separator);
                Some((self.shape(&joined)?, format!("snmp:{}", oids[0])))
            }
            SourceKind::Walk(column) => facts.column(column).find_map(|(oid, raw)| {
                Some((self.shape(&raw)?, format!("snmp:{oid}")))
            }),
            SourceKind::Entity(column) => {
                let (oid, raw) = facts.entity.chassis_value(*column)?;
                Some((self.shape(&raw)?, format!("snmp:{oid}")))
            }
            SourceKind::Command(command) => {
                let output = facts.command_output(command)?;
                Some((self.shape(output)?, format!("ssh:{command}")))
            }
        }
    }

    /// Applies `regex` to every match in a command's output. Each match
    /// keeps the group `version` (else group 1) as its version, shaped by
    /// `replace` and `map`, and the group `name`, when present, extends
    /// `base_name`.
    fn extract_each(&self, regex: &Regex, base_name: &str, facts: &Facts<'_>) -> Vec<Extracted> {
        let SourceKind::Command(command) = &self.kind else { return Vec::new() };
        let Some(output) = facts.command_output(command) else { return Vec::new() };
        regex
            .captures_iter(output)
            .filter_map(|captures| {
                let raw = captures.name("version").or_else(|| captures.get(1))?.as_str();
                let version = self.shape_extracted(raw)?;
                let name = match captures.name("name").and_then(|m| clean_value(m.as_str())) {
                    Some(member) => format!("{base_name} {member}"),
                    None => base_name.to_string(),
                };
                Some(Extracted { name, version, source: format!("ssh:{command}") })
            })
            .collect()
    }

    fn shape(&self, raw: &str) -> Option<String> {
        let text = match &self.regex {
            None => raw.to_string(),
            Some(regex) => {
                let captures = regex.captures(raw)?;
                match &self.template {
                    Some(template) => {
                        let mut expanded = String::new();
                        captures.expand(template, &mut expanded);
                        expanded
                    }
                    None => kept_group(&captures)?.as_str().to_string(),
                }
            }
        };
        self.shape_extracted(&text)
    }

    /// Applies the replacements, trims, and looks the value up in `map`.
    fn shape_extracted(&self, extracted: &str) -> Option<String> {
        let mut text = extracted.to_string();
        for (pattern, replacement) in &self.replace {
            text = pattern.replace_all(&text, replacement.as_str()).into_owned();
        }
        let text = clean_value(&text)?;
        match &self.map {
            Some(map) => map.get(&text).cloned(),
            None => Some(text),
        }
    }
}

/// Trims white space and wrapping quotes. Returns `None` when nothing is left.
pub fn clean_value(text: &str) -> Option<String> {
    let trimmed = text.trim().trim_matches('"').trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}
