//! The browser harness checked on a page of its own (a tiny axum server on port 0): it fills,
//! types, clicks, follows, reads cookies and takes screenshots; a wait that never ends fails
//! showing the page, and leaves no chromedriver or Chromium behind.

use super::Browser;
use axum::Router;
use axum::extract::Form;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const PAGE: &str = r#"<!doctype html>
<html><head><title>harness</title><script src="/app.js" defer></script></head>
<body>
<p id="status">waiting for the script</p>
<form method="post" action="/echo">
  <input name="word" id="word">
  <button type="submit">Send</button>
  <button type="button">Send later</button>
</form>
<input id="live"> <span id="keys">no keys</span>
</body></html>"#;

/// Same-origin script: proves scripts run, and counts key presses one by one.
const SCRIPT: &str = r#"
document.getElementById('status').textContent = 'script ran';
let n = 0;
const live = document.getElementById('live');
live.addEventListener('keyup', () => {
  n += 1;
  document.getElementById('keys').textContent = 'keys: ' + n + ' value: ' + live.value;
});
"#;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn echo(Form(form): Form<HashMap<String, String>>) -> impl IntoResponse {
    let word = escape(form.get("word").map(String::as_str).unwrap_or(""));
    (
        [(
            header::SET_COOKIE,
            "harness=seen; Path=/; HttpOnly; SameSite=Lax",
        )],
        Html(format!(
            "<!doctype html><html><body><p>you sent: {word}</p><a href=\"/\">Back</a></body></html>"
        )),
    )
}

/// A page whose inline script its Content-Security-Policy refuses, and with a missing image.
async fn strict() -> impl IntoResponse {
    (
        [(header::CONTENT_SECURITY_POLICY, "script-src 'self'")],
        Html(
            "<!doctype html><html><body><p>strict</p><script>document.title = 'ran'</script>\
             <img src=\"/missing.png\" alt=\"\"></body></html>",
        ),
    )
}

/// The page's address.
async fn serve() -> String {
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route(
            "/app.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], SCRIPT) }),
        )
        .route("/echo", axum::routing::post(echo))
        .route("/strict", get(strict));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn drives_a_page_with_a_form_a_script_and_a_link() {
    let base = serve().await;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.goto(&format!("{base}/")).await;
    b.wait_for_text("script ran").await;
    assert!(b.has_button("Send").await);
    assert!(b.has_button("Send later").await);
    assert!(!b.has_button("Sen").await, "a button's label matches whole");
    assert!(!b.has_button("waiting for the script").await);

    b.fill("#word", "hello <world> & 'you'").await;
    b.click_button("Send").await;
    b.wait_for_text("you sent: hello <world> & 'you'").await;
    assert!(b.current_url().await.ends_with("/echo"));
    assert_eq!(b.cookie("harness").await.as_deref(), Some("seen"));
    let cookie = b
        .cookies()
        .await
        .into_iter()
        .find(|c| c.name() == "harness")
        .unwrap();
    assert_eq!(cookie.http_only(), Some(true));

    b.click_link("Back").await;
    b.wait_for_text("script ran").await;
    b.type_slowly("#live", "abc").await;
    b.wait_for_text("keys: 3 value: abc").await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shots").join("page.png");
    b.screenshot(&path).await;
    let png = std::fs::read(&path).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {:?}",
        &png[..png.len().min(8)]
    );
    assert!(
        png.len() > 1000,
        "a screenshot of a page is more than a header"
    );
    assert_eq!(b.alert_text().await, None);
    b.assert_no_console_errors().await;

    // What the console shows: the CSP's refusal and the missing file.
    b.goto(&format!("{base}/strict")).await;
    b.wait_for_text("strict").await;
    let errors = b.console_errors().await.join("\n");
    assert!(errors.contains("Content Security Policy"), "{errors}");
    assert!(errors.contains("missing.png"), "{errors}");
    assert!(b.console_errors().await.is_empty(), "each read empties it");
    b.close().await;
}

#[tokio::test]
async fn a_wait_that_never_ends_fails_showing_the_page_and_leaves_no_process_behind() {
    let base = serve().await;
    let Some(mut b) = Browser::start().await else {
        return;
    };
    b.set_wait_timeout(Duration::from_secs(2));
    let pgid = b.driver_pid();
    let profile = b.profile_dir().to_path_buf();
    b.goto(&format!("{base}/")).await;
    b.wait_for_text("script ran").await;
    assert!(
        group_members(pgid) >= 2,
        "chromedriver and its Chromium run in one process group"
    );
    // The test's panic, in a task of its own so that this test can look at it and after it.
    let panicked = tokio::spawn(async move {
        b.wait_for_text("a text no page has").await;
    })
    .await
    .unwrap_err();
    let message = panicked.into_panic();
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("the text \"a text no page has\" never appeared"),
        "{message}"
    );
    assert!(
        message.contains("script ran"),
        "the failure shows the page: {message}"
    );
    // SIGKILL is delivered at once but a process takes a moment to exit: look until it has.
    let deadline = Instant::now() + Duration::from_secs(10);
    while group_members(pgid) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        group_members(pgid),
        0,
        "chromedriver or a Chromium outlived the panic"
    );
    assert!(!profile.exists(), "the profile is removed");
}

/// Live processes (not zombies) in the process group `pgid`, from /proc.
fn group_members(pgid: u32) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
            let Some((_, rest)) = stat.rsplit_once(')') else {
                return false;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            fields.len() > 3 && fields[0] != "Z" && fields[2] == pgid.to_string()
        })
        .count()
}
