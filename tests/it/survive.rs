//! The real `warden serve` process outlives its bugs and stops cleanly: a panic in a handler
//! fails that one request (500, the error document, a request id) and the process serves on;
//! SIGTERM lets an in-flight request finish before the process exits 0.

use crate::binary::{Launch, demo_dir, run};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn admin_token(dir: &Path) -> String {
    let (code, _, err) = run(dir, &["user", "add", "root_admin", "--role", "admin"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(dir, &["--json", "token", "create", "root_admin"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_panic_in_a_handler_fails_one_request_and_the_server_serves_on() {
    let dir = demo_dir();
    let token = admin_token(dir.path());
    let mut server = Launch::serve(dir.path())
        .env("WARDEN_PANIC_AT", "tool:check_access")
        .start();
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let call = |tool: &str, body: &str| {
        client
            .post(format!("{base}/v1/tools/{tool}"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    for _ in 0..3 {
        let resp = call(
            "check_access",
            r#"{"identity":"maya","privilege":"SELECT","resource":"crm.leads"}"#,
        )
        .await
        .expect("an answer, not a dropped connection");
        assert_eq!(resp.status().as_u16(), 500);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "internal", "{body}");
        assert!(body["error"]["request_id"].is_string(), "{body}");
        // The panic's own text stays in the log.
        assert!(!body.to_string().contains("WARDEN_PANIC_AT"), "{body}");
    }
    // The process is alive and answers everything else.
    assert!(server.try_wait().is_none(), "the server died");
    let resp = call("who_has_access", r#"{"resource":"crm.leads"}"#)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish() {
    let dir = demo_dir();
    let token = admin_token(dir.path());
    let mut server = Launch::serve(dir.path()).start();
    let snapshot =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/acme.json")).unwrap();
    let (first, rest) = snapshot.split_at(snapshot.len() / 2);
    // An import in flight: headers and half the body sent.
    let mut conn = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let head = format!(
        "POST /v1/import HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        server.addr,
        snapshot.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(first).await.unwrap();
    conn.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // SAFETY: sending a signal to our own child process.
    let pid = server.pid() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // New connections are no longer taken...
    let refused = tokio::net::TcpStream::connect(&server.addr).await;
    if let Ok(mut c) = refused {
        // (the kernel may still complete a handshake on the closing socket; nothing answers)
        let _ = c
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
            .await;
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(Duration::from_secs(2), c.read(&mut buf)).await;
        assert!(
            !matches!(n, Ok(Ok(k)) if k > 0),
            "a new request was served after SIGTERM"
        );
    }
    // ...and the one in flight completes.
    conn.write_all(rest).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(30), conn.read_to_string(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"generation\""), "{answer}");
    let status = server
        .wait_for_exit(Duration::from_secs(30))
        .expect("still running after SIGTERM");
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
}
