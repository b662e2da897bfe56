//! A whole account read through the SQL API fake into a snapshot: users with emails, roles and
//! their hierarchy, OWNERSHIP, a future grant, a role whose name needs quoting, objects the
//! snapshot has no kind for left out; then the engine answers on it as Snowflake would.

use super::fake::{FakeSnowflake, GRANT_COLUMNS, Script, TestKey};
use serde_json::json;
use warden::access::Access;
use warden::connectors::snowflake::auth::{Auth, KeyPairAuth};
use warden::connectors::snowflake::client::SqlApi;
use warden::connectors::snowflake::read::read;
use warden::tools::{CheckAccess, CheckAccessArgs, Tool};

fn rows(columns: Vec<&'static str>, rows: &[&[&str]]) -> Script {
    Script::Rows {
        columns,
        partitions: vec![
            rows.iter()
                .map(|r| {
                    r.iter()
                        .map(|c| (!c.is_empty()).then(|| c.to_string()))
                        .collect()
                })
                .collect(),
        ],
    }
}

/// `SHOW GRANTS TO ROLE` rows: (privilege, granted_on, name, grant_option).
fn grants(of: &[(&str, &str, &str, &str)]) -> Script {
    let owned: Vec<[&str; 8]> = of
        .iter()
        .map(|(p, on, name, opt)| ["2024-01-01", p, on, name, "ROLE", "X", opt, "SYSADMIN"])
        .collect();
    let slices: Vec<&[&str]> = owned.iter().map(|r| &r[..]).collect();
    rows(GRANT_COLUMNS.to_vec(), &slices)
}

/// `SHOW GRANTS OF ROLE` rows: (granted_to, grantee_name).
fn holders(of: &[(&str, &str)]) -> Script {
    let owned: Vec<[&str; 5]> = of
        .iter()
        .map(|(to, who)| ["2024-01-01", "R", to, who, "SECURITYADMIN"])
        .collect();
    let slices: Vec<&[&str]> = owned.iter().map(|r| &r[..]).collect();
    let columns = vec![
        "created_on",
        "role",
        "granted_to",
        "grantee_name",
        "granted_by",
    ];
    rows(columns, &slices)
}

/// A small account: two users, three roles in a chain (one named `sales "ops"`), a warehouse,
/// a database with one schema, two tables and a view, OWNERSHIP, a grant option, a future grant,
/// and a grant on a function (a kind a snapshot has no word for).
pub(super) fn script_account(fake: &FakeSnowflake) {
    fake.script(
        "SHOW USERS",
        rows(
            vec!["name", "login_name", "display_name", "email", "disabled"],
            &[
                &["MAYA", "maya", "Maya Patel", "maya@acme.test", "false"],
                &["DBT_SVC", "dbt_svc", "", "", "false"],
            ],
        ),
    );
    fake.script(
        "SHOW ROLES",
        rows(
            vec!["created_on", "name", "owner"],
            &[
                &["2024", "ANALYST", "SECURITYADMIN"],
                &["2024", "REPORTER", "SECURITYADMIN"],
                &["2024", "sales \"ops\"", "SECURITYADMIN"],
                &["2024", "PUBLIC", ""],
            ],
        ),
    );
    fake.script(
        "SHOW WAREHOUSES",
        rows(vec!["name", "state"], &[&["REPORTING_WH", "STARTED"]]),
    );
    fake.script(
        "SHOW DATABASES",
        rows(vec!["name", "kind"], &[&["ANALYTICS", "STANDARD"]]),
    );
    // A privilege granted to a user directly (its role row is read from SHOW GRANTS OF ROLE).
    fake.script(
        "SHOW GRANTS TO USER \"DBT_SVC\"",
        grants(&[
            ("UPDATE", "TABLE", "ANALYTICS.CORE.REVENUE", "false"),
            ("USAGE", "ROLE", "sales \"ops\"", "false"),
        ]),
    );
    // Database roles: READER holds SELECT on REVENUE and is held by the sales "ops" account
    // role and by the WRITER database role, which ANALYST holds.
    fake.script(
        "SHOW DATABASE ROLES IN DATABASE \"ANALYTICS\"",
        rows(
            vec!["name", "owner"],
            &[&["READER", "SYSADMIN"], &["WRITER", "SYSADMIN"]],
        ),
    );
    fake.script(
        "SHOW GRANTS TO DATABASE ROLE \"ANALYTICS\".\"READER\"",
        grants(&[("SELECT", "TABLE", "ANALYTICS.CORE.REVENUE", "false")]),
    );
    fake.script(
        "SHOW GRANTS OF DATABASE ROLE \"ANALYTICS\".\"READER\"",
        holders(&[
            ("ROLE", "sales \"ops\""),
            ("DATABASE_ROLE", "ANALYTICS.WRITER"),
        ]),
    );
    fake.script(
        "SHOW GRANTS TO DATABASE ROLE \"ANALYTICS\".\"WRITER\"",
        grants(&[
            ("INSERT", "TABLE", "ANALYTICS.CORE.\"Orders Q1\"", "false"),
            ("USAGE", "DATABASE_ROLE", "ANALYTICS.READER", "false"),
        ]),
    );
    fake.script(
        "SHOW GRANTS OF DATABASE ROLE \"ANALYTICS\".\"WRITER\"",
        holders(&[("ROLE", "ANALYST")]),
    );
    fake.script(
        "SHOW SCHEMAS IN ACCOUNT",
        rows(
            vec!["name", "database_name"],
            &[&["CORE", "ANALYTICS"], &["INFORMATION_SCHEMA", "ANALYTICS"]],
        ),
    );
    fake.script(
        "SHOW TABLES IN ACCOUNT",
        rows(
            vec!["name", "database_name", "schema_name"],
            &[
                &["REVENUE", "ANALYTICS", "CORE"],
                &["Orders Q1", "ANALYTICS", "CORE"],
            ],
        ),
    );
    fake.script(
        "SHOW VIEWS IN ACCOUNT",
        rows(
            vec!["name", "database_name", "schema_name", "is_materialized"],
            &[&["REVENUE_BY_MONTH", "ANALYTICS", "CORE", "false"]],
        ),
    );
    fake.script(
        "SHOW GRANTS TO ROLE \"REPORTER\"",
        grants(&[
            ("USAGE", "DATABASE", "ANALYTICS", "false"),
            ("USAGE", "SCHEMA", "ANALYTICS.CORE", "false"),
            ("SELECT", "TABLE", "ANALYTICS.CORE.REVENUE", "false"),
            ("SELECT", "TABLE", "ANALYTICS.CORE.\"Orders Q1\"", "true"),
            ("USAGE", "WAREHOUSE", "REPORTING_WH", "false"),
            // A kind the snapshot has no word for: left out.
            ("USAGE", "FUNCTION", "ANALYTICS.CORE.\"F(NUMBER)\"", "false"),
        ]),
    );
    fake.script(
        "SHOW GRANTS TO ROLE \"ANALYST\"",
        grants(&[
            ("USAGE", "ROLE", "REPORTER", "false"),
            (
                "OWNERSHIP",
                "VIEW",
                "ANALYTICS.CORE.REVENUE_BY_MONTH",
                "true",
            ),
        ]),
    );
    fake.script("SHOW GRANTS TO ROLE \"sales \"\"ops\"\"\"", grants(&[]));
    // PUBLIC's own privileges are every user's.
    fake.script(
        "SHOW GRANTS TO ROLE \"PUBLIC\"",
        grants(&[("USAGE", "WAREHOUSE", "REPORTING_WH", "false")]),
    );
    fake.script(
        "SHOW GRANTS OF ROLE \"REPORTER\"",
        holders(&[("ROLE", "ANALYST")]),
    );
    fake.script(
        "SHOW GRANTS OF ROLE \"ANALYST\"",
        holders(&[("USER", "MAYA"), ("ROLE", "sales \"ops\"")]),
    );
    fake.script(
        "SHOW GRANTS OF ROLE \"sales \"\"ops\"\"\"",
        holders(&[("USER", "DBT_SVC")]),
    );
    fake.script(
        "SHOW FUTURE GRANTS IN SCHEMA \"ANALYTICS\".\"CORE\"",
        rows(
            vec![
                "created_on",
                "privilege",
                "grant_on",
                "name",
                "grant_to",
                "grantee_name",
                "grant_option",
            ],
            &[&[
                "2024",
                "SELECT",
                "TABLE",
                "ANALYTICS.CORE.<TABLE>",
                "ROLE",
                "ANALYST",
                "false",
            ]],
        ),
    );
}

#[tokio::test]
async fn an_account_is_read_into_a_snapshot_the_engine_answers_on() {
    let key = TestKey::generate();
    let fake = FakeSnowflake::start("xy12345", "warden", &key).await;
    script_account(&fake);
    let auth = KeyPairAuth::from_pem("xy12345", "warden", &key.pem).unwrap();
    let api = SqlApi::new(&fake.url, Auth::KeyPair(auth)).unwrap();
    let conn = read(&api, "snowflake").await.unwrap();

    let names: Vec<&str> = conn.identities.iter().map(|i| i.name.as_str()).collect();
    assert!(
        names.contains(&"sales \"ops\"") && !names.contains(&"PUBLIC"),
        "{names:?}"
    );
    let maya = conn.identities.iter().find(|i| i.name == "MAYA").unwrap();
    assert_eq!(maya.email.as_deref(), Some("maya@acme.test"));
    let resources: Vec<&str> = conn.resources.iter().map(|r| r.name.as_str()).collect();
    assert!(
        resources.contains(&"ANALYTICS.CORE.Orders Q1"),
        "{resources:?}"
    );
    assert!(!resources.iter().any(|r| r.contains("INFORMATION_SCHEMA")));
    assert!(
        conn.grants.iter().any(|g| g.future),
        "the future grant is kept"
    );
    assert!(!conn.grants.iter().any(
        |g| &*g.privilege == "USAGE" && conn.resources[g.resource as usize].name.contains("F(")
    ));
    // Every statement ran once; the statements named their roles quoted.
    assert!(
        fake.executed()
            .contains(&"SHOW GRANTS OF ROLE \"sales \"\"ops\"\"\"".to_string())
    );

    // The engine on what was read: DBT_SVC → sales "ops" → ANALYST → REPORTER → SELECT.
    let access = Access::build(vec![conn]).unwrap();
    let check = |identity: &str, privilege: &str, resource: &str| {
        let args: CheckAccessArgs = serde_json::from_value(json!({
            "identity": identity, "privilege": privilege, "resource": resource, "connection": "snowflake"
        }))
        .unwrap();
        CheckAccess::run(&access, args).unwrap()
    };
    let yes = check("DBT_SVC", "SELECT", "ANALYTICS.CORE.REVENUE");
    assert!(yes.allowed);
    let path = serde_json::to_value(&yes.paths).unwrap().to_string();
    assert!(
        path.contains("sales \\\"ops\\\"") && path.contains("REPORTER"),
        "{path}"
    );
    assert!(check("MAYA", "OWNERSHIP", "ANALYTICS.CORE.REVENUE_BY_MONTH").allowed);
    assert!(
        check("MAYA", "USAGE", "REPORTING_WH").allowed,
        "through PUBLIC, every user's"
    );
    // The future grant gives nothing on a table that already existed.
    assert!(!check("MAYA", "INSERT", "ANALYTICS.CORE.REVENUE").allowed);
    // Database roles: MAYA → ANALYST → ANALYTICS.WRITER → INSERT, and on to ANALYTICS.READER.
    let insert = check("MAYA", "INSERT", "ANALYTICS.CORE.Orders Q1");
    assert!(insert.allowed);
    let path = serde_json::to_value(&insert.paths).unwrap().to_string();
    assert!(path.contains("ANALYTICS.WRITER"), "{path}");
    let update = check("DBT_SVC", "UPDATE", "ANALYTICS.CORE.REVENUE");
    assert!(update.allowed, "granted to the user itself");
    let select = check("DBT_SVC", "SELECT", "ANALYTICS.CORE.REVENUE");
    let paths = serde_json::to_value(&select.paths).unwrap().to_string();
    assert!(paths.contains("ANALYTICS.READER"), "a second path: {paths}");
}

/// `warden sync` reads a configured Snowflake connection (key from an environment variable,
/// never printed); with a key Snowflake does not know, the sync fails as an authentication
/// failure and the last good snapshot stays.
#[tokio::test]
async fn warden_sync_reads_a_configured_account_and_keeps_it_when_the_key_is_refused() {
    let key = TestKey::generate();
    let fake = FakeSnowflake::start("xy12345", "warden", &key).await;
    script_account(&fake);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("warden.toml"),
        format!(
            "[[connections]]\nname = \"snowflake\"\nplatform = \"snowflake\"\naccount = \"xy12345.eu-west-1\"\nuser = \"warden\"\nprivate_key = \"${{WARDEN_T_SF_KEY}}\"\nrole = \"SECURITYADMIN\"\napi_url = \"{}\"\n",
            fake.url
        ),
    )
    .unwrap();
    let sync = |pem: String| {
        let dir = dir.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let out = crate::binary::command()
                .arg("--data-dir")
                .arg(&dir)
                .args(["--json", "sync"])
                .env("WARDEN_T_SF_KEY", &pem)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).to_string();
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(
                !stdout.contains("PRIVATE KEY") && !stderr.contains("PRIVATE KEY"),
                "the key reached the output"
            );
            (out.status.code().unwrap_or(-1), stdout, stderr)
        })
    };
    let (code, out, err) = sync(key.pem.clone()).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    let check = |dir: std::path::PathBuf| {
        tokio::task::spawn_blocking(move || {
            crate::binary::run(
                &dir,
                &[
                    "check",
                    "DBT_SVC",
                    "SELECT",
                    "snowflake:ANALYTICS.CORE.REVENUE",
                ],
            )
        })
    };
    let (code, out, _) = check(dir.path().to_path_buf()).await.unwrap();
    assert_eq!(code, 0, "the synced account answers yes: {out}");

    let (code, out, _) = sync(TestKey::generate().pem).await.unwrap();
    assert_ne!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["connections"][0]["error"]["kind"], "authentication",
        "{doc}"
    );
    let (code, out, _) = check(dir.path().to_path_buf()).await.unwrap();
    assert_eq!(code, 0, "the last good snapshot stays: {out}");
}

/// `source = "account_usage"`: the grants of the whole account in two statements on the usage
/// views (role-to-role grants as USAGE on a ROLE), with the same answers as SHOW GRANTS gives.
#[tokio::test]
async fn the_usage_views_give_the_same_account_in_two_statements() {
    use warden::connectors::snowflake::read::{Source, read_from};
    let key = TestKey::generate();
    let fake = FakeSnowflake::start("xy12345", "warden", &key).await;
    script_account(&fake);
    fake.script(
        "SELECT PRIVILEGE, GRANTED_ON, NAME, TABLE_CATALOG, TABLE_SCHEMA, GRANTED_TO, GRANTEE_NAME, GRANT_OPTION FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES WHERE DELETED_ON IS NULL",
        rows(
            vec![
                "PRIVILEGE",
                "GRANTED_ON",
                "NAME",
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "GRANTED_TO",
                "GRANTEE_NAME",
                "GRANT_OPTION",
            ],
            &[
                &["SELECT", "TABLE", "REVENUE", "ANALYTICS", "CORE", "ROLE", "REPORTER", "false"],
                &["USAGE", "SCHEMA", "CORE", "ANALYTICS", "", "ROLE", "REPORTER", "false"],
                &["USAGE", "ROLE", "REPORTER", "", "", "ROLE", "ANALYST", "false"],
                &["USAGE", "ROLE", "ANALYST", "", "", "ROLE", "sales \"ops\"", "false"],
                &["USAGE", "WAREHOUSE", "REPORTING_WH", "", "", "ROLE", "PUBLIC", "false"],
                // A database role's grant: not read yet.
                &["SELECT", "TABLE", "REVENUE", "ANALYTICS", "CORE", "DATABASE_ROLE", "DR", "false"],
            ],
        ),
    );
    fake.script(
        "SELECT ROLE, GRANTEE_NAME FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_USERS WHERE DELETED_ON IS NULL",
        rows(
            vec!["ROLE", "GRANTEE_NAME"],
            &[&["sales \"ops\"", "DBT_SVC"], &["ANALYST", "MAYA"]],
        ),
    );
    let auth = KeyPairAuth::from_pem("xy12345", "warden", &key.pem).unwrap();
    let api = SqlApi::new(&fake.url, Auth::KeyPair(auth)).unwrap();
    let conn = read_from(&api, "snowflake", Source::AccountUsage)
        .await
        .unwrap();
    assert!(
        !fake
            .executed()
            .iter()
            .any(|s| s.starts_with("SHOW GRANTS TO ROLE")),
        "no statement a role"
    );
    let access = Access::build(vec![conn]).unwrap();
    let args = |identity: &str, privilege: &str, resource: &str| -> CheckAccessArgs {
        serde_json::from_value(json!({
            "identity": identity, "privilege": privilege, "resource": resource, "connection": "snowflake"
        }))
        .unwrap()
    };
    let yes =
        CheckAccess::run(&access, args("DBT_SVC", "SELECT", "ANALYTICS.CORE.REVENUE")).unwrap();
    assert!(yes.allowed, "DBT_SVC → sales \"ops\" → ANALYST → REPORTER");
    assert!(
        CheckAccess::run(&access, args("MAYA", "USAGE", "REPORTING_WH"))
            .unwrap()
            .allowed
    );
    assert!(
        !CheckAccess::run(&access, args("MAYA", "SELECT", "ANALYTICS.CORE.Orders Q1"))
            .unwrap()
            .allowed
    );
}
