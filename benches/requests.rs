//! Access requests through REST (BENCHMARKS.md, "Requests"). A plain program: it prints what it
//! measures, as Markdown on stdout, and ends.
//!
//! `cargo bench --bench requests`. Needs PostgreSQL's server binaries (`tests/it/pg.rs`) for the
//! PostgreSQL store and the expiry part; without them those parts print `SKIPPED`. Knobs:
//! - `WARDEN_BENCH_PAIRS`: create + approve pairs per concurrency level (default 2000).
//! - `WARDEN_BENCH_CONCURRENCY`: comma-separated client counts (default `1,4,16`).
//! - `WARDEN_BENCH_EXPIRIES`: requests in the expiry part (default 40).
//!
//! (a) The real server (`warden::server::serve` on 127.0.0.1:0, 2 tokio workers) over the demo
//!     organisation, on a SQLite store and on a PostgreSQL store (a throwaway cluster on
//!     loopback). C clients each loop: `POST /v1/requests` as a requester (SELECT on
//!     `crm.leads` for 8h: a name to resolve, validation, the row, two audit events), then
//!     `POST /v1/requests/{id}/approve` as a reviewer (rules, the grantee resolved from the
//!     requester's linked identity, the compare-and-set write, an audit event). The demo's
//!     connections are imported from files, so an approved request waits for an admin
//!     (`manual`): no platform is called, which is what (b) measures.
//! (b) Expiry: a connection to a real PostgreSQL, requests for 2 s granted by the job runner,
//!     and for each the time from `expires_at` to the REVOKE being done (`closed_at`), on both
//!     stores.
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::knobs::{env_usize, env_usizes};
use support::percentiles::at;
use support::postgres::{self, PgCluster};
use support::report::ms;
use support::runtime::{CLIENT_THREADS, SERVER_THREADS, runtime};
use warden::app::App;
use warden::config::{Config, Secret};
use warden::people::Role;

fn main() {
    let pairs = env_usize("WARDEN_BENCH_PAIRS", 2000).max(1);
    let expiries = env_usize("WARDEN_BENCH_EXPIRIES", 40).max(1);
    let levels = env_usizes("WARDEN_BENCH_CONCURRENCY", "1,4,16");
    let cluster = PgCluster::try_start();
    println!("## Requests through REST\n");
    println!("2 cores; server and clients in one process, 2 tokio workers each; loopback.\n");
    println!("| store | clients | pairs | pairs/s | create p50 / p99 | approve p50 / p99 |");
    println!("|---|---|---|---|---|---|");
    let mut stores: Vec<(&str, Option<&PgCluster>)> = vec![("SQLite", None)];
    match &cluster {
        Ok(c) => stores.push(("PostgreSQL", Some(c))),
        Err(e) => println!("| PostgreSQL | SKIPPED: {e} | | | | |"),
    }
    for (name, cluster) in &stores {
        for &c in &levels {
            let db = cluster.map(|cl| fresh_db(cl, &format!("rest_{c}")));
            let r = rest_run(db, pairs, c);
            println!(
                "| {name} | {c} | {} | {:.0} | {} / {} | {} / {} |",
                r.pairs,
                r.pairs as f64 / r.wall.as_secs_f64(),
                ms(at(&r.create, 0.5)),
                ms(at(&r.create, 0.99)),
                ms(at(&r.approve, 0.5)),
                ms(at(&r.approve, 0.99)),
            );
        }
    }
    println!("\n## Expiry to revoke\n");
    let Ok(cluster) = &cluster else {
        println!("SKIPPED: no PostgreSQL");
        return;
    };
    println!("| store | requests | delay p50 | p90 | max |");
    println!("|---|---|---|---|---|");
    for (name, store_db) in [
        ("SQLite", None),
        ("PostgreSQL", Some(fresh_db(cluster, "expiry_store"))),
    ] {
        let target = fresh_db(cluster, &format!("target_{}", name.to_lowercase()));
        let mut delays = expiry_run(&target, store_db, expiries);
        delays.sort();
        println!(
            "| {name} | {} | {} | {} | {} |",
            delays.len(),
            ms(at(&delays, 0.5)),
            ms(at(&delays, 0.9)),
            ms(*delays.last().unwrap_or(&Duration::ZERO)),
        );
    }
}

/// A new database on the cluster, for a store or a target.
fn fresh_db(cluster: &PgCluster, name: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(postgres::create_database(cluster, name))
}

/// An app on a fresh data dir (and the PostgreSQL store `db`, if given), with a requester and
/// a reviewer and their tokens.
async fn app(dir: &std::path::Path, db: Option<String>, config: &str) -> (App, String, String) {
    let mut config = Config::parse(config, |_| None).unwrap();
    config.database_url = db.map(Secret::new);
    let app = App::open_with(dir, config).await.unwrap();
    app.people
        .add_person("alice", Role::Requester, Some("alice@acme.test"))
        .await
        .unwrap();
    app.people
        .add_person("carol", Role::Reviewer, Some("carol@acme.test"))
        .await
        .unwrap();
    let alice = app
        .people
        .create_token("alice", None)
        .await
        .unwrap()
        .1
        .secret;
    let carol = app
        .people
        .create_token("carol", None)
        .await
        .unwrap()
        .1
        .secret;
    (app, alice, carol)
}

async fn serve(app: App) -> String {
    format!("http://{}", support::server::serve(app).await)
}

struct RestRun {
    pairs: usize,
    wall: Duration,
    create: Vec<Duration>,
    approve: Vec<Duration>,
}

fn rest_run(db: Option<String>, pairs: usize, c: usize) -> RestRun {
    let dir = tempfile::tempdir().unwrap();
    let server = runtime(SERVER_THREADS);
    let (base, alice, carol) = server.block_on(async {
        let (app, alice, carol) = app(dir.path(), db, "").await;
        app.import(warden::demo::connections().unwrap())
            .await
            .unwrap();
        (serve(app).await, alice, carol)
    });
    let clients = runtime(CLIENT_THREADS);
    let run = clients.block_on(async move {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        // Warm-up: a tenth, not counted.
        drive(&client, &base, &alice, &carol, (pairs / 10).max(1), c).await;
        let start = Instant::now();
        let (create, approve) = drive(&client, &base, &alice, &carol, pairs, c).await;
        RestRun {
            pairs,
            wall: start.elapsed(),
            create,
            approve,
        }
    });
    drop(server);
    run
}

async fn drive(
    client: &reqwest::Client,
    base: &str,
    alice: &str,
    carol: &str,
    pairs: usize,
    c: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let body = json!({"resources": ["crm.leads"], "privileges": ["SELECT"], "duration": "8h", "reason": "bench"}).to_string();
    let tasks: Vec<_> = (0..c)
        .map(|_| {
            let (client, next, body) = (client.clone(), next.clone(), body.clone());
            let (base, alice, carol) = (base.to_string(), alice.to_string(), carol.to_string());
            tokio::spawn(async move {
                let (mut create, mut approve) = (Vec::new(), Vec::new());
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < pairs {
                    let t = Instant::now();
                    let r = post(
                        &client,
                        &format!("{base}/v1/requests"),
                        &alice,
                        body.clone(),
                    )
                    .await;
                    create.push(t.elapsed());
                    let id = r["id"].as_str().expect("an id").to_string();
                    let t = Instant::now();
                    let r = post(
                        &client,
                        &format!("{base}/v1/requests/{id}/approve"),
                        &carol,
                        "{}".into(),
                    )
                    .await;
                    approve.push(t.elapsed());
                    assert_eq!(r["status"], "approved", "{r}");
                }
                (create, approve)
            })
        })
        .collect();
    let (mut create, mut approve) = (Vec::new(), Vec::new());
    for t in tasks {
        let (c, a) = t.await.unwrap();
        create.extend(c);
        approve.extend(a);
    }
    create.sort();
    approve.sort();
    (create, approve)
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: String) -> Value {
    let r = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {v}");
    v
}

/// Requests for 2 s granted on a real PostgreSQL by the server's job runner; for each, how long
/// after `expires_at` the revoke was done.
fn expiry_run(target: &str, store_db: Option<String>, n: usize) -> Vec<Duration> {
    let rt = runtime(SERVER_THREADS);
    rt.block_on(async {
        let admin = sqlx::PgPool::connect(target).await.unwrap();
        for sql in [
            "CREATE ROLE alice LOGIN",
            "CREATE SCHEMA IF NOT EXISTS finance",
            "CREATE TABLE finance.invoices (id int)",
        ] {
            // The role is per cluster: the second target finds it there.
            let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await;
        }
        let dir = tempfile::tempdir().unwrap();
        let config = format!("[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"{target}\"\n");
        let (app, alice, carol) = app(dir.path(), store_db, &config).await;
        let synced = warden::sync::sync(&app, None).await.unwrap();
        assert!(synced.iter().all(|r| r.ok));
        let base = serve(app.clone()).await;
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut ids = Vec::new();
        for _ in 0..n {
            let body = json!({"resources": ["finance.invoices"], "privileges": ["SELECT"], "duration": "2s"}).to_string();
            let r = post(&client, &format!("{base}/v1/requests"), &alice, body).await;
            let id = r["id"].as_str().unwrap().to_string();
            post(&client, &format!("{base}/v1/requests/{id}/approve"), &carol, "{}".into()).await;
            ids.push(id);
            // Spread the expiries over the runner's cycle.
            tokio::time::sleep(Duration::from_millis(37)).await;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut delays = Vec::new();
        for id in &ids {
            loop {
                let (req, _) = app.store.request(id).await.unwrap().unwrap();
                if let (Some(exp), Some(closed)) = (req.expires_at, req.closed_at) {
                    delays.push((closed - exp).to_std().unwrap_or_default());
                    break;
                }
                assert!(Instant::now() < deadline, "{id} never closed: {:?}", req.status());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        delays
    })
}
