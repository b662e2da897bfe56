//! The messages of a conversation in chat-completions form, and the cap on what is kept between
//! turns. Messages are plain JSON because that is how the store keeps them.

use super::wire::Call;
use serde_json::{Value, json};

/// Messages kept between turns. Enough for several follow-ups; the store holds them per
/// conversation and every request resends them all.
pub const MAX_MESSAGES: usize = 40;

/// A tool result longer than this is cut before it reaches the model (the trace keeps it whole):
/// one very broad listing should not crowd out the question.
pub const MAX_TOOL_CONTENT_CHARS: usize = 24_000;

pub fn system(text: &str) -> Value {
    json!({"role": "system", "content": text})
}

pub fn user(text: &str) -> Value {
    json!({"role": "user", "content": text})
}

pub fn assistant_text(text: &str) -> Value {
    json!({"role": "assistant", "content": text})
}

/// The assistant message that asked for `calls`, as the next request must repeat it.
pub fn assistant_calls(content: Option<&str>, calls: &[Call]) -> Value {
    let tool_calls: Vec<Value> = calls
        .iter()
        .map(|c| {
            json!({"id": c.id, "type": "function",
                   "function": {"name": c.name, "arguments": c.arguments}})
        })
        .collect();
    // Always a string: some OpenAI-compatible servers (llama.cpp's) refuse an assistant message
    // whose content is null or missing; "" is what every one accepts.
    json!({"role": "assistant", "tool_calls": tool_calls, "content": content.unwrap_or("")})
}

/// The answer to one call: the result or error document as JSON text.
pub fn tool(call_id: &str, result: &Value) -> Value {
    let text = result.to_string();
    let content = if text.chars().count() > MAX_TOOL_CONTENT_CHARS {
        let cut: String = text.chars().take(MAX_TOOL_CONTENT_CHARS).collect();
        format!(
            "{cut}… [cut: the result is {} characters; ask a narrower question]",
            text.chars().count()
        )
    } else {
        text
    };
    json!({"role": "tool", "tool_call_id": call_id, "content": content})
}

fn role(m: &Value) -> &str {
    m.get("role").and_then(Value::as_str).unwrap_or("")
}

/// Keeps the last [`MAX_MESSAGES`] messages or fewer, starting at a user message when one is in
/// reach, and never at a `tool` message: a tool message whose assistant call was dropped is a
/// request the server rejects.
pub fn cap(history: &mut Vec<Value>) {
    if history.len() <= MAX_MESSAGES {
        return;
    }
    let earliest = history.len() - MAX_MESSAGES;
    let start = (earliest..history.len())
        .find(|&i| role(&history[i]) == "user")
        .or_else(|| (earliest..history.len()).find(|&i| role(&history[i]) != "tool"))
        .unwrap_or(history.len());
    history.drain(..start);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str) -> Call {
        Call {
            id: id.into(),
            name: "check_access".into(),
            arguments: "{}".into(),
        }
    }

    fn turn(n: usize, tools: usize) -> Vec<Value> {
        let calls: Vec<Call> = (0..tools).map(|k| call(&format!("c{n}_{k}"))).collect();
        let mut v = vec![user(&format!("q{n}")), assistant_calls(None, &calls)];
        v.extend(calls.iter().map(|c| tool(&c.id, &json!({"ok": true}))));
        v.push(assistant_text(&format!("a{n}")));
        v
    }

    #[test]
    fn short_histories_are_kept_whole() {
        let mut h = turn(0, 2);
        let before = h.clone();
        cap(&mut h);
        assert_eq!(h, before);
    }

    #[test]
    fn long_histories_start_at_a_user_message_within_the_cap() {
        let mut h: Vec<Value> = (0..20).flat_map(|n| turn(n, 3)).collect();
        assert!(h.len() > MAX_MESSAGES);
        let last = h.last().cloned();
        cap(&mut h);
        assert!(h.len() <= MAX_MESSAGES, "{}", h.len());
        assert_eq!(role(&h[0]), "user");
        assert_eq!(h.last().cloned(), last);
        // Every tool message still follows the assistant message that asked for it.
        for (i, m) in h.iter().enumerate() {
            if role(m) == "tool" {
                let id = &m["tool_call_id"];
                assert!(h[..i].iter().any(|p| {
                    p["tool_calls"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|c| &c["id"] == id))
                }));
            }
        }
    }

    #[test]
    fn a_single_huge_turn_never_starts_at_a_tool_message() {
        let mut h = turn(0, MAX_MESSAGES + 5);
        cap(&mut h);
        assert!(h.len() <= MAX_MESSAGES);
        assert_ne!(role(&h[0]), "tool");
    }

    #[test]
    fn long_tool_results_are_cut_for_the_model() {
        let big = json!({"x": "y".repeat(MAX_TOOL_CONTENT_CHARS)});
        let m = tool("c", &big);
        let content = m["content"].as_str().unwrap();
        assert!(content.contains("[cut: the result is"));
        assert!(content.chars().count() < MAX_TOOL_CONTENT_CHARS + 100);
    }
}
