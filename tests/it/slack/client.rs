//! `warden::slack::client::SlackClient` against the fake Web API: every method the notifications
//! use, and how 429s, 500s, Slack's `ok: false`, an unreachable Slack and a wrong token come back.

use super::fake::{self, FakeSlack};
use serde_json::json;
use std::time::Duration;
use warden::config::Secret;
use warden::slack::client::{AuthTest, Posted, SlackClient, SlackError};

const TOKEN: &str = "xoxb-test-0123456789-abcdefTOKEN";
const CHANNEL: &str = "C0REVIEWERS";

async fn fake_and_client() -> (FakeSlack, SlackClient) {
    let fake = FakeSlack::start(TOKEN).await;
    let client = client_of(&fake, TOKEN);
    (fake, client)
}

fn client_of(fake: &FakeSlack, token: &str) -> SlackClient {
    SlackClient::new(&fake.url, Secret::new(token), Duration::from_secs(10)).unwrap()
}

#[tokio::test]
async fn a_message_is_posted_then_updated_in_place() {
    let (fake, client) = fake_and_client().await;
    let blocks =
        json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*maya* asks for SELECT"}}]);
    let posted = client
        .post_message(
            &json!({"channel": CHANNEL, "text": "maya asks for SELECT", "blocks": blocks}),
        )
        .await
        .unwrap();
    assert_eq!(posted.channel, CHANNEL);
    let messages = fake.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].ts, posted.ts);
    assert_eq!(messages[0].blocks, blocks);
    assert_eq!(messages[0].updates, 0);

    let approved =
        json!([{"type": "section", "text": {"type": "mrkdwn", "text": "Approved by *lee*"}}]);
    client
        .update(
            &posted.channel,
            &posted.ts,
            &json!({"text": "approved", "blocks": approved}),
        )
        .await
        .unwrap();
    let messages = fake.messages();
    assert_eq!(messages.len(), 1, "an update posts nothing new");
    assert_eq!(messages[0].text, "approved");
    assert_eq!(messages[0].blocks, approved);
    assert_eq!(messages[0].updates, 1);

    // The update went as JSON with channel and ts merged in.
    let call = &fake.ok_calls_to("chat.update")[0];
    assert_eq!(call.args["channel"], CHANNEL);
    assert_eq!(call.args["ts"], posted.ts.as_str());
    assert_eq!(
        call.args["blocks"], approved,
        "blocks travel as JSON, not as text"
    );

    // Updating a message that does not exist is Slack's message_not_found, not retried.
    let e = client
        .update(CHANNEL, "1.000000", &json!({"text": "x"}))
        .await
        .unwrap_err();
    assert_eq!(e.api_error(), Some("message_not_found"), "{e}");
    assert!(!e.retryable());
}

#[tokio::test]
async fn a_thread_reply_and_a_direct_message() {
    let (fake, client) = fake_and_client().await;
    let parent = client
        .post_message(&json!({"channel": CHANNEL, "text": "request #1"}))
        .await
        .unwrap();
    let reply = client
        .post_message(
            &json!({"channel": CHANNEL, "text": "approved by lee", "thread_ts": parent.ts}),
        )
        .await
        .unwrap();
    assert!(reply.ts > parent.ts, "{reply:?} after {parent:?}");
    let replies = fake.replies_to(&parent.ts);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].text, "approved by lee");
    assert_eq!(fake.top_level_in(CHANNEL).len(), 1);

    // A user id as channel: Slack answers the DM channel, which is what updates must name.
    let dm = client
        .post_message(&json!({"channel": "U0MAYA", "text": "your request is approved"}))
        .await
        .unwrap();
    assert_eq!(
        dm,
        Posted {
            channel: FakeSlack::dm_channel("U0MAYA"),
            ts: dm.ts.clone()
        }
    );
    assert_eq!(fake.dms_to("U0MAYA").len(), 1);
    client
        .update(&dm.channel, &dm.ts, &json!({"text": "provisioned"}))
        .await
        .unwrap();
    assert_eq!(fake.dms_to("U0MAYA")[0].text, "provisioned");
}

#[tokio::test]
async fn an_ephemeral_message() {
    let (fake, client) = fake_and_client().await;
    client
        .post_ephemeral(
            CHANNEL,
            "U0MAYA",
            "you cannot approve your own request",
            Some("1700000000.000100"),
        )
        .await
        .unwrap();
    let eph = fake.ephemerals();
    assert_eq!(eph.len(), 1);
    assert_eq!(eph[0].args["user"], "U0MAYA");
    assert_eq!(eph[0].args["channel"], CHANNEL);
    assert_eq!(eph[0].args["text"], "you cannot approve your own request");
    assert_eq!(eph[0].args["thread_ts"], "1700000000.000100");
    assert!(
        fake.messages().is_empty(),
        "an ephemeral is not a channel message"
    );
}

#[tokio::test]
async fn users_by_id_and_by_email() {
    let (fake, client) = fake_and_client().await;
    fake.add_user("U0MAYA", "maya@example.com");
    fake.add_user("U0NOMAIL", "");
    assert_eq!(
        client.user_email("U0MAYA").await.unwrap().as_deref(),
        Some("maya@example.com")
    );
    assert_eq!(client.user_email("U0NOMAIL").await.unwrap(), None);
    assert_eq!(client.user_email("U0NOBODY").await.unwrap(), None);
    assert_eq!(
        client
            .lookup_by_email("maya@example.com")
            .await
            .unwrap()
            .as_deref(),
        Some("U0MAYA")
    );
    assert_eq!(
        client.lookup_by_email("nobody@example.com").await.unwrap(),
        None
    );

    // Read methods go form-encoded (Slack reads JSON only on writes): the fake saw form fields.
    let call = &fake.calls_to("users.info")[0];
    assert_eq!(call.args, json!({"user": "U0MAYA"}));
    assert_eq!(call.content_type, "application/x-www-form-urlencoded");
    let call = &fake.calls_to("users.lookupByEmail")[0];
    assert_eq!(call.content_type, "application/x-www-form-urlencoded");
    assert_eq!(
        fake.calls_to("users.info")[2].answer["error"],
        "user_not_found"
    );
}

#[tokio::test]
async fn a_modal_is_opened() {
    let (fake, client) = fake_and_client().await;
    let view = json!({"type": "modal", "callback_id": "deny",
                      "title": {"type": "plain_text", "text": "Deny"}, "blocks": []});
    client.open_view("trigger-1", &view).await.unwrap();
    let calls = fake.ok_calls_to("views.open");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].args["trigger_id"], "trigger-1");
    assert_eq!(calls[0].args["view"], view);
    assert!(calls[0].answer["view"]["id"].is_string());
    // Without a trigger_id Slack refuses the call.
    let e = client.open_view("", &view).await.unwrap_err();
    assert_eq!(e.api_error(), Some("invalid_arguments"), "{e}");
}

#[tokio::test]
async fn auth_test_names_the_bot() {
    let (fake, client) = fake_and_client().await;
    assert_eq!(
        client.auth_test().await.unwrap(),
        AuthTest {
            user_id: fake::BOT_USER_ID.into(),
            team_id: fake::TEAM_ID.into(),
            bot_id: Some(fake::BOT_ID.into()),
        }
    );
    let call = &fake.ok_calls_to("auth.test")[0];
    assert_eq!(call.args, json!({}));
    assert_eq!(call.content_type, "application/x-www-form-urlencoded");
}

#[tokio::test]
async fn a_429_is_rate_limited_with_its_retry_after_and_changes_nothing() {
    let (fake, client) = fake_and_client().await;
    fake.rate_limit_next(1, 7);
    let e = client
        .post_message(&json!({"channel": CHANNEL, "text": "hi"}))
        .await
        .unwrap_err();
    match &e {
        SlackError::RateLimited {
            method,
            retry_after,
        } => {
            assert_eq!(method, "chat.postMessage");
            assert_eq!(*retry_after, Duration::from_secs(7));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.retryable());
    assert_eq!(e.code(), "slack_rate_limited");
    assert!(fake.messages().is_empty());
    assert_eq!(fake.calls_to("chat.postMessage")[0].status, 429);
    // The next call goes through.
    client
        .post_message(&json!({"channel": CHANNEL, "text": "hi"}))
        .await
        .unwrap();
    assert_eq!(fake.messages().len(), 1);
}

#[tokio::test]
async fn a_500_is_a_retryable_status_and_a_down_slack_answers_500_until_up() {
    let (fake, client) = fake_and_client().await;
    fake.fail_next(1, 500);
    let e = client.auth_test().await.unwrap_err();
    assert!(
        matches!(&e, SlackError::Status { status: 500, method } if method == "auth.test"),
        "{e:?}"
    );
    assert!(e.retryable());
    assert_eq!(e.code(), "slack_http_status");

    fake.down(true);
    for _ in 0..3 {
        let e = client
            .post_message(&json!({"channel": CHANNEL, "text": "hi"}))
            .await
            .unwrap_err();
        assert!(matches!(e, SlackError::Status { status: 500, .. }), "{e:?}");
    }
    assert!(fake.messages().is_empty(), "a failing Slack keeps nothing");
    fake.down(false);
    client
        .post_message(&json!({"channel": CHANNEL, "text": "hi"}))
        .await
        .unwrap();
    assert_eq!(fake.messages().len(), 1);
    assert_eq!(fake.calls_to("chat.postMessage").len(), 4);
    assert_eq!(fake.ok_calls_to("chat.postMessage").len(), 1);
}

#[tokio::test]
async fn a_wrong_token_is_invalid_auth_not_retried_and_never_printed() {
    let fake = FakeSlack::start(TOKEN).await;
    let wrong = "xoxb-wrong-9876543210-SECRETSECRET";
    let client = client_of(&fake, wrong);
    let e = client
        .post_message(&json!({"channel": CHANNEL, "text": "hi"}))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SlackError::Api { error, .. } if error == "invalid_auth"),
        "{e:?}"
    );
    assert!(!e.retryable());
    assert_eq!(e.code(), "slack_api_error");
    for text in [e.to_string(), format!("{e:?}"), format!("{client:?}")] {
        assert!(!text.contains("SECRETSECRET"), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
    }
    assert!(fake.messages().is_empty());
    // The fake saw the header (so the test can fail): it refused that token, not a missing one.
    assert_eq!(fake.calls()[0].answer["error"], "invalid_auth");
}

#[tokio::test]
async fn an_unreachable_slack_is_a_retryable_transport_error_without_the_token() {
    // A port nothing listens on: bound, then closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = SlackClient::new(
        &format!("http://127.0.0.1:{port}/api"),
        Secret::new(TOKEN),
        Duration::from_secs(10),
    )
    .unwrap();
    let e = client.auth_test().await.unwrap_err();
    assert!(matches!(e, SlackError::Transport { .. }), "{e:?}");
    assert!(e.retryable());
    assert_eq!(e.code(), "slack_unreachable");
    assert!(!e.to_string().contains(TOKEN), "{e}");
    assert!(!e.to_string().contains('\n'), "{e}");
    assert!(e.to_string().starts_with("slack auth.test: "), "{e}");
}

#[tokio::test]
async fn slack_errors_and_missing_arguments_come_back_as_api_errors() {
    let (fake, client) = fake_and_client().await;
    let e = client
        .call("chat.unknownThing", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.api_error(), Some("unknown_method"), "{e}");
    assert_eq!(e.to_string(), "slack chat.unknownThing: unknown_method");
    let e = client
        .post_message(&json!({"channel": CHANNEL}))
        .await
        .unwrap_err();
    assert_eq!(e.api_error(), Some("invalid_arguments"), "{e}");
    // A method name that would change the URL's path is refused before any call.
    let e = client.call("../admin", &json!({})).await.unwrap_err();
    assert!(matches!(e, SlackError::Config(_)), "{e:?}");
    assert_eq!(fake.calls().len(), 2);
    // `call` answers Slack's whole document.
    let doc = client
        .call(
            "chat.postMessage",
            &json!({"channel": CHANNEL, "text": "raw"}),
        )
        .await
        .unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["message"]["text"], "raw");
}

#[tokio::test]
async fn the_fake_reads_form_bodies_and_refuses_a_missing_token() {
    let fake = FakeSlack::start(TOKEN).await;
    let http = reqwest::Client::new();
    let answer: serde_json::Value = http
        .post(format!("{}/chat.postMessage", fake.url))
        .bearer_auth(TOKEN)
        .form(&[
            ("channel", CHANNEL),
            ("text", "form"),
            ("blocks", r#"[{"type":"divider"}]"#),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(fake.messages()[0].blocks, json!([{"type": "divider"}]));
    let answer: serde_json::Value = http
        .post(format!("{}/auth.test", fake.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer, json!({"ok": false, "error": "not_authed"}));
}

#[tokio::test]
async fn wait_until_returns_once_asynchronous_work_is_seen() {
    let (fake, client) = fake_and_client().await;
    let posting = tokio::spawn(async move {
        client
            .post_message(&json!({"channel": CHANNEL, "text": "later"}))
            .await
            .unwrap()
    });
    fake.wait_until("posted", |f| f.messages().len() == 1).await;
    posting.await.unwrap();
    assert_eq!(fake.messages()[0].text, "later");
}
