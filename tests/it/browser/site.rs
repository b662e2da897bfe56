//! What the flow tests stand on: the real server on port 0 whose connection `wh` provisions on a
//! real PostgreSQL, people with tokens to sign in with, and signing in and out as a person does.

use super::Browser;
use crate::pg::PgCluster;
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgPool};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use warden::app::App;
use warden::config::Config;
use warden::people::Role;

/// The platform: alice is a login in the role `analysts`; nobody may read `finance.invoices` yet.
const SETUP: &[&str] = &[
    "CREATE ROLE alice LOGIN",
    "CREATE ROLE bob LOGIN",
    "CREATE ROLE analysts",
    "GRANT analysts TO alice",
    // A role reaches all its members: granting to analysts gives bob access too.
    "GRANT analysts TO bob",
    "CREATE SCHEMA finance",
    "CREATE TABLE finance.invoices (id int)",
    "CREATE TABLE finance.ledger (id int)",
    "GRANT USAGE ON SCHEMA finance TO PUBLIC",
];

/// The server over a real PostgreSQL connection `wh`, with a requester (alice), a reviewer
/// (carol) and an admin (victor), each with a token.
pub struct PgSite {
    pub base: String,
    pub app: App,
    /// The platform's superuser, to ask it what it grants.
    pub platform: PgPool,
    pub alice: String,
    pub carol: String,
    pub victor: String,
    pub http: reqwest::Client,
    _pg: PgCluster,
    _dir: tempfile::TempDir,
}

impl PgSite {
    pub async fn start() -> PgSite {
        let pg = PgCluster::start();
        let platform = PgPool::connect(&pg.url).await.unwrap();
        for sql in SETUP {
            sqlx::query(AssertSqlSafe(*sql))
                .execute(&platform)
                .await
                .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"{}\"\n\n\
             [jobs]\nbackoff = \"1s\"\nmax_attempts = 2\n",
            pg.url
        );
        let config = Config::parse(&text, |_| None).unwrap();
        let app = App::open_with(dir.path(), config).await.unwrap();
        let synced = warden::sync::sync(&app, None).await.unwrap();
        assert!(synced.iter().all(|r| r.ok), "sync failed");
        let mut tokens = Vec::new();
        for (name, role) in [
            ("alice", Role::Requester),
            ("carol", Role::Reviewer),
            ("victor", Role::Admin),
        ] {
            app.people
                .add_person(name, role, Some(&format!("{name}@acme.test")))
                .await
                .unwrap();
            tokens.push(app.people.create_token(name, None).await.unwrap().1.secret);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(warden::server::serve(app.clone(), listener));
        let [alice, carol, victor] = <[String; 3]>::try_from(tokens).unwrap();
        PgSite {
            base: format!("http://{addr}"),
            app,
            platform,
            alice,
            carol,
            victor,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            _pg: pg,
            _dir: dir,
        }
    }

    /// `has_table_privilege(role, table, privilege)` on the platform.
    pub async fn has(&self, role: &str, table: &str, privilege: &str) -> bool {
        sqlx::query_scalar("SELECT has_table_privilege($1, $2, $3)")
            .bind(role)
            .bind(table)
            .bind(privilege)
            .fetch_one(&self.platform)
            .await
            .unwrap()
    }

    /// `GET path` over REST with a bearer token: (status, body).
    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }
}

impl PgSite {
    /// Creates a request over REST as the holder of `token`; returns its id.
    pub async fn ask(&self, token: &str, body: Value) -> String {
        let r = self
            .http
            .post(format!("{}/v1/requests", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    /// The request over REST, as the admin reads it.
    pub async fn request(&self, id: &str) -> Value {
        let (status, r) = self.get(&self.victor, &format!("/v1/requests/{id}")).await;
        assert_eq!(status, 200, "{r}");
        r
    }

    /// Waits (bounded) until the request's status is `want`; the job runner provisions and
    /// revokes in the background. Fails on a status it cannot leave on its own.
    pub async fn wait_for_status(&self, id: &str, want: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.request(id).await;
            if r["status"] == want {
                return r;
            }
            assert!(
                Instant::now() < deadline && r["status"] != "failed",
                "{id} is {}, never {want}: {r}",
                r["status"]
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Signs in at `/login` with `token`, as a person pastes it, and waits for the requests.
pub async fn sign_in(b: &Browser, base: &str, token: &str) {
    b.goto(&format!("{base}/login")).await;
    b.fill("input[name=token]", token).await;
    b.click_button("Sign in").await;
    b.wait_for_url("/requests").await;
    b.wait_for(".who").await;
}

/// Signs out with the menu's button and waits for the sign-in page.
pub async fn sign_out(b: &Browser) {
    b.click_button("Sign out").await;
    b.wait_for_url("/login").await;
    b.wait_for("input[name=token]").await;
}
