//! Redfish: reading server firmware inventories from BMCs over HTTPS.

pub mod client;
pub mod crawl;
pub mod inventory;
mod offline;
pub mod server;
pub mod tls;
