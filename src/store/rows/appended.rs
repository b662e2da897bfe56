//! An entry for the audit chain's group commit (`store::group_commit`): events and the agent
//! call they record.

use super::agent_calls::AgentCall;
use crate::model::audit::NewEvent;

/// One caller's entry: audit events stamped `at`, and the agent call they record, if any
/// (written in the same transaction, stamped with the first of the pair).
#[derive(Debug, Clone)]
pub struct Appended {
    pub at: String,
    pub events: Vec<NewEvent>,
    pub call: Option<(String, AgentCall)>,
}
