//! Turning untrusted device bytes into readable text.

/// Decodes an OCTET STRING for display and matching.
///
/// Devices send UTF-8, Latin-1, binary blobs and strings padded with NULs.
/// Trailing NULs are dropped. Mostly printable UTF-8 is kept, other mostly
/// printable bytes are read as Latin-1, and NULs inside text are removed.
/// Anything else (MAC addresses, bitmaps) becomes colon-separated hex.
/// Never panics.
pub fn decode_octets(bytes: &[u8]) -> String {
    let bytes = trim_trailing_nuls(bytes);
    decode_text(bytes).unwrap_or_else(|| hex_colon(bytes))
}

/// Decodes mostly printable UTF-8, else mostly printable Latin-1, without
/// trailing NULs and NULs inside the text. Returns `None` for binary values.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    let bytes = trim_trailing_nuls(bytes);
    if let Ok(text) = std::str::from_utf8(bytes)
        && looks_textual(text.chars())
    {
        return Some(text.replace('\0', ""));
    }
    let latin1 = bytes.iter().map(|&b| char::from(b));
    looks_textual(latin1.clone()).then(|| latin1.filter(|&c| c != '\0').collect())
}

fn trim_trailing_nuls(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |last| last + 1);
    &bytes[..end]
}

/// Formats bytes as `00:1a:2b`, the usual form for MAC addresses and blobs.
pub fn hex_colon(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Returns whether at least nine in ten characters are printable or ordinary
/// white space (tab, CR, LF). Binary values rarely pass, and empty text does.
fn looks_textual(chars: impl Iterator<Item = char>) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in chars {
        total += 1;
        let ordinary_space = matches!(c, '\n' | '\r' | '\t');
        if (c.is_control() && !ordinary_space) || c == '\u{fffd}' {
            control += 1;
        }
    }
    total == 0 || control * 10 <= total
}

/// Removes terminal control sequences and other control characters so that a
/// device string cannot move the cursor, change colours or retitle the
/// terminal when printed. Line breaks become spaces.
pub fn strip_terminal_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape_sequence(&mut chars),
            '\u{9b}' => skip_csi_parameters(&mut chars),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi_parameters(chars),
        // OSC, DCS, SOS, PM and APC strings run to BEL or ST (ESC \).
        Some(']' | 'P' | 'X' | '^' | '_') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
}

fn skip_csi_parameters(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_drops_trailing_nuls() {
        assert_eq!(decode_octets(b"7.2.8\0\0\0"), "7.2.8");
    }

    #[test]
    fn decode_reads_latin1() {
        assert_eq!(decode_octets(b"Z\xfcrich"), "Zürich");
    }

    #[test]
    fn decode_turns_binary_into_hex() {
        assert_eq!(decode_octets(&[0x00, 0x1a, 0x2b, 0x03, 0x04, 0x05]), "00:1a:2b:03:04:05");
    }

    #[test]
    fn decode_text_rejects_only_binary() {
        assert_eq!(decode_text(&[0x00, 0x1a, 0x2b, 0x03, 0x04, 0x05]), None);
        assert_eq!(decode_text(b"Z\xfcrich\0").as_deref(), Some("Zürich"));
    }

    #[test]
    fn decode_keeps_utf8() {
        assert_eq!(decode_octets("Switch – Köln".as_bytes()), "Switch – Köln");
    }

    #[test]
    fn strip_removes_csi_and_osc() {
        let hostile = "sw\u{1b}[2J\u{1b}]0;owned\u{7}01\r\nnext";
        assert_eq!(strip_terminal_controls(hostile), "sw01  next");
    }
}
