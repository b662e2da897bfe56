//! The arguments of an agent's tool call as the logs keep them: parsed, and bounded. A call is
//! logged whatever it carried, so a 1 MB string or a 10,000-item list must not become a 1 MB
//! audit event: long strings and lists are cut, with their size recorded.

use serde_json::{Map, Value, json};

/// Characters kept of one string.
const MAX_STRING: usize = 256;
/// Items kept of one list or object.
const MAX_ITEMS: usize = 50;
/// Levels kept of nested lists and objects.
const MAX_DEPTH: usize = 8;

/// The arguments to log for a request body: the JSON, bounded; text that is not JSON is
/// recorded by its size only.
pub fn from_bytes(body: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => bounded(&v, 0),
        Err(e) => json!({"unparsed": {"bytes": body.len(), "error": e.to_string()}}),
    }
}

/// `value`, with strings, lists and objects past their limits cut.
pub fn bounded(value: &Value, depth: usize) -> Value {
    match value {
        Value::String(s) if s.chars().count() > MAX_STRING => {
            let kept: String = s.chars().take(MAX_STRING).collect();
            Value::String(format!("{kept}… ({} characters)", s.chars().count()))
        }
        Value::Array(items) if depth >= MAX_DEPTH => json!({"list_of": items.len()}),
        Value::Object(map) if depth >= MAX_DEPTH => json!({"object_of": map.len()}),
        Value::Array(items) => {
            let mut out: Vec<Value> = items
                .iter()
                .take(MAX_ITEMS)
                .map(|v| bounded(v, depth + 1))
                .collect();
            if items.len() > MAX_ITEMS {
                out.push(json!({"more": items.len() - MAX_ITEMS}));
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .take(MAX_ITEMS)
                .map(|(k, v)| (cut(k), bounded(v, depth + 1)))
                .collect();
            if map.len() > MAX_ITEMS {
                out.insert("…".into(), json!({"more": map.len() - MAX_ITEMS}));
            }
            Value::Object(out)
        }
        v => v.clone(),
    }
}

fn cut(s: &str) -> String {
    if s.chars().count() > MAX_STRING {
        s.chars().take(MAX_STRING).collect()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_arguments_are_cut_with_their_size() {
        let body = json!({"identity": "x".repeat(2_000_000), "resources": vec!["t"; 10_000]});
        let logged = from_bytes(body.to_string().as_bytes());
        let text = logged.to_string();
        assert!(text.len() < 10_000, "{} bytes", text.len());
        assert!(text.contains("2000000 characters"), "{text}");
        assert!(text.contains("\"more\":9950"), "{text}");
        let logged = from_bytes(b"\xff\xfe not json");
        assert_eq!(logged["unparsed"]["bytes"], 11);
        // Small arguments are kept as they were.
        let small = json!({"identity": "maya", "privilege": "SELECT"});
        assert_eq!(from_bytes(small.to_string().as_bytes()), small);
        // Deep nesting is cut too (serde_json itself refuses past 128 levels).
        let mut deep = json!("leaf");
        for _ in 0..100 {
            deep = json!([deep]);
        }
        assert!(from_bytes(deep.to_string().as_bytes()).to_string().len() < 100);
    }
}
