//! The SQL API client against the fake: signed requests, partitions, polling, SQL errors, rate
//! limits, a key Snowflake does not know, an expired JWT, and an OAuth token.

use super::fake::{FakeSnowflake, Script, TestKey};
use std::time::Duration;
use warden::connectors::FailureKind;
use warden::connectors::snowflake::auth::{Auth, KeyPairAuth};
use warden::connectors::snowflake::client::{Patience, SqlApi};

const ACCOUNT: &str = "xy12345";

fn quick() -> Patience {
    Patience {
        attempts: 4,
        first_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        poll_every: Duration::from_millis(10),
        statement_timeout: Duration::from_secs(30),
    }
}

fn client(fake: &FakeSnowflake, key: &TestKey) -> SqlApi {
    // The account as configured carries its region; the JWT names the locator alone.
    let auth = KeyPairAuth::from_pem(&format!("{ACCOUNT}.eu-west-1"), "warden", &key.pem).unwrap();
    assert_eq!(auth.fingerprint(), key.fingerprint);
    SqlApi::new(&fake.url, Auth::KeyPair(auth))
        .unwrap()
        .with_context(Some("WARDEN_READER".into()), Some("ADMIN_WH".into()))
        .with_patience(quick())
}

fn row(cells: &[&str]) -> Vec<Option<String>> {
    cells
        .iter()
        .map(|c| (!c.is_empty()).then(|| c.to_string()))
        .collect()
}

#[tokio::test]
async fn a_statement_is_signed_with_a_key_pair_jwt_and_its_partitions_are_joined() {
    let key = TestKey::generate();
    let fake = FakeSnowflake::start(ACCOUNT, "warden", &key).await;
    fake.script(
        "SHOW ROLES",
        Script::Rows {
            columns: vec!["created_on", "name", "comment"],
            partitions: vec![
                vec![
                    row(&["2024-01-01", "ANALYST", ""]),
                    row(&["2024-01-01", "REPORTER", "x"]),
                ],
                vec![row(&["2024-01-02", "sales \"ops\"", ""])],
            ],
        },
    );
    let rows = client(&fake, &key).query("SHOW ROLES").await.unwrap();
    assert_eq!(rows.columns, ["created_on", "name", "comment"]);
    let name = rows.column("NAME").unwrap();
    let names: Vec<&str> = rows
        .rows
        .iter()
        .map(|r| r[name].as_deref().unwrap())
        .collect();
    assert_eq!(names, ["ANALYST", "REPORTER", "sales \"ops\""]);
    assert_eq!(rows.rows[0][2], None, "a null stays a null");

    let seen = fake.seen();
    assert_eq!(
        seen.len(),
        2,
        "the statement, then its second partition: {seen:?}"
    );
    assert!(
        seen.iter()
            .all(|s| s.accepted && s.token_type == "KEYPAIR_JWT")
    );
    assert_eq!(
        seen[1].query.get("partition").map(String::as_str),
        Some("1")
    );
    let claims = &seen[0].claims;
    assert_eq!(claims["sub"], "XY12345.WARDEN");
    assert_eq!(
        claims["iss"],
        format!("XY12345.WARDEN.{}", key.fingerprint).as_str()
    );
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!(lifetime > 0 && lifetime <= 3600, "{lifetime}");
    assert_eq!(fake.executed(), ["SHOW ROLES"]);
}

#[tokio::test]
async fn a_running_statement_is_polled_at_its_status_url_until_it_has_rows() {
    let key = TestKey::generate();
    let fake = FakeSnowflake::start(ACCOUNT, "warden", &key).await;
    fake.script(
        "SELECT 1",
        Script::Slow {
            polls: 2,
            then: Box::new(Script::Rows {
                columns: vec!["1"],
                partitions: vec![vec![row(&["1"])]],
            }),
        },
    );
    let rows = client(&fake, &key).query("SELECT 1").await.unwrap();
    assert_eq!(rows.rows, [row(&["1"])]);
    let seen = fake.seen();
    let methods: Vec<&str> = seen.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(
        methods,
        ["POST", "GET", "GET"],
        "one submit, then two polls"
    );
}

#[tokio::test]
async fn a_sql_error_is_reported_with_snowflakes_code_and_message() {
    let key = TestKey::generate();
    let fake = FakeSnowflake::start(ACCOUNT, "warden", &key).await;
    fake.script(
        "SHOW GRANTS TO ROLE \"NOPE\"",
        Script::SqlError {
            code: "002003",
            message: "SQL compilation error:\nRole 'NOPE' does not exist or not authorized.".into(),
        },
    );
    fake.script(
        "SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES",
        Script::SqlError {
            code: "003001",
            message: "SQL access control error:\nInsufficient privileges to operate on schema 'ACCOUNT_USAGE'".into(),
        },
    );
    let api = client(&fake, &key);
    let e = api.query("SHOW GRANTS TO ROLE \"NOPE\"").await.unwrap_err();
    assert_eq!(e.kind, FailureKind::Invalid);
    assert!(
        e.message.contains("002003") && e.message.contains("does not exist"),
        "{e}"
    );
    let e = api
        .query("SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES")
        .await
        .unwrap_err();
    assert_eq!(e.kind, FailureKind::PermissionDenied, "{e}");
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_the_statement_runs_once() {
    let key = TestKey::generate();
    let fake = FakeSnowflake::start(ACCOUNT, "warden", &key).await;
    fake.script(
        "GRANT ROLE \"ANALYST\" TO USER \"MAYA\"",
        Script::Busy {
            times: 2,
            then: Box::new(Script::Rows {
                columns: vec!["status"],
                partitions: vec![vec![row(&["Statement executed successfully."])]],
            }),
        },
    );
    let rows = client(&fake, &key)
        .query("GRANT ROLE \"ANALYST\" TO USER \"MAYA\"")
        .await
        .unwrap();
    assert_eq!(rows.rows.len(), 1);
    let seen = fake.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    // The retries carry the first try's requestId and say they are retries: Snowflake runs
    // the statement once.
    let id = seen[0].query.get("requestId").unwrap();
    assert!(seen.iter().all(|s| s.query.get("requestId") == Some(id)));
    assert_eq!(seen[0].query.get("retry"), None);
    assert_eq!(seen[2].query.get("retry").map(String::as_str), Some("true"));
    assert_eq!(fake.executed().len(), 1);

    // Always busy: given up on after the attempts, as unreachable, saying so.
    fake.script(
        "SELECT 2",
        Script::Busy {
            times: 100,
            then: Box::new(Script::Rows {
                columns: vec!["2"],
                partitions: vec![vec![]],
            }),
        },
    );
    let e = client(&fake, &key).query("SELECT 2").await.unwrap_err();
    assert_eq!(e.kind, FailureKind::Unreachable);
    assert!(
        e.message.contains("429") && e.message.contains("4 attempts"),
        "{e}"
    );
}

#[tokio::test]
async fn a_key_snowflake_does_not_know_or_an_expired_jwt_is_refused_clearly() {
    let key = TestKey::generate();
    let fake = FakeSnowflake::start(ACCOUNT, "warden", &key).await;
    fake.script(
        "SELECT 1",
        Script::Rows {
            columns: vec!["1"],
            partitions: vec![vec![row(&["1"])]],
        },
    );
    // Another key than the one registered for the user.
    let other = TestKey::generate();
    let e = client(&fake, &other).query("SELECT 1").await.unwrap_err();
    assert_eq!(e.kind, FailureKind::Authentication);
    assert!(
        e.message.contains("390144") && e.message.contains("JWT token is invalid"),
        "{e}"
    );
    assert!(!e.message.contains("PRIVATE KEY"), "{e}");

    // The right key, signing as if two hours ago: the JWT has expired.
    fn two_hours_ago() -> i64 {
        chrono::Utc::now().timestamp() - 2 * 3600
    }
    let e = client(&fake, &key)
        .with_clock(two_hours_ago)
        .query("SELECT 1")
        .await
        .unwrap_err();
    assert_eq!(e.kind, FailureKind::Authentication, "{e}");
    assert!(fake.executed().is_empty(), "nothing ran");

    // An OAuth token, sent as one.
    fake.accept_oauth("oauth-token-1");
    let api = SqlApi::new(&fake.url, Auth::Token("oauth-token-1".into()))
        .unwrap()
        .with_patience(quick());
    assert_eq!(api.query("SELECT 1").await.unwrap().rows.len(), 1);
    assert_eq!(fake.seen().last().unwrap().token_type, "OAUTH");
    let wrong = SqlApi::new(&fake.url, Auth::Token("stolen".into())).unwrap();
    let e = wrong.query("SELECT 1").await.unwrap_err();
    assert_eq!(e.kind, FailureKind::Authentication);
    assert!(!e.message.contains("stolen"), "{e}");
}

/// One JWT serves every request while it has more than a few minutes left (signing is an RSA
/// operation; a sync sends thousands of requests), then a new one is signed.
#[tokio::test]
async fn a_jwt_is_reused_until_it_nears_its_expiry() {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LATER: AtomicI64 = AtomicI64::new(0);
    fn clock() -> i64 {
        chrono::Utc::now().timestamp() + LATER.load(Ordering::SeqCst)
    }
    let key = TestKey::generate();
    let fake = FakeSnowflake::start(ACCOUNT, "warden", &key).await;
    fake.script(
        "SELECT 1",
        Script::Rows {
            columns: vec!["1"],
            partitions: vec![vec![row(&["1"])]],
        },
    );
    let api = client(&fake, &key).with_clock(clock);
    let iat = |n: usize| fake.seen()[n].claims["iat"].as_i64().unwrap();
    api.query("SELECT 1").await.unwrap();
    // Ten minutes on: the same token.
    LATER.store(10 * 60, Ordering::SeqCst);
    api.query("SELECT 1").await.unwrap();
    assert_eq!(iat(1), iat(0));
    // Fifty-six minutes on, three before it expires: a new one.
    LATER.store(56 * 60, Ordering::SeqCst);
    api.query("SELECT 1").await.unwrap();
    assert!(iat(2) >= iat(0) + 56 * 60, "{} then {}", iat(0), iat(2));
    assert!(fake.seen().iter().all(|s| s.accepted));
}
