//! The TARGET forms: address, host name, CIDR block, range, `@file`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use ipnet::IpNet;

use super::{Host, Target};

/// The largest block or range expanded, a /8; anything bigger is almost
/// always a typo (an IPv6 /64 would never finish).
pub const MAX_BLOCK_ADDRESSES: u128 = 1 << 24;

/// One parsed TARGET argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    Address(IpAddr),
    Name(String),
    Block(IpNet),
    Range(IpAddr, IpAddr),
}

#[derive(Debug, thiserror::Error)]
#[error("invalid target {text:?}: {reason}")]
pub struct TargetSpecError {
    pub text: String,
    pub reason: String,
}

impl TargetSpec {
    /// Parses one TARGET (not `@file`, which [`read_target_file`] handles).
    pub fn parse(text: &str) -> Result<TargetSpec, TargetSpecError> {
        let text = text.trim();
        let error = |reason: &str| TargetSpecError { text: text.to_string(), reason: reason.to_string() };
        if text.is_empty() {
            return Err(error("empty"));
        }
        if let Ok(address) = text.parse::<IpAddr>() {
            return Ok(TargetSpec::Address(address));
        }
        if text.contains('/') {
            let block: IpNet = text.parse().map_err(|_| {
                let prefix = text.rsplit('/').next().and_then(|p| p.parse::<u32>().ok());
                match (prefix, text.contains(':')) {
                    (Some(p), false) if p > 32 => error(&format!("prefix length {p} is larger than 32")),
                    (Some(p), true) if p > 128 => error(&format!("prefix length {p} is larger than 128")),
                    _ => error("expected a CIDR block such as 192.0.2.0/24"),
                }
            })?;
            if block_size(&block) > MAX_BLOCK_ADDRESSES {
                return Err(error(&format!(
                    "a /{} holds more than 2^24 addresses, the most one block may expand to (a /8 in IPv4); split it",
                    block.prefix_len()
                )));
            }
            return Ok(TargetSpec::Block(block));
        }
        if let Some((first, last)) = text.split_once('-')
            && let Ok(start) = first.trim().parse::<IpAddr>() {
                let end = parse_range_end(start, last.trim()).ok_or_else(|| {
                    error("expected a range such as 192.0.2.10-192.0.2.60 or 192.0.2.10-60")
                })?;
                if u128_of(end) < u128_of(start) {
                    return Err(error("range ends before it starts"));
                }
                if u128_of(end) - u128_of(start) >= MAX_BLOCK_ADDRESSES {
                    return Err(error("range is larger than 2^24 addresses"));
                }
                return Ok(TargetSpec::Range(start, end));
            }
        if is_host_name(text) {
            return Ok(TargetSpec::Name(text.to_string()));
        }
        Err(error("not an address, host name, CIDR block or range"))
    }

    /// Expands lazily into hosts. Blocks skip the network and broadcast
    /// addresses except for /31 and /32.
    pub fn hosts(&self) -> Box<dyn Iterator<Item = Host> + Send> {
        match self.clone() {
            TargetSpec::Address(address) => Box::new(std::iter::once(Host::Address(address))),
            TargetSpec::Name(name) => Box::new(std::iter::once(Host::Name(name))),
            TargetSpec::Block(block) => Box::new(block.hosts().map(Host::Address)),
            TargetSpec::Range(start, end) => {
                let v4 = start.is_ipv4();
                Box::new((u128_of(start)..=u128_of(end)).map(move |n| Host::Address(ip_of(n, v4))))
            }
        }
    }

    /// Returns whether an address falls inside this spec (used for `--exclude`).
    pub fn contains(&self, host: &Host) -> bool {
        match (self, host) {
            (TargetSpec::Address(a), Host::Address(b)) => a == b,
            (TargetSpec::Name(a), Host::Name(b)) => a.eq_ignore_ascii_case(b),
            (TargetSpec::Block(block), Host::Address(address)) => block.contains(address),
            (TargetSpec::Range(start, end), Host::Address(address)) => {
                start.is_ipv4() == address.is_ipv4()
                    && (u128_of(*start)..=u128_of(*end)).contains(&u128_of(*address))
            }
            _ => false,
        }
    }
}

fn block_size(block: &IpNet) -> u128 {
    let host_bits = u32::from(block.max_prefix_len() - block.prefix_len());
    if host_bits >= 127 { u128::MAX } else { 1u128 << host_bits }
}

/// Accepts a full end address or, for IPv4, the last octet alone (`10-60`).
fn parse_range_end(start: IpAddr, text: &str) -> Option<IpAddr> {
    if let Ok(end) = text.parse::<IpAddr>() {
        return (end.is_ipv4() == start.is_ipv4()).then_some(end);
    }
    let IpAddr::V4(start) = start else { return None };
    let last: u8 = text.parse().ok()?;
    let [a, b, c, _] = start.octets();
    Some(IpAddr::V4(Ipv4Addr::new(a, b, c, last)))
}

fn u128_of(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn ip_of(number: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(number as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(number))
    }
}

/// Returns whether `text` is a DNS name. The last label may not be all digits,
/// so a mistyped address such as 192.0.2.300 is not taken for a name.
fn is_host_name(text: &str) -> bool {
    let last_label_numeric = text.rsplit('.').next().is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()));
    !last_label_numeric
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
        })
}

/// Reads an `@file` of targets, one per line; `#` starts a comment. A line
/// that does not parse becomes a `not-scanned` target naming file and line.
pub fn read_target_file(
    path: &Path,
    tenant: &str,
    site: &str,
) -> Result<Vec<Result<TargetSpec, Target>>, std::io::Error> {
    let text = std::fs::read_to_string(path)?;
    let mut specs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        specs.push(TargetSpec::parse(content).map_err(|error| {
            let problem = format!("{}:{}: {error}", path.display(), index + 1);
            Target::broken(tenant, site, content, problem)
        }));
    }
    Ok(specs)
}

/// The `--exclude` list.
#[derive(Clone, Debug, Default)]
pub struct Exclusions {
    pub specs: Vec<TargetSpec>,
}

impl Exclusions {
    pub fn excludes(&self, target: &Target) -> bool {
        self.specs.iter().any(|spec| spec.contains(&target.host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(spec: &str) -> Vec<String> {
        TargetSpec::parse(spec)
            .unwrap()
            .hosts()
            .map(|host| match host {
                Host::Address(a) => a.to_string(),
                Host::Name(n) => n,
            })
            .collect()
    }

    #[test]
    fn block_skips_network_and_broadcast() {
        assert_eq!(addresses("192.0.2.0/30"), ["192.0.2.1", "192.0.2.2"]);
        assert_eq!(addresses("192.0.2.7/32"), ["192.0.2.7"]);
    }

    #[test]
    fn range_accepts_short_end() {
        assert_eq!(addresses("198.51.100.10-12"), ["198.51.100.10", "198.51.100.11", "198.51.100.12"]);
        assert_eq!(addresses("198.51.100.254-198.51.101.1").len(), 4);
    }

    #[test]
    fn ipv6_address_and_block() {
        assert_eq!(addresses("2001:db8::1"), ["2001:db8::1"]);
        assert_eq!(addresses("2001:db8::/126").len(), 4);
    }

    #[test]
    fn invalid_targets_are_rejected() {
        assert!(TargetSpec::parse("192.0.2.300").is_err());
        assert!(TargetSpec::parse("10.0.0.0/8").is_ok());
        assert!(TargetSpec::parse("10.0.0.0/7").is_err());
        assert!(TargetSpec::parse("2001:db8::/64").is_err());
        assert!(TargetSpec::parse("192.0.2.9-192.0.2.1").is_err());
        assert!(TargetSpec::parse("bad host!").is_err());
    }

    #[test]
    fn block_expansion_is_lazy() {
        let mut hosts = TargetSpec::parse("10.0.0.0/8").unwrap().hosts();
        assert_eq!(hosts.next(), Some(Host::Address("10.0.0.1".parse().unwrap())));
    }
}
