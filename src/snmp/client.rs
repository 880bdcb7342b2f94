//! Per-device SNMP sessions over snmp2, with the timeouts, retries and walk
//! checks the crate leaves to its caller.

use std::net::SocketAddr;
use std::time::Duration;

use snmp2::AsyncSession;

use super::{Oid, Value};
use crate::collect::{Agent, AgentError};
use crate::credentials::{SnmpAuth, SnmpVersion, UsmCredential};

/// Per-request timeout and retries.
#[derive(Clone, Copy, Debug)]
pub struct RequestPolicy {
    pub timeout: Duration,
    pub retries: u32,
}

/// Varbinds requested in one GETBULK, across all columns, so that responses
/// stay near one Ethernet-sized datagram of typical table rows.
const BULK_VARBINDS: u32 = 24;

/// Maximum number of times a v3 request is repeated after the agent reports new
/// engine boots or time. snmp2 stores the new values and requests a repeat.
const MAX_RESYNCS: u32 = 2;

enum Request {
    Get(Vec<snmp2::Oid<'static>>),
    GetNext(snmp2::Oid<'static>),
    GetBulk(Vec<snmp2::Oid<'static>>, u32),
}

struct Reply {
    error_status: u32,
    varbinds: Vec<(Oid, Value)>,
}

/// One agent, one credential, one UDP socket at a time.
pub struct Session {
    address: SocketAddr,
    auth: SnmpAuth,
    policy: RequestPolicy,
    inner: Option<AsyncSession>,
    bulk_works: bool,
}

impl Session {
    /// Opens a session. For v3 this runs engine discovery, so a wrong user or
    /// passphrase fails here with [`AgentError::AuthFailed`].
    pub async fn open(address: SocketAddr, auth: &SnmpAuth, policy: RequestPolicy) -> Result<Session, AgentError> {
        let bulk_works = !matches!(auth, SnmpAuth::Community { version: SnmpVersion::V1, .. });
        let mut session = Session { address, auth: auth.clone(), policy, inner: None, bulk_works };
        session.connect().await?;
        Ok(session)
    }

    pub fn version(&self) -> SnmpVersion {
        match &self.auth {
            SnmpAuth::Community { version, .. } => *version,
            SnmpAuth::Usm(_) => SnmpVersion::V3,
        }
    }

    async fn connect(&mut self) -> Result<(), AgentError> {
        let request_id = rand::random::<u16>() as i32;
        let session = match &self.auth {
            SnmpAuth::Community { version: SnmpVersion::V1, community } => {
                AsyncSession::new_v1(self.address, community.expose().as_bytes(), request_id).await
            }
            SnmpAuth::Community { community, .. } => {
                AsyncSession::new_v2c(self.address, community.expose().as_bytes(), request_id).await
            }
            SnmpAuth::Usm(usm) => {
                let mut session = AsyncSession::new_v3(self.address, request_id, security(usm))
                    .await
                    .map_err(|e| AgentError::Protocol(format!("cannot open a UDP socket: {e}")))?;
                self.discover_engine(&mut session).await?;
                self.inner = Some(session);
                return Ok(());
            }
        };
        self.inner = Some(session.map_err(|e| AgentError::Protocol(format!("cannot open a UDP socket: {e}")))?);
        Ok(())
    }

    async fn discover_engine(&self, session: &mut AsyncSession) -> Result<(), AgentError> {
        let mut attempt = 0;
        loop {
            match tokio::time::timeout(self.policy.timeout, session.init()).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(error)) => return Err(map_error(error)),
                Err(_) if attempt < self.policy.retries => {
                    attempt += 1;
                    tracing::debug!(address = %self.address, attempt, "retrying SNMPv3 engine discovery");
                }
                Err(_) => return Err(AgentError::Timeout),
            }
        }
    }

    async fn exchange(&mut self, request: &Request) -> Result<Reply, AgentError> {
        let mut attempt = 0;
        let mut resyncs = 0;
        loop {
            if self.inner.is_none() {
                self.connect().await?;
            }
            let session = self.inner.as_mut().expect("connected above");
            let outcome = tokio::time::timeout(self.policy.timeout, send(session, request)).await;
            match outcome {
                Ok(Ok(reply)) => return Ok(reply),
                Ok(Err(snmp2::Error::AuthUpdated)) if resyncs < MAX_RESYNCS => resyncs += 1,
                Ok(Err(snmp2::Error::RequestIdMismatch)) | Err(_) => {
                    // A late reply would be read by the next call on this
                    // socket, so every retry starts on a fresh one.
                    self.inner = None;
                    attempt += 1;
                    if attempt > self.policy.retries {
                        return Err(AgentError::Timeout);
                    }
                    tracing::debug!(address = %self.address, attempt, "retrying SNMP request");
                }
                Ok(Err(error)) => return Err(map_error(error)),
            }
        }
    }

    /// GETs one OID at a time; for v1 agents, which reject a whole request
    /// when one OID is missing.
    async fn get_each(&mut self, oids: &[Oid]) -> Result<Vec<(Oid, Value)>, AgentError> {
        let mut varbinds = Vec::new();
        for oid in oids {
            let reply = self.exchange(&Request::Get(vec![to_wire(oid)?])).await?;
            if reply.error_status == 0 {
                varbinds.extend(reply.varbinds);
            }
        }
        Ok(varbinds)
    }

    async fn walk_bulk(&mut self, columns: &[Oid], max_rows: usize) -> Result<Vec<(Oid, Value)>, AgentError> {
        let mut cursors: Vec<Cursor> = columns.iter().map(Cursor::new).collect();
        let mut rows = Vec::new();
        while cursors.iter().any(|c| !c.done) {
            let active: Vec<usize> = (0..cursors.len()).filter(|&i| !cursors[i].done).collect();
            let repetitions = (BULK_VARBINDS / active.len() as u32).max(1);
            let oids = active
                .iter()
                .map(|&i| to_wire(&cursors[i].position))
                .collect::<Result<Vec<_>, _>>()?;
            let reply = self.exchange(&Request::GetBulk(oids, repetitions)).await?;
            if reply.error_status != 0 {
                self.bulk_works = false;
                let remaining: Vec<Oid> = active.iter().map(|&i| cursors[i].position.clone()).collect();
                rows.extend(self.walk_next(&remaining, columns, max_rows).await?);
                return Ok(rows);
            }
            if reply.varbinds.is_empty() {
                break;
            }
            for (position, (oid, value)) in reply.varbinds.into_iter().enumerate() {
                let cursor = &mut cursors[active[position % active.len()]];
                if let Some(row) = cursor.advance(oid, value, max_rows) {
                    rows.push(row);
                }
            }
        }
        Ok(rows)
    }

    /// Walks with GETNEXT, one column at a time, from the given positions.
    async fn walk_next(&mut self, positions: &[Oid], columns: &[Oid], max_rows: usize) -> Result<Vec<(Oid, Value)>, AgentError> {
        let mut rows = Vec::new();
        for start in positions {
            let Some(column) = columns.iter().find(|c| start.starts_with(c)) else { continue };
            let mut cursor = Cursor::new(column);
            cursor.position = start.clone();
            while !cursor.done {
                let reply = self.exchange(&Request::GetNext(to_wire(&cursor.position)?)).await?;
                let Some((oid, value)) = reply.varbinds.into_iter().next() else { break };
                if reply.error_status != 0 {
                    break;
                }
                if let Some(row) = cursor.advance(oid, value, max_rows) {
                    rows.push(row);
                }
            }
        }
        Ok(rows)
    }
}

/// The state of one column during a walk. A walk stops at endOfMibView, at
/// the first OID outside the column, at an OID that does not increase
/// (a broken agent would otherwise loop forever) and at `max_rows`.
struct Cursor {
    column: Oid,
    position: Oid,
    rows: usize,
    done: bool,
}

impl Cursor {
    fn new(column: &Oid) -> Self {
        Cursor { column: column.clone(), position: column.clone(), rows: 0, done: false }
    }

    fn advance(&mut self, oid: Oid, value: Value, max_rows: usize) -> Option<(Oid, Value)> {
        if self.done {
            return None;
        }
        if value.is_exception() || !oid.starts_with(&self.column) || oid <= self.position {
            self.done = true;
            return None;
        }
        self.position = oid.clone();
        self.rows += 1;
        if self.rows >= max_rows {
            self.done = true;
        }
        Some((oid, value))
    }
}

impl Agent for Session {
    async fn get(&mut self, oids: &[Oid]) -> Result<Vec<(Oid, Value)>, AgentError> {
        if oids.is_empty() {
            return Ok(Vec::new());
        }
        let wire = oids.iter().map(to_wire).collect::<Result<Vec<_>, _>>()?;
        let reply = self.exchange(&Request::Get(wire)).await?;
        match reply.error_status {
            0 => Ok(reply.varbinds),
            // noSuchName (v1), tooBig, genErr: ask one OID at a time.
            _ if oids.len() > 1 => self.get_each(oids).await,
            _ => Ok(Vec::new()),
        }
    }

    async fn walk(&mut self, columns: &[Oid], max_rows: usize) -> Result<Vec<(Oid, Value)>, AgentError> {
        if self.bulk_works {
            self.walk_bulk(columns, max_rows).await
        } else {
            self.walk_next(columns, columns, max_rows).await
        }
    }
}

async fn send(session: &mut AsyncSession, request: &Request) -> Result<Reply, snmp2::Error> {
    let pdu = match request {
        Request::Get(oids) => {
            let refs: Vec<&snmp2::Oid<'_>> = oids.iter().collect();
            session.get_many(&refs).await?
        }
        Request::GetNext(oid) => session.getnext(oid).await?,
        Request::GetBulk(oids, repetitions) => {
            let refs: Vec<&snmp2::Oid<'_>> = oids.iter().collect();
            session.getbulk(&refs, 0, *repetitions).await?
        }
    };
    let varbinds = pdu
        .varbinds
        .clone()
        .filter_map(|(oid, value)| Some((Oid::from_snmp2(&oid)?, Value::from_snmp2(&value)?)))
        .collect();
    Ok(Reply { error_status: pdu.error_status, varbinds })
}

fn to_wire(oid: &Oid) -> Result<snmp2::Oid<'static>, AgentError> {
    oid.to_snmp2().map_err(|e| AgentError::Protocol(e.to_string()))
}

fn security(usm: &UsmCredential) -> snmp2::v3::Security {
    use snmp2::v3::{Auth, KeyExtension, Security};
    let auth = match &usm.privacy {
        Some((cipher, secret)) => Auth::AuthPriv { cipher: *cipher, privacy_password: secret.expose().as_bytes().to_vec() },
        None => Auth::AuthNoPriv,
    };
    let mut security = Security::new(usm.user.as_bytes(), usm.auth_secret.expose().as_bytes())
        .with_auth_protocol(usm.auth_protocol)
        .with_auth(auth)
        .with_context_name(&usm.context);
    if let Some((cipher, _)) = &usm.privacy
        && cipher.priv_key_needs_extension(&usm.auth_protocol) {
            // net-snmp's scheme unless the set names Cisco's (reeder).
            security = security.with_key_extension_method(usm.key_extension.unwrap_or(KeyExtension::Blumenthal));
        }
    security
}

/// Maps snmp2 errors to scan outcomes. snmp2 drops the `io::Error`, so a
/// receive failure on the connected socket is read as ICMP port unreachable
/// (the usual cause) and a send failure as no route.
fn map_error(error: snmp2::Error) -> AgentError {
    match error {
        snmp2::Error::Receive => AgentError::Refused,
        snmp2::Error::Send => AgentError::Unreachable,
        snmp2::Error::AuthFailure(snmp2::v3::AuthErrorKind::NotAuthenticated) => AgentError::AuthFailed(
            "SNMPv3 unknown user or wrong passphrase (the agent does not say which)".to_string(),
        ),
        snmp2::Error::AuthFailure(kind) => AgentError::AuthFailed(format!("SNMPv3 {kind}")),
        snmp2::Error::CommunityMismatch => AgentError::AuthFailed("the agent responded with another community".into()),
        other => AgentError::Protocol(format!("SNMP: {other}")),
    }
}
