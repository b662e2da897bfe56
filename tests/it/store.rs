//! The store conformance suite. Every check runs on each backend: SQLite in a temporary data
//! dir, and PostgreSQL in a fresh database of a cluster the tests share while they run.

use crate::pg::PgCluster;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use warden::model::{
    Condition, Connection, Grant, Grantee, Identity, IdentityKind, Membership, Platform, Resource,
    ResourceKind, SpecialGroup,
};
use warden::people::{Person, Role};
use warden::store::{AgentCall, Store};

/// The cluster of the PostgreSQL tests running now: the first one starts it, and it stops when
/// the last lets go (a static that owned it would leave the server running after the tests).
/// Tests run a few at a time, one after another, so most of them share one cluster.
pub fn shared_cluster() -> Arc<PgCluster> {
    static CLUSTER: Mutex<Weak<PgCluster>> = Mutex::new(Weak::new());
    let mut slot = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = slot.upgrade() {
        return c;
    }
    let c = Arc::new(PgCluster::try_start().unwrap_or_else(|e| {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it): {e}")
    }));
    *slot = Arc::downgrade(&c);
    c
}

/// A new, empty database on the shared cluster; the cluster lives as long as this value.
pub struct PgDatabase {
    pub url: String,
    pub cluster: Arc<PgCluster>,
}

pub async fn fresh_database() -> PgDatabase {
    use sqlx::Connection as _;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let cluster = shared_cluster();
    let name = format!("store_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let mut admin = sqlx::PgConnection::connect(&cluster.url).await.unwrap();
    // The cluster's own locale is C. A UTF-8 one, where it exists, is where lower() folds more
    // than ASCII and text sorts by locale rules: the store must still behave as SQLite does.
    let utf8 = format!("CREATE DATABASE {name} TEMPLATE template0 LOCALE 'C.UTF-8'");
    if sqlx::query(sqlx::AssertSqlSafe(utf8))
        .execute(&mut admin)
        .await
        .is_err()
    {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    admin.close().await.unwrap();
    PgDatabase {
        url: cluster.url_for(&name),
        cluster,
    }
}

/// One backend under test, and how to open it again (a second server on the same store).
pub struct Backend {
    pub name: &'static str,
    pub store: Store,
    pub dir: PathBuf,
    pub pg: Option<PgDatabase>,
}

impl Backend {
    pub async fn open_again(&self) -> Store {
        let url = self.pg.as_ref().map(|p| p.url.as_str());
        Store::open(&self.dir, url).await.unwrap()
    }
}

/// The store on each backend: SQLite in `dir`, PostgreSQL in a fresh database.
pub async fn backends(dir: &Path) -> Vec<Backend> {
    let pg = fresh_database().await;
    vec![
        Backend {
            name: "sqlite",
            store: Store::open(dir, None).await.unwrap(),
            dir: dir.to_path_buf(),
            pg: None,
        },
        Backend {
            name: "postgres",
            store: Store::open(dir, Some(&pg.url)).await.unwrap(),
            dir: dir.to_path_buf(),
            pg: Some(pg),
        },
    ]
}

fn demo() -> Vec<Connection> {
    let mut conns = warden::demo::connections().unwrap();
    conns.sort_by(|a, b| a.name.cmp(&b.name));
    conns
}

/// A connection using every field and every kind of grantee, with values that a careless
/// backend would change: a nanosecond time, a dotted path part, JSON columns, NULLs.
fn unusual() -> Connection {
    let identity = |name: &str, kind| Identity {
        name: name.into(),
        kind,
        email: None,
        display_name: None,
        superuser: false,
        inherit: true,
    };
    let grant = |grantee, privilege: &str, resource| Grant {
        grantee,
        privilege: privilege.into(),
        resource,
        grant_option: false,
        future: false,
        condition: None,
    };
    Connection {
        name: "Zeta unusual".into(),
        platform: Platform::Bigquery,
        server_version: None,
        taken_at: chrono::DateTime::from_timestamp(1_700_000_000, 123_456_789),
        identities: vec![
            Identity {
                email: Some("Ünïcode@acme.test".into()),
                display_name: Some("It's \"quoted\"".into()),
                superuser: true,
                inherit: false,
                ..identity("user:ü@acme.test", IdentityKind::User)
            },
            identity("group:eng@acme.test", IdentityKind::Group),
        ],
        memberships: vec![Membership {
            member: 0,
            role: 1,
            inherit: false,
        }],
        resources: vec![
            Resource {
                name: "acme-prod".into(),
                path: vec!["acme-prod".into()],
                kind: ResourceKind::Project,
                owner: None,
                owner_privileges: None,
                parent: None,
            },
            Resource {
                name: "acme-prod.data.set".into(),
                path: vec!["acme-prod".into(), "data.set".into()],
                kind: ResourceKind::Dataset,
                owner: Some(1),
                owner_privileges: Some(vec!["roles/bigquery.dataOwner".into()]),
                parent: Some(0),
            },
        ],
        grants: vec![
            Grant {
                grant_option: true,
                future: true,
                condition: Some(Box::new(Condition {
                    title: Some("until 2027".into()),
                    expression: Some("request.time < timestamp(\"2027-01-01T00:00:00Z\")".into()),
                })),
                ..grant(Grantee::Identity(0), "roles/viewer", 0)
            },
            grant(Grantee::Public, "SELECT", 1),
            grant(
                Grantee::Domain("acme.test".into()),
                "roles/bigquery.dataViewer",
                1,
            ),
            grant(Grantee::AllUsers, "roles/viewer", 1),
            grant(Grantee::AllAuthenticatedUsers, "roles/viewer", 1),
            grant(
                Grantee::SpecialGroup(SpecialGroup::ProjectOwners),
                "roles/bigquery.dataOwner",
                1,
            ),
        ],
    }
}

#[tokio::test]
async fn store_round_trips_and_replaces_per_connection() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        assert!(
            store.load().await.unwrap().is_empty(),
            "{name}: a new store is empty"
        );
        let g0 = store.generation().await.unwrap();

        let conns = demo();
        let g1 = store.replace_connections(&conns).await.unwrap();
        assert!(g1 > g0, "{name}: generation moves on import");
        assert_eq!(store.generation().await.unwrap(), g1, "{name}");
        assert_eq!(
            store.load().await.unwrap(),
            conns,
            "{name}: what is loaded is what was stored"
        );

        // Replacing one connection leaves the others as they were.
        let mut smaller = conns[0].clone();
        smaller.grants.truncate(1);
        let g2 = store
            .replace_connections(std::slice::from_ref(&smaller))
            .await
            .unwrap();
        assert!(g2 > g1);
        let loaded = store.load().await.unwrap();
        assert_eq!(loaded.len(), conns.len());
        assert_eq!(loaded[0], smaller, "{name}: the replaced connection");
        assert_eq!(
            &loaded[1..],
            &conns[1..],
            "{name}: the untouched connections"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn store_keeps_every_field_exactly() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        // Names sort in byte order: upper case before lower, "Zeta" before "bigquery".
        let mut want = demo();
        want.push(unusual());
        want.sort_by(|a, b| a.name.cmp(&b.name));
        store.replace_connections(&want).await.unwrap();
        assert_eq!(store.load().await.unwrap(), want, "{name}");
        store.close().await;
    }
}

impl Backend {
    /// Makes the database refuse any grant of privilege `BOOM`, as a full disk or a lost
    /// connection would refuse a write halfway through an import.
    async fn refuse_boom_grants(&self) {
        use sqlx::AssertSqlSafe as Sql;
        match &self.pg {
            Some(pg) => {
                let db = sqlx::PgPool::connect(&pg.url).await.unwrap();
                for sql in [
                    "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN IF NEW.privilege = 'BOOM' THEN RAISE EXCEPTION 'boom'; END IF;
                     RETURN NEW; END $$",
                    "CREATE TRIGGER boom BEFORE INSERT ON grants FOR EACH ROW EXECUTE FUNCTION boom()",
                ] {
                    sqlx::query(Sql(sql)).execute(&db).await.unwrap();
                }
                db.close().await;
            }
            None => {
                let file = self.dir.join("warden.db");
                let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
                    .await
                    .unwrap();
                sqlx::query(
                    "CREATE TRIGGER boom BEFORE INSERT ON grants WHEN NEW.privilege = 'BOOM'
                     BEGIN SELECT RAISE(ABORT, 'boom'); END",
                )
                .execute(&db)
                .await
                .unwrap();
                db.close().await;
            }
        }
    }
}

#[tokio::test]
async fn store_import_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for b in backends(dir.path()).await {
        let (name, store) = (b.name, &b.store);
        let conns = demo();
        let g1 = store.replace_connections(&conns).await.unwrap();
        b.refuse_boom_grants().await;
        // The first connection is written (emptied) before the second one's grants fail.
        let mut emptied = conns[0].clone();
        emptied.grants.clear();
        let mut failing = conns[1].clone();
        failing.grants[0].privilege = "BOOM".into();
        assert!(
            store
                .replace_connections(&[emptied, failing])
                .await
                .is_err(),
            "{name}: the refused write fails the import"
        );
        assert_eq!(
            store.load().await.unwrap(),
            conns,
            "{name}: nothing changed"
        );
        assert_eq!(store.generation().await.unwrap(), g1, "{name}");
        store.close().await;
    }
}

#[tokio::test]
async fn store_writes_large_snapshots_in_bulk() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        let mut big = unusual();
        big.name = "big".into();
        let template = big.grants.clone();
        big.grants = (0..120_000)
            .map(|i| {
                let mut g = template[i % template.len()].clone();
                g.resource = (i % 2) as u32;
                g
            })
            .collect();
        let started = std::time::Instant::now();
        store
            .replace_connections(std::slice::from_ref(&big))
            .await
            .unwrap();
        let wrote = started.elapsed();
        let loaded = store.load().await.unwrap();
        eprintln!(
            "{name}: 120k grants written in {wrote:?}, read in {:?}",
            started.elapsed() - wrote
        );
        assert_eq!(loaded, vec![big.clone()], "{name}");
        // Replaced by a smaller one, nothing of the big one stays.
        big.grants.truncate(3);
        store
            .replace_connections(std::slice::from_ref(&big))
            .await
            .unwrap();
        assert_eq!(store.load().await.unwrap(), vec![big], "{name}");
        store.close().await;
    }
}

#[tokio::test]
async fn store_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    for b in backends(dir.path()).await {
        let conns = demo();
        b.store.replace_connections(&conns).await.unwrap();
        let generation = b.store.generation().await.unwrap();
        b.store.close().await;
        let store = b.open_again().await;
        assert_eq!(store.load().await.unwrap(), conns, "{}", b.name);
        assert_eq!(store.generation().await.unwrap(), generation, "{}", b.name);
        store.close().await;
    }
}

#[tokio::test]
async fn store_imports_are_seen_by_another_server() {
    let dir = tempfile::tempdir().unwrap();
    for b in backends(dir.path()).await {
        let other = b.open_again().await;
        let conns = demo();
        let g = b.store.replace_connections(&conns).await.unwrap();
        assert_eq!(other.generation().await.unwrap(), g, "{}", b.name);
        assert_eq!(other.load().await.unwrap(), conns, "{}", b.name);
        other.close().await;
        b.store.close().await;
    }
}

fn person(name: &str, email: Option<&str>, role: Role) -> Person {
    Person {
        id: format!("p_{}", name.to_lowercase()),
        name: name.into(),
        email: email.map(str::to_owned),
        role,
        created_at: "2026-11-01T10:00:00+00:00".into(),
    }
}

#[tokio::test]
async fn store_people_are_unique_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        let maya = person("Maya", Some("Maya@Acme.test"), Role::Requester);
        assert!(store.add_person(&maya).await.unwrap(), "{name}");
        assert!(
            !store
                .add_person(&Person {
                    id: "p_other".into(),
                    ..person("mAYA", None, Role::Admin)
                })
                .await
                .unwrap(),
            "{name}: a name taken in another case"
        );
        assert!(
            !store
                .add_person(&person("maya2", Some("maya@acme.TEST"), Role::Admin))
                .await
                .unwrap(),
            "{name}: an email taken in another case"
        );
        // People without an email do not collide with each other.
        let tom = person("tom", None, Role::Reviewer);
        let alice = person("alice", None, Role::Admin);
        assert!(store.add_person(&tom).await.unwrap(), "{name}");
        assert!(store.add_person(&alice).await.unwrap(), "{name}");

        assert_eq!(
            store.people().await.unwrap(),
            [alice.clone(), maya.clone(), tom.clone()],
            "{name}: sorted by name, any case"
        );
        for key in ["maya", "MAYA", " Maya ", "maya@acme.test", "MAYA@ACME.TEST"] {
            assert_eq!(
                store.find_person(key).await.unwrap().as_ref(),
                Some(&maya),
                "{name}: find_person({key:?})"
            );
        }
        assert_eq!(store.find_person("tom").await.unwrap(), Some(tom), "{name}");
        assert_eq!(store.find_person("nobody").await.unwrap(), None, "{name}");
        assert_eq!(store.find_person("").await.unwrap(), None, "{name}");
        // NOCASE folds ASCII letters only: a non-ASCII capital is a different name.
        let eve = person("Ève", None, Role::Requester);
        assert!(store.add_person(&eve).await.unwrap(), "{name}");
        assert_eq!(store.find_person("ève").await.unwrap(), None, "{name}");
        assert_eq!(store.find_person("ÈVE").await.unwrap(), Some(eve), "{name}");
        store.close().await;
    }
}

#[tokio::test]
async fn store_tokens_stand_for_their_person_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        let maya = person("maya", Some("maya@acme.test"), Role::Requester);
        store.add_person(&maya).await.unwrap();
        store
            .add_token("tok_a", &maya.id, None, "hash-a")
            .await
            .unwrap();
        store
            .add_token("tok_b", &maya.id, Some("helpdesk-bot"), "hash-b")
            .await
            .unwrap();

        let tokens = store.tokens().await.unwrap();
        let ids: Vec<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["tok_a", "tok_b"], "{name}: oldest first");
        assert!(
            tokens
                .iter()
                .all(|t| t.person == "maya" && t.revoked_at.is_none())
        );
        assert_eq!(tokens[1].agent.as_deref(), Some("helpdesk-bot"), "{name}");

        let p = store.principal_for("hash-b").await.unwrap().unwrap();
        assert_eq!(p.person.as_ref(), Some(&maya), "{name}");
        assert_eq!(p.agent.as_deref(), Some("helpdesk-bot"), "{name}");
        assert_eq!(p.token_id.as_deref(), Some("tok_b"), "{name}");
        let p = store.principal_for("hash-a").await.unwrap().unwrap();
        assert_eq!(p.agent, None, "{name}");
        assert!(store.principal_for("hash-x").await.unwrap().is_none());

        assert!(store.revoke_token("tok_b").await.unwrap(), "{name}");
        assert!(!store.revoke_token("tok_b").await.unwrap(), "{name}: once");
        assert!(!store.revoke_token("tok_nope").await.unwrap(), "{name}");
        assert!(
            store.principal_for("hash-b").await.unwrap().is_none(),
            "{name}"
        );
        assert!(
            store.principal_for("hash-a").await.unwrap().is_some(),
            "{name}"
        );
        let tokens = store.tokens().await.unwrap();
        assert!(tokens[1].revoked_at.is_some() && tokens[0].revoked_at.is_none());

        // A token must belong to someone.
        assert!(
            store
                .add_token("tok_c", "p_nobody", None, "hash-c")
                .await
                .is_err(),
            "{name}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn store_conversations_belong_to_their_owner() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        assert_eq!(store.conversation("c1", "p_maya").await.unwrap(), None);
        store
            .save_conversation("c1", "p_maya", "{\"turns\":1}")
            .await
            .unwrap();
        store
            .save_conversation("c1", "p_maya", "{\"turns\":2}")
            .await
            .unwrap();
        assert_eq!(
            store.conversation("c1", "p_maya").await.unwrap().as_deref(),
            Some("{\"turns\":2}"),
            "{name}: the owner's latest state"
        );
        // Someone else can neither read nor overwrite it.
        assert_eq!(
            store.conversation("c1", "p_tom").await.unwrap(),
            None,
            "{name}"
        );
        store
            .save_conversation("c1", "p_tom", "{\"stolen\":true}")
            .await
            .unwrap();
        assert_eq!(
            store.conversation("c1", "p_maya").await.unwrap().as_deref(),
            Some("{\"turns\":2}"),
            "{name}"
        );
        // The local operator ('' owner) has its own.
        store.save_conversation("c2", "", "{}").await.unwrap();
        assert_eq!(
            store.conversation("c2", "").await.unwrap().as_deref(),
            Some("{}")
        );
        store.close().await;
    }
}

#[tokio::test]
async fn store_agent_calls_are_logged_in_order() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        assert!(store.agent_calls().await.unwrap().is_empty(), "{name}");
        let calls: Vec<AgentCall> = (0..3)
            .map(|i| AgentCall {
                person_id: "p_maya".into(),
                agent: "helpdesk-bot".into(),
                token_id: (i != 1).then(|| format!("tok_{i}")),
                tool: "check_access".into(),
                arguments: serde_json::json!({"identity": "maya", "n": i, "ü": [null, true]}),
                outcome: if i == 2 { "forbidden" } else { "ok" }.into(),
            })
            .collect();
        for c in &calls {
            store.log_agent_call(c).await.unwrap();
        }
        assert_eq!(store.agent_calls().await.unwrap(), calls, "{name}");
        store.close().await;
    }
}

/// A store written before the agent log was read from the chain: a call was an `agent_calls`
/// row beside an audit event that had no `person_id`. The log lists such a call once, from its
/// row, before the calls logged since.
#[tokio::test]
async fn store_agent_calls_logged_as_rows_before_are_listed_once_and_first() {
    use warden::model::audit::NewEvent;
    use warden::store::group_commit::Appended;
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        let call = |person: &str, n: i64| AgentCall {
            person_id: format!("p_{person}"),
            agent: "bot".into(),
            token_id: Some("tok_1".into()),
            tool: "check_access".into(),
            arguments: serde_json::json!({"identity": person, "n": n}),
            outcome: "ok".into(),
        };
        let old = call("maya", 1);
        // As the earlier versions wrote it: the event without ids, the row beside it.
        let event = NewEvent::new(
            "agent \"bot\" for maya",
            "agent_tool_call",
            None,
            serde_json::json!({"agent": "bot", "person": "maya", "tool": "check_access",
                "arguments": old.arguments, "outcome": "ok"}),
        );
        store
            .append_grouped(Appended {
                at: "2026-12-01T00:00:00+00:00".into(),
                events: vec![event],
                call: Some(("2026-12-01T00:00:00+00:00".into(), old.clone())),
                ..Default::default()
            })
            .await
            .unwrap();
        let new = call("ali", 2);
        store.log_agent_call(&new).await.unwrap();
        assert_eq!(store.agent_calls().await.unwrap(), [old, new], "{name}");
        let verified = warden::audit::verify(&store).await.unwrap();
        assert!(verified.ok && verified.events == 2, "{name}: {verified:?}");
        store.close().await;
    }
}

#[tokio::test]
async fn store_records_sync_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        // Each write, first or over another, works, and the metrics read them back: the last
        // success and how long it took stay through later failures, which are counted in a
        // row until the next success.
        store.record_sync("warehouse", None, 1200).await.unwrap();
        store
            .record_sync("warehouse", Some(("unreachable", "connection refused")), 5)
            .await
            .unwrap();
        let g = store.gauges(0).await.unwrap();
        assert_eq!(g.syncs.len(), 1, "{name}");
        assert_eq!(g.syncs[0].success_ms, Some(1200), "{name}");
        assert_eq!(g.syncs[0].failures, 1, "{name}");
        assert!(g.syncs[0].last_success.is_some(), "{name}");
        store.record_sync("warehouse", None, 900).await.unwrap();
        for _ in 0..3 {
            store
                .record_sync("snowflake", Some(("auth", "bad key")), 30)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let g = store.gauges(0).await.unwrap();
        let by_name: Vec<(&str, Option<i64>, i64, bool)> = g
            .syncs
            .iter()
            .map(|s| {
                let succeeded = s.last_success.is_some();
                (s.connection.as_str(), s.success_ms, s.failures, succeeded)
            })
            .collect();
        assert_eq!(
            by_name,
            [
                ("snowflake", None, 3, false),
                ("warehouse", Some(900), 0, true)
            ],
            "{name}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn store_sync_claims_are_compare_and_set() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        assert!(
            store.claim_sync("w", 1000, 60).await.unwrap(),
            "{name}: first"
        );
        assert!(
            !store.claim_sync("w", 1000, 60).await.unwrap(),
            "{name}: not due"
        );
        assert!(
            !store.claim_sync("w", 1059, 60).await.unwrap(),
            "{name}: not due"
        );
        assert!(
            store.claim_sync("w", 1060, 60).await.unwrap(),
            "{name}: due"
        );
        assert!(store.claim_sync("other", 1060, 60).await.unwrap(), "{name}");
        store.close().await;
    }
}

/// Servers sharing a store race for the same interval's sync: exactly one claim wins, for a
/// connection never claimed before and for one that has come due again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_sync_claims_run_once_across_servers() {
    let dir = tempfile::tempdir().unwrap();
    for b in backends(dir.path()).await {
        let mut servers = vec![b.store.clone()];
        for _ in 0..3 {
            servers.push(b.open_again().await);
        }
        for (round, now) in [(0, 5000), (1, 5100)] {
            let mut tasks = Vec::new();
            for s in &servers {
                for _ in 0..4 {
                    let s = s.clone();
                    tasks.push(tokio::spawn(
                        async move { s.claim_sync("w", now, 100).await },
                    ));
                }
            }
            let mut won = 0;
            for t in tasks {
                won += usize::from(t.await.unwrap().unwrap());
            }
            assert_eq!(won, 1, "{}: round {round}", b.name);
        }
        for s in servers {
            s.close().await;
        }
    }
}

impl Backend {
    /// One text column of every row `sql` selects, read straight from the database (for what
    /// the store writes but has no reader for).
    async fn column(&self, sql: &'static str) -> Vec<Option<String>> {
        match &self.pg {
            Some(pg) => {
                let db = sqlx::PgPool::connect(&pg.url).await.unwrap();
                let got = sqlx::query_scalar(sql).fetch_all(&db).await.unwrap();
                db.close().await;
                got
            }
            None => {
                let file = self.dir.join("warden.db");
                let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
                    .await
                    .unwrap();
                let got = sqlx::query_scalar(sql).fetch_all(&db).await.unwrap();
                db.close().await;
                got
            }
        }
    }
}

/// Every time the store writes on its own (tokens made and revoked, conversations, agent calls,
/// sync outcomes, imports) is its clock's, so that tests can move time and a server's rows sit
/// in time order with its requests'.
#[tokio::test]
async fn store_stamps_its_own_writes_by_its_clock() {
    use warden::model::clock::ManualClock;
    let dir = tempfile::tempdir().unwrap();
    for b in backends(dir.path()).await {
        let name = b.name;
        let start = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let store = b.store.clone().with_clock(clock.clone());
        let (t0, t1) = (
            start.to_rfc3339(),
            (start + chrono::Duration::hours(1)).to_rfc3339(),
        );

        store
            .add_person(&person("maya", None, Role::Requester))
            .await
            .unwrap();
        store
            .add_token("tok_a", "p_maya", None, "hash-a")
            .await
            .unwrap();
        store.save_conversation("c1", "p_maya", "{}").await.unwrap();
        store
            .log_agent_call(&AgentCall {
                person_id: "p_maya".into(),
                agent: "helpdesk-bot".into(),
                token_id: Some("tok_a".into()),
                tool: "check_access".into(),
                arguments: serde_json::json!({}),
                outcome: "ok".into(),
            })
            .await
            .unwrap();
        store.record_sync("w", None, 10).await.unwrap();
        store.replace_connections(&[unusual()]).await.unwrap();
        clock.advance(chrono::Duration::hours(1));
        store.revoke_token("tok_a").await.unwrap();
        store
            .record_sync("w", Some(("auth", "bad key")), 10)
            .await
            .unwrap();

        let tokens = store.tokens().await.unwrap();
        assert_eq!(tokens[0].created_at, t0, "{name}: token made");
        assert_eq!(tokens[0].revoked_at.as_ref(), Some(&t1), "{name}: revoked");
        for (sql, want) in [
            ("SELECT updated_at FROM conversations", &t0),
            ("SELECT at FROM audit WHERE kind = 'agent_tool_call'", &t0),
            ("SELECT imported_at FROM connections", &t0),
            ("SELECT attempted_at FROM sync_status", &t1),
            ("SELECT last_success FROM sync_status", &t0),
        ] {
            assert_eq!(b.column(sql).await, [Some(want.clone())], "{name}: {sql}");
        }
        store.close().await;
    }
}

/// The clock an app is given reaches its store: the people and tokens it makes carry its time.
#[tokio::test]
async fn an_apps_clock_stamps_what_its_store_writes() {
    use warden::model::clock::ManualClock;
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let config = warden::config::Config::parse("", |_| None).unwrap();
    let app = warden::app::App::open_with(dir.path(), config)
        .await
        .unwrap()
        .with_clock(clock.clone());
    let maya = app
        .people
        .add_person("maya", Role::Requester, None)
        .await
        .unwrap();
    assert_eq!(maya.created_at, start.to_rfc3339());
    clock.advance(chrono::Duration::minutes(5));
    app.people.create_token("maya", None).await.unwrap();
    let tokens = app.store.tokens().await.unwrap();
    assert_eq!(
        tokens[0].created_at,
        (start + chrono::Duration::minutes(5)).to_rfc3339()
    );
    app.store.close().await;
}

/// A request in `status` whose one change (SELECT on t to alice) is granted by Warden
/// (`releasing` when its revoke is under way).
fn granted(id: &str, status: &str, releasing: bool) -> warden::requests::AccessRequest {
    let doc = serde_json::json!({
        "id": id, "status": status, "requester": "alice",
        "resources": [], "privileges": ["SELECT"], "roles": [],
        "drafted_by": {"kind": "person", "person": "alice"},
        "approvals_required": 1, "approvals": [], "grantees": [],
        "changes": [{
            "connection": "wh",
            "change": {"kind": "privilege", "privilege": "SELECT", "resource": ["db", "s", "t"], "grantee": "alice"},
            "pre_existing": false, "granted": true, "revoked": false, "releasing": releasing
        }],
        "manual": false, "auto_approved": false, "revoking": false, "reminded": false,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
    });
    let mut r: warden::requests::AccessRequest = serde_json::from_value(doc).unwrap();
    r.requester_id = "p_alice".into();
    r
}

/// Issue 10 item 14, the store's part: the grants live requests rely on are kept beside them;
/// a request may not start relying on a grant another is releasing, nor release one another
/// relies on; several requests are written all or nothing.
#[tokio::test]
async fn store_keeps_who_relies_on_a_grant_and_refuses_a_stranding_write() {
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        let a = granted("req_a", "active", false);
        let key = a.changes[0].key();
        store.insert_request(&a, &[], &[]).await.unwrap();
        assert!(
            store.relying(&key, "req_b").await.unwrap() == ["req_a"],
            "{name}"
        );
        assert!(
            store.relying(&key, "req_a").await.unwrap().is_empty(),
            "{name}"
        );

        // A releases: allowed while nobody else relies; then B may not come to rely on it.
        let mut releasing = a.clone();
        releasing.changes[0].releasing = true;
        assert!(
            store.update_request(&releasing, 1, &[], &[]).await.unwrap(),
            "{name}"
        );
        assert!(
            store.relying(&key, "req_b").await.unwrap().is_empty(),
            "{name}"
        );
        let b = granted("req_b", "approved", false);
        let e = store.insert_request(&b, &[], &[]).await.unwrap_err();
        assert!(
            matches!(e, warden::store::StoreError::Busy(_)),
            "{name}: {e}"
        );
        assert!(
            store.request("req_b").await.unwrap().is_none(),
            "{name}: nothing written"
        );

        // Once A is closed, B relies on it; A releasing again would strand B: refused.
        let mut closed = releasing.clone();
        closed
            .close(warden::requests::Ending::Revoked, chrono::Utc::now())
            .unwrap();
        closed.changes[0].revoked = true;
        assert!(
            store.update_request(&closed, 2, &[], &[]).await.unwrap(),
            "{name}"
        );
        store.insert_request(&b, &[], &[]).await.unwrap();
        let c = granted("req_c", "active", true);
        let e = store.insert_request(&c, &[], &[]).await.unwrap_err();
        assert!(
            matches!(e, warden::store::StoreError::Busy(_)),
            "{name}: {e}"
        );

        // Two requests in one write: a stale version of either writes neither.
        let mut b2 = b.clone();
        b2.reason = Some("changed".into());
        let mut a2 = closed.clone();
        a2.reason = Some("changed".into());
        assert!(
            !store
                .update_requests(&[(&b2, 1), (&a2, 1)], &[], &[])
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            store.request("req_b").await.unwrap().unwrap().0.reason != b2.reason,
            "{name}"
        );
        assert!(
            store
                .update_requests(&[(&b2, 1), (&a2, 3)], &[], &[])
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            store.request("req_a").await.unwrap().unwrap().0.reason == a2.reason,
            "{name}"
        );
        store.close().await;
    }
}

/// Issue 10 item 10, the store's part: an admin's links, one word per person and identity.
#[tokio::test]
async fn store_keeps_manual_links_one_word_per_pair() {
    use warden::people::links::ManualLink;
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        let link = |identity: &str, linked| ManualLink {
            connection: "bigquery".into(),
            identity: identity.into(),
            linked,
        };
        let event = warden::model::audit::NewEvent::new(
            "admin",
            "person_linked",
            None,
            serde_json::json!({}),
        );
        let at = "2026-01-01T00:00:00Z";
        store
            .set_link("p_maya", &link("m@x", true), "admin", at, &event)
            .await
            .unwrap();
        store
            .set_link("p_maya", &link("n@x", true), "admin", at, &event)
            .await
            .unwrap();
        store
            .set_link("p_maya", &link("m@x", false), "admin", at, &event)
            .await
            .unwrap();
        store
            .set_link("p_tom", &link("t@x", true), "admin", at, &event)
            .await
            .unwrap();
        let maya: Vec<ManualLink> = store
            .links(Some("p_maya"))
            .await
            .unwrap()
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        assert_eq!(maya, [link("m@x", false), link("n@x", true)], "{name}");
        assert_eq!(store.links(None).await.unwrap().len(), 3, "{name}");
        store.close().await;
    }
}

/// A store whose live requests predate `request_grants` (the table empty) fills it when it
/// opens, so that a request of before the upgrade still hands its grant over.
#[tokio::test]
async fn store_fills_request_grants_for_requests_of_before() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path()).await {
        let name = backend.name;
        let a = granted("req_old", "active", false);
        let key = a.changes[0].key();
        backend.store.insert_request(&a, &[], &[]).await.unwrap();
        // As before migration 0006: no rows.
        match &backend.pg {
            Some(pg) => {
                let pool = sqlx::PgPool::connect(&pg.url).await.unwrap();
                sqlx::query("DELETE FROM request_grants")
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
            None => {
                let url = format!("sqlite://{}", backend.dir.join("warden.db").display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                sqlx::query("DELETE FROM request_grants")
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
        }
        assert!(
            backend.store.relying(&key, "x").await.unwrap().is_empty(),
            "{name}"
        );
        let again = backend.open_again().await;
        assert_eq!(
            again.relying(&key, "x").await.unwrap(),
            ["req_old"],
            "{name}"
        );
        again.close().await;
        backend.store.close().await;
    }
}

/// The audit log as the dashboard reads it (issue 12): by actor and time, newest first a page
/// at a time, on both backends alike.
#[tokio::test]
async fn store_lists_the_audit_log_by_actor_time_and_newest_first() {
    use warden::model::audit::{AuditFilter, NewEvent};
    let dir = tempfile::tempdir().unwrap();
    for Backend { name, store, .. } in backends(dir.path()).await {
        for (at, actor) in [
            ("2030-01-01T10:00:00.000000Z", "alice"),
            ("2030-01-02T10:00:00.000000Z", "bob"),
            ("2030-01-03T10:00:00.000000Z", "alice"),
        ] {
            let events = [
                NewEvent::new(actor, "note", Some("req_1"), serde_json::json!({"at": at})),
                NewEvent::new(actor, "other", None, serde_json::json!({})),
            ];
            store.append_audit(at, &events).await.unwrap();
        }
        let seqs = |f: AuditFilter| {
            let store = store.clone();
            async move {
                let got = store.audit(&f).await.unwrap();
                got.iter().map(|e| e.seq).collect::<Vec<i64>>()
            }
        };
        let all = AuditFilter {
            limit: 100,
            ..AuditFilter::default()
        };
        assert_eq!(seqs(all.clone()).await, [1, 2, 3, 4, 5, 6], "{name}");
        let newest = AuditFilter {
            newest_first: true,
            ..all.clone()
        };
        assert_eq!(seqs(newest.clone()).await, [6, 5, 4, 3, 2, 1], "{name}");
        let page = AuditFilter {
            before: Some(5),
            limit: 2,
            ..newest.clone()
        };
        assert_eq!(seqs(page).await, [4, 3], "{name}: the page before #5");
        let alice = AuditFilter {
            actor: Some("alice".into()),
            ..newest.clone()
        };
        assert_eq!(seqs(alice).await, [6, 5, 2, 1], "{name}");
        let days = AuditFilter {
            since: Some("2030-01-02".into()),
            until: Some("2030-01-03".into()),
            ..all.clone()
        };
        assert_eq!(seqs(days).await, [3, 4], "{name}: the second day only");
        let mixed = AuditFilter {
            actor: Some("alice".into()),
            kind: Some("note".into()),
            request_id: Some("req_1".into()),
            since: Some("2030-01-01T10:00:00.000000Z".into()),
            ..newest
        };
        assert_eq!(seqs(mixed).await, [5, 1], "{name}");
        store.close().await;
    }
}

/// Slack's bookkeeping, alike on both backends: the notifier's cursor starts at the log's end
/// once and moves only from where it is (two servers: one wins and queues), each channel message
/// is known by its ts once posted, and a callback id is taken once with its jobs.
#[tokio::test]
async fn store_slack_cursor_messages_and_callbacks_are_once_only() {
    use warden::model::audit::NewEvent;
    use warden::slack::job::SlackJob;
    let dir = tempfile::tempdir().unwrap();
    for b in backends(dir.path()).await {
        let (name, store) = (b.name, &b.store);
        let other = b.open_again().await;
        store
            .append_audit(
                "2026-12-06T00:00:00Z",
                &[NewEvent::new("x", "sync", None, serde_json::json!({}))],
            )
            .await
            .unwrap();
        assert_eq!(store.slack_cursor().await.unwrap(), None, "{name}");
        store.slack_start().await.unwrap();
        let start = store.slack_cursor().await.unwrap().unwrap();
        assert_eq!(
            start,
            store.audit_head().await.unwrap().0,
            "{name}: at the end"
        );
        other.slack_start().await.unwrap();
        assert_eq!(
            other.slack_cursor().await.unwrap(),
            Some(start),
            "{name}: once"
        );

        let job = SlackJob::Announce {
            request: "req_1".into(),
        }
        .queued(0);
        let messages = [("req_1".to_string(), "C1".to_string())];
        assert!(
            store
                .slack_advance(start, start + 1, &messages, std::slice::from_ref(&job))
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            !other
                .slack_advance(start, start + 1, &messages, std::slice::from_ref(&job))
                .await
                .unwrap(),
            "{name}: the second server lost the race and queued nothing"
        );
        let queued = store.pending_jobs().await.unwrap();
        assert_eq!(queued.len(), 1, "{name}");
        assert_eq!(queued[0].payload, job.payload, "{name}");

        assert_eq!(
            store.slack_message("req_1").await.unwrap(),
            Some(("C1".to_string(), None)),
            "{name}"
        );
        assert_eq!(store.slack_request_at("C1", "9.1").await.unwrap(), None);
        store.slack_posted("req_1", "9.1").await.unwrap();
        assert_eq!(
            other
                .slack_request_at("C1", "9.1")
                .await
                .unwrap()
                .as_deref(),
            Some("req_1"),
            "{name}"
        );

        assert!(
            store
                .slack_take("event:Ev1", std::slice::from_ref(&job))
                .await
                .unwrap()
        );
        assert!(
            !other
                .slack_take("event:Ev1", std::slice::from_ref(&job))
                .await
                .unwrap(),
            "{name}: a replay"
        );
        assert_eq!(store.pending_jobs().await.unwrap().len(), 2, "{name}");
        other.close().await;
        store.close().await;
    }
}
