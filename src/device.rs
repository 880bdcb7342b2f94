//! The identified device and its firmware components, the shape every
//! collector and report shares (see the JSON and CSV contracts in the README).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// Outcome of a target's scan. Every target gets exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    Partial,
    Unidentified,
    Timeout,
    Refused,
    Unreachable,
    AuthFailed,
    TlsRejected,
    TlsLegacy,
    /// The SSH host key was unknown to the known_hosts file, or changed.
    HostKeyRejected,
    NotScanned,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Ok,
        Status::Partial,
        Status::Unidentified,
        Status::Timeout,
        Status::Refused,
        Status::Unreachable,
        Status::AuthFailed,
        Status::TlsRejected,
        Status::TlsLegacy,
        Status::HostKeyRejected,
        Status::NotScanned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Partial => "partial",
            Status::Unidentified => "unidentified",
            Status::Timeout => "timeout",
            Status::Refused => "refused",
            Status::Unreachable => "unreachable",
            Status::AuthFailed => "auth-failed",
            Status::TlsRejected => "tls-rejected",
            Status::TlsLegacy => "tls-legacy",
            Status::HostKeyRejected => "host-key-rejected",
            Status::NotScanned => "not-scanned",
        }
    }

    /// Returns whether the device responded at all.
    pub fn answered(self) -> bool {
        matches!(self, Status::Ok | Status::Partial | Status::Unidentified)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A component's standing against known releases, mildest first; the derived
/// order is the `--fail-on` order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Current,
    #[default]
    Unknown,
    Behind,
    BelowBaseline,
    Eol,
    Vulnerable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Current => "current",
            Verdict::Unknown => "unknown",
            Verdict::Behind => "behind",
            Verdict::BelowBaseline => "below-baseline",
            Verdict::Eol => "eol",
            Verdict::Vulnerable => "vulnerable",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Kind of device, such as a switch, printer or BMC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceClass {
    Switch,
    Router,
    Firewall,
    Wireless,
    Printer,
    Phone,
    Bmc,
    Storage,
    Ups,
    #[default]
    Other,
}

impl DeviceClass {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Switch => "switch",
            DeviceClass::Router => "router",
            DeviceClass::Firewall => "firewall",
            DeviceClass::Wireless => "wireless",
            DeviceClass::Printer => "printer",
            DeviceClass::Phone => "phone",
            DeviceClass::Bmc => "bmc",
            DeviceClass::Storage => "storage",
            DeviceClass::Ups => "ups",
            DeviceClass::Other => "other",
        }
    }
}

/// Kind of firmware component, such as the OS, BIOS or a NIC's firmware.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    Os,
    #[default]
    Firmware,
    Boot,
    Bios,
    Bmc,
    Nic,
    StorageController,
    Drive,
    Psu,
    Cpld,
    Module,
    Other,
}

impl ComponentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Os => "os",
            ComponentKind::Firmware => "firmware",
            ComponentKind::Boot => "boot",
            ComponentKind::Bios => "bios",
            ComponentKind::Bmc => "bmc",
            ComponentKind::Nic => "nic",
            ComponentKind::StorageController => "storage-controller",
            ComponentKind::Drive => "drive",
            ComponentKind::Psu => "psu",
            ComponentKind::Cpld => "cpld",
            ComponentKind::Module => "module",
            ComponentKind::Other => "other",
        }
    }
}

/// One firmware component of a device and its verdict against known releases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Component {
    pub name: String,
    pub kind: ComponentKind,
    pub version: String,
    /// Source of the version, such as `snmp:1.3.6.1.2.1.47.1.1.1.1.10.1001`.
    pub source: String,
    pub protocol: &'static str,
    pub verdict: Verdict,
    pub latest_in_train: Option<String>,
    pub latest: Option<String>,
    pub baseline: Option<String>,
    pub eol_date: Option<String>,
    pub advisories: Vec<String>,
    pub kev: bool,
    /// Reason for the verdict when the verdict alone does not explain it, such as
    /// an unparseable version, a train missing from the release data or a version
    /// newer than the approved target.
    pub note: Option<String>,
    /// Redfish inventory: whether the BMC can update the component.
    pub updateable: Option<bool>,
    /// Redfish inventory: the vendor's id of the firmware image.
    pub software_id: Option<String>,
    /// Redfish inventory: the resource the firmware belongs to.
    pub related_item: Option<String>,
    /// `installed` for running firmware; `previous` or `available` for images
    /// a BMC keeps beside it, which get no verdict.
    pub state: Option<&'static str>,
    /// The release product this component is judged against, when it is
    /// not the device profile's (a BMC's BIOS, NIC or its own firmware).
    #[serde(skip)]
    pub release_product: Option<String>,
    /// The comparable part of `version` (`2.46` of `iLO 5 v2.46`), when
    /// the reported text carries more.
    #[serde(skip)]
    pub release_version: Option<String>,
}

impl Component {
    pub fn new(name: impl Into<String>, kind: ComponentKind, version: String, source: String) -> Self {
        Component {
            name: name.into(),
            kind,
            version,
            source,
            protocol: "snmp",
            verdict: Verdict::Unknown,
            latest_in_train: None,
            latest: None,
            baseline: None,
            eol_date: None,
            advisories: Vec::new(),
            kev: false,
            note: None,
            updateable: None,
            software_id: None,
            related_item: None,
            state: None,
            release_product: None,
            release_version: None,
        }
    }
}

/// One result row: a target and what was learned about it.
#[derive(Clone, Debug, Serialize)]
pub struct Device {
    pub tenant: String,
    pub site: String,
    /// The address as scanned, or `null` for a recording or a name that did not resolve.
    pub address: Option<IpAddr>,
    pub port: Option<u16>,
    pub name: Option<String>,
    pub recording: Option<String>,
    pub status: Status,
    pub reason: Option<String>,
    pub protocols: Vec<&'static str>,
    /// Every protocol's own outcome, the leading protocol first. `reason`
    /// leaves out the protocols that are merely absent once another one
    /// read the device; this list keeps them.
    pub outcomes: Vec<crate::outcome::ProtocolOutcome>,
    pub credential: Option<String>,
    pub profile: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    /// The same value as `model`, under the name some corpus tools use.
    pub hardware: Option<String>,
    pub serial: Option<String>,
    pub class: Option<DeviceClass>,
    pub hostname: Option<String>,
    pub sys_descr: Option<String>,
    pub sys_object_id: Option<String>,
    /// The SIP `User-Agent` (or `Server`) header, as the phone sent it.
    pub user_agent: Option<String>,
    pub version: Option<String>,
    pub verdict: Option<Verdict>,
    pub components: Vec<Component>,
    /// Trust mode of the BMC's certificate (`verified`, `pinned` or `insecure`)
    /// when the device was read over HTTPS.
    pub tls: Option<&'static str>,
    /// Whether the firmware has stayed unchanged for longer than the patch
    /// cadence of the device's class while a newer release exists. It is
    /// `None` when the sweep history cannot tell.
    pub overdue: Option<bool>,
    /// Date (YYYY-MM-DD) of the earliest stored sweep in the unbroken run of
    /// sweeps that saw the current firmware version.
    pub firmware_since: Option<String>,
    /// The SSH algorithms negotiated when the device was read over SSH,
    /// with those only the legacy set offers listed apart.
    pub ssh: Option<crate::ssh::algorithms::SshAlgorithms>,
    #[serde(skip)]
    pub scanned_at: Option<String>,
    /// Rows of one target scanned with several protocols share this key.
    #[serde(skip)]
    pub merge_key: Option<u64>,
    /// The protocol this row was scanned with, for labelling its failure
    /// when rows are merged.
    #[serde(skip)]
    pub scanned_with: Option<&'static str>,
    /// The target as the user wrote it, for rows whose address is unknown.
    #[serde(skip)]
    pub target_label: String,
}

impl Device {
    /// Creates a row with nothing learned yet.
    pub fn empty(tenant: &str, site: &str, address: Option<IpAddr>, status: Status) -> Self {
        Device {
            tenant: tenant.to_string(),
            site: site.to_string(),
            address,
            port: None,
            name: None,
            recording: None,
            status,
            reason: None,
            protocols: Vec::new(),
            outcomes: Vec::new(),
            credential: None,
            profile: None,
            vendor: None,
            model: None,
            hardware: None,
            serial: None,
            class: None,
            hostname: None,
            sys_descr: None,
            sys_object_id: None,
            user_agent: None,
            version: None,
            verdict: None,
            components: Vec::new(),
            tls: None,
            overdue: None,
            firmware_since: None,
            ssh: None,
            scanned_at: None,
            merge_key: None,
            scanned_with: None,
            target_label: address.map(|a| a.to_string()).unwrap_or_default(),
        }
    }

    /// Orders rows by tenant, site and numeric address, as every report does.
    pub fn sort_key(&self) -> (String, String, u8, u128, String) {
        let (family, number) = match self.address {
            Some(IpAddr::V4(v4)) => (4, u128::from(u32::from(v4))),
            Some(IpAddr::V6(v6)) => (6, u128::from(v6)),
            None => (9, 0),
        };
        let label = self.recording.clone().unwrap_or_else(|| self.target_label.clone());
        (self.tenant.clone(), self.site.clone(), family, number, label)
    }
}
