//! Drift against a real PostgreSQL: a request provisioned by Warden, its grant revoked behind
//! Warden's back, `warden sync` → a `missing` record that `warden drift` lists (once, however
//! many syncs see it); granted back → resolved. Then the request is revoked by Warden and its
//! membership granted again by hand → `reappeared`. Each finding is in the audit log. The drift
//! store itself behaves alike on SQLite and PostgreSQL.

use crate::binary::run;
use crate::pg::PgCluster;
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgPool};
use std::path::Path;
use warden::app::App;
use warden::model::audit::AuditFilter;
use warden::people::{Principal, Role};
use warden::requests::{Approval, NewRequest, Status};
use warden::store::Store;
use warden::store::drift::{DriftFilter, DriftKind, NewDrift};

const WORLD: &[&str] = &[
    "CREATE ROLE alice LOGIN",
    "CREATE ROLE analyst",
    "CREATE SCHEMA shop",
    "CREATE TABLE shop.orders (id int)",
];

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(dir, &all);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, doc)
}

/// `warden sync`, which must succeed; its drift outcome for the one connection.
fn sync(dir: &Path) -> Value {
    let (code, doc) = json(dir, &["sync"]);
    assert_eq!(code, 0, "{doc}");
    doc["connections"][0]["drift"].clone()
}

fn drift(dir: &Path, all: bool) -> Vec<Value> {
    let args: &[&str] = if all { &["drift", "--all"] } else { &["drift"] };
    let (code, doc) = json(dir, args);
    assert_eq!(code, 0, "{doc}");
    doc["drift"].as_array().unwrap().clone()
}

/// The audit events of `kind`, from the JSON-lines export.
fn events(dir: &Path, kind: &str) -> Vec<Value> {
    let (code, out, err) = run(dir, &["audit", "export", "--kind", kind]);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn a_grant_revoked_behind_wardens_back_is_drift_until_it_is_back() {
    let Ok(pg) = PgCluster::try_start() else {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
    };
    let admin = PgPool::connect(&pg.url).await.unwrap();
    for sql in WORLD {
        exec(&admin, sql).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    // Trust authentication: the URL holds no secret, so it may sit in the file.
    std::fs::write(
        dir.join("warden.toml"),
        format!(
            "[[connections]]\nname = \"warehouse\"\nplatform = \"postgres\"\nurl = \"{}\"\n",
            pg.url
        ),
    )
    .unwrap();
    assert_eq!(sync(dir)["open"], 0);

    // Alice asks for SELECT and the analyst role; a reviewer approves; the job runner grants.
    let app = App::open(dir).await.unwrap();
    let alice = app
        .people
        .add_person("alice", Role::Requester, Some("alice@acme.test"))
        .await
        .unwrap();
    let rev = app
        .people
        .add_person("rev", Role::Reviewer, Some("rev@acme.test"))
        .await
        .unwrap();
    let access = app.access.load();
    let input = NewRequest {
        resources: vec!["shop.orders".into()],
        privileges: vec!["SELECT".into()],
        roles: vec!["analyst".into()],
        reason: Some("drift test".into()),
        ..NewRequest::default()
    };
    let req = app
        .requests
        .create(&access, &Principal::person(alice), input, None)
        .await
        .unwrap();
    let reviewer = Principal::person(rev);
    app.requests
        .approve(&access, &reviewer, &req.id, Approval::default())
        .await
        .unwrap();
    warden::jobs::run_due(&app.requests).await.unwrap();
    let (active, _) = app.store.request(&req.id).await.unwrap().unwrap();
    assert_eq!(active.status(), Status::Active, "{active:?}");
    assert_eq!(active.changes.len(), 2, "{:?}", active.changes);
    assert!(
        active
            .changes
            .iter()
            .all(|c| c.granted && c.pre_existing == Some(false)),
        "{:?}",
        active.changes
    );
    app.store.close().await;

    // Everything as Warden left it: no drift.
    assert_eq!(sync(dir)["found"], 0);
    assert!(drift(dir, false).is_empty());
    let (_, text, _) = run(dir, &["drift"]);
    assert_eq!(text.trim(), "no open drift");

    // Someone revokes the table grant by hand.
    exec(&admin, "REVOKE SELECT ON shop.orders FROM alice").await;
    let outcome = sync(dir);
    assert_eq!(outcome["found"], 1, "{outcome}");
    let open = drift(dir, false);
    assert_eq!(open.len(), 1, "{open:?}");
    let record = &open[0];
    assert_eq!(record["kind"], "missing");
    assert_eq!(record["request_id"], req.id.as_str());
    assert_eq!(record["connection"], "warehouse");
    assert_eq!(record["detail"]["grantee"], "alice");
    assert_eq!(record["detail"]["privilege"], "SELECT");
    assert!(record["resolved_at"].is_null());
    let (code, text, _) = run(dir, &["drift"]);
    assert_eq!(code, 0);
    assert!(
        text.contains("missing") && text.contains("SELECT on postgres.shop.orders to alice"),
        "{text}"
    );
    assert!(text.contains(&req.id), "{text}");

    // A second sync sees the same difference: no second record, no second event.
    assert_eq!(sync(dir)["found"], 0);
    let again = drift(dir, false);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["id"], record["id"]);
    let found = events(dir, "drift");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["request_id"], req.id.as_str());
    assert_eq!(found[0]["actor"], "warden");

    // Granted back: the next sync agrees again and resolves it.
    exec(&admin, "GRANT SELECT ON shop.orders TO alice").await;
    let outcome = sync(dir);
    assert_eq!(outcome["resolved"], 1, "{outcome}");
    assert_eq!(outcome["open"], 0, "{outcome}");
    assert!(drift(dir, false).is_empty());
    let all = drift(dir, true);
    assert_eq!(all.len(), 1);
    assert!(all[0]["resolved_at"].is_string(), "{all:?}");
    assert_eq!(events(dir, "drift_resolved").len(), 1);

    // Warden revokes the request; someone grants the role back by hand: it reappeared.
    let app = App::open(dir).await.unwrap();
    app.requests
        .revoke(&reviewer, &req.id, Some("done".into()))
        .await
        .unwrap();
    warden::jobs::run_due(&app.requests).await.unwrap();
    let (closed, _) = app.store.request(&req.id).await.unwrap().unwrap();
    assert_eq!(closed.status(), Status::Closed, "{closed:?}");
    app.store.close().await;
    assert_eq!(sync(dir)["found"], 0, "revoked as recorded");
    exec(&admin, "GRANT analyst TO alice").await;
    let outcome = sync(dir);
    assert_eq!(outcome["found"], 1, "{outcome}");
    let open = drift(dir, false);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "reappeared");
    assert_eq!(open[0]["detail"]["kind"], "membership");
    assert_eq!(open[0]["detail"]["role"], "analyst");

    // One `sync` event per sync, none naming the URL; the chain still holds.
    let syncs = events(dir, "sync");
    assert_eq!(syncs.len(), 7, "{syncs:?}");
    assert!(
        syncs
            .iter()
            .all(|e| e["data"]["ok"] == true && e["actor"] == "warden")
    );
    assert!(!serde_json::to_string(&syncs).unwrap().contains(&pg.url));
    let (code, out, _) = run(dir, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    admin.close().await;
}

/// The drift store on each backend: a difference recorded once however often it is found, kept
/// apart per connection, resolved when no longer found, paged, each change audited.
#[tokio::test]
async fn drift_records_behave_alike_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let pg = crate::store::fresh_database().await;
    for (name, url) in [("sqlite", None), ("postgres", Some(pg.url.as_str()))] {
        let store = Store::open(dir.path(), url).await.unwrap();
        reconcile_on(name, &store).await;
        store.close().await;
    }
}

async fn reconcile_on(backend: &str, store: &Store) {
    let change = |table: &str| {
        serde_json::json!({"kind": "privilege", "privilege": "SELECT",
                           "resource": ["db", "s", table], "grantee": "it's \"me\""})
    };
    let missing = |req: &str, table: &str| NewDrift {
        request_id: req.into(),
        kind: DriftKind::Missing,
        detail: change(table),
    };
    let open = |connection: Option<&str>| DriftFilter {
        connection: connection.map(str::to_string),
        limit: 100,
        ..DriftFilter::default()
    };
    let (t1, t2) = ("2030-01-01T00:00:00.000000Z", "2030-01-02T00:00:00.000000Z");

    let found = [missing("req_a", "t1"), missing("req_b", "t2")];
    let c = store.reconcile_drift("wh", &found, t1).await.unwrap();
    assert_eq!((c.found.len(), c.resolved.len()), (2, 0), "{backend}");
    let c = store.reconcile_drift("wh", &found, t2).await.unwrap();
    assert_eq!(
        (c.found.len(), c.resolved.len()),
        (0, 0),
        "{backend}: no duplicate"
    );
    store
        .reconcile_drift("lake", &[missing("req_a", "t1")], t1)
        .await
        .unwrap();
    assert_eq!(
        store.drift(&open(Some("wh"))).await.unwrap().len(),
        2,
        "{backend}"
    );
    assert_eq!(
        store.drift(&open(None)).await.unwrap().len(),
        3,
        "{backend}"
    );

    // req_b's grant is back: only its record is resolved, and only on this connection.
    let c = store
        .reconcile_drift("wh", &[missing("req_a", "t1")], t2)
        .await
        .unwrap();
    assert_eq!(c.resolved.len(), 1, "{backend}");
    assert_eq!(c.resolved[0].request_id, "req_b");
    assert_eq!(c.resolved[0].resolved_at.as_deref(), Some(t2));
    let still = store.drift(&open(Some("wh"))).await.unwrap();
    assert_eq!(still.len(), 1, "{backend}");
    assert_eq!(
        still[0].detail,
        change("t1"),
        "{backend}: detail kept as written"
    );
    assert_eq!(still[0].found_at, t1);
    let mut all = open(None);
    all.include_resolved = true;
    assert_eq!(store.drift(&all).await.unwrap().len(), 3, "{backend}");
    let mine = DriftFilter {
        request_id: Some("req_a".into()),
        ..open(None)
    };
    assert_eq!(store.drift(&mine).await.unwrap().len(), 2, "{backend}");

    // Paging by (found_at, id) visits each record once.
    let mut seen = Vec::new();
    let mut page = DriftFilter {
        limit: 1,
        ..all.clone()
    };
    loop {
        let got = store.drift(&page).await.unwrap();
        let Some(last) = got.last() else { break };
        page.after = Some((last.found_at.clone(), last.id.clone()));
        seen.extend(got.into_iter().map(|r| r.id));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "{backend}");

    let kinds: Vec<String> = store
        .audit(&AuditFilter {
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["drift", "drift", "drift", "drift_resolved"],
        "{backend}"
    );
    let v = warden::audit::verify(store).await.unwrap();
    assert!(v.ok, "{backend}: {:?}", v.breaks);
}
