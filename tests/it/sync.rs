//! The PostgreSQL connector and `warden sync` against a real PostgreSQL: names that need quoting,
//! a schema with a dot, PUBLIC, NOINHERIT and predefined roles read from the catalogs agree with
//! `has_table_privilege`; an unprivileged connecting user reads the same; a connection that fails
//! keeps its last good snapshot, says why, and does not stop the others.

use crate::binary::run;
use crate::pg::PgCluster;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, PgPool, Row};

/// A small world with the names and rules a reader gets wrong most easily.
const WORLD: &[&str] = &[
    "CREATE DATABASE shop",
    r#"CREATE ROLE "al""ice" LOGIN"#,
    r#"CREATE ROLE "Sales Team""#,
    "CREATE ROLE tom LOGIN NOINHERIT",
    "CREATE ROLE auditor LOGIN",
    "CREATE ROLE owner_role",
    "CREATE ROLE reader LOGIN",
    r#"GRANT "Sales Team" TO "al""ice""#,
    r#"GRANT "Sales Team" TO tom"#,
    "GRANT pg_read_all_data TO auditor",
];

const SHOP: &[&str] = &[
    r#"CREATE SCHEMA "sch.ema" AUTHORIZATION owner_role"#,
    "CREATE SCHEMA sales",
    r#"CREATE TABLE "sch.ema"."Orders" (id int)"#,
    "CREATE TABLE sales.orders (id int)",
    "CREATE TABLE sales.calendar (d date)",
    r#"ALTER TABLE "sch.ema"."Orders" OWNER TO owner_role"#,
    r#"GRANT USAGE ON SCHEMA sales TO "Sales Team""#,
    r#"GRANT SELECT, INSERT ON sales.orders TO "Sales Team""#,
    "GRANT SELECT ON sales.calendar TO PUBLIC",
    r#"GRANT SELECT ON "sch.ema"."Orders" TO tom"#,
];

async fn build(pg: &PgCluster) {
    let admin = PgPool::connect(&pg.url).await.unwrap();
    for sql in WORLD {
        sqlx::query(AssertSqlSafe(*sql))
            .execute(&admin)
            .await
            .unwrap();
    }
    admin.close().await;
    let shop = PgPool::connect(&pg.url_for("shop")).await.unwrap();
    for sql in SHOP {
        sqlx::query(AssertSqlSafe(*sql))
            .execute(&shop)
            .await
            .unwrap();
    }
    shop.close().await;
}

fn config(urls: &[(&str, &str)]) -> String {
    urls.iter()
        .map(|(name, var)| {
            format!("[[connections]]\nname = \"{name}\"\nplatform = \"postgres\"\nurl = \"${{{var}}}\"\n")
        })
        .collect()
}

fn sync(dir: &std::path::Path, envs: &[(&str, String)]) -> (i32, Value) {
    let out = crate::binary::command()
        .arg("--data-dir")
        .arg(dir)
        .args(["--json", "sync"])
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (_, v) in envs {
        assert!(!stdout.contains(v.as_str()), "a URL reached the output");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(v.as_str()));
    }
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}")),
    )
}

#[tokio::test]
async fn synced_answers_agree_with_has_table_privilege() {
    let Ok(pg) = PgCluster::try_start() else {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
    };
    build(&pg).await;
    let conn = warden::connectors::postgres::read(&pg.url_for("shop"), "shop")
        .await
        .unwrap();
    // The connecting user needs no privilege: pg_catalog is readable by every role.
    let reader_url = format!("postgres://reader@127.0.0.1:{}/shop", pg.port);
    let as_reader = warden::connectors::postgres::read(&reader_url, "shop")
        .await
        .unwrap();
    assert_eq!(as_reader.grants.len(), conn.grants.len());
    assert_eq!(as_reader.resources.len(), conn.resources.len());
    let dotted = conn
        .resources
        .iter()
        .find(|r| r.name == "shop.sch.ema.Orders")
        .expect("the table in the dotted schema");
    assert_eq!(dotted.path, ["shop", "sch.ema", "Orders"]);

    let access = warden::access::Access::build(vec![conn]).unwrap();
    let shop = PgPool::connect(&pg.url_for("shop")).await.unwrap();
    let roles = [
        r#"al"ice"#,
        "Sales Team",
        "tom",
        "auditor",
        "owner_role",
        "reader",
    ];
    let tables = [
        ("shop.sales.orders", "sales.orders"),
        ("shop.sales.calendar", "sales.calendar"),
        ("shop.sch.ema.Orders", r#""sch.ema"."Orders""#),
    ];
    let mut checked = 0;
    let mut yes = 0;
    for role in roles {
        for (full, quoted) in tables {
            for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
                let expected: bool = sqlx::query("SELECT has_table_privilege($1, $2, $3)")
                    .bind(role)
                    .bind(quoted)
                    .bind(privilege)
                    .fetch_one(&shop)
                    .await
                    .unwrap()
                    .get(0);
                let args = json!({"identity": role, "privilege": privilege, "resource": full, "connection": "shop"});
                let got = crate::common::call(&access, "check_access", args.clone())
                    .unwrap_or_else(|e| panic!("{args}: {e}"));
                assert_eq!(got["allowed"], expected, "{args}: {got}");
                checked += 1;
                yes += usize::from(expected);
            }
        }
    }
    assert_eq!(checked, 72);
    assert!(yes > 5 && yes < checked, "a world with both answers: {yes}");
}

#[tokio::test]
async fn a_failing_connection_keeps_its_last_good_snapshot() {
    let Ok(pg) = PgCluster::try_start() else {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
    };
    build(&pg).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("warden.toml"),
        config(&[("shop", "SYNC_T_SHOP"), ("down", "SYNC_T_DOWN")]),
    )
    .unwrap();
    // A port nothing listens on: bind one, then let it go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = format!("postgres://warden:s3cret-pw@127.0.0.1:{closed}/shop");
    let (code, doc) = sync(
        dir.path(),
        &[
            ("SYNC_T_SHOP", pg.url_for("shop")),
            ("SYNC_T_DOWN", down.clone()),
        ],
    );
    assert_eq!(code, 3, "{doc}");
    let results = doc["connections"].as_array().unwrap();
    assert_eq!(results[0]["connection"], "shop");
    assert_eq!(results[0]["ok"], true, "{doc}");
    assert_eq!(results[1]["ok"], false);
    assert_eq!(results[1]["error"]["kind"], "unreachable", "{doc}");
    let (code, out, _) = run(
        dir.path(),
        &["check", "tom", "SELECT", "shop:sch.ema.Orders"],
    );
    assert_eq!(code, 0, "the synced connection answers: {out}");

    // Now the good one fails too (a role that does not exist): its snapshot stays.
    let bad = format!("postgres://nobody@127.0.0.1:{}/shop", pg.port);
    let (code, doc) = sync(dir.path(), &[("SYNC_T_SHOP", bad), ("SYNC_T_DOWN", down)]);
    assert_eq!(code, 3);
    assert_eq!(
        doc["connections"][0]["error"]["kind"], "authentication",
        "{doc}"
    );
    let (code, out, _) = run(
        dir.path(),
        &["check", "tom", "SELECT", "shop:sch.ema.Orders"],
    );
    assert_eq!(code, 0, "the last good snapshot still answers: {out}");

    // An unknown name, an unset variable: exit 2, one line.
    let (code, _, err) = run(dir.path(), &["sync", "nope"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(dir.path(), &["sync"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("SYNC_T_SHOP"),
        "names the unset variable: {err}"
    );
}

#[tokio::test]
async fn a_catalog_the_user_may_not_read_is_named() {
    let Ok(pg) = PgCluster::try_start() else {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
    };
    build(&pg).await;
    // Each database has its own pg_class row, and so its own ACL, for a shared catalog.
    let admin = PgPool::connect(&pg.url_for("shop")).await.unwrap();
    sqlx::query("REVOKE SELECT ON pg_catalog.pg_auth_members FROM PUBLIC")
        .execute(&admin)
        .await
        .unwrap();
    let url = format!("postgres://reader@127.0.0.1:{}/shop", pg.port);
    let e = warden::connectors::postgres::read(&url, "shop")
        .await
        .unwrap_err();
    assert_eq!(e.kind, warden::connectors::FailureKind::PermissionDenied);
    assert!(e.message.contains("pg_auth_members"), "{e}");
}

/// Two stores on one data dir, as two servers would hold: each due sync is claimed once.
#[tokio::test]
async fn each_due_sync_is_claimed_by_one_server() {
    let dir = tempfile::tempdir().unwrap();
    let a = warden::store::Store::open_data_dir(dir.path())
        .await
        .unwrap();
    let b = warden::store::Store::open_data_dir(dir.path())
        .await
        .unwrap();
    let now = 1_000_000;
    let claims = futures_util::future::join_all((0..20).map(|i| {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move { s.claim_sync("pg", now, 60).await.unwrap() }
    }))
    .await;
    assert_eq!(claims.iter().filter(|c| **c).count(), 1, "{claims:?}");
    assert!(!a.claim_sync("pg", now + 59, 60).await.unwrap());
    assert!(b.claim_sync("pg", now + 60, 60).await.unwrap());
    assert!(!a.claim_sync("pg", now + 60, 60).await.unwrap());
    assert!(
        a.claim_sync("other", now, 60).await.unwrap(),
        "each connection apart"
    );
}

/// `serve` syncs by itself: a table created on the platform is answered for a moment later.
#[tokio::test]
async fn the_server_syncs_on_its_interval() {
    let Ok(pg) = PgCluster::try_start() else {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
    };
    build(&pg).await;
    let config = format!(
        "[[connections]]\nname = \"shop\"\nplatform = \"postgres\"\nurl = \"{}\"\nsync_interval = \"1s\"\n",
        pg.url_for("shop")
    );
    let s = crate::server::TestServer::start_with_config(&config).await;
    let ask = |table: &'static str| {
        let body = json!({"identity": "tom", "privilege": "SELECT", "resource": table, "connection": "shop"});
        let s = &s;
        async move { s.post("/v1/tools/check_access", &body.to_string()).await }
    };
    let wait_for = |table: &'static str| async move {
        for _ in 0..100 {
            let (status, body) = ask(table).await;
            if status == 200 {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("{table} never appeared");
    };
    assert_eq!(wait_for("sch.ema.Orders").await["allowed"], true);
    let shop = PgPool::connect(&pg.url_for("shop")).await.unwrap();
    sqlx::query("CREATE TABLE sales.returns (id int)")
        .execute(&shop)
        .await
        .unwrap();
    sqlx::query("GRANT SELECT ON sales.returns TO tom")
        .execute(&shop)
        .await
        .unwrap();
    assert_eq!(wait_for("sales.returns").await["allowed"], true);
}
