//! `POST /v1/chat`: one chat turn as the token's person.

use super::HttpError;
use super::json_body::JsonBody;
use crate::app::App;
use crate::chat::{EngineKind, Reply};
use crate::people::Principal;
use axum::extract::State;
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::Deserialize;

/// The request body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    pub message: String,
    /// Continue a conversation (to answer a question the engine asked back).
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// `embedded` or `llm`; by default the LLM engine when one is configured.
    #[serde(default)]
    pub engine: Option<String>,
}

pub async fn chat(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    JsonBody(req): JsonBody<ChatRequest>,
) -> Result<Json<Reply>, HttpError> {
    let engine = req.engine.as_deref().map(EngineKind::parse).transpose()?;
    let reply = app
        .chat(&who, &req.message, req.conversation_id.as_deref(), engine)
        .await?;
    Ok(Json(reply))
}
