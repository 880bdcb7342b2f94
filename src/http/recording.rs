//! Saved web pages of one device (`.http` files), read by `identify` and
//! served by `simulate`.
//!
//! The format is plain text. Lines before the first page are settings of
//! the device. Each page starts with `=== PATH`, followed by header lines,
//! one blank line and the body, which runs to the next `=== ` line:
//!
//! ```text
//! # Comments start with #, before the first page only.
//! Auth: digest
//!
//! === /DeviceInformationX
//! Status: 200
//! Content-Type: text/xml
//!
//! <DeviceInformationX>…</DeviceInformationX>
//! ```
//!
//! Device settings: `Auth:` `none` (the default), `basic`, `digest`,
//! `digest-sha256` or `form`, the scheme that guards pages marked
//! `Protected: yes`. With `form`, `Login:` and `Logout:` set the paths and
//! `Login-Fields:` the user and password field names. Page headers:
//! `Status:` (default 200), `Content-Type:` and `Protected:` (`yes`/`no`).

use std::collections::BTreeMap;
use std::path::Path;

/// Authentication scheme that guards a recorded device's protected pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordedAuth {
    None,
    Basic,
    Digest(super::digest::Algorithm),
    Form(FormSettings),
}

/// The form login of a recorded device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormSettings {
    pub login_path: String,
    pub logout_path: String,
    pub user_field: String,
    pub password_field: String,
}

/// One saved page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedPage {
    pub status: u16,
    pub content_type: Option<String>,
    pub protected: bool,
    pub body: String,
}

/// All saved pages of one device, keyed by path.
#[derive(Clone, Debug)]
pub struct HttpRecording {
    pub name: String,
    pub auth: RecordedAuth,
    pub pages: BTreeMap<String, RecordedPage>,
}

/// A recording that could not be parsed, with its line.
#[derive(Debug, thiserror::Error)]
#[error("{name}:{line}: {message}")]
pub struct RecordingError {
    pub name: String,
    pub line: usize,
    pub message: String,
}

/// Returns whether `path` is a saved HTTP recording (`.http`).
pub fn is_http_recording(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e == "http")
}

/// Reads and parses a `.http` file.
pub fn load(path: &Path) -> Result<HttpRecording, RecordingError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bytes = std::fs::read(path).map_err(|e| RecordingError { name: path.display().to_string(), line: 0, message: format!("cannot read: {e}") })?;
    parse(&name, &String::from_utf8_lossy(&bytes))
}

/// Parses the text of a recording named `name`.
pub fn parse(name: &str, text: &str) -> Result<HttpRecording, RecordingError> {
    let error = |line: usize, message: String| RecordingError { name: name.to_string(), line, message };
    let lines: Vec<&str> = text.lines().collect();
    let mut settings: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut index = 0;
    while index < lines.len() && !lines[index].starts_with("=== ") {
        let line = lines[index].trim();
        index += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(':').ok_or_else(|| error(index, format!("{line:?} is not a Name: value setting")))?;
        settings.insert(key.trim().to_ascii_lowercase(), (index, value.trim().to_string()));
    }
    let auth = parse_auth(&settings).map_err(|(line, message)| error(line, message))?;

    let mut pages = BTreeMap::new();
    while index < lines.len() {
        let start = index + 1;
        let path = lines[index]["=== ".len()..].trim().to_string();
        if !path.starts_with('/') {
            return Err(error(start, format!("page path {path:?} must start with /")));
        }
        index += 1;
        let mut page = RecordedPage { status: 200, content_type: None, protected: false, body: String::new() };
        while index < lines.len() && !lines[index].trim().is_empty() && !lines[index].starts_with("=== ") {
            let line = lines[index];
            index += 1;
            let (key, value) = line.split_once(':').ok_or_else(|| error(index, format!("{line:?} is not a page header (Status, Content-Type, Protected)")))?;
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "status" => page.status = value.parse().ok().filter(|s| (100..600).contains(s)).ok_or_else(|| error(index, format!("status {value:?} is not an HTTP status code")))?,
                "content-type" => page.content_type = Some(value.to_string()),
                "protected" => page.protected = matches!(value, "yes" | "true"),
                other => return Err(error(index, format!("unknown page header {other:?}; expected Status, Content-Type or Protected"))),
            }
        }
        if index < lines.len() && lines[index].trim().is_empty() {
            index += 1;
        }
        let body_start = index;
        while index < lines.len() && !lines[index].starts_with("=== ") {
            index += 1;
        }
        page.body = lines[body_start..index].join("\n");
        if pages.insert(path.clone(), page).is_some() {
            return Err(error(start, format!("page {path} is recorded twice")));
        }
    }
    if pages.is_empty() {
        return Err(error(lines.len(), "no pages: each page starts with a line \"=== /path\"".to_string()));
    }
    Ok(HttpRecording { name: name.to_string(), auth, pages })
}

fn parse_auth(settings: &BTreeMap<String, (usize, String)>) -> Result<RecordedAuth, (usize, String)> {
    use super::digest::Algorithm;
    if let Some((key, (line, _))) = settings.iter().find(|(k, _)| !["auth", "login", "logout", "login-fields"].contains(&k.as_str())) {
        return Err((*line, format!("unknown setting {key:?}; expected Auth, Login, Logout or Login-Fields")));
    }
    let Some((line, scheme)) = settings.get("auth") else { return Ok(RecordedAuth::None) };
    Ok(match scheme.as_str() {
        "none" => RecordedAuth::None,
        "basic" => RecordedAuth::Basic,
        "digest" => RecordedAuth::Digest(Algorithm::Md5),
        "digest-sha256" => RecordedAuth::Digest(Algorithm::Sha256),
        "form" => {
            let get = |name: &str| settings.get(name).map(|(_, v)| v.clone()).ok_or((*line, format!("Auth: form needs a {name} setting")));
            let fields = get("login-fields")?;
            let (user_field, password_field) =
                fields.split_once(char::is_whitespace).ok_or((*line, format!("Login-Fields {fields:?} must name the user and the password field")))?;
            RecordedAuth::Form(FormSettings {
                login_path: get("login")?,
                logout_path: get("logout")?,
                user_field: user_field.trim().to_string(),
                password_field: password_field.trim().to_string(),
            })
        }
        other => return Err((*line, format!("Auth {other:?} is not none, basic, digest, digest-sha256 or form"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_settings_parse() {
        let text = "# phone\nAuth: digest-sha256\n\n=== /a\nStatus: 200\nContent-Type: text/xml\nProtected: yes\n\n<a>\n  <b/>\n</a>\n=== /b\nStatus: 404\n";
        let recording = parse("x.http", text).unwrap();
        assert_eq!(recording.auth, RecordedAuth::Digest(super::super::digest::Algorithm::Sha256));
        let a = &recording.pages["/a"];
        assert_eq!(a.body, "<a>\n  <b/>\n</a>");
        assert!(a.protected);
        assert_eq!(recording.pages["/b"].status, 404);
        assert_eq!(recording.pages["/b"].body, "");
    }

    #[test]
    fn errors_name_the_line() {
        let error = parse("x.http", "=== /a\nStatus: abc\n\nbody").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.to_string().starts_with("x.http:2: status"), "{error}");
        let error = parse("x.http", "Auth: form\nLogin: /l\n=== /a\n\nbody").unwrap_err();
        assert!(error.message.contains("logout") || error.message.contains("login-fields"), "{error}");
        assert!(parse("x.http", "# nothing\n").is_err());
    }
}
