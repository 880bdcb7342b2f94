//! Escaping of untrusted text for HTML element content and attribute values.

use crate::identify::text::strip_terminal_controls;

/// Escapes a device string for HTML text and quoted attribute values.
///
/// Terminal escape sequences and control characters are removed first, as
/// for the terminal table, and line breaks become spaces. Bidirectional
/// embedding, override and isolate characters are removed too, because they
/// can make a hostile name read as another one. The five characters with
/// meaning in HTML become character references.
pub fn escape_html(text: &str) -> String {
    let cleaned = strip_terminal_controls(text);
    let mut out = String::with_capacity(cleaned.len());
    for c in cleaned.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes an optional device string, turning `None` into an empty string.
pub fn escape_optional(text: Option<&str>) -> String {
    text.map(escape_html).unwrap_or_default()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_references() {
        assert_eq!(escape_html("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
        assert_eq!(escape_html("a \"b\" & c"), "a &quot;b&quot; &amp; c");
    }

    #[test]
    fn controls_and_escapes_are_removed() {
        assert_eq!(escape_html("core\u{1b}[31m-sw1\u{7}\u{0}"), "core-sw1");
        assert_eq!(escape_html("line1\nline2"), "line1 line2");
        assert_eq!(escape_html("abc\u{202E}fdp.exe"), "abcfdp.exe");
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(escape_html("Cisco IOS 15.2(7)E10"), "Cisco IOS 15.2(7)E10");
        assert_eq!(escape_html("Zürich-Süd"), "Zürich-Süd");
    }
}
