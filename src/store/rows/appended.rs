//! An entry for the group commit (`store::group_commit`): audit events, the agent call they
//! record, a chat conversation's saved state; whatever one caller must have stored before it
//! answers, written in one transaction with whatever other callers are waiting.

use super::agent_calls::AgentCall;
use crate::model::audit::NewEvent;

/// One caller's entry: audit events stamped `at`, and the agent call they record, if any
/// (written in the same transaction, stamped with the first of the pair); or a conversation.
/// Also the audit journal's record (`store/audit_journal.rs`): a field added later must have a
/// default, so that a journal written before it is still read.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Appended {
    pub at: String,
    pub events: Vec<NewEvent>,
    pub call: Option<(String, AgentCall)>,
    pub conversation: Option<SavedConversation>,
}

/// A chat conversation's state as of `at`; a conversation of another owner is left untouched.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SavedConversation {
    pub id: String,
    pub owner: String,
    pub state: String,
    pub at: String,
}
