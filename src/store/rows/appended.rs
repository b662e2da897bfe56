//! An entry for the group commit (`store::group_commit`): audit events, the agent call they
//! record, a chat conversation's saved state; whatever one caller must have stored before it
//! answers, written in one transaction with whatever other callers are waiting.

use super::agent_calls::{AGENT_TOOL_CALL, AgentCall, AgentCallRecord, CallRow};
use super::chained::EventRow;
use crate::model::audit::NewEvent;

/// One caller's entry: audit events stamped `at`; or an agent's tool call, its event made from
/// one record; or a conversation. (`call`, an agent log row beside its events, is only read
/// from journals written before the log was read from the chain.)
/// Also the audit journal's record (`store/audit_journal.rs`): a field added later must have a
/// default, so that a journal written before it is still read.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Appended {
    pub at: String,
    pub events: Vec<NewEvent>,
    pub call: Option<(String, AgentCall)>,
    pub conversation: Option<SavedConversation>,
    pub agent_call: Option<AgentCallRecord>,
}

impl Appended {
    /// Its audit events in order, as rows to chain: `events`, then the agent call's.
    pub fn event_rows(&self) -> impl Iterator<Item = EventRow<'_>> {
        let events = self.events.iter().map(|e| EventRow::of(&self.at, e));
        let call = self.agent_call.iter().map(|c| EventRow {
            at: &self.at,
            actor: &c.actor,
            kind: AGENT_TOOL_CALL,
            request_id: None,
            data: c.event_data(),
        });
        events.chain(call)
    }

    /// Its agent log rows (only a journal written before the log was read from the chain has
    /// any).
    pub fn call_rows(&self) -> impl Iterator<Item = CallRow<'_>> {
        self.call.iter().map(|(at, c)| CallRow::of(at, c))
    }
}

/// A chat conversation's state as of `at`; a conversation of another owner is left untouched.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SavedConversation {
    pub id: String,
    pub owner: String,
    pub state: String,
    pub at: String,
}
