//! A conversation's memory between turns, kept in the store so that a follow-up can reach any
//! server that shares it. Only its owner can continue it.

use super::{EngineKind, Reply, ToolCall};
use crate::error::{ErrorCode, Problem};
use crate::people::Principal;
use crate::store::Store;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What each engine remembers. Each engine owns its part's shape.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// The embedded engine's memory (a question it asked back, the last subject).
    #[serde(default)]
    pub embedded: Value,
    /// The LLM engine's message history in chat-completions form, without the system prompt.
    #[serde(default)]
    pub llm: Vec<Value>,
    /// The last [`KEPT_TURNS`] turns as they were answered, to show the conversation again
    /// (the dashboard's `/chat?conversation=`).
    #[serde(default)]
    pub transcript: Vec<Said>,
}

/// Turns a conversation's transcript keeps.
pub const KEPT_TURNS: usize = 20;
/// How much of a tool call's arguments or result a transcript keeps (as JSON text).
pub const SUMMARY_CHARS: usize = 400;
/// The tool whose result is a request drafted for the asker.
const DRAFTING_TOOL: &str = "create_access_request";

/// One turn as it was answered: the question, the answer, and the tool calls behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub message: String,
    pub answer: String,
    pub engine: EngineKind,
    pub calls: Vec<CallSummary>,
    /// The ids of the requests drafted in this turn.
    pub drafted: Vec<String>,
}

/// A tool call, its arguments and result cut to [`SUMMARY_CHARS`] of JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallSummary {
    pub tool: String,
    pub arguments: String,
    pub result: String,
}

impl Said {
    pub fn of(message: &str, reply: &Reply) -> Said {
        Said {
            message: message.to_string(),
            answer: reply.answer.clone(),
            engine: reply.engine,
            calls: reply
                .tool_calls
                .iter()
                .map(|c| CallSummary {
                    tool: c.tool.clone(),
                    arguments: cut(&c.arguments.to_string(), SUMMARY_CHARS),
                    result: cut(&c.result.to_string(), SUMMARY_CHARS),
                })
                .collect(),
            drafted: drafted(&reply.tool_calls),
        }
    }
}

/// The ids of the requests `calls` drafted (a drafting call that failed has no id).
pub fn drafted(calls: &[ToolCall]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| c.tool == DRAFTING_TOOL)
        .filter_map(|c| c.result.get("id")?.as_str().map(str::to_string))
        .collect()
}

/// `s`, cut to `max` characters (and `…`).
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// The turns of `who`'s conversation `id`, oldest first (another person's is not found).
pub async fn transcript(store: &Store, who: &Principal, id: &str) -> Result<Vec<Said>, Problem> {
    let (_, conversation) = Conversation::open(store, who, Some(id), false).await?;
    Ok(conversation.transcript)
}

fn owner(who: &Principal) -> String {
    who.person
        .as_ref()
        .map(|p| p.id.clone())
        .unwrap_or_default()
}

impl Conversation {
    /// Continues `id` (which must be `who`'s), or starts a new conversation.
    pub async fn open(
        store: &Store,
        who: &Principal,
        id: Option<&str>,
        start_if_new: bool,
    ) -> Result<(String, Conversation), Problem> {
        let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) else {
            let mut bytes = [0u8; 12];
            rand::rng().fill_bytes(&mut bytes);
            let id = crate::model::hex(&bytes);
            return Ok((format!("c_{id}"), Conversation::default()));
        };
        let found = store.conversation(id, &owner(who)).await?;
        if found.is_none() && start_if_new {
            return Ok((id.to_string(), Conversation::default()));
        }
        let state = found.ok_or_else(|| {
            Problem::new(ErrorCode::NotFound, format!("no conversation {id:?}"))
                .at("conversation_id")
        })?;
        let conversation = serde_json::from_str(&state).map_err(|e| {
            Problem::internal(format!("conversation {id:?} cannot be read back: {e}"))
        })?;
        Ok((id.to_string(), conversation))
    }

    /// Keeps `said` in the transcript (dropping the oldest beyond [`KEPT_TURNS`]).
    pub fn remember(&mut self, said: Said) {
        self.transcript.push(said);
        let over = self.transcript.len().saturating_sub(KEPT_TURNS);
        self.transcript.drain(..over);
    }

    pub async fn save(&self, store: &Store, who: &Principal, id: &str) -> Result<(), Problem> {
        let state = serde_json::to_string(self)
            .map_err(|e| Problem::internal(format!("cannot save conversation: {e}")))?;
        store.save_conversation(id, &owner(who), &state).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply(calls: Vec<ToolCall>) -> Reply {
        Reply {
            conversation_id: "c_1".into(),
            answer: "yes".into(),
            tool_calls: calls,
            engine: EngineKind::Embedded,
        }
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let s = "é".repeat(SUMMARY_CHARS + 5);
        let c = cut(&s, SUMMARY_CHARS);
        assert_eq!(c.chars().count(), SUMMARY_CHARS + 1);
        assert!(c.ends_with('…'));
        assert_eq!(cut("short", SUMMARY_CHARS), "short");
    }

    #[test]
    fn only_a_drafting_call_with_an_id_is_a_drafted_request() {
        let calls = vec![
            ToolCall {
                tool: "get_access_request".into(),
                arguments: json!({"id": "req_1"}),
                result: json!({"id": "req_1"}),
            },
            ToolCall {
                tool: DRAFTING_TOOL.into(),
                arguments: json!({}),
                result: json!({"error": {"code": "invalid_argument"}}),
            },
            ToolCall {
                tool: DRAFTING_TOOL.into(),
                arguments: json!({"reason": "x".repeat(1000)}),
                result: json!({"id": "req_2", "status": "open"}),
            },
        ];
        let said = Said::of("hi", &reply(calls));
        assert_eq!(said.drafted, ["req_2"]);
        assert_eq!(said.calls.len(), 3);
        assert_eq!(said.calls[2].arguments.chars().count(), SUMMARY_CHARS + 1);
    }

    #[test]
    fn the_transcript_keeps_the_last_turns() {
        let mut c = Conversation::default();
        for i in 0..KEPT_TURNS + 3 {
            c.remember(Said::of(&format!("q{i}"), &reply(vec![])));
        }
        assert_eq!(c.transcript.len(), KEPT_TURNS);
        assert_eq!(c.transcript[0].message, "q3");
        // A conversation saved before transcripts reads back with none.
        let old: Conversation = serde_json::from_str(r#"{"embedded": {}, "llm": []}"#).unwrap();
        assert!(old.transcript.is_empty());
    }
}
