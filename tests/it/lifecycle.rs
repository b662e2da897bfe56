//! The request lifecycle end to end against a real PostgreSQL: request → approve → the job
//! grants → `has_table_privilege` is true → the clock passes the expiry → the job revokes → false.
//! Also deny, delete, revoke, a grant that was there before surviving expiry, an extension, a
//! provisioning failure that an admin retries, and two reviewers approving at the same instant.
//! Time is a [`ManualClock`]: two weeks pass by setting it.

use crate::pg::PgCluster;
use serde_json::json;
use sqlx::{AssertSqlSafe, PgPool};
use std::sync::Arc;
use warden::app::App;
use warden::config::Config;
use warden::people::{Principal, Role};
use warden::requests::clock::ManualClock;
use warden::requests::{Approval, NewRequest, Status};

const SETUP: &[&str] = &[
    "CREATE ROLE alice LOGIN",
    "CREATE ROLE bob LOGIN",
    "CREATE ROLE analysts",
    "GRANT analysts TO alice",
    "CREATE SCHEMA finance",
    "CREATE TABLE finance.invoices (id int)",
    "CREATE TABLE finance.ledger (id int)",
    "CREATE TABLE finance.budget (id int)",
    "GRANT USAGE ON SCHEMA finance TO PUBLIC",
    // alice holds SELECT on the ledger already: a request for it must not take it away.
    "GRANT SELECT ON finance.ledger TO alice",
];

struct World {
    _pg: PgCluster,
    admin: PgPool,
    app: App,
    clock: Arc<ManualClock>,
    alice: Principal,
    carol: Principal,
    priya: Principal,
    victor: Principal,
    _dir: tempfile::TempDir,
}

async fn world(extra_config: &str) -> World {
    world_on(extra_config, false).await
}

/// The world with Warden's own store on SQLite, or (`pg_store`) in a database of the same
/// PostgreSQL cluster.
async fn world_on(extra_config: &str, pg_store: bool) -> World {
    let pg = PgCluster::start();
    let admin = PgPool::connect(&pg.url).await.unwrap();
    for sql in SETUP {
        sqlx::query(AssertSqlSafe(*sql))
            .execute(&admin)
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"{}\"\n\n[jobs]\nbackoff = \"1s\"\nmax_attempts = 2\n{extra_config}",
        pg.url
    );
    let mut config = Config::parse(&text, |_| None).unwrap();
    if pg_store {
        sqlx::query("CREATE DATABASE warden_store")
            .execute(&admin)
            .await
            .unwrap();
        config.database_url = Some(warden::config::Secret::new(pg.url_for("warden_store")));
    }
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = App::open_with(dir.path(), config)
        .await
        .unwrap()
        .with_clock(clock.clone());
    let synced = warden::sync::sync(&app, None).await.unwrap();
    assert!(synced.iter().all(|r| r.ok), "sync failed");
    let person = |name: &str, role: Role| {
        let app = app.clone();
        let name = name.to_string();
        async move { Principal::person(app.people.add_person(&name, role, None).await.unwrap()) }
    };
    World {
        alice: person("alice", Role::Requester).await,
        carol: person("carol", Role::Reviewer).await,
        priya: person("priya", Role::Reviewer).await,
        victor: person("victor", Role::Admin).await,
        _pg: pg,
        admin,
        app,
        clock,
        _dir: dir,
    }
}

impl World {
    async fn has(&self, role: &str, table: &str) -> bool {
        sqlx::query_scalar("SELECT has_table_privilege($1, $2, 'SELECT')")
            .bind(role)
            .bind(table)
            .fetch_one(&self.admin)
            .await
            .unwrap()
    }

    async fn ask(&self, table: &str, duration: Option<&str>) -> String {
        let input = NewRequest {
            resources: vec![table.into()],
            privileges: vec!["select".into()],
            reason: Some("quarter close".into()),
            duration: duration.map(str::to_string),
            ..NewRequest::default()
        };
        let access = self.app.access.load();
        let req = self
            .app
            .requests
            .create(&access, &self.alice, input, None)
            .await
            .unwrap();
        assert_eq!(
            req.resources[0].name,
            format!("postgres.{table}"),
            "resolved to the full name"
        );
        req.id
    }

    async fn approve(
        &self,
        id: &str,
        who: &Principal,
        approval: Approval,
    ) -> Result<Status, warden::error::Problem> {
        let access = self.app.access.load();
        self.app
            .requests
            .approve(&access, who, id, approval)
            .await
            .map(|r| r.status())
    }

    async fn status(&self, id: &str) -> Status {
        self.app
            .store
            .request(id)
            .await
            .unwrap()
            .unwrap()
            .0
            .status()
    }

    async fn run_jobs(&self) -> usize {
        warden::jobs::run_due(&self.app.requests).await.unwrap()
    }

    async fn events(&self, id: &str) -> Vec<String> {
        let h = self.app.requests.get(&self.victor, id).await.unwrap();
        h.history.into_iter().map(|e| e.kind).collect()
    }
}

#[tokio::test]
async fn request_approve_grant_expire_revoke() {
    lifecycle(&world("").await).await;
}

#[tokio::test]
async fn the_lifecycle_on_a_postgresql_store() {
    let w = world_on("", true).await;
    assert!(matches!(w.app.store, warden::store::Store::Postgres(_)));
    lifecycle(&w).await;
}

async fn lifecycle(w: &World) {
    assert!(!w.has("alice", "finance.invoices").await);
    let id = w.ask("finance.invoices", Some("2w")).await;
    assert_eq!(w.status(&id).await, Status::Open);

    // The requester cannot approve it; a reviewer can.
    let own = w
        .approve(&id, &w.alice, Approval::default())
        .await
        .unwrap_err();
    assert_eq!(own.code.as_str(), "forbidden", "{}", own.line());
    assert_eq!(
        w.approve(&id, &w.carol, Approval::default()).await.unwrap(),
        Status::Approved
    );
    assert!(
        !w.has("alice", "finance.invoices").await,
        "nothing granted before the job runs"
    );

    assert!(w.run_jobs().await >= 1);
    let (req, _) = w.app.store.request(&id).await.unwrap().unwrap();
    assert_eq!(req.status(), Status::Active);
    assert_eq!(
        req.grantees[0].identity, "alice",
        "the requester's linked identity"
    );
    assert_eq!(req.changes[0].pre_existing, Some(false));
    assert!(
        w.has("alice", "finance.invoices").await,
        "granted on the platform"
    );
    let expires = req.expires_at.unwrap();
    let activated = req.activated_at.unwrap();
    assert_eq!(
        (expires - activated).num_seconds(),
        14 * 86_400,
        "the clock starts at activation"
    );

    // Before the expiry nothing happens; after it, the grant goes.
    w.clock.advance(chrono::Duration::days(13));
    w.run_jobs().await;
    assert_eq!(w.status(&id).await, Status::Active);
    assert!(w.has("alice", "finance.invoices").await);
    w.clock
        .advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
    w.run_jobs().await;
    let (req, _) = w.app.store.request(&id).await.unwrap().unwrap();
    assert_eq!(req.status(), Status::Closed);
    assert_eq!(
        serde_json::to_value(req.ending()).unwrap(),
        json!("expired")
    );
    assert!(
        !w.has("alice", "finance.invoices").await,
        "revoked at expiry"
    );
    let events = w.events(&id).await;
    for kind in [
        "created",
        "approved",
        "provisioned",
        "expiry_reminder",
        "expired",
    ] {
        assert_eq!(
            events.iter().filter(|e| *e == kind).count(),
            1,
            "{kind} once in {events:?}"
        );
    }

    // Closed: no action applies, and the error names the state.
    let again = w
        .approve(&id, &w.carol, Approval::default())
        .await
        .unwrap_err();
    assert_eq!(again.code.as_str(), "conflict");
    assert!(again.message.contains("closed"), "{}", again.line());

    // Revoke: a reviewer ends it early; the job removes the grant.
    let id = w.ask("finance.invoices", None).await;
    w.approve(&id, &w.carol, Approval::default()).await.unwrap();
    w.run_jobs().await;
    assert!(w.has("alice", "finance.invoices").await);
    assert_eq!(w.status(&id).await, Status::Active);
    let revoked = w
        .app
        .requests
        .revoke(&w.alice, &id, None)
        .await
        .unwrap_err();
    assert_eq!(revoked.code.as_str(), "forbidden", "not by the requester");
    w.app
        .requests
        .revoke(&w.priya, &id, Some("project over".into()))
        .await
        .unwrap();
    w.run_jobs().await;
    assert_eq!(w.status(&id).await, Status::Closed);
    assert!(!w.has("alice", "finance.invoices").await);
}

#[tokio::test]
async fn a_grant_that_was_there_before_survives_expiry() {
    let w = world("").await;
    assert!(w.has("alice", "finance.ledger").await);
    let id = w.ask("finance.ledger", Some("1d")).await;
    w.approve(&id, &w.carol, Approval::default()).await.unwrap();
    w.run_jobs().await;
    let (req, _) = w.app.store.request(&id).await.unwrap().unwrap();
    assert_eq!(req.status(), Status::Active);
    assert_eq!(req.changes[0].pre_existing, Some(true));
    w.clock.advance(chrono::Duration::days(2));
    w.run_jobs().await;
    assert_eq!(w.status(&id).await, Status::Closed);
    assert!(
        w.has("alice", "finance.ledger").await,
        "Warden did not add it, so it stays"
    );
}

#[tokio::test]
async fn deny_delete_narrow_choose_and_extend() {
    let w = world("").await;
    // Deny.
    let id = w.ask("finance.invoices", Some("8h")).await;
    let r = w
        .app
        .requests
        .deny(&w.carol, &id, Some("not needed".into()))
        .await
        .unwrap();
    assert_eq!(r.status(), Status::Denied);
    let e = w.app.requests.delete(&w.alice, &id).await.unwrap_err();
    assert_eq!(
        e.code.as_str(),
        "conflict",
        "a denied request takes no action"
    );
    // Delete (own, open).
    let id = w.ask("finance.invoices", Some("8h")).await;
    assert_eq!(
        w.app.requests.delete(&w.alice, &id).await.unwrap().status(),
        Status::Deleted
    );
    w.run_jobs().await;
    assert!(!w.has("alice", "finance.invoices").await);

    // Widening is refused (422, naming the field); narrowing and choosing a role are not.
    let id = w.ask("finance.invoices", Some("8h")).await;
    let wider = Approval {
        duration: Some("1d".into()),
        ..Approval::default()
    };
    let e = w.approve(&id, &w.carol, wider).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_deref()),
        ("unprocessable", Some("duration"))
    );
    let more = Approval {
        privileges: Some(vec!["INSERT".into()]),
        ..Approval::default()
    };
    let e = w.approve(&id, &w.carol, more).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_deref()),
        ("unprocessable", Some("privileges[0]"))
    );
    let stranger = Approval {
        grantee: Some([("wh".to_string(), "bob".to_string())].into()),
        ..Approval::default()
    };
    let e = w.approve(&id, &w.carol, stranger).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_deref()),
        ("unprocessable", Some("grantee.wh")),
        "{}",
        e.line()
    );
    let to_role = Approval {
        grantee: Some([("wh".to_string(), "analysts".to_string())].into()),
        duration: Some("4h".into()),
        ..Approval::default()
    };
    w.approve(&id, &w.carol, to_role).await.unwrap();
    w.run_jobs().await;
    assert!(
        w.has("analysts", "finance.invoices").await,
        "the chosen role was updated"
    );
    let (req, _) = w.app.store.request(&id).await.unwrap().unwrap();
    assert_eq!(req.duration.map(|d| d.to_string()).as_deref(), Some("4h"));

    // An extension is a new request, reviewed like any other; its approval moves the expiry.
    let access = w.app.access.load();
    let ext = w
        .app
        .requests
        .extend(&access, &w.alice, &id, "1d", None)
        .await
        .unwrap();
    assert_eq!(
        (ext.status(), ext.extends.as_deref()),
        (Status::Open, Some(id.as_str()))
    );
    w.approve(&ext.id, &w.priya, Approval::default())
        .await
        .unwrap();
    let (req, _) = w.app.store.request(&id).await.unwrap().unwrap();
    let expires = req.expires_at.unwrap();
    let activated = req.activated_at.unwrap();
    assert_eq!((expires - activated).num_hours(), 28, "4h + 1d");
    w.clock.advance(chrono::Duration::hours(5));
    w.run_jobs().await;
    assert_eq!(w.status(&id).await, Status::Active, "extended past 4h");
    assert!(w.has("analysts", "finance.invoices").await);
    w.clock.advance(chrono::Duration::hours(24));
    w.run_jobs().await;
    assert_eq!(w.status(&id).await, Status::Closed);
    assert!(!w.has("analysts", "finance.invoices").await);
}

#[tokio::test]
async fn a_failing_grant_leaves_the_request_failed_until_an_admin_retries() {
    let w = world("").await;
    let id = w.ask("finance.budget", None).await;
    w.approve(&id, &w.carol, Approval::default()).await.unwrap();
    // The table disappears between the sync and the grant.
    sqlx::query("ALTER TABLE finance.budget RENAME TO budget_old")
        .execute(&w.admin)
        .await
        .unwrap();
    w.run_jobs().await;
    let (req, _) = w.app.store.request(&id).await.unwrap().unwrap();
    assert_eq!(req.status(), Status::Failed, "{:?}", req.error);
    assert!(
        req.error.as_deref().unwrap().contains("budget"),
        "{:?}",
        req.error
    );
    let e = w.app.requests.retry(&w.carol, &id).await.unwrap_err();
    assert_eq!(e.code.as_str(), "forbidden", "retry is an admin's");
    let e = w.app.requests.deny(&w.carol, &id, None).await.unwrap_err();
    assert_eq!(
        e.code.as_str(),
        "forbidden",
        "so is denying a failed request"
    );
    sqlx::query("ALTER TABLE finance.budget_old RENAME TO budget")
        .execute(&w.admin)
        .await
        .unwrap();
    w.app.requests.retry(&w.victor, &id).await.unwrap();
    w.run_jobs().await;
    assert_eq!(w.status(&id).await, Status::Active);
    assert!(w.has("alice", "finance.budget").await);
    assert!(w.events(&id).await.contains(&"failed".to_string()));
}

#[tokio::test]
async fn two_reviewers_approving_at_once_record_one_approval() {
    two_reviewers(&world("").await).await;
}

#[tokio::test]
async fn two_reviewers_at_once_on_a_postgresql_store() {
    two_reviewers(&world_on("", true).await).await;
}

async fn two_reviewers(w: &World) {
    for _ in 0..5 {
        let id = w.ask("finance.invoices", Some("1h")).await;
        let access = w.app.access.load();
        let (a, b) = tokio::join!(
            w.app
                .requests
                .approve(&access, &w.carol, &id, Approval::default()),
            w.app
                .requests
                .approve(&access, &w.priya, &id, Approval::default()),
        );
        let ok = [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count();
        assert_eq!(ok, 1, "{a:?} {b:?}");
        let loser = a.err().or(b.err()).unwrap();
        assert_eq!(loser.code.as_str(), "conflict", "{}", loser.line());
        let (req, _) = w.app.store.request(&id).await.unwrap().unwrap();
        assert_eq!(req.approvals.len(), 1);
        w.run_jobs().await;
        let events = w.events(&id).await;
        assert_eq!(events.iter().filter(|e| *e == "provisioned").count(), 1);
        w.clock.advance(chrono::Duration::hours(2));
        w.run_jobs().await;
    }
}

#[tokio::test]
async fn two_approvals_for_finance_and_auto_approval_for_a_person_only() {
    let rules = "\n[[approval_rules]]\nresources = \"finance.*\"\napprovals = 2\n\n[[auto_approve]]\nresources = \"finance.ledger\"\nprivileges = [\"SELECT\"]\nmax_duration = \"8h\"\n";
    let w = world(rules).await;
    let id = w.ask("finance.invoices", Some("1h")).await;
    assert_eq!(
        w.approve(&id, &w.carol, Approval::default()).await.unwrap(),
        Status::Open
    );
    let twice = w
        .approve(&id, &w.carol, Approval::default())
        .await
        .unwrap_err();
    assert_eq!(twice.code.as_str(), "conflict");
    assert_eq!(
        w.approve(&id, &w.priya, Approval::default()).await.unwrap(),
        Status::Approved
    );
    // The ledger rule asks 2 approvals too (finance.*), so it is not auto-approved: rules that
    // ask for more reviewers win over auto-approval.
    let id = w.ask("finance.ledger", Some("1h")).await;
    assert_eq!(w.status(&id).await, Status::Open);
}

#[tokio::test]
async fn auto_approval_applies_to_a_person_never_to_an_ai() {
    let rules = "\n[[auto_approve]]\nresources = \"finance.invoices\"\nprivileges = [\"SELECT\"]\nmax_duration = \"8h\"\n";
    let w = world(rules).await;
    let id = w.ask("finance.invoices", Some("2h")).await;
    let (req, _) = w.app.store.request(&id).await.unwrap().unwrap();
    assert_eq!(
        (req.status(), req.auto_approved()),
        (Status::Approved, true)
    );
    w.run_jobs().await;
    assert!(w.has("alice", "finance.invoices").await);
    // Longer than the rule allows: open.
    let id = w.ask("finance.invoices", Some("1d")).await;
    assert_eq!(w.status(&id).await, Status::Open);
    // Drafted by the embedded chat engine: open, whatever the rule says.
    let access = w.app.access.load();
    let input = NewRequest {
        resources: vec!["finance.invoices".into()],
        privileges: vec!["SELECT".into()],
        duration: Some("1h".into()),
        ..NewRequest::default()
    };
    let req = w
        .app
        .requests
        .create(&access, &w.alice, input, Some("embedded"))
        .await
        .unwrap();
    assert_eq!(req.status(), Status::Open);
    assert_eq!(serde_json::to_value(&req.drafted_by).unwrap()["kind"], "ai");
}

#[tokio::test]
async fn two_servers_on_one_postgresql_store_run_each_job_once() {
    let w = world_on("", true).await;
    // A second "server": its own App (own pool, own graph) on the same store and config.
    let dir2 = tempfile::tempdir().unwrap();
    let mut config = Config::parse(
        &format!(
            "[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"{}\"\n",
            w._pg.url
        ),
        |_| None,
    )
    .unwrap();
    config.database_url = Some(warden::config::Secret::new(w._pg.url_for("warden_store")));
    let other = App::open_with(dir2.path(), config)
        .await
        .unwrap()
        .with_clock(w.clock.clone());
    let mut ids = Vec::new();
    for _ in 0..12 {
        let id = w.ask("finance.invoices", Some("1h")).await;
        w.approve(&id, &w.carol, Approval::default()).await.unwrap();
        ids.push(id);
    }
    // Both servers run the queue at once. Concurrent GRANTs on one table can fail on the
    // platform ("tuple concurrently updated"): such a job is retried after its backoff, so the
    // clock moves on until every request is active.
    let mut runs = 0;
    for _ in 0..10 {
        let (a, b) = tokio::join!(
            warden::jobs::run_due(&w.app.requests),
            warden::jobs::run_due(&other.requests),
        );
        runs += a.unwrap() + b.unwrap();
        if w.app
            .store
            .pending_jobs()
            .await
            .unwrap()
            .iter()
            .all(|j| j.kind != warden::store::jobs::JobKind::Provision)
        {
            break;
        }
        w.clock.advance(chrono::Duration::seconds(2));
    }
    assert!(runs >= 12, "{runs} runs");
    for id in &ids {
        let (req, _) = w.app.store.request(id).await.unwrap().unwrap();
        assert_eq!(req.status(), Status::Active, "{id}: {:?}", req.error);
        let events = w.events(id).await;
        assert_eq!(
            events.iter().filter(|e| *e == "provisioned").count(),
            1,
            "{id}: {events:?}"
        );
    }
    assert!(w.has("alice", "finance.invoices").await);
}

impl World {
    /// alice asks for SELECT on `tables`, and carol approves.
    async fn ask_approved(&self, tables: &[&str], duration: Option<&str>) -> String {
        let input = NewRequest {
            resources: tables.iter().map(|t| t.to_string()).collect(),
            privileges: vec!["SELECT".into()],
            duration: duration.map(str::to_string),
            ..NewRequest::default()
        };
        let access = self.app.access.load();
        let req = self
            .app
            .requests
            .create(&access, &self.alice, input, None)
            .await
            .unwrap();
        self.approve(&req.id, &self.carol, Approval::default())
            .await
            .unwrap();
        req.id
    }

    /// Revokes alice's SELECT on finance.invoices behind Warden's back: the next sync finds it
    /// missing from request `id`; granted back, the next sync resolves it.
    async fn drift_round_trip(&self, id: &str) {
        let open = |app: App| async move {
            let filter = warden::store::drift::DriftFilter {
                request_id: Some(id.to_string()),
                limit: 100,
                ..Default::default()
            };
            app.store.drift(&filter).await.unwrap()
        };
        for sql in [
            "REVOKE SELECT ON finance.invoices FROM alice",
            "GRANT SELECT ON finance.invoices TO alice",
        ] {
            let missing = sql.starts_with("REVOKE");
            sqlx::query(AssertSqlSafe(sql))
                .execute(&self.admin)
                .await
                .unwrap();
            warden::sync::sync(&self.app, None).await.unwrap();
            let found = open(self.app.clone()).await;
            assert_eq!(found.len(), usize::from(missing), "after {sql}: {found:?}");
        }
    }

    async fn request(&self, id: &str) -> warden::requests::AccessRequest {
        self.app.store.request(id).await.unwrap().unwrap().0
    }
}

/// Issue 10 item 8: the first GRANT of a request whose second change fails for good is on
/// record, and denying the failed request revokes it.
#[tokio::test]
async fn a_failed_request_keeps_the_record_of_what_it_granted_and_a_deny_revokes_it() {
    let w = world("").await;
    let id = w
        .ask_approved(&["finance.invoices", "finance.budget"], Some("1d"))
        .await;
    // The second table disappears between the sync and the grant.
    sqlx::query("ALTER TABLE finance.budget RENAME TO budget_old")
        .execute(&w.admin)
        .await
        .unwrap();
    for _ in 0..4 {
        w.run_jobs().await;
        w.clock.advance(chrono::Duration::seconds(5));
    }
    let req = w.request(&id).await;
    assert_eq!(req.status(), Status::Failed, "{:?}", req.error);
    assert!(
        w.has("alice", "finance.invoices").await,
        "the first grant ran"
    );
    assert_eq!(
        (req.changes[0].granted, req.changes[0].pre_existing),
        (true, Some(false)),
        "and it is on record"
    );
    // Drift covers the failed request's grant.
    w.drift_round_trip(&id).await;
    w.app.requests.deny(&w.victor, &id, None).await.unwrap();
    w.run_jobs().await;
    assert!(
        !w.has("alice", "finance.invoices").await,
        "denying the failed request revoked what Warden granted"
    );
    let req = w.request(&id).await;
    assert_eq!((req.status(), req.is_revoking()), (Status::Denied, false));
    assert!(req.changes[0].revoked);
    assert!(w.events(&id).await.contains(&"revoked".to_string()));
}

/// Issue 10 item 14: two requests for one grant. The first one's expiry hands the grant over
/// to the second instead of revoking it; the second's revokes it.
#[tokio::test]
async fn a_grant_two_requests_rely_on_lasts_until_the_last_one_ends() {
    overlapping(&world("").await).await;
}

#[tokio::test]
async fn overlapping_requests_on_a_postgresql_store() {
    overlapping(&world_on("", true).await).await;
}

async fn overlapping(w: &World) {
    let a = w.ask_approved(&["finance.invoices"], Some("1d")).await;
    w.run_jobs().await;
    assert_eq!(w.status(&a).await, Status::Active);
    w.clock.advance(chrono::Duration::hours(1));
    let b = w.ask_approved(&["finance.invoices"], Some("1d")).await;
    w.run_jobs().await;
    let req_b = w.request(&b).await;
    assert_eq!(req_b.status(), Status::Active);
    assert_eq!(req_b.changes[0].pre_existing, Some(true), "A's grant found");

    // A expires: B still relies on the grant, so it stays, and B now owns its revoke.
    w.clock
        .advance(chrono::Duration::hours(23) + chrono::Duration::seconds(1));
    w.run_jobs().await;
    let req_a = w.request(&a).await;
    assert_eq!(req_a.status(), Status::Closed);
    assert_eq!(req_a.changes[0].handed_over_to.as_deref(), Some(b.as_str()));
    assert!(
        w.has("alice", "finance.invoices").await,
        "B is active and still has its access"
    );
    let req_b = w.request(&b).await;
    assert_eq!(req_b.status(), Status::Active);
    assert_eq!(req_b.changes[0].inherited_from.as_deref(), Some(a.as_str()));
    assert!(w.events(&a).await.contains(&"handed_over".to_string()));
    assert!(w.events(&b).await.contains(&"taken_over".to_string()));
    // Drift sees it as B's: taken away behind Warden's back, it is B's grant that is missing.
    w.drift_round_trip(&b).await;

    // B ends: the last one out revokes it.
    w.clock.advance(chrono::Duration::hours(2));
    w.run_jobs().await;
    assert_eq!(w.status(&b).await, Status::Closed);
    assert!(
        !w.has("alice", "finance.invoices").await,
        "revoked when the last request relying on it ended"
    );
}

/// Issue 10 item 1: a panic in a job step fails that attempt (recorded, retried), not the
/// runner: the same run goes on, and the next attempt provisions the request.
#[tokio::test]
async fn a_panic_in_a_job_step_fails_that_attempt_only() {
    let w = world("").await;
    let id = w.ask_approved(&["finance.invoices"], Some("1d")).await;
    warden::jobs::inject_panic("provision:claimed", &id, true);
    let ran = warden::jobs::run_due(&w.app.requests).await;
    warden::jobs::inject_panic("provision:claimed", &id, false);
    assert!(ran.is_ok(), "the runner survived: {ran:?}");
    assert_eq!(w.status(&id).await, Status::Approved);
    let pending = w.app.store.pending_jobs().await.unwrap();
    let job = pending.iter().find(|j| j.request_id == id).unwrap();
    assert!(
        job.last_error.as_deref().unwrap_or("").contains("panicked"),
        "{job:?}"
    );
    w.clock.advance(chrono::Duration::seconds(5));
    w.run_jobs().await;
    assert_eq!(w.status(&id).await, Status::Active);
    assert!(w.has("alice", "finance.invoices").await);
}

/// Issue 10 item 12: an extension's approval writes the extension and the request it extends
/// in one transaction. Two reviewers approving one extension at once: one wins, and the
/// expiry moves once (written apart, the loser could move it a second time before failing).
/// And a request without an expiry has nothing to extend.
#[tokio::test]
async fn an_extension_moves_the_expiry_once_and_needs_an_expiry() {
    let w = world("").await;
    let forever = w.ask_approved(&["finance.invoices"], None).await;
    w.run_jobs().await;
    assert_eq!(w.status(&forever).await, Status::Active);
    let access = w.app.access.load();
    let e = w
        .app
        .requests
        .extend(&access, &w.alice, &forever, "1d", None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_deref()),
        ("conflict", Some("status"))
    );
    assert!(e.message.contains("no expiry"), "{}", e.line());

    let id = w.ask_approved(&["finance.budget"], Some("1h")).await;
    w.run_jobs().await;
    for round in 1..=5i64 {
        let ext = w
            .app
            .requests
            .extend(&access, &w.alice, &id, "1h", None)
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            w.app
                .requests
                .approve(&access, &w.carol, &ext.id, Approval::default()),
            w.app
                .requests
                .approve(&access, &w.priya, &ext.id, Approval::default()),
        );
        assert_eq!(
            usize::from(a.is_ok()) + usize::from(b.is_ok()),
            1,
            "{a:?} {b:?}"
        );
        let req = w.request(&id).await;
        let expires = req.expires_at.unwrap();
        let activated = req.activated_at.unwrap();
        assert_eq!(
            (expires - activated).num_hours(),
            1 + round,
            "moved once per extension"
        );
        let ext = w.request(&ext.id).await;
        assert_eq!(
            ext.status(),
            Status::Closed,
            "and the extension is applied with it"
        );
    }
}

/// Issue 10 item 14 under two servers: eight requests for one grant, two expiring each hour,
/// their jobs run by two servers at once. While any is active the grant holds; after the last
/// one it is gone.
#[tokio::test]
async fn two_servers_hand_a_shared_grant_over_until_the_last_request_ends() {
    let w = world_on("", true).await;
    let dir2 = tempfile::tempdir().unwrap();
    let mut config = Config::parse(
        &format!(
            "[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"{}\"\n\n[jobs]\nbackoff = \"1s\"\n",
            w._pg.url
        ),
        |_| None,
    )
    .unwrap();
    config.database_url = Some(warden::config::Secret::new(w._pg.url_for("warden_store")));
    let other = App::open_with(dir2.path(), config)
        .await
        .unwrap()
        .with_clock(w.clock.clone());
    let both = || async {
        // Until the queue is quiet: failed attempts (a write that lost a race) come back
        // after their backoff.
        for _ in 0..30 {
            let (a, b) = tokio::join!(
                warden::jobs::run_due(&w.app.requests),
                warden::jobs::run_due(&other.requests),
            );
            let now = w.app.requests.clock().now().timestamp_millis();
            let due_soon =
                crate::common::job_waiting(&w.app.store, |j| j.run_at <= now + 60_000).await;
            if a.unwrap() + b.unwrap() == 0 && !due_soon {
                return;
            }
            w.clock.advance(chrono::Duration::seconds(5));
        }
        panic!("the job queue never settled");
    };
    let mut ids = Vec::new();
    // Two at a time, so that the two servers each end one of a pair at the same moment, each
    // finding the other relying on the grant.
    for hours in [1, 1, 2, 2, 3, 3, 4, 4] {
        ids.push(
            w.ask_approved(&["finance.invoices"], Some(&format!("{hours}h")))
                .await,
        );
    }
    both().await;
    for id in &ids {
        let req = w.request(id).await;
        assert_eq!(req.status(), Status::Active, "{id}: {:?}", req.error);
    }
    for hour in 1..=4 {
        w.clock.advance(chrono::Duration::hours(1));
        both().await;
        let mut active = 0;
        for id in &ids {
            if w.status(id).await == Status::Active {
                active += 1;
            }
        }
        assert_eq!(active, ids.len() - 2 * hour, "two end each hour");
        assert_eq!(
            w.has("alice", "finance.invoices").await,
            active > 0,
            "held exactly while a request relies on it ({active} active)"
        );
    }
}

/// A provisioning that finds the grant it needs being revoked by another request waits for
/// that revoke, however long, without failing the request; then it grants it itself.
#[tokio::test]
async fn a_grant_being_revoked_is_waited_for_not_failed_on() {
    let w = world("").await;
    let a = w.ask_approved(&["finance.invoices"], None).await;
    w.run_jobs().await;
    // A's revoke has started (marked `releasing`) and is slow to finish.
    let (mut req_a, version) = w.app.store.request(&a).await.unwrap().unwrap();
    req_a.changes[0].releasing = true;
    assert!(
        w.app
            .store
            .update_request(&req_a, version, &[], &[])
            .await
            .unwrap()
    );
    let b = w.ask_approved(&["finance.invoices"], None).await;
    for _ in 0..5 {
        w.run_jobs().await;
        w.clock.advance(chrono::Duration::minutes(20));
    }
    assert_eq!(w.status(&b).await, Status::Approved, "waiting, not failed");
    let jobs = w.app.store.pending_jobs().await.unwrap();
    let job = jobs.iter().find(|j| j.request_id == b).unwrap();
    assert!(job.attempts > 2, "past max_attempts: {job:?}");
    assert!(
        job.last_error.as_deref().unwrap().contains("revoking"),
        "{job:?}"
    );
    // A's revoke finishes.
    sqlx::query("REVOKE SELECT ON finance.invoices FROM alice")
        .execute(&w.admin)
        .await
        .unwrap();
    let (mut req_a, version) = w.app.store.request(&a).await.unwrap().unwrap();
    req_a.changes[0].revoked = true;
    req_a.changes[0].releasing = false;
    req_a
        .close(warden::requests::Ending::Revoked, chrono::Utc::now())
        .unwrap();
    assert!(
        w.app
            .store
            .update_request(&req_a, version, &[], &[])
            .await
            .unwrap()
    );
    w.clock.advance(chrono::Duration::minutes(20));
    w.run_jobs().await;
    let req_b = w.request(&b).await;
    assert_eq!(req_b.status(), Status::Active, "{:?}", req_b.error);
    assert_eq!(
        req_b.changes[0].pre_existing,
        Some(false),
        "granted by B itself"
    );
    assert!(w.has("alice", "finance.invoices").await);
}
