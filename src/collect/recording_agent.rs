use super::{Agent, AgentError};
use crate::recording::Varbinds;
use crate::snmp::{Oid, Value};

/// Agent that responds to requests from a recording, as an SNMP agent serving
/// that recording would.
pub struct RecordingAgent<'a> {
    varbinds: &'a Varbinds,
}

impl<'a> RecordingAgent<'a> {
    pub fn new(varbinds: &'a Varbinds) -> Self {
        RecordingAgent { varbinds }
    }
}

impl Agent for RecordingAgent<'_> {
    async fn get(&mut self, oids: &[Oid]) -> Result<Vec<(Oid, Value)>, AgentError> {
        Ok(oids
            .iter()
            .map(|oid| (oid.clone(), self.varbinds.get(oid).cloned().unwrap_or(Value::NoSuchObject)))
            .collect())
    }

    async fn walk(&mut self, columns: &[Oid], max_rows: usize) -> Result<Vec<(Oid, Value)>, AgentError> {
        let mut rows = Vec::new();
        for column in columns {
            let in_column = self
                .varbinds
                .range(column.clone()..)
                .skip_while(|(oid, _)| *oid == column)
                .take_while(|(oid, _)| oid.starts_with(column))
                .take(max_rows)
                .map(|(oid, value)| (oid.clone(), value.clone()));
            rows.extend(in_column);
        }
        Ok(rows)
    }
}
