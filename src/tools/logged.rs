//! The arguments of an agent's tool call as the logs keep them: parsed, bounded, and written
//! out as JSON text once (the audit event and the agent log both carry that text). A call is
//! logged whatever it carried, so a 1 MB string or a 10,000-item list must not become a 1 MB
//! audit event: long strings and lists are cut, with their size recorded.

use serde_json::value::{RawValue, to_raw_value};
use serde_json::{Map, Value, json};

/// Characters kept of one string.
const MAX_STRING: usize = 256;
/// Items kept of one list or object.
const MAX_ITEMS: usize = 50;
/// Levels kept of nested lists and objects.
const MAX_DEPTH: usize = 8;

/// The arguments to log for a request body: the JSON, bounded; text that is not JSON is
/// recorded by its size only. A short body that cannot pass any limit is kept as it was sent,
/// checked as JSON without being taken apart (most agent calls: a few names).
pub fn from_bytes(body: &[u8]) -> Box<RawValue> {
    if within_bounds_as_text(body)
        && let Ok(raw) = serde_json::from_slice::<Box<RawValue>>(body)
    {
        return raw;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => text(&v),
        Err(e) => raw(&json!({"unparsed": {"bytes": body.len(), "error": e.to_string()}})),
    }
}

/// The arguments to log for parsed arguments: bounded, as JSON text.
pub fn text(args: &Value) -> Box<RawValue> {
    if within_bounds(args, 0) {
        raw(args)
    } else {
        raw(&bounded(args, 0))
    }
}

/// `value` as JSON text (a `Value` always has one).
fn raw(value: &Value) -> Box<RawValue> {
    to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// Whether JSON text this long, with these few separators and brackets, is within every limit
/// whatever it holds: no string in it can be longer than the text, no list or object can have
/// more items than the text has commas (plus one), nor nest deeper than its opening brackets.
/// Brackets and commas inside strings are counted too, which only makes this stricter.
fn within_bounds_as_text(body: &[u8]) -> bool {
    body.len() <= MAX_STRING
        && body.iter().filter(|&&b| b == b',').count() < MAX_ITEMS
        && body.iter().filter(|&&b| b == b'[' || b == b'{').count() <= MAX_DEPTH
}

/// Whether [`bounded`] would keep `value` as it is (so that it need not be copied).
fn within_bounds(value: &Value, depth: usize) -> bool {
    match value {
        Value::String(s) => s.len() <= MAX_STRING || s.chars().count() <= MAX_STRING,
        Value::Array(items) => {
            depth < MAX_DEPTH
                && items.len() <= MAX_ITEMS
                && items.iter().all(|v| within_bounds(v, depth + 1))
        }
        Value::Object(map) => {
            depth < MAX_DEPTH
                && map.len() <= MAX_ITEMS
                && map.iter().all(|(k, v)| {
                    (k.len() <= MAX_STRING || k.chars().count() <= MAX_STRING)
                        && within_bounds(v, depth + 1)
                })
        }
        _ => true,
    }
}

/// `value`, with strings, lists and objects past their limits cut.
fn bounded(value: &Value, depth: usize) -> Value {
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

    use proptest::prelude::*;

    fn parsed(raw: &RawValue) -> Value {
        serde_json::from_str(raw.get()).expect("logged arguments are JSON")
    }

    #[test]
    fn big_arguments_are_cut_with_their_size() {
        let body = json!({"identity": "x".repeat(2_000_000), "resources": vec!["t"; 10_000]});
        let logged = from_bytes(body.to_string().as_bytes());
        let text = logged.get();
        assert!(text.len() < 10_000, "{} bytes", text.len());
        assert!(text.contains("2000000 characters"), "{text}");
        assert!(text.contains("\"more\":9950"), "{text}");
        let logged = parsed(&from_bytes(b"\xff\xfe not json"));
        assert_eq!(logged["unparsed"]["bytes"], 11);
        // Small arguments are kept as they were.
        let small = json!({"identity": "maya", "privilege": "SELECT"});
        assert_eq!(parsed(&from_bytes(small.to_string().as_bytes())), small);
        // A short body is kept as it was sent (its keys in its own order).
        let sent = br#"{"privilege": "SELECT", "identity": "maya\u2019s"}"#;
        assert_eq!(from_bytes(sent).get().as_bytes(), sent);
        // Deep nesting is cut too (serde_json itself refuses past 128 levels).
        let mut deep = json!("leaf");
        for _ in 0..100 {
            deep = json!([deep]);
        }
        assert!(from_bytes(deep.to_string().as_bytes()).get().len() < 100);
    }

    /// Any JSON value, past every limit at times: strings and keys longer than kept, lists and
    /// objects with more items, nesting deeper.
    fn value() -> impl Strategy<Value = Value> {
        let text = prop_oneof![
            3 => "[a-z\u{130}\u{2019}é😀 ]{0,8}",
            1 => (0usize..300, "[xé😀]").prop_map(|(n, c)| c.repeat(n)),
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            text.clone().prop_map(Value::from),
        ];
        let wide = leaf.prop_recursive(4, 400, 60, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..60).prop_map(Value::from),
                prop::collection::btree_map(text.clone(), inner, 0..60)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        });
        // Wide values wrapped in up to 12 levels of lists and objects, around the depth limit.
        (wide, prop::collection::vec(any::<bool>(), 0..12)).prop_map(|(mut v, levels)| {
            for list in levels {
                v = if list { json!([v]) } else { json!({ "k": v }) };
            }
            v
        })
    }

    /// Short values around every limit a short text can reach (50 items, 8 levels), with
    /// commas and brackets inside strings too.
    fn short() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(json!(0)),
            Just(json!("é,[{ ’")),
            Just(Value::Null),
            (252usize..262).prop_map(|n| json!("x".repeat(n))),
        ];
        let wide = prop_oneof![
            2 => (leaf.clone(), 44usize..56).prop_map(|(l, n)| Value::from(vec![l; n])),
            1 => prop::collection::vec(leaf.clone(), 0..56).prop_map(Value::from),
            1 => prop::collection::btree_map("[a-z]", leaf.clone(), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            2 => leaf,
        ];
        let levels = prop_oneof![
            Just(Vec::new()),
            prop::collection::vec(any::<bool>(), 0..11),
        ];
        (wide, levels).prop_map(|(mut v, levels)| {
            for list in levels {
                v = if list { json!([v]) } else { json!({ "k": v }) };
            }
            v
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// A short body, sent compact or spread over lines, is logged as the bounded value
        /// (the check that keeps it as sent agrees with the cutting).
        #[test]
        fn short_bodies_are_logged_as_the_bounded_arguments(v in short(), pretty in any::<bool>()) {
            let body = if pretty {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                v.to_string()
            };
            prop_assert_eq!(parsed(&from_bytes(body.as_bytes())), bounded(&v, 0));
        }

        /// The text logged is the bounded value, whether or not it had to be cut (the check
        /// that skips the copy agrees with the cutting), and arguments within every limit are
        /// logged as they were.
        #[test]
        fn the_text_logged_is_the_bounded_arguments(v in value()) {
            let logged = parsed(&text(&v));
            prop_assert_eq!(&logged, &bounded(&v, 0));
            if within_bounds(&v, 0) {
                prop_assert_eq!(&logged, &v);
            }
            prop_assert_eq!(parsed(&from_bytes(v.to_string().as_bytes())), logged);
        }
    }
}
