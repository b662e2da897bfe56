//! The Redshift connector without a Redshift: its mapping from catalog rows to a snapshot, checked
//! on rows recorded by hand after the AWS pages of each view (tests/redshift/), answered by the
//! engine as SNAPSHOT.md's Redshift rules say; its SQL run against PostgreSQL with SVV-shaped
//! tables; and an unreachable cluster reported as such.

use crate::common::{call, caveat_codes, path_texts};
use crate::pg::PgCluster;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, PgPool};
use warden::access::Access;
use warden::config::{ConnectionConfig, Secret};
use warden::connectors::redshift::rows::{self, Rows};
use warden::connectors::{self, FailureKind};

fn recorded() -> Rows {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/redshift/cluster.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn access(rows: &Rows) -> Access {
    let conns = warden::snapshot::parse_value(rows::snapshot("dw", rows))
        .unwrap_or_else(|e| panic!("the mapping made an invalid snapshot: {e:?}"));
    Access::build(conns).expect("access builds")
}

/// `check_access`: allowed, the sorted path texts and the caveat codes.
fn check(
    a: &Access,
    identity: &str,
    privilege: &str,
    resource: &str,
) -> (bool, Vec<String>, Vec<String>) {
    let r = call(
        a,
        "check_access",
        json!({"identity": identity, "privilege": privilege, "resource": resource}),
    )
    .unwrap_or_else(|e| panic!("{identity} {privilege} {resource}: {e}"));
    (
        r["allowed"].as_bool().unwrap(),
        path_texts(&r),
        caveat_codes(&r),
    )
}

fn yes(path: &str) -> (bool, Vec<String>, Vec<String>) {
    (true, vec![path.to_owned()], vec![])
}

fn no() -> (bool, Vec<String>, Vec<String>) {
    (false, vec![], vec![])
}

#[test]
fn recorded_rows_answer_by_the_redshift_rules() {
    let a = access(&recorded());
    let cases = [
        // A grant to a group reaches its members.
        (
            "alice",
            "SELECT",
            "dev.sales.orders",
            yes("alice → analysts → SELECT on dev.sales.orders"),
        ),
        // A grant to a role reaches users through nested roles (SVV_ROLE_GRANTS, SVV_USER_GRANTS).
        (
            "bob",
            "SELECT",
            "dev.sales.orders",
            yes("bob → analyst_role → reader_role → base_role → SELECT on dev.sales.orders"),
        ),
        // No grant to carol, her roles or PUBLIC: no.
        ("carol", "SELECT", "dev.sales.orders", no()),
        // A group called like a user gets the group's grants only.
        (
            "dave",
            "SELECT",
            "dev.finance.ledger",
            yes("dave → sales → SELECT on dev.finance.ledger"),
        ),
        ("dave", "INSERT", "dev.finance.ledger", no()),
        (
            "admin",
            "SELECT",
            "dev.finance.ledger",
            yes("admin → superuser"),
        ),
        // The owner holds everything, and only as the owner (its own grant rows add no path).
        (
            "etl",
            "DELETE",
            "dev.sales.orders",
            yes("etl → owner of dev.sales.orders"),
        ),
        (
            "etl",
            "DROP",
            "dev.sales.orders",
            yes("etl → owner of dev.sales.orders"),
        ),
        (
            "carol",
            "SELECT",
            "dev.public.dim_date",
            yes("carol → PUBLIC → SELECT on dev.public.dim_date"),
        ),
        (
            "alice",
            "INSERT",
            "dev.sales.orders",
            yes("alice → INSERT on dev.sales.orders"),
        ),
        // Names with a quote, a dot, a space and capitals.
        (
            "o\"neil",
            "SELECT",
            "dev.sales.eu.Orders 2024",
            yes("o\"neil → SELECT on dev.sales.eu.Orders 2024"),
        ),
        // Scoped grants: SELECT FOR TABLES IN SCHEMA finance, USAGE FOR SCHEMAS IN DATABASE dev.
        (
            "carol",
            "SELECT",
            "dev.finance.ledger",
            yes("carol → auditor → SELECT on dev.finance.ledger"),
        ),
        (
            "carol",
            "USAGE",
            "dev.sales",
            yes("carol → auditor → USAGE on dev.sales"),
        ),
        // Redshift says TEMP.
        (
            "carol",
            "TEMPORARY",
            "dev",
            yes("carol → PUBLIC → TEMPORARY on dev"),
        ),
        ("dave", "SELECT", "dev.sales.orders", no()),
    ];
    let mut wrong = Vec::new();
    for (who, privilege, resource, want) in cases {
        let got = check(&a, who, privilege, resource);
        if got != want {
            wrong.push(format!(
                "{who} {privilege} {resource}: got {got:?}, want {want:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_table_grant_without_schema_usage_is_a_caveat() {
    let mut rows = recorded();
    rows.schema_privileges
        .retain(|p| p.namespace_name != "sales");
    let (allowed, paths, caveats) = check(&access(&rows), "alice", "SELECT", "dev.sales.orders");
    assert!(allowed);
    assert_eq!(paths, ["alice → analysts → SELECT on dev.sales.orders"]);
    assert_eq!(caveats, ["no_schema_usage"]);
}

#[test]
fn the_answers_follow_the_rows() {
    // Without the grolist row alice is in no group; without the role grant bob's chain breaks.
    let mut rows = recorded();
    rows.group_members.retain(|m| m.usename != "alice");
    rows.role_grants.retain(|g| g.role_name != "reader_role");
    let a = access(&rows);
    assert_eq!(check(&a, "alice", "SELECT", "dev.sales.orders"), no());
    assert_eq!(check(&a, "bob", "SELECT", "dev.sales.orders"), no());
    // A superuser no longer: admin has nothing.
    let mut rows = recorded();
    rows.users.iter_mut().for_each(|u| u.usesuper = false);
    assert_eq!(
        check(&access(&rows), "admin", "SELECT", "dev.finance.ledger"),
        no()
    );
}

#[test]
fn a_privilege_granted_twice_is_one_path() {
    // auditor holds SELECT on finance.ledger by the scoped grant; an explicit grant of the same
    // privilege is the same fact, not a second path.
    let mut rows = recorded();
    let mut explicit = rows.relation_privileges[0].clone();
    explicit.namespace_name = "finance".into();
    explicit.relation_name = "ledger".into();
    explicit.privilege_type = "select".into();
    explicit.identity_name = Some("auditor".into());
    explicit.identity_type = "role".into();
    rows.relation_privileges.push(explicit);
    let (_, paths, _) = check(&access(&rows), "carol", "SELECT", "dev.finance.ledger");
    assert_eq!(paths, ["carol → auditor → SELECT on dev.finance.ledger"]);
}

fn find(list: &Value, pred: impl Fn(&Value) -> bool) -> Vec<&Value> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|v| pred(v))
        .collect()
}

#[test]
fn the_document_keeps_names_kinds_and_only_what_was_read() {
    let doc = rows::snapshot("dw", &recorded());
    let c = &doc["connections"][0];
    assert_eq!(c["platform"], "redshift");
    assert_eq!(c["server_version"], "1.0.74097");

    let ids = &c["identities"];
    let has =
        |name: &str, kind: &str| !find(ids, |i| i["name"] == name && i["kind"] == kind).is_empty();
    // System roles only when referenced: carol holds sys:dba, which holds sys:operator, which holds
    // sys:monitor; nobody holds sys:superuser or sys:secadmin.
    assert!(has("sys:dba", "role") && has("sys:operator", "role") && has("sys:monitor", "role"));
    assert!(!has("sys:superuser", "role") && !has("sys:secadmin", "role"));
    // Data-sharing identities are kept because the datashare role holds a grant.
    assert!(has("ds:sales_share", "role") && has("ds:consumer_7f3a", "user"));
    // rdsdb owns the database and schema public: kept, as the superuser it is.
    assert_eq!(find(ids, |i| i["name"] == "rdsdb")[0]["superuser"], true);
    assert!(has("sales", "user") && has("sales", "group") && has("Data Team", "group"));
    assert_eq!(find(ids, |i| i["name"] == "alice")[0]["superuser"], false);

    let grants = &c["grants"];
    assert!(
        find(grants, |g| g["grantee"] == "etl"
            && g["resource"] == "dev.sales.orders")
        .is_empty()
    );
    assert!(
        find(grants, |g| g["resource"]
            .as_str()
            .unwrap()
            .contains("pg_class"))
        .is_empty()
    );
    assert!(
        find(grants, |g| g["privilege"] == "EXECUTE").is_empty(),
        "functions are not resources"
    );
    assert!(
        find(grants, |g| g["grantee"] == "alice"
            && g["privilege"] == "CREATE")
        .is_empty(),
        "another database"
    );
    let insert = find(grants, |g| {
        g["grantee"] == "alice" && g["privilege"] == "INSERT"
    });
    assert_eq!(insert.len(), 1);
    assert_eq!(insert[0]["grant_option"], true);
    assert_eq!(insert[0]["grantee_kind"], "user");
    let ledger: Vec<(&str, &str)> = find(grants, |g| g["resource"] == "dev.finance.ledger")
        .iter()
        .filter(|g| g["grantee"] == "sales")
        .map(|g| {
            (
                g["privilege"].as_str().unwrap(),
                g["grantee_kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(ledger, [("INSERT", "user"), ("SELECT", "group")]);
    let public = find(grants, |g| {
        g["grantee"] == "PUBLIC" && g["resource"] == "dev"
    });
    assert_eq!(public.len(), 1);
    assert_eq!(public[0]["privilege"], "TEMPORARY");
    assert!(
        public[0].get("grantee_kind").is_none(),
        "PUBLIC is everyone, not an identity"
    );

    let res = &c["resources"];
    let one = |name: &str| find(res, |r| r["name"] == name)[0].clone();
    assert_eq!(one("dev")["kind"], "database");
    assert_eq!(one("dev.sales.eu")["path"], json!(["dev", "sales.eu"]));
    assert_eq!(
        one("dev.sales.eu.Orders 2024")["path"],
        json!(["dev", "sales.eu", "Orders 2024"])
    );
    assert!(one("dev.sales.orders").get("path").is_none());
    assert_eq!(one("dev.sales.v_orders")["kind"], "view");
    assert_eq!(one("dev.sales.v_orders")["owner"], "alice");

    let members = &c["memberships"];
    assert_eq!(
        find(members, |m| m["member"] == "dave")[0],
        &json!({"member": "dave", "member_kind": "user", "role": "sales", "role_kind": "group"})
    );
    // SVV_ROLE_GRANTS: role_name received granted_role_name.
    assert_eq!(
        find(members, |m| m["member"] == "analyst_role")[0]["role"],
        "reader_role"
    );
}

#[test]
fn an_identity_only_a_grant_names_is_added_with_its_kind() {
    // A non-superuser reading the views sees grants to identities pg_user or SVV_ROLES hid.
    let mut rows = recorded();
    rows.roles.retain(|r| r.role_name != "base_role");
    let doc = rows::snapshot("dw", &rows);
    let ids = &doc["connections"][0]["identities"];
    assert_eq!(find(ids, |i| i["name"] == "base_role")[0]["kind"], "role");
    assert_eq!(
        check(&access(&rows), "bob", "SELECT", "dev.sales.orders"),
        yes("bob → analyst_role → reader_role → base_role → SELECT on dev.sales.orders")
    );
}

#[tokio::test]
async fn an_unreachable_cluster_is_reported_as_unreachable() {
    // A port nothing listens on: bind one, then let it go.
    let port = crate::common::free_port();
    let cfg = ConnectionConfig {
        url: Some(Secret::new(format!(
            "postgres://warden:s3cret-pw@127.0.0.1:{port}/dev"
        ))),
        ..ConnectionConfig::new("dw", warden::model::Platform::Redshift)
    };
    let err = connectors::read(&cfg)
        .await
        .expect_err("nothing listens there");
    assert_eq!(err.kind, FailureKind::Unreachable, "{err}");
    assert!(!err.message.contains("s3cret-pw"), "{err}");
}

/// SVV views as tables on PostgreSQL (PLATFORMS.md §5: no Redshift emulator runs SQL), in a
/// schema first on the search path; `pg_user`, `pg_group`, `pg_class` are PostgreSQL's own.
const WORLD: &[&str] = &[
    "CREATE USER alice",
    "CREATE USER bob",
    "CREATE USER etl",
    r#"CREATE USER "o""neil""#,
    "CREATE GROUP analysts",
    r#"ALTER GROUP analysts ADD USER alice, "o""neil""#,
    "CREATE DATABASE dev",
];

const DEV: &[&str] = &[
    "CREATE SCHEMA sales AUTHORIZATION etl",
    "CREATE TABLE sales.orders (id int)",
    "ALTER TABLE sales.orders OWNER TO etl",
    r#"CREATE SCHEMA "sales.eu" AUTHORIZATION etl"#,
    r#"CREATE TABLE "sales.eu"."Orders 2024" (id int)"#,
    "CREATE SCHEMA svv",
    "CREATE TABLE svv.svv_roles (role_id int, role_name text, role_owner text, external_id text)",
    "CREATE TABLE svv.svv_role_grants (role_id int, role_name text, granted_role_id int, granted_role_name text)",
    "CREATE TABLE svv.svv_user_grants (user_id int, user_name text, role_id int, role_name text, admin_option boolean)",
    "CREATE TABLE svv.svv_relation_privileges (namespace_name text, relation_name text, privilege_type text,
        identity_id int, identity_name text, identity_type text, admin_option boolean)",
    "CREATE TABLE svv.svv_schema_privileges (namespace_name text, privilege_type text, identity_id int,
        identity_name text, identity_type text, admin_option boolean, privilege_scope text)",
    "CREATE TABLE svv.svv_database_privileges (database_name text, privilege_type text, identity_id int,
        identity_name text, identity_type text, admin_option boolean, privilege_scope text)",
    "INSERT INTO svv.svv_roles VALUES (1, 'reader_role', 'warden', NULL), (2, 'base_role', 'warden', NULL),
        (3, 'sys:monitor', 'rdsdb', NULL)",
    "INSERT INTO svv.svv_role_grants VALUES (1, 'reader_role', 2, 'base_role')",
    "INSERT INTO svv.svv_user_grants VALUES (10, 'bob', 1, 'reader_role', NULL)",
    "INSERT INTO svv.svv_relation_privileges VALUES
        ('sales', 'orders', 'SELECT', 100, 'analysts', 'group', false),
        ('sales', 'orders', 'UPDATE', 2, 'base_role', 'role', false),
        ('sales.eu', 'Orders 2024', 'SELECT', 0, 'public', 'public', false)",
    "INSERT INTO svv.svv_schema_privileges VALUES
        ('sales', 'USAGE', 100, 'analysts', 'group', false, 'SCHEMA'),
        ('sales', 'USAGE', 2, 'base_role', 'role', false, 'SCHEMA')",
    "INSERT INTO svv.svv_database_privileges VALUES ('dev', 'TEMP', 0, 'public', 'public', false, 'DATABASE')",
    "ALTER DATABASE dev SET search_path = svv, public",
];

#[tokio::test]
async fn the_catalog_queries_run_over_the_wire() {
    let Ok(pg) = PgCluster::try_start() else {
        panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
    };
    for (url, script) in [(pg.url.clone(), WORLD), (pg.url_for("dev"), DEV)] {
        let pool = PgPool::connect(&url).await.unwrap();
        for sql in script {
            sqlx::query(AssertSqlSafe(*sql))
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        pool.close().await;
    }
    let cfg = ConnectionConfig {
        url: Some(Secret::new(pg.url_for("dev"))),
        ..ConnectionConfig::new("dw", warden::model::Platform::Redshift)
    };
    let conn = connectors::read(&cfg)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", pg.log()));
    let a = Access::build(vec![conn]).unwrap();
    assert_eq!(
        check(&a, "alice", "SELECT", "dev.sales.orders"),
        yes("alice → analysts → SELECT on dev.sales.orders")
    );
    assert_eq!(
        check(&a, "bob", "UPDATE", "dev.sales.orders"),
        yes("bob → reader_role → base_role → UPDATE on dev.sales.orders")
    );
    assert_eq!(check(&a, "bob", "SELECT", "dev.sales.orders"), no());
    assert_eq!(
        check(&a, "etl", "DELETE", "dev.sales.orders"),
        yes("etl → owner of dev.sales.orders")
    );
    assert_eq!(
        check(&a, "warden", "SELECT", "dev.sales.orders"),
        yes("warden → superuser")
    );
    let (allowed, paths, _) = check(&a, "o\"neil", "SELECT", "dev.sales.eu.Orders 2024");
    assert!(allowed);
    assert_eq!(
        paths,
        ["o\"neil → PUBLIC → SELECT on dev.sales.eu.Orders 2024"]
    );
    assert_eq!(
        check(&a, "alice", "TEMPORARY", "dev"),
        yes("alice → PUBLIC → TEMPORARY on dev")
    );
}

/// The Redshift provisioner against PostgreSQL (no Redshift is reachable from the tests): the
/// grantee-kind lookups read `pg_user`, `pg_group` and an SVV_ROLES table; `holds` reads
/// SVV-shaped views, here defined over PostgreSQL's own ACLs so that a statement run shows up in
/// them as it would on Redshift. Only the statements PostgreSQL also accepts are run (`TO GROUP`,
/// `ALTER GROUP … ADD | DROP USER`, a grant to a user); `TO ROLE` and `GRANT ROLE` have no
/// PostgreSQL form, so role grants are fixture rows that `holds` reads, and their statements are
/// checked as text in the unit tests. PostgreSQL's `pg_group` lists roles that cannot log in, so a
/// group here is what `CREATE GROUP` makes.
mod provisioning {
    use crate::pg::PgCluster;
    use sqlx::{AssertSqlSafe, PgPool};
    use warden::connectors::redshift::Provisioner;
    use warden::connectors::{Change, FailureKind};

    const HOSTILE: &str = r#"x"; drop table sales.orders; --"#;

    const WORLD: &[&str] = &[
        "CREATE USER alice",
        "CREATE USER bob",
        "CREATE USER carol",
        r#"CREATE USER "x""; drop table sales.orders; --""#,
        // A user that the SVV_ROLES fixture also lists as a role: ambiguous as a grantee.
        "CREATE USER both_kinds",
        "CREATE GROUP analysts",
        "CREATE DATABASE dev",
    ];

    /// Who an ACL entry names, as the SVV views say it: login roles are users, others groups.
    const IDENTITY: &str = "a.grantee::int AS identity_id,
        COALESCE(r.rolname::text, 'public') AS identity_name,
        CASE WHEN a.grantee = 0 THEN 'public' WHEN r.rolcanlogin THEN 'user' ELSE 'group' END
            AS identity_type,
        a.is_grantable AS admin_option";

    fn dev() -> Vec<String> {
        let mut sql: Vec<String> = [
            "CREATE SCHEMA sales",
            "CREATE TABLE sales.orders (id int)",
            // Granted by someone else before Warden: a grant must report it as pre-existing.
            "GRANT SELECT ON sales.orders TO carol",
            "CREATE SCHEMA svv",
            "CREATE TABLE svv.svv_roles (role_id int, role_name text, role_owner text, external_id text)",
            "INSERT INTO svv.svv_roles VALUES (1, 'reader_role', 'warden', NULL),
                (2, 'analyst_role', 'warden', NULL), (3, 'both_kinds', 'warden', NULL)",
            "CREATE TABLE svv.svv_user_grants (user_id int, user_name text, role_id int,
                role_name text, admin_option boolean)",
            "INSERT INTO svv.svv_user_grants VALUES (10, 'bob', 1, 'reader_role', false)",
            "CREATE TABLE svv.svv_role_grants (role_id int, role_name text, granted_role_id int,
                granted_role_name text)",
            "INSERT INTO svv.svv_role_grants VALUES (2, 'analyst_role', 1, 'reader_role')",
            // Grants to roles, which PostgreSQL cannot make with Redshift's statements.
            "CREATE TABLE svv.role_relation_privileges (namespace_name text, relation_name text,
                privilege_type text, identity_id int, identity_name text, identity_type text,
                admin_option boolean)",
            "INSERT INTO svv.role_relation_privileges VALUES
                ('sales', 'orders', 'SELECT', 1, 'reader_role', 'role', false)",
            // A scoped grant (ALTER FOR TABLES IN SCHEMA sales) is not ALTER on the schema.
            "CREATE TABLE svv.scoped_schema_privileges (namespace_name text, privilege_type text,
                identity_id int, identity_name text, identity_type text, admin_option boolean,
                privilege_scope text)",
            "INSERT INTO svv.scoped_schema_privileges VALUES
                ('sales', 'ALTER', 100, 'analysts', 'group', false, 'TABLES')",
            "ALTER DATABASE dev SET search_path = svv, public",
        ]
        .map(String::from)
        .to_vec();
        sql.push(format!(
            "CREATE VIEW svv.svv_relation_privileges AS
             SELECT n.nspname::text AS namespace_name, c.relname::text AS relation_name,
                    a.privilege_type::text AS privilege_type, {IDENTITY}
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              CROSS JOIN LATERAL aclexplode(c.relacl) a
               LEFT JOIN pg_roles r ON r.oid = a.grantee
             UNION ALL SELECT * FROM svv.role_relation_privileges"
        ));
        sql.push(format!(
            "CREATE VIEW svv.svv_schema_privileges AS
             SELECT n.nspname::text AS namespace_name, a.privilege_type::text AS privilege_type,
                    {IDENTITY}, 'SCHEMA'::text AS privilege_scope
               FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
               LEFT JOIN pg_roles r ON r.oid = a.grantee
             UNION ALL SELECT * FROM svv.scoped_schema_privileges"
        ));
        // The AWS page's sample shows TEMP where PostgreSQL says TEMPORARY.
        sql.push(format!(
            "CREATE VIEW svv.svv_database_privileges AS
             SELECT d.datname::text AS database_name,
                    CASE a.privilege_type WHEN 'TEMPORARY' THEN 'TEMP' ELSE a.privilege_type END
                        AS privilege_type,
                    {IDENTITY}, 'DATABASE'::text AS privilege_scope
               FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a
               LEFT JOIN pg_roles r ON r.oid = a.grantee"
        ));
        sql
    }

    fn privilege(p: &str, resource: &[&str], grantee: &str) -> Change {
        Change::Privilege {
            privilege: p.into(),
            resource: resource.iter().map(|s| s.to_string()).collect(),
            grantee: grantee.into(),
        }
    }

    fn member(role: &str, member: &str) -> Change {
        Change::Membership {
            role: role.into(),
            member: member.into(),
        }
    }

    async fn ask(pool: &PgPool, sql: &str, args: &[&str]) -> bool {
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql.to_string()));
        for a in args {
            q = q.bind(*a);
        }
        q.fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn has_table(pool: &PgPool, role: &str, p: &str) -> bool {
        ask(
            pool,
            "SELECT has_table_privilege($1, 'sales.orders', $2)",
            &[role, p],
        )
        .await
    }

    async fn in_group(pool: &PgPool, group: &str, user: &str) -> bool {
        ask(
            pool,
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members m
               JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
              WHERE g.rolname = $1 AND u.rolname = $2)",
            &[group, user],
        )
        .await
    }

    #[tokio::test]
    async fn provisioning_runs_over_the_wire() {
        let Ok(pg) = PgCluster::try_start() else {
            panic!("PostgreSQL is needed (Debian's postgresql package; .ci/run installs it)");
        };
        let world: Vec<String> = WORLD.iter().map(|s| s.to_string()).collect();
        for (url, script) in [(pg.url.clone(), world), (pg.url_for("dev"), dev())] {
            let pool = PgPool::connect(&url).await.unwrap();
            for sql in &script {
                sqlx::raw_sql(AssertSqlSafe(sql.clone()))
                    .execute(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            pool.close().await;
        }
        let admin = PgPool::connect(&pg.url_for("dev")).await.unwrap();
        let mut p = Provisioner::connect(&pg.url_for("dev"))
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", pg.log()));
        let orders = ["dev", "sales", "orders"];

        // A grant to a group: Redshift's statement, which PostgreSQL also runs, read back from
        // SVV_RELATION_PRIVILEGES after the lookup found `analysts` in pg_group.
        let to_group = privilege("select", &orders, "analysts");
        assert!(!p.holds(&to_group).await.unwrap());
        let a = p.grant(&to_group).await.unwrap();
        assert_eq!(
            a.statement,
            r#"GRANT SELECT ON TABLE "sales"."orders" TO GROUP "analysts""#
        );
        assert!(!a.pre_existing && a.holds_after, "{a:?}");
        assert!(has_table(&admin, "analysts", "SELECT").await);
        assert!(p.grant(&to_group).await.unwrap().pre_existing);
        let a = p.revoke(&to_group).await.unwrap();
        assert_eq!(
            a.statement,
            r#"REVOKE SELECT ON TABLE "sales"."orders" FROM GROUP "analysts""#
        );
        assert!(a.pre_existing && !a.holds_after, "{a:?}");
        assert!(!has_table(&admin, "analysts", "SELECT").await);

        // A user whose name holds a quote and SQL: the grant lands on that user, nothing runs.
        let hostile = privilege("INSERT", &orders, HOSTILE);
        let a = p.grant(&hostile).await.unwrap();
        assert_eq!(
            a.statement,
            r#"GRANT INSERT ON TABLE "sales"."orders" TO "x""; drop table sales.orders; --""#
        );
        assert!(a.holds_after);
        assert!(has_table(&admin, HOSTILE, "INSERT").await);
        assert!(
            ask(
                &admin,
                "SELECT to_regclass('sales.orders') IS NOT NULL",
                &[]
            )
            .await
        );

        // carol's SELECT was there before Warden; the receipt says so.
        let a = p
            .grant(&privilege("SELECT", &orders, "carol"))
            .await
            .unwrap();
        assert!(a.pre_existing && a.holds_after, "{a:?}");

        // A user into a group and out again: ALTER GROUP, read back from pg_group.grolist.
        let bob_in = member("analysts", "bob");
        let a = p.grant(&bob_in).await.unwrap();
        assert_eq!(a.statement, r#"ALTER GROUP "analysts" ADD USER "bob""#);
        assert!(!a.pre_existing && a.holds_after, "{a:?}");
        assert!(in_group(&admin, "analysts", "bob").await);
        let a = p.revoke(&bob_in).await.unwrap();
        assert_eq!(a.statement, r#"ALTER GROUP "analysts" DROP USER "bob""#);
        assert!(a.pre_existing && !a.holds_after, "{a:?}");
        assert!(!in_group(&admin, "analysts", "bob").await);

        // Schema USAGE to a group; a scoped ALTER FOR TABLES is not ALTER on the schema.
        let usage = privilege("USAGE", &["dev", "sales"], "analysts");
        let a = p.grant(&usage).await.unwrap();
        assert_eq!(
            a.statement,
            r#"GRANT USAGE ON SCHEMA "sales" TO GROUP "analysts""#
        );
        assert!(!a.pre_existing && a.holds_after, "{a:?}");
        assert!(
            ask(
                &admin,
                "SELECT has_schema_privilege('analysts', 'sales', 'USAGE')",
                &[]
            )
            .await
        );
        let alter = privilege("ALTER", &["dev", "sales"], "analysts");
        assert!(!p.holds(&alter).await.unwrap());

        // TEMP on the database: the view says TEMP, the change TEMPORARY.
        let temp = privilege("temp", &["dev"], "alice");
        let a = p.grant(&temp).await.unwrap();
        assert_eq!(
            a.statement,
            r#"GRANT TEMPORARY ON DATABASE "dev" TO "alice""#
        );
        assert!(!a.pre_existing && a.holds_after, "{a:?}");
        assert!(!p.revoke(&temp).await.unwrap().holds_after);

        // Role grants, read from fixture rows: to a role on a table (SVV_RELATION_PRIVILEGES),
        // a role to a user (SVV_USER_GRANTS) and to a role (SVV_ROLE_GRANTS).
        assert!(
            p.holds(&privilege("SELECT", &orders, "reader_role"))
                .await
                .unwrap()
        );
        assert!(
            !p.holds(&privilege("INSERT", &orders, "reader_role"))
                .await
                .unwrap()
        );
        assert!(p.holds(&member("reader_role", "bob")).await.unwrap());
        assert!(!p.holds(&member("reader_role", "alice")).await.unwrap());
        assert!(
            p.holds(&member("reader_role", "analyst_role"))
                .await
                .unwrap()
        );
        assert!(
            !p.holds(&member("analyst_role", "reader_role"))
                .await
                .unwrap()
        );

        // Refused, each with a message naming what is wrong.
        for (change, why) in [
            (
                privilege("SELECT", &orders, "nobody"),
                "no user, group or role named",
            ),
            (
                privilege("SELECT", &orders, "both_kinds"),
                "both a user and a role",
            ),
            (member("alice", "bob"), "cannot be given members"),
            (
                member("analysts", "reader_role"),
                "cannot be a group member",
            ),
            (privilege("SELECT", &orders, "Alice"), "capitals"),
            (privilege("TRIGGER", &orders, "alice"), "TRIGGER"),
            (
                privilege("SELECT", &["dev", "sales", "missing"], "alice"),
                "no table",
            ),
            (
                privilege("USAGE", &["dev", "missing"], "alice"),
                "no schema",
            ),
            (
                privilege("SELECT", &["postgres", "sales", "orders"], "alice"),
                "postgres",
            ),
        ] {
            let e = p.grant(&change).await.unwrap_err();
            assert_eq!(e.kind, FailureKind::Config, "{change:?}: {e}");
            assert!(e.message.contains(why), "{why}: {e}");
        }
        assert!(
            !has_table(&admin, "alice", "SELECT").await,
            "nothing changed"
        );
        p.close().await;
    }
}
