//! What one client may ask of the real server: body sizes, the import's own limit (streamed, far
//! past axum's 2 MB default), timeouts, the connection limit, and the error document for every
//! error answer, with the request id that names it in the logs.

use crate::server::TestServer;
use serde_json::Value;
use std::io::{Read, Write};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use warden::synth::Tier;

/// The tier-S synthetic snapshot, as bytes.
fn tier_s() -> Vec<u8> {
    let mut out = Vec::new();
    warden::synth::write(Tier::S, 7, &mut out).unwrap();
    out
}

fn assert_error_document(status: u16, body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{status}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["error"]["request_id"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "every error document names its request: {body}"
    );
}

async fn import(server: &TestServer, body: Vec<u8>) -> (u16, Value) {
    let resp = server
        .client
        .post(format!("{}/v1/import", server.base))
        .bearer_auth(&server.token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn an_import_past_the_default_body_limit_streams_in_and_is_audited() {
    let server = TestServer::start().await;
    let snapshot = tier_s();
    assert!(
        snapshot.len() > 2 * 1024 * 1024,
        "the test needs a snapshot past axum's 2 MB default ({} bytes)",
        snapshot.len()
    );
    let before = server.app.generation();
    let (status, body) = import(&server, snapshot).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["generation"].as_i64().unwrap() > before, "{body}");
    // Who imported what is in the audit log.
    let (status, log) = server.get("/v1/audit?kind=import").await;
    assert_eq!(status, 200, "{log}");
    let events = log["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{log}");
    assert_eq!(events[0]["actor"], "admin");
    let conns = events[0]["data"]["connections"].as_array().unwrap();
    assert!(!conns.is_empty());
    assert!(conns[0]["grants"].as_u64().unwrap() > 0, "{log}");
}

#[tokio::test]
async fn an_import_over_its_limit_is_refused_whole() {
    let server = TestServer::start_with_config("[server]\nmax_import_size = \"64KiB\"\n").await;
    let before = server.app.generation();
    let (_, people_before) = server
        .post(
            "/v1/tools/check_access",
            r#"{"identity":"maya","privilege":"SELECT","resource":"crm.leads"}"#,
        )
        .await;
    let (status, body) = import(&server, tier_s()).await;
    assert_eq!(status, 413, "{body}");
    assert_error_document(status, &body, "too_large");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_import_size"),
        "the message names the setting: {body}"
    );
    // Nothing changed: same generation, same answers, no import event.
    assert_eq!(server.app.generation(), before);
    let (_, people_after) = server
        .post(
            "/v1/tools/check_access",
            r#"{"identity":"maya","privilege":"SELECT","resource":"crm.leads"}"#,
        )
        .await;
    assert_eq!(people_before, people_after);
    let (_, log) = server.get("/v1/audit?kind=import").await;
    assert_eq!(log["items"].as_array().unwrap().len(), 0, "{log}");
}

#[tokio::test]
async fn errors_from_outside_the_handlers_are_error_documents_too() {
    let server = TestServer::start_with_config("[server]\nmax_body_size = \"4KiB\"\n").await;
    // 413: a body past `max_body_size` on an ordinary route.
    let big = format!(r#"{{"message": "{}"}}"#, "a".repeat(8 * 1024));
    let (status, body) = server.post("/v1/chat", &big).await;
    assert_eq!(status, 413, "{body}");
    assert_error_document(status, &body, "too_large");
    // 405: a route that exists, with the wrong method.
    let resp = server
        .client
        .delete(format!("{}/v1/chat", server.base))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let id_header = resp
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_string());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, 405, "{body}");
    assert_error_document(status, &body, "method_not_allowed");
    // The header and the document name the same request.
    assert_eq!(
        id_header.as_deref(),
        body["error"]["request_id"].as_str(),
        "{body}"
    );
    // 404 and 401 carry the id as well.
    let (status, body) = server.get("/v1/nothing-here").await;
    assert_error_document(status, &body, "not_found");
    let resp = server
        .client
        .get(format!("{}/v1/requests", server.base))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert_error_document(status, &resp.json().await.unwrap(), "unauthenticated");
    // A caller's own request id is kept, so it can follow its request through the logs.
    let resp = server
        .client
        .get(format!("{}/v1/nothing-here", server.base))
        .bearer_auth(&server.token)
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-42");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], "trace-42");
}

#[tokio::test]
async fn a_request_past_its_time_limit_gets_408() {
    let server = TestServer::start_with_config("[server]\nimport_timeout = \"1s\"\n").await;
    // An import whose body stalls: half of it now, the rest never (within the limit).
    let addr = server.base.strip_prefix("http://").unwrap().to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /v1/import HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"connections\": [",
        server.token
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 4096];
        loop {
            let n = conn.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.push_str(&String::from_utf8_lossy(&buf[..n]));
            if answer.contains("\r\n\r\n") && answer.ends_with('}') {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer: {answer}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_error_document(408, &body, "timeout");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("import_timeout")
    );
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(TestServer::start_with_config(
        "[server]\nheader_read_timeout = \"1s\"\n",
    ));
    let addr = server.base.strip_prefix("http://").unwrap();
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    // Without a header-read timeout the server waits for the rest forever; with it, it closes
    // the connection (a read returns end of file, or a 408 first).
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut got = Vec::new();
    let result = conn.read_to_end(&mut got);
    assert!(
        result.is_ok(),
        "the server kept a half-sent request open: {result:?}"
    );
    drop(server);
}

#[tokio::test]
async fn connections_past_the_limit_wait_their_turn() {
    let server = TestServer::start_with_config("[server]\nmax_connections = 1\n").await;
    let addr = server.base.strip_prefix("http://").unwrap().to_string();
    // One connection holds the only slot.
    let holder = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/healthz", server.base);
    let waiting = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !waiting.is_finished(),
        "a second connection was served while the first held the only slot"
    );
    drop(holder);
    let status = tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("served once the slot was free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_agents_oversized_call_is_logged_bounded() {
    let server = TestServer::start().await;
    let agent = server
        .token_for("maya", warden::people::Role::Requester, Some("bot"))
        .await;
    let huge = "m".repeat(900 * 1024);
    let body =
        serde_json::json!({"identity": huge, "privilege": "SELECT", "resource": "crm.leads"});
    let (status, answer) = server
        .post_as(&agent, "/v1/tools/check_access", &body.to_string())
        .await;
    assert!((400..500).contains(&status), "{status}: {answer}");
    let (_, log) = server.get("/v1/audit?kind=agent_tool_call").await;
    let events = log["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "the refused call is still logged: {log}");
    let logged = events[0]["data"]["arguments"].to_string();
    assert!(logged.len() < 4096, "{} bytes logged", logged.len());
    assert!(
        logged.contains(&(900 * 1024).to_string()),
        "its size is: {logged}"
    );
}
