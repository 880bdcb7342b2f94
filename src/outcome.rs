//! Each protocol's outcome for one target, and which outcomes a merged
//! row's `reason` reports.
//!
//! A target scanned with several protocols gets one row. When one protocol
//! read the device (status `ok` or `partial`), another protocol may be
//! merely absent: nothing listens, no response, or a response that no
//! profile recognises. That is expected on most devices, so it is left out
//! of the reason.
//! Every outcome stays in the row's `outcomes` list, and the CSV `reason`
//! cell and the `-v` table show them all.

use serde::Serialize;

use crate::device::{Device, Status};

/// The result of one protocol's scan of a target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProtocolOutcome {
    pub protocol: &'static str,
    pub status: Status,
    pub reason: Option<String>,
}

impl ProtocolOutcome {
    /// Records the outcome of a row scanned with one protocol. A row without
    /// `scanned_with` is an SNMP row, as in the engine.
    pub fn of(device: &Device) -> Self {
        ProtocolOutcome { protocol: device.scanned_with.unwrap_or("snmp"), status: device.status, reason: device.reason.clone() }
    }

    /// Returns whether the outcome only shows that the protocol is absent on
    /// the device: no response (`timeout`), nothing listening (`refused`), no
    /// route (`unreachable`), or a response that no profile recognises
    /// (`unidentified`). An authentication, TLS or host-key rejection, a
    /// `partial` read and a configuration problem (`not-scanned`) are real
    /// problems.
    pub fn is_absence(&self) -> bool {
        matches!(self.status, Status::Timeout | Status::Refused | Status::Unreachable | Status::Unidentified)
    }

    /// Formats the outcome as `protocol: reason`, or `protocol: status` when
    /// there is no reason.
    pub fn labelled(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{}: {reason}", self.protocol),
            None => format!("{}: {}", self.protocol, self.status),
        }
    }
}

/// Builds the reason of a merged row: the leading protocol's own reason,
/// then the other protocols' real problems, each named by its protocol. The
/// others' plain absence is added only when no protocol read the device
/// (`read` is false), because then it is the explanation. The lead's reason
/// is named by `lead_protocol` only when others follow it.
pub fn merged_reason(lead_protocol: &str, lead_reason: Option<String>, others: &[ProtocolOutcome], read: bool) -> Option<String> {
    let mut parts: Vec<String> = others.iter().filter(|o| o.status != Status::Ok && !o.is_absence()).map(ProtocolOutcome::labelled).collect();
    if !read {
        parts.extend(others.iter().filter(|o| o.is_absence()).map(ProtocolOutcome::labelled));
    }
    match lead_reason {
        Some(reason) if parts.is_empty() => Some(reason),
        Some(reason) => Some(format!("{lead_protocol}: {reason}; {}", parts.join("; "))),
        None if parts.is_empty() => None,
        None => Some(parts.join("; ")),
    }
}

/// Formats the full detail of a row: every protocol's outcome that is not
/// `ok`, the leading protocol's first. The CSV `reason` cell and the `-v`
/// table use it. For a row of one protocol, or one without outcomes (identified
/// from a recording, or stored by an older history), returns the row's own reason.
pub fn full_detail(device: &Device) -> Option<String> {
    match device.outcomes.split_first() {
        Some((lead, others)) if !others.is_empty() => merged_reason(lead.protocol, lead.reason.clone(), others, false),
        _ => device.reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(protocol: &'static str, status: Status, reason: &str) -> ProtocolOutcome {
        ProtocolOutcome { protocol, status, reason: Some(reason.to_string()) }
    }

    #[test]
    fn absence_left_out_when_read() {
        let others = [outcome("http", Status::Refused, "connection refused")];

        assert_eq!(merged_reason("sip", None, &others, true), None);
        assert_eq!(merged_reason("sip", None, &others, false).as_deref(), Some("http: connection refused"));
    }

    #[test]
    fn rejection_kept_when_read() {
        let others = [
            outcome("snmp", Status::Timeout, "no SNMP response"),
            outcome("http", Status::AuthFailed, "HTTP 401"),
            outcome("redfish", Status::TlsRejected, "certificate not trusted"),
        ];

        let reason = merged_reason("snmp", Some("some requests failed: /a: HTTP 500".into()), &others, true);

        assert_eq!(reason.as_deref(), Some("snmp: some requests failed: /a: HTTP 500; http: HTTP 401; redfish: certificate not trusted"));
    }

    #[test]
    fn problems_precede_absence_when_unread() {
        let others = [outcome("sip", Status::Timeout, "no response"), outcome("ssh", Status::HostKeyRejected, "unknown host key")];

        let reason = merged_reason("snmp", Some("no SNMP response".into()), &others, false);

        assert_eq!(reason.as_deref(), Some("snmp: no SNMP response; ssh: unknown host key; sip: no response"));
    }

    #[test]
    fn lead_reason_alone_unlabelled() {
        let others = [outcome("sip", Status::Refused, "nothing listens for SIP")];

        let reason = merged_reason("http", Some("some requests failed: /b: HTTP 404".into()), &others, true);

        assert_eq!(reason.as_deref(), Some("some requests failed: /b: HTTP 404"));
    }

    #[test]
    fn full_detail_adds_left_out() {
        let mut device = Device::empty("acme", "hq", None, Status::Ok);
        device.outcomes = vec![
            ProtocolOutcome { protocol: "sip", status: Status::Ok, reason: None },
            outcome("http", Status::Refused, "connection refused"),
        ];

        assert_eq!(full_detail(&device).as_deref(), Some("http: connection refused"));
    }
}
