//! The TOML shape of a vendor profile, as written by profile authors.
//! `docs/profiles.md` describes every field with examples.

use serde::Deserialize;
use toml::Spanned;

use crate::device::{ComponentKind, DeviceClass};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub id: String,
    pub vendor: String,
    /// The product family shown to users, such as "Catalyst (IOS)".
    pub platform: Option<String>,
    pub class: DeviceClass,
    /// Rank among the profiles that match one device. Higher values win,
    /// and the default is 100.
    #[serde(default = "default_priority")]
    pub priority: i32,
    /// The release product whose known releases the versions belong to.
    pub release_product: Option<String>,
    pub version_scheme: Option<String>,
    #[serde(rename = "match", default)]
    pub matcher: MatchSpec,
    pub version: Option<VersionSpec>,
    pub model: Option<FieldSpec>,
    pub serial: Option<FieldSpec>,
    pub hostname: Option<FieldSpec>,
    #[serde(default, rename = "component")]
    pub components: Vec<ComponentSpec>,
    #[serde(default)]
    pub entity: EntitySpec,
    /// Redfish rules that recognise the platform's BMC and read its firmware.
    pub redfish: Option<RedfishSpec>,
    /// SIP rules that recognise the platform from the headers of its SIP response.
    pub sip: Option<SipSpec>,
    /// SSH rules: how to drive the platform's CLI and recognise its output.
    pub ssh: Option<SshSpec>,
    /// HTTP rules: the web pages that recognise the platform and carry its firmware.
    pub http: Option<HttpSpec>,
}

/// The HTTP side of a profile: device information pages read with GET.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    /// The release product of the firmware, when not the profile's.
    pub product: Option<String>,
    /// Name of the component that `version` fills; the default is "Firmware".
    pub version_component: Option<String>,
    /// Kind of that component; the default is `firmware`.
    pub version_kind: Option<ComponentKind>,
    /// The device's form login, used for pages with `login = true` before
    /// HTTP authentication is tried.
    pub form_login: Option<FormLoginSpec>,
    /// Pages in order. The first one recognises the platform.
    #[serde(rename = "page")]
    pub pages: Vec<HttpPageSpec>,
}

/// A web form login and the logout that ends its session.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormLoginSpec {
    /// Path that receives the POST of the form.
    pub path: Spanned<String>,
    /// Form field that carries the user name.
    pub user_field: String,
    /// Form field that carries the password.
    pub password_field: String,
    /// Further fixed form fields, such as a language or a submit button.
    #[serde(default)]
    pub extra_fields: std::collections::BTreeMap<String, String>,
    /// Path that ends the session.
    pub logout_path: Spanned<String>,
    /// `GET` (the default) or `POST`.
    pub logout_method: Option<String>,
}

/// One page and the values read from it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpPageSpec {
    pub path: Spanned<String>,
    /// `http` (the default) or `https`: the scheme tried first.
    pub scheme: Option<String>,
    /// `xml`, `json` or `html`.
    pub format: String,
    /// Whether the page needs credentials.
    #[serde(default)]
    pub login: bool,
    /// Regex on the body that recognises the platform. Required on the first page.
    #[serde(rename = "match")]
    pub matcher: Option<Spanned<String>>,
    pub model: Option<HttpValueSpec>,
    pub serial: Option<HttpValueSpec>,
    pub hostname: Option<HttpValueSpec>,
    pub version: Option<HttpValueSpec>,
    #[serde(default, rename = "component")]
    pub components: Vec<HttpComponentSpec>,
}

/// Location of a value in a page: exactly one of `xpath` (XML), `pointer`
/// (JSON) or, on HTML pages, `regex` alone. On XML and JSON pages `regex`,
/// `template` and `replace` shape the selected text as in SNMP sources.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct HttpValueSpec {
    pub xpath: Option<Spanned<String>>,
    pub pointer: Option<Spanned<String>>,
    pub regex: Option<Spanned<String>>,
    pub template: Option<String>,
    #[serde(default)]
    pub replace: Vec<(Spanned<String>, String)>,
}

/// A further firmware component read from a page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpComponentSpec {
    pub name: String,
    pub kind: ComponentKind,
    pub xpath: Option<Spanned<String>>,
    pub pointer: Option<Spanned<String>>,
    pub regex: Option<Spanned<String>>,
    pub template: Option<String>,
    #[serde(default)]
    pub replace: Vec<(Spanned<String>, String)>,
}

impl HttpComponentSpec {
    /// Returns the location of the component's version.
    pub fn value(&self) -> HttpValueSpec {
        HttpValueSpec {
            xpath: self.xpath.clone(),
            pointer: self.pointer.clone(),
            regex: self.regex.clone(),
            template: self.template.clone(),
            replace: self.replace.clone(),
        }
    }
}

/// The SSH side of a profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshSpec {
    /// `exec` (one exec channel per command) or `shell` (an interactive
    /// shell with a pty), the default.
    #[serde(default)]
    pub mode: SshModeSpec,
    /// Regex that matches the CLI prompt on the last line of output.
    pub prompt: Spanned<String>,
    /// Session commands that turn paging off, sent before the others.
    #[serde(default)]
    pub paging_off: Vec<Spanned<String>>,
    /// Read-only commands to run, in order.
    pub commands: Vec<Spanned<String>>,
    /// Privileged mode, when the commands need it.
    pub enable: Option<EnableSpec>,
    /// Offer SHA-1 key exchange, ssh-rsa host keys, CBC ciphers and hmac-sha1.
    #[serde(default)]
    pub legacy_algorithms: bool,
    /// Rules that recognise the platform from a command's output. Any of them may match.
    #[serde(default)]
    pub detect: Vec<DetectSpec>,
}

#[derive(Debug, Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum SshModeSpec {
    Exec,
    #[default]
    Shell,
}

/// Privileged-mode entry: the command and the password prompt.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnableSpec {
    #[serde(default = "default_enable_command")]
    pub command: Spanned<String>,
    /// Regex matching the password prompt. The default fits most CLIs.
    pub password_prompt: Option<Spanned<String>>,
}

fn default_enable_command() -> Spanned<String> {
    Spanned::new(0..0, "enable".to_string())
}

/// Recognises the platform when `command`'s output matches any `pattern`
/// and no `exclude`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectSpec {
    pub command: Spanned<String>,
    pub pattern: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
}

/// The SIP side of a profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipSpec {
    /// Regexes on the `User-Agent` (or `Server`) header, any of which may
    /// match. The named groups `model` and `version` give those values.
    pub user_agent: Vec<Spanned<String>>,
    /// The release product of the firmware, when not the profile's.
    pub product: Option<String>,
}

/// The Redfish side of a profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedfishSpec {
    /// Regexes, any of which must match the service root's `Vendor` or the
    /// system's `Manufacturer`. The list may be empty for services that name
    /// no vendor, but then `product` must be set.
    #[serde(default)]
    pub vendor: Vec<Spanned<String>>,
    /// Regexes, any of which must match the root's `Product` or the BMC
    /// manager's `Model`, `Name` or `FirmwareVersion` (when set).
    #[serde(default)]
    pub product: Vec<Spanned<String>>,
    /// The release product of the BMC firmware.
    pub bmc_product: Option<String>,
    /// Extracts the comparable version from the manager's FirmwareVersion
    /// (group `value`, else 1), such as `2.46` from `iLO 5 v2.46`.
    pub bmc_version: Option<Spanned<String>>,
    /// Inventory items to classify or tie to a release product.
    #[serde(default, rename = "component")]
    pub components: Vec<RedfishComponentSpec>,
}

/// Rule for a Redfish inventory item. The first rule whose `name` matches applies.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedfishComponentSpec {
    /// Regex on the item's Name (or Id when it has no Name).
    pub name: Spanned<String>,
    pub kind: Option<ComponentKind>,
    pub product: Option<String>,
    /// Extracts the comparable version from the item's Version.
    pub version: Option<Spanned<String>>,
}

fn default_priority() -> i32 {
    100
}

/// SNMP conditions that recognise a device. Every condition that is set must
/// be met, and within one list any entry may match.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// sysObjectID prefixes in dotted decimal. A prefix matches only at an arc boundary.
    #[serde(default)]
    pub sys_object_id: Vec<String>,
    /// Regular expressions, any of which must match sysDescr.
    #[serde(default)]
    pub sys_descr: Vec<Spanned<String>>,
    /// Regular expressions none of which may match sysDescr.
    #[serde(default)]
    pub sys_descr_exclude: Vec<Spanned<String>>,
    /// OIDs, any of which must return a value. This serves platforms that send
    /// a generic sysObjectID and an uninformative sysDescr.
    #[serde(default)]
    pub oid_present: Vec<String>,
}

/// Source of one value. Exactly one of `oid`, `oids`, `walk`, `entity` and
/// `command` is set, and `regex` (or `regex_all`), `template`, `replace` and
/// `map` then shape the text.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// A scalar to GET: dotted OID or one of sysDescr, sysObjectID, sysName,
    /// sysContact, sysLocation.
    pub oid: Option<String>,
    /// Several scalars whose values are joined with `join`.
    pub oids: Option<Vec<String>>,
    pub join: Option<String>,
    /// A table column to walk. The first row whose value matches `regex` wins.
    pub walk: Option<String>,
    /// A column of the ENTITY-MIB chassis entry: descr, name, hardware_rev,
    /// firmware_rev, software_rev, serial_num, model_name.
    pub entity: Option<String>,
    /// A read-only CLI command whose output, read over SSH, contains the value.
    pub command: Option<Spanned<String>>,
    /// For components only: a regex applied to every match in the command
    /// output, so that one source yields one component per stack member or
    /// content package. The group `version` (else group 1) gives each
    /// version, and the group `name`, when present, is appended to the
    /// component's name.
    pub regex_all: Option<Spanned<String>>,
    /// Regex applied to the value. It keeps the named group `value`, else
    /// group 1, else the whole match. No match means no value from this source.
    pub regex: Option<Spanned<String>>,
    /// Built from the regex captures (`$1`, `${name}`) instead of one group.
    pub template: Option<String>,
    /// Regex replacements applied in order after extraction.
    #[serde(default)]
    pub replace: Vec<(Spanned<String>, String)>,
    /// Lookup table applied last, for sysObjectIDs and enumerations, such as
    /// `{ "1.3.6.1.4.1.9.1.1208" = "cat29xxStack" }`. The value becomes the
    /// table's entry for it, and a value missing from the table yields no value.
    pub map: Option<std::collections::BTreeMap<String, String>>,
}

/// A value with alternatives: the first source that yields text wins.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub sources: Vec<SourceSpec>,
}

/// The device's primary software version, also reported as a component.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSpec {
    /// The component name, such as "IOS" or "FortiOS".
    pub component: String,
    #[serde(default = "default_os_kind")]
    pub kind: ComponentKind,
    pub sources: Vec<SourceSpec>,
}

fn default_os_kind() -> ComponentKind {
    ComponentKind::Os
}

/// A further firmware component read from a scalar or table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSpec {
    pub name: String,
    pub kind: ComponentKind,
    pub sources: Vec<SourceSpec>,
}

/// Selection of the ENTITY-MIB rows (stack members, modules) that become components.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitySpec {
    /// Whether to add a component per ENTITY-MIB entry that reports a software
    /// or firmware revision. Defaults to true.
    #[serde(default = "default_true")]
    pub components: bool,
}

impl Default for EntitySpec {
    fn default() -> Self {
        EntitySpec { components: true }
    }
}

fn default_true() -> bool {
    true
}
