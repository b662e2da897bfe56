//! The audit chain's group commit: appends from many callers at once, and from two servers on
//! one database, form one chain that verifies, each entry exactly once; and agent tool calls
//! under load against the real server, killed with SIGKILL mid-stream and started again: every
//! call that was answered 2xx is in the audit log exactly once (with its agent-log row), and the
//! chain verifies.

use crate::binary::Launch;
use crate::store::backends;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use warden::model::audit::{AuditFilter, NewEvent};
use warden::store::Store;
use warden::store::group_commit::Appended;

/// One `grouped` event with `data`, through the group commit.
async fn append(store: &Store, data: Value) -> Result<(), warden::store::StoreError> {
    let event = NewEvent::new("t", "grouped", None, data);
    store
        .append_grouped(Appended {
            at: chrono::Utc::now().to_rfc3339(),
            events: vec![event],
            ..Default::default()
        })
        .await
}

async fn all_events(store: &Store, kind: &str) -> Vec<Value> {
    let filter = AuditFilter::every(kind);
    store
        .audit(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.data)
        .collect()
}

#[tokio::test]
async fn concurrent_appends_from_two_stores_on_one_database_are_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    for b in backends(dir.path()).await {
        // A second store on the same database: a second server, with its own group commit.
        let stores = [b.store.clone(), b.open_again().await];
        let mut tasks = Vec::new();
        for n in 0..300 {
            let store = stores[n % 2].clone();
            tasks.push(tokio::spawn(async move {
                append(&store, json!({"n": n})).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let mut seen: Vec<i64> = all_events(&b.store, "grouped")
            .await
            .iter()
            .map(|d| d["n"].as_i64().unwrap())
            .collect();
        seen.sort();
        assert_eq!(seen, (0..300).collect::<Vec<_>>(), "{}: each once", b.name);
        let verified = warden::audit::verify(&b.store).await.unwrap();
        assert!(verified.ok, "{}: {:?}", b.name, verified.breaks);
        for s in stores {
            s.close().await;
        }
    }
}

/// A snapshot of 20 users and 50 tables: 1,000 distinct questions, so that each call is told
/// apart in the log by its arguments.
fn snapshot() -> Value {
    let identities: Vec<Value> = (0..20)
        .map(|i| json!({"name": format!("u{i}"), "kind": "user"}))
        .collect();
    let mut resources = vec![
        json!({"kind": "database", "name": "db"}),
        json!({"kind": "schema", "name": "db.s"}),
    ];
    resources.extend((0..50).map(|t| json!({"kind": "table", "name": format!("db.s.t{t}")})));
    let grants: Vec<Value> = (0..50)
        .map(|t| json!({"grantee": format!("u{}", t % 20), "privilege": "SELECT", "resource": format!("db.s.t{t}")}))
        .collect();
    json!({"version": 1, "connections": [{"name": "wh", "platform": "postgres",
        "identities": identities, "resources": resources, "grants": grants}]})
}

#[tokio::test]
async fn agent_calls_answered_before_a_sigkill_are_each_logged_once() {
    let dir = tempfile::tempdir().unwrap();
    let token = {
        let app = warden::app::App::open(dir.path()).await.unwrap();
        app.import(warden::snapshot::parse_value(snapshot()).unwrap())
            .await
            .unwrap();
        app.people
            .add_person("maya", warden::people::Role::Requester, None)
            .await
            .unwrap();
        let (_, token) = app.people.create_token("maya", Some("bot")).await.unwrap();
        app.store.close().await;
        token.secret
    };
    let server = Launch::serve(dir.path()).start();
    let client = reqwest::Client::new();
    let url = format!("{}/v1/tools/check_access", server.base);
    let started = Instant::now();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..8usize {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        let count = count.clone();
        clients.push(tokio::spawn(async move {
            let mut answered = Vec::new();
            for q in (c..1000).step_by(8) {
                let args = json!({"identity": format!("u{}", q % 20), "privilege": "SELECT",
                    "resource": format!("db.s.t{}", q / 20)});
                match client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&args)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        answered.push(args);
                        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(r) => panic!("refused: {}", r.status()),
                    // The server is gone.
                    Err(_) => break,
                }
            }
            answered
        }));
    }
    // Killed halfway, while all eight clients are sending.
    while count.load(std::sync::atomic::Ordering::Relaxed) < 500 {
        assert!(started.elapsed() < Duration::from_secs(60), "too slow");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    drop(server);
    let mut answered = Vec::new();
    for c in clients {
        answered.extend(c.await.unwrap());
    }
    assert!(
        !answered.is_empty(),
        "no call was answered in {:?}",
        started.elapsed()
    );
    println!("{} of 1,000 calls answered before the kill", answered.len());
    // What the killed server's audit journal held (folded or not) for the next start to fold.
    let left: u64 = std::fs::read_dir(dir.path().join("audit-journal"))
        .map(|files| files.map(|f| f.unwrap().metadata().unwrap().len()).sum())
        .unwrap_or(0);
    let chained: i64 = rusqlite::Connection::open(dir.path().join("warden.db"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM audit WHERE kind = 'agent_tool_call'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    println!("the killed server's audit journal: {left} bytes; {chained} calls in the chain");

    // Started again, then the log read from the store.
    let again = Launch::serve(dir.path()).start();
    drop(again);
    let store = Store::open(dir.path(), None).await.unwrap();
    let mut logged: BTreeMap<String, usize> = BTreeMap::new();
    for data in all_events(&store, "agent_tool_call").await {
        *logged.entry(data["arguments"].to_string()).or_default() += 1;
    }
    for args in &answered {
        assert_eq!(
            logged.get(&args.to_string()),
            Some(&1),
            "an answered call is logged exactly once: {args}"
        );
    }
    assert!(logged.values().all(|n| *n == 1), "no call twice");
    let calls = store.agent_calls().await.unwrap();
    assert_eq!(
        calls.len(),
        logged.len(),
        "each audited call has its agent-log row, in the same transaction"
    );
    let verified = warden::audit::verify(&store).await.unwrap();
    assert!(verified.ok, "{:?}", verified.breaks);
}

/// `warden --data-dir DIR --database-url URL ARGS…`, which must succeed; its stdout.
fn warden_ok(dir: &std::path::Path, url: &str, args: &[&str]) -> String {
    let mut all = vec!["--data-dir", dir.to_str().unwrap(), "--database-url", url];
    all.extend_from_slice(args);
    let (status, stdout, stderr) = crate::binary::output(crate::binary::command().args(&all), None);
    assert_eq!(status, 0, "warden {args:?}: {stderr}{stdout}");
    stdout
}

#[tokio::test]
async fn agent_calls_to_two_servers_on_one_postgres_store_form_one_chain() {
    let pg = crate::store::fresh_database().await;
    let work = tempfile::tempdir().unwrap();
    let cli = work.path().join("cli");
    let file = work.path().join("wh.json");
    std::fs::write(&file, snapshot().to_string()).unwrap();
    warden_ok(&cli, &pg.url, &["import", file.to_str().unwrap()]);
    warden_ok(
        &cli,
        &pg.url,
        &["user", "add", "maya", "--role", "requester"],
    );
    let created: Value = serde_json::from_str(&warden_ok(
        &cli,
        &pg.url,
        &["--json", "token", "create", "maya", "--agent", "bot"],
    ))
    .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let servers = [
        Launch::serve(&work.path().join("a"))
            .env("WARDEN_DATABASE_URL", &pg.url)
            .start(),
        Launch::serve(&work.path().join("b"))
            .env("WARDEN_DATABASE_URL", &pg.url)
            .start(),
    ];
    // Eight clients, four on each server, all at once.
    let client = reqwest::Client::new();
    let mut clients = Vec::new();
    for c in 0..8usize {
        let url = format!("{}/v1/tools/check_access", servers[c % 2].base);
        let (client, token) = (client.clone(), token.clone());
        clients.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            for q in (c..400).step_by(8) {
                // Each call its own (identity, table) pair, so it can be found in the log.
                let args = json!({"identity": format!("u{}", q % 20), "privilege": "SELECT",
                    "resource": format!("db.s.t{}", q / 20)});
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&args)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                sent.push(q);
            }
            sent
        }));
    }
    let mut sent = Vec::new();
    for c in clients {
        sent.extend(c.await.unwrap());
    }
    assert_eq!(sent.len(), 400);
    drop(servers);

    let store = Store::open(&cli, Some(&pg.url)).await.unwrap();
    let mut logged: Vec<i64> = all_events(&store, "agent_tool_call")
        .await
        .iter()
        .map(|d| {
            let number = |key: &str, prefix: &str| -> i64 {
                d["arguments"][key].as_str().unwrap()[prefix.len()..]
                    .parse()
                    .unwrap()
            };
            number("identity", "u") + 20 * number("resource", "db.s.t")
        })
        .collect();
    logged.sort_unstable();
    assert_eq!(logged, (0..400).collect::<Vec<i64>>(), "each call once");
    assert_eq!(store.agent_calls().await.unwrap().len(), 400);
    let verified = warden::audit::verify(&store).await.unwrap();
    assert!(verified.ok, "{:?}", verified.breaks);
}

#[tokio::test]
async fn the_sqlite_log_is_checkpointed_while_agents_write() {
    // The group commit's connection leaves checkpoints to a helper off the callers' path; without
    // them the write-ahead log would grow by every commit (about 19 kB each here: 56 MB for
    // these 3,000). With them it holds at most a few hundred commits' pages, however slow the
    // disk: the writer waits for a checkpoint that falls behind.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), None).await.unwrap();
    for n in 0..3000 {
        append(&store, json!({"n": n, "pad": "x".repeat(500)}))
            .await
            .unwrap();
    }
    let wal = std::fs::metadata(dir.path().join("warden.db-wal"))
        .unwrap()
        .len();
    println!("write-ahead log after 3,000 commits: {wal} bytes");
    assert!(wal < 30 << 20, "the log grew to {wal} bytes");
    assert_eq!(all_events(&store, "grouped").await.len(), 3000);
    assert!(warden::audit::verify(&store).await.unwrap().ok);
}

/// A SQLite store written before migration 0013 (`audit.seq` a `BIGINT PRIMARY KEY` beside the
/// rowid, `agent_calls` AUTOINCREMENT) keeps every event, its chain and every agent-log row
/// when the migration rebuilds the two tables, and appends after them.
#[tokio::test]
async fn the_rowid_migration_keeps_the_chain_and_the_agent_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), None).await.unwrap();
    for i in 0..40 {
        append(&store, json!({"i": i})).await.unwrap();
    }
    let call = warden::store::AgentCall {
        person_id: "p_1".into(),
        agent: "bot".into(),
        token_id: Some("tok_1".into()),
        tool: "check_access".into(),
        arguments: json!({"identity": "maya"}),
        outcome: "ok".into(),
    };
    for _ in 0..3 {
        store.log_agent_call(&call).await.unwrap();
    }
    let events = all_events(&store, "grouped").await;
    let calls = store.agent_calls().await.unwrap();
    store.close().await;

    // Back to the shape before 0013, rows and all, and 0013 forgotten.
    let db = rusqlite::Connection::open(dir.path().join("warden.db")).unwrap();
    db.execute_batch(
        "BEGIN;
         CREATE TABLE audit_old (seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
             kind TEXT NOT NULL, request_id TEXT, data TEXT NOT NULL, prev_hash TEXT NOT NULL,
             hash TEXT NOT NULL);
         INSERT INTO audit_old SELECT * FROM audit;
         DROP TABLE audit;
         ALTER TABLE audit_old RENAME TO audit;
         CREATE INDEX audit_by_request ON audit (request_id, seq);
         CREATE TABLE agent_calls_old (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
             person_id TEXT NOT NULL, agent TEXT NOT NULL, token_id TEXT, tool TEXT NOT NULL,
             arguments TEXT NOT NULL, outcome TEXT NOT NULL);
         INSERT INTO agent_calls_old SELECT * FROM agent_calls;
         DROP TABLE agent_calls;
         ALTER TABLE agent_calls_old RENAME TO agent_calls;
         DELETE FROM _sqlx_migrations WHERE version = 13;
         COMMIT;",
    )
    .unwrap();
    let autoindexes: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_audit_1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(autoindexes, 1, "the old shape has seq's own index");
    drop(db);

    let store = Store::open(dir.path(), None).await.unwrap();
    assert_eq!(all_events(&store, "grouped").await, events);
    assert_eq!(store.agent_calls().await.unwrap(), calls);
    append(&store, json!({"i": "after"})).await.unwrap();
    store.log_agent_call(&call).await.unwrap();
    assert_eq!(store.agent_calls().await.unwrap().len(), calls.len() + 1);
    let check = warden::audit::verify(&store).await.unwrap();
    assert!(check.ok, "{check:?}");
    store.close().await;
    let db = rusqlite::Connection::open(dir.path().join("warden.db")).unwrap();
    let (autoindexes, sequences): (i64, i64) = db
        .query_row(
            "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_audit_1'),
                    (SELECT count(*) FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((autoindexes, sequences), (0, 0), "seq is the rowid now");
}
