//! `fwsweep demo`: the simulator on the built-in fixtures, swept like a
//! customer network, so a new user sees a full report in one command.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::credentials::{Credentials, Secret, SnmpAuth, SnmpCredential, SnmpVersion};
use crate::recording::parse_snmprec;
use crate::simulate::{ServedRecording, SimulatorConfig};
use crate::targets::{Host, Target};

/// Where the demo network lives; away from `simulate`'s default so both can run.
pub const DEMO_FIRST_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 78, 0, 1);
pub const DEMO_PORT: u16 = 16161;
/// The community the demo agents answer.
pub const DEMO_COMMUNITY: &str = "public";

/// One device of the demo network: which recording plays it and where it
/// belongs. `recording` is `silent` for an address that never answers.
#[derive(Debug, Clone)]
pub struct DemoDevice {
    pub recording: String,
    pub tenant: String,
    pub site: String,
    pub name: String,
    pub credentials: Vec<String>,
}

/// The demo network: recordings to serve, the targets and credentials to sweep them with.
pub struct DemoNetwork {
    pub config: SimulatorConfig,
    pub recordings: Vec<ServedRecording>,
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

    // Devices are served one address each, in table order; silent rows last.
    devices.sort_by_key(|d| d.recording == "silent");
    let mut recordings = Vec::new();
    for device in devices.iter().filter(|d| d.recording != "silent") {
        let text = recordings_by_name
            .get(&device.recording)
            .ok_or_else(|| DemoError(format!("network.csv names {}, which fixtures/snmp lacks", device.recording)))?;
        let parsed = parse_snmprec(text);
        if let Some((line, message)) = parsed.problems.first() {
            return Err(DemoError(format!("fixtures/snmp/{}:{line}: {message}", device.recording)));
        }
        let varbinds = parsed.varbinds;
        recordings.push(ServedRecording { name: device.recording.clone(), varbinds: Arc::new(varbinds) });
    }
    let silent = devices.len() - recordings.len();
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
        },
        recordings,
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
                target.port = Some(DEMO_PORT);
                target
            })
            .collect()
    }

    /// One community per tenant, as an MSP keeps them, plus a retired one of
    /// acme's that one demo device still lists, to show `auth-failed`.
    pub fn credentials(&self) -> Credentials {
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
        Credentials { snmp: sets, redfish: Vec::new() }
    }
}
