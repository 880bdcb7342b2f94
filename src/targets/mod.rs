//! Targets: what to scan, for which tenant and site, with which credentials.
//! Expansion is lazy, so a /16 is never held as a list before work starts.

mod inventory;
mod spec;

use std::net::IpAddr;

pub use inventory::{InventoryError, read_inventory, read_inventory_tenants};
pub use spec::{Exclusions, TargetSpec, TargetSpecError, read_target_file};

/// Address or host name of a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Address(IpAddr),
    /// A host name, resolved when its scan starts.
    Name(String),
}

/// A protocol a target is scanned with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Snmp,
    Redfish,
    Sip,
    Ssh,
    Http,
}

impl Protocol {
    pub fn parse(name: &str) -> Option<Protocol> {
        match name.trim().to_ascii_lowercase().as_str() {
            "snmp" => Some(Protocol::Snmp),
            "redfish" => Some(Protocol::Redfish),
            "sip" => Some(Protocol::Sip),
            "ssh" => Some(Protocol::Ssh),
            "http" => Some(Protocol::Http),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Snmp => "snmp",
            Protocol::Redfish => "redfish",
            Protocol::Sip => "sip",
            Protocol::Ssh => "ssh",
            Protocol::Http => "http",
        }
    }
}

/// One device to scan.
#[derive(Clone, Debug)]
pub struct Target {
    pub tenant: String,
    pub site: String,
    pub host: Host,
    pub name: Option<String>,
    /// Credential set names to try in order; empty means every set fenced
    /// to the tenant.
    pub credentials: Vec<String>,
    pub port: Option<u16>,
    /// Protocols to scan with; `None` means the sweep's default.
    pub protocols: Option<Vec<Protocol>>,
    /// A BMC certificate fingerprint pinned for this target.
    pub tls_fingerprint: Option<[u8; 32]>,
    /// Accept any certificate from this target (marked insecure).
    pub insecure: bool,
    /// A configuration problem (bad target text, credential fenced to another
    /// tenant): the target is reported `not-scanned` with this reason.
    pub problem: Option<String>,
    /// The target as written, for rows whose address is unknown.
    pub label: String,
    /// Set when the target is scanned with several protocols: their rows
    /// carry it and are merged into one.
    pub merge_key: Option<u64>,
}

impl Target {
    pub fn new(tenant: &str, site: &str, host: Host) -> Self {
        let label = match &host {
            Host::Address(address) => address.to_string(),
            Host::Name(name) => name.clone(),
        };
        Target {
            tenant: tenant.to_string(),
            site: site.to_string(),
            host,
            name: None,
            credentials: Vec::new(),
            port: None,
            protocols: None,
            tls_fingerprint: None,
            insecure: false,
            problem: None,
            label,
            merge_key: None,
        }
    }

    /// Creates a target that is reported `not-scanned` with the reason given.
    pub fn broken(tenant: &str, site: &str, label: &str, problem: String) -> Self {
        let mut target = Target::new(tenant, site, Host::Name(label.to_string()));
        target.problem = Some(problem);
        target
    }

    pub fn address(&self) -> Option<IpAddr> {
        match self.host {
            Host::Address(address) => Some(address),
            Host::Name(_) => None,
        }
    }
}
