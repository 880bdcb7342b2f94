//! SNMP on the wire: owned OIDs and values, the message encoder the
//! simulator and discovery probe use, and per-device client sessions.

mod oid;
pub mod ber;
pub mod client;
pub mod probe;
mod icmp;

pub use oid::{Oid, OidError, Value, oid};
