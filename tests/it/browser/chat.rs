//! The chat page in Chromium: a question answered with its path, and a request drafted in chat
//! linked to its page, which the link opens.

use super::Browser;
use super::site::sign_in;
use crate::server::TestServer;
use warden::people::Role;

#[tokio::test]
async fn the_chat_answers_and_links_a_drafted_request_to_its_page() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    sign_in(&b, &s.base, &maya).await;
    b.click_link("Chat").await;
    b.wait_for_url("/chat").await;

    // A question: the answer, with the path that gives the access.
    b.fill(
        "textarea[name=message]",
        "does maya have SELECT on sales.orders?",
    )
    .await;
    b.click_button("Ask").await;
    b.wait_for_text("Yes.").await;
    b.wait_for_text("maya → sales_ops → sales_read → SELECT on prod.sales.orders")
        .await;
    b.wait_for_text("check_access").await;

    // A request drafted by the assistant: the answer links to the request's page.
    b.fill(
        "textarea[name=message]",
        "I need read access to finance.invoices for 2 weeks because of the quarter close",
    )
    .await;
    b.click_button("Ask").await;
    b.wait_for_text("drafted").await;
    b.wait_for("a[href^='/requests/req_']").await;
    b.screenshot_for_docs("chat.png").await;
    b.assert_no_console_errors().await;
    let href = b
        .attr("a[href^='/requests/req_']", "href")
        .await
        .expect("a link to the drafted request");
    let id = href.rsplit('/').next().unwrap().to_owned();
    b.click_link(&id).await;
    b.wait_for_url(&format!("/requests/{id}")).await;
    b.wait_for_text("prod.finance.invoices").await;
    b.wait_for_text("quarter close").await;
    let (status, r) = s.get(&format!("/v1/requests/{id}")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "open");
    assert_eq!(r["requester"], "maya");
    assert_eq!(r["drafted_by"]["kind"], "ai");
    b.close().await;
}
