//! Identifying a device from its web pages. The first page of each profile
//! is matched in priority order, and a path that several profiles share is
//! read once. The profile that matches has the rest of its pages read and
//! its values extracted.

use std::collections::{BTreeMap, HashMap};

use super::{FetchError, Page, PageRequest, PageSource};
use crate::device::{Component, Status};
use crate::identify::Identity;
use crate::profiles::http_rules::{HttpPage, HttpRules, ParsedBody, Scheme};
use crate::profiles::{Profile, ProfileSet};

/// Result of reading a device's pages: its identity and the pages of the
/// matched profile that could not be read.
#[derive(Debug, Default)]
pub struct HttpReading {
    pub identity: Identity,
    pub failures: Vec<String>,
    /// Whether any page was read over HTTPS.
    pub used_https: bool,
}

/// Pages already requested, keyed by scheme and path, so a page that several
/// profiles name is read once. A login page first read without credentials
/// is read again with them.
struct PageCache<'s, S: PageSource> {
    source: &'s mut S,
    pages: HashMap<(Scheme, String), Result<Page, FetchError>>,
    used_https: bool,
}

impl<S: PageSource> PageCache<'_, S> {
    async fn fetch(&mut self, page: &HttpPage, rules: &HttpRules) -> Result<Page, FetchError> {
        let key = (page.scheme, page.path.clone());
        if let Some(result) = self.pages.get(&key) {
            let cached_without_login = matches!(result, Ok(p) if p.needs_login() && !p.authenticated);
            if !(page.login && cached_without_login) {
                return result.clone();
            }
        }
        let request = PageRequest { path: &page.path, scheme: page.scheme, login: page.login, form_login: rules.form_login.as_ref() };
        let result = self.source.fetch(&request).await;
        if let Ok(read) = &result {
            self.used_https |= read.scheme == Scheme::Https;
        }
        self.pages.insert(key, result.clone());
        result
    }
}

/// Cause of a profile's first page not identifying the device, ranked so
/// that the deciding cause leads the reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum NoteKind {
    /// The device rejected the credentials sent, or a form login.
    LoginRejected,
    /// The page needs credentials and none were sent.
    LoginNeeded,
    /// The scanner rejected the certificate, or the device offers only old TLS.
    Tls,
    /// The page responded but is malformed, matches nothing, or has an
    /// unexpected HTTP status.
    Content,
    /// No response: refused, timed out or unreachable. Grouped by error,
    /// because one closed port fails every page the same way.
    Transport(String),
    /// HTTP 404: a page of a profile that does not fit this device. Counted,
    /// not listed, because most profiles' pages are missing on any device.
    NotFound,
}

#[derive(Debug, Clone)]
struct Note {
    kind: NoteKind,
    text: String,
}

/// Reads the pages the profiles name and identifies the device.
pub async fn identify<S: PageSource>(source: &mut S, profiles: &ProfileSet) -> HttpReading {
    let mut cache = PageCache { source, pages: HashMap::new(), used_https: false };
    // Why each page failed to identify the device, by path.
    let mut notes: BTreeMap<String, Note> = BTreeMap::new();
    let candidates = profiles.profiles.iter().filter_map(|p| p.http.as_ref().map(|rules| (p, rules)));
    let mut selected = None;
    for (profile, rules) in candidates {
        let first = &rules.pages[0];
        match cache.fetch(first, rules).await {
            Ok(page) if page.is_success() => match recognise(first, &page) {
                Ok(()) => {
                    selected = Some((profile, rules));
                    break;
                }
                Err(text) => add_note(&mut notes, &first.path, Note { kind: NoteKind::Content, text }),
            },
            Ok(page) => {
                let credential = cache.source.credential_name();
                add_note(&mut notes, &first.path, page_note(first, &page, credential));
            }
            Err(error) => add_note(&mut notes, &first.path, error_note(first, &error)),
        }
    }
    let mut reading = match selected {
        Some((profile, rules)) => read_profile(&mut cache, profile, rules).await,
        None => HttpReading { identity: unidentified(&cache.pages, &notes), ..HttpReading::default() },
    };
    reading.used_https = cache.used_https;
    reading
}

/// Records why a path failed to identify the device. The first note of a
/// path stays, unless it is `LoginNeeded`: a later profile that marks the
/// path as needing login has it read again with credentials, and the note of
/// that request replaces it.
fn add_note(notes: &mut BTreeMap<String, Note>, path: &str, note: Note) {
    let superseded = notes.get(path).is_none_or(|existing| existing.kind == NoteKind::LoginNeeded);
    if superseded {
        notes.insert(path.to_string(), note);
    }
}

/// Checks that the page parses in its format and matches the profile's regex.
fn recognise(page_rules: &HttpPage, page: &Page) -> Result<(), String> {
    if let Err(message) = ParsedBody::parse(page_rules.format, &page.body) {
        return Err(format!("{}: invalid {} ({message})", page_rules.path, page_rules.format.as_str()));
    }
    match &page_rules.matcher {
        Some(matcher) if !matcher.is_match(&page.body) => Err(format!("{}: the page matches no profile", page_rules.path)),
        _ => Ok(()),
    }
}

/// Explains an HTTP status other than success. `credential` is the name of
/// the set that was sent, if any.
fn status_note(page_rules: &HttpPage, page: &Page, credential: Option<&str>) -> String {
    let path = &page_rules.path;
    let status = page.status;
    match (page.needs_login(), page.authenticated, credential) {
        (true, true, Some(name)) => format!("{path}: HTTP {status} although credential set {name:?} was sent; the device rejected it"),
        (true, true, None) => format!("{path}: HTTP {status} although credentials were sent; the device rejected them"),
        (true, false, _) if page_rules.login => {
            format!("{path}: HTTP {status}; the page needs credentials and no [[http]] credential set applies")
        }
        _ => format!("{path}: HTTP {status}"),
    }
}

/// Classifies a first page's HTTP status for the reason of an unidentified device.
fn page_note(page_rules: &HttpPage, page: &Page, credential: Option<&str>) -> Note {
    let kind = match (page.needs_login(), page.authenticated) {
        (true, true) => NoteKind::LoginRejected,
        (true, false) => NoteKind::LoginNeeded,
        _ if page.status == 404 => NoteKind::NotFound,
        _ => NoteKind::Content,
    };
    Note { kind, text: status_note(page_rules, page, credential) }
}

/// Classifies a first page's failed request for the reason of an unidentified device.
fn error_note(page_rules: &HttpPage, error: &FetchError) -> Note {
    let kind = match error {
        FetchError::AuthFailed(_) => NoteKind::LoginRejected,
        FetchError::TlsRejected(_) | FetchError::TlsLegacy => NoteKind::Tls,
        FetchError::Timeout | FetchError::Refused | FetchError::Unreachable(_) | FetchError::Other(_) => NoteKind::Transport(error.to_string()),
    };
    Note { kind, text: format!("{}: {error}", page_rules.path) }
}

/// Reads every page of the matched profile and extracts its values.
async fn read_profile<S: PageSource>(cache: &mut PageCache<'_, S>, profile: &Profile, rules: &HttpRules) -> HttpReading {
    let mut identity = Identity {
        profile: Some(profile.id.clone()),
        vendor: Some(profile.vendor.clone()),
        class: Some(profile.class),
        ..Identity::default()
    };
    let mut failures = Vec::new();
    for page_rules in &rules.pages {
        let page = match cache.fetch(page_rules, rules).await {
            Ok(page) if page.is_success() => page,
            Ok(page) => {
                failures.push(status_note(page_rules, &page, cache.source.credential_name()));
                continue;
            }
            Err(error) => {
                failures.push(format!("{}: {error}", page_rules.path));
                continue;
            }
        };
        let parsed = match ParsedBody::parse(page_rules.format, &page.body) {
            Ok(parsed) => parsed,
            Err(message) => {
                failures.push(format!("{}: invalid {} ({message})", page_rules.path, page_rules.format.as_str()));
                continue;
            }
        };
        extract_page(&mut identity, profile, rules, page_rules, &parsed);
    }
    finish_identity(&mut identity, profile);
    HttpReading { identity, failures, used_https: false }
}

/// Fills the values this page carries that earlier pages did not.
fn extract_page(identity: &mut Identity, profile: &Profile, rules: &HttpRules, page_rules: &HttpPage, parsed: &ParsedBody<'_>) {
    let read = |value: &Option<crate::profiles::http_rules::HttpValue>| value.as_ref().and_then(|v| v.extract(parsed));
    let text_of = |text: String| crate::identify::text::strip_terminal_controls(&text);
    let fill = |slot: &mut Option<String>, value: Option<String>| {
        if slot.is_none() {
            *slot = value.map(text_of);
        }
    };
    fill(&mut identity.model, read(&page_rules.model));
    fill(&mut identity.serial, read(&page_rules.serial));
    fill(&mut identity.hostname, read(&page_rules.hostname));
    let source = format!("http:{}", page_rules.path);
    let product = rules.product.clone().or_else(|| profile.release_product.clone());
    if identity.version.is_none()
        && let Some(version) = read(&page_rules.version).map(text_of)
    {
        identity.version = Some(version.clone());
        let mut component = Component::new(rules.version_component.clone(), rules.version_kind, version, source.clone());
        component.protocol = "http";
        component.release_product = product.clone();
        identity.components.push(component);
    }
    for (name, kind, value) in &page_rules.components {
        if let Some(version) = value.extract(parsed).map(text_of) {
            let mut component = Component::new(name.clone(), *kind, version, source.clone());
            component.protocol = "http";
            identity.components.push(component);
        }
    }
}

fn finish_identity(identity: &mut Identity, profile: &Profile) {
    if identity.version.is_some() {
        identity.status = Some(Status::Ok);
    } else {
        identity.status = Some(Status::Partial);
        identity.reason = Some(format!("matched profile {} but its pages carry no firmware version", profile.id));
    }
}

/// Explains why no profile matched, with the status that fits best: a
/// login the device rejected, then a certificate the scanner rejected, then
/// a response that matched nothing, then the transport errors.
fn unidentified(pages: &HashMap<(Scheme, String), Result<Page, FetchError>>, notes: &BTreeMap<String, Note>) -> Identity {
    let reason = if notes.is_empty() {
        "no vendor profile names HTTP pages".to_string()
    } else {
        notes_reason(notes)
    };
    let results: Vec<&Result<Page, FetchError>> = pages.values().collect();
    let login_rejected = results.iter().any(|r| matches!(r, Ok(page) if page.needs_login()) || matches!(r, Err(FetchError::AuthFailed(_))));
    let tls_error = results.iter().filter_map(|r| r.as_ref().err()).find(|e| matches!(e, FetchError::TlsRejected(_) | FetchError::TlsLegacy));
    let answered = results.iter().any(|r| r.is_ok());
    let status = if login_rejected {
        Status::AuthFailed
    } else if let Some(error) = tls_error {
        transport_status(std::iter::once(error))
    } else if answered || results.is_empty() {
        Status::Unidentified
    } else {
        transport_status(results.iter().filter_map(|r| r.as_ref().err()))
    };
    let reason = match status {
        Status::Unidentified if answered => format!("the web pages match no profile: {reason}"),
        _ => reason,
    };
    Identity { status: Some(status), reason: Some(reason), ..Identity::default() }
}

/// Joins the notes, the deciding cause first: a rejected or missing login,
/// then TLS, then pages whose response did not match, then requests without a
/// response grouped by error. HTTP 404s, the pages of profiles that do not
/// fit, come last as a count.
fn notes_reason(notes: &BTreeMap<String, Note>) -> String {
    let mut ranked: Vec<&Note> = notes.values().filter(|n| n.kind != NoteKind::NotFound).collect();
    ranked.sort_by(|a, b| a.kind.cmp(&b.kind));
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while index < ranked.len() {
        let note = ranked[index];
        let same = ranked[index..].iter().take_while(|n| n.kind == note.kind).count();
        match &note.kind {
            NoteKind::Transport(error) if same > 1 => parts.push(format!("{error} on {same} pages")),
            _ => parts.extend(ranked[index..index + same].iter().map(|n| n.text.clone())),
        }
        index += same;
    }
    let not_found: Vec<&Note> = notes.values().filter(|n| n.kind == NoteKind::NotFound).collect();
    match (not_found.len(), parts.is_empty()) {
        (0, _) => {}
        (1, true) => parts.push(not_found[0].text.clone()),
        (count, true) => parts.push(format!("{count} profile pages not found (HTTP 404)")),
        (1, false) => parts.push("1 other profile page not found (HTTP 404)".to_string()),
        (count, false) => parts.push(format!("{count} other profile pages not found (HTTP 404)")),
    }
    parts.join("; ")
}

/// Returns the status that best explains why no page could be read.
pub fn transport_status<'a>(errors: impl Iterator<Item = &'a FetchError>) -> Status {
    let rank = |error: &FetchError| match error {
        FetchError::TlsLegacy => (0, Status::TlsLegacy),
        FetchError::TlsRejected(_) => (1, Status::TlsRejected),
        FetchError::AuthFailed(_) => (2, Status::AuthFailed),
        FetchError::Refused => (3, Status::Refused),
        FetchError::Unreachable(_) => (4, Status::Unreachable),
        // NOTE: protocol errors other than these are reported as `timeout`;
        // the reason names the real error.
        FetchError::Timeout | FetchError::Other(_) => (5, Status::Timeout),
    };
    errors.map(rank).min_by_key(|(r, _)| *r).map_or(Status::Timeout, |(_, status)| status)
}

/// Serves a saved recording as a page source for `identify`. Protected
/// pages are returned as recorded, because the recording contains what the
/// device showed after login.
pub struct RecordingSource<'a> {
    pub recording: &'a super::recording::HttpRecording,
}

impl PageSource for RecordingSource<'_> {
    async fn fetch(&mut self, request: &PageRequest<'_>) -> Result<Page, FetchError> {
        Ok(match self.recording.pages.get(request.path) {
            Some(page) => Page { status: page.status, body: page.body.clone(), scheme: request.scheme, authenticated: page.protected, challenge: None },
            None => Page { status: 404, body: String::new(), scheme: request.scheme, authenticated: false, challenge: None },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes(entries: &[(&str, NoteKind, &str)]) -> BTreeMap<String, Note> {
        entries.iter().map(|(path, kind, text)| (path.to_string(), Note { kind: kind.clone(), text: text.to_string() })).collect()
    }

    #[test]
    fn rejected_login_replaces_needed_note() {
        let mut notes = BTreeMap::new();
        add_note(&mut notes, "/a", Note { kind: NoteKind::LoginNeeded, text: "needed".into() });
        add_note(&mut notes, "/a", Note { kind: NoteKind::LoginRejected, text: "rejected".into() });
        add_note(&mut notes, "/a", Note { kind: NoteKind::NotFound, text: "not found".into() });

        assert_eq!(notes["/a"].kind, NoteKind::LoginRejected);
        assert_eq!(notes["/a"].text, "rejected");
    }

    #[test]
    fn rejected_login_leads_not_found() {
        let notes = notes(&[
            ("/a.xml", NoteKind::NotFound, "/a.xml: HTTP 404"),
            ("/api/info", NoteKind::LoginRejected, "/api/info: HTTP 401 although credential set \"web\" was sent; the device rejected it"),
            ("/b.htm", NoteKind::NotFound, "/b.htm: HTTP 404"),
        ]);

        assert_eq!(
            notes_reason(&notes),
            "/api/info: HTTP 401 although credential set \"web\" was sent; the device rejected it; 2 other profile pages not found (HTTP 404)"
        );
    }

    #[test]
    fn same_transport_error_grouped() {
        let refused = NoteKind::Transport("connection refused".into());
        let notes = notes(&[("/a", refused.clone(), "/a: connection refused"), ("/b", refused, "/b: connection refused")]);

        assert_eq!(notes_reason(&notes), "connection refused on 2 pages");
    }

    #[test]
    fn lone_not_found_keeps_path() {
        let notes = notes(&[("/status.xml", NoteKind::NotFound, "/status.xml: HTTP 404")]);

        assert_eq!(notes_reason(&notes), "/status.xml: HTTP 404");
    }
}
