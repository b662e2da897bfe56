//! Platform names are text: roles named like markup, imported from a snapshot, show as the
//! characters they are on the identity pages, and nothing in them runs or becomes an element.

use super::Browser;
use super::site::sign_in;
use crate::server::TestServer;
use serde_json::json;

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(2)>";

#[tokio::test]
async fn a_role_named_like_markup_is_text_on_its_identity_page() {
    let s = TestServer::start().await;
    let snapshot = json!({
        "version": 1,
        "taken_at": "2026-12-01T00:00:00Z",
        "connections": [{
            "name": "hostile",
            "platform": "postgres",
            "identities": [
                {"name": "eve", "kind": "user"},
                {"name": SCRIPT, "kind": "role"},
                {"name": IMG, "kind": "role"}
            ],
            "memberships": [
                {"member": "eve", "role": SCRIPT},
                {"member": SCRIPT, "role": IMG}
            ],
            "resources": [
                {"kind": "database", "name": "db"},
                {"kind": "schema", "name": "db.s"},
                {"kind": "table", "name": "db.s.t"}
            ],
            "grants": [{"grantee": IMG, "privilege": "SELECT", "resource": "db.s.t"}]
        }]
    });
    let (status, r) = s.post("/v1/import", &snapshot.to_string()).await;
    assert_eq!(status, 200, "{r}");
    let Some(b) = Browser::start().await else {
        return;
    };
    sign_in(&b, &s.base, &s.token).await;
    // A demo identity's page, for the README.
    b.goto(&format!("{}/identities/warehouse/alice", s.base))
        .await;
    b.wait_for_text("alice").await;
    b.assert_no_console_errors().await;
    b.screenshot_for_docs("identity.png").await;

    // eve's page lists the role she is in; its link leads to the role's own page.
    b.goto(&format!("{}/identities/hostile/eve", s.base)).await;
    names_are_text(&b, "eve's page").await;
    b.click_link(SCRIPT).await;
    b.wait_for_url("/identities/hostile/%3C").await;
    names_are_text(&b, "the role's page").await;
    b.close().await;
}

/// Both names show as their characters, no alert opened, no element came out of them.
async fn names_are_text(b: &Browser, page: &str) {
    b.wait_for_text(SCRIPT).await;
    b.wait_for_text(IMG).await;
    assert_eq!(b.alert_text().await, None, "{page}: an alert opened");
    let injected = b
        .client()
        .execute(
            "return document.querySelectorAll('script:not([src]), img, [onerror]').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(injected, json!(0), "{page}: {}", b.source().await);
    b.assert_no_console_errors().await;
}
