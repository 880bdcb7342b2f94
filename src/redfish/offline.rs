//! Reading a Redfish mockup folder the way a live scan reads a BMC.

use serde_json::Value;

use super::crawl::{FetchError, Source};
use super::server::Mockup;

impl Source for Mockup {
    async fn get(&self, uri: &str) -> Result<Value, FetchError> {
        Mockup::get(self, uri).cloned().ok_or_else(|| FetchError::Status { status: 404, uri: uri.to_string() })
    }
}
