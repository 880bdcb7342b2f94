//! Collection: the requests a scan sends to learn what a device runs.
//!
//! The plan is written once against the [`Agent`] trait. A live scan runs it
//! over SNMP ([`crate::snmp::client::Session`]), and `identify` runs it over a
//! recording ([`RecordingAgent`]), so both request exactly the same varbinds.

mod recording_agent;

use std::collections::BTreeSet;
use std::future::Future;

use crate::identify::entity::{self, EntityTable};
use crate::identify::{Facts, SYS_DESCR, SYS_NAME, SYS_OBJECT_ID, generic, select_profile};
use crate::profiles::{ProfileSet, SourceKind};
use crate::recording::Varbinds;
use crate::snmp::{Oid, Value, oid};

pub use recording_agent::RecordingAgent;

/// Maximum number of OIDs in one GET request, chosen to keep responses within
/// one UDP datagram even with long strings.
pub const GET_CHUNK: usize = 16;
/// Maximum number of rows read from one table column.
pub const MAX_WALK_ROWS: usize = 2048;

/// Reason a request to a device failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AgentError {
    #[error("no answer within the timeout")]
    Timeout,
    #[error("port unreachable (nothing listens on the SNMP port)")]
    Refused,
    #[error("host or network unreachable")]
    Unreachable,
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    #[error("{0}")]
    Protocol(String),
}

/// A source of varbinds: a live SNMP session or a recording.
pub trait Agent {
    /// Sends a GET request for the OIDs. Missing OIDs are left out or returned
    /// as exceptions.
    fn get(&mut self, oids: &[Oid]) -> impl Future<Output = Result<Vec<(Oid, Value)>, AgentError>> + Send;

    /// Walks the table columns side by side, at most `max_rows` rows each.
    fn walk(
        &mut self,
        columns: &[Oid],
        max_rows: usize,
    ) -> impl Future<Output = Result<Vec<(Oid, Value)>, AgentError>> + Send;
}

/// Varbinds that collection gathered, and the requests after the first one
/// that failed.
#[derive(Debug, Default)]
pub struct Collected {
    pub varbinds: Varbinds,
    pub failures: Vec<String>,
}

impl Collected {
    fn absorb(&mut self, response: Result<Vec<(Oid, Value)>, AgentError>, request: &str) {
        match response {
            Ok(varbinds) => {
                for (oid, value) in varbinds {
                    if !value.is_exception() {
                        self.varbinds.insert(oid, value);
                    }
                }
            }
            Err(error) => {
                tracing::debug!(request, %error, "request failed");
                self.failures.push(format!("{request}: {error}"));
            }
        }
    }
}

/// Returns the system-group scalars that every scan starts with.
pub fn system_oids() -> Vec<Oid> {
    vec![oid(SYS_DESCR), oid(SYS_OBJECT_ID), oid(SYS_NAME)]
}

/// Runs the collection plan. `system` contains the system-group varbinds that
/// a discovery probe already fetched, and without them the first GET is sent
/// here. Fails only when that first request fails. Later failures are listed
/// in [`Collected::failures`] and turn an `ok` device into `partial`.
pub async fn collect<A: Agent>(
    agent: &mut A,
    profiles: &ProfileSet,
    system: Option<Vec<(Oid, Value)>>,
) -> Result<Collected, AgentError> {
    let mut collected = Collected::default();
    let system = match system {
        Some(varbinds) => varbinds,
        None => agent.get(&system_oids()).await?,
    };
    collected.absorb(Ok(system), "system group");

    // Round 2: OIDs that decide between profiles whose sysObjectID and
    // sysDescr conditions are already met.
    let presence = {
        let facts = Facts::new(&collected.varbinds);
        let mut oids = BTreeSet::new();
        for profile in &profiles.profiles {
            if profile.prematches(facts.sys_object_id.as_ref(), &facts.sys_descr) {
                oids.extend(profile.oid_present.iter().cloned());
            }
        }
        oids
    };
    get_chunked(agent, &mut collected, presence.into_iter().collect(), "profile match OIDs").await;

    // Round 3: ENTITY-MIB, the standard scalars, and the values that the
    // selected profile reads.
    collect_entity(agent, &mut collected).await;
    let (scalars, walks) = {
        let facts = Facts::new(&collected.varbinds);
        let mut scalars: BTreeSet<Oid> = generic::scalars().into_iter().collect();
        let mut walks = BTreeSet::new();
        if let Some(profile) = select_profile(profiles, &facts) {
            for source in profile.sources() {
                match &source.kind {
                    SourceKind::Oid(oid) => {
                        scalars.insert(oid.clone());
                    }
                    SourceKind::Oids(oids, _) => scalars.extend(oids.iter().cloned()),
                    SourceKind::Walk(column) => {
                        walks.insert(column.clone());
                    }
                    SourceKind::Entity(_) | SourceKind::Command(_) => {}
                }
            }
        }
        scalars.retain(|oid| !collected.varbinds.contains_key(oid));
        (scalars, walks)
    };
    get_chunked(agent, &mut collected, scalars.into_iter().collect(), "profile values").await;
    for column in walks {
        let response = agent.walk(std::slice::from_ref(&column), MAX_WALK_ROWS).await;
        collected.absorb(response, &format!("walk {column}"));
    }
    Ok(collected)
}

async fn get_chunked<A: Agent>(agent: &mut A, collected: &mut Collected, oids: Vec<Oid>, request: &str) {
    for chunk in oids.chunks(GET_CHUNK) {
        let response = agent.get(chunk).await;
        collected.absorb(response, request);
    }
}

/// Walks entPhysicalClass and the revision columns, then GETs the other
/// details of the rows that matter (chassis, stack, modules and rows with a
/// revision). Port and sensor rows therefore cost no extra requests.
async fn collect_entity<A: Agent>(agent: &mut A, collected: &mut Collected) {
    let columns = [
        entity::column(entity::COLUMN_CLASS),
        entity::column(entity::COLUMN_FIRMWARE_REV),
        entity::column(entity::COLUMN_SOFTWARE_REV),
    ];
    let response = agent.walk(&columns, MAX_WALK_ROWS).await;
    collected.absorb(response, "walk entPhysicalTable");

    let table = EntityTable::from_varbinds(&collected.varbinds);
    let detail_columns = [
        entity::COLUMN_DESCR,
        entity::COLUMN_NAME,
        entity::COLUMN_HARDWARE_REV,
        entity::COLUMN_SERIAL_NUM,
        entity::COLUMN_MODEL_NAME,
    ];
    let mut oids = Vec::new();
    for row in table.rows.values().filter(|row| row.is_interesting()).take(entity::MAX_DETAILED_ROWS) {
        for column in detail_columns {
            let mut arcs = entity::column(column).arcs().to_vec();
            arcs.extend_from_slice(&row.index);
            oids.push(Oid::new(arcs));
        }
    }
    get_chunked(agent, collected, oids, "entPhysicalTable details").await;
}
