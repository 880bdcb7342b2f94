//! Object identifiers and typed SNMP values, owned and independent of the wire crate.

use std::fmt;
use std::str::FromStr;

/// An SNMP object identifier. Ordering is lexicographic by arc, which is the
/// order GETNEXT and GETBULK walk in.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Oid(Vec<u32>);

impl Oid {
    pub fn new(arcs: Vec<u32>) -> Self {
        Oid(arcs)
    }

    pub fn arcs(&self) -> &[u32] {
        &self.0
    }

    /// Returns whether `self` lies inside the subtree rooted at `prefix`
    /// (an OID is inside its own subtree).
    pub fn starts_with(&self, prefix: &Oid) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Returns the arcs after `prefix`, the row index of a table column.
    pub fn suffix_after(&self, prefix: &Oid) -> Option<&[u32]> {
        self.0.strip_prefix(prefix.0.as_slice())
    }

    pub fn child(&self, arc: u32) -> Oid {
        let mut arcs = self.0.clone();
        arcs.push(arc);
        Oid(arcs)
    }

    pub fn to_snmp2(&self) -> Result<snmp2::Oid<'static>, OidError> {
        let arcs: Vec<u64> = self.0.iter().map(|&a| u64::from(a)).collect();
        snmp2::Oid::from(&arcs).map_err(|_| OidError(self.to_string()))
    }

    pub fn from_snmp2(oid: &snmp2::Oid<'_>) -> Option<Oid> {
        let arcs = oid.iter()?;
        arcs.map(|a| u32::try_from(a).ok())
            .collect::<Option<Vec<u32>>>()
            .map(Oid)
    }
}

/// An OID that could not be parsed or encoded.
#[derive(Debug, thiserror::Error)]
#[error("invalid OID {0:?}: expected dotted decimal arcs such as 1.3.6.1.2.1.1.1.0")]
pub struct OidError(pub String);

impl FromStr for Oid {
    type Err = OidError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim().trim_start_matches('.');
        if trimmed.is_empty() {
            return Err(OidError(text.to_string()));
        }
        let arcs = trimmed
            .split('.')
            .map(|arc| arc.parse::<u32>())
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|_| OidError(text.to_string()))?;
        if arcs.len() < 2 || arcs[0] > 2 {
            return Err(OidError(text.to_string()));
        }
        Ok(Oid(arcs))
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, arc) in self.0.iter().enumerate() {
            if position > 0 {
                f.write_str(".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

impl serde::Serialize for Oid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Parses an OID written in source code; panics on a typo, so only for constants.
pub fn oid(text: &str) -> Oid {
    text.parse().expect("OID constant is valid")
}

/// A typed SNMP value as an agent returned it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Integer(i64),
    OctetString(Vec<u8>),
    Null,
    ObjectId(Oid),
    IpAddress([u8; 4]),
    Counter32(u32),
    Gauge32(u32),
    TimeTicks(u32),
    Opaque(Vec<u8>),
    Counter64(u64),
    NoSuchObject,
    NoSuchInstance,
    EndOfMibView,
}

impl Value {
    /// Returns whether the value is one of the three v2c exceptions, which mean
    /// "nothing here" rather than data.
    pub fn is_exception(&self) -> bool {
        matches!(self, Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView)
    }

    /// Converts a value decoded by snmp2 into an owned one; returns `None`
    /// for PDU-level variants that never appear inside a varbind.
    pub fn from_snmp2(value: &snmp2::Value<'_>) -> Option<Value> {
        use snmp2::Value as V;
        Some(match value {
            V::Integer(n) => Value::Integer(*n),
            V::OctetString(bytes) => Value::OctetString(bytes.to_vec()),
            V::Null => Value::Null,
            V::ObjectIdentifier(o) => Value::ObjectId(Oid::from_snmp2(o)?),
            V::IpAddress(a) => Value::IpAddress(*a),
            V::Counter32(n) => Value::Counter32(*n),
            V::Unsigned32(n) => Value::Gauge32(*n),
            V::Timeticks(n) => Value::TimeTicks(*n),
            V::Opaque(bytes) => Value::Opaque(bytes.to_vec()),
            V::Counter64(n) => Value::Counter64(*n),
            V::Boolean(b) => Value::Integer(i64::from(*b)),
            V::NoSuchObject => Value::NoSuchObject,
            V::NoSuchInstance => Value::NoSuchInstance,
            V::EndOfMibView => Value::EndOfMibView,
            _ => return None,
        })
    }

    /// Renders the value as text for profiles to match against. Octet strings
    /// go through [`crate::identify::text::decode_octets`].
    pub fn to_text(&self) -> Option<String> {
        match self {
            Value::OctetString(bytes) | Value::Opaque(bytes) => {
                Some(crate::identify::text::decode_octets(bytes))
            }
            Value::Integer(n) => Some(n.to_string()),
            Value::ObjectId(o) => Some(o.to_string()),
            Value::IpAddress(a) => Some(format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
            Value::Counter32(n) | Value::Gauge32(n) | Value::TimeTicks(n) => Some(n.to_string()),
            Value::Counter64(n) => Some(n.to_string()),
            Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_orders_by_arc_not_text() {
        assert!(oid("1.3.6.1.2.1.1.9") < oid("1.3.6.1.2.1.1.10"));
        assert!(oid("1.3.6.1.2.1.1") < oid("1.3.6.1.2.1.1.0"));
    }

    #[test]
    fn oid_parse_accepts_leading_dot() {
        assert_eq!(oid(".1.3.6.1").to_string(), "1.3.6.1");
    }

    #[test]
    fn oid_parse_rejects_garbage() {
        assert!("1.3.x".parse::<Oid>().is_err());
        assert!("".parse::<Oid>().is_err());
        assert!("7.1".parse::<Oid>().is_err());
    }
}
