//! fwsweep: a firmware scanner for the network devices of many customers.
//!
//! Each stage of a sweep has its own module. [`targets`] expands what to
//! scan, [`collect`] reads values from devices, [`identify`] matches vendor
//! profiles, [`assess`] sets verdicts and [`report`] writes the table, CSV or
//! JSON. [`engine`] runs a sweep, and [`simulate`] serves recordings as live agents.

pub mod assess;
pub mod collect;
pub mod credential_warnings;
pub mod credentials;
mod csv_lines;
pub mod demo;
pub mod device;
pub mod engine;
pub mod history;
pub mod http;
pub mod identify;
pub mod maintenance;
pub mod offline;
pub mod outcome;
pub mod profiles;
pub mod record;
pub mod redfish;
pub mod recording;
pub mod releases;
pub mod report;
pub mod simulate;
pub mod sip;
pub mod snmp;
pub mod ssh;
pub mod targets;

/// Profiles and demo fixtures built into the binary by `build.rs`.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
