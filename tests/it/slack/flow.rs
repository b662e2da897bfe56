//! The whole Slack flow on a real PostgreSQL and the real server, with Slack's Web API replaced by
//! the local fake and Slack's callbacks signed here as Slack signs them: a request appears in the
//! reviewers' channel, a reviewer's ✅ grants it on the platform, and everything that must change
//! nothing (the requester's own ✅, a stranger's, a bad signature, an old timestamp, a replay)
//! changes nothing.

use super::fake::FakeSlack;
use crate::pg::PgCluster;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, PgPool};
use std::time::{Duration, Instant};
use warden::app::App;
use warden::people::Role;
use warden::requests::Status;
use warden::slack::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};

pub const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
pub const TOKEN: &str = "xoxb-test-token";
pub const CHANNEL: &str = "C0REVIEWERS";

const SETUP: &[&str] = &[
    "CREATE ROLE alice LOGIN",
    "CREATE ROLE rita LOGIN",
    "CREATE ROLE alice_ops LOGIN",
    "CREATE SCHEMA finance",
    "CREATE TABLE finance.invoices (id int)",
    "CREATE TABLE finance.ledger (id int)",
    "GRANT USAGE ON SCHEMA finance TO PUBLIC",
];

/// PostgreSQL with a warehouse, the fake Slack, and Warden serving both.
pub struct Rig {
    /// Kept for its lifetime: the cluster stops when the rig is dropped.
    _pg: PgCluster,
    pub admin: PgPool,
    pub slack: FakeSlack,
    pub app: App,
    pub base: String,
    pub http: reqwest::Client,
    /// alice's bearer token (a requester).
    pub alice: String,
    _dir: tempfile::TempDir,
}

/// Slack users: alice (the requester), carol (a reviewer), rita (a requester), and a stranger
/// Slack knows with an email no Warden person has.
pub const ALICE: &str = "U0ALICE";
pub const CAROL: &str = "U0CAROL";
pub const RITA: &str = "U0RITA";
pub const STRANGER: &str = "U0STRANGER";

impl Rig {
    pub async fn start() -> Rig {
        let pg = PgCluster::start();
        let admin = PgPool::connect(&pg.url).await.unwrap();
        for sql in SETUP {
            sqlx::query(AssertSqlSafe(*sql))
                .execute(&admin)
                .await
                .unwrap();
        }
        let slack = FakeSlack::start(TOKEN).await;
        slack.add_user(ALICE, "alice@acme.test");
        slack.add_user(CAROL, "Carol@ACME.test");
        slack.add_user(RITA, "rita@acme.test");
        slack.add_user(STRANGER, "someone@elsewhere.test");
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"${{WH_URL}}\"\n\n\
             [jobs]\nlease = \"1s\"\nbackoff = \"1s\"\n\n\
             [slack]\nbot_token = \"${{SLACK_BOT_TOKEN}}\"\nsigning_secret = \"${{SLACK_SIGNING_SECRET}}\"\n\
             channel = \"{CHANNEL}\"\napi_url = \"{}\"\n",
            slack.url
        );
        let url = pg.url.clone();
        let config = warden::config::Config::parse(&text, |var| match var {
            "WH_URL" => Some(url.clone()),
            "SLACK_BOT_TOKEN" => Some(TOKEN.into()),
            "SLACK_SIGNING_SECRET" => Some(SECRET.into()),
            _ => None,
        })
        .unwrap();
        let app = App::open_with(dir.path(), config).await.unwrap();
        let synced = warden::sync::sync(&app, None).await.unwrap();
        assert!(synced.iter().all(|s| s.ok), "sync failed");
        for (name, role) in [
            ("alice", Role::Requester),
            ("carol", Role::Reviewer),
            ("rita", Role::Requester),
        ] {
            app.people
                .add_person(name, role, Some(&format!("{name}@acme.test")))
                .await
                .unwrap();
        }
        let (_, alice) = app.people.create_token("alice", None).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(warden::server::serve(app.clone(), listener));
        Rig {
            _pg: pg,
            admin,
            slack,
            app,
            base,
            http: reqwest::Client::new(),
            alice: alice.secret,
            _dir: dir,
        }
    }

    /// alice asks for `privilege` on `table` through REST; the request's id.
    pub async fn request(&self, privilege: &str, table: &str) -> String {
        let body = json!({"resources": [table], "privileges": [privilege], "reason": "month-end <close> & audit", "duration": "2d"});
        let resp = self
            .http
            .post(format!("{}/v1/requests", self.base))
            .bearer_auth(&self.alice)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let r: Value = resp.json().await.unwrap();
        r["id"].as_str().unwrap().to_string()
    }

    /// Sends `body` to `path` signed with `secret`, as Slack would `skew` seconds from now.
    pub async fn send_signed(
        &self,
        path: &str,
        body: &str,
        content_type: &str,
        secret: &str,
        skew: i64,
    ) -> (u16, String) {
        let ts = (chrono::Utc::now().timestamp() + skew).to_string();
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .header(TIMESTAMP_HEADER, &ts)
            .header(SIGNATURE_HEADER, sign(secret, &ts, body.as_bytes()))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// An Events API callback, signed.
    pub async fn event(&self, event_id: &str, event: Value) -> u16 {
        let body = json!({"type": "event_callback", "team_id": "T0FAKETEAM", "event_id": event_id, "event": event});
        self.send_signed(
            "/slack/events",
            &body.to_string(),
            "application/json",
            SECRET,
            0,
        )
        .await
        .0
    }

    /// An interaction (`payload=` form field), signed.
    pub async fn interaction(&self, payload: Value) -> u16 {
        let body = format!("payload={}", enc(&payload.to_string()));
        self.send_signed(
            "/slack/interactions",
            &body,
            "application/x-www-form-urlencoded",
            SECRET,
            0,
        )
        .await
        .0
    }

    pub async fn status(&self, id: &str) -> Status {
        self.app
            .store
            .request(id)
            .await
            .unwrap()
            .unwrap()
            .0
            .status()
    }

    pub async fn wait_for(&self, id: &str, want: Status) {
        let start = Instant::now();
        while self.status(id).await != want {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{id} stayed {} (wanted {want})",
                self.status(id).await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Until no Slack job is waiting, twice in a row a notifier poll apart: every event so far
    /// has been queued and sent (a request's redraws are separate jobs and may finish in either
    /// order, so the message showing the last state does not mean the earlier one is done).
    pub async fn settled(&self) {
        let start = Instant::now();
        let mut quiet = 0;
        while quiet < 2 {
            let waiting = crate::common::job_waiting(&self.app.store, |j| {
                j.kind == warden::store::jobs::JobKind::Slack
            })
            .await;
            quiet = if waiting { 0 } else { quiet + 1 };
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "Slack jobs kept coming"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The channel message of the request `id` (its text names the id's button value).
    pub fn message_of(&self, id: &str) -> Option<super::fake::Message> {
        self.slack
            .top_level_in(CHANNEL)
            .into_iter()
            .find(|m| m.blocks.to_string().contains(id))
    }

    pub async fn has(&self, role: &str, table: &str) -> bool {
        sqlx::query_scalar("SELECT has_table_privilege($1, $2, 'SELECT')")
            .bind(role)
            .bind(table)
            .fetch_one(&self.admin)
            .await
            .unwrap()
    }
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn reaction(user: &str, ts: &str, added: bool) -> Value {
    json!({
        "type": if added { "reaction_added" } else { "reaction_removed" },
        "user": user, "reaction": "white_check_mark", "item_user": "U0WARDENBOT",
        "item": {"type": "message", "channel": CHANNEL, "ts": ts}, "event_ts": "1.1"
    })
}

/// Every text of a message's blocks, joined.
fn shown(m: &super::fake::Message) -> String {
    m.blocks.to_string()
}

#[tokio::test]
async fn a_reviewers_check_mark_grants_it_and_nothing_else_changes_anything() {
    let rig = Rig::start().await;
    let id = rig.request("SELECT", "finance.invoices").await;

    // The channel message: who, what, why, how long, drafted by, the access now, the buttons.
    rig.slack
        .wait_until("the request's message posted", |s| {
            s.top_level_in(CHANNEL)
                .iter()
                .any(|m| m.blocks.to_string().contains(&id))
        })
        .await;
    let message = rig.message_of(&id).unwrap();
    let text = shown(&message);
    for expected in [
        "alice",
        "SELECT on wh:postgres.finance.invoices",
        "month-end &lt;close&gt; &amp; audit",
        "2d",
        "*Drafted by:*\\nalice\"",
        "does not hold SELECT on postgres.finance.invoices",
        "1 needed",
        "\"action_id\":\"approve\"",
        "\"action_id\":\"deny\"",
        "Open in Warden",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    let ts = message.ts.clone();

    // The requester's own ✅, a requester-role person's and a stranger's: each told why,
    // nothing changes.
    for (n, user) in [ALICE, RITA, STRANGER].into_iter().enumerate() {
        assert_eq!(
            rig.event(&format!("EvNo{n}"), reaction(user, &ts, true))
                .await,
            200
        );
        rig.slack
            .wait_until("the refusal told", |s| {
                s.ephemerals().iter().any(|c| c.args["user"] == user)
            })
            .await;
    }
    let told: Vec<String> = rig
        .slack
        .ephemerals()
        .iter()
        .map(|c| c.args["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        told.iter().all(|t| t.contains("Nothing was changed")),
        "{told:?}"
    );
    assert!(
        told.iter().any(|t| t.contains("does not know you")),
        "{told:?}"
    );
    assert_eq!(rig.status(&id).await, Status::Open);

    // A bad signature, an old timestamp, a missing one: 401, nothing queued.
    let body = json!({"type": "event_callback", "event_id": "EvForged", "event": reaction(CAROL, &ts, true)}).to_string();
    for (secret, skew) in [("not-the-secret", 0), (SECRET, -301), (SECRET, 400)] {
        let (status, answer) = rig
            .send_signed("/slack/events", &body, "application/json", secret, skew)
            .await;
        assert_eq!(status, 401, "{answer}");
        assert!(answer.contains("\"code\""), "{answer}");
    }
    let unsigned = rig
        .http
        .post(format!("{}/slack/events", rig.base))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);

    // The reviewer's ✅: approved, granted on PostgreSQL, the message redrawn, a line in the
    // thread, and the requester told.
    assert!(!rig.has("alice", "finance.invoices").await);
    assert_eq!(rig.event("EvCarol", reaction(CAROL, &ts, true)).await, 200);
    rig.wait_for(&id, Status::Active).await;
    assert!(rig.has("alice", "finance.invoices").await);
    rig.slack
        .wait_until("the message redrawn as active and the thread told", |s| {
            let m = s
                .top_level_in(CHANNEL)
                .into_iter()
                .find(|m| m.ts == ts)
                .unwrap();
            m.blocks.to_string().contains("Active")
                && s.replies_to(&ts)
                    .iter()
                    .any(|r| r.text.contains("Approved by carol"))
                && s.replies_to(&ts)
                    .iter()
                    .any(|r| r.text.contains("Granted on the platform"))
        })
        .await;
    let redrawn = rig.message_of(&id).unwrap();
    assert!(
        !shown(&redrawn).contains("\"action_id\":\"approve\""),
        "no buttons once decided"
    );
    rig.slack
        .wait_until("alice told by direct message", |s| {
            let dms = s.dms_to(ALICE);
            dms.iter().any(|m| m.text.contains("approved by carol"))
                && dms.iter().any(|m| m.text.contains("granted"))
        })
        .await;

    // The same event again (Slack's retry) and the ✅ taken away: nothing changes.
    rig.settled().await;
    let (approvals, calls) = (
        rig.app
            .store
            .request(&id)
            .await
            .unwrap()
            .unwrap()
            .0
            .approvals
            .len(),
        rig.slack.calls().len(),
    );
    let retry = rig
        .http
        .post(format!("{}/slack/events", rig.base))
        .header("X-Slack-Retry-Num", "1")
        .header("X-Slack-Retry-Reason", "http_timeout")
        .header(TIMESTAMP_HEADER, chrono::Utc::now().timestamp().to_string())
        .header(
            SIGNATURE_HEADER,
            sign(
                SECRET,
                &chrono::Utc::now().timestamp().to_string(),
                json!({"type": "event_callback", "team_id": "T0FAKETEAM", "event_id": "EvCarol", "event": reaction(CAROL, &ts, true)}).to_string().as_bytes(),
            ),
        )
        .body(json!({"type": "event_callback", "team_id": "T0FAKETEAM", "event_id": "EvCarol", "event": reaction(CAROL, &ts, true)}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 200);
    assert_eq!(
        rig.event("EvCarolGone", reaction(CAROL, &ts, false)).await,
        200
    );
    rig.slack
        .wait_until("the removal answered", |s| {
            s.ephemerals().iter().any(|c| {
                c.args["user"] == CAROL
                    && c.args["text"].as_str().unwrap().contains("changes nothing")
            })
        })
        .await;
    let after = rig.app.store.request(&id).await.unwrap().unwrap().0;
    assert_eq!(after.approvals.len(), approvals);
    assert_eq!(after.status(), Status::Active);
    // Only the one ephemeral call was added: the retried event did nothing.
    assert_eq!(
        rig.slack.calls().len(),
        calls + 1,
        "{:#?}",
        &rig.slack.calls()[calls..]
    );
}

#[tokio::test]
async fn buttons_approve_and_deny_with_a_reason_from_the_modal() {
    let rig = Rig::start().await;
    let approve_me = rig.request("SELECT", "finance.invoices").await;
    let deny_me = rig.request("SELECT", "finance.ledger").await;
    rig.slack
        .wait_until("both messages posted", |_| {
            rig.message_of(&approve_me).is_some() && rig.message_of(&deny_me).is_some()
        })
        .await;
    let press = |user: &str, action: &str, request: &str, trigger: &str| {
        json!({"type": "block_actions", "user": {"id": user}, "trigger_id": trigger,
            "team": {"id": "T0FAKETEAM"}, "channel": {"id": CHANNEL},
            "container": {"type": "message", "channel_id": CHANNEL},
            "actions": [{"action_id": action, "block_id": format!("request:{request}"), "value": request, "type": "button"}]})
    };

    // The requester pressing Approve on their own request: told, nothing changes.
    assert_eq!(
        rig.interaction(press(ALICE, "approve", &approve_me, "T1"))
            .await,
        200
    );
    rig.slack
        .wait_until("alice told she cannot", |s| {
            s.ephemerals().iter().any(|c| c.args["user"] == ALICE)
        })
        .await;
    assert_eq!(rig.status(&approve_me).await, Status::Open);
    // The reviewer pressing it: granted.
    assert_eq!(
        rig.interaction(press(CAROL, "approve", &approve_me, "T2"))
            .await,
        200
    );
    rig.wait_for(&approve_me, Status::Active).await;
    assert!(rig.has("alice", "finance.invoices").await);

    // Deny opens the modal (at once: its trigger lasts 3 seconds), then its submission denies
    // with the reason typed.
    assert_eq!(
        rig.interaction(press(CAROL, "deny", &deny_me, "T3")).await,
        200
    );
    let opened = rig.slack.ok_calls_to("views.open");
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(opened[0].args["trigger_id"], "T3");
    let view = &opened[0].args["view"];
    let submitted = json!({"type": "view_submission", "user": {"id": CAROL}, "team": {"id": "T0FAKETEAM"},
        "view": {"id": "V1", "type": "modal", "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {"reason": {"reason": {"type": "plain_text_input", "value": "not this quarter"}}}}}});
    assert_eq!(rig.interaction(submitted.clone()).await, 200);
    rig.wait_for(&deny_me, Status::Denied).await;
    let denied = rig.app.store.request(&deny_me).await.unwrap().unwrap().0;
    assert_eq!(
        denied.denial.unwrap().reason.as_deref(),
        Some("not this quarter")
    );
    assert!(!rig.has("alice", "finance.ledger").await);
    rig.slack
        .wait_until(
            "the denial in the message, the thread and alice's DMs",
            |s| {
                let ts = rig.message_of(&deny_me).unwrap().ts;
                rig.message_of(&deny_me)
                    .unwrap()
                    .blocks
                    .to_string()
                    .contains("Denied by carol: not this quarter")
                    && s.replies_to(&ts)
                        .iter()
                        .any(|r| r.text.contains("Denied by carol: not this quarter"))
                    && s.dms_to(ALICE)
                        .iter()
                        .any(|m| m.text.contains("denied by carol"))
            },
        )
        .await;
    // Submitted twice (a double click): still one denial in the log.
    assert_eq!(rig.interaction(submitted).await, 200);
    let history = rig
        .app
        .store
        .audit(&warden::model::audit::AuditFilter {
            request_id: Some(deny_me.clone()),
            kind: Some("denied".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(history.len(), 1);

    // Broken payloads: 400, not a crash; a signed body that is no form at all too.
    for body in ["payload=%7Bnot-json", "nothing=here", "payload=%7B%7D"] {
        let (status, answer) = rig
            .send_signed(
                "/slack/interactions",
                body,
                "application/x-www-form-urlencoded",
                SECRET,
                0,
            )
            .await;
        assert_eq!(status, 400, "{body}: {answer}");
    }
}

#[tokio::test]
async fn slack_down_then_up_loses_and_doubles_no_message_and_429_waits_as_told() {
    let rig = Rig::start().await;
    rig.slack.down(true);
    let id = rig.request("SELECT", "finance.invoices").await;
    rig.slack
        .wait_until("Warden trying while Slack is down", |s| {
            s.calls_to("chat.postMessage")
                .iter()
                .filter(|c| c.status == 500)
                .count()
                >= 2
        })
        .await;
    // The request itself never waited for Slack.
    assert_eq!(rig.status(&id).await, Status::Open);
    rig.slack.down(false);
    rig.slack
        .wait_until("posted once Slack is back", |_| {
            rig.message_of(&id).is_some()
        })
        .await;

    // Then a 429 with Retry-After on the next call: the approval's thread line waits and lands.
    rig.slack.rate_limit_next(1, 1);
    let ts = rig.message_of(&id).unwrap().ts;
    assert_eq!(rig.event("EvOk", reaction(CAROL, &ts, true)).await, 200);
    rig.wait_for(&id, Status::Active).await;
    rig.slack
        .wait_until("every line of the thread posted", |s| {
            let replies = s.replies_to(&ts);
            replies.iter().any(|r| r.text.contains("Approved by carol"))
                && replies
                    .iter()
                    .any(|r| r.text.contains("Granted on the platform"))
        })
        .await;
    assert!(rig.slack.calls().iter().any(|c| c.status == 429));
    // Exactly one channel message for the request, one line per event: nothing posted twice.
    let posted: Vec<_> = rig
        .slack
        .top_level_in(CHANNEL)
        .into_iter()
        .filter(|m| m.blocks.to_string().contains(&id))
        .collect();
    assert_eq!(posted.len(), 1);
    let replies: Vec<String> = rig
        .slack
        .replies_to(&ts)
        .into_iter()
        .map(|m| m.text)
        .collect();
    let mut unique = replies.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), replies.len(), "{replies:?}");
}

#[tokio::test]
async fn a_mention_asks_the_assistant_and_its_draft_lands_in_the_channel() {
    let rig = Rig::start().await;
    let mention = json!({"type": "app_mention", "user": ALICE, "channel": "C0GENERAL", "ts": "1700000001.000100",
        "text": "<@U0WARDENBOT> I need read access to finance.ledger for 3 days for the audit", "event_ts": "1700000001.000100"});
    rig.slack.person_posts(
        "C0GENERAL",
        "1700000001.000100",
        mention["text"].as_str().unwrap(),
    );
    assert_eq!(rig.event("EvAsk", mention).await, 200);
    rig.slack
        .wait_until("the answer in the mention's thread", |s| {
            s.messages().iter().any(|m| {
                m.channel == "C0GENERAL" && m.thread_ts.as_deref() == Some("1700000001.000100")
            })
        })
        .await;
    let answer = rig
        .slack
        .messages()
        .into_iter()
        .find(|m| m.channel == "C0GENERAL" && m.thread_ts.is_some())
        .unwrap();
    let drafted = rig
        .app
        .requests
        .list(
            &warden::people::Principal::operator(),
            None,
            None,
            None,
            None,
            10,
        )
        .await
        .unwrap()
        .0;
    assert_eq!(
        drafted.len(),
        1,
        "the assistant drafted one request: {}",
        answer.text
    );
    let id = drafted[0].id.clone();
    assert!(answer.text.contains(&id), "{}", answer.text);
    rig.slack
        .wait_until("the draft in the reviewers' channel", |_| {
            rig.message_of(&id).is_some()
        })
        .await;
    let text = shown(&rig.message_of(&id).unwrap());
    assert!(
        text.contains("the AI assistant (embedded) for alice"),
        "{text}"
    );

    // A direct message from someone Slack knows but Warden does not: told so, no answer.
    let dm = json!({"type": "message", "channel_type": "im", "user": STRANGER, "channel": "D0STRANGER",
        "ts": "1700000002.000100", "text": "what can I read?"});
    assert_eq!(rig.event("EvDm", dm).await, 200);
    rig.slack
        .wait_until("the stranger told", |s| {
            s.messages()
                .iter()
                .any(|m| m.channel == "D0STRANGER" && m.text.contains("does not know you"))
        })
        .await;
}

#[tokio::test]
async fn a_check_mark_that_needs_a_grantee_choice_points_to_the_review_card() {
    let rig = Rig::start().await;
    // alice has two identities on the warehouse: which one to update is the reviewer's choice.
    let link = warden::people::links::NewLink {
        connection: "wh".into(),
        identity: "alice_ops".into(),
    };
    rig.app
        .people
        .set_link(&warden::people::Principal::operator(), "alice", &link, true)
        .await
        .unwrap();
    let id = rig.request("SELECT", "finance.invoices").await;
    rig.slack
        .wait_until("posted", |_| rig.message_of(&id).is_some())
        .await;
    let ts = rig.message_of(&id).unwrap().ts;
    assert_eq!(rig.event("EvChoose", reaction(CAROL, &ts, true)).await, 200);
    rig.slack
        .wait_until("a button to the review card in the thread", |s| {
            s.replies_to(&ts).iter().any(|r| {
                let blocks = r.blocks.to_string();
                blocks.contains(&format!("/requests/{id}")) && blocks.contains("Choose the grantee")
            })
        })
        .await;
    assert_eq!(rig.status(&id).await, Status::Open);
    assert!(!rig.has("alice", "finance.invoices").await);
    assert!(!rig.has("alice_ops", "finance.invoices").await);
}

#[tokio::test]
async fn hostile_callbacks_get_an_answer_and_change_nothing() {
    let rig = Rig::start().await;
    let long = "İ’😀".repeat(1400);
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<(&str, String, &str)> = vec![
        ("/slack/events", "{\"type\":\"event_callback\",\"event_id\":\"Ev’1\"".into(), "application/json"),
        ("/slack/events", deep.clone(), "application/json"),
        ("/slack/events", json!({"type": "event_callback", "event_id": "EvH1", "event": {"type": "app_mention", "user": 7, "text": long}}).to_string(), "application/json"),
        ("/slack/events", json!({"type": "event_callback", "event_id": "EvH2", "event": {"type": "reaction_added", "user": "U1", "reaction": "white_check_mark", "item": {"type": "message", "channel": CHANNEL, "ts": long}}}).to_string(), "application/json"),
        ("/slack/interactions", format!("payload={}", enc(&deep)), "application/x-www-form-urlencoded"),
        ("/slack/interactions", format!("payload={}", enc(&json!({"type": "view_submission", "user": {"id": "U1"}, "view": {"id": "V9", "callback_id": "warden_deny", "private_metadata": long}}).to_string())), "application/x-www-form-urlencoded"),
        ("/slack/interactions", "payload=%FF%FE".into(), "application/x-www-form-urlencoded"),
    ];
    for (path, body, content_type) in &bodies {
        let (status, answer) = rig.send_signed(path, body, content_type, SECRET, 0).await;
        assert!(status == 200 || status == 400, "{path} {status}: {answer}");
        if status == 400 {
            assert!(
                answer.contains("\"code\"") && !answer.contains('\n'),
                "{answer}"
            );
        }
    }
    // The server is alive; the deny with an absurd request id ran as a job and only told its
    // sender (unknown to Warden) so; nothing reached the reviewers' channel.
    let (status, _) = rig
        .send_signed(
            "/slack/events",
            &json!({"type": "url_verification", "challenge": "c’😀"}).to_string(),
            "application/json",
            SECRET,
            0,
        )
        .await;
    assert_eq!(status, 200);
    rig.slack
        .wait_until("the unknown sender told", |s| {
            s.dms_to("U1")
                .iter()
                .any(|m| m.text.contains("does not know you"))
        })
        .await;
    assert!(rig.slack.top_level_in(CHANNEL).is_empty());
}
