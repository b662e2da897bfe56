//! `warden ask "QUESTION"`: one chat turn, printed as the answer (or `--json`: as `POST /v1/chat`).

use super::Output;
use crate::app::App;
use crate::chat::EngineKind;
use crate::error::Problem;
use crate::people::Principal;

pub async fn run(
    app: &App,
    question: &str,
    as_person: Option<String>,
    engine: Option<String>,
    conversation: Option<String>,
) -> Result<Output, Problem> {
    let engine = engine.as_deref().map(EngineKind::parse).transpose()?;
    let who = match as_person {
        Some(p) => Principal::person(app.people.person(&p).await.map_err(|e| e.at("--as"))?),
        None => Principal::operator(),
    };
    let reply = app
        .chat(&who, question, conversation.as_deref(), engine)
        .await?;
    let json = serde_json::to_value(&reply)
        .map_err(|e| Problem::internal(format!("cannot encode the answer: {e}")))?;
    Ok(Output::ok(json, reply.answer))
}
