//! The store's face for the log of agents' tool calls (the queries are in
//! `portable/agent_calls.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};

pub use super::rows::agent_calls::{AgentCall, AgentCallRecord};

impl Store {
    /// Logs a call, made now by the store's clock, with no audit event (the tools log both
    /// together through [`Store::append_grouped`]).
    pub async fn log_agent_call(&self, call: &AgentCall) -> Result<(), StoreError> {
        self.append_grouped(super::group_commit::Appended {
            at: self.written_at(),
            events: Vec::new(),
            call: Some((self.written_at(), call.clone())),
            ..Default::default()
        })
        .await
    }

    /// Every logged agent call, oldest first.
    pub async fn agent_calls(&self) -> Result<Vec<AgentCall>, StoreError> {
        self.settle_appends().await?;
        with_pool!(self, pool, sql => sql::agent_calls::list(pool).await)
    }
}
