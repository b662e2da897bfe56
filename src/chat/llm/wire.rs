//! One chat-completions request through `async-openai`, bounded by the configured timeout, and
//! every way it can fail turned into one sentence that names the server but never the key.

use crate::config::LlmConfig;
use crate::people::Principal;
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionRequestMessage, ChatCompletionTool,
    ChatCompletionTools, CreateChatCompletionRequest, FunctionObject,
};
use serde_json::Value;

/// A tool call as the model asked for it, whatever its wire variant.
#[derive(Debug, Clone)]
pub struct Call {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them: JSON text, not necessarily valid.
    pub arguments: String,
}

/// What one model turn produced.
#[derive(Debug)]
pub enum Turn {
    /// A final answer.
    Text(String),
    /// Tool calls to run, with any text the model wrote beside them.
    Calls {
        content: Option<String>,
        calls: Vec<Call>,
    },
}

/// Why a model turn produced nothing usable. Its `Display` is the sentence users read.
#[derive(Debug)]
pub enum Failure {
    TimedOut { url: String, after: String },
    Failed { url: String, reason: String },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::TimedOut { url, after } => write!(
                f,
                "The language model at {url} timed out after {after}; no answer was produced."
            ),
            Failure::Failed { url, reason } => write!(
                f,
                "The language model at {url} failed: {reason}; no answer was produced."
            ),
        }
    }
}

/// The configured server, ready to answer.
pub struct Model {
    client: Client<OpenAIConfig>,
    model: String,
    timeout: std::time::Duration,
    timeout_text: String,
    /// The base URL as shown to users: without credentials or query.
    url: String,
    /// The key, kept only to scrub it from anything the server echoes back.
    key: Option<String>,
}

impl Model {
    pub fn new(cfg: &LlmConfig) -> Model {
        let key = cfg
            .api_key
            .as_ref()
            .map(|k| k.expose().to_string())
            .filter(|k| !k.is_empty());
        // Every field is set explicitly: `OpenAIConfig::new()` would otherwise pick up
        // OPENAI_API_KEY, OPENAI_ORG_ID and OPENAI_PROJECT_ID from the environment and send
        // them to whatever server the config names. Without a key the library still sends an
        // empty `Authorization: Bearer`, which keyless local servers ignore.
        let config = OpenAIConfig::new()
            .with_api_base(cfg.base_url.trim().trim_end_matches('/'))
            .with_api_key(key.clone().unwrap_or_default())
            .with_org_id("")
            .with_project_id("");
        Model {
            client: Client::with_config(config),
            model: cfg.model.clone(),
            timeout: cfg.timeout.std(),
            timeout_text: cfg.timeout.to_string(),
            url: display_url(&cfg.base_url),
            key,
        }
    }

    /// Removes the key from text that may have come back from the server.
    pub fn scrub(&self, text: &str) -> String {
        match &self.key {
            Some(k) => text.replace(k.as_str(), "***"),
            None => text.to_string(),
        }
    }

    /// One model turn over `messages` (chat-completions JSON, the system prompt first).
    pub async fn complete(&self, messages: Vec<Value>, tools: &[Value]) -> Result<Turn, Failure> {
        let fail = |reason: String| Failure::Failed {
            url: self.url.clone(),
            reason: self.scrub(&reason),
        };
        let messages: Vec<ChatCompletionRequestMessage> =
            serde_json::from_value(Value::Array(messages))
                .map_err(|e| fail(format!("Warden could not encode the conversation ({e})")))?;
        let tools: Vec<ChatCompletionTools> = serde_json::from_value(Value::Array(tools.to_vec()))
            .map_err(|e| fail(format!("Warden could not encode the tools ({e})")))?;
        let request = CreateChatCompletionRequest {
            model: self.model.clone(),
            messages,
            tools: (!tools.is_empty()).then_some(tools),
            // The whole reply is needed before any tool can run; streaming buys nothing here.
            stream: Some(false),
            ..Default::default()
        };
        // The library has no per-request timeout of its own and retries 5xx and connection
        // errors a few times; this bounds the request and its retries together.
        let chat = self.client.chat();
        let response = match tokio::time::timeout(self.timeout, chat.create(request)).await {
            Err(_) => {
                return Err(Failure::TimedOut {
                    url: self.url.clone(),
                    after: self.timeout_text.clone(),
                });
            }
            Ok(Err(e)) => return Err(fail(reason(&e))),
            Ok(Ok(r)) => r,
        };
        let Some(choice) = response.choices.into_iter().next() else {
            return Err(fail("its reply has no choices".into()));
        };
        let message = choice.message;
        let calls: Vec<Call> = message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .map(|c| match c {
                ChatCompletionMessageToolCalls::Function(f) => Call {
                    id: f.id,
                    name: f.function.name,
                    arguments: f.function.arguments,
                },
                // Never offered, but a confused model may still produce one: it is answered
                // like any unknown tool rather than dropped.
                ChatCompletionMessageToolCalls::Custom(c) => Call {
                    id: c.id,
                    name: c.custom_tool.name,
                    arguments: c.custom_tool.input,
                },
            })
            .collect();
        let content = message.content.filter(|c| !c.trim().is_empty());
        if !calls.is_empty() {
            return Ok(Turn::Calls { content, calls });
        }
        match content.or(message.refusal.filter(|r| !r.trim().is_empty())) {
            Some(text) => Ok(Turn::Text(self.scrub(text.trim()))),
            None => Err(fail("its reply has neither text nor tool calls".into())),
        }
    }
}

/// Whether stored messages still read as chat-completions messages (a history saved by an older
/// Warden, or edited in the store, might not; resending it would fail every turn).
pub fn readable(messages: &[Value]) -> bool {
    serde_json::from_value::<Vec<ChatCompletionRequestMessage>>(Value::Array(messages.to_vec()))
        .is_ok()
}

/// The registry's tools that `who` may call, as chat-completions function tools. Tools the person
/// may not call are not offered: the model should not plan around a call that will be refused.
pub fn tools_for(who: &Principal) -> Vec<Value> {
    crate::tools::registry()
        .iter()
        .filter(|t| crate::tools::authorize(who, t.name).is_ok())
        .map(|t| {
            let mut parameters = t.parameters.clone();
            // `$schema` is metadata, not a constraint; some local servers reject keys they
            // do not know in a tool schema.
            if let Some(o) = parameters.as_object_mut() {
                o.remove("$schema");
            }
            let tool = ChatCompletionTools::Function(ChatCompletionTool {
                function: FunctionObject {
                    name: t.name.to_string(),
                    description: Some(t.description.clone()),
                    parameters: Some(parameters),
                    strict: None,
                },
            });
            serde_json::to_value(tool).unwrap_or(Value::Null)
        })
        .filter(|v| !v.is_null())
        .collect()
}

/// One line about an error from the library, without its response body in full.
fn reason(e: &OpenAIError) -> String {
    match e {
        OpenAIError::ApiError(r) => {
            let status = r.status_code;
            let mut s = format!(
                "HTTP {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            );
            let detail = one_line(&r.api_error.message, 200);
            if !detail.is_empty() {
                s.push_str(&format!(" ({detail})"));
            }
            s.trim().to_string()
        }
        OpenAIError::Reqwest(e) if e.is_connect() => {
            format!("cannot connect ({})", one_line(&causes(e), 200))
        }
        OpenAIError::Reqwest(e) if e.is_timeout() => "the request timed out".into(),
        OpenAIError::Reqwest(e) => format!("HTTP error ({})", one_line(&causes(e), 200)),
        // The payload is the whole body: only the parser's complaint is worth a sentence.
        OpenAIError::JSONDeserialize(err, _) => {
            format!("its reply is not a chat completion ({err})")
        }
        other => one_line(&other.to_string(), 200),
    }
}

/// The error's causes, innermost last, without the top level (which repeats the URL).
fn causes(e: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut next = e.source();
    while let Some(s) = next {
        parts.push(s.to_string());
        next = s.source();
    }
    if parts.is_empty() {
        "request failed".into()
    } else {
        parts.join(": ")
    }
}

/// Collapses whitespace and cuts at `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// The base URL without `user:password@` or a query, both of which may hold credentials.
pub fn display_url(base: &str) -> String {
    let base = base.trim();
    let base = base.split(['?', '#']).next().unwrap_or(base);
    let Some(scheme_end) = base.find("://") else {
        return base.to_string();
    };
    let (scheme, rest) = base.split_at(scheme_end + 3);
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => base.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{display_url, one_line};

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            display_url("https://u:p@llm.example/v1?key=x"),
            "https://llm.example/v1"
        );
        assert_eq!(
            display_url("http://127.0.0.1:11434/v1"),
            "http://127.0.0.1:11434/v1"
        );
        // An `@` in the path is not userinfo.
        assert_eq!(display_url("http://h/v1/@x"), "http://h/v1/@x");
    }

    #[test]
    fn one_line_flattens_and_cuts() {
        assert_eq!(one_line("a\n  b", 10), "a b");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
