//! `/chat`: ask the assistant as the signed-in person, through the same entry point as
//! `POST /v1/chat` (`App::chat`), and see its answer with the tool calls behind it; a request it
//! drafted links to its page. The conversation goes on across turns (its id rides in a hidden
//! field). With htmx the turn is appended in place; without JavaScript the form posts and the
//! page comes back with the turn.

use super::form::Posted;
use super::page::{Layout, PageError, render};
use super::session::Viewer;
use crate::app::App;
use crate::chat::{Reply, ToolCall};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

/// The tool whose result is a request the assistant drafted.
const DRAFTING_TOOL: &str = "create_access_request";
/// How much of a tool call's arguments or result the page shows (the rest is cut with `…`).
const SHOWN_CHARS: usize = 400;

/// One question and what came back.
pub struct Turn {
    pub question: String,
    pub answer: String,
    pub engine: &'static str,
    pub calls: Vec<CallView>,
    /// Ids of the requests drafted in this turn.
    pub drafted: Vec<String>,
    /// Why the turn was refused (a message too long, a conversation that is not yours).
    pub error: Option<String>,
}

/// A tool call as the page shows it.
pub struct CallView {
    pub tool: String,
    pub arguments: String,
    pub result: String,
}

impl Turn {
    fn answered(question: &str, reply: &Reply) -> Turn {
        Turn {
            question: question.to_string(),
            answer: reply.answer.clone(),
            engine: reply.engine.as_str(),
            calls: reply.tool_calls.iter().map(CallView::of).collect(),
            drafted: drafted(&reply.tool_calls),
            error: None,
        }
    }

    fn refused(question: &str, error: &PageError) -> Turn {
        Turn {
            question: question.to_string(),
            answer: String::new(),
            engine: "",
            calls: Vec::new(),
            drafted: Vec::new(),
            error: Some(error.message.clone()),
        }
    }
}

impl CallView {
    fn of(call: &ToolCall) -> CallView {
        CallView {
            tool: call.tool.clone(),
            arguments: cut(&call.arguments.to_string(), SHOWN_CHARS),
            result: cut(&call.result.to_string(), SHOWN_CHARS),
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
pub(super) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[derive(Template)]
#[template(path = "chat.html")]
struct ChatPage {
    layout: Layout,
    conversation: String,
    turns: Vec<Turn>,
}

/// What htmx appends: the turn, and (out of band) the form's conversation id and an empty box.
#[derive(Template)]
#[template(path = "chat_turn.html")]
struct TurnFragment {
    turn: Turn,
    conversation: String,
}

/// `GET /chat`: a new conversation.
pub async fn page(viewer: Viewer) -> Result<Response, PageError> {
    render(&ChatPage {
        layout: viewer.layout("Chat", "chat"),
        conversation: String::new(),
        turns: Vec::new(),
    })
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
    let (turn, conversation) = match asked {
        Ok(reply) => (
            Turn::answered(&question, &reply),
            reply.conversation_id.clone(),
        ),
        // htmx swaps only successful answers: a refusal is shown in the conversation instead
        // (an error of ours stays an error page).
        Err(e) if by_htmx && e.status.is_client_error() => (
            Turn::refused(&question, &e),
            conversation.unwrap_or_default(),
        ),
        Err(e) => return Err(e),
    };
    if by_htmx {
        return render(&TurnFragment { turn, conversation });
    }
    render(&ChatPage {
        layout: viewer.layout("Chat", "chat"),
        conversation,
        turns: vec![turn],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let s = "é".repeat(SHOWN_CHARS + 5);
        let c = cut(&s, SHOWN_CHARS);
        assert_eq!(c.chars().count(), SHOWN_CHARS + 1);
        assert!(c.ends_with('…'));
        assert_eq!(cut("short", SHOWN_CHARS), "short");
    }

    #[test]
    fn only_a_drafting_call_with_an_id_is_a_drafted_request() {
        let calls = [
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
                arguments: json!({}),
                result: json!({"id": "req_2", "status": "open"}),
            },
        ];
        assert_eq!(drafted(&calls), ["req_2"]);
    }
}
