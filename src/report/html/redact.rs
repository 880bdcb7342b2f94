//! Removal of technician-only details from text shown to a customer:
//! credential set names and references to the scanner's own files (such as
//! `approved.csv:2`). The CSV and JSON output keep the full text.

use std::sync::LazyLock;

use regex::Regex;

/// Each pattern with its replacement, applied in order.
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let rule = |pattern: &str, replacement: &'static str| (Regex::new(pattern).expect("valid pattern"), replacement);
    vec![
        // "(credential sets: acme-v2, globex-v2)"
        rule(r" ?\(credential sets?:[^()]*\)", ""),
        // "per credential set (acme-v2, globex-v2)"
        rule(r"(credential sets?) \([^()]*\)", "$1"),
        // `credential set "globex-v2"`
        rule(r#"credential sets? "[^"]*""#, "a credential set"),
        // "is fenced to tenants ["globex"], not "acme"" names other tenants.
        rule(r#"is fenced to tenants \[[^\]]*\](?:, not "[^"]*")?"#, "does not apply to this customer"),
        // "(approved.csv:2)" or "(/etc/fwsweep/credentials.toml:14)"
        rule(r" ?\([^()]*\.[A-Za-z][A-Za-z0-9]{0,4}:\d+\)", ""),
        // "inventory.csv:7: " at the start of an inventory problem
        rule(r"\S*\.[A-Za-z][A-Za-z0-9]{0,4}:\d+:? ?", ""),
    ]
});

/// Returns `text` without credential set names, other tenants' names and
/// file:line references. The result is plain text, still to be escaped.
pub fn customer_text(text: &str) -> String {
    let mut cleaned = text.to_string();
    for (pattern, replacement) in RULES.iter() {
        cleaned = pattern.replace_all(&cleaned, *replacement).into_owned();
    }
    cleaned.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::customer_text;

    #[test]
    fn credential_names_are_removed() {
        let reason = "no SNMP response on port 161 after 2 attempt(s) per credential set (acme-v2, globex-v2); \
                      a v1/v2c agent also stays silent for a wrong community";
        let cleaned = customer_text(reason);
        assert!(!cleaned.contains("globex-v2"), "{cleaned}");
        assert!(cleaned.starts_with("no SNMP response on port 161 after 2 attempt(s) per credential set;"), "{cleaned}");

        let cleaned = customer_text("ignored every community tried (credential sets: globex-v2); the community is wrong");
        assert_eq!(cleaned, "ignored every community tried; the community is wrong");
    }

    #[test]
    fn fenced_set_names_no_tenant() {
        let cleaned = customer_text(r#"credential set "globex-v2" (/etc/fwsweep/credentials.toml:3) is fenced to tenants ["globex"], not "acme""#);
        assert_eq!(cleaned, "a credential set does not apply to this customer");
    }

    #[test]
    fn file_references_are_removed() {
        let cleaned = customer_text("baseline 7.0.1 (approved.csv:2) is in another train; not compared");
        assert_eq!(cleaned, "baseline 7.0.1 is in another train; not compared");
        assert_eq!(customer_text("/tmp/inventory.csv:7: invalid port"), "invalid port");
    }

    #[test]
    fn ordinary_text_is_kept() {
        let text = "newer than 15.2(7)E12, the latest in the release data (checked 2026-08-01)";
        assert_eq!(customer_text(text), text);
        assert_eq!(customer_text("connection refused by 192.0.2.1:443"), "connection refused by 192.0.2.1:443");
    }
}
