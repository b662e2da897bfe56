//! `POST /v1/chat`: one chat turn as the token's person.

use crate::app::App;
use crate::chat::EngineKind;
use crate::people::Principal;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
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
    body: Bytes,
) -> Response {
    let req: ChatRequest = match super::json_body(&body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let engine = match req.engine.as_deref().map(EngineKind::parse).transpose() {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    match app
        .chat(&who, &req.message, req.conversation_id.as_deref(), engine)
        .await
    {
        Ok(reply) => axum::Json(reply).into_response(),
        Err(e) => e.into_response(),
    }
}
