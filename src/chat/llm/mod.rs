//! The LLM engine: an OpenAI-compatible chat-completions server drives the tool loop.
//!
//! Each turn sends the system prompt (`prompts/system.md`), the stored history, the new question
//! and the tools the person may call (name, description, the schemars schema of the arguments).
//! Every tool call the model asks for runs through the [`Toolbox`], so it is recorded in the trace
//! and made with the rights of the person asking; its result, or its error document, goes back
//! to the model as the `tool` message. Arguments that are not JSON and tools that do not exist
//! are answered with an error document too: the model can correct itself, and the turn goes on.
//!
//! What the user reads, in every case, is the answer text; `POST /v1/chat` answers HTTP 200:
//! - the model's final text, when it gives one within `max_steps` model turns;
//! - `The model did not finish within N steps …`, followed by one line per tool call made, when
//!   it is still calling tools after `max_steps` requests (the calls of the last step are run,
//!   so that the list says what they found);
//! - `The language model at URL failed: REASON; no answer was produced.` when the server answers
//!   with an HTTP error, cannot be reached, or sends something that is not a chat completion;
//! - `The language model at URL timed out after T; no answer was produced.` when one request
//!   (with the library's own retries) takes longer than the configured `timeout`.
//!
//! The URL is shown without credentials, and the API key is scrubbed from anything the server
//! echoes back. A failed turn leaves the stored history as it was; a finished or stopped one
//! appends its user, assistant and tool messages, capped by [`history::cap`].

mod history;
mod wire;

use super::{ToolCall, Toolbox};
use crate::config::LlmConfig;
use crate::people::Principal;
use serde_json::Value;

/// The system prompt, reviewed as a file (see `prompts/README.md`).
pub const SYSTEM_PROMPT: &str = include_str!("../../../prompts/system.md");

/// Answers `message`, appending the turn to `history` (chat-completions messages).
pub async fn answer(
    cfg: &LlmConfig,
    toolbox: &mut Toolbox,
    history: &mut Vec<Value>,
    message: &str,
) -> String {
    if !wire::readable(history) {
        // Better a fresh start than a conversation that fails on every follow-up.
        tracing::warn!("dropping an llm history that no longer reads as chat messages");
        history.clear();
    }
    let model = wire::Model::new(cfg);
    let tools = wire::tools_for(toolbox.who());
    let system = history::system(&system_prompt(toolbox.who()));
    let mut turn = vec![history::user(message)];
    // Zero would make every question fail without a request; one step is the least that works.
    let steps = cfg.max_steps.max(1);
    for _ in 0..steps {
        let messages: Vec<Value> = std::iter::once(system.clone())
            .chain(history.iter().cloned())
            .chain(turn.iter().cloned())
            .collect();
        let reply = match model.complete(messages, &tools).await {
            Ok(r) => r,
            Err(failure) => {
                tracing::warn!(model = %cfg.model, "llm turn failed: {failure}");
                return failure.to_string();
            }
        };
        match reply {
            wire::Turn::Text(text) => {
                turn.push(history::assistant_text(&text));
                keep(history, turn);
                return text;
            }
            wire::Turn::Calls { content, calls } => {
                turn.push(history::assistant_calls(content.as_deref(), &calls));
                for call in &calls {
                    let result = run(toolbox, call).await;
                    turn.push(history::tool(&call.id, &result));
                }
            }
        }
    }
    let text = model.scrub(&unfinished(steps, toolbox.calls()));
    tracing::warn!(model = %cfg.model, steps, "llm turn stopped at max_steps");
    // Stored as the assistant's reply so that the history stays a well-formed exchange and a
    // follow-up ("go on") can build on the tool results already gathered.
    turn.push(history::assistant_text(&text));
    keep(history, turn);
    text
}

fn keep(history: &mut Vec<Value>, turn: Vec<Value>) {
    history.extend(turn);
    history::cap(history);
}

/// The prompt file, then who is asking: questions like "can I read X" need a name to look up.
fn system_prompt(who: &Principal) -> String {
    let mut s = SYSTEM_PROMPT.trim_end().to_string();
    if let Some(p) = &who.person {
        let email = p
            .email
            .as_deref()
            .map(|e| format!(", email {e}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "\n\nThe person asking is {}{email} (Warden role: {}). When they say \"I\" or \"me\", \
             look them up with get_identity.",
            p.name,
            p.role.as_str()
        ));
    }
    s
}

/// Runs one call through the toolbox and returns what the trace recorded for it, so that the
/// model and the trace always see the same result or error document.
async fn run(toolbox: &mut Toolbox, call: &wire::Call) -> Value {
    let raw = call.arguments.trim();
    let arguments = if raw.is_empty() {
        // Some servers send "" for a call without arguments.
        Ok(Value::Object(Default::default()))
    } else {
        serde_json::from_str::<Value>(raw)
    };
    // Arguments that are not JSON never reach a tool: the model gets an error saying so, and the
    // trace shows exactly what it wrote.
    let arguments = match arguments {
        Ok(a) => a,
        Err(e) => {
            let error = crate::error::Problem::invalid(
                "",
                format!("arguments for {} are not valid JSON: {e}", call.name),
            );
            return toolbox.record_failure(
                &call.name,
                Value::String(call.arguments.clone()),
                &error,
            );
        }
    };
    let before = toolbox.calls().len();
    let outcome = toolbox.call(&call.name, arguments).await;
    match toolbox.calls().get(before) {
        Some(recorded) => recorded.result.clone(),
        None => match outcome {
            Ok(v) => v,
            Err(e) => serde_json::to_value(e.document()).unwrap_or(Value::Null),
        },
    }
}

/// The answer when the model is still calling tools after the last step: plainly that, then
/// what each distinct call found.
fn unfinished(steps: u32, calls: &[ToolCall]) -> String {
    let mut s = format!(
        "The model did not finish within {steps} step{}, so there is no final answer.",
        if steps == 1 { "" } else { "s" }
    );
    if calls.is_empty() {
        return s;
    }
    s.push_str(" What the tool calls found:");
    // A looping model tends to repeat one call; each distinct call is listed once.
    let mut distinct: Vec<(&ToolCall, usize)> = Vec::new();
    for c in calls {
        match distinct
            .iter_mut()
            .find(|(d, _)| d.tool == c.tool && d.arguments == c.arguments)
        {
            Some((_, n)) => *n += 1,
            None => distinct.push((c, 1)),
        }
    }
    for (c, n) in distinct {
        let times = if n > 1 {
            format!(" (×{n})")
        } else {
            String::new()
        };
        s.push_str(&format!(
            "\n- {} {}{times}: {}",
            c.tool,
            clip(&c.arguments.to_string(), 200),
            found(&c.result)
        ));
    }
    s
}

/// A result in one line: its plain fields, the texts of its paths and caveats, and how many
/// items its other lists hold. Generic, so it serves every tool; the full result is in the trace.
fn found(result: &Value) -> String {
    if let Some(e) = result.get("error") {
        return format!(
            "error {}: {}",
            e["code"].as_str().unwrap_or("unknown"),
            e["message"].as_str().unwrap_or("")
        );
    }
    let Some(fields) = result.as_object() else {
        return clip(&result.to_string(), 300);
    };
    let mut parts = Vec::new();
    for (k, v) in fields {
        match v {
            Value::String(s) => parts.push(format!("{k}: {s}")),
            Value::Bool(_) | Value::Number(_) => parts.push(format!("{k}: {v}")),
            Value::Array(items) => {
                let texts: Vec<&str> = items
                    .iter()
                    .filter_map(|i| i.get("text").and_then(Value::as_str))
                    .collect();
                if texts.is_empty() || texts.len() != items.len() {
                    parts.push(format!("{k}: {} item(s)", items.len()));
                } else {
                    parts.push(format!("{k}: {}", texts.join("; ")));
                }
            }
            _ => {}
        }
    }
    clip(&parts.join(", "), 600)
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::{ToolCall, unfinished};
    use serde_json::json;

    #[test]
    fn unfinished_lists_results_and_errors() {
        let calls = vec![
            ToolCall {
                tool: "check_access".into(),
                arguments: json!({"identity": "maya"}),
                result: json!({"allowed": true, "resource": "prod.crm.leads"}),
            },
            ToolCall {
                tool: "nope".into(),
                arguments: json!({}),
                result: json!({"error": {"code": "not_found", "message": "no tool named \"nope\""}}),
            },
        ];
        let s = unfinished(2, &calls);
        assert!(
            s.starts_with("The model did not finish within 2 steps"),
            "{s}"
        );
        assert!(s.contains("resource: prod.crm.leads"), "{s}");
        assert!(s.contains("error not_found: no tool named"), "{s}");
        assert_eq!(
            unfinished(1, &[]),
            "The model did not finish within 1 step, so there is no final answer."
        );
    }
}
