//! A conversation's memory between turns, kept in the store so that a follow-up can reach any
//! server that shares it. Only its owner can continue it.

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
    ) -> Result<(String, Conversation), Problem> {
        let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) else {
            let mut bytes = [0u8; 12];
            rand::rng().fill_bytes(&mut bytes);
            let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            return Ok((format!("c_{id}"), Conversation::default()));
        };
        let state = store.conversation(id, &owner(who)).await?.ok_or_else(|| {
            Problem::new(ErrorCode::NotFound, format!("no conversation {id:?}"))
                .at("conversation_id")
        })?;
        let conversation = serde_json::from_str(&state).map_err(|e| {
            Problem::internal(format!("conversation {id:?} cannot be read back: {e}"))
        })?;
        Ok((id.to_string(), conversation))
    }

    pub async fn save(&self, store: &Store, who: &Principal, id: &str) -> Result<(), Problem> {
        let state = serde_json::to_string(self)
            .map_err(|e| Problem::internal(format!("cannot save conversation: {e}")))?;
        store.save_conversation(id, &owner(who), &state).await?;
        Ok(())
    }
}
