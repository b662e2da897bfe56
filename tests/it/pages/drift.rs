//! `/drift` over real HTTP: a request whose provisioning failed is listed with `Retry` for
//! admins, and the button retries it as `POST /v1/requests/{id}/retry` does; a reviewer sees no
//! button and a forged retry from anyone but an admin is refused as REST refuses it.

use super::{Visitor, buttons};
use crate::server::TestServer;
use serde_json::{Value, json};
use warden::people::Role;
use warden::store::drift::{DriftKind, NewDrift};

/// The demo's warehouse pointed at a port nobody listens on: Warden provisions it, and fails.
/// One attempt, so that the job gives up and the request is `failed` at once.
const UNREACHABLE: &str = "[[connections]]\nname = \"warehouse\"\nplatform = \"postgres\"\n\
     url = \"postgres://warden@127.0.0.1:9/acme\"\n\n[jobs]\nbackoff = \"1s\"\nmax_attempts = 1\n";

/// The request as REST shows it, once the job runner has settled it into `want`.
async fn settled(s: &TestServer, id: &str, want: &str) -> Value {
    for _ in 0..600 {
        let (status, r) = s.get(&format!("/v1/requests/{id}")).await;
        assert_eq!(status, 200, "{r}");
        if r["status"] == want {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{id} never became {want}");
}

fn kinds(r: &Value) -> Vec<&str> {
    r["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect()
}

/// A request of maya's on the warehouse, approved and failed.
async fn failed_request(s: &TestServer) -> String {
    let maya = s.token_for("maya", Role::Requester, None).await;
    let body = json!({"resources": ["finance.invoices"], "privileges": ["SELECT"],
                      "duration": "1w", "reason": "quarter close"});
    let (status, r) = s.post_as(&maya, "/v1/requests", &body.to_string()).await;
    assert_eq!(status, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    let (status, r) = s.post(&format!("/v1/requests/{id}/approve"), "{}").await;
    assert_eq!(status, 200, "{r}");
    let r = settled(s, &id, "failed").await;
    assert!(r["error"].as_str().is_some_and(|e| !e.is_empty()), "{r}");
    id
}

#[tokio::test]
async fn an_admin_sees_a_failed_request_and_retries_it_from_the_page() {
    let s = TestServer::start_with_config(UNREACHABLE).await;
    let id = failed_request(&s).await;
    let (_, before) = s.get(&format!("/v1/requests/{id}")).await;
    let failures = kinds(&before).iter().filter(|k| **k == "failed").count();

    let mut admin = Visitor::signed_in(&s, "vera", Role::Admin).await;
    let page = admin.get("/drift").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("<tr id=\"failed-{id}\">")),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("action=\"/drift/retry/{id}\"")));
    assert!(buttons(&page.body).contains(&"Retry".to_string()));
    assert!(page.body.contains(&format!("<a href=\"/requests/{id}\">")));
    assert!(page.body.contains("No open drift."));

    // A sync that finds Warden's grant gone leaves an open drift record: listed as REST lists it.
    let found = NewDrift {
        request_id: id.clone(),
        kind: DriftKind::Missing,
        detail: json!({"privilege": "SELECT", "resource": "prod.finance.<invoices>"}),
    };
    s.app
        .store
        .reconcile_drift("warehouse", &[found], "2030-01-01T00:00:00.000000Z")
        .await
        .unwrap();
    let (_, rest) = s.get("/v1/drift").await;
    let record = &rest["items"][0];
    let page = admin.get("/drift").await;
    assert!(!page.body.contains("No open drift."));
    assert!(page.body.contains(&format!(
        "<td>{}</td>",
        record["connection"].as_str().unwrap()
    )));
    assert!(page.body.contains(">missing</span>"));
    assert!(
        page.body.contains("prod.finance.&#60;invoices&#62;"),
        "{}",
        page.body
    );
    assert!(page.body.contains(record["found_at"].as_str().unwrap()));

    let retried = admin
        .post_from("/drift", &format!("/drift/retry/{id}"), &[])
        .await;
    assert_eq!(retried.status, 303, "{}", retried.body);
    assert_eq!(retried.location.as_deref(), Some("/drift"));
    // Provisioned again (and failed again: the warehouse is still unreachable).
    let (_, r) = s.get(&format!("/v1/requests/{id}")).await;
    assert!(kinds(&r).contains(&"retried"), "{r}");
    let after = settled(&s, &id, "failed").await;
    let again = kinds(&after).iter().filter(|k| **k == "failed").count();
    assert!(
        again > failures,
        "a second attempt ran: {:?}",
        kinds(&after)
    );
    let retried_by = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "retried")
        .unwrap();
    assert_eq!(retried_by["actor"], "vera");
}

#[tokio::test]
async fn only_an_admin_may_retry_whatever_the_page_shows() {
    let s = TestServer::start_with_config(UNREACHABLE).await;
    let id = failed_request(&s).await;
    let retry = format!("/drift/retry/{id}");
    for (name, role) in [("rita", Role::Reviewer), ("maya", Role::Requester)] {
        let token = s.token_for(name, role, None).await;
        let (rest_status, rest) = s
            .post_as(&token, &format!("/v1/requests/{id}/retry"), "{}")
            .await;
        assert!(rest_status == 403 || rest_status == 404, "{rest}");
        let mut v = Visitor::signed_in(&s, name, role).await;
        // A forged POST with the person's own valid CSRF token (from a page they may see).
        let forged = v.post_from("/chat", &retry, &[]).await;
        assert_eq!(forged.status, rest_status, "{name}: {}", forged.body);
        let page = v.get("/drift").await;
        assert!(
            !buttons(&page.body).contains(&"Retry".to_string()),
            "{name}"
        );
    }
    // Reviewers read drift and failures as they read the log; requesters are refused both.
    let mut rita = Visitor::signed_in(&s, "rita", Role::Reviewer).await;
    let page = rita.get("/drift").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("<tr id=\"failed-{id}\">")));
    let maya = s.token_for("maya", Role::Requester, None).await;
    let (rest_status, _) = s.get_as(&maya, "/v1/drift").await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    assert_eq!(v.get("/drift").await.status, rest_status);
    // And an admin's POST without the CSRF token changes nothing.
    let mut admin = Visitor::signed_in(&s, "vera", Role::Admin).await;
    let forged = admin.post(&retry, &[]).await;
    assert_eq!(forged.status, 403);
    let (_, r) = s.get(&format!("/v1/requests/{id}")).await;
    assert_eq!(r["status"], "failed");
    assert!(!kinds(&r).contains(&"retried"), "{r}");
}
