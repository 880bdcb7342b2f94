//! SSH: reading firmware facts from a device's command line.

pub mod identify;
pub mod transcript;
