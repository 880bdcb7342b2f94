//! A profile's HTTP rules, compiled: the pages to GET, how each is parsed,
//! and where its values sit.

use regex::Regex;

use crate::device::ComponentKind;
use crate::http::xpath::XPath;

/// URL scheme of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    pub fn other(self) -> Scheme {
        match self {
            Scheme::Http => Scheme::Https,
            Scheme::Https => Scheme::Http,
        }
    }
}

/// Body format of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFormat {
    Xml,
    Json,
    Html,
}

impl PageFormat {
    pub fn parse(text: &str) -> Option<PageFormat> {
        match text {
            "xml" => Some(PageFormat::Xml),
            "json" => Some(PageFormat::Json),
            "html" => Some(PageFormat::Html),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PageFormat::Xml => "XML",
            PageFormat::Json => "JSON",
            PageFormat::Html => "HTML",
        }
    }
}

/// A profile's HTTP rules.
#[derive(Debug)]
pub struct HttpRules {
    pub product: Option<String>,
    pub version_component: String,
    pub version_kind: ComponentKind,
    pub form_login: Option<FormLogin>,
    /// At least one page; the first recognises the platform.
    pub pages: Vec<HttpPage>,
}

/// A form login and the logout that ends its session.
#[derive(Clone, Debug)]
pub struct FormLogin {
    pub path: String,
    pub user_field: String,
    pub password_field: String,
    pub extra_fields: Vec<(String, String)>,
    pub logout_path: String,
    /// Whether the logout is a POST rather than a GET.
    pub logout_post: bool,
}

/// One page of a profile.
#[derive(Debug)]
pub struct HttpPage {
    pub path: String,
    pub scheme: Scheme,
    pub format: PageFormat,
    pub login: bool,
    pub matcher: Option<Regex>,
    pub model: Option<HttpValue>,
    pub serial: Option<HttpValue>,
    pub hostname: Option<HttpValue>,
    pub version: Option<HttpValue>,
    pub components: Vec<(String, ComponentKind, HttpValue)>,
}

/// Location of a value in a page, and the shaping of its text.
#[derive(Debug)]
pub struct HttpValue {
    pub selector: Selector,
    pub regex: Option<Regex>,
    pub template: Option<String>,
    pub replace: Vec<(Regex, String)>,
}

#[derive(Debug)]
pub enum Selector {
    XPath(XPath),
    /// A JSON pointer (RFC 6901), such as `/data/FirmwareRelease`.
    Pointer(String),
    /// The regex alone, on an HTML page's text.
    Regex,
}

/// A page body parsed by its format.
pub enum ParsedBody<'a> {
    Xml(roxmltree::Document<'a>),
    Json(serde_json::Value),
    Html(&'a str),
}

impl<'a> ParsedBody<'a> {
    /// Parses `body` as `format`. Fails with the parser's message.
    pub fn parse(format: PageFormat, body: &'a str) -> Result<ParsedBody<'a>, String> {
        match format {
            PageFormat::Xml => roxmltree::Document::parse(body).map(ParsedBody::Xml).map_err(|e| e.to_string()),
            PageFormat::Json => serde_json::from_str(body).map(ParsedBody::Json).map_err(|e| e.to_string()),
            PageFormat::Html => Ok(ParsedBody::Html(body)),
        }
    }
}

impl HttpValue {
    /// Reads the value from a parsed page and shapes it. Returns `None` when
    /// the selector finds nothing or the regex does not match.
    pub fn extract(&self, body: &ParsedBody<'_>) -> Option<String> {
        let raw = match (&self.selector, body) {
            (Selector::XPath(path), ParsedBody::Xml(document)) => path.select(document)?,
            (Selector::Pointer(pointer), ParsedBody::Json(value)) => json_text(value.pointer(pointer)?)?,
            (Selector::Regex, ParsedBody::Html(text)) => (*text).to_string(),
            _ => return None,
        };
        self.shape(&raw)
    }

    fn shape(&self, raw: &str) -> Option<String> {
        let mut text = match &self.regex {
            None => raw.to_string(),
            Some(regex) => {
                let captures = regex.captures(raw)?;
                match &self.template {
                    Some(template) => {
                        let mut expanded = String::new();
                        captures.expand(template, &mut expanded);
                        expanded
                    }
                    None => captures.name("value").or_else(|| captures.get(1)).or_else(|| captures.get(0))?.as_str().to_string(),
                }
            }
        };
        for (pattern, replacement) in &self.replace {
            text = pattern.replace_all(&text, replacement.as_str()).into_owned();
        }
        super::clean_value(&strip_tags(&text))
    }
}

/// Returns the text of a JSON string, number or boolean.
fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Removes HTML tags and decodes the common entities, so a regex group that
/// spans markup still yields plain text.
fn strip_tags(text: &str) -> String {
    if !text.contains('<') && !text.contains('&') {
        return text.to_string();
    }
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    for character in text.chars() {
        match character {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => plain.push(character),
            _ => {}
        }
    }
    plain.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(selector: Selector, regex: Option<&str>) -> HttpValue {
        HttpValue { selector, regex: regex.map(|r| Regex::new(r).unwrap()), template: None, replace: Vec::new() }
    }

    #[test]
    fn json_pointer_reads_strings_and_numbers() {
        let body = ParsedBody::parse(PageFormat::Json, r#"{"data":{"FirmwareRelease":"6.4.3.1234","Build":77}}"#).unwrap();
        assert_eq!(value(Selector::Pointer("/data/FirmwareRelease".into()), None).extract(&body).as_deref(), Some("6.4.3.1234"));
        assert_eq!(value(Selector::Pointer("/data/Build".into()), None).extract(&body).as_deref(), Some("77"));
        assert_eq!(value(Selector::Pointer("/data".into()), None).extract(&body), None);
    }

    #[test]
    fn html_regex_strips_markup() {
        let body = ParsedBody::parse(PageFormat::Html, "<dt>Firmware</dt><dd><b>1.2</b>&nbsp;(A)</dd>").unwrap();
        let version = value(Selector::Regex, Some(r"Firmware</dt>\s*<dd>(.*?)</dd>"));
        assert_eq!(version.extract(&body).as_deref(), Some("1.2 (A)"));
    }

    #[test]
    fn selector_of_another_format_yields_nothing() {
        let body = ParsedBody::parse(PageFormat::Html, "1.2").unwrap();
        assert_eq!(value(Selector::Pointer("/a".into()), None).extract(&body), None);
    }
}
