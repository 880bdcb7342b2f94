//! Credential sets: named, fenced to tenants, with secrets held by
//! reference (`env:NAME` or `file:PATH`) and never printed.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// A secret value. Its `Debug` output is redacted and it has no `Display`,
/// so it cannot reach a log line or message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value read from the command line or the environment.
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Resolves `env:NAME` or `file:PATH` (relative to `base`). Anything else is
/// rejected, so a secret never sits inline in a file that gets shared.
pub fn resolve_secret(reference: &str, base: &Path) -> Result<Secret, String> {
    if let Some(name) = reference.strip_prefix("env:") {
        return std::env::var(name)
            .map(Secret)
            .map_err(|_| format!("environment variable {name} is not set"));
    }
    if let Some(path) = reference.strip_prefix("file:") {
        let path = base.join(path);
        warn_if_shared(&path);
        let text = std::fs::read_to_string(&path)
            .map_err(|error| format!("cannot read secret file {}: {error}", path.display()))?;
        let value = text.strip_suffix('\n').unwrap_or(&text);
        let value = value.strip_suffix('\r').unwrap_or(value);
        return Ok(Secret(value.to_string()));
    }
    Err("a secret must be a reference, env:NAME or file:PATH, not the value itself".to_string())
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = std::fs::metadata(path)
        && metadata.permissions().mode() & 0o044 != 0 {
            tracing::warn!(file = %path.display(), "secret file is readable by other users; chmod 600 it");
        }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

/// SNMP versions a credential set speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnmpVersion {
    V1,
    V2c,
    V3,
}

/// Authentication of a set: a v1/v2c community or an SNMPv3 USM identity.
#[derive(Clone, Debug)]
pub enum SnmpAuth {
    Community { version: SnmpVersion, community: Secret },
    Usm(UsmCredential),
}

/// An SNMPv3 user-based security model identity.
#[derive(Clone, Debug)]
pub struct UsmCredential {
    pub user: String,
    pub auth_protocol: snmp2::v3::AuthProtocol,
    pub auth_secret: Secret,
    pub privacy: Option<(snmp2::v3::Cipher, Secret)>,
    pub key_extension: Option<snmp2::v3::KeyExtension>,
    pub context: String,
}

/// One named SNMP credential set.
#[derive(Clone, Debug)]
pub struct SnmpCredential {
    pub name: String,
    pub tenants: Vec<String>,
    /// Location of the set's definition, `file:line`, for error messages.
    pub origin: String,
    /// The resolved secrets, or the reason they could not be resolved.
    pub auth: Result<SnmpAuth, String>,
}

impl SnmpCredential {
    /// Creates the set for `--community`, usable for every tenant of this run.
    pub fn from_command_line(community: Secret) -> Self {
        SnmpCredential {
            name: "command-line".to_string(),
            tenants: Vec::new(),
            origin: "--community".to_string(),
            auth: Ok(SnmpAuth::Community { version: SnmpVersion::V2c, community }),
        }
    }

    pub fn allows_tenant(&self, tenant: &str) -> bool {
        self.origin == "--community" || self.tenants.iter().any(|t| t == tenant)
    }

    pub fn is_community(&self) -> bool {
        matches!(self.auth, Ok(SnmpAuth::Community { .. }))
    }
}

/// All credential sets of a run.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    pub snmp: Vec<SnmpCredential>,
    pub redfish: Vec<RedfishCredential>,
    pub http: Vec<crate::http::credentials::HttpCredential>,
    pub ssh: Vec<SshCredential>,
}

/// One named SSH credential set.
#[derive(Clone, Debug)]
pub struct SshCredential {
    pub name: String,
    pub tenants: Vec<String>,
    pub origin: String,
    /// The login, or the reason a secret could not be resolved.
    pub login: Result<crate::ssh::client::Login, String>,
}

impl SshCredential {
    pub fn allows_tenant(&self, tenant: &str) -> bool {
        self.tenants.iter().any(|t| t == tenant)
    }
}

/// One named Redfish credential set.
#[derive(Clone, Debug)]
pub struct RedfishCredential {
    pub name: String,
    pub tenants: Vec<String>,
    pub origin: String,
    /// The login, or the reason its secret could not be resolved.
    pub login: Result<crate::redfish::client::RedfishLogin, String>,
    /// A certificate fingerprint pinned for every BMC this set is used on.
    pub tls_fingerprint: Option<[u8; 32]>,
}

impl RedfishCredential {
    pub fn allows_tenant(&self, tenant: &str) -> bool {
        self.tenants.iter().any(|t| t == tenant)
    }
}

/// A credentials file that could not be read; names file, line and field.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Invalid { path: PathBuf, line: usize, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    snmp: Vec<Spanned<SnmpSetShape>>,
    #[serde(default)]
    ssh: Vec<Spanned<SshSetShape>>,
    #[serde(default)]
    redfish: Vec<Spanned<RedfishSetShape>>,
    #[serde(default)]
    http: Vec<Spanned<crate::http::credentials::HttpSetShape>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedfishSetShape {
    name: String,
    tenants: Vec<String>,
    user: String,
    password: String,
    /// "session" (the default) or "basic".
    auth: Option<String>,
    tls_fingerprint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SshSetShape {
    name: String,
    tenants: Vec<String>,
    user: String,
    password: Option<String>,
    /// Path of a private key file, relative to the credentials file.
    private_key: Option<String>,
    key_passphrase: Option<String>,
    enable_secret: Option<String>,
    #[serde(default)]
    legacy_algorithms: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnmpSetShape {
    name: String,
    tenants: Vec<String>,
    version: String,
    community: Option<String>,
    user: Option<String>,
    auth: Option<String>,
    auth_secret: Option<String>,
    privacy: Option<String>,
    privacy_secret: Option<String>,
    aes_key_extension: Option<String>,
    context: Option<String>,
}

impl Credentials {
    /// Reads a credentials file. Structural errors fail the whole file;
    /// a secret that cannot be resolved only disables its set, and targets
    /// that would use it are reported `not-scanned`.
    pub fn load(path: &Path) -> Result<Credentials, CredentialsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| CredentialsError::Io { path: path.to_path_buf(), source })?;
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let file: FileShape = toml::from_str(&text).map_err(|error| CredentialsError::Invalid {
            path: path.to_path_buf(),
            line: error.span().map_or(1, |span| line_of(span.start)),
            message: error.message().to_string(),
        })?;

        let base = path.parent().unwrap_or(Path::new("."));
        let mut credentials = Credentials::default();
        for spanned in file.snmp {
            let line = line_of(spanned.span().start);
            let invalid = |message: String| CredentialsError::Invalid { path: path.to_path_buf(), line, message };
            let set = spanned.into_inner();
            if credentials.snmp.iter().any(|c| c.name == set.name) {
                return Err(invalid(format!("duplicate credential set name {:?}", set.name)));
            }
            if set.tenants.is_empty() {
                return Err(invalid(format!("set {:?}: tenants must name at least one tenant", set.name)));
            }
            let auth = build_auth(&set, base).map_err(|message| invalid(format!("set {:?}: {message}", set.name)))?;
            credentials.snmp.push(SnmpCredential {
                name: set.name,
                tenants: set.tenants,
                origin: format!("{}:{line}", path.display()),
                auth,
            });
        }
        for spanned in file.redfish {
            let line = line_of(spanned.span().start);
            let invalid = |message: String| CredentialsError::Invalid { path: path.to_path_buf(), line, message };
            let set = spanned.into_inner();
            if credentials.redfish.iter().any(|c| c.name == set.name) || credentials.snmp.iter().any(|c| c.name == set.name) {
                return Err(invalid(format!("duplicate credential set name {:?}", set.name)));
            }
            if set.tenants.is_empty() {
                return Err(invalid(format!("set {:?}: tenants must name at least one tenant", set.name)));
            }
            check_reference(&set.password, "password").map_err(|m| invalid(format!("set {:?}: {m}", set.name)))?;
            let basic = match set.auth.as_deref() {
                None | Some("session") => false,
                Some("basic") => true,
                Some(other) => return Err(invalid(format!("set {:?}: auth {other:?} is not session or basic", set.name))),
            };
            let tls_fingerprint = set
                .tls_fingerprint
                .as_deref()
                .map(crate::redfish::tls::parse_fingerprint)
                .transpose()
                .map_err(|m| invalid(format!("set {:?}: tls_fingerprint: {m}", set.name)))?;
            let login = resolve_secret(&set.password, base)
                .map(|password| crate::redfish::client::RedfishLogin { user: set.user.clone(), password, basic })
                .map_err(|e| format!("password: {e}"));
            credentials.redfish.push(RedfishCredential {
                name: set.name,
                tenants: set.tenants,
                origin: format!("{}:{line}", path.display()),
                login,
                tls_fingerprint,
            });
        }
        for spanned in file.http {
            let line = line_of(spanned.span().start);
            let invalid = |message: String| CredentialsError::Invalid { path: path.to_path_buf(), line, message };
            let origin = format!("{}:{line}", path.display());
            let set = crate::http::credentials::build(spanned.into_inner(), origin, base).map_err(invalid)?;
            if credentials.is_defined(&set.name) {
                return Err(invalid(format!("duplicate credential set name {:?}", set.name)));
            }
            credentials.http.push(set);
        }
        for spanned in file.ssh {
            let line = line_of(spanned.span().start);
            let invalid = |message: String| CredentialsError::Invalid { path: path.to_path_buf(), line, message };
            let set = spanned.into_inner();
            if credentials.is_defined(&set.name) {
                return Err(invalid(format!("duplicate credential set name {:?}", set.name)));
            }
            if set.tenants.is_empty() {
                return Err(invalid(format!("set {:?}: tenants must name at least one tenant", set.name)));
            }
            let login = build_ssh_login(&set, base).map_err(|message| invalid(format!("set {:?}: {message}", set.name)))?;
            credentials.ssh.push(SshCredential {
                name: set.name,
                tenants: set.tenants,
                origin: format!("{}:{line}", path.display()),
                login,
            });
        }
        Ok(credentials)
    }

    pub fn find_http(&self, name: &str) -> Option<&crate::http::credentials::HttpCredential> {
        self.http.iter().find(|c| c.name == name)
    }

    /// Returns whether the set called `name`, of any protocol, may be used
    /// for `tenant`, with the set's origin and tenants for messages. `None`
    /// means that no set has this name.
    pub fn fence_of(&self, name: &str, tenant: &str) -> Option<(bool, &str, &[String])> {
        if let Some(set) = self.find(name) {
            return Some((set.allows_tenant(tenant), &set.origin, &set.tenants));
        }
        if let Some(set) = self.find_redfish(name) {
            return Some((set.allows_tenant(tenant), &set.origin, &set.tenants));
        }
        if let Some(set) = self.find_http(name) {
            return Some((set.allows_tenant(tenant), &set.origin, &set.tenants));
        }
        let set = self.find_ssh(name)?;
        Some((set.allows_tenant(tenant), &set.origin, &set.tenants))
    }

    /// Returns whether a set of any protocol has this name.
    pub fn is_defined(&self, name: &str) -> bool {
        self.find(name).is_some() || self.find_redfish(name).is_some() || self.find_http(name).is_some() || self.find_ssh(name).is_some()
    }

    pub fn find_ssh(&self, name: &str) -> Option<&SshCredential> {
        self.ssh.iter().find(|c| c.name == name)
    }

    pub fn find_redfish(&self, name: &str) -> Option<&RedfishCredential> {
        self.redfish.iter().find(|c| c.name == name)
    }

    pub fn find(&self, name: &str) -> Option<&SnmpCredential> {
        self.snmp.iter().find(|c| c.name == name)
    }
}

/// Validates the set's fields (a structural error is returned as `Err`) and
/// resolves its secrets (a resolution failure is kept inside the inner result).
fn build_auth(set: &SnmpSetShape, base: &Path) -> Result<Result<SnmpAuth, String>, String> {
    use snmp2::v3::{AuthProtocol, Cipher, KeyExtension};
    let version = match set.version.as_str() {
        "1" => SnmpVersion::V1,
        "2c" | "2" => SnmpVersion::V2c,
        "3" => SnmpVersion::V3,
        other => return Err(format!("version {other:?} is not one of \"1\", \"2c\", \"3\"")),
    };
    if version != SnmpVersion::V3 {
        let reference = set.community.as_deref().ok_or("community is missing")?;
        check_reference(reference, "community")?;
        return Ok(resolve_secret(reference, base).map(|community| SnmpAuth::Community { version, community }));
    }

    let user = set.user.clone().ok_or("user is missing for version 3")?;
    let auth_protocol = match set.auth.as_deref().ok_or("auth is missing for version 3")? {
        "md5" => AuthProtocol::Md5,
        "sha" | "sha1" => AuthProtocol::Sha1,
        "sha224" => AuthProtocol::Sha224,
        "sha256" => AuthProtocol::Sha256,
        "sha384" => AuthProtocol::Sha384,
        "sha512" => AuthProtocol::Sha512,
        other => return Err(format!("auth {other:?} is not one of md5, sha, sha224, sha256, sha384, sha512")),
    };
    let auth_reference = set.auth_secret.as_deref().ok_or("auth_secret is missing")?;
    check_reference(auth_reference, "auth_secret")?;
    let cipher = match set.privacy.as_deref() {
        None => None,
        Some("des") => Some(Cipher::Des),
        Some("aes" | "aes128") => Some(Cipher::Aes128),
        Some("aes192") => Some(Cipher::Aes192),
        Some("aes256") => Some(Cipher::Aes256),
        Some(other) => return Err(format!("privacy {other:?} is not one of des, aes128, aes192, aes256")),
    };
    if cipher.is_some() {
        check_reference(set.privacy_secret.as_deref().ok_or("privacy_secret is missing")?, "privacy_secret")?;
    }
    let key_extension = match set.aes_key_extension.as_deref() {
        None => None,
        Some("blumenthal") => Some(KeyExtension::Blumenthal),
        Some("reeder") => Some(KeyExtension::Reeder),
        Some(other) => return Err(format!("aes_key_extension {other:?} is not blumenthal or reeder")),
    };

    let resolved = (|| {
        let auth_secret = resolve_secret(auth_reference, base).map_err(|e| format!("auth_secret: {e}"))?;
        let privacy = match cipher {
            Some(cipher) => {
                let reference = set.privacy_secret.as_deref().unwrap_or_default();
                Some((cipher, resolve_secret(reference, base).map_err(|e| format!("privacy_secret: {e}"))?))
            }
            None => None,
        };
        Ok(SnmpAuth::Usm(UsmCredential {
            user: user.clone(),
            auth_protocol,
            auth_secret,
            privacy,
            key_extension,
            context: set.context.clone().unwrap_or_default(),
        }))
    })();
    Ok(resolved)
}

/// Validates an `[[ssh]]` set (a structural error is returned as `Err`) and
/// resolves its secrets (a resolution failure is kept inside the inner result).
fn build_ssh_login(set: &SshSetShape, base: &Path) -> Result<Result<crate::ssh::client::Login, String>, String> {
    use crate::ssh::client::{Login, LoginMethod};
    let references = [
        ("password", set.password.as_deref()),
        ("key_passphrase", set.key_passphrase.as_deref()),
        ("enable_secret", set.enable_secret.as_deref()),
    ];
    for (field, reference) in references {
        if let Some(reference) = reference {
            check_reference(reference, field)?;
        }
    }
    match (&set.password, &set.private_key) {
        (Some(_), Some(_)) => return Err("give either password or private_key, not both".into()),
        (None, None) => return Err("password or private_key is missing".into()),
        (Some(_), None) if set.key_passphrase.is_some() => return Err("key_passphrase needs private_key".into()),
        _ => {}
    }
    let resolve = |field: &str, reference: &Option<String>| -> Result<Option<Secret>, String> {
        reference.as_deref().map(|r| resolve_secret(r, base).map_err(|e| format!("{field}: {e}"))).transpose()
    };
    let resolved = (|| {
        let method = match (&set.password, &set.private_key) {
            (Some(_), _) => LoginMethod::Password(resolve("password", &set.password)?.unwrap_or_else(|| Secret::new(String::new()))),
            (None, Some(key)) => {
                let key = key.strip_prefix("file:").unwrap_or(key);
                let path = base.join(key);
                if !path.is_file() {
                    return Err(format!("private_key: {} is not a readable file", path.display()));
                }
                warn_if_shared(&path);
                LoginMethod::PrivateKey { path, passphrase: resolve("key_passphrase", &set.key_passphrase)? }
            }
            (None, None) => unreachable!("checked above"),
        };
        Ok(Login {
            user: set.user.clone(),
            method,
            enable_secret: resolve("enable_secret", &set.enable_secret)?,
            legacy_algorithms: set.legacy_algorithms,
        })
    })();
    Ok(resolved)
}

fn check_reference(reference: &str, field: &str) -> Result<(), String> {
    if reference.starts_with("env:") || reference.starts_with("file:") {
        Ok(())
    } else {
        Err(format!("{field} must be a reference, env:NAME or file:PATH, not the secret itself"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let secret = Secret("hunter2-xyz".to_string());
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    fn load_text(text: &str) -> Result<Credentials, CredentialsError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.toml");
        std::fs::write(&path, text).unwrap();
        Credentials::load(&path)
    }

    #[test]
    fn ssh_set_with_password_reference_loads() {
        // SAFETY: the variable name is unique to this test.
        unsafe { std::env::set_var("FWSWEEP_TEST_SSH_SET_PASSWORD", "pw-123") };
        let text = "[[ssh]]\nname = \"acme-cli\"\ntenants = [\"acme\"]\nuser = \"netops\"\npassword = \"env:FWSWEEP_TEST_SSH_SET_PASSWORD\"\nlegacy_algorithms = true\n";
        let credentials = load_text(text).unwrap();
        let set = credentials.find_ssh("acme-cli").expect("set is loaded");
        let login = set.login.as_ref().expect("secret resolves");
        assert_eq!(login.user, "netops");
        assert!(login.legacy_algorithms);
        assert!(matches!(&login.method, crate::ssh::client::LoginMethod::Password(p) if p.expose() == "pw-123"));
    }

    #[test]
    fn ssh_set_with_inline_password_is_rejected() {
        let text = "[[ssh]]\nname = \"a\"\ntenants = [\"acme\"]\nuser = \"u\"\npassword = \"hunter2\"\n";
        let error = load_text(text).unwrap_err().to_string();
        assert!(error.contains(":1: set \"a\": password must be a reference"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn ssh_set_needs_one_login_method() {
        let text = "[[ssh]]\nname = \"a\"\ntenants = [\"acme\"]\nuser = \"u\"\n";
        let error = load_text(text).unwrap_err().to_string();
        assert!(error.contains("password or private_key is missing"), "{error}");
    }

    #[test]
    fn inline_secret_is_rejected() {
        let error = resolve_secret("public", Path::new(".")).unwrap_err();
        assert!(error.contains("env:NAME"), "{error}");
        assert!(!error.contains("public"), "{error}");
    }
}
