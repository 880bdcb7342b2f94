//! Encoding SNMP v1/v2c messages. snmp2 decodes messages publicly
//! (`Pdu::from_bytes`) but keeps its encoder private, and the simulator and
//! the discovery probe need to build messages without a session.

use super::{Oid, Value};

/// PDU tags (context-specific, constructed).
pub const GET_REQUEST: u8 = 0xa0;
pub const GET_NEXT_REQUEST: u8 = 0xa1;
pub const RESPONSE: u8 = 0xa2;
pub const GET_BULK_REQUEST: u8 = 0xa5;

/// Error status values from RFC 3416.
pub const ERROR_TOO_BIG: u32 = 1;
pub const ERROR_NO_SUCH_NAME: u32 = 2;
pub const ERROR_GEN_ERR: u32 = 5;

/// SNMP message version field values.
pub const VERSION_1: i64 = 0;
pub const VERSION_2C: i64 = 1;

/// The fields of a v1/v2c message. For GETBULK, `error_status` and
/// `error_index` carry non-repeaters and max-repetitions.
pub struct Message<'a> {
    pub version: i64,
    pub community: &'a [u8],
    pub pdu_type: u8,
    pub request_id: i32,
    pub error_status: u32,
    pub error_index: u32,
    pub varbinds: &'a [(Oid, Value)],
}

impl Message<'_> {
    pub fn encode(&self) -> Vec<u8> {
        let mut varbind_list = Vec::new();
        for (oid, value) in self.varbinds {
            let mut pair = Vec::new();
            push_oid(&mut pair, oid);
            push_value(&mut pair, value);
            push_tlv(&mut varbind_list, 0x30, &pair);
        }
        let mut pdu = Vec::new();
        push_integer(&mut pdu, 0x02, i64::from(self.request_id));
        push_integer(&mut pdu, 0x02, i64::from(self.error_status));
        push_integer(&mut pdu, 0x02, i64::from(self.error_index));
        push_tlv(&mut pdu, 0x30, &varbind_list);

        let mut message = Vec::new();
        push_integer(&mut message, 0x02, self.version);
        push_tlv(&mut message, 0x04, self.community);
        push_tlv(&mut message, self.pdu_type, &pdu);

        let mut out = Vec::with_capacity(message.len() + 4);
        push_tlv(&mut out, 0x30, &message);
        out
    }
}

/// Returns the encoded size of one varbind, for fitting GETBULK responses
/// into a datagram.
pub fn varbind_size(oid: &Oid, value: &Value) -> usize {
    let mut pair = Vec::new();
    push_oid(&mut pair, oid);
    push_value(&mut pair, value);
    pair.len() + 4
}

fn push_length(out: &mut Vec<u8>, length: usize) {
    if length < 0x80 {
        out.push(length as u8);
        return;
    }
    let bytes = length.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
    out.push(0x80 | (bytes.len() - first) as u8);
    out.extend_from_slice(&bytes[first..]);
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    push_length(out, content.len());
    out.extend_from_slice(content);
}

/// Two's complement, minimal length.
fn push_integer(out: &mut Vec<u8>, tag: u8, value: i64) {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let redundant = (bytes[start] == 0x00 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    push_tlv(out, tag, &bytes[start..]);
}

/// Unsigned application types (Counter32, Gauge32, TimeTicks, Counter64)
/// get a leading zero byte when the top bit is set.
fn push_unsigned(out: &mut Vec<u8>, tag: u8, value: u64) {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(7);
    let mut content = Vec::with_capacity(9);
    if bytes[first] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[first..]);
    push_tlv(out, tag, &content);
}

fn push_oid(out: &mut Vec<u8>, oid: &Oid) {
    let arcs = oid.arcs();
    let mut content = Vec::new();
    let (first, rest) = match arcs {
        [a, b, rest @ ..] => (a * 40 + b, rest),
        [a] => (a * 40, &[][..]),
        [] => (0, &[][..]),
    };
    for arc in std::iter::once(first).chain(rest.iter().copied()) {
        push_base128(&mut content, arc);
    }
    push_tlv(out, 0x06, &content);
}

fn push_base128(out: &mut Vec<u8>, value: u32) {
    let mut groups = [0u8; 5];
    let mut count = 0;
    let mut remaining = value;
    loop {
        groups[count] = (remaining & 0x7f) as u8;
        count += 1;
        remaining >>= 7;
        if remaining == 0 {
            break;
        }
    }
    for position in (0..count).rev() {
        let continuation = if position > 0 { 0x80 } else { 0 };
        out.push(groups[position] | continuation);
    }
}

fn push_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Integer(n) => push_integer(out, 0x02, *n),
        Value::OctetString(bytes) => push_tlv(out, 0x04, bytes),
        Value::Null => push_tlv(out, 0x05, &[]),
        Value::ObjectId(oid) => push_oid(out, oid),
        Value::IpAddress(address) => push_tlv(out, 0x40, address),
        Value::Counter32(n) => push_unsigned(out, 0x41, u64::from(*n)),
        Value::Gauge32(n) => push_unsigned(out, 0x42, u64::from(*n)),
        Value::TimeTicks(n) => push_unsigned(out, 0x43, u64::from(*n)),
        Value::Opaque(bytes) => push_tlv(out, 0x44, bytes),
        Value::Counter64(n) => push_unsigned(out, 0x46, *n),
        Value::NoSuchObject => push_tlv(out, 0x80, &[]),
        Value::NoSuchInstance => push_tlv(out, 0x81, &[]),
        Value::EndOfMibView => push_tlv(out, 0x82, &[]),
    }
}

/// A decoded v1/v2c message with owned varbinds.
#[derive(Debug)]
pub struct Decoded {
    pub version: i64,
    pub community: Vec<u8>,
    pub pdu_type: u8,
    pub request_id: i32,
    pub error_status: u32,
    pub error_index: u32,
    pub varbinds: Vec<(Oid, Value)>,
}

/// Decodes a v1/v2c message with snmp2's parser. Returns `None` for v3,
/// traps and anything malformed.
pub fn decode(bytes: &[u8]) -> Option<Decoded> {
    let pdu = snmp2::Pdu::from_bytes(bytes).ok()?;
    let version = match pdu.version().ok()? {
        snmp2::Version::V1 => VERSION_1,
        snmp2::Version::V2C => VERSION_2C,
        snmp2::Version::V3 => return None,
    };
    let pdu_type = match pdu.message_type {
        snmp2::MessageType::GetRequest => GET_REQUEST,
        snmp2::MessageType::GetNextRequest => GET_NEXT_REQUEST,
        snmp2::MessageType::GetBulkRequest => GET_BULK_REQUEST,
        snmp2::MessageType::Response => RESPONSE,
        _ => return None,
    };
    let mut varbinds = Vec::new();
    for (oid, value) in pdu.varbinds.clone() {
        let oid = Oid::from_snmp2(&oid)?;
        varbinds.push((oid, Value::from_snmp2(&value).unwrap_or(Value::Null)));
    }
    Some(Decoded {
        version,
        community: pdu.community.to_vec(),
        pdu_type,
        request_id: pdu.req_id,
        error_status: pdu.error_status,
        error_index: pdu.error_index,
        varbinds,
    })
}

/// SNMPv3 message version field value.
pub const VERSION_3: i64 = 3;
/// Report PDU tag, the response to an SNMPv3 engine discovery request.
pub const REPORT: u8 = 0xa8;

/// Encodes an SNMPv3 engine discovery request (RFC 3414 section 4): no
/// user, no authentication, an empty varbind list, reportable flag set.
/// Any agent with SNMPv3 enabled responds to it with a Report, which shows the
/// agent is alive even when it silently drops a wrong community.
pub fn encode_v3_discovery(message_id: i32, request_id: i32) -> Vec<u8> {
    let mut global = Vec::new();
    push_integer(&mut global, 0x02, i64::from(message_id));
    push_integer(&mut global, 0x02, 65507);
    push_tlv(&mut global, 0x04, &[0x04]);
    push_integer(&mut global, 0x02, 3);

    let mut usm = Vec::new();
    push_tlv(&mut usm, 0x04, &[]);
    push_integer(&mut usm, 0x02, 0);
    push_integer(&mut usm, 0x02, 0);
    for _ in 0..3 {
        push_tlv(&mut usm, 0x04, &[]);
    }
    let mut usm_sequence = Vec::new();
    push_tlv(&mut usm_sequence, 0x30, &usm);

    let mut pdu = Vec::new();
    push_integer(&mut pdu, 0x02, i64::from(request_id));
    push_integer(&mut pdu, 0x02, 0);
    push_integer(&mut pdu, 0x02, 0);
    push_tlv(&mut pdu, 0x30, &[]);
    let mut scoped = Vec::new();
    push_tlv(&mut scoped, 0x04, &[]);
    push_tlv(&mut scoped, 0x04, &[]);
    push_tlv(&mut scoped, GET_REQUEST, &pdu);

    let mut message = Vec::new();
    push_integer(&mut message, 0x02, VERSION_3);
    push_tlv(&mut message, 0x30, &global);
    push_tlv(&mut message, 0x04, &usm_sequence);
    push_tlv(&mut message, 0x30, &scoped);
    let mut out = Vec::new();
    push_tlv(&mut out, 0x30, &message);
    out
}

/// Encodes the Report an agent sends to an engine discovery request: the
/// agent's engine ID and a usmStatsUnknownEngineIDs counter.
pub fn encode_v3_report(message_id: i32, request_id: i32, engine_id: &[u8], boots: i64, time: i64) -> Vec<u8> {
    let mut global = Vec::new();
    push_integer(&mut global, 0x02, i64::from(message_id));
    push_integer(&mut global, 0x02, 65507);
    push_tlv(&mut global, 0x04, &[0x00]);
    push_integer(&mut global, 0x02, 3);

    let mut usm = Vec::new();
    push_tlv(&mut usm, 0x04, engine_id);
    push_integer(&mut usm, 0x02, boots);
    push_integer(&mut usm, 0x02, time);
    for _ in 0..3 {
        push_tlv(&mut usm, 0x04, &[]);
    }
    let mut usm_sequence = Vec::new();
    push_tlv(&mut usm_sequence, 0x30, &usm);

    let unknown_engine_ids = (Oid::new(vec![1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0]), Value::Counter32(1));
    let mut pair = Vec::new();
    push_oid(&mut pair, &unknown_engine_ids.0);
    push_value(&mut pair, &unknown_engine_ids.1);
    let mut varbinds = Vec::new();
    push_tlv(&mut varbinds, 0x30, &pair);
    let mut pdu = Vec::new();
    push_integer(&mut pdu, 0x02, i64::from(request_id));
    push_integer(&mut pdu, 0x02, 0);
    push_integer(&mut pdu, 0x02, 0);
    push_tlv(&mut pdu, 0x30, &varbinds);
    let mut scoped = Vec::new();
    push_tlv(&mut scoped, 0x04, engine_id);
    push_tlv(&mut scoped, 0x04, &[]);
    push_tlv(&mut scoped, REPORT, &pdu);

    let mut message = Vec::new();
    push_integer(&mut message, 0x02, VERSION_3);
    push_tlv(&mut message, 0x30, &global);
    push_tlv(&mut message, 0x04, &usm_sequence);
    push_tlv(&mut message, 0x30, &scoped);
    let mut out = Vec::new();
    push_tlv(&mut out, 0x30, &message);
    out
}

/// Reads the version and msgID of an SNMPv3 message without decrypting
/// anything; returns `None` for v1/v2c and malformed input.
pub fn v3_message_id(bytes: &[u8]) -> Option<i32> {
    let mut outer = Reader { bytes };
    let mut message = Reader { bytes: outer.read(0x30)? };
    let version = message.read_integer()?;
    if version != VERSION_3 {
        return None;
    }
    let mut global = Reader { bytes: message.read(0x30)? };
    i32::try_from(global.read_integer()?).ok()
}

/// A minimal BER reader for the few v3 header fields snmp2 cannot parse
/// without the user's keys.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&found, rest) = self.bytes.split_first()?;
        if found != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let length = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let length = rest[..count].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            rest = &rest[count..];
            length
        };
        if rest.len() < length {
            return None;
        }
        let (content, remaining) = rest.split_at(length);
        self.bytes = remaining;
        Some(content)
    }

    fn read_integer(&mut self) -> Option<i64> {
        let content = self.read(0x02)?;
        if content.is_empty() || content.len() > 8 {
            return None;
        }
        let negative = content[0] & 0x80 != 0;
        let start: i64 = if negative { -1 } else { 0 };
        Some(content.iter().fold(start, |acc, &b| (acc << 8) | i64::from(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::oid;

    #[test]
    fn encoded_response_decodes_with_snmp2() {
        let varbinds = vec![
            (oid("1.3.6.1.2.1.1.1.0"), Value::OctetString(b"test agent".to_vec())),
            (oid("1.3.6.1.2.1.1.2.0"), Value::ObjectId(oid("1.3.6.1.4.1.8072.3.2.10"))),
            (oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(0xfffffff0)),
            (oid("1.3.6.1.2.1.2.2.1.10.1"), Value::Counter64(u64::MAX)),
            (oid("1.3.6.1.2.1.2.1.0"), Value::Integer(-129)),
            (oid("1.3.6.1.4.1.200000.1"), Value::NoSuchObject),
        ];
        let message = Message {
            version: VERSION_2C,
            community: b"public",
            pdu_type: RESPONSE,
            request_id: 0x7fff_0001,
            error_status: 0,
            error_index: 0,
            varbinds: &varbinds,
        };
        let decoded = decode(&message.encode()).expect("snmp2 parses the message");
        assert_eq!(decoded.request_id, 0x7fff_0001);
        assert_eq!(decoded.community, b"public");
        assert_eq!(decoded.varbinds, varbinds);
    }

    #[test]
    fn v3_discovery_message_id_round_trips() {
        assert_eq!(v3_message_id(&encode_v3_discovery(4242, 7)), Some(4242));
        assert_eq!(v3_message_id(&encode_v3_report(-5, 7, b"engine", 1, 2)), Some(-5));
        assert_eq!(v3_message_id(&[0x30, 0x03, 0x02, 0x01, 0x01]), None);
    }

    #[test]
    fn long_message_uses_long_length_form() {
        let varbinds = vec![(oid("1.3.6.1.2.1.1.1.0"), Value::OctetString(vec![b'x'; 1000]))];
        let message = Message {
            version: VERSION_1,
            community: b"public",
            pdu_type: RESPONSE,
            request_id: 1,
            error_status: 0,
            error_index: 0,
            varbinds: &varbinds,
        };
        let decoded = decode(&message.encode()).unwrap();
        assert_eq!(decoded.varbinds, varbinds);
    }
}
