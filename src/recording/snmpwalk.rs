use super::Parsed;
use crate::snmp::{Oid, Value};

/// Parses net-snmp `snmpwalk -ObentU` output: numeric OIDs, numeric enums,
/// raw timeticks, no units. A quoted string may span several lines.
pub fn parse_snmpwalk(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((index, raw_line)) = lines.next() {
        let line_number = index + 1;
        let line = raw_line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((oid_text, rest)) = line.split_once(" = ") else {
            parsed.problems.push((line_number, "expected OID = TYPE: VALUE".to_string()));
            continue;
        };
        let oid: Oid = match oid_text.trim().parse() {
            Ok(oid) => oid,
            Err(error) => {
                parsed.problems.push((line_number, format!("{error}")));
                continue;
            }
        };
        let (kind, value_text) = match rest.split_once(": ") {
            Some((kind, value)) => (kind.trim(), value.to_string()),
            None => (rest.trim().trim_end_matches(':'), String::new()),
        };

        let mut value_text = value_text;
        if matches!(kind, "STRING" | "\"\"") || (kind.is_empty() && rest.starts_with('"')) {
            // A multi-line string continues until a line closes the quote.
            while value_text.starts_with('"') && !closes_quote(&value_text) {
                let Some((_, next)) = lines.next() else { break };
                value_text.push('\n');
                value_text.push_str(next.trim_end_matches('\r'));
            }
        } else if kind == "Hex-STRING" {
            while let Some((_, next)) = lines.peek() {
                if next.contains(" = ") || !is_hex_line(next) {
                    break;
                }
                value_text.push(' ');
                value_text.push_str(next);
                lines.next();
            }
        }

        match parse_typed_value(kind, rest, &value_text) {
            Ok(value) => {
                parsed.varbinds.insert(oid, value);
            }
            Err(message) => parsed.problems.push((line_number, format!("OID {oid}: {message}"))),
        }
    }
    parsed
}

fn closes_quote(text: &str) -> bool {
    let mut escaped = false;
    let mut quotes = 0;
    for c in text.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => quotes += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    quotes >= 2
}

fn is_hex_line(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && trimmed.split_whitespace().all(|pair| {
        pair.len() == 2 && pair.chars().all(|c| c.is_ascii_hexdigit())
    })
}

fn unquote(text: &str) -> String {
    let trimmed = text.trim();
    let inner = trimmed
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(trimmed);
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

fn parse_typed_value(kind: &str, rest: &str, text: &str) -> Result<Value, String> {
    let number = |t: &str| -> Result<i64, String> {
        t.split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '(' || c == ')')
            .parse::<i64>()
            .map_err(|_| format!("invalid number {t:?}"))
    };
    Ok(match kind {
        "STRING" => Value::OctetString(unquote(text).into_bytes()),
        "Hex-STRING" => Value::OctetString(
            text.split_whitespace()
                .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
                .collect(),
        ),
        "INTEGER" => Value::Integer(number(text)?),
        "OID" => Value::ObjectId(text.trim().parse().map_err(|e: crate::snmp::OidError| e.to_string())?),
        "Timeticks" => Value::TimeTicks(number(text)? as u32),
        "Counter32" => Value::Counter32(number(text)? as u32),
        "Gauge32" | "Unsigned32" => Value::Gauge32(number(text)? as u32),
        "Counter64" => Value::Counter64(text.trim().parse().map_err(|_| format!("invalid Counter64 {text:?}"))?),
        "IpAddress" => Value::IpAddress(
            text.trim()
                .parse::<std::net::Ipv4Addr>()
                .map_err(|_| format!("invalid IpAddress {text:?}"))?
                .octets(),
        ),
        "Opaque" => Value::Opaque(text.as_bytes().to_vec()),
        "NULL" | "Null" => Value::Null,
        "Network Address" => Value::IpAddress(
            text.split(':')
                .filter_map(|pair| u8::from_str_radix(pair.trim(), 16).ok())
                .collect::<Vec<u8>>()
                .try_into()
                .map_err(|_| format!("invalid Network Address {text:?}"))?,
        ),
        _ if rest.trim() == "\"\"" => Value::OctetString(Vec::new()),
        _ if rest.starts_with("No Such Object") => Value::NoSuchObject,
        _ if rest.starts_with("No Such Instance") => Value::NoSuchInstance,
        _ if rest.starts_with("No more variables") => Value::EndOfMibView,
        other => return Err(format!("unknown value type {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::oid;

    #[test]
    fn snmpwalk_reads_multiline_string() {
        let text = ".1.3.6.1.2.1.1.1.0 = STRING: \"Cisco IOS Software, Version 15.2(7)E3\nTechnical Support\"\n\
                    .1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.9.1.1208\n\
                    .1.3.6.1.2.1.1.3.0 = Timeticks: (4242) 0:00:42.42\n";
        let varbinds = parse_snmpwalk(text).varbinds;
        assert_eq!(
            varbinds[&oid("1.3.6.1.2.1.1.1.0")],
            Value::OctetString(b"Cisco IOS Software, Version 15.2(7)E3\nTechnical Support".to_vec())
        );
        assert_eq!(varbinds[&oid("1.3.6.1.2.1.1.3.0")], Value::TimeTicks(4242));
    }

    #[test]
    fn snmpwalk_reads_wrapped_hex() {
        let text = ".1.3.6.1.2.1.2.2.1.6.1 = Hex-STRING: 00 1A 2B \n3C 4D 5E \n.1.3.6.1.2.1.1.5.0 = STRING: \"sw01\"\n";
        let varbinds = parse_snmpwalk(text).varbinds;
        assert_eq!(
            varbinds[&oid("1.3.6.1.2.1.2.2.1.6.1")],
            Value::OctetString(vec![0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e])
        );
        assert_eq!(varbinds[&oid("1.3.6.1.2.1.1.5.0")], Value::OctetString(b"sw01".to_vec()));
    }
}
