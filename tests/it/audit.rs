//! The audit log from outside: `warden audit verify` passes an untouched log and names the seq
//! of a row edited, deleted in the middle or deleted at the end behind Warden's back; `warden
//! audit export` writes JSON lines and CSV that parse back into the same events (and whose CSV
//! rows re-hash to their chain); `/v1/audit…` is for reviewers, paged, and downloadable.

use crate::binary::run;
use crate::server::TestServer;
use serde_json::{Value, json};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use warden::model::audit::{AuditEvent, AuditFilter, NewEvent, chain_hash};
use warden::people::Role;
use warden::requests::NewRequest;

/// A data dir holding the demo organisation, two requests and a few sync-like events (one with
/// an actor that needs CSV quoting). Returns the number of events written.
async fn populated(dir: &Path) -> i64 {
    std::fs::write(dir.join("warden.toml"), "").unwrap();
    let (app, who) = crate::common::demo_app_with_maya(dir).await;
    let access = app.access.load();
    for resource in ["crm.leads", "people.salaries"] {
        let input = NewRequest {
            resources: vec![resource.into()],
            privileges: vec!["SELECT".into()],
            reason: Some("quarterly report, \"urgent\"".into()),
            duration: Some("2w".into()),
            ..NewRequest::default()
        };
        app.requests
            .create(&access, &who, input, None)
            .await
            .unwrap();
    }
    let events = [
        NewEvent::new(
            "warden",
            "sync",
            None,
            json!({"connection": "warehouse", "ok": true}),
        ),
        NewEvent::new(
            "ops, \"night\" shift\nteam",
            "note",
            None,
            json!({"text": "a, b; \"c\"\r\nd"}),
        ),
        NewEvent::new(
            "warden",
            "sync",
            None,
            json!({"connection": "lake", "ok": false}),
        ),
    ];
    app.store
        .append_audit("2030-01-01T00:00:00.000000Z", &events)
        .await
        .unwrap();
    let all = app.store.audit(&all_events()).await.unwrap();
    app.store.close().await;
    all.len() as i64
}

fn all_events() -> AuditFilter {
    AuditFilter {
        limit: 100_000,
        ..AuditFilter::default()
    }
}

async fn db(dir: &Path) -> SqlitePool {
    SqlitePool::connect(&format!("sqlite://{}", dir.join("warden.db").display()))
        .await
        .unwrap()
}

/// `warden audit verify`: exit status, stdout lines, and the `--json` document.
fn verify(dir: &Path) -> (i32, Vec<String>, Value) {
    let (code, out, err) = run(dir, &["audit", "verify"]);
    let lines = out.lines().map(str::to_string).collect();
    let (jcode, json, _) = run(dir, &["--json", "audit", "verify"]);
    assert_eq!(code, jcode, "{err}");
    (code, lines, serde_json::from_str(&json).unwrap())
}

/// The sequence numbers the `--json` breaks name.
fn named(doc: &Value) -> Vec<i64> {
    doc["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn verify_names_the_row_edited_or_deleted_behind_wardens_back() {
    let dir = tempfile::tempdir().unwrap();
    let n = populated(dir.path()).await;
    assert!(n >= 5, "{n} events");

    let (code, lines, doc) = verify(dir.path());
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines, [format!("audit log intact: {n} events")]);
    assert_eq!(doc, json!({"ok": true, "events": n, "breaks": []}));

    let pool = db(dir.path()).await;
    // An edited actor, then an edited data column: each named by its seq alone.
    for (column, k) in [("actor", 2), ("data", 3)] {
        let original: String = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {column} FROM audit WHERE seq = $1"
        )))
        .bind(k)
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
        let forged = if column == "data" { "{}" } else { "mallory" };
        set(&pool, column, k, forged).await;
        let (code, lines, doc) = verify(dir.path());
        assert_eq!(code, 1, "{column}: {lines:?}");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with(&format!("seq {k}: ")), "{lines:?}");
        assert!(lines[0].contains("does not match its hash"), "{lines:?}");
        assert_eq!(doc["ok"], false);
        assert_eq!(named(&doc), [k]);
        set(&pool, column, k, &original).await;
        assert_eq!(verify(dir.path()).0, 0, "restored");
    }

    // A deleted row in the middle.
    let k = n / 2;
    let saved = take(&pool, k).await;
    let (code, lines, doc) = verify(dir.path());
    assert_eq!(code, 1);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("seq {k}: ")) && l.contains("missing")),
        "{lines:?}"
    );
    assert_eq!(named(&doc)[0], k);
    put(&pool, &saved).await;
    assert_eq!(verify(dir.path()).0, 0, "restored");

    // The last row deleted: the head still remembers it.
    take(&pool, n).await;
    let (code, lines, doc) = verify(dir.path());
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&format!("seq {n}: ")), "{lines:?}");
    assert_eq!(named(&doc), [n]);
    pool.close().await;
}

async fn set(pool: &SqlitePool, column: &str, seq: i64, value: &str) {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE audit SET {column} = $1 WHERE seq = $2"
    )))
    .bind(value)
    .bind(seq)
    .execute(pool)
    .await
    .unwrap();
}

/// Deletes row `seq`, returning its columns to put it back.
async fn take(pool: &SqlitePool, seq: i64) -> Vec<Option<String>> {
    let row = sqlx::query(
        "SELECT CAST(seq AS TEXT), at, actor, kind, request_id, data, prev_hash, hash
           FROM audit WHERE seq = $1",
    )
    .bind(seq)
    .fetch_one(pool)
    .await
    .unwrap();
    let saved = (0..8).map(|i| row.get::<Option<String>, _>(i)).collect();
    sqlx::query("DELETE FROM audit WHERE seq = $1")
        .bind(seq)
        .execute(pool)
        .await
        .unwrap();
    saved
}

async fn put(pool: &SqlitePool, saved: &[Option<String>]) {
    let mut q = sqlx::query(
        "INSERT INTO audit (seq, at, actor, kind, request_id, data, prev_hash, hash)
         VALUES (CAST($1 AS INTEGER), $2, $3, $4, $5, $6, $7, $8)",
    );
    for v in saved {
        q = q.bind(v.clone());
    }
    q.execute(pool).await.unwrap();
}

/// A minimal RFC 4180 reader: the test must not trust the writer's own idea of quoting.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "the file ends a row"
    );
    rows
}

#[tokio::test]
async fn exports_parse_back_into_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    let store = warden::store::Store::open_data_dir(dir.path())
        .await
        .unwrap();
    let events = store.audit(&all_events()).await.unwrap();
    store.close().await;

    // JSON lines, the default.
    let (code, out, err) = run(dir.path(), &["audit", "export"]);
    assert_eq!(code, 0, "{err}");
    let back: Vec<AuditEvent> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(back, events);
    let (_, with_json, _) = run(dir.path(), &["--json", "audit", "export"]);
    assert_eq!(with_json, out, "--json adds nothing to the file");

    // CSV: the header, then one row per event, every field as stored.
    let (code, out, err) = run(dir.path(), &["audit", "export", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let rows = parse_csv(&out);
    assert_eq!(
        rows[0],
        [
            "seq",
            "at",
            "actor",
            "kind",
            "request_id",
            "data",
            "prev_hash",
            "hash"
        ]
    );
    assert_eq!(rows.len(), events.len() + 1);
    for (row, e) in rows[1..].iter().zip(&events) {
        let request_id = (!row[4].is_empty()).then(|| row[4].clone());
        let data: Value = serde_json::from_str(&row[5]).unwrap();
        let parsed = AuditEvent {
            seq: row[0].parse().unwrap(),
            at: row[1].clone(),
            actor: row[2].clone(),
            kind: row[3].clone(),
            request_id,
            data,
            data_text: None,
            prev_hash: row[6].clone(),
            hash: row[7].clone(),
        };
        assert_eq!(&parsed, e);
        // The file alone is enough to check the chain.
        let again = chain_hash(
            parsed.seq,
            &row[1],
            &row[2],
            &row[3],
            parsed.request_id.as_deref(),
            &row[5],
            &row[6],
        );
        assert_eq!(again, row[7], "seq {}", row[0]);
    }
    assert!(
        events.iter().any(|e| e.actor.contains(['"', ',', '\n'])),
        "an actor that needs quoting was exported"
    );

    // One request's events.
    let id = events
        .iter()
        .find_map(|e| e.request_id.clone())
        .expect("a request event");
    let (code, out, _) = run(dir.path(), &["audit", "export", "--request", &id]);
    assert_eq!(code, 0);
    let mine: Vec<AuditEvent> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!mine.is_empty());
    assert!(
        mine.iter()
            .all(|e| e.request_id.as_deref() == Some(id.as_str()))
    );

    let (code, _, err) = run(dir.path(), &["audit", "export", "--format", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("--format"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(empty.path(), &["audit", "verify"]);
    assert_eq!(code, 2, "{err}");
}

#[tokio::test]
async fn reviewers_read_the_log_over_http() {
    let s = TestServer::start().await;
    for i in 0..5 {
        s.app
            .store
            .append_audit(
                "2030-01-01T00:00:00.000000Z",
                &[NewEvent::new("warden", "sync", None, json!({"i": i}))],
            )
            .await
            .unwrap();
    }
    let requester = s.token_for("rita", Role::Requester, None).await;
    let (status, body) = s.get_as(&requester, "/v1/audit").await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = s.get_as(&requester, "/v1/audit/verify").await;
    assert_eq!(status, 403);
    let (status, _) = s.get_as(&requester, "/v1/drift").await;
    assert_eq!(status, 403);

    let reviewer = s.token_for("rev", Role::Reviewer, None).await;
    let mut seen = Vec::new();
    let mut path = "/v1/audit?kind=sync&limit=2".to_string();
    loop {
        let (status, body) = s.get_as(&reviewer, &path).await;
        assert_eq!(status, 200, "{body}");
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|e| e["data"]["i"].as_i64().unwrap()));
        match body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/audit?kind=sync&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [0, 1, 2, 3, 4]);

    let (status, body) = s.get_as(&reviewer, "/v1/audit/verify").await;
    assert_eq!(status, 200);
    assert_eq!(body["ok"], true, "{body}");
    let (status, body) = s.get_as(&reviewer, "/v1/audit?limit=0").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["path"], "limit");

    let r = s
        .client
        .get(format!("{}/v1/audit?format=csv&kind=sync", s.base))
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let rows = parse_csv(&r.text().await.unwrap());
    assert_eq!(rows.len(), 6, "header and five events");
    assert!(rows[1..].iter().all(|r| r[3] == "sync"));

    let (status, body) = s.get_as(&reviewer, "/v1/drift").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"items": [], "next_cursor": null}));
}

#[test]
fn a_failed_sync_is_audited_without_its_url() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on: bind one, then let it go.
    let port = crate::common::free_port();
    let url = format!("postgres://warden:s3cret-pw@127.0.0.1:{port}/shop");
    std::fs::write(
        dir.path().join("warden.toml"),
        format!("[[connections]]\nname = \"down\"\nplatform = \"postgres\"\nurl = \"{url}\"\n"),
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["sync"]);
    assert_eq!(code, 3, "{err}");
    let (code, out, _) = run(dir.path(), &["audit", "export", "--kind", "sync"]);
    assert_eq!(code, 0);
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "{out}");
    assert_eq!(events[0]["actor"], "warden");
    assert_eq!(events[0]["data"]["connection"], "down");
    assert_eq!(events[0]["data"]["ok"], false);
    assert_eq!(events[0]["data"]["error"]["kind"], "unreachable", "{out}");
    assert!(!out.contains("s3cret") && !out.contains(&url), "{out}");
}
