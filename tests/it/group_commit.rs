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

async fn all_events(store: &Store, kind: &str) -> Vec<Value> {
    let filter = AuditFilter {
        kind: Some(kind.into()),
        limit: 1_000_000,
        ..AuditFilter::default()
    };
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
                let event = NewEvent::new("t", "grouped", None, json!({"n": n}));
                store
                    .append_grouped(Appended {
                        at: chrono::Utc::now().to_rfc3339(),
                        events: vec![event],
                        call: None,
                    })
                    .await
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
