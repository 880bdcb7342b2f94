//! Profile matching and extraction on saved recordings, for `fwsweep identify`.

use std::path::{Path, PathBuf};

use crate::collect::{RecordingAgent, collect};
use crate::device::{Device, Status};
use crate::identify::{Identity, identify};
use crate::profiles::ProfileSet;
use crate::recording;
use crate::ssh::offline::CliInput;

/// Identifies each recording. A file that cannot be read still gets a row,
/// with status `not-scanned` and the error as its reason.
pub async fn identify_files(profiles: &ProfileSet, paths: &[PathBuf], tenant: &str, site: &str) -> Vec<Device> {
    identify_files_with(profiles, paths, tenant, site, &CliInput::default()).await
}

/// Identifies each recording, reading CLI text as `cli` specifies. With a
/// command set, every file is that command's output.
pub async fn identify_files_with(profiles: &ProfileSet, paths: &[PathBuf], tenant: &str, site: &str, cli: &CliInput) -> Vec<Device> {
    let mut devices = Vec::with_capacity(paths.len());
    for path in paths {
        devices.push(identify_file(profiles, path, tenant, site, cli).await);
    }
    devices
}

async fn identify_file(profiles: &ProfileSet, path: &Path, tenant: &str, site: &str, cli: &CliInput) -> Device {
    let mut device = Device::empty(tenant, site, None, Status::NotScanned);
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    device.recording = file_name.clone();
    device.target_label = file_name.unwrap_or_default();

    if crate::redfish::server::is_mockup(path) {
        return identify_mockup(device, path, profiles).await;
    }
    if path.extension().is_some_and(|e| e == "sip") {
        return identify_sip(device, path, profiles);
    }
    if cli.command.is_some() || crate::ssh::offline::is_transcript(path) {
        return identify_cli(device, path, profiles, cli);
    }
    if path.extension().is_some_and(|e| e == "http") {
        return identify_http(device, path, profiles).await;
    }

    let varbinds = match recording::load(path) {
        Ok(varbinds) => varbinds,
        Err(error) => {
            device.reason = Some(error.to_string());
            return device;
        }
    };
    let mut agent = RecordingAgent::new(&varbinds);
    let collected = match collect(&mut agent, profiles, None).await {
        Ok(collected) => collected,
        Err(error) => {
            device.reason = Some(error.to_string());
            return device;
        }
    };
    let identity = identify(profiles, &collected.varbinds);
    apply_identity(&mut device, identity, &collected.failures);
    device.protocols = vec!["snmp"];
    device
}

/// Identifies a Redfish mockup folder with the same crawl as a live scan,
/// but without `$expand`, which a folder cannot serve.
async fn identify_mockup(mut device: Device, path: &Path, profiles: &ProfileSet) -> Device {
    let mockup = match crate::redfish::server::load_mockup(path) {
        Ok(mockup) => mockup,
        Err(error) => {
            device.reason = Some(error.to_string());
            return device;
        }
    };
    let root = mockup.service_root().clone();
    let observation = crate::redfish::crawl::crawl(&mockup, root, false).await;
    apply_identity(&mut device, crate::redfish::inventory::identify(&observation, profiles), &[]);
    device.protocols = vec!["redfish"];
    device
}

/// Identifies a saved SIP response.
fn identify_sip(mut device: Device, path: &Path, profiles: &ProfileSet) -> Device {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            device.reason = Some(format!("{}: cannot read: {error}", path.display()));
            return device;
        }
    };
    device.protocols = vec!["sip"];
    match crate::sip::message::Response::parse(&text) {
        Ok(response) => apply_identity(&mut device, crate::sip::identify::identify(&response, profiles), &[]),
        Err(malformed) => {
            device.status = Status::Unidentified;
            device.reason = Some(format!("{}: {malformed}", path.display()));
        }
    }
    device
}

/// Identifies a saved `.http` recording with the same page matching as a
/// live scan.
async fn identify_http(mut device: Device, path: &Path, profiles: &ProfileSet) -> Device {
    let recording = match crate::http::recording::load(path) {
        Ok(recording) => recording,
        Err(error) => {
            // A file that cannot be read is not scanned; a malformed one was
            // read but identifies nothing.
            device.status = if error.line == 0 { Status::NotScanned } else { Status::Unidentified };
            device.reason = Some(error.to_string());
            return device;
        }
    };
    let mut source = crate::http::identify::RecordingSource { recording: &recording };
    let reading = crate::http::identify::identify(&mut source, profiles).await;
    apply_identity(&mut device, reading.identity, &reading.failures);
    device.protocols = vec!["http"];
    device
}

/// Identifies a `.cli` transcript or, with `--command`, one command's output.
fn identify_cli(mut device: Device, path: &Path, profiles: &ProfileSet, cli: &CliInput) -> Device {
    match crate::ssh::offline::identify_file(path, cli, profiles) {
        Ok(identity) => {
            apply_identity(&mut device, identity, &[]);
            device.protocols = vec!["ssh"];
        }
        Err(reason) => device.reason = Some(reason),
    }
    device
}

/// Copies an identification result into a device row. An `ok` device becomes
/// `partial` when some of its requests failed.
pub fn apply_identity(device: &mut Device, identity: Identity, failures: &[String]) {
    device.status = identity.status.unwrap_or(Status::Unidentified);
    device.reason = identity.reason;
    if !failures.is_empty() && device.status == Status::Ok {
        device.status = Status::Partial;
        device.reason = Some(format!("some requests failed: {}", failures.join("; ")));
    }
    device.profile = identity.profile;
    device.vendor = identity.vendor;
    device.hardware = identity.model.clone();
    device.model = identity.model;
    device.serial = identity.serial;
    device.class = identity.class;
    device.hostname = identity.hostname;
    device.sys_descr = identity.sys_descr;
    device.sys_object_id = identity.sys_object_id;
    if identity.user_agent.is_some() {
        device.user_agent = identity.user_agent;
    }
    device.version = identity.version;
    device.components = identity.components;
}
