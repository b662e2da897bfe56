//! Chat: a question in plain language, answered by calling the tools. Two engines share this
//! face: the embedded engine (offline, deterministic, the default) and the LLM engine (any
//! OpenAI-compatible server). Both record every tool call in the same trace, and both sit behind
//! the same guard, so no wording reaches an action the tools do not offer.

mod conversation;
pub mod embedded;
mod guard;
pub mod llm;
mod resolver;
mod wordlist;

pub use conversation::{CallSummary, Conversation, Said, cut, transcript};
pub use resolver::Resolver;

use crate::access::Access;
use crate::config::LlmConfig;
use crate::error::{ErrorCode, Problem};
use crate::people::Principal;
use crate::requests::Requests;
use crate::store::Store;
use crate::tools::{ContextTool, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Longest question accepted: a long paste (a 4,000-character one is answered), not a document.
pub const MAX_MESSAGE_CHARS: usize = 8_000;

/// One tool call made while answering: the arguments as the engine passed them, and the result
/// (or the error document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCall {
    pub tool: String,
    pub arguments: Value,
    pub result: Value,
}

/// The answer to one chat turn (INTERFACE.md `POST /v1/chat`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Reply {
    pub conversation_id: String,
    pub answer: String,
    pub tool_calls: Vec<ToolCall>,
    /// Which engine answered: `embedded` or `llm`.
    pub engine: EngineKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    Embedded,
    Llm,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Embedded => "embedded",
            EngineKind::Llm => "llm",
        }
    }

    /// The engine that answers when none is asked for: the LLM when one is configured.
    pub fn default_for(llm: Option<&LlmConfig>) -> EngineKind {
        match llm {
            Some(_) => EngineKind::Llm,
            None => EngineKind::Embedded,
        }
    }

    pub fn parse(s: &str) -> Result<EngineKind, Problem> {
        match s.trim().to_ascii_lowercase().as_str() {
            "embedded" => Ok(EngineKind::Embedded),
            "llm" => Ok(EngineKind::Llm),
            _ => Err(Problem::invalid(
                "engine",
                format!("{s:?} is not an engine (embedded or llm)"),
            )),
        }
    }
}

/// The tools as a chat engine sees them: called as the person asking, each call recorded.
pub struct Toolbox {
    access: Arc<Access>,
    requests: Requests,
    who: Principal,
    /// The engine calling: a request it creates is marked as drafted by an AI.
    engine: EngineKind,
    calls: Vec<ToolCall>,
}

impl Toolbox {
    pub fn new(
        access: Arc<Access>,
        requests: Requests,
        who: Principal,
        engine: EngineKind,
    ) -> Toolbox {
        Toolbox {
            access,
            requests,
            who,
            engine,
            calls: Vec::new(),
        }
    }

    /// The name look-ups a planner makes before calling a tool (the facts come from
    /// [`Self::call_typed`]); shared, for reading a message off the async workers.
    pub fn resolver(&self) -> Arc<dyn Resolver> {
        self.access.clone()
    }

    pub fn who(&self) -> &Principal {
        &self.who
    }

    /// Calls a tool with the rights of the person asking and records the call.
    pub async fn call(&mut self, tool: &str, arguments: Value) -> Result<Value, Problem> {
        let result = crate::tools::invoke(
            self.access.clone(),
            &self.requests,
            &self.who,
            Some(self.engine.as_str()),
            tool,
            arguments.clone(),
        )
        .await;
        self.record(tool, arguments, result)
    }

    /// Calls a graph tool as [`Self::call`] does, and gives its output back typed: the composer
    /// reads fields, so a misspelt one does not compile (with a `Value`, it read as ""). The trace
    /// entry is the one [`Self::call`] records: the result written out as JSON, or the error.
    pub async fn call_typed<T: Tool>(&mut self, arguments: Value) -> Result<T::Output, Problem>
    where
        T::Output: Send + 'static,
    {
        let result = crate::tools::invoke_typed::<T>(
            self.access.clone(),
            &self.requests,
            &self.who,
            Some(self.engine.as_str()),
            arguments.clone(),
        )
        .await;
        self.record(T::NAME, arguments, result)
    }

    /// [`Self::call_typed`] for a tool that reads or writes the request store.
    pub async fn call_context_typed<T: ContextTool>(
        &mut self,
        arguments: Value,
    ) -> Result<T::Output, Problem> {
        let result = crate::tools::invoke_context_typed::<T>(
            self.access.clone(),
            &self.requests,
            &self.who,
            Some(self.engine.as_str()),
            arguments.clone(),
        )
        .await;
        self.record(T::NAME, arguments, result)
    }

    /// Records a call: its output as the JSON any other edge would have been sent (an output
    /// that cannot be written out fails, as it does there), or the error document.
    fn record<O: Serialize>(
        &mut self,
        tool: &str,
        arguments: Value,
        result: Result<O, Problem>,
    ) -> Result<O, Problem> {
        let (result, traced) = match result {
            Ok(out) => match serde_json::to_value(&out) {
                Ok(v) => (Ok(out), v),
                Err(e) => {
                    let e = Problem::internal(format!("cannot encode result: {e}"));
                    let doc = error_json(&e);
                    (Err(e), doc)
                }
            },
            Err(e) => {
                let doc = error_json(&e);
                (Err(e), doc)
            }
        };
        self.calls.push(ToolCall {
            tool: tool.to_string(),
            arguments,
            result: traced,
        });
        result
    }

    /// Records a call that failed before any tool could run (arguments a model sent that are not
    /// JSON), so that the trace shows it like any other.
    pub fn record_failure(&mut self, tool: &str, arguments: Value, error: &Problem) -> Value {
        let result = error_json(error);
        self.calls.push(ToolCall {
            tool: tool.to_string(),
            arguments,
            result: result.clone(),
        });
        result
    }

    pub fn calls(&self) -> &[ToolCall] {
        &self.calls
    }

    pub fn into_calls(self) -> Vec<ToolCall> {
        self.calls
    }
}

/// An error as the trace shows it: its error document.
fn error_json(e: &Problem) -> Value {
    serde_json::to_value(e.document()).unwrap_or(Value::Null)
}

/// Everything a chat turn needs from the server.
pub struct ChatContext<'a> {
    pub access: Arc<Access>,
    pub store: &'a Store,
    /// The request workflow, for the request tools.
    pub requests: &'a Requests,
    /// The `[llm]` section, when configured.
    pub llm: Option<&'a LlmConfig>,
}

/// Answers one message as `who`, continuing `conversation_id` when given.
pub async fn ask(
    cx: ChatContext<'_>,
    who: &Principal,
    message: &str,
    conversation_id: Option<&str>,
    engine: Option<EngineKind>,
) -> Result<Reply, Problem> {
    turn(cx, who, message, conversation_id, false, engine).await
}

/// [`ask`] in the conversation named `key` by the caller (a Slack thread), started by the first
/// message that names it.
pub async fn ask_in(
    cx: ChatContext<'_>,
    who: &Principal,
    message: &str,
    key: &str,
    engine: Option<EngineKind>,
) -> Result<Reply, Problem> {
    turn(cx, who, message, Some(key), true, engine).await
}

async fn turn(
    cx: ChatContext<'_>,
    who: &Principal,
    message: &str,
    conversation_id: Option<&str>,
    start_if_new: bool,
    engine: Option<EngineKind>,
) -> Result<Reply, Problem> {
    let message = message.trim();
    if message.is_empty() {
        return Err(Problem::invalid("message", "the message is empty"));
    }
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Problem::invalid(
            "message",
            format!("the message is longer than {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    let engine = match (engine, cx.llm) {
        (Some(EngineKind::Llm), None) => {
            return Err(Problem::new(
                ErrorCode::InvalidArgument,
                "the llm engine is not configured: add an [llm] section to warden.toml",
            )
            .at("engine"));
        }
        (Some(e), _) => e,
        (None, llm) => EngineKind::default_for(llm),
    };
    let (id, mut conversation) =
        Conversation::open(cx.store, who, conversation_id, start_if_new).await?;
    let mut toolbox = Toolbox::new(cx.access.clone(), cx.requests.clone(), who.clone(), engine);
    // The guard reads the message as the embedded engine does: a zero-width space or a bidi
    // override inside "approve" must not slip it past.
    let answer = if let Some(refusal) = guard::refusal(&embedded::normalize(message)) {
        refusal
    } else {
        match (engine, cx.llm) {
            (EngineKind::Llm, Some(cfg)) => {
                llm::answer(cfg, &mut toolbox, &mut conversation.llm, message).await
            }
            _ => embedded::answer(&mut toolbox, &mut conversation.embedded, message).await,
        }
    };
    let reply = Reply {
        conversation_id: id,
        answer,
        tool_calls: toolbox.into_calls(),
        engine,
    };
    conversation.remember(Said::of(message, &reply));
    conversation
        .save(cx.store, who, &reply.conversation_id)
        .await?;
    Ok(reply)
}
