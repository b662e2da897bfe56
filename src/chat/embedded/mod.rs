//! The embedded engine: offline and deterministic, no model.

use super::Toolbox;
use serde_json::Value;

/// Answers `message`; `memory` is this engine's part of the conversation.
pub async fn answer(_toolbox: &mut Toolbox, _memory: &mut Value, _message: &str) -> String {
    "The embedded engine is not built yet.".into()
}
