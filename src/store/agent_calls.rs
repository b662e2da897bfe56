//! The store's face for the log of agents' tool calls, read from their audit events (the
//! queries are in `portable/agent_calls.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};
use crate::model::people::agent_for;

pub use super::rows::agent_calls::{AgentCall, AgentCallRecord};

impl Store {
    /// Logs a call, made now by the store's clock, as its audit event (the tools log theirs
    /// through [`Store::append_grouped`], with the person's name and the HTTP request; here the
    /// person is named by id).
    pub async fn log_agent_call(&self, call: &AgentCall) -> Result<(), StoreError> {
        let arguments = serde_json::value::to_raw_value(&call.arguments)
            .map_err(|e| StoreError::Corrupt(format!("agent call arguments: {e}")))?;
        self.append_grouped(super::group_commit::Appended {
            at: self.written_at(),
            agent_call: Some(AgentCallRecord {
                actor: agent_for(&call.agent, &call.person_id),
                agent: call.agent.clone(),
                person: call.person_id.clone(),
                person_id: call.person_id.clone(),
                token_id: call.token_id.clone(),
                tool: call.tool.clone(),
                arguments,
                outcome: call.outcome.clone(),
                http_request_id: None,
            }),
            ..Default::default()
        })
        .await
    }

    /// Every logged agent call, oldest first: the rows logged before the log was read from
    /// the chain, then the calls' audit events.
    pub async fn agent_calls(&self) -> Result<Vec<AgentCall>, StoreError> {
        self.settle_appends().await?;
        with_pool!(self, pool, sql => sql::agent_calls::list(pool).await)
    }
}
