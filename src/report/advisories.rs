//! Advisory details for the HTML report. Components carry only advisory ids,
//! so the titles, vendor pages and CVE ids come from the release catalogue.

use std::collections::HashMap;

use crate::releases::Catalogue;

/// Base URL of the CVE Program's public record page, to which the CVE id is appended.
const CVE_RECORD_URL: &str = "https://www.cve.org/CVERecord?id=";

/// Details of one advisory, as the HTML report shows them.
#[derive(Debug, Clone, Default)]
pub struct AdvisoryDetails {
    pub title: Option<String>,
    /// The vendor's page, kept only when it is a plain `http` or `https` URL.
    pub url: Option<String>,
    pub cves: Vec<String>,
    pub severity: Option<String>,
    pub kev: bool,
}

/// Advisory details by advisory id.
#[derive(Debug, Clone, Default)]
pub struct AdvisoryIndex {
    by_id: HashMap<String, AdvisoryDetails>,
}

impl AdvisoryIndex {
    /// Collects the advisories of every product. Where two products list the
    /// same id, the first product in id order wins.
    pub fn from_catalogue(catalogue: &Catalogue) -> AdvisoryIndex {
        let mut by_id = HashMap::new();
        for product in catalogue.products.values() {
            for advisory in &product.advisories {
                by_id.entry(advisory.id.clone()).or_insert_with(|| AdvisoryDetails {
                    title: advisory.title.clone(),
                    url: advisory.url.as_deref().filter(|url| is_web_url(url)).map(str::to_string),
                    cves: advisory.cves.clone(),
                    severity: advisory.severity.clone(),
                    kev: advisory.kev,
                });
            }
        }
        AdvisoryIndex { by_id }
    }

    /// Builds the index from the release data built into the binary, for
    /// callers that have no catalogue loaded. An invalid built-in file gives
    /// an empty index, so advisories are then listed without links.
    pub fn builtin() -> AdvisoryIndex {
        match Catalogue::builtin() {
            Ok(catalogue) => AdvisoryIndex::from_catalogue(&catalogue),
            Err(error) => {
                tracing::warn!("built-in release data: {error}; the HTML report lists advisories without links");
                AdvisoryIndex::default()
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&AdvisoryDetails> {
        self.by_id.get(id)
    }
}

/// Returns the cve.org record URL for a well-formed CVE id
/// (`CVE-YYYY-NNNN` with four or more digits at the end), or `None`.
pub fn cve_record_url(id: &str) -> Option<String> {
    let mut parts = id.split('-');
    let well_formed = parts.next() == Some("CVE")
        && parts.next().is_some_and(|year| year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_some_and(|number| number.len() >= 4 && number.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none();
    well_formed.then(|| format!("{CVE_RECORD_URL}{id}"))
}

/// Returns whether `url` is an absolute `http` or `https` URL without
/// whitespace, quotes, angle brackets or control characters. Other schemes,
/// such as `javascript:`, are never linked.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let has_host = ["https://", "http://"]
        .iter()
        .any(|scheme| lower.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/')));
    has_host && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_get_record_urls() {
        assert_eq!(cve_record_url("CVE-2024-21762").as_deref(), Some("https://www.cve.org/CVERecord?id=CVE-2024-21762"));
        assert_eq!(cve_record_url("CVE-2024-1234567").as_deref(), Some("https://www.cve.org/CVERecord?id=CVE-2024-1234567"));
        assert_eq!(cve_record_url("CVE-24-1234"), None);
        assert_eq!(cve_record_url("CVE-2024-12"), None);
        assert_eq!(cve_record_url("CVE-2024-1234\"onload"), None);
        assert_eq!(cve_record_url("FG-IR-24-015"), None);
    }

    #[test]
    fn only_web_urls_are_linked() {
        assert!(is_web_url("https://sec.cloudapps.cisco.com/security/center/content/CiscoSecurityAdvisory/cisco-sa-x"));
        assert!(is_web_url("http://example.net/a?b=c&d=e"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("JAVASCRIPT://%0aalert(1)"));
        assert!(!is_web_url("data:text/html,<script>"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("https:///path"));
        assert!(!is_web_url("https://example.net/\"onmouseover=x"));
        assert!(!is_web_url("https://example.net/ a"));
    }

    #[test]
    fn catalogue_script_url_is_dropped() {
        let text = r#"
product = "test"
vendor = "Test"
name = "Test OS"
scheme = "dotted"
checked = 2026-12-04
[[advisory]]
id = "TEST-1"
cves = ["CVE-2026-0001"]
url = "javascript:alert(1)"
"#;
        let product = crate::releases::catalogue::parse_product(std::path::Path::new("test.toml"), text).unwrap();
        let mut catalogue = Catalogue::default();
        catalogue.products.insert(product.id.clone(), product);
        let index = AdvisoryIndex::from_catalogue(&catalogue);
        let details = index.get("TEST-1").expect("advisory indexed");
        assert_eq!(details.url, None);
        assert_eq!(details.cves, ["CVE-2026-0001"]);
    }

    #[test]
    fn builtin_index_has_vendor_urls() {
        let index = AdvisoryIndex::builtin();
        let details = index.get("SEVD-2021-348-04").expect("APC advisory in the built-in data");
        assert_eq!(details.cves, ["CVE-2021-22825"]);
        assert!(details.url.as_deref().is_some_and(|url| url.starts_with("https://")));
        assert!(details.title.is_some());
    }
}
