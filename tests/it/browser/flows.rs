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

/// Requests in most states, from several people (a list worth looking at).
pub struct Seeded {
    pub open: String,
    pub approved: String,
    pub active: String,
    pub denied: String,
    pub closed: String,
}

/// Seeds one request per state: alice's open, maya's approved (waiting for an admin: the demo's
/// connections come from files), bob's active, dan's denied, erin's revoked (closed).
pub async fn seed(s: &TestServer) -> Seeded {
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let victor = s.token_for("victor", Role::Admin, None).await;
    let mut ids = Vec::new();
    for (who, resource, privilege, duration, reason) in [
        (
            "alice",
            "prod.finance.invoices",
            "SELECT",
            "2w",
            "quarter close",
        ),
        ("maya", "prod.crm.leads", "SELECT", "1w", "pipeline review"),
        (
            "bob",
            "prod.billing.payments",
            "SELECT",
            "3d",
            "refund audit",
        ),
        ("dan", "prod.people.salaries", "SELECT", "1d", "curious"),
        (
            "erin",
            "prod.sales.orders",
            "INSERT",
            "8h",
            "backfill a missed load",
        ),
    ] {
        let token = s.token_for(who, Role::Requester, None).await;
        let body = json!({"resources": [resource], "privileges": [privilege],
                          "reason": reason, "duration": duration});
        ids.push(ask(s, &token, body).await);
    }
    let act = |token: &str, id: &str, action: &str| {
        let (token, path) = (token.to_owned(), format!("/v1/requests/{id}/{action}"));
        async move {
            let (status, r) = s.post_as(&token, &path, "{}").await;
            assert_eq!(status, 200, "{path}: {r}");
        }
    };
    act(&carol, &ids[1], "approve").await;
    act(&carol, &ids[2], "approve").await;
    act(&victor, &ids[2], "provisioned").await;
    act(&carol, &ids[3], "deny").await;
    act(&carol, &ids[4], "approve").await;
    act(&victor, &ids[4], "provisioned").await;
    act(&carol, &ids[4], "revoke").await;
    let [open, approved, active, denied, closed] = <[String; 5]>::try_from(ids).unwrap();
    Seeded {
        open,
        approved,
        active,
        denied,
        closed,
    }
}

#[tokio::test]
async fn signing_in_shows_the_requests_and_signing_out_ends_the_session() {
    let s = TestServer::start().await;
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let Seeded { open, denied, .. } = seed(&s).await;
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
    // The console logs that 401: read it away.
    let refused = b.console_errors().await.join("\n");
    assert!(refused.contains("401"), "{refused}");

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
    // The pages' own files load, and the Content-Security-Policy refuses nothing they do.
    b.assert_no_console_errors().await;

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

#[tokio::test]
async fn the_resource_filter_narrows_the_list() {
    let s = TestServer::start().await;
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let Seeded { open, denied, .. } = seed(&s).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    sign_in(&b, &s.base, &carol).await;
    b.fill("input[name=resource]", "finance.invoices").await;
    b.click_button("Filter").await;
    b.wait_for_url("resource=finance.invoices").await;
    b.wait_for_text(&open).await;
    assert!(!b.text().await.contains(&denied), "{}", b.text().await);
    b.close().await;
}

/// Every action button a request's page may show (INTERFACE.md "Web pages").
const ACTIONS: [&str; 7] = [
    "Approve",
    "Deny",
    "Delete",
    "Revoke",
    "Extend",
    "Retry",
    "Mark provisioned",
];

/// The action buttons on the page now.
async fn actions_shown(b: &Browser) -> Vec<&'static str> {
    let mut shown = Vec::new();
    for a in ACTIONS {
        if b.has_button(a).await {
            shown.push(a);
        }
    }
    shown
}

#[tokio::test]
async fn each_state_shows_exactly_its_actions_and_closed_ones_none() {
    let s = TestServer::start().await;
    let seeded = seed(&s).await;
    let alice = s.token_for("alice", Role::Requester, None).await;
    let deleted = ask(
        &s,
        &alice,
        json!({"resources": ["prod.crm.leads"], "privileges": ["SELECT"],
               "reason": "mistake", "duration": "1d"}),
    )
    .await;
    let r = s
        .client
        .delete(format!("{}/v1/requests/{deleted}", s.base))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204, "{}", r.text().await.unwrap());
    let Some(b) = Browser::start().await else {
        return;
    };
    // An admin sees every action a state allows anyone (the requester's Extend and Delete are
    // the requester's, so they are not here).
    sign_in(&b, &s.base, &s.token).await;
    for (id, expected) in [
        (&seeded.open, &["Approve", "Deny", "Delete"][..]),
        (&seeded.approved, &["Mark provisioned"][..]),
        (&seeded.active, &["Revoke"][..]),
        (&seeded.denied, &[][..]),
        (&seeded.closed, &[][..]),
        (&deleted, &[][..]),
    ] {
        b.goto(&format!("{}/requests/{id}", s.base)).await;
        b.wait_for_text(id).await;
        if expected.is_empty() {
            b.wait_for_text("No actions available").await;
        }
        let shown = actions_shown(&b).await;
        assert_eq!(shown, expected, "{id}: {}", b.text().await);
        b.assert_no_console_errors().await;
    }
    b.close().await;
}
