//! PostgreSQL 16+: INHERIT is an option of each membership (`GRANT r TO u WITH INHERIT FALSE`),
//! not only of the member. Against a 16+ server (from `$WARDEN_PG16_BINDIR`; `.ci/run` installs
//! one from PyPI), the connector's reading of `pg_auth_members.inherit_option` agrees with
//! `has_table_privilege` for every role, table and privilege, names the membership that does not
//! inherit (`not_inherited`), and provisioning flips the server's answer as it does on 15.

use crate::pg::PgCluster;
use serde_json::json;
use sqlx::{AssertSqlSafe, PgPool};
use std::collections::BTreeMap;
use warden::connectors::Change;
use warden::connectors::postgres::Provisioner;

/// How to get the binaries, for the failure message.
const HOW: &str = "the harness fetches PyPI's `pgserver` wheel (PostgreSQL 16.2) into a cache \
    by itself (tests/it/pg.rs, `pg16_bindir`); or set WARDEN_PG16_BINDIR to the bin/ directory \
    of a PostgreSQL 16+ server (as root, one the `postgres` user can read, not under /root).";

/// Every membership flavour 16 has, in one cluster.
const WORLD: &[&str] = &[
    "CREATE ROLE r",
    "CREATE ROLE mid",
    "CREATE ROLE g LOGIN",
    "CREATE ROLE u_in LOGIN",
    "CREATE ROLE u_out LOGIN",
    // On 16 the role attribute is only the default for new memberships...
    "CREATE ROLE u_attr LOGIN NOINHERIT",
    "CREATE ROLE u_default LOGIN NOINHERIT",
    "CREATE ROLE u_chain LOGIN",
    "CREATE ROLE u_two LOGIN",
    "CREATE ROLE u_fresh LOGIN NOINHERIT",
    "CREATE ROLE u_fresh2 LOGIN",
    "CREATE SCHEMA app",
    "CREATE TABLE app.t_r (id int)",
    "CREATE TABLE app.t_mid (id int)",
    "CREATE TABLE app.t_new (id int)",
    "GRANT USAGE ON SCHEMA app TO r, mid",
    "GRANT SELECT, INSERT ON app.t_r TO r",
    "GRANT SELECT ON app.t_mid TO mid",
    "GRANT r TO g WITH ADMIN OPTION",
    "GRANT r TO u_in WITH INHERIT TRUE",
    "GRANT r TO u_out WITH INHERIT FALSE",
    // ...which an explicit option overrides,
    "GRANT r TO u_attr WITH INHERIT TRUE",
    // and which applies when the grant names none.
    "GRANT r TO u_default",
    // A chain whose second link does not inherit.
    "GRANT mid TO u_chain WITH INHERIT TRUE",
    "GRANT r TO mid WITH INHERIT FALSE",
    // The same membership from two grantors: one that inherits is enough.
    "GRANT r TO u_two WITH INHERIT FALSE",
    "GRANT r TO u_two WITH INHERIT TRUE GRANTED BY g",
];

const ROLES: &[&str] = &[
    "r",
    "mid",
    "g",
    "u_in",
    "u_out",
    "u_attr",
    "u_default",
    "u_chain",
    "u_two",
    "u_fresh",
    "u_fresh2",
];

const TABLES: &[&str] = &["t_r", "t_mid", "t_new"];

const PRIVILEGES: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE"];

/// One question's answers: (PostgreSQL's, Warden's, Warden named `not_inherited`).
type Answers = BTreeMap<(String, String, String), (bool, bool, bool)>;

async fn start() -> (PgCluster, PgPool) {
    let bindir =
        crate::pg::pg16_bindir().unwrap_or_else(|e| panic!("no PostgreSQL 16: {e}\n({HOW})"));
    let pg = PgCluster::try_start_in(&bindir).unwrap_or_else(|e| {
        panic!(
            "cannot start PostgreSQL from {}: {e}\n({HOW})",
            bindir.display()
        )
    });
    let admin = PgPool::connect(&pg.url).await.unwrap();
    let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int4")
        .fetch_one(&admin)
        .await
        .unwrap();
    assert!(
        version >= 160_000,
        "{} runs PostgreSQL {version}, not 16+: {HOW}",
        bindir.display()
    );
    for sql in WORLD {
        sqlx::query(AssertSqlSafe(*sql))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    (pg, admin)
}

async fn has(pool: &PgPool, role: &str, table: &str, p: &str) -> bool {
    sqlx::query_scalar("SELECT has_table_privilege($1, $2, $3)")
        .bind(role)
        .bind(format!("app.{table}"))
        .bind(p)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn member(pool: &PgPool, who: &str, role: &str) -> bool {
    sqlx::query_scalar("SELECT pg_has_role($1, $2, 'MEMBER')")
        .bind(who)
        .bind(role)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Reads the cluster with the connector and asks Warden and PostgreSQL every question: they must
/// agree, and `not_inherited` must appear exactly where PostgreSQL says no although the role is a
/// member of one that says yes.
async fn agree(pg: &PgCluster, admin: &PgPool) -> Answers {
    let conn = warden::connectors::postgres::read(&pg.url, "pg")
        .await
        .unwrap_or_else(|e| panic!("the connector failed: {e}"));
    let access = warden::access::Access::build(vec![conn]).unwrap();
    let mut answers = Answers::new();
    let mut failures = Vec::new();
    for who in ROLES {
        for table in TABLES {
            for p in PRIVILEGES {
                let want = has(admin, who, table, p).await;
                let mut blocked = false;
                if !want {
                    for other in ROLES {
                        if other != who
                            && member(admin, who, other).await
                            && has(admin, other, table, p).await
                        {
                            blocked = true;
                        }
                    }
                }
                let args = json!({"identity": who, "privilege": p,
                    "resource": format!("postgres.app.{table}"), "connection": "pg"});
                let got = warden::tools::call(&access, "check_access", args.clone())
                    .unwrap_or_else(|e| panic!("{args}: {}", e.line()));
                let allowed = got["allowed"].as_bool().unwrap();
                let caveat = got["caveats"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["code"] == "not_inherited");
                if allowed != want || caveat != blocked {
                    failures.push(format!(
                        "{who} {p} on app.{table}: PostgreSQL {want}{}, Warden {allowed} \
                         (paths {}, caveats {})",
                        if blocked {
                            " (a member of a holder)"
                        } else {
                            ""
                        },
                        got["paths"],
                        got["caveats"]
                    ));
                }
                answers.insert(
                    (who.to_string(), table.to_string(), p.to_string()),
                    (want, allowed, caveat),
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} answers differ:\n{}",
        failures.len(),
        answers.len(),
        failures.join("\n")
    );
    answers
}

fn answer(a: &Answers, who: &str, table: &str, p: &str) -> (bool, bool, bool) {
    a[&(who.to_owned(), table.to_owned(), p.to_owned())]
}

#[tokio::test]
async fn per_membership_inherit_agrees_with_has_table_privilege() {
    let (pg, admin) = start().await;
    let a = agree(&pg, &admin).await;
    assert_eq!(a.len(), ROLES.len() * TABLES.len() * PRIVILEGES.len());

    // The world is what it claims to be (PostgreSQL's answer, Warden's, not_inherited).
    let yes = (true, true, false);
    let blocked = (false, false, true);
    for (who, table, expected) in [
        ("u_in", "t_r", yes),
        ("u_out", "t_r", blocked),
        ("u_attr", "t_r", yes),
        ("u_default", "t_r", blocked),
        ("u_chain", "t_mid", yes),
        ("u_chain", "t_r", blocked),
        ("mid", "t_r", blocked),
        ("u_two", "t_r", yes),
        ("g", "t_r", yes),
        ("u_fresh", "t_r", (false, false, false)),
    ] {
        assert_eq!(
            answer(&a, who, table, "SELECT"),
            expected,
            "{who} on {table}"
        );
    }
    let not_inherited = a.values().filter(|v| v.2).count();
    assert!(not_inherited >= 8, "not_inherited {not_inherited} times");

    // The caveat names the cause: on 16 the membership's own option (the member's NOINHERIT
    // attribute only gave u_default's its default), not NOINHERIT.
    let conn = warden::connectors::postgres::read(&pg.url, "pg")
        .await
        .unwrap();
    let access = warden::access::Access::build(vec![conn]).unwrap();
    let why = |who: &str| {
        let args = json!({"identity": who, "privilege": "SELECT", "resource": "app.t_r"});
        let got = warden::tools::call(&access, "check_access", args).unwrap();
        got["caveats"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    for who in ["u_out", "u_default"] {
        let text = why(who);
        assert!(text.contains("INHERIT option is FALSE"), "{text}");
        assert!(!text.contains("(NOINHERIT)"), "{text}");
    }
    admin.close().await;
}

#[tokio::test]
async fn provisioning_flips_the_answer_on_16() {
    let (pg, admin) = start().await;
    let mut p = Provisioner::connect(&pg.url).await.unwrap();

    // A table privilege granted to r reaches the members that inherit, and only them.
    let select_new = Change::Privilege {
        privilege: "SELECT".into(),
        resource: vec!["postgres".into(), "app".into(), "t_new".into()],
        grantee: "r".into(),
    };
    for who in ["r", "u_in", "u_out", "u_two"] {
        assert!(!has(&admin, who, "t_new", "SELECT").await, "{who}");
    }
    assert!(!p.grant(&select_new).await.unwrap().pre_existing);
    assert!(p.holds(&select_new).await.unwrap());
    for (who, want) in [
        ("r", true),
        ("u_in", true),
        ("u_two", true),
        ("u_attr", true),
        ("u_out", false),
        ("u_default", false),
        ("u_chain", false),
    ] {
        assert_eq!(has(&admin, who, "t_new", "SELECT").await, want, "{who}");
    }
    let a = agree(&pg, &admin).await;
    assert_eq!(answer(&a, "u_out", "t_new", "SELECT"), (false, false, true));

    // A membership granted by the provisioner takes its INHERIT from the member's attribute on
    // 16: u_fresh (NOINHERIT) joins without inheriting, u_fresh2 with.
    let join = |m: &str| Change::Membership {
        role: "r".into(),
        member: m.into(),
    };
    for m in ["u_fresh", "u_fresh2"] {
        assert!(!member(&admin, m, "r").await);
        assert!(!p.grant(&join(m)).await.unwrap().pre_existing);
        assert!(p.holds(&join(m)).await.unwrap());
        assert!(member(&admin, m, "r").await, "{m}");
    }
    assert!(!has(&admin, "u_fresh", "t_r", "SELECT").await);
    assert!(has(&admin, "u_fresh2", "t_r", "SELECT").await);
    let a = agree(&pg, &admin).await;
    assert_eq!(answer(&a, "u_fresh", "t_r", "SELECT"), (false, false, true));
    assert_eq!(
        answer(&a, "u_fresh2", "t_new", "SELECT"),
        (true, true, false)
    );

    // And back.
    for m in ["u_fresh", "u_fresh2"] {
        assert!(p.revoke(&join(m)).await.unwrap().pre_existing);
        assert!(!member(&admin, m, "r").await, "{m}");
    }
    assert!(p.revoke(&select_new).await.unwrap().pre_existing);

    // u_two's membership has two grantors: the revoke removes the one Warden's user made, the
    // other stays, and the receipt says the membership still holds rather than "revoked".
    let two = join("u_two");
    let applied = p.revoke(&two).await.unwrap();
    assert!(applied.pre_existing);
    assert!(applied.holds_after, "g's grant of r to u_two remains");
    assert!(member(&admin, "u_two", "r").await);
    for who in ["r", "u_in", "u_two", "u_fresh2"] {
        assert!(!has(&admin, who, "t_new", "SELECT").await, "{who}");
    }
    let a = agree(&pg, &admin).await;
    assert_eq!(
        answer(&a, "u_fresh", "t_r", "SELECT"),
        (false, false, false)
    );
    p.close().await;
    admin.close().await;
}
