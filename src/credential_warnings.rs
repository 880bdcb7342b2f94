//! Warnings about credential sets that a sweep uses differently from what
//! the credentials file suggests. A tenant without an SNMP set falls back to
//! the community `public`, and a tenant that sets name but no inventory row
//! uses is often a misspelling. Both are legal, so they are warnings, logged
//! once per tenant.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::credentials::Credentials;
use crate::targets::{Protocol, Target};

/// Returns whether the target's SNMP scan falls back to the community
/// `public`. That happens when the target names no SNMP set and no SNMP set
/// is fenced to its tenant, as `engine::credential_candidates` decides.
pub fn falls_back_to_public(credentials: &Credentials, target: &Target) -> bool {
    let names_snmp_set = target
        .credentials
        .iter()
        .any(|name| credentials.find_redfish(name).is_none() && credentials.find_http(name).is_none() && credentials.find_ssh(name).is_none());
    !names_snmp_set && !credentials.snmp.iter().any(|set| set.allows_tenant(&target.tenant))
}

/// Passes the targets through unchanged, and warns once per tenant whose
/// targets are scanned over SNMP with the community `public` although the
/// credentials file `file` was given. Call it only when `--community` is
/// absent, because that value is tried first for every tenant.
pub fn warn_public_fallback(
    targets: Box<dyn Iterator<Item = Target> + Send>,
    credentials: Credentials,
    file: PathBuf,
    default_protocols: Vec<Protocol>,
) -> Box<dyn Iterator<Item = Target> + Send> {
    let mut warned: HashSet<String> = HashSet::new();
    Box::new(targets.inspect(move |target| {
        if target.problem.is_some() || warned.contains(&target.tenant) {
            return;
        }
        let protocols = target.protocols.as_deref().unwrap_or(&default_protocols);
        if protocols.contains(&Protocol::Snmp) && falls_back_to_public(&credentials, target) {
            warned.insert(target.tenant.clone());
            tracing::warn!(
                tenant = %target.tenant,
                "{}: no SNMP credential set is fenced to tenant {:?}, so its targets are tried with the community `public`; \
                 add the tenant to a set's tenants list or give --community",
                file.display(),
                target.tenant
            );
        }
    }))
}

/// Warns once per tenant that credential sets name but none of `used`
/// matches, naming each such set with its `file:line`. A misspelt tenant in
/// a set looks like this, and the misspelt set is then never used.
pub fn warn_unused_tenants(credentials: &Credentials, used: &BTreeSet<String>) {
    let sets = credentials
        .snmp
        .iter()
        .map(|s| (&s.name, &s.origin, &s.tenants))
        .chain(credentials.redfish.iter().map(|s| (&s.name, &s.origin, &s.tenants)))
        .chain(credentials.http.iter().map(|s| (&s.name, &s.origin, &s.tenants)))
        .chain(credentials.ssh.iter().map(|s| (&s.name, &s.origin, &s.tenants)));

    let mut unused: Vec<(&String, Vec<String>)> = Vec::new();
    for (name, origin, tenants) in sets {
        for tenant in tenants.iter().filter(|t| !used.contains(*t)) {
            let set = format!("{name:?} ({origin})");
            match unused.iter_mut().find(|(t, _)| *t == tenant) {
                Some((_, named_by)) => named_by.push(set),
                None => unused.push((tenant, vec![set])),
            }
        }
    }
    for (tenant, named_by) in unused {
        let noun = if named_by.len() == 1 { "credential set" } else { "credential sets" };
        tracing::warn!(
            %tenant,
            "tenant {tenant:?} is named by {noun} {} but by no inventory row; check its spelling against the inventory's tenant column",
            named_by.join(", ")
        );
    }
}

/// Warns like [`warn_unused_tenants`], with the tenants of the inventory at
/// `inventory` and `other_tenants` (those of targets from the command line
/// or a plan) as the tenants in use.
pub fn warn_unused_inventory_tenants(credentials: &Credentials, inventory: &Path, other_tenants: &[String]) {
    // The sweep reads the same file and reports its errors, so an error here is not repeated.
    let Ok(mut used) = crate::targets::read_inventory_tenants(inventory) else { return };
    used.extend(other_tenants.iter().cloned());
    warn_unused_tenants(credentials, &used);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::Host;

    fn load(text: &str) -> Credentials {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.toml");
        std::fs::write(&path, text).unwrap();
        Credentials::load(&path).unwrap()
    }

    fn target(tenant: &str, names: &[&str]) -> Target {
        let mut target = Target::new(tenant, "hq", Host::Address([127, 87, 5, 1].into()));
        target.credentials = names.iter().map(|n| n.to_string()).collect();
        target
    }

    #[test]
    fn fallback_matches_candidate_choice() {
        // SAFETY: the variable name is unique to this test.
        unsafe { std::env::set_var("FWSWEEP_TEST_FALLBACK_COMMUNITY", "c") };
        let credentials = load(
            "[[snmp]]\nname = \"acme-v2\"\ntenants = [\"acme\"]\nversion = \"2c\"\ncommunity = \"env:FWSWEEP_TEST_FALLBACK_COMMUNITY\"\n\n\
             [[http]]\nname = \"beta-web\"\ntenants = [\"beta\"]\nuser = \"u\"\npassword = \"env:FWSWEEP_TEST_FALLBACK_COMMUNITY\"\n",
        );
        let cases = [
            (target("acme", &[]), false),
            (target("beta", &[]), true),
            (target("beta", &["beta-web"]), true),
            (target("acme", &["beta-web"]), false),
        ];
        for (target, expected) in cases {
            let candidates = crate::engine::credential_candidates(&credentials, &target).unwrap();
            let public = candidates.len() == 1 && candidates[0].0 == "default-public";
            assert_eq!(public, expected, "{} {:?}: candidate choice", target.tenant, target.credentials);
            assert_eq!(falls_back_to_public(&credentials, &target), expected, "{} {:?}", target.tenant, target.credentials);
        }
    }
}
