//! `/chat`: ask the assistant as the signed-in person, through the same entry point as
//! `POST /v1/chat` (`App::chat`), and see its answers with the tool calls behind them; a request
//! it drafted links to its page. The conversation goes on across turns (its id rides in a hidden
//! field) and is shown again from its transcript (`/chat?conversation=`). With htmx the turn is
//! appended in place; without JavaScript the form posts and the browser is sent to the
//! conversation (303), so that reloading never asks twice.

use super::form::Posted;
use super::page::{Layout, PageError, render, url_encode};
use super::session::Viewer;
use crate::app::App;
use crate::chat::Said;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "chat.html")]
struct ChatPage {
    layout: Layout,
    conversation: String,
    turns: Vec<Said>,
}

/// What htmx appends: the turn (or why it was refused), and, out of band, the form's
/// conversation id and an empty message box.
#[derive(Template)]
#[template(path = "chat_turn.html")]
struct TurnFragment {
    said: Option<Said>,
    question: String,
    error: String,
    conversation: String,
}

/// `?conversation=`: the conversation to show and go on with.
#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    #[serde(default)]
    pub conversation: String,
}

/// `GET /chat`: a new conversation, or one of the viewer's own so far.
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(shown): Query<Shown>,
) -> Result<Response, PageError> {
    let id = shown.conversation.trim();
    let turns = if id.is_empty() {
        Vec::new()
    } else {
        crate::chat::transcript(&app.store, &viewer.who, id).await?
    };
    render(&ChatPage {
        layout: viewer.layout("Chat", "chat"),
        conversation: id.to_string(),
        turns,
    })
}

/// Where conversation `id` is shown.
fn shown_at(id: &str) -> String {
    format!("/chat?conversation={}", url_encode(id))
}

/// `POST /chat` (fields `message`, `conversation`; CSRF-checked): one turn as the viewer.
pub async fn ask(
    State(app): State<App>,
    headers: HeaderMap,
    Posted { viewer, form }: Posted,
) -> Result<Response, PageError> {
    let by_htmx = headers
        .get("hx-request")
        .is_some_and(|v| v.as_bytes() == b"true");
    let question = form.get("message").unwrap_or_default().to_string();
    let conversation = form.get("conversation").map(str::to_string);
    let asked = app
        .chat(&viewer.who, &question, conversation.as_deref(), None)
        .await
        .map_err(PageError::from);
    match asked {
        Ok(reply) if by_htmx => {
            let shown = shown_at(&reply.conversation_id);
            let mut resp = render(&TurnFragment {
                said: Some(Said::of(&question, &reply)),
                question,
                error: String::new(),
                conversation: reply.conversation_id,
            })?;
            // The address bar follows the conversation, so that a reload shows it whole.
            if let Ok(v) = HeaderValue::from_str(&shown) {
                resp.headers_mut().insert("hx-push-url", v);
            }
            Ok(resp)
        }
        Ok(reply) => Ok(Redirect::to(&shown_at(&reply.conversation_id)).into_response()),
        // htmx swaps only successful answers: a refusal is shown in the conversation instead
        // (an error of ours stays an error page).
        Err(e) if by_htmx && e.status.is_client_error() => render(&TurnFragment {
            said: None,
            question,
            error: e.message,
            conversation: conversation.unwrap_or_default(),
        }),
        Err(e) => Err(e),
    }
}
