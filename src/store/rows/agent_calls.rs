//! The log of tool calls agent tokens made, and an agent's call as it waits to be written.
//! The log is read from the audit chain: an agent call's event carries everything a log entry
//! says (the `agent_calls` table holds only the calls logged before it did, and rows left in
//! journals written then).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

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

/// The audit event kind of an agent's tool call.
pub const AGENT_TOOL_CALL: &str = "agent_tool_call";

/// An agent's tool call as the group commit and the audit journal carry it: everything its
/// audit event says. Its arguments are JSON text already (bounded), so that they are encoded
/// once, when the call is recorded, and written as they are; the event's data is made from it
/// when the batch is written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentCallRecord {
    /// Who made the call, as the audit log names them (`agent "bot" for maya`).
    pub actor: String,
    pub agent: String,
    /// The person's name and id.
    pub person: String,
    pub person_id: String,
    pub token_id: Option<String>,
    pub tool: String,
    pub arguments: Box<RawValue>,
    /// `ok`, or the error code.
    pub outcome: String,
    /// The HTTP request that made the call, if one did.
    pub http_request_id: Option<String>,
}

/// An audit event's data for an agent's call: the fields in the order a `serde_json` map
/// keeps them (by name), so that the text is what the event built as a `Value` had.
#[derive(Serialize)]
struct EventData<'a> {
    agent: &'a str,
    arguments: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_request_id: Option<&'a str>,
    outcome: &'a str,
    person: &'a str,
    person_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_id: Option<&'a str>,
    tool: &'a str,
}

/// An agent log entry as its audit event's data says it; `person_id` is absent from events
/// written before the log was read from them (their entries are the table's rows).
#[derive(Deserialize)]
pub struct LoggedCall {
    agent: String,
    person_id: Option<String>,
    token_id: Option<String>,
    tool: String,
    arguments: serde_json::Value,
    outcome: String,
}

impl LoggedCall {
    /// The log entry, if the event carries one.
    pub fn entry(self) -> Option<AgentCall> {
        Some(AgentCall {
            person_id: self.person_id?,
            agent: self.agent,
            token_id: self.token_id,
            tool: self.tool,
            arguments: self.arguments,
            outcome: self.outcome,
        })
    }
}

impl AgentCallRecord {
    /// The audit event's data, as JSON text.
    pub fn event_data(&self) -> String {
        let data = EventData {
            agent: &self.agent,
            arguments: &self.arguments,
            http_request_id: self.http_request_id.as_deref(),
            outcome: &self.outcome,
            person: &self.person,
            person_id: &self.person_id,
            token_id: self.token_id.as_deref(),
            tool: &self.tool,
        };
        // Strings and JSON text only: serialising them cannot fail.
        serde_json::to_string(&data).unwrap_or_default()
    }
}

/// An agent log row to insert (from a journal written before the log was read from the chain),
/// its arguments as JSON text.
pub struct CallRow<'a> {
    pub at: &'a str,
    pub person_id: &'a str,
    pub agent: &'a str,
    pub token_id: Option<&'a str>,
    pub tool: &'a str,
    pub arguments: String,
    pub outcome: &'a str,
}

impl<'a> CallRow<'a> {
    /// The row of `call`, logged `at`.
    pub fn of(at: &'a str, call: &'a AgentCall) -> Self {
        CallRow {
            at,
            person_id: &call.person_id,
            agent: &call.agent,
            token_id: call.token_id.as_deref(),
            tool: &call.tool,
            arguments: call.arguments.to_string(),
            outcome: &call.outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn text() -> impl Strategy<Value = String> {
        "[a-z\"\\\\\u{130}\u{2019}é😀\u{0} ]{0,12}"
    }

    proptest! {
        /// An agent call's event data is, to the byte, what the event built as a `Value` (the
        /// way every other event is, and agent calls were) writes: the chain hashes this text.
        #[test]
        fn the_event_data_is_the_text_of_the_value_it_stands_for(
            agent in text(), person in text(), tool in text(), outcome in text(),
            request in proptest::option::of(text()),
            person_id in text(), token in proptest::option::of(text()),
            args in prop::collection::btree_map(text(), text(), 0..4),
        ) {
            let arguments = serde_json::value::to_raw_value(&args).unwrap();
            let record = AgentCallRecord {
                actor: format!("agent {agent:?} for {person}"),
                agent: agent.clone(),
                person: person.clone(),
                person_id: person_id.clone(),
                token_id: token.clone(),
                tool: tool.clone(),
                arguments,
                outcome: outcome.clone(),
                http_request_id: request.clone(),
            };
            let mut value = json!({
                "agent": agent, "person": person, "tool": tool, "arguments": args,
                "outcome": outcome, "person_id": person_id,
            });
            let Value::Object(fields) = &mut value else { unreachable!() };
            if let Some(id) = request {
                fields.insert("http_request_id".into(), Value::String(id));
            }
            if let Some(id) = &token {
                fields.insert("token_id".into(), Value::String(id.clone()));
            }
            prop_assert_eq!(record.event_data(), value.to_string());
            // And the agent log reads the call back from it.
            let logged: LoggedCall = serde_json::from_str(&record.event_data()).unwrap();
            let entry = logged.entry().unwrap();
            prop_assert_eq!(
                (entry.agent, entry.person_id, entry.token_id, entry.tool, entry.outcome),
                (agent, person_id, token, tool, outcome)
            );
            prop_assert_eq!(entry.arguments, serde_json::to_value(&args).unwrap());
        }
    }
}
