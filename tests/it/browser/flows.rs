//! The dashboard in a real Chromium against the real server on port 0, as people use it: signing
//! in and out, the requests list and its filters.

use super::Browser;
use super::site::{sign_in, sign_out};
use crate::server::TestServer;
use serde_json::{Value, json};
use warden::people::Role;

/// Creates a request over REST as the holder of `token`; returns its id.
pub async fn ask(s: &TestServer, token: &str, body: Value) -> String {
    let (status, r) = s.post_as(token, "/v1/requests", &body.to_string()).await;
    assert_eq!(status, 201, "{r}");
    r["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn signing_in_shows_the_requests_and_signing_out_ends_the_session() {
    let s = TestServer::start().await;
    let alice = s.token_for("alice", Role::Requester, None).await;
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let open = ask(
        &s,
        &alice,
        json!({"resources": ["finance.invoices"], "privileges": ["SELECT"],
               "reason": "quarter close", "duration": "2w"}),
    )
    .await;
    let denied = ask(
        &s,
        &alice,
        json!({"resources": ["prod.sales.orders"], "privileges": ["SELECT"],
               "reason": "pipeline review", "duration": "1w"}),
    )
    .await;
    let (status, r) = s
        .post_as(&carol, &format!("/v1/requests/{denied}/deny"), "{}")
        .await;
    assert_eq!(status, 200, "{r}");
    let Some(b) = Browser::start().await else {
        return;
    };

    // Not signed in: the sign-in page, and a wrong token is refused there.
    b.goto(&format!("{}/requests", s.base)).await;
    b.wait_for_url("/login").await;
    b.fill("input[name=token]", "wdn_not_a_token").await;
    b.click_button("Sign in").await;
    b.wait_for_text("that token is unknown").await;
    assert_eq!(b.cookie("warden_session").await, None);

    sign_in(&b, &s.base, &carol).await;
    let session = b
        .cookies()
        .await
        .into_iter()
        .find(|c| c.name() == "warden_session")
        .expect("the session cookie");
    assert_eq!(session.http_only(), Some(true));
    // (fantoccini does not re-export the cookie crate's SameSite.)
    assert_eq!(format!("{:?}", session.same_site()), "Some(Lax)");
    b.wait_for_text(&open).await;
    b.wait_for_text(&denied).await;
    b.screenshot_for_docs("requests.png").await;

    // The status filter narrows the list.
    b.select("select[name=status]", "denied").await;
    b.click_button("Filter").await;
    b.wait_for_url("status=denied").await;
    b.wait_for_text(&denied).await;
    assert!(!b.text().await.contains(&open), "{}", b.text().await);

    sign_out(&b).await;
    b.goto(&format!("{}/requests", s.base)).await;
    b.wait_for_url("/login").await;
    b.close().await;
}
