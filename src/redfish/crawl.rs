//! The Redfish crawl: service root, Systems, Managers, Chassis and the
//! UpdateService inventories, with `$expand` where the service offers it
//! and `Members@odata.nextLink` paging. Written against [`Source`], so a
//! live BMC and a mockup folder are read the same way.

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::Value;

/// Reason one GET failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("timed out waiting for a response")]
    Timeout,
    #[error("connection refused")]
    Refused,
    #[error("host unreachable: {0}")]
    Unreachable(String),
    #[error("TLS certificate rejected: {0}")]
    TlsRejected(String),
    #[error("the BMC offers only TLS 1.0 or 1.1, which is no longer supported; its firmware is old")]
    TlsLegacy,
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    #[error("HTTP {status} on {uri}")]
    Status { status: u16, uri: String },
    #[error("invalid JSON from {uri}: {message}")]
    Json { uri: String, message: String },
    #[error("{0}")]
    Other(String),
}

/// Source of Redfish resources as JSON, such as a live BMC or a mockup folder.
pub trait Source: Sync {
    fn get(&self, uri: &str) -> impl Future<Output = Result<Value, FetchError>> + Send;
}

/// Resources the crawl read, keyed by normalised URI, and the reads that failed.
#[derive(Debug, Default, Clone)]
pub struct Observation {
    pub resources: BTreeMap<String, Value>,
    /// Resources that could not be read, each as `URI: reason`.
    pub failures: Vec<String>,
    /// Whether the crawl used `$expand`.
    pub expanded: bool,
}

/// Maximum number of pages followed in one collection. iDRAC pages at 50
/// members, so this covers 2,000 members there.
pub const MAX_PAGES: usize = 40;

/// Strips a trailing slash (iLO 5 2.70 adds one to almost every link) and
/// any query.
pub fn normalise(uri: &str) -> String {
    let path = uri.split('?').next().unwrap_or(uri);
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/".to_string() } else { trimmed.to_string() }
}

fn link<'a>(resource: &'a Value, property: &str) -> Option<&'a str> {
    resource.get(property)?.get("@odata.id")?.as_str()
}

/// Tells whether the service root offers `$expand` with levels.
pub fn supports_expand(root: &Value) -> bool {
    let Some(expand) = root.get("ProtocolFeaturesSupported").and_then(|p| p.get("ExpandQuery")) else {
        return false;
    };
    let flag = |name: &str| expand.get(name).and_then(Value::as_bool).unwrap_or(false);
    let max_levels = expand.get("MaxLevels").and_then(Value::as_u64).unwrap_or(0);
    (flag("ExpandAll") || flag("Levels")) && max_levels >= 1
}

/// Crawls from the service root.
pub async fn crawl<S: Source>(source: &S, root: Value, allow_expand: bool) -> Observation {
    let mut observation = Observation { expanded: allow_expand && supports_expand(&root), ..Observation::default() };
    let root_uri = root.get("@odata.id").and_then(Value::as_str).map(normalise).unwrap_or_else(|| "/redfish/v1".to_string());
    observation.resources.insert(root_uri, root.clone());

    for property in ["Systems", "Managers", "Chassis"] {
        if let Some(collection) = link(&root, property) {
            read_collection(source, collection, &mut observation).await;
        }
    }
    if let Some(update_service) = link(&root, "UpdateService") {
        match source.get(update_service).await {
            Ok(service) => {
                observation.resources.insert(normalise(update_service), service.clone());
                for property in ["FirmwareInventory", "SoftwareInventory"] {
                    if let Some(collection) = link(&service, property) {
                        read_collection(source, collection, &mut observation).await;
                    }
                }
            }
            Err(error) => observation.failures.push(format!("{update_service}: {error}")),
        }
    }
    // HPE iLO 4 keeps its inventory under the system, as a map of arrays.
    let systems: Vec<String> = member_uris(&observation, "Systems");
    for system in systems {
        let inventory = observation.resources.get(&normalise(&system)).and_then(|s| link(s, "FirmwareInventory")).map(str::to_string);
        if let Some(inventory) = inventory
            && let Ok(value) = source.get(&inventory).await
        {
            observation.resources.insert(normalise(&inventory), value);
        }
    }
    observation
}

/// Returns the member URIs of the root's collection `property`, as read.
pub fn member_uris(observation: &Observation, property: &str) -> Vec<String> {
    // The root sorts first because every other URI extends its path.
    let Some(root) = observation.resources.values().next() else { return Vec::new() };
    let Some(collection) = link(root, property) else { return Vec::new() };
    observation
        .resources
        .get(&normalise(collection))
        .and_then(|c| c.get("Members"))
        .and_then(Value::as_array)
        .map(|members| members.iter().filter_map(|m| m.get("@odata.id").and_then(Value::as_str).map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Reads a collection with its pages and members. Members that the expanded
/// response already contains in full are not fetched again. A member that
/// fails is recorded in `failures`, and the others are kept.
async fn read_collection<S: Source>(source: &S, uri: &str, observation: &mut Observation) {
    let mut members: Vec<Value> = Vec::new();
    let mut next = Some(if observation.expanded { format!("{uri}?$expand=.($levels=1)") } else { uri.to_string() });
    let mut first_page: Option<Value> = None;
    for _ in 0..MAX_PAGES {
        let Some(page_uri) = next.take() else { break };
        match source.get(&page_uri).await {
            Ok(page) => {
                if let Some(list) = page.get("Members").and_then(Value::as_array) {
                    members.extend(list.iter().cloned());
                }
                next = page.get("Members@odata.nextLink").and_then(Value::as_str).map(|link| {
                    if observation.expanded && !link.contains("$expand") {
                        let joiner = if link.contains('?') { '&' } else { '?' };
                        format!("{link}{joiner}$expand=.($levels=1)")
                    } else {
                        link.to_string()
                    }
                });
                first_page.get_or_insert(page);
            }
            Err(error) => {
                observation.failures.push(format!("{page_uri}: {error}"));
                break;
            }
        }
    }
    let Some(mut collection) = first_page else { return };

    // Keep the collection with every member link, as one page would list it.
    let links: Vec<Value> = members
        .iter()
        .filter_map(|m| m.get("@odata.id").cloned())
        .map(|id| serde_json::json!({ "@odata.id": id }))
        .collect();
    if let Some(object) = collection.as_object_mut() {
        object.insert("Members".to_string(), Value::Array(links));
        object.remove("Members@odata.nextLink");
    }
    observation.resources.insert(normalise(uri), collection);

    let mut to_fetch = Vec::new();
    for member in members {
        let Some(id) = member.get("@odata.id").and_then(Value::as_str).map(str::to_string) else { continue };
        let inlined = member.as_object().is_some_and(|o| o.len() > 1);
        if inlined {
            observation.resources.insert(normalise(&id), member);
        } else {
            to_fetch.push(id);
        }
    }
    // The source limits how many requests reach the BMC at once.
    let fetched = futures::future::join_all(to_fetch.iter().map(|id| source.get(id))).await;
    for (id, result) in to_fetch.iter().zip(fetched) {
        match result {
            Ok(value) if value.get("error").is_some() && value.get("@odata.id").is_none() => {
                observation.failures.push(format!("{id}: the service returned an error body"));
            }
            Ok(value) => {
                observation.resources.insert(normalise(id), value);
            }
            Err(error) => observation.failures.push(format!("{id}: {error}")),
        }
    }
}
