//! The LLM engine: an OpenAI-compatible chat-completions server drives the tool loop.

use super::Toolbox;
use crate::config::LlmConfig;
use serde_json::Value;

/// Answers `message`, appending the turn to `history` (chat-completions messages).
pub async fn answer(
    _cfg: &LlmConfig,
    _toolbox: &mut Toolbox,
    _history: &mut Vec<Value>,
    _message: &str,
) -> String {
    "The LLM engine is not built yet.".into()
}
