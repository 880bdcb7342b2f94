//! Host-key checking against an OpenSSH known_hosts file.
//!
//! A device's key is trusted when a line for its host (and port) records that
//! key. A recorded key of the same type that differs means the key changed,
//! which is always an error. A key the file does not know is rejected unless
//! new keys are trusted, in which case it is appended to the file.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use russh::keys::{HashAlg, PublicKey};

/// The verdict on one host key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostKeyCheck {
    /// A line of the file records this key.
    Known,
    /// The key was unknown and has been appended to the file.
    Learned,
    /// No line records a key of this type for the host.
    Unknown { fingerprint: String, algorithm: String },
    /// Line `line` records another key of the same type for the host.
    Changed { line: usize, fingerprint: String },
    /// The file could not be read or written.
    Failed(String),
}

/// The known_hosts file of a sweep and whether unknown keys are recorded.
#[derive(Debug)]
pub struct KnownHosts {
    pub path: PathBuf,
    pub trust_new: bool,
    /// Serialises checks, so that two sessions that learn keys at once do
    /// not interleave their lines.
    lock: Mutex<()>,
}

impl KnownHosts {
    pub fn new(path: PathBuf, trust_new: bool) -> Self {
        KnownHosts { path, trust_new, lock: Mutex::new(()) }
    }

    /// Checks the key that `host` presented on `port`.
    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> HostKeyCheck {
        let _guard = self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let recorded = match recorded_keys(&self.path, host, port) {
            Ok(recorded) => recorded,
            Err(message) => return HostKeyCheck::Failed(message),
        };
        for (line, recorded_key) in &recorded {
            if recorded_key.algorithm() != key.algorithm() {
                continue;
            }
            if recorded_key.key_data() == key.key_data() {
                return HostKeyCheck::Known;
            }
            return HostKeyCheck::Changed { line: *line, fingerprint };
        }
        if !self.trust_new {
            return HostKeyCheck::Unknown { fingerprint, algorithm: key.algorithm().as_str().to_string() };
        }
        match append_key(&self.path, host, port, key) {
            Ok(()) => {
                tracing::info!(host, port, %fingerprint, file = %self.path.display(), "recorded a new host key");
                HostKeyCheck::Learned
            }
            Err(error) => HostKeyCheck::Failed(format!("cannot add the host key to {}: {error}", self.path.display())),
        }
    }
}

/// Appends a `host key` line in OpenSSH's format, `[host]:port` for ports
/// other than 22, starting a new line if the file does not end in one.
fn append_key(path: &Path, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
    use std::io::Write;
    let existing = std::fs::read(path).unwrap_or_default();
    let mut line = String::new();
    if existing.last().is_some_and(|&byte| byte != b'\n') {
        line.push('\n');
    }
    if port == 22 {
        line.push_str(host);
    } else {
        line.push_str(&format!("[{host}]:{port}"));
    }
    let public = key.to_openssh().map_err(|error| error.to_string())?;
    line.push_str(&format!(" {public}\n"));
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|error| error.to_string())?;
    file.write_all(line.as_bytes()).map_err(|error| error.to_string())
}

/// Returns the keys the file records for `host` on `port`, each with its
/// 1-based line number. A missing file records nothing.
///
/// Matching (plain and hashed `|1|` host entries, `[host]:port` for ports
/// other than 22) is russh's. Its line counter skips comment lines, so the
/// numbers are mapped back to the file's real line numbers here.
fn recorded_keys(path: &Path, host: &str, port: u16) -> Result<Vec<(usize, PublicKey)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
    };
    let found = russh::keys::known_hosts::known_host_keys_path(host, port, path)
        .map_err(|error| format!("{}: an entry for {host} cannot be read: {error}", path.display()))?;
    let counted_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#'))
        .map(|(index, _)| index + 1)
        .collect();
    Ok(found
        .into_iter()
        .map(|(counted, key)| (counted_lines.get(counted.wrapping_sub(1)).copied().unwrap_or(counted), key))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII74D5feyI3hWlKe4tJJ+CQEAltBb+A8agRPI7xRBNje";
    const KEY_B: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIPmo9ga9wGxnwoyZXUU5X7SIWjJM8WOGdOgiNabwT0l";

    fn key(text: &str) -> PublicKey {
        PublicKey::from_openssh(text).expect("valid test key")
    }

    #[test]
    fn recorded_key_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        std::fs::write(&path, format!("# comment\n[127.82.0.1]:2222 {KEY_A}\n")).unwrap();
        let known = KnownHosts::new(path, false);
        assert_eq!(known.check("127.82.0.1", 2222, &key(KEY_A)), HostKeyCheck::Known);
    }

    #[test]
    fn changed_key_names_the_real_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        std::fs::write(&path, format!("# one\n# two\n\n[127.82.0.1]:2222 {KEY_A}\n")).unwrap();
        let known = KnownHosts::new(path, true);
        let check = known.check("127.82.0.1", 2222, &key(KEY_B));
        assert!(matches!(check, HostKeyCheck::Changed { line: 4, .. }), "{check:?}");
    }

    #[test]
    fn unknown_key_is_learned_only_when_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        let strict = KnownHosts::new(path.clone(), false);
        let check = strict.check("127.82.0.9", 22, &key(KEY_A));
        assert!(matches!(&check, HostKeyCheck::Unknown { fingerprint, .. } if fingerprint.starts_with("SHA256:")), "{check:?}");
        assert!(!path.exists());

        let trusting = KnownHosts::new(path.clone(), true);
        assert_eq!(trusting.check("127.82.0.9", 22, &key(KEY_A)), HostKeyCheck::Learned);
        assert_eq!(strict.check("127.82.0.9", 22, &key(KEY_A)), HostKeyCheck::Known);
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.starts_with("127.82.0.9 ssh-ed25519 "), "{written}");
    }
}
