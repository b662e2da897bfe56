//! The log of tool calls agent tokens made.

/// A tool call an agent token made: who, on whose behalf, what, and how it ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgentCall {
    pub person_id: String,
    pub agent: String,
    pub token_id: Option<String>,
    pub tool: String,
    pub arguments: serde_json::Value,
    /// `ok`, or the error code.
    pub outcome: String,
}
