//! Reading profile files from disk and validating them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use toml::Spanned;

use super::compiled::{EntityColumn, Extractor, Field, Profile, Source, SourceKind};
use super::schema::{FieldSpec, ProfileFile, SourceSpec};
use crate::snmp::Oid;

/// Error for a profile that could not be loaded. The message names the file,
/// and the line and field when they are known.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}:{line}: {field}: {message}")]
    Field { path: PathBuf, line: usize, field: String, message: String },
    #[error("{path}: duplicate profile id {id:?}, already defined in {first}")]
    Duplicate { path: PathBuf, id: String, first: PathBuf },
}

/// All loaded profiles, highest priority first.
#[derive(Debug, Default)]
pub struct ProfileSet {
    pub profiles: Vec<Profile>,
}

/// Loads every `*.toml` below `dir`, skipping any `releases` folder because it
/// contains release data rather than profiles.
pub fn load_dir(dir: &Path) -> Result<ProfileSet, ProfileError> {
    load_dirs(&[dir.to_path_buf()])
}

/// Loads several profile folders. An id defined twice is an error.
pub fn load_dirs(dirs: &[PathBuf]) -> Result<ProfileSet, ProfileError> {
    let mut set = ProfileSet::default();
    set.add_dirs(dirs, false)?;
    Ok(set)
}

impl ProfileSet {
    /// Loads the profiles built into the binary.
    pub fn builtin() -> Result<ProfileSet, ProfileError> {
        let mut set = ProfileSet::default();
        for (path, text) in crate::embedded::PROFILES {
            set.insert(load_text(Path::new(path), text)?, false)?;
        }
        set.sort();
        Ok(set)
    }

    /// Adds the profiles in `dirs`. With `may_replace`, a profile replaces an
    /// already loaded one with the same id, such as a user's edited copy of a
    /// built-in profile. Two files in `dirs` with the same id are still an error.
    pub fn add_dirs(&mut self, dirs: &[PathBuf], may_replace: bool) -> Result<(), ProfileError> {
        let mut files = Vec::new();
        for dir in dirs {
            collect_files(dir, &mut files)?;
        }
        let mut added: HashMap<String, PathBuf> = HashMap::new();
        for path in files {
            let profile = load_file(&path)?;
            if let Some(first) = added.get(&profile.id) {
                return Err(ProfileError::Duplicate { path, id: profile.id, first: first.clone() });
            }
            added.insert(profile.id.clone(), path);
            self.insert(profile, may_replace)?;
        }
        self.sort();
        Ok(())
    }

    fn insert(&mut self, profile: Profile, may_replace: bool) -> Result<(), ProfileError> {
        if let Some(position) = self.profiles.iter().position(|p| p.id == profile.id) {
            if !may_replace {
                return Err(ProfileError::Duplicate {
                    path: profile.path.clone(),
                    id: profile.id.clone(),
                    first: self.profiles[position].path.clone(),
                });
            }
            tracing::info!(
                id = %profile.id,
                path = %profile.path.display(),
                replaced = %self.profiles[position].path.display(),
                "profile replaces the loaded one with the same id"
            );
            self.profiles[position] = profile;
        } else {
            self.profiles.push(profile);
        }
        Ok(())
    }

    fn sort(&mut self) {
        self.profiles.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
    }
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ProfileError> {
    let io_error = |source| ProfileError::Io { path: dir.to_path_buf(), source };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_error)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name == "releases") {
                continue;
            }
            collect_files(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    Ok(())
}

/// Parses and validates one profile file.
pub fn load_file(path: &Path) -> Result<Profile, ProfileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ProfileError::Io { path: path.to_path_buf(), source })?;
    load_text(path, &text)
}

/// Parses and validates profile text. `path` names the profile in errors and
/// becomes its [`Profile::path`].
pub fn load_text(path: &Path, text: &str) -> Result<Profile, ProfileError> {
    let file: ProfileFile = toml::from_str(text).map_err(|error| {
        let line = error.span().map(|span| line_of(text, span.start));
        let message = error.message().to_string();
        match line {
            Some(line) => ProfileError::Field {
                path: path.to_path_buf(),
                line,
                field: "syntax".to_string(),
                message,
            },
            None => ProfileError::Invalid { path: path.to_path_buf(), message },
        }
    })?;
    Compiler { path, text }.compile(file)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Turns the parsed file into a [`Profile`], keeping the file text so that
/// every error can name its line.
struct Compiler<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Compiler<'_> {
    fn compile(&self, file: ProfileFile) -> Result<Profile, ProfileError> {
        if file.id.trim().is_empty() || !file.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(self.invalid(format!("id {:?} must be letters, digits, '-' or '_'", file.id)));
        }
        let matcher = &file.matcher;
        let snmp_conditions = !(matcher.sys_object_id.is_empty() && matcher.sys_descr.is_empty() && matcher.oid_present.is_empty());
        let ssh_detects = file.ssh.as_ref().is_some_and(|ssh| !ssh.detect.is_empty());
        if !snmp_conditions && file.redfish.is_none() && file.sip.is_none() && !ssh_detects && file.http.is_none() {
            return Err(self.invalid(
                "[match] needs at least one of sys_object_id, sys_descr or oid_present (or the profile needs a [redfish], [sip] or [http] table, or [ssh] detect rules)".to_string(),
            ));
        }
        let http = file.http.as_ref().map(|spec| self.http(spec)).transpose()?;
        let ssh = file.ssh.as_ref().map(|spec| self.ssh(spec)).transpose()?;
        let sip = match &file.sip {
            Some(spec) => {
                if spec.user_agent.is_empty() {
                    return Err(self.invalid("[sip] user_agent must list at least one regex".to_string()));
                }
                Some(super::compiled::SipRules {
                    user_agent: self.regexes("sip.user_agent", &spec.user_agent)?,
                    product: spec.product.clone(),
                })
            }
            None => None,
        };
        let redfish = match &file.redfish {
            Some(spec) => Some(self.redfish(spec)?),
            None => None,
        };
        let version = match file.version {
            Some(spec) => Some(Extractor {
                name: spec.component,
                kind: spec.kind,
                field: self.field("version", FieldSpec { sources: spec.sources })?,
            }),
            None => None,
        };
        let components = file
            .components
            .into_iter()
            .map(|spec| {
                let field = self.field(&format!("component {:?}", spec.name), FieldSpec { sources: spec.sources })?;
                Ok(Extractor { name: spec.name, kind: spec.kind, field })
            })
            .collect::<Result<Vec<_>, ProfileError>>()?;

        Ok(Profile {
            sys_object_id: self.oids("match.sys_object_id", &matcher.sys_object_id)?,
            sys_descr: self.regexes("match.sys_descr", &matcher.sys_descr)?,
            sys_descr_exclude: self.regexes("match.sys_descr_exclude", &matcher.sys_descr_exclude)?,
            oid_present: self.oids("match.oid_present", &matcher.oid_present)?,
            id: file.id,
            vendor: file.vendor,
            platform: file.platform,
            class: file.class,
            priority: file.priority,
            release_product: file.release_product,
            version_scheme: file.version_scheme,
            path: self.path.to_path_buf(),
            version,
            model: file.model.map(|f| self.field("model", f)).transpose()?,
            serial: file.serial.map(|f| self.field("serial", f)).transpose()?,
            hostname: file.hostname.map(|f| self.field("hostname", f)).transpose()?,
            components,
            entity_components: file.entity.components,
            redfish,
            sip,
            ssh,
            http,
        })
    }

    fn redfish(&self, spec: &super::schema::RedfishSpec) -> Result<super::compiled::RedfishRules, ProfileError> {
        use super::compiled::{RedfishComponentRule, RedfishRules};
        if spec.vendor.is_empty() && spec.product.is_empty() {
            return Err(self.invalid("[redfish] needs vendor or product regexes".to_string()));
        }
        let components = spec
            .components
            .iter()
            .map(|rule| {
                Ok(RedfishComponentRule {
                    name: self.regex("redfish.component.name", &rule.name)?,
                    kind: rule.kind,
                    product: rule.product.clone(),
                    version: rule.version.as_ref().map(|r| self.regex("redfish.component.version", r)).transpose()?,
                })
            })
            .collect::<Result<Vec<_>, ProfileError>>()?;
        Ok(RedfishRules {
            vendor: self.regexes("redfish.vendor", &spec.vendor)?,
            product: self.regexes("redfish.product", &spec.product)?,
            bmc_product: spec.bmc_product.clone(),
            bmc_version: spec.bmc_version.as_ref().map(|r| self.regex("redfish.bmc_version", r)).transpose()?,
            components,
        })
    }

    /// Compiles the `[http]` table: page paths, formats and value selectors.
    fn http(&self, spec: &super::schema::HttpSpec) -> Result<super::http_rules::HttpRules, ProfileError> {
        use super::http_rules::{FormLogin, HttpRules};
        if spec.pages.is_empty() {
            return Err(self.invalid("[http] needs at least one [[http.page]]".to_string()));
        }
        if spec.pages[0].matcher.is_none() {
            return Err(self.field_error(spec.pages[0].path.span().start, "http.page.match", "the first page needs a match regex, because it recognises the platform".to_string()));
        }
        let pages = spec.pages.iter().map(|page| self.http_page(page)).collect::<Result<Vec<_>, _>>()?;
        let form_login = match &spec.form_login {
            Some(form) => {
                let logout_post = match form.logout_method.as_deref() {
                    None | Some("GET") => false,
                    Some("POST") => true,
                    Some(other) => return Err(self.field_error(form.logout_path.span().start, "http.form_login.logout_method", format!("{other:?} is not GET or POST"))),
                };
                Some(FormLogin {
                    path: self.http_path("http.form_login.path", &form.path)?,
                    user_field: form.user_field.clone(),
                    password_field: form.password_field.clone(),
                    extra_fields: form.extra_fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    logout_path: self.http_path("http.form_login.logout_path", &form.logout_path)?,
                    logout_post,
                })
            }
            None => None,
        };
        Ok(HttpRules {
            product: spec.product.clone(),
            version_component: spec.version_component.clone().unwrap_or_else(|| "Firmware".to_string()),
            version_kind: spec.version_kind.unwrap_or(crate::device::ComponentKind::Firmware),
            form_login,
            pages,
        })
    }

    fn http_path(&self, field: &str, path: &Spanned<String>) -> Result<String, ProfileError> {
        let text = path.get_ref();
        if !text.starts_with('/') || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(self.field_error(path.span().start, field, format!("{text:?} is not an absolute path such as /DeviceInformationX")));
        }
        Ok(text.clone())
    }

    fn http_page(&self, spec: &super::schema::HttpPageSpec) -> Result<super::http_rules::HttpPage, ProfileError> {
        use super::http_rules::{HttpPage, PageFormat, Scheme};
        let at = spec.path.span().start;
        let format = PageFormat::parse(&spec.format)
            .ok_or_else(|| self.field_error(at, "http.page.format", format!("{:?} is not xml, json or html", spec.format)))?;
        let scheme = match spec.scheme.as_deref() {
            None | Some("http") => Scheme::Http,
            Some("https") => Scheme::Https,
            Some(other) => return Err(self.field_error(at, "http.page.scheme", format!("{other:?} is not http or https"))),
        };
        let value = |name: &str, spec: &Option<super::schema::HttpValueSpec>| {
            spec.as_ref().map(|v| self.http_value(&format!("http.page.{name}"), at, format, v)).transpose()
        };
        let components = spec
            .components
            .iter()
            .map(|component| {
                let field = format!("http.page.component {:?}", component.name);
                Ok((component.name.clone(), component.kind, self.http_value(&field, at, format, &component.value())?))
            })
            .collect::<Result<Vec<_>, ProfileError>>()?;
        Ok(HttpPage {
            path: self.http_path("http.page.path", &spec.path)?,
            scheme,
            format,
            login: spec.login,
            matcher: spec.matcher.as_ref().map(|m| self.regex("http.page.match", m)).transpose()?,
            model: value("model", &spec.model)?,
            serial: value("serial", &spec.serial)?,
            hostname: value("hostname", &spec.hostname)?,
            version: value("version", &spec.version)?,
            components,
        })
    }

    fn http_value(
        &self,
        field: &str,
        page_at: usize,
        format: super::http_rules::PageFormat,
        spec: &super::schema::HttpValueSpec,
    ) -> Result<super::http_rules::HttpValue, ProfileError> {
        use super::http_rules::{HttpValue, PageFormat, Selector};
        let selector = match (format, &spec.xpath, &spec.pointer) {
            (PageFormat::Xml, Some(path), None) => Selector::XPath(
                crate::http::xpath::XPath::parse(path.get_ref()).map_err(|m| self.field_error(path.span().start, field, m))?,
            ),
            (PageFormat::Json, None, Some(pointer)) => {
                if !pointer.get_ref().is_empty() && !pointer.get_ref().starts_with('/') {
                    return Err(self.field_error(pointer.span().start, field, format!("JSON pointer {:?} must start with /", pointer.get_ref())));
                }
                Selector::Pointer(pointer.get_ref().clone())
            }
            (PageFormat::Html, None, None) if spec.regex.is_some() => Selector::Regex,
            _ => {
                let expected = match format {
                    PageFormat::Xml => "an xpath (and no pointer)",
                    PageFormat::Json => "a pointer (and no xpath)",
                    PageFormat::Html => "a regex (and no xpath or pointer)",
                };
                return Err(self.field_error(page_at, field, format!("a value on a {} page needs {expected}", format.as_str())));
            }
        };
        let regex = spec.regex.as_ref().map(|r| self.regex(field, r)).transpose()?;
        if let Some(template) = &spec.template {
            let Some(regex) = &regex else {
                return Err(self.field_error(page_at, field, "template needs a regex to take captures from".to_string()));
            };
            check_template(template, regex).map_err(|e| self.field_error(page_at, field, e.to_string()))?;
        }
        let replace = spec
            .replace
            .iter()
            .map(|(pattern, replacement)| Ok((self.regex(field, pattern)?, replacement.clone())))
            .collect::<Result<Vec<_>, ProfileError>>()?;
        Ok(HttpValue { selector, regex, template: spec.template.clone(), replace })
    }

    fn invalid(&self, message: String) -> ProfileError {
        ProfileError::Invalid { path: self.path.to_path_buf(), message }
    }

    fn field_error(&self, span_start: usize, field: &str, message: String) -> ProfileError {
        ProfileError::Field {
            path: self.path.to_path_buf(),
            line: line_of(self.text, span_start),
            field: field.to_string(),
            message,
        }
    }

    fn oids(&self, field: &str, texts: &[String]) -> Result<Vec<Oid>, ProfileError> {
        texts
            .iter()
            .map(|text| {
                resolve_oid(text).ok_or_else(|| self.invalid(format!("{field}: invalid OID {text:?}")))
            })
            .collect()
    }

    fn regex(&self, field: &str, pattern: &Spanned<String>) -> Result<Regex, ProfileError> {
        Regex::new(pattern.get_ref()).map_err(|error| {
            self.field_error(pattern.span().start, field, format!("invalid regex: {error}"))
        })
    }

    /// Compiles the `[ssh]` table. Every command must pass the read-only
    /// check, so a profile can never make the scanner change a device.
    fn ssh(&self, spec: &super::schema::SshSpec) -> Result<super::compiled::SshRules, ProfileError> {
        use super::compiled::{DetectRule, EnableRules, SshMode, SshRules};
        use super::read_only::{is_read_only, is_session_setting};
        use super::schema::SshModeSpec;

        let checked = |field: &str, command: &Spanned<String>, allowed: fn(&str) -> bool, what: &str| {
            if allowed(command.get_ref()) {
                Ok(command.get_ref().trim().to_string())
            } else {
                Err(self.field_error(
                    command.span().start,
                    field,
                    format!("{:?} is not {what}; only read-only commands may be declared", command.get_ref()),
                ))
            }
        };
        if spec.commands.is_empty() {
            return Err(self.invalid("[ssh] commands must list at least one command".to_string()));
        }
        let commands = spec
            .commands
            .iter()
            .map(|c| checked("ssh.commands", c, is_read_only, "a read-only command"))
            .collect::<Result<Vec<_>, _>>()?;
        let paging_off = spec
            .paging_off
            .iter()
            .map(|c| checked("ssh.paging_off", c, is_session_setting, "a session paging setting"))
            .collect::<Result<Vec<_>, _>>()?;
        let enable = match &spec.enable {
            Some(enable) => Some(EnableRules {
                command: checked("ssh.enable.command", &enable.command, super::read_only::is_enable, "a privileged-mode command")?,
                password_prompt: match &enable.password_prompt {
                    Some(pattern) => self.regex("ssh.enable.password_prompt", pattern)?,
                    None => Regex::new(r"(?i)password:?\s*$").expect("the default password prompt compiles"),
                },
            }),
            None => None,
        };
        let detect = spec
            .detect
            .iter()
            .map(|rule| {
                if rule.pattern.is_empty() {
                    return Err(self.field_error(rule.command.span().start, "ssh.detect", "pattern must list at least one regex".to_string()));
                }
                Ok(DetectRule {
                    command: checked("ssh.detect.command", &rule.command, is_read_only, "a read-only command")?,
                    patterns: self.regexes("ssh.detect.pattern", &rule.pattern)?,
                    exclude: self.regexes("ssh.detect.exclude", &rule.exclude)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SshRules {
            mode: match spec.mode {
                SshModeSpec::Exec => SshMode::Exec,
                SshModeSpec::Shell => SshMode::Shell,
            },
            prompt: self.regex("ssh.prompt", &spec.prompt)?,
            paging_off,
            enable,
            commands,
            legacy_algorithms: spec.legacy_algorithms,
            detect,
        })
    }

    fn regexes(&self, field: &str, patterns: &[Spanned<String>]) -> Result<Vec<Regex>, ProfileError> {
        patterns.iter().map(|p| self.regex(field, p)).collect()
    }

    fn field(&self, name: &str, spec: FieldSpec) -> Result<Field, ProfileError> {
        if spec.sources.is_empty() {
            return Err(self.invalid(format!("{name}: sources must list at least one source")));
        }
        let sources = spec
            .sources
            .iter()
            .map(|source| self.source(name, source))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Field { sources })
    }

    fn source(&self, field: &str, spec: &SourceSpec) -> Result<Source, ProfileError> {
        let kinds_set = [spec.oid.is_some(), spec.oids.is_some(), spec.walk.is_some(), spec.entity.is_some(), spec.command.is_some()]
            .iter()
            .filter(|&&set| set)
            .count();
        if kinds_set != 1 {
            return Err(self.invalid(format!(
                "{field}: each source sets exactly one of oid, oids, walk, entity or command"
            )));
        }
        let kind = if let Some(text) = &spec.oid {
            SourceKind::Oid(self.oids(field, std::slice::from_ref(text))?.remove(0))
        } else if let Some(texts) = &spec.oids {
            SourceKind::Oids(self.oids(field, texts)?, spec.join.clone().unwrap_or_else(|| " ".into()))
        } else if let Some(text) = &spec.walk {
            SourceKind::Walk(self.oids(field, std::slice::from_ref(text))?.remove(0))
        } else if let Some(command) = &spec.command {
            SourceKind::Command(self.read_only_command(field, command)?)
        } else {
            let name = spec.entity.as_deref().unwrap_or_default();
            SourceKind::Entity(EntityColumn::parse(name).ok_or_else(|| {
                self.invalid(format!(
                    "{field}: unknown entity column {name:?}; expected descr, name, hardware_rev, \
                     firmware_rev, software_rev, serial_num or model_name"
                ))
            })?)
        };
        let regex = spec.regex.as_ref().map(|r| self.regex(field, r)).transpose()?;
        let regex_all = match &spec.regex_all {
            Some(pattern) => Some(self.regex_all(field, pattern, spec)?),
            None => None,
        };
        if spec.template.is_some() && regex.is_none() {
            return Err(self.invalid(format!("{field}: template needs a regex to take captures from")));
        }
        if let (Some(template), Some(regex)) = (&spec.template, &regex) {
            check_template(template, regex).map_err(|e| self.invalid(format!("{field}: {e}")))?;
        }
        let replace = spec
            .replace
            .iter()
            .map(|(pattern, replacement)| Ok((self.regex(field, pattern)?, replacement.clone())))
            .collect::<Result<Vec<_>, ProfileError>>()?;
        Ok(Source { kind, regex, regex_all, template: spec.template.clone(), replace, map: spec.map.clone() })
    }

    /// Checks a `command` source: the profile may only name commands that
    /// pass the same read-only check as the `[ssh]` table.
    fn read_only_command(&self, field: &str, command: &Spanned<String>) -> Result<String, ProfileError> {
        if super::read_only::is_read_only(command.get_ref()) {
            Ok(command.get_ref().trim().to_string())
        } else {
            Err(self.field_error(
                command.span().start,
                &format!("{field}.command"),
                format!("{:?} is not a read-only command; only read-only commands may be declared", command.get_ref()),
            ))
        }
    }

    /// Compiles `regex_all`, which only component sources that read a
    /// command may set, and never together with `regex` or `template`.
    fn regex_all(&self, field: &str, pattern: &Spanned<String>, spec: &SourceSpec) -> Result<Regex, ProfileError> {
        let line = pattern.span().start;
        if !field.starts_with("component") {
            return Err(self.field_error(line, field, "regex_all is for [[component]] sources only".to_string()));
        }
        if spec.command.is_none() {
            return Err(self.field_error(line, field, "regex_all needs a command source".to_string()));
        }
        if spec.regex.is_some() || spec.template.is_some() {
            return Err(self.field_error(line, field, "regex_all replaces regex and template; set only one".to_string()));
        }
        let regex = self.regex(field, pattern)?;
        let has_version = regex.capture_names().flatten().any(|name| name == "version");
        if !has_version && regex.captures_len() < 2 {
            return Err(self.field_error(line, field, "regex_all needs a group named version, or group 1".to_string()));
        }
        Ok(regex)
    }
}

/// Rejects references to groups the regex lacks, which the regex crate would
/// otherwise expand silently to nothing.
///
/// The references are parsed as `Captures::expand` parses them (regex 1.x).
/// `$$` is a literal `$`, `${name}` takes everything up to the `}`, and an
/// unbraced `$name` takes the longest run of ASCII letters, digits and `_`,
/// so `$1a` refers to a group named `1a`.
fn check_template(template: &str, regex: &Regex) -> Result<(), super::TemplateError> {
    let reference = Regex::new(r"\$(?:\$|\{([^}]*)\}|([0-9A-Za-z_]+))").expect("static regex");
    for captures in reference.captures_iter(template) {
        let Some(group) = captures.get(1).or_else(|| captures.get(2)).map(|m| m.as_str()) else {
            continue;
        };
        let known = match group.parse::<usize>() {
            Ok(number) => number < regex.captures_len(),
            Err(_) => regex.capture_names().flatten().any(|name| name == group),
        };
        if !known {
            return Err(super::TemplateError { template: template.to_string(), group: group.to_string() });
        }
    }
    Ok(())
}

/// Resolves the system-group names profile authors may use instead of OIDs.
pub fn resolve_oid(text: &str) -> Option<Oid> {
    let dotted = match text {
        "sysDescr" => "1.3.6.1.2.1.1.1.0",
        "sysObjectID" => "1.3.6.1.2.1.1.2.0",
        "sysContact" => "1.3.6.1.2.1.1.4.0",
        "sysName" => "1.3.6.1.2.1.1.5.0",
        "sysLocation" => "1.3.6.1.2.1.1.6.0",
        other => other,
    };
    dotted.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(template: &str, pattern: &str) -> Result<(), String> {
        let regex = Regex::new(pattern).expect("test regex");
        check_template(template, &regex).map_err(|error| error.group)
    }

    #[test]
    fn template_accepts_known_groups() {
        assert_eq!(check("$1 build $2", r"(\d+) (\d+)"), Ok(()));
        assert_eq!(check("${major}.${minor}", r"(?<major>\d+)\.(?<minor>\d+)"), Ok(()));
        assert_eq!(check("$major", r"(?<major>\d+)"), Ok(()));
        assert_eq!(check("${1}a", r"(\d+)"), Ok(()));
    }

    #[test]
    fn template_rejects_missing_groups() {
        assert_eq!(check("$2", r"(\d+)"), Err("2".to_string()));
        assert_eq!(check("${minor}", r"(?<major>\d+)"), Err("minor".to_string()));
        assert_eq!(check("$minor", r"(?<major>\d+)"), Err("minor".to_string()));
        assert_eq!(check("$1a", r"(\d+)"), Err("1a".to_string()));
    }

    #[test]
    fn template_skips_escaped_dollar() {
        assert_eq!(check("$$1 and $1", r"(\d+)"), Ok(()));
        assert_eq!(check("$$2", r"(\d+)"), Ok(()));
    }

    const SSH_PROFILE: &str = r#"
id = "test-cli"
vendor = "Test"
class = "switch"

[ssh]
prompt = '^\S+[>#]\s*$'
paging_off = ["terminal length 0"]
commands = ["show version", "COMMAND"]

[[ssh.detect]]
command = "show version"
pattern = ['Test OS']
"#;

    #[test]
    fn ssh_profile_with_read_only_commands_loads() {
        let text = SSH_PROFILE.replace("COMMAND", "show inventory");
        let profile = load_text(Path::new("test-cli.toml"), &text).expect("profile loads");
        let ssh = profile.ssh.expect("ssh rules");
        assert_eq!(ssh.commands, ["show version", "show inventory"]);
        assert_eq!(ssh.paging_off, ["terminal length 0"]);
        assert!(ssh.detect[0].matches("show version", "Test OS 1.2"));
    }

    #[test]
    fn ssh_profile_with_a_configuration_command_is_refused() {
        let text = SSH_PROFILE.replace("COMMAND", "configure terminal");
        let error = load_text(Path::new("test-cli.toml"), &text).expect_err("refused").to_string();
        assert!(error.starts_with("test-cli.toml:9: ssh.commands:"), "{error}");
        assert!(error.contains("\"configure terminal\" is not a read-only command"), "{error}");
    }

    const HTTP_PROFILE: &str = r#"
id = "test-web"
vendor = "Test"
class = "printer"

[http]
[[http.page]]
path = "/status.xml"
format = "FORMAT"
match = 'Test'
version = VALUE
"#;

    fn http_profile(format: &str, value: &str) -> Result<Profile, ProfileError> {
        load_text(Path::new("test-web.toml"), &HTTP_PROFILE.replace("FORMAT", format).replace("VALUE", value))
    }

    #[test]
    fn http_only_profile_loads() {
        let profile = http_profile("xml", r#"{ xpath = "//Version/Revision" }"#).expect("profile loads");
        let rules = profile.http.as_ref().expect("http rules");
        assert_eq!(rules.pages[0].path, "/status.xml");
        assert_eq!(rules.version_component, "Firmware");
        assert!(!profile.prematches(None, "Test"), "an [http] profile never claims an SNMP agent");
    }

    #[test]
    fn http_selector_must_fit_the_format() {
        let error = http_profile("xml", r#"{ pointer = "/a" }"#).expect_err("rejected").to_string();
        assert!(error.contains("needs an xpath"), "{error}");
        let error = http_profile("json", r#"{ pointer = "a" }"#).expect_err("rejected").to_string();
        assert!(error.contains("must start with /"), "{error}");
        let error = http_profile("html", r#"{ xpath = "/a" }"#).expect_err("rejected").to_string();
        assert!(error.contains("needs a regex"), "{error}");
        let error = http_profile("yaml", r#"{ regex = "a" }"#).expect_err("rejected").to_string();
        assert!(error.contains("is not xml, json or html"), "{error}");
    }

    #[test]
    fn http_invalid_xpath_names_the_line() {
        let error = http_profile("xml", r#"{ xpath = "Version" }"#).expect_err("rejected").to_string();
        assert!(error.starts_with("test-web.toml:11: http.page.version:"), "{error}");
        assert!(error.contains("must start with /"), "{error}");
    }

    #[test]
    fn http_first_page_needs_match() {
        let text = HTTP_PROFILE.replace("FORMAT", "html").replace("VALUE", "{ regex = 'v(\\d)' }").replace("match = 'Test'\n", "");
        let error = load_text(Path::new("test-web.toml"), &text).expect_err("rejected").to_string();
        assert!(error.contains("the first page needs a match regex"), "{error}");
    }

    const COMMAND_PROFILE: &str = r#"
id = "test-cli"
vendor = "Test"
class = "switch"

[version]
component = "OS"
sources = [{ oid = "sysDescr", regex = 'V(\S+)' }, { command = "COMMAND", regex = 'Version (\S+)' }]

[[component]]
name = "Member"
kind = "os"
sources = [{ command = "show version", regex_all = '(?m)^(?<name>\d+)\s+(?<version>\S+)$' }]

[ssh]
prompt = '#$'
commands = ["show version"]

[[ssh.detect]]
command = "show version"
pattern = ['Test OS']
"#;

    #[test]
    fn command_source_loads_beside_snmp_source() {
        let text = COMMAND_PROFILE.replace("COMMAND", "show version");
        let profile = load_text(Path::new("test-cli.toml"), &text).expect("profile loads");
        let sources = &profile.version.expect("version").field.sources;
        assert!(matches!(sources[0].kind, SourceKind::Oid(_)));
        assert!(matches!(&sources[1].kind, SourceKind::Command(command) if command == "show version"));
        assert!(profile.components[0].field.sources[0].regex_all.is_some());
    }

    #[test]
    fn command_source_must_be_read_only() {
        let text = COMMAND_PROFILE.replace("COMMAND", "reload");
        let error = load_text(Path::new("test-cli.toml"), &text).expect_err("rejected").to_string();
        assert!(error.starts_with("test-cli.toml:8: version.command:"), "{error}");
        assert!(error.contains("\"reload\" is not a read-only command"), "{error}");
    }

    #[test]
    fn regex_all_is_for_components_only() {
        let text = COMMAND_PROFILE
            .replace("COMMAND", "show version")
            .replace("{ command = \"show version\", regex = 'Version (\\S+)' }", "{ command = \"show version\", regex_all = 'Version (\\S+)' }");
        let error = load_text(Path::new("test-cli.toml"), &text).expect_err("rejected").to_string();
        assert!(error.contains("regex_all is for [[component]] sources only"), "{error}");
    }

    #[test]
    fn regex_all_needs_a_command() {
        let text = COMMAND_PROFILE
            .replace("COMMAND", "show version")
            .replace("{ command = \"show version\", regex_all", "{ oid = \"sysDescr\", regex_all");
        let error = load_text(Path::new("test-cli.toml"), &text).expect_err("rejected").to_string();
        assert!(error.contains("regex_all needs a command source"), "{error}");
    }
}
