//! What the pages show is not what protects them: a requester sees no Approve button on an open
//! request, and a POST to an action route that does not come from the reviewer's own page (no
//! CSRF token, a requester's session with its own token, a form on another site) is refused and
//! changes nothing; the request's state is read back over REST.

use super::Browser;
use super::flows::ask;
use super::site::{sign_in, sign_out};
use crate::server::TestServer;
use axum::response::Html;
use axum::routing::get;
use serde_json::json;
use warden::people::Role;

/// A request's status over REST, as an admin reads it.
async fn status(s: &TestServer, id: &str) -> String {
    let (code, r) = s.get(&format!("/v1/requests/{id}")).await;
    assert_eq!(code, 200, "{r}");
    r["status"].as_str().unwrap().to_owned()
}

/// Waits (bounded) until the request's status is `want`.
pub async fn wait_for_status(s: &TestServer, id: &str, want: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = status(s, id).await;
        if now == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{id} stayed {now}, never {want}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A POST of `fields` to `path` with `cookie` (the browser's session), as a script would.
async fn forge(s: &TestServer, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> u16 {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let mut req = client.post(format!("{}{path}", s.base)).form(fields);
    if let Some(c) = cookie {
        req = req.header(reqwest::header::COOKIE, format!("warden_session={c}"));
    }
    req.send().await.unwrap().status().as_u16()
}

/// Another site's page with a form that posts to `action` (same host, another port: the same
/// site to the browser, so the SameSite=Lax session cookie goes along; only the CSRF token
/// stops it).
async fn evil_site(action: String) -> String {
    let page = format!(
        "<!doctype html><html><body><h1>Win a prize</h1>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"csrf\" value=\"guess\">\
         <button type=\"submit\">Claim</button></form></body></html>"
    );
    let app = axum::Router::new().route("/", get(move || async move { Html(page) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

#[tokio::test]
async fn a_requester_sees_no_approve_and_forged_posts_change_nothing() {
    let s = TestServer::start().await;
    let alice = s.token_for("alice", Role::Requester, None).await;
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let id = ask(
        &s,
        &alice,
        json!({"resources": ["prod.finance.invoices"], "privileges": ["SELECT"],
               "reason": "quarter close", "duration": "2w"}),
    )
    .await;
    let approve = format!("/requests/{id}/approve");
    let Some(b) = Browser::start().await else {
        return;
    };

    // The requester's own open request: no Approve, no Deny (Delete is hers to press).
    sign_in(&b, &s.base, &alice).await;
    b.goto(&format!("{}/requests/{id}", s.base)).await;
    b.wait_for_text(&id).await;
    b.wait_for_text("finance.invoices").await;
    assert!(!b.has_button("Approve").await, "{}", b.text().await);
    assert!(!b.has_button("Deny").await, "{}", b.text().await);
    // Her session's cookie and CSRF token, as a script in her browser could read them.
    let alice_cookie = b.cookie("warden_session").await.expect("a session");
    let alice_csrf = b.attr("input[name=csrf]", "value").await.expect("a token");

    // A requester's session with its own valid token: refused by the service's rule.
    let code = forge(&s, &approve, Some(&alice_cookie), &[("csrf", &alice_csrf)]).await;
    assert_eq!(code, 403, "a requester approving");
    assert_eq!(status(&s, &id).await, "open");
    sign_out(&b).await;

    sign_in(&b, &s.base, &carol).await;
    let carol_cookie = b.cookie("warden_session").await.expect("a session");
    let carol_csrf = b.attr("input[name=csrf]", "value").await.expect("a token");
    // A reviewer's session without a token, with a wrong one, with the requester's: refused.
    for fields in [
        vec![],
        vec![("csrf", "")],
        vec![("csrf", "0123456789abcdef")],
        vec![("csrf", alice_csrf.as_str())],
    ] {
        let code = forge(&s, &approve, Some(&carol_cookie), &fields).await;
        assert_eq!(code, 403, "{fields:?}");
        assert_eq!(status(&s, &id).await, "open", "{fields:?}");
    }
    // No session at all, even with a token.
    assert_eq!(
        forge(&s, &approve, None, &[("csrf", &carol_csrf)]).await,
        401
    );
    assert_eq!(status(&s, &id).await, "open");

    // Another site's form, submitted from the reviewer's own browser with her cookie.
    let evil = evil_site(format!("{}{approve}", s.base)).await;
    b.goto(&evil).await;
    b.click_button("Claim").await;
    b.wait_for_text("CSRF").await;
    assert_eq!(status(&s, &id).await, "open", "the forged form changed it");
    b.console_errors().await;

    // The reviewer's own page: the button is there and works.
    b.goto(&format!("{}/requests/{id}", s.base)).await;
    b.click_button("Approve").await;
    wait_for_status(&s, &id, "approved").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
