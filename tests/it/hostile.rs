//! The real server survives hostile input: a corpus of messages and bodies sent over
//! `POST /v1/chat` and `POST /v1/tools/{name}` each gets a JSON answer (200, or a 4xx error
//! document), never a dropped connection, and the server then answers a normal question.

use crate::server::TestServer;
use serde_json::{Value, json};

/// Sends raw bytes and returns the status and the body as JSON (a dropped connection or a body
/// that is not one JSON document fails the test, naming what was sent).
async fn send(s: &TestServer, path: &str, body: Vec<u8>, what: &str) -> (u16, Value) {
    let r = s
        .client
        .post(format!("{}{path}", s.base))
        .bearer_auth(&s.token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: no answer from {path}: {e}"));
    let status = r.status().as_u16();
    let text = r
        .text()
        .await
        .unwrap_or_else(|e| panic!("{what}: body cut from {path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        let head: String = text.chars().take(200).collect();
        panic!("{what}: {path} answered {status} with no JSON ({e}): {head}")
    });
    assert!(
        status == 200 || (400..500).contains(&status),
        "{what}: {path} answered {status}: {doc}"
    );
    if status != 200 {
        assert!(
            doc["error"]["code"].is_string() && doc["error"]["message"].is_string(),
            "{what}: {path} answered {status} without the error document: {doc}"
        );
    }
    (status, doc)
}

/// Messages people and attackers send.
pub fn messages() -> Vec<(&'static str, String)> {
    let words: Vec<String> = (0..2_000)
        .map(|i| ((b'a' + (i % 26) as u8) as char).to_string())
        .collect();
    let unknown: String = (0..1_334)
        .map(|i| {
            format!(
                "{}{} ",
                (b'b' + (i % 20) as u8) as char,
                (b'q' + (i % 7) as u8) as char
            )
        })
        .collect();
    vec![
        ("curly apostrophe", "can maya\u{2019}s team read sales.orders?".into()),
        ("curly quotes", "does \u{201C}maya\u{201D} have \u{2018}SELECT\u{2019} on \u{201C}sales.orders\u{201D}?".into()),
        ("dotted capital I", "\u{130} because \u{E9}\u{E9}".into()),
        ("dotted capital I request", "I need read on sales.orders \u{130}\u{130} because \u{130}\u{E9}".into()),
        ("combining marks", "can ma\u{301}\u{302}\u{303}ya\u{308} read sa\u{327}les.orders?".into()),
        ("emoji with ZWJ", "\u{1F469}\u{200D}\u{1F4BB} can maya\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} read sales.orders?".into()),
        ("RTL override", "can \u{202E}ayam\u{202C} read \u{2067}sales.orders\u{2069}?".into()),
        ("NUL", "can maya\0 read\0sales.orders?\0".into()),
        ("only invisible", "\u{200B}\u{200D}\u{FEFF}\u{202E}".into()),
        ("4,000 characters of names", "maya tom sales.orders ".repeat(182)),
        ("4,000 characters of unknown words", unknown),
        ("2,000 one-letter words", words.join(" ")),
        ("many quotes", "\"maya\" 'tom' \u{201C}sales.orders\u{201D} `crm.leads` ".repeat(80)),
        ("many durations", "for 2 weeks 14d a couple of days ".repeat(120)),
        ("many reasons", "I need read on sales.orders for the board because of the close so that ".repeat(50)),
        ("huge number", "I need sales.orders for 99999999999999999999 days".into()),
        ("long word", "m".repeat(4_000)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_survives_hostile_input_then_answers() {
    let s = TestServer::start().await;
    for (what, message) in messages() {
        let body = serde_json::to_vec(&json!({"message": message})).unwrap();
        let (status, doc) = send(&s, "/v1/chat", body, what).await;
        assert_eq!(status, 200, "{what}: {doc}");
        assert!(
            doc["answer"].as_str().is_some_and(|a| !a.is_empty()),
            "{what}: {doc}"
        );
    }

    // Bodies that are not what a chat turn is: each a 400 document.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let too_long = serde_json::to_vec(&json!({"message": "a".repeat(8_001)})).unwrap();
    for (what, body, field) in [
        ("10,000 nested arrays", deep.clone().into_bytes(), None),
        (
            "nested in the message",
            format!("{{\"message\": {deep}}}").into_bytes(),
            None,
        ),
        (
            "invalid UTF-8",
            b"{\"message\": \"can \xff\xfe maya\"}".to_vec(),
            None,
        ),
        (
            "a lone surrogate",
            br#"{"message": "can \ud800 maya"}"#.to_vec(),
            None,
        ),
        ("8,001 characters", too_long, Some("message")),
        ("empty", b"{\"message\": \"   \"}".to_vec(), Some("message")),
    ] {
        let (status, doc) = send(&s, "/v1/chat", body, what).await;
        assert_eq!(status, 400, "{what}: {doc}");
        if let Some(field) = field {
            assert_eq!(doc["error"]["path"], field, "{what}: {doc}");
        }
    }

    // The tools: hostile names in every argument, a 2 MB body, a 900 KB identity, deep nesting,
    // bad bytes.
    let check = |identity: &str| {
        serde_json::to_vec(
            &json!({"identity": identity, "privilege": "SELECT", "resource": "sales.orders"}),
        )
        .unwrap()
    };
    // Past server.max_body_size (1 MiB) the body is refused before any parsing.
    let huge = "m".repeat(2_000_000);
    let (status, doc) = send(&s, "/v1/tools/check_access", check(&huge), "2 MB identity").await;
    assert_eq!(status, 413, "{doc}");
    assert_eq!(doc["error"]["code"], "too_large", "{doc}");
    // Under it, the argument's own cap names the field.
    let big = "m".repeat(900_000);
    let (status, doc) = send(&s, "/v1/tools/check_access", check(&big), "900 KB identity").await;
    assert_eq!(status, 400, "{doc}");
    assert_eq!(doc["error"]["path"], "identity", "{doc}");
    let (status, doc) = send(
        &s,
        "/v1/tools/search_identities",
        serde_json::to_vec(&json!({"query": big})).unwrap(),
        "900 KB query",
    )
    .await;
    assert_eq!(status, 400, "{doc}");
    assert_eq!(doc["error"]["path"], "query", "{doc}");
    for (what, text) in messages() {
        for (tool, args) in [
            (
                "check_access",
                json!({"identity": text, "privilege": "SELECT", "resource": text}),
            ),
            (
                "who_has_access",
                json!({"resource": text, "privilege": text}),
            ),
            ("list_access", json!({"identity": text, "connection": text})),
            ("get_identity", json!({"identity": text})),
            ("search_identities", json!({"query": text})),
            ("search_resources", json!({"query": text})),
            (
                "create_access_request",
                json!({"resources": [text], "reason": text}),
            ),
            ("get_access_request", json!({"id": text})),
            (
                "list_access_requests",
                json!({"status": text, "requester": text, "cursor": text}),
            ),
            (
                "who_has_access",
                json!({"resource": "sales.orders", "cursor": text}),
            ),
        ] {
            send(
                &s,
                &format!("/v1/tools/{tool}"),
                serde_json::to_vec(&args).unwrap(),
                &format!("{tool} with {what}"),
            )
            .await;
        }
    }
    for (what, body) in [
        ("10,000 nested arrays", deep.into_bytes()),
        ("invalid UTF-8", b"{\"identity\": \"\xff\xfe\"}".to_vec()),
        ("not JSON", b"{identity: maya".to_vec()),
    ] {
        let (status, _) = send(&s, "/v1/tools/check_access", body, what).await;
        assert_eq!(status, 400, "{what}");
    }

    // And the server is still there, answering as before.
    let (status, doc) = send(
        &s,
        "/v1/chat",
        serde_json::to_vec(&json!({"message": "does maya have SELECT on sales.orders?"})).unwrap(),
        "a normal question",
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    assert!(doc["answer"].as_str().unwrap().contains("Yes"), "{doc}");
}

/// An agent's calls carrying the corpus in their arguments: each answered (never a dropped
/// connection), each in the audit log once, through the server's audit journal, with its text
/// exactly as sent where the log keeps it whole (256 characters); and the chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_hostile_arguments_reach_the_audit_log_exactly() {
    let s = TestServer::start().await;
    let agent = s
        .token_for("maya", warden::people::Role::Requester, Some("bot"))
        .await;
    let corpus = messages();
    for (what, text) in &corpus {
        let body = json!({"identity": text, "privilege": "SELECT", "resource": text}).to_string();
        let (status, doc) = s.post_as(&agent, "/v1/tools/check_access", &body).await;
        assert!(
            status == 200 || (400..500).contains(&status),
            "{what}: {status} {doc}"
        );
    }
    let audited = s
        .app
        .store
        .audit(&warden::model::audit::AuditFilter::every("agent_tool_call"))
        .await
        .unwrap();
    assert_eq!(audited.len(), corpus.len());
    for (what, text) in corpus.iter().filter(|(_, t)| t.chars().count() <= 256) {
        let logged = audited
            .iter()
            .filter(|e| e.data["arguments"]["identity"] == text.as_str())
            .count();
        assert_eq!(logged, 1, "{what}: logged {logged} times");
    }
    assert!(warden::audit::verify(&s.app.store).await.unwrap().ok);
}
