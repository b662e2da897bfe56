//! The chat evaluation sets (tests/chat/*.json, format in tests/chat/README.md): every question
//! through the embedded engine as its person, scored against the expected tool calls and
//! results (and, for requests, the request stored). The score is printed; the test fails under
//! 95%.

use serde_json::Value;
use warden::app::App;
use warden::chat::{EngineKind, Reply};
use warden::people::{Principal, Role};

const PASS: f64 = 0.95;

/// Does `actual` match the expectation `want` (deep subset; arrays same length, any order;
/// `{"$contains": [...]}` for arrays that hold at least those)?
fn matches(want: &Value, actual: &Value) -> bool {
    match (want, actual) {
        (Value::Object(w), _) if w.len() == 1 && w.contains_key("$contains") => {
            let Some(items) = actual.as_array() else {
                return false;
            };
            distinct_matches(w["$contains"].as_array().unwrap(), items)
        }
        (Value::Object(w), Value::Object(a)) => w
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av))),
        (Value::Array(w), Value::Array(a)) => w.len() == a.len() && distinct_matches(w, a),
        _ => want == actual,
    }
}

/// Each expected element matches a different actual element.
fn distinct_matches(want: &[Value], actual: &[Value]) -> bool {
    fn go(want: &[Value], actual: &[Value], used: &mut Vec<bool>) -> bool {
        let Some((first, rest)) = want.split_first() else {
            return true;
        };
        for (i, a) in actual.iter().enumerate() {
            if !used[i] && matches(first, a) {
                used[i] = true;
                if go(rest, actual, used) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    go(want, actual, &mut vec![false; actual.len()])
}

fn call_matches(want: &Value, got: &warden::chat::ToolCall) -> bool {
    if want["tool"] != got.tool.as_str() {
        return false;
    }
    let args_ok = want["arguments"].as_object().is_none_or(|w| {
        w.iter().all(|(k, v)| {
            let a = &got.arguments[k];
            if k == "query" {
                let norm = |x: &Value| x.as_str().map(|s| s.trim().to_lowercase());
                norm(v) == norm(a)
            } else {
                v == a
            }
        })
    });
    args_ok && want.get("result").is_none_or(|r| matches(r, &got.result))
}

/// Names in a list of objects (`resources`, `roles` of a request), sorted.
fn names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| match x {
            Value::String(s) => s.clone(),
            _ => x["name"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    out.sort();
    out
}

/// Why a turn misses an expected draft: exactly one `create_access_request` call, which stored an
/// open request for the person asking, drafted by the embedded engine, with the expected
/// resources, privileges and roles (as sets of resolved names), duration (when listed; null: none)
/// and reason (a substring); the answer names the request, its link and the reviewer.
fn request_miss(want: &Value, reply: &Reply, asker: Option<&str>) -> Option<String> {
    let creates: Vec<&warden::chat::ToolCall> = reply
        .tool_calls
        .iter()
        .filter(|c| c.tool == "create_access_request")
        .collect();
    let [call] = creates.as_slice() else {
        return Some(format!(
            "{} create_access_request calls, expected 1",
            creates.len()
        ));
    };
    let r = &call.result;
    let Some(id) = r["id"].as_str() else {
        return Some(format!("no request was created: {r}"));
    };
    if r["status"] != "open" {
        return Some(format!("the request is {}, not open", r["status"]));
    }
    if asker.is_some_and(|a| r["requester"] != a) {
        return Some(format!("the request is {}'s", r["requester"]));
    }
    if r["drafted_by"]["kind"] != "ai" || r["drafted_by"]["engine"] != "embedded" {
        return Some(format!("drafted_by is {}", r["drafted_by"]));
    }
    for (key, got) in [
        ("resources", &r["resources"]),
        ("privileges", &r["privileges"]),
        ("roles", &r["roles"]),
    ] {
        let expected = names(&want[key]);
        if names(got) != expected {
            return Some(format!("{key} {:?}, expected {expected:?}", names(got)));
        }
    }
    if let Some(d) = want.get("duration")
        && *d != r["duration"]
    {
        return Some(format!("duration {}, expected {d}", r["duration"]));
    }
    if let Some(part) = want["reason_contains"].as_str() {
        let reason = r["reason"].as_str().unwrap_or_default().to_lowercase();
        if !reason.contains(&part.to_lowercase()) {
            return Some(format!(
                "reason {}, expected it to hold {part:?}",
                r["reason"]
            ));
        }
    }
    let answer = reply.answer.to_lowercase();
    for must in [
        id.to_lowercase(),
        format!("/v1/requests/{id}").to_lowercase(),
        "review".into(),
    ] {
        if !answer.contains(&must) {
            return Some(format!("the answer does not mention {must:?}"));
        }
    }
    None
}

/// Why a reply misses its expectation, or None when it matches.
fn miss(expect: &Value, reply: &Reply, asker: Option<&str>) -> Option<String> {
    let answer = reply.answer.to_lowercase();
    let calls = &reply.tool_calls;
    if let Some(want) = expect["calls"].as_array() {
        if want.len() != calls.len() {
            return Some(format!("{} calls, expected {}", calls.len(), want.len()));
        }
        let mut used = vec![false; calls.len()];
        for w in want {
            match (0..calls.len()).find(|&i| !used[i] && call_matches(w, &calls[i])) {
                Some(i) => used[i] = true,
                None => return Some(format!("no call matches {w}")),
            }
        }
    }
    if let Some(names) = expect["clarify"].as_array() {
        if !answer.contains("which one") {
            return Some("did not ask back".into());
        }
        for n in names {
            let n = n.as_str().unwrap().to_lowercase();
            if !answer.contains(&n) {
                return Some(format!("the question back does not name {n}"));
            }
        }
    }
    if expect["refuse"] == true && (!answer.contains("can't do that") || !calls.is_empty()) {
        return Some("not refused".into());
    }
    if expect["not_understood"] == true
        && (!answer.contains("did not understand") || !calls.is_empty())
    {
        return Some("did not say it did not understand".into());
    }
    if let Some(req) = expect.get("request") {
        if let Some(why) = request_miss(req, reply, asker) {
            return Some(why);
        }
        for r in req["resources"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap().to_lowercase();
            if !answer.contains(&r) {
                return Some(format!("the request answer does not name {r}"));
            }
        }
    }
    if expect["no_request"] == true && calls.iter().any(|c| c.tool == "create_access_request") {
        return Some("a request was created".into());
    }
    for s in expect["answer_contains"].as_array().into_iter().flatten() {
        let s = s.as_str().unwrap().to_lowercase();
        if !answer.contains(&s) {
            return Some(format!("the answer lacks {s:?}"));
        }
    }
    None
}

#[tokio::test]
async fn embedded_engine_scores_on_the_evaluation_set() {
    score("eval.json", 150).await;
}

/// A second set written later by someone who had not seen the engine, to check that what the
/// first set taught it carries over to other wordings.
#[tokio::test]
async fn embedded_engine_scores_on_the_held_out_set() {
    score("holdout.json", 80).await;
}

/// A third set, written after the second had been used for fixes, blind to both the engine and
/// the second set.
#[tokio::test]
async fn embedded_engine_scores_on_the_blind_set() {
    score("blind.json", 60).await;
}

/// Requests drafted in plain language, and questions that must not become requests
/// (tests/chat/README.md, "Requests").
#[tokio::test]
async fn embedded_engine_scores_on_the_request_set() {
    score("requests.json", 40).await;
}

/// Issue 14's first fresh blind set (written without sight of the engine or the other sets),
/// used for fixes after its first-contact score was recorded.
#[tokio::test]
async fn embedded_engine_scores_on_the_fresh_set_a() {
    score("fresh-a.json", 80).await;
}

/// Issue 14's replacement blind set (fresh set B was lost with a machine, unseen): written
/// without sight of the engine or the other sets, used for fixes after its first contact.
#[tokio::test]
async fn embedded_engine_scores_on_the_fresh_set_c() {
    score("fresh-c.json", 100).await;
}

/// A third fresh set for issue 14, written after set C's fixes by a writer blind to the engine
/// and to the other sets, used for fixes after its first contact.
#[tokio::test]
async fn embedded_engine_scores_on_the_fresh_set_e() {
    score("fresh-e.json", 100).await;
}

/// Issue 14's set D, written with set C by another writer blind to it, kept sealed (only its
/// score line read) until the work on the issue was done: its score then, 91.5%, is the honest
/// figure. Used for fixes since.
#[tokio::test]
async fn embedded_engine_scores_on_the_fresh_set_d() {
    score("fresh-d.json", 100).await;
}

/// Issue 14's last sealed set, written after every fix of sets C, D and E by a writer blind to
/// the engine and to the other sets. It stays unread: this prints its score line only, never its
/// misses, and is run by hand (`cargo test --test it sealed -- --ignored --nocapture`).
#[tokio::test]
#[ignore = "sealed: its score is issue 14's honest figure; its items are not read"]
async fn embedded_engine_scores_on_the_sealed_set_f() {
    score_with("sealed/fresh-f.json", 100, 0.0, false).await;
}

async fn score(file: &str, at_least: usize) {
    score_at(file, at_least, PASS).await
}

async fn score_at(file: &str, at_least: usize, pass: f64) {
    score_with(file, at_least, pass, true).await
}

/// Scores one set; `show_misses: false` prints only the score line (a sealed set).
async fn score_with(file: &str, at_least: usize, pass: f64, show_misses: bool) {
    let path = format!("{}/tests/chat/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect(&path);
    let set: Value = serde_json::from_str(&text).expect("the set is JSON");
    let questions = set["questions"].as_array().unwrap();
    assert!(questions.len() >= at_least, "{} questions", questions.len());

    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).await.unwrap();
    app.import(warden::demo::connections().unwrap())
        .await
        .unwrap();
    for (name, role) in warden::demo::PEOPLE {
        app.people
            .add_person(name, role, Some(&format!("{name}@acme.test")))
            .await
            .unwrap();
    }

    let mut misses = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for q in questions {
        let id = q["id"].as_str().unwrap();
        assert!(ids.insert(id.to_owned()), "duplicate id {id}");
        let who = match q["as"].as_str() {
            // Someone asking who is not one of the demo people is added as a requester.
            Some(p) => Principal::person(match app.people.person(p).await {
                Ok(person) => person,
                Err(_) => app
                    .people
                    .add_person(p, Role::Requester, Some(&format!("{p}@acme.test")))
                    .await
                    .unwrap(),
            }),
            None => Principal::operator(),
        };
        let mut conversation: Option<String> = None;
        for before in q["after"].as_array().into_iter().flatten() {
            let r = app
                .chat(
                    &who,
                    before.as_str().unwrap(),
                    conversation.as_deref(),
                    Some(EngineKind::Embedded),
                )
                .await
                .unwrap();
            conversation = Some(r.conversation_id);
        }
        let question = q["question"].as_str().unwrap();
        let reply = app
            .chat(
                &who,
                question,
                conversation.as_deref(),
                Some(EngineKind::Embedded),
            )
            .await
            .unwrap();
        if let Some(why) = miss(&q["expect"], &reply, q["as"].as_str()) {
            let calls: Vec<String> = reply
                .tool_calls
                .iter()
                .map(|c| format!("{} {}", c.tool, c.arguments))
                .collect();
            misses.push(format!(
                "  {id}: {question:?}: {why}\n    calls: {}\n    answer: {}",
                calls.join(" | "),
                reply.answer.chars().take(300).collect::<String>()
            ));
        }
    }
    let score = 1.0 - misses.len() as f64 / questions.len() as f64;
    println!(
        "embedded engine: {}/{} ({:.1}%) on tests/chat/{file}",
        questions.len() - misses.len(),
        questions.len(),
        score * 100.0
    );
    for m in misses.iter().filter(|_| show_misses) {
        println!("{m}");
    }
    assert!(
        score >= pass,
        "score {:.1}% is under {:.0}%",
        score * 100.0,
        pass * 100.0
    );
}

#[test]
fn the_matcher_can_fail() {
    use serde_json::json;
    assert!(matches(
        &json!({"a": [1, 2]}),
        &json!({"a": [2, 1], "b": 0})
    ));
    assert!(!matches(&json!({"a": [1, 2]}), &json!({"a": [1, 2, 3]})));
    assert!(matches(
        &json!({"a": {"$contains": [3]}}),
        &json!({"a": [1, 2, 3]})
    ));
    assert!(!matches(
        &json!({"a": {"$contains": [3, 3]}}),
        &json!({"a": [1, 3]})
    ));
    assert!(!matches(
        &json!({"allowed": true}),
        &json!({"allowed": false})
    ));
}
