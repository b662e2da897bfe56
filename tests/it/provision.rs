//! Provisioning against a real PostgreSQL: grants and revokes flip `has_table_privilege` and
//! `pg_has_role`, a grant that was there before is reported as such, and names with quotes,
//! spaces, capitals and SQL in them reach the server as names.

use crate::pg::PgCluster;
use sqlx::{AssertSqlSafe, PgPool};
use warden::connectors::postgres::Provisioner;
use warden::connectors::{Change, FailureKind};

const SETUP: &[&str] = &[
    r#"CREATE ROLE "al""ice; DROP TABLE shop.orders; --" LOGIN"#,
    r#"CREATE ROLE "Sales Team""#,
    "CREATE ROLE bob LOGIN",
    "CREATE SCHEMA shop",
    "CREATE TABLE shop.orders (id int)",
    r#"CREATE TABLE shop."Weird ""Name""" (id int)"#,
    "GRANT SELECT ON shop.orders TO bob",
];

const ALICE: &str = r#"al"ice; DROP TABLE shop.orders; --"#;

fn privilege(p: &str, table: &str, grantee: &str) -> Change {
    Change::Privilege {
        privilege: p.into(),
        resource: vec!["postgres".into(), "shop".into(), table.into()],
        grantee: grantee.into(),
    }
}

async fn has(pool: &PgPool, role: &str, table: &str, p: &str) -> bool {
    sqlx::query_scalar("SELECT has_table_privilege($1, $2, $3)")
        .bind(role)
        .bind(table)
        .bind(p)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn grants_and_revokes_flip_the_platform_answer() {
    let Ok(pg) = PgCluster::try_start() else {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
    };
    let admin = PgPool::connect(&pg.url).await.unwrap();
    for sql in SETUP {
        sqlx::query(AssertSqlSafe(*sql))
            .execute(&admin)
            .await
            .unwrap();
    }
    let mut p = Provisioner::connect(&pg.url).await.unwrap();
    let weird = r#"Weird "Name""#;
    let weird_sql = r#"shop."Weird ""Name""""#;

    // A name with a quote and SQL in it is a name: the grant lands on that role.
    let change = privilege("select", weird, ALICE);
    assert!(!has(&admin, ALICE, weird_sql, "SELECT").await);
    let applied = p.grant(&change).await.unwrap();
    assert!(!applied.pre_existing);
    assert!(has(&admin, ALICE, weird_sql, "SELECT").await);
    assert!(p.holds(&change).await.unwrap(), "the receipt reads it back");
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('shop.orders') IS NOT NULL")
        .fetch_one(&admin)
        .await
        .unwrap();
    assert!(exists, "nothing in a name ran as SQL");
    // Granting again: it was there before.
    assert!(p.grant(&change).await.unwrap().pre_existing);
    let applied = p.revoke(&change).await.unwrap();
    assert!(applied.pre_existing);
    assert!(!has(&admin, ALICE, weird_sql, "SELECT").await);
    assert!(!p.holds(&change).await.unwrap());

    // bob's SELECT was granted by someone else: reported as pre-existing.
    assert!(
        p.grant(&privilege("SELECT", "orders", "bob"))
            .await
            .unwrap()
            .pre_existing
    );
    assert!(
        !p.grant(&privilege("INSERT", "orders", "bob"))
            .await
            .unwrap()
            .pre_existing
    );
    assert!(has(&admin, "bob", "shop.orders", "INSERT").await);

    // Membership: bob joins "Sales Team", and leaves it.
    let member = Change::Membership {
        role: "Sales Team".into(),
        member: "bob".into(),
    };
    let in_role = |pool: &PgPool| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT pg_has_role('bob', 'Sales Team', 'MEMBER')")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(!p.grant(&member).await.unwrap().pre_existing);
    assert!(in_role(&admin).await);
    assert!(p.grant(&member).await.unwrap().pre_existing);
    assert!(p.revoke(&member).await.unwrap().pre_existing);
    assert!(!in_role(&admin).await);

    // Schema and database privileges.
    let usage = Change::Privilege {
        privilege: "usage".into(),
        resource: vec!["postgres".into(), "shop".into()],
        grantee: "Sales Team".into(),
    };
    assert!(!p.grant(&usage).await.unwrap().pre_existing);
    let on_schema: bool =
        sqlx::query_scalar("SELECT has_schema_privilege('Sales Team', 'shop', 'USAGE')")
            .fetch_one(&admin)
            .await
            .unwrap();
    assert!(on_schema);

    // Refused before anything is sent, each naming what is wrong.
    for (change, what) in [
        (privilege("SELECT", "orders", "nobody"), "nobody"),
        (privilege("SELECT", "missing", "bob"), "missing"),
        (privilege("USAGE", "orders", "bob"), "USAGE"),
        (
            privilege("SELECT; DROP TABLE shop.orders", "orders", "bob"),
            "DROP",
        ),
        (privilege("SELECT", "orders", "a\0b"), "NUL"),
        (
            Change::Privilege {
                privilege: "SELECT".into(),
                resource: vec!["other_db".into(), "shop".into(), "orders".into()],
                grantee: "bob".into(),
            },
            "other_db",
        ),
    ] {
        let e = p.grant(&change).await.unwrap_err();
        assert_eq!(e.kind, FailureKind::Config, "{change:?}: {e}");
        assert!(e.message.contains(what), "{what}: {e}");
    }
    assert!(
        has(&admin, "bob", "shop.orders", "SELECT").await,
        "nothing changed"
    );
    p.close().await;
}

/// Two provisioners (two Warden servers) granting on one table at the same moment: PostgreSQL
/// fails one of two concurrent ACL updates ("tuple concurrently updated") unless they take turns,
/// which the provisioner's advisory lock makes them do.
#[tokio::test]
async fn concurrent_grants_on_one_table_take_turns() {
    let pg = PgCluster::start();
    let admin = PgPool::connect(&pg.url).await.unwrap();
    sqlx::query("CREATE TABLE busy (id int)")
        .execute(&admin)
        .await
        .unwrap();
    let roles: Vec<String> = (0..16).map(|i| format!("r{i}")).collect();
    for r in &roles {
        sqlx::query(AssertSqlSafe(format!("CREATE ROLE {r}")))
            .execute(&admin)
            .await
            .unwrap();
    }
    let mut a = Provisioner::connect(&pg.url).await.unwrap();
    let mut b = Provisioner::connect(&pg.url).await.unwrap();
    let change = |r: &str| Change::Privilege {
        privilege: "SELECT".into(),
        resource: vec!["postgres".into(), "public".into(), "busy".into()],
        grantee: r.into(),
    };
    for pair in roles.chunks(2) {
        let (x, y) = (change(&pair[0]), change(&pair[1]));
        let (ra, rb) = tokio::join!(a.grant(&x), b.grant(&y));
        assert!(ra.is_ok() && rb.is_ok(), "{ra:?} {rb:?}");
    }
    for r in &roles {
        assert!(has(&admin, r, "busy", "SELECT").await, "{r}");
    }
}

/// The README's least-privilege role ("Connecting a real PostgreSQL"), exactly as written there
/// (only its name differs: the test cluster's superuser is already called `warden`): it syncs,
/// grants and revokes what it holds with the grant option or administers, and a grant beyond
/// that is seen not to hold.
#[tokio::test]
async fn the_readmes_least_privilege_role_syncs_and_provisions() {
    let Ok(pg) = PgCluster::try_start() else {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
    };
    let admin = PgPool::connect(&pg.url).await.unwrap();
    let readme = include_str!("../../README.md");
    let start = readme.find("CREATE ROLE warden LOGIN").unwrap();
    let end = start + readme[start..].find("```").unwrap();
    let mut grants: Vec<String> = readme[start..end]
        .lines()
        .filter(|l| !l.trim_start().starts_with("--") && !l.trim().is_empty())
        .map(|l| {
            l.replace("warden", "warden_app")
                .replace("PASSWORD '…'", "")
        })
        .collect();
    let more = start + readme[start..].find("-- Privileges on tables").unwrap();
    let more_end = more + readme[more..].find("```").unwrap();
    grants.extend(
        readme[more..more_end]
            .lines()
            .filter(|l| !l.trim_start().starts_with("--") && !l.trim().is_empty())
            .map(|l| l.replace("warden", "warden_app")),
    );
    assert!(grants.len() >= 5, "{grants:?}");
    for sql in [
        "CREATE SCHEMA sales",
        "CREATE TABLE sales.orders (id int)",
        "CREATE ROLE analyst",
        "CREATE ROLE maya LOGIN",
    ] {
        sqlx::query(AssertSqlSafe(sql))
            .execute(&admin)
            .await
            .unwrap();
    }
    for sql in &grants {
        let sql = sql.replace("DATABASE prod", "DATABASE postgres");
        sqlx::query(AssertSqlSafe(sql.trim_end_matches(';').to_string()))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // A table made after the default privileges were set is covered too.
    sqlx::query("CREATE TABLE sales.refunds (id int)")
        .execute(&admin)
        .await
        .unwrap();
    let url = pg
        .url
        .replace("postgres://warden@", "postgres://warden_app@");

    let read = warden::connectors::postgres::read(&url, "warehouse")
        .await
        .unwrap();
    assert!(read.identities.iter().any(|i| i.name == "maya"));
    assert!(
        read.resources
            .iter()
            .any(|r| r.name == "postgres.sales.refunds")
    );

    let mut p = Provisioner::connect(&url).await.unwrap();
    let select = |table: &str| Change::Privilege {
        privilege: "SELECT".into(),
        resource: vec!["postgres".into(), "sales".into(), table.into()],
        grantee: "maya".into(),
    };
    for table in ["orders", "refunds"] {
        p.grant(&select(table)).await.unwrap();
        assert!(has(&admin, "maya", &format!("sales.{table}"), "SELECT").await);
        p.revoke(&select(table)).await.unwrap();
        assert!(!has(&admin, "maya", &format!("sales.{table}"), "SELECT").await);
    }
    let member = Change::Membership {
        role: "analyst".into(),
        member: "maya".into(),
    };
    p.grant(&member).await.unwrap();
    let is_member: bool = sqlx::query_scalar("SELECT pg_has_role('maya', 'analyst', 'MEMBER')")
        .fetch_one(&admin)
        .await
        .unwrap();
    assert!(is_member);
    p.revoke(&member).await.unwrap();
    // Not held with the grant option: PostgreSQL only warns; the catalog read back says it.
    let insert = Change::Privilege {
        privilege: "INSERT".into(),
        resource: vec!["postgres".into(), "sales".into(), "orders".into()],
        grantee: "maya".into(),
    };
    let refused = p.grant(&insert).await.unwrap();
    assert!(!refused.holds_after, "{refused:?}");
    assert!(!has(&admin, "maya", "sales.orders", "INSERT").await);
}
