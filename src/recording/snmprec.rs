use super::Parsed;
use crate::snmp::{Oid, Value};

/// Parses the snmpsim format, one `OID|TAG|VALUE` per line.
///
/// The tag is the BER type number, and a trailing `x` means the value is
/// written in hex. Values may themselves contain `|`, so only the first two split.
/// Lines that cannot be read are skipped and listed in the result.
pub fn parse_snmprec(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw_line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.splitn(3, '|');
        let (Some(oid_text), Some(tag), Some(value_text)) =
            (fields.next(), fields.next(), fields.next())
        else {
            parsed.problems.push((line_number, "expected OID|TAG|VALUE".to_string()));
            continue;
        };
        let oid: Oid = match oid_text.parse() {
            Ok(oid) => oid,
            Err(error) => {
                parsed.problems.push((line_number, format!("{error}")));
                continue;
            }
        };
        match parse_tagged_value(tag, value_text) {
            Ok(value) => {
                parsed.varbinds.insert(oid, value);
            }
            Err(message) => parsed.problems.push((line_number, format!("OID {oid}: {message}"))),
        }
    }
    parsed
}

fn parse_tagged_value(tag: &str, text: &str) -> Result<Value, String> {
    // NOTE: snmpsim also defines variation modules (`4:numeric`) and an `e`
    // modifier seen in some recordings. Both are read here as the plain value.
    let tag = tag.split(':').next().unwrap_or(tag);
    let hex = tag.ends_with('x');
    let number_text = tag.trim_end_matches(['x', 'e']);
    let number: u8 = number_text
        .parse()
        .map_err(|_| format!("unknown tag {tag:?}"))?;

    let bytes = || -> Result<Vec<u8>, String> {
        if hex { decode_hex(text) } else { Ok(text.as_bytes().to_vec()) }
    };
    let integer = || -> Result<i64, String> {
        text.trim().parse::<i64>().map_err(|_| format!("invalid integer {text:?}"))
    };
    let unsigned = || -> Result<u32, String> {
        text.trim().parse::<u32>().map_err(|_| format!("invalid unsigned integer {text:?}"))
    };

    Ok(match number {
        2 => Value::Integer(integer()?),
        4 => Value::OctetString(bytes()?),
        5 => Value::Null,
        6 => Value::ObjectId(text.parse().map_err(|e: crate::snmp::OidError| e.to_string())?),
        64 => Value::IpAddress(parse_ip_address(&bytes()?, hex)?),
        65 => Value::Counter32(unsigned()?),
        66 => Value::Gauge32(unsigned()?),
        67 => Value::TimeTicks(unsigned()?),
        68 => Value::Opaque(bytes()?),
        70 => Value::Counter64(
            text.trim().parse().map_err(|_| format!("invalid Counter64 {text:?}"))?,
        ),
        128 => Value::NoSuchObject,
        129 => Value::NoSuchInstance,
        130 => Value::EndOfMibView,
        other => return Err(format!("unsupported tag {other}")),
    })
}

fn parse_ip_address(bytes: &[u8], hex: bool) -> Result<[u8; 4], String> {
    if hex {
        return bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| "IpAddress needs four bytes".to_string());
    }
    let text = String::from_utf8_lossy(bytes);
    let address: std::net::Ipv4Addr = text
        .trim()
        .parse()
        .map_err(|_| format!("invalid IpAddress {text:?}"))?;
    Ok(address.octets())
}

/// Decodes hex digits, ignoring white space. Decoding stops at the first
/// character that is neither hex nor white space, because some recordings
/// converted from multi-line walks carry a text tail after the hex (`…\n00 00 00`).
fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .take_while(char::is_ascii_hexdigit)
        .map(|c| c.to_digit(16).unwrap_or(0) as u8)
        .collect();
    Ok(digits.chunks(2).map(|pair| match pair {
        [high, low] => (high << 4) | low,
        [single] => *single,
        _ => 0,
    }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::oid;

    #[test]
    fn snmprec_reads_common_tags() {
        let text = "1.3.6.1.2.1.1.1.0|4|Linux sw01 5.10\n\
                    1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10\n\
                    1.3.6.1.2.1.1.3.0|67|12345\n\
                    1.3.6.1.2.1.2.1.0|2|-3\n\
                    1.3.6.1.2.1.4.20.1.1.10.0.0.1|64|192.0.2.1\n";
        let varbinds = parse_snmprec(text).varbinds;
        assert_eq!(varbinds[&oid("1.3.6.1.2.1.1.3.0")], Value::TimeTicks(12345));
        assert_eq!(varbinds[&oid("1.3.6.1.2.1.2.1.0")], Value::Integer(-3));
        assert_eq!(
            varbinds[&oid("1.3.6.1.2.1.4.20.1.1.10.0.0.1")],
            Value::IpAddress([192, 0, 2, 1])
        );
    }

    #[test]
    fn snmprec_decodes_hex_with_text_tail() {
        let varbinds = parse_snmprec("1.3.6.1.2.1.1.1.0|4x|4142430a\\n00 00\n").varbinds;
        assert_eq!(
            varbinds[&oid("1.3.6.1.2.1.1.1.0")],
            Value::OctetString(b"ABC\n".to_vec())
        );
    }

    #[test]
    fn snmprec_keeps_pipes_in_values() {
        let varbinds = parse_snmprec("1.3.6.1.2.1.1.1.0|4|V4.70 | 12/17/2021\n").varbinds;
        assert_eq!(
            varbinds[&oid("1.3.6.1.2.1.1.1.0")],
            Value::OctetString(b"V4.70 | 12/17/2021".to_vec())
        );
    }

    #[test]
    fn snmprec_skips_bad_line_and_names_it() {
        let parsed = parse_snmprec("1.3.6.1.2.1.1.1.0|4|ok\nnot a line\n1.3.6.1.2.1.2.2.1.17.1|65|6git3159\n");
        assert_eq!(parsed.varbinds.len(), 1);
        assert_eq!(parsed.problems.iter().map(|p| p.0).collect::<Vec<_>>(), [2, 3]);
    }
}
