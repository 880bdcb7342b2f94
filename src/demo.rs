//! `fwsweep demo`: the simulator on the built-in fixtures, swept like a
//! customer network, so a new user sees a full report in one command.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::credentials::{Credentials, Secret, SnmpAuth, SnmpCredential, SnmpVersion};
use crate::recording::parse_snmprec;
use crate::simulate::{ServedRecording, SimulatorConfig};
use crate::targets::{Host, Target};

/// First address of the demo network. It differs from the `simulate` default
/// (127.77.0.1), so both can run at once.
pub const DEMO_FIRST_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 78, 0, 1);
/// UDP port of the demo's SNMP agents.
pub const DEMO_PORT: u16 = 16161;
/// UDP and TCP port of the demo phones' SIP service.
pub const DEMO_SIP_PORT: u16 = 15060;
/// Plain HTTP port of the demo's web pages.
pub const DEMO_HTTP_PORT: u16 = 16080;
/// HTTPS port of the demo's Redfish services.
pub const DEMO_HTTPS_PORT: u16 = 16443;
/// TCP port of the demo's SSH devices.
pub const DEMO_SSH_PORT: u16 = 16022;
/// User name and password that the demo's SSH devices accept. They protect
/// only simulated devices on loopback.
pub const DEMO_SSH_USER: &str = "admin";
pub const DEMO_SSH_PASSWORD: &str = "simulated";
/// User name that the demo's Redfish services accept. The password is the
/// simulator's fixed, public one.
pub const DEMO_REDFISH_USER: &str = "admin";
/// Community string that the demo agents accept.
pub const DEMO_COMMUNITY: &str = "public";

/// One device of the demo network, with the recording that plays it and the
/// tenant and site it belongs to. `recording` is a file in `fixtures/snmp`,
/// `silent` for an address that never responds, `redfish:NAME` for a BMC
/// served from `fixtures/redfish/NAME`, `sip:FILE` for a phone that
/// responds to SIP from `fixtures/sip/FILE`, `http:FILE` for a device whose
/// web pages are served from `fixtures/http/FILE`, or `ssh:FILE` for a device
/// read over SSH from `fixtures/demo/ssh/FILE`.
#[derive(Debug, Clone)]
pub struct DemoDevice {
    pub recording: String,
    pub tenant: String,
    pub site: String,
    pub name: String,
    pub credentials: Vec<String>,
}

/// Demo network, with the recordings, mockups and phones to serve and the
/// devices from which targets and credentials are built.
pub struct DemoNetwork {
    pub config: SimulatorConfig,
    pub recordings: Vec<ServedRecording>,
    pub mockups: Vec<Arc<crate::redfish::server::Mockup>>,
    pub phones: Vec<crate::simulate::SipPhone>,
    pub web_devices: Vec<Arc<crate::http::recording::HttpRecording>>,
    /// Devices served over SSH, after the phones.
    pub cli_devices: Vec<Arc<crate::ssh::simulated::SimulatedCli>>,
    pub devices: Vec<DemoDevice>,
}

#[derive(Debug, thiserror::Error)]
#[error("built-in demo data is invalid: {0}")]
pub struct DemoError(String);

/// Builds the demo network from the fixtures built into the binary.
pub fn network() -> Result<DemoNetwork, DemoError> {
    let recordings_by_name: HashMap<String, &str> = crate::embedded::DEMO_RECORDINGS
        .iter()
        .map(|(path, text)| (path.rsplit('/').next().unwrap_or(path).to_string(), *text))
        .collect();
    let (_, table) = crate::embedded::DEMO_NETWORK
        .iter()
        .find(|(path, _)| path.ends_with("network.csv"))
        .ok_or_else(|| DemoError("fixtures/demo/network.csv is missing".into()))?;

    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(table.as_bytes());
    let mut devices = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| DemoError(format!("fixtures/demo/network.csv: {e}")))?;
        let cell = |i: usize| record.get(i).unwrap_or("").to_string();
        devices.push(DemoDevice {
            recording: cell(0),
            tenant: cell(1),
            site: cell(2),
            name: cell(3),
            credentials: cell(4).split(';').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        });
    }

    // The simulator gives each device one address, first to the SNMP agents,
    // then silent addresses, Redfish services, phones, web devices and SSH
    // devices. The stable sort keeps table order within each group, so
    // `targets` can derive addresses.
    devices.sort_by_key(|d| {
        let recording = &d.recording;
        (
            recording.starts_with("ssh:"),
            recording.starts_with("http:"),
            recording.starts_with("sip:"),
            recording.starts_with("redfish:"),
            recording == "silent",
        )
    });

    let mut web_devices = Vec::new();
    for device in devices.iter().filter(|d| d.recording.starts_with("http:")) {
        let name = &device.recording["http:".len()..];
        let path = format!("fixtures/http/{name}");
        let (_, text) = crate::embedded::DEMO_WEB_PAGES
            .iter()
            .find(|(embedded, _)| *embedded == path)
            .ok_or_else(|| DemoError(format!("network.csv names {path}, which is not found")))?;
        let recording = crate::http::recording::parse(name, text).map_err(|e| DemoError(format!("{path}: {e}")))?;
        web_devices.push(Arc::new(recording));
    }

    let mut cli_devices = Vec::new();
    for device in devices.iter().filter(|d| d.recording.starts_with("ssh:")) {
        let name = &device.recording["ssh:".len()..];
        let path = format!("fixtures/demo/ssh/{name}");
        let (_, text) = crate::embedded::DEMO_CLI
            .iter()
            .find(|(embedded, _)| *embedded == path)
            .ok_or_else(|| DemoError(format!("network.csv names {path}, which is not found")))?;
        let cli = crate::ssh::simulated::SimulatedCli::parse(name, text)
            .map_err(|(line, message)| DemoError(format!("{path}:{line}: {message}")))?;
        cli_devices.push(Arc::new(cli));
    }

    let mut phones = Vec::new();
    for device in devices.iter().filter(|d| d.recording.starts_with("sip:")) {
        let name = &device.recording["sip:".len()..];
        let path = format!("fixtures/sip/{name}");
        let (_, text) = crate::embedded::DEMO_PHONES
            .iter()
            .find(|(embedded, _)| *embedded == path)
            .ok_or_else(|| DemoError(format!("network.csv names {path}, which is not found")))?;
        let response = crate::sip::message::Response::parse(text).map_err(|e| DemoError(format!("{path}: {e}")))?;
        phones.push(crate::simulate::SipPhone { name: name.to_string(), response });
    }

    let mut mockups = Vec::new();
    for device in devices.iter().filter(|d| d.recording.starts_with("redfish:")) {
        let name = &device.recording["redfish:".len()..];
        let prefix = format!("fixtures/redfish/{name}/");
        let files = crate::embedded::DEMO_MOCKUPS
            .iter()
            .filter_map(|(path, text)| path.strip_prefix(prefix.as_str()).map(|relative| (relative, *text)));
        let mockup = crate::redfish::server::mockup_from_files(name, files).map_err(DemoError)?;
        mockups.push(Arc::new(mockup));
    }

    let mut recordings = Vec::new();
    for device in devices.iter().filter(|d| d.recording != "silent" && !d.recording.contains(':')) {
        let text = recordings_by_name
            .get(&device.recording)
            .ok_or_else(|| DemoError(format!("network.csv names {}, which is not found in fixtures/snmp", device.recording)))?;
        let parsed = parse_snmprec(text);
        if let Some((line, message)) = parsed.problems.first() {
            return Err(DemoError(format!("fixtures/snmp/{}:{line}: {message}", device.recording)));
        }
        let varbinds = parsed.varbinds;
        recordings.push(ServedRecording { name: device.recording.clone(), varbinds: Arc::new(varbinds) });
    }

    let silent = devices.iter().filter(|d| d.recording == "silent").count();
    Ok(DemoNetwork {
        config: SimulatorConfig {
            first_address: DEMO_FIRST_ADDRESS,
            port: DEMO_PORT,
            community: DEMO_COMMUNITY.to_string(),
            latency: std::time::Duration::ZERO,
            loss_percent: 0.0,
            seed: 1,
            replicate: 1,
            silent,
            sip_port: DEMO_SIP_PORT,
        },
        recordings,
        mockups,
        phones,
        web_devices,
        cli_devices,
        devices,
    })
}

impl DemoNetwork {
    /// Targets in the order the simulator assigns addresses.
    pub fn targets(&self) -> Vec<Target> {
        let first = u32::from(DEMO_FIRST_ADDRESS);
        self.devices
            .iter()
            .enumerate()
            .map(|(position, device)| {
                let address = IpAddr::V4(Ipv4Addr::from(first + position as u32));
                let mut target = Target::new(&device.tenant, &device.site, Host::Address(address));
                target.name = Some(device.name.clone());
                target.credentials = device.credentials.clone();
                if device.recording.starts_with("redfish:") {
                    target.protocols = Some(vec![crate::targets::Protocol::Redfish]);
                    target.port = Some(DEMO_HTTPS_PORT);
                } else if device.recording.starts_with("sip:") {
                    target.protocols = Some(vec![crate::targets::Protocol::Sip]);
                    target.port = Some(DEMO_SIP_PORT);
                } else if device.recording.starts_with("http:") {
                    target.protocols = Some(vec![crate::targets::Protocol::Http]);
                    target.port = Some(DEMO_HTTP_PORT);
                } else if device.recording.starts_with("ssh:") {
                    target.protocols = Some(vec![crate::targets::Protocol::Ssh]);
                    target.port = Some(DEMO_SSH_PORT);
                } else {
                    target.port = Some(DEMO_PORT);
                }
                target
            })
            .collect()
    }

    /// Builds one community and one BMC login per tenant, as an MSP keeps them.
    /// Adds a retired community of tenant acme that one demo device still lists,
    /// so the report shows `auth-failed`. The BMC logins pin `certificate_fingerprint`.
    pub fn credentials(&self, certificate_fingerprint: Option<&str>) -> Credentials {
        let mut tenants: Vec<String> = self.devices.iter().map(|d| d.tenant.clone()).collect();
        tenants.sort();
        tenants.dedup();
        let community = |name: &str, tenants: Vec<String>, value: &str| SnmpCredential {
            name: name.to_string(),
            tenants,
            origin: "demo".to_string(),
            auth: Ok(SnmpAuth::Community { version: SnmpVersion::V2c, community: Secret::new(value.to_string()) }),
        };
        let mut sets: Vec<SnmpCredential> = tenants
            .iter()
            .map(|tenant| community(&format!("{tenant}-v2c"), vec![tenant.clone()], DEMO_COMMUNITY))
            .collect();
        sets.push(community("legacy-community", vec!["acme".to_string()], "retired-2019"));
        let pin = certificate_fingerprint.and_then(|f| crate::redfish::tls::parse_fingerprint(f).ok());
        let redfish = tenants
            .iter()
            .map(|tenant| crate::credentials::RedfishCredential {
                name: format!("{tenant}-bmc"),
                tenants: vec![tenant.clone()],
                origin: "demo".to_string(),
                login: Ok(crate::redfish::client::RedfishLogin {
                    user: DEMO_REDFISH_USER.to_string(),
                    password: Secret::new(crate::simulate::SIMULATED_REDFISH_PASSWORD.to_string()),
                    basic: false,
                }),
                tls_fingerprint: pin,
            })
            .collect();
        let ssh = tenants
            .iter()
            .map(|tenant| crate::credentials::SshCredential {
                name: format!("{tenant}-cli"),
                tenants: vec![tenant.clone()],
                origin: "demo".to_string(),
                login: Ok(crate::ssh::client::Login {
                    user: DEMO_SSH_USER.to_string(),
                    method: crate::ssh::client::LoginMethod::Password(Secret::new(DEMO_SSH_PASSWORD.to_string())),
                    enable_secret: None,
                    legacy_algorithms: false,
                }),
            })
            .collect();
        Credentials { snmp: sets, redfish, http: Vec::new(), ssh }
    }

    /// Returns the SSH settings of the demo simulator.
    pub fn ssh_config(&self) -> Option<crate::simulate::SshConfig> {
        (!self.cli_devices.is_empty()).then(|| crate::simulate::SshConfig {
            port: DEMO_SSH_PORT,
            options: crate::ssh::server::ServerOptions {
                user: DEMO_SSH_USER.to_string(),
                password: Secret::new(DEMO_SSH_PASSWORD.to_string()),
                latency: std::time::Duration::ZERO,
            },
            devices: self.cli_devices.clone(),
        })
    }
}
