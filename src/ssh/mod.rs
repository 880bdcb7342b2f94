//! SSH: reading firmware facts from a device's command line.

pub mod clean;
pub mod identify;
pub mod offline;
pub mod transcript;
