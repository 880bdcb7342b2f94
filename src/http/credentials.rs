//! `[[http]]` credential sets: user and password (by reference) for the
//! web pages that profiles mark as needing login.

use std::path::Path;

use serde::Deserialize;

use super::client::HttpLogin;

/// One named HTTP credential set.
#[derive(Clone, Debug)]
pub struct HttpCredential {
    pub name: String,
    pub tenants: Vec<String>,
    /// Location of the set's definition, `file:line`, for error messages.
    pub origin: String,
    /// The login, or the reason its password could not be resolved.
    pub login: Result<HttpLogin, String>,
}

impl HttpCredential {
    pub fn allows_tenant(&self, tenant: &str) -> bool {
        self.tenants.iter().any(|t| t == tenant)
    }
}

/// The TOML shape of an `[[http]]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpSetShape {
    name: String,
    tenants: Vec<String>,
    user: String,
    password: String,
}

/// Checks a set's fields and resolves its password. A structural error is
/// returned as `Err`, but a password that cannot be resolved only disables the set.
pub(crate) fn build(shape: HttpSetShape, origin: String, base: &Path) -> Result<HttpCredential, String> {
    if shape.tenants.is_empty() {
        return Err(format!("set {:?}: tenants must name at least one tenant", shape.name));
    }
    if !(shape.password.starts_with("env:") || shape.password.starts_with("file:")) {
        return Err(format!("set {:?}: password must be a reference, env:NAME or file:PATH, not the secret itself", shape.name));
    }
    let login = crate::credentials::resolve_secret(&shape.password, base)
        .map(|password| HttpLogin { user: shape.user.clone(), password })
        .map_err(|e| format!("password: {e}"));
    Ok(HttpCredential { name: shape.name, tenants: shape.tenants, origin, login })
}
