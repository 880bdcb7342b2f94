//! SIP: identifying phones from their response to one `OPTIONS` request.

pub mod agent;
pub mod identify;
pub mod message;
pub mod probe;
