//! The issue's main flow in Chromium over a real PostgreSQL: a requester asks, a reviewer
//! approves choosing a role as the grantee and a shorter expiry, the grant lands on the platform
//! (`has_table_privilege`), the reviewer revokes it, it goes, and the audit page shows both.

use super::Browser;
use super::site::{PgSite, sign_in, sign_out};
use serde_json::json;

/// The table alice asks for, by its full name (database, schema, table).
const TABLE: &str = "postgres.finance.invoices";

#[tokio::test]
async fn ask_approve_with_a_role_and_a_shorter_expiry_then_revoke() {
    let site = PgSite::start().await;
    assert!(!site.has("analysts", "finance.invoices", "SELECT").await);
    let Some(b) = Browser::start().await else {
        return;
    };

    // alice asks: the search lists the table from the first letter she types.
    sign_in(&b, &site.base, &site.alice).await;
    b.click_link("New request").await;
    b.wait_for_url("/requests/new").await;
    b.type_slowly("#q", "i").await;
    b.wait_for_text(TABLE).await;
    b.type_more("#q", "nvoi").await;
    b.wait_for_text(TABLE).await;
    b.click_button_in_row(TABLE, "Choose").await;
    b.wait_for(".chosen-resource").await;
    b.click("input[name=privilege][value=SELECT]").await;
    b.fill("#reason", "quarter close").await;
    b.fill("#duration", "2w").await;
    b.click_button("Create request").await;
    b.wait_for_url("/requests/req_").await;
    let url = b.current_url().await;
    let id = url.rsplit('/').next().unwrap().to_owned();
    b.wait_for_text("quarter close").await;
    let r = site.request(&id).await;
    assert_eq!(r["status"], "open", "{r}");
    assert_eq!(r["requester"], "alice", "{r}");
    assert_eq!(r["resources"][0]["name"], TABLE, "{r}");
    assert_eq!(r["privileges"], json!(["SELECT"]), "{r}");
    assert_eq!(r["duration"], "2w", "{r}");
    b.assert_no_console_errors().await;
    sign_out(&b).await;

    // carol reviews: the role analysts as the grantee, 3 days instead of 2 weeks.
    sign_in(&b, &site.base, &site.carol).await;
    b.click_link(&id).await;
    b.wait_for_url(&format!("/requests/{id}")).await;
    b.wait_for_text("Who newly gains access").await;
    b.click("input[name='grantee.wh'][value='analysts']").await;
    // The card says who newly gains access through the role: its members.
    b.wait_for_text("Through analysts").await;
    b.wait_for_text("bob").await;
    b.fill("input[name=duration]", "3d").await;
    b.fill("input[name=reason]", "for the close only").await;
    b.scroll_to("section.card:has(form.review)").await;
    b.screenshot_for_docs("review.png").await;
    b.assert_no_console_errors().await;
    b.click_button("Approve").await;

    let r = site.wait_for_status(&id, "active").await;
    assert_eq!(r["grantees"][0]["identity"], "analysts", "{r}");
    assert_eq!(r["duration"], "3d", "{r}");
    let expires = chrono::DateTime::parse_from_rfc3339(r["expires_at"].as_str().unwrap()).unwrap();
    let activated =
        chrono::DateTime::parse_from_rfc3339(r["activated_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - activated).num_seconds(), 3 * 86_400, "{r}");
    assert!(site.has("analysts", "finance.invoices", "SELECT").await);
    assert!(
        site.has("bob", "finance.invoices", "SELECT").await,
        "through analysts"
    );

    // The page shows it active, with Revoke; carol revokes it.
    b.goto(&format!("{}/requests/{id}", site.base)).await;
    b.wait_for_text("active").await;
    b.click_button("Revoke").await;
    site.wait_for_status(&id, "closed").await;
    assert!(!site.has("analysts", "finance.invoices", "SELECT").await);
    b.goto(&format!("{}/requests/{id}", site.base)).await;
    b.wait_for_text("No actions available").await;
    b.assert_no_console_errors().await;

    // The audit page, filtered to this request: carol's approval and her revocation, and
    // Warden's grant and revoke on the platform, on a verified chain.
    b.click_link("Audit").await;
    b.wait_for_url("/audit").await;
    b.wait_for_text("Chain verified").await;
    b.fill("input[name=request]", &id).await;
    b.click_button("Filter").await;
    b.wait_for_url(&format!("request={id}")).await;
    for (actor, kind) in [
        ("carol", "approved"),
        ("warden", "provisioned"),
        ("carol", "revoke_requested"),
        ("warden", "revoked"),
    ] {
        let row = format!(
            "//table[contains(@class, 'audit')]//tr[td[3][normalize-space(.)='{actor}']]\
             [td[4][normalize-space(.)='{kind}']][td[5][normalize-space(.)='{id}']]"
        );
        assert!(
            b.has_xpath(&row).await,
            "no {kind} by {actor}: {}",
            b.text().await
        );
    }
    b.wait_for_text(r#""narrowed":{"duration":{"approved":"3d","asked":"2w"}}"#)
        .await;
    b.assert_no_console_errors().await;
    b.close().await;
}
