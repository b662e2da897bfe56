//! `/chat` over real HTTP: the page answers as `POST /v1/chat` answers the same person, with the
//! tool calls behind it; a conversation goes on across turns; a drafted request links to its
//! page; htmx gets the turn alone to append; and hostile messages never give a 500.

use super::{Answer, Visitor, csrf_of, escape};
use crate::server::TestServer;
use serde_json::{Value, json};
use warden::people::Role;

/// The conversation id the page's form carries.
fn conversation_of(html: &str) -> String {
    let at = html
        .find("id=\"conversation\" name=\"conversation\" value=\"")
        .unwrap()
        + "id=\"conversation\" name=\"conversation\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// Posts the form as a browser without JavaScript would: the raw answer.
async fn post_chat(v: &mut Visitor, message: &str, conversation: &str) -> Answer {
    v.post_from(
        "/chat",
        "/chat",
        &[("message", message), ("conversation", conversation)],
    )
    .await
}

/// Asks without JavaScript: the form is answered with a redirect to the conversation, whose
/// page is returned.
async fn ask(v: &mut Visitor, message: &str, conversation: &str) -> Answer {
    let posted = post_chat(v, message, conversation).await;
    assert_eq!(
        posted.status, 303,
        "{message:.60} in {conversation:?}: {}",
        posted.body
    );
    let to = posted.location.unwrap();
    assert!(to.starts_with("/chat?conversation=c_"), "{to}");
    let page = v.get(&to).await;
    assert_eq!(page.status, 200, "{message:.60}: {}", page.body);
    page
}

/// Asks as htmx does: the same form, with `HX-Request: true`.
/// Its status and body (the fragment htmx appends).
async fn ask_htmx(v: &mut Visitor, message: &str, conversation: &str) -> (u16, String) {
    let (status, _, body) = ask_htmx_pushing(v, message, conversation).await;
    (status, body)
}

/// As [`ask_htmx`], with the address htmx is told to push (`HX-Push-Url`).
async fn ask_htmx_pushing(
    v: &mut Visitor,
    message: &str,
    conversation: &str,
) -> (u16, Option<String>, String) {
    let page = v.get("/chat").await;
    let csrf = csrf_of(&page.body).unwrap();
    let cookies: Vec<String> = v
        .cookies
        .iter()
        .map(|(k, val)| format!("{k}={val}"))
        .collect();
    let r = v
        .client
        .post(format!("{}/chat", v.base))
        .header("cookie", cookies.join("; "))
        .header("hx-request", "true")
        .form(&[
            ("csrf", csrf.as_str()),
            ("message", message),
            ("conversation", conversation),
        ])
        .send()
        .await
        .unwrap();
    let push = r
        .headers()
        .get("hx-push-url")
        .map(|h| h.to_str().unwrap().to_string());
    (r.status().as_u16(), push, r.text().await.unwrap())
}

async fn rest_chat(
    s: &TestServer,
    token: &str,
    message: &str,
    conversation: Option<&str>,
) -> Value {
    let mut body = json!({"message": message});
    if let Some(c) = conversation {
        body["conversation_id"] = json!(c);
    }
    let (status, reply) = s.post_as(token, "/v1/chat", &body.to_string()).await;
    assert_eq!(status, 200, "{reply}");
    reply
}

#[tokio::test]
async fn the_page_answers_as_rest_does_with_the_tool_calls_behind_it() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let empty = v.get("/chat").await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(super::buttons(&empty.body).contains(&"Ask".to_string()));
    assert!(empty.body.contains("name=\"message\""));
    assert!(empty.body.contains("hx-post=\"/chat\""));

    let q = "does maya have SELECT on sales.orders?";
    let rest = rest_chat(&s, &maya, q, None).await;
    let page = ask(&mut v, q, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&escape(q)), "the question is shown");
    assert!(
        page.body
            .contains(&escape(rest["answer"].as_str().unwrap())),
        "REST's answer {}: {}",
        rest["answer"],
        page.body
    );
    let calls = rest["tool_calls"].as_array().unwrap();
    assert!(!calls.is_empty());
    for c in calls {
        assert!(
            page.body.contains(&format!(
                "<td class=\"tool\">{}</td>",
                c["tool"].as_str().unwrap()
            )),
            "{c}"
        );
        assert!(
            page.body.contains(&escape(&c["arguments"].to_string())),
            "{c}"
        );
    }
    assert!(conversation_of(&page.body).starts_with("c_"));

    // A conversation goes on: the engine asks back, and the answer to that is understood, on
    // the page as over REST.
    let first = "who can read the customers table?";
    let rest1 = rest_chat(&s, &maya, first, None).await;
    let rest2 = rest_chat(
        &s,
        &maya,
        "RAW.STRIPE.CUSTOMERS",
        rest1["conversation_id"].as_str(),
    )
    .await;
    let page1 = ask(&mut v, first, "").await;
    assert!(
        page1
            .body
            .contains(&escape(rest1["answer"].as_str().unwrap()))
    );
    let conversation = conversation_of(&page1.body);
    let page2 = ask(&mut v, "RAW.STRIPE.CUSTOMERS", &conversation).await;
    assert_eq!(page2.status, 200, "{}", page2.body);
    assert_eq!(
        conversation_of(&page2.body),
        conversation,
        "the same conversation"
    );
    assert!(
        page2
            .body
            .contains(&escape(rest2["answer"].as_str().unwrap())),
        "{}: {}",
        rest2["answer"],
        page2.body
    );
    assert_ne!(rest1["answer"], rest2["answer"]);
    // The conversation's page shows its turns in order.
    let (a1, a2) = (
        page2.body.find(&escape(rest1["answer"].as_str().unwrap())),
        page2.body.find(&escape(rest2["answer"].as_str().unwrap())),
    );
    assert!(a1.unwrap() < a2.unwrap(), "both turns, oldest first");
}

#[tokio::test]
async fn htmx_gets_the_turn_alone_and_the_conversation_id_out_of_band() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let q = "does maya have SELECT on sales.orders?";
    let rest = rest_chat(&s, &maya, q, None).await;
    let (status, push, fragment) = ask_htmx_pushing(&mut v, q, "").await;
    assert_eq!(status, 200, "{fragment}");
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    assert!(fragment.contains(&escape(rest["answer"].as_str().unwrap())));
    assert!(
        fragment.starts_with("<article class=\"chat-turn"),
        "{fragment}"
    );
    let id = conversation_of(&fragment);
    assert!(id.starts_with("c_"));
    assert!(fragment.contains("hx-swap-oob=\"true\""));
    assert_eq!(
        push,
        Some(format!("/chat?conversation={id}")),
        "a reload shows it"
    );
    // The next turn continues it.
    let (status, next) = ask_htmx(&mut v, "who can read the customers table?", &id).await;
    assert_eq!(status, 200);
    assert_eq!(conversation_of(&next), id);
    // Shown again later, both turns are there.
    let again = v.get(&format!("/chat?conversation={id}")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body.matches("<article class=\"chat-turn").count(), 2);
    // A refusal is shown in the conversation (htmx swaps only a 200), never a 500.
    let (status, refused) = ask_htmx(&mut v, &"x".repeat(8_001), &id).await;
    assert_eq!(status, 200, "{refused}");
    assert!(refused.contains("class=\"error\""), "{refused}");
    assert!(refused.contains("8000 characters"), "{refused}");
}

#[tokio::test]
async fn a_request_drafted_in_chat_links_to_its_page() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let message = "I need read access to finance.invoices for 2 weeks because of the quarter close";
    let page = ask(&mut v, message, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (status, list) = s.get_as(&maya, "/v1/requests").await;
    assert_eq!(status, 200);
    let drafted = &list["items"][0];
    let id = drafted["id"].as_str().unwrap();
    assert_eq!(drafted["drafted_by"]["kind"], "ai");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(
        page.body.contains(&format!(
            "Drafted request: <a href=\"/requests/{id}\">{id}</a>"
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td class=\"tool\">create_access_request</td>")
    );
}

#[tokio::test]
async fn hostile_messages_never_give_a_500() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let long = "a".repeat(4_000);
    let wide = "🔐".repeat(4_000);
    for message in [
        "does maya have SELECT on “sales.orders”?",
        "can maya read ‘crm.leads’ 🙂🙂🙂?",
        "<script>alert(1)</script> who can read sales.orders?",
        "appr\u{200b}ove request 1",
        "\u{202e}I need read access to crm.leads for a week",
        "I need read access to billing.refunds for a week for the refund audit 🧾",
        "%00\0 null",
        long.as_str(),
        wide.as_str(),
    ] {
        let page = ask(&mut v, message, "").await;
        assert_eq!(page.status, 200, "{message:.40}: {}", page.body);
        assert!(!page.body.contains("<script>alert"), "escaped");
        let (status, _) = ask_htmx(&mut v, message, "").await;
        assert_eq!(status, 200, "{message:.40}");
    }
    // What the service refuses is a 400 page naming the field; a conversation that is not
    // yours is not found. Never a 500.
    for (message, conversation, status) in [
        ("   ", "", 400),
        ("x".repeat(8_001).as_str(), "", 400),
        ("hello", "c_not_mine", 404),
        ("hello", "' OR 1=1 --", 404),
    ] {
        let page = post_chat(&mut v, message, conversation).await;
        assert_eq!(page.status, status, "{}", page.body);
    }
    let other = s.token_for("omar", Role::Requester, None).await;
    let theirs = rest_chat(&s, &other, "can omar read crm.leads?", None).await;
    let theirs = theirs["conversation_id"].as_str().unwrap();
    let page = post_chat(&mut v, "and now?", theirs).await;
    assert_eq!(
        page.status, 404,
        "another person's conversation: {}",
        page.body
    );
    let page = v.get(&format!("/chat?conversation={theirs}")).await;
    assert_eq!(page.status, 404, "nor shown: {}", page.body);
    assert!(!page.body.contains("omar"), "{}", page.body);
    // Without the form's CSRF token, nothing is asked.
    let forged = v.post("/chat", &[("message", "hello")]).await;
    assert_eq!(forged.status, 403);
}
