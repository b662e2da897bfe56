//! Crash tests: the real `warden serve` is killed (aborted, as by `kill -9`) at each step of
//! provisioning and expiry (after the job is claimed, after the GRANT or REVOKE, before the state
//! is written), then started again. The end state must be the one an uninterrupted run gives:
//! granted once, `pre_existing` still false (so the expiry revokes it), the expiry carried out at
//! start when it passed while Warden was down, the audit chain intact.
//!
//! Requests are created and approved through the store from this process (the same SQLite
//! file); the server process runs the jobs. `WARDEN_CRASH_AT` names the step to abort at.

use crate::binary::{Launch, Server, command};
use crate::pg::PgCluster;
use sqlx::{AssertSqlSafe, PgPool};
use std::path::Path;
use std::time::{Duration, Instant};
use warden::app::App;
use warden::people::{Principal, Role};
use warden::requests::{Approval, NewRequest, Status};

const SETUP: &[&str] = &[
    "CREATE ROLE alice LOGIN",
    "CREATE SCHEMA finance",
    "CREATE TABLE finance.invoices (id int)",
    "GRANT USAGE ON SCHEMA finance TO PUBLIC",
];

/// How long a step may take before the test gives up (the server polls every second and a
/// dead server's lease lasts one second).
const PATIENCE: Duration = Duration::from_secs(30);

/// `warden serve` over `dir` with the warehouse at `url`, aborting at `crash_at` if given.
fn start(dir: &Path, url: &str, crash_at: Option<&str>) -> Server {
    let launch = Launch::serve(dir).env("WH_URL", url);
    match crash_at {
        Some(step) => launch.env("WARDEN_CRASH_AT", step),
        None => launch,
    }
    .start()
}

/// Waits for the server to die at its crash point.
fn wait_for_crash(server: &mut Server) {
    let status = server
        .wait_for_exit(PATIENCE)
        .expect("the server never reached its crash point");
    assert!(!status.success(), "it aborted, it did not exit cleanly");
}

async fn has(admin: &PgPool) -> bool {
    sqlx::query_scalar("SELECT has_table_privilege('alice', 'finance.invoices', 'SELECT')")
        .fetch_one(admin)
        .await
        .unwrap()
}

async fn wait_for(app: &App, id: &str, want: Status) {
    let start = Instant::now();
    loop {
        let (req, _) = app.store.request(id).await.unwrap().unwrap();
        if req.status() == want {
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "request {id} stayed {} (wanted {want}): {:?}",
            req.status(),
            req.error
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn count(events: &[warden::model::audit::AuditEvent], kind: &str) -> usize {
    events.iter().filter(|e| e.kind == kind).count()
}

#[tokio::test]
async fn killed_at_every_step_of_provisioning_and_expiry() {
    let pg = PgCluster::start();
    let admin = PgPool::connect(&pg.url).await.unwrap();
    for sql in SETUP {
        sqlx::query(AssertSqlSafe(*sql))
            .execute(&admin)
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("warden.toml"),
        "[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"${WH_URL}\"\n\n[jobs]\nlease = \"1s\"\nbackoff = \"1s\"\n",
    )
    .unwrap();
    let sync = command()
        .args(["sync"])
        .env("WARDEN_DATA_DIR", dir.path())
        .env("WH_URL", &pg.url)
        .output()
        .unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let config = warden::config::Config::parse(
        &std::fs::read_to_string(dir.path().join("warden.toml")).unwrap(),
        |_| Some(pg.url.clone()),
    )
    .unwrap();
    let app = App::open_with(dir.path(), config).await.unwrap();
    let alice = Principal::person(
        app.people
            .add_person("alice", Role::Requester, None)
            .await
            .unwrap(),
    );
    let carol = Principal::person(
        app.people
            .add_person("carol", Role::Reviewer, None)
            .await
            .unwrap(),
    );

    let ask = |duration: &'static str| {
        let app = app.clone();
        let (alice, carol) = (alice.clone(), carol.clone());
        async move {
            let access = app.access.load();
            let input = NewRequest {
                resources: vec!["finance.invoices".into()],
                privileges: vec!["SELECT".into()],
                duration: Some(duration.into()),
                ..NewRequest::default()
            };
            let req = app
                .requests
                .create(&access, &alice, input, None)
                .await
                .unwrap();
            app.requests
                .approve(&access, &carol, &req.id, Approval::default())
                .await
                .unwrap();
            req.id
        }
    };

    for round in 0..2 {
        for step in [
            "provision:claimed",
            "provision:granted",
            "provision:before_write",
        ] {
            // Long enough that expiry does not come into it.
            let id = ask("1h").await;
            let mut server = start(dir.path(), &pg.url, Some(step));
            wait_for_crash(&mut server);
            drop(server);
            let _server = start(dir.path(), &pg.url, None);
            wait_for(&app, &id, Status::Active).await;
            assert!(has(&admin).await, "round {round}, {step}: granted");
            let (req, _) = app.store.request(&id).await.unwrap().unwrap();
            assert_eq!(
                req.changes[0].pre_existing,
                Some(false),
                "round {round}, {step}: still known as Warden's"
            );
            let history = app.requests.get(&carol, &id).await.unwrap().history;
            assert_eq!(
                count(&history, "provisioned"),
                1,
                "round {round}, {step}: provisioned once"
            );
            // End it so the next round starts from no grant.
            app.requests.revoke(&carol, &id, None).await.unwrap();
            wait_for(&app, &id, Status::Closed).await;
            assert!(!has(&admin).await, "round {round}, {step}: revoked");
        }

        for step in ["expire:claimed", "expire:revoked", "expire:before_write"] {
            let id = ask("2s").await;
            {
                let _server = start(dir.path(), &pg.url, None);
                wait_for(&app, &id, Status::Active).await;
            }
            assert!(has(&admin).await);
            // The expiry passes while the server is down; the next one crashes carrying it out.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let mut server = start(dir.path(), &pg.url, Some(step));
            wait_for_crash(&mut server);
            drop(server);
            let _server = start(dir.path(), &pg.url, None);
            wait_for(&app, &id, Status::Closed).await;
            assert!(!has(&admin).await, "round {round}, {step}: revoked at last");
            let history = app.requests.get(&carol, &id).await.unwrap().history;
            assert_eq!(
                count(&history, "expired"),
                1,
                "round {round}, {step}: expired once"
            );
        }
    }
    let verified = warden::audit::verify(&app.store).await.unwrap();
    assert!(
        verified.ok && verified.breaks.is_empty(),
        "the audit chain survived the crashes: {:?}",
        verified.breaks
    );
}
