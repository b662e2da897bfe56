//! Slack at load (BENCHMARKS.md, "Slack"). A plain program: it prints what it measures, as
//! Markdown on stdout, and ends.
//!
//! `cargo bench --bench slack`. Knobs:
//! - `WARDEN_BENCH_RATE`: signed events sent per second (default 200).
//! - `WARDEN_BENCH_SECONDS`: for how long (default 10).
//! - `WARDEN_BENCH_APPROVALS`: ✅ timed from reaction to GRANT (default 40).
//!
//! The real server (`warden::server::serve` on 127.0.0.1:0) over a SQLite store, with a real
//! PostgreSQL (a throwaway cluster) as its live connection and Slack's Web API replaced by the
//! tests' fake (`tests/it/slack/fake.rs`) on loopback. Events are signed as Slack signs them and
//! sent open-loop (each at its scheduled time, whatever the earlier ones took), so a slow answer
//! shows as latency, not as a lower rate. An event's time is from sending it to its answer:
//! Slack's acknowledgement. A ✅'s time is from sending the reaction to the moment
//! `has_table_privilege` turns true on PostgreSQL (polled every 2 ms).
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/it/slack/fake.rs"]
mod fake;
mod support;

use serde_json::json;
use sqlx::{AssertSqlSafe, PgPool};
use std::time::{Duration, Instant};
use support::knobs::env_usize;
use support::percentiles::percentiles;
use support::postgres::PgCluster;
use support::report::ms;
use support::runtime::{CLIENT_THREADS, SERVER_THREADS, runtime};
use warden::app::App;
use warden::people::{Principal, Role};
use warden::requests::NewRequest;
use warden::slack::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};

const SECRET: &str = "bench-signing-secret";
const TOKEN: &str = "xoxb-bench";
const CHANNEL: &str = "C0REVIEWERS";
const REVIEWER: &str = "U0REVIEWER";

fn main() {
    let rate = env_usize("WARDEN_BENCH_RATE", 200).max(1);
    let seconds = env_usize("WARDEN_BENCH_SECONDS", 10).max(1);
    let approvals = env_usize("WARDEN_BENCH_APPROVALS", 40).max(1);
    let cluster = PgCluster::try_start().expect("PostgreSQL (Debian's postgresql package)");
    let dir = tempfile::tempdir().unwrap();
    let server = runtime(SERVER_THREADS);
    let (app, slack, base, admin) = server.block_on(setup(&cluster, dir.path(), approvals));
    let clients = runtime(CLIENT_THREADS);

    let acks = clients.block_on(events(&base, rate, seconds));
    let p = percentiles(acks.times);
    println!("## Slack\n");
    println!(
        "Signed `reaction_added` events sent open-loop at {rate}/s for {seconds} s to \
         `POST /slack/events` (each verified, read, taken once and its job queued before the \
         answer); then {approvals} requests approved one after another by a reviewer's ✅, each \
         timed from sending the reaction to `has_table_privilege` turning true on PostgreSQL. \
         2 cores, server, PostgreSQL, fake Slack and client on one machine, loopback.\n"
    );
    println!("| measure | n | p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    println!(
        "| event acknowledged ({} of {} answered 200) | {} | {} | {} | {} |",
        acks.ok,
        acks.sent,
        acks.sent,
        ms(p.p50),
        ms(p.p99),
        ms(p.max)
    );
    let grants = clients.block_on(check_marks(&app, &slack, &base, &admin, approvals));
    let g = percentiles(grants);
    println!(
        "| ✅ to GRANT done on PostgreSQL | {approvals} | {} | {} | {} |",
        ms(g.p50),
        ms(g.p99),
        ms(g.max)
    );
    drop(server);
}

struct Acks {
    sent: usize,
    ok: usize,
    times: Vec<Duration>,
}

async fn setup(
    cluster: &PgCluster,
    dir: &std::path::Path,
    n: usize,
) -> (App, fake::FakeSlack, String, PgPool) {
    let url = support::postgres::create_database(cluster, "slack_bench").await;
    let admin = PgPool::connect(&url).await.unwrap();
    let mut sql = vec![
        "CREATE SCHEMA bench".to_string(),
        "GRANT USAGE ON SCHEMA bench TO PUBLIC".into(),
    ];
    for k in 0..n {
        sql.push(format!("CREATE ROLE u{k} LOGIN"));
        sql.push(format!("CREATE TABLE bench.t{k} (id int)"));
    }
    for s in sql {
        sqlx::raw_sql(AssertSqlSafe(s))
            .execute(&admin)
            .await
            .unwrap();
    }
    let slack = fake::FakeSlack::start(TOKEN).await;
    slack.add_user(REVIEWER, "rita@bench.test");
    let text = format!(
        "[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"{url}\"\n\n\
         [slack]\nbot_token = \"{TOKEN}\"\nsigning_secret = \"{SECRET}\"\nchannel = \"{CHANNEL}\"\n\
         api_url = \"{}\"\n",
        slack.url
    );
    let config = warden::config::Config::parse(&text, |_| None).unwrap();
    let app = App::open_with(dir, config).await.unwrap();
    warden::sync::sync(&app, None).await.unwrap();
    app.people
        .add_person("rita", Role::Reviewer, Some("rita@bench.test"))
        .await
        .unwrap();
    for k in 0..n {
        app.people
            .add_person(
                &format!("u{k}"),
                Role::Requester,
                Some(&format!("u{k}@bench.test")),
            )
            .await
            .unwrap();
    }
    let addr = support::server::serve(app.clone()).await;
    (app, slack, format!("http://{addr}"), admin)
}

async fn send(client: &reqwest::Client, base: &str, body: String) -> u16 {
    let ts = chrono::Utc::now().timestamp().to_string();
    client
        .post(format!("{base}/slack/events"))
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, &ts)
        .header(SIGNATURE_HEADER, sign(SECRET, &ts, body.as_bytes()))
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn reaction(event_id: &str, ts: &str) -> String {
    json!({"type": "event_callback", "team_id": "T0FAKETEAM", "event_id": event_id, "event": {
        "type": "reaction_added", "user": REVIEWER, "reaction": "white_check_mark",
        "item": {"type": "message", "channel": CHANNEL, "ts": ts}, "event_ts": ts}})
    .to_string()
}

/// Open-loop: one event every 1/rate s, each on its own task, timed to its answer.
async fn events(base: &str, rate: usize, seconds: usize) -> Acks {
    let client = reqwest::Client::new();
    let total = rate * seconds;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        tick.tick().await;
        // A ✅ on a message that is no request's: verified, taken, queued; its job finds no
        // request and ends (the work behind an event is not what is timed here).
        let body = reaction(&format!("EvLoad{i}"), &format!("1.{i}"));
        let (client, base) = (client.clone(), base.to_string());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let status = send(&client, &base, body).await;
            (status, t.elapsed())
        }));
    }
    let mut acks = Acks {
        sent: total,
        ok: 0,
        times: Vec::with_capacity(total),
    };
    for t in tasks {
        let (status, took) = t.await.unwrap();
        acks.ok += usize::from(status == 200);
        acks.times.push(took);
    }
    acks
}

async fn check_marks(
    app: &App,
    slack: &fake::FakeSlack,
    base: &str,
    admin: &PgPool,
    n: usize,
) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let access = app.access.load();
    let mut times = Vec::with_capacity(n);
    for k in 0..n {
        let who = Principal::person(
            app.store
                .find_person(&format!("u{k}"))
                .await
                .unwrap()
                .unwrap(),
        );
        let input = NewRequest {
            resources: vec![format!("bench.t{k}")],
            privileges: vec!["SELECT".into()],
            roles: vec![],
            reason: Some("bench".into()),
            duration: Some("1d".into()),
            connection: Some("wh".into()),
        };
        let id = app
            .requests
            .create(&access, &who, input, None)
            .await
            .unwrap()
            .id;
        let ts = loop {
            if let Some((_, Some(ts))) = app.store.slack_message(&id).await.unwrap() {
                break ts;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        let t = Instant::now();
        assert_eq!(
            send(&client, base, reaction(&format!("EvOk{k}"), &ts)).await,
            200
        );
        loop {
            let held: bool = sqlx::query_scalar("SELECT has_table_privilege($1, $2, 'SELECT')")
                .bind(format!("u{k}"))
                .bind(format!("bench.t{k}"))
                .fetch_one(admin)
                .await
                .unwrap();
            if held {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "request {id} never granted: {:?}",
                slack.calls().last()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        times.push(t.elapsed());
    }
    times
}
