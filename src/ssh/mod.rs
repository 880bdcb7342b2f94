//! SSH: reading firmware facts from a device's command line.

pub mod algorithms;
pub mod anonymize;
pub mod clean;
pub mod client;
pub mod identify;
pub mod known_hosts;
pub mod offline;
pub mod record;
pub mod server;
pub mod session;
pub mod shell;
pub mod simulated;
pub mod terminal;
pub mod transcript;
