//! Differential test against real PostgreSQL: random grant worlds are built with SQL, exported to
//! a snapshot by a small catalog reader, and every identity × relation × privilege is asked of
//! both Warden (`check_access`) and PostgreSQL (`has_table_privilege`). Any disagreement fails.

use crate::pg::PgCluster;
use rand::rngs::SmallRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const SEEDS: [u64; 6] = [1, 2, 3, 4, 5, 6];
const PRIVILEGES: [&str; 7] = [
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
];
/// Ordinary role names, space separated; `ana`, `analyst` and `analysts` are prefixes of one
/// another on purpose.
const PLAIN_NAMES: &str = "alice bob carol dave erin frank grace heidi ivan judy mallory peggy \
    sybil trent victor ana analyst analysts reporting etl readers writers auditor admins support \
    billing interns";
/// Names that need quoting: a capital letter, a space and double quotes, a single quote.
const ODD_NAMES: &[&str] = &["Finance", "data \"ops\" team", "o'neil"];
const SCHEMAS: &[&str] = &["sales", "hr", "Archive"];
/// Table names, comma separated (one has a space, one a capital letter).
const TABLES: &str = "orders,customers,invoices,payroll,employees,events,Ledger,audit log,\
    products,shipments,budgets,reviews";

/// A double-quoted SQL identifier.
fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

struct RoleSpec {
    name: String,
    /// 0 for LOGIN users; 1..=4 for group roles (memberships only go up a level or more).
    level: u8,
    inherit: bool,
    superuser: bool,
}

/// A random world: the statements that build it, in order, and the roles they create.
struct World {
    db: String,
    roles: Vec<RoleSpec>,
    sql: Vec<String>,
}

/// The world of `seed`, with `extra` role names besides the random ones.
fn world(seed: u64, extra: &[&str]) -> World {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut plain: Vec<&str> = PLAIN_NAMES.split_whitespace().collect();
    plain.shuffle(&mut rng);
    let mut names: Vec<String> = ODD_NAMES
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    names.extend(
        plain[..rng.random_range(10..=15)]
            .iter()
            .map(|s| s.to_string()),
    );
    names.shuffle(&mut rng);
    let n = names.len();
    let groups = n / 2;
    let mut roles: Vec<RoleSpec> = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| RoleSpec {
            name,
            // Every level 1..=4 has a role, so chains of depth 4 exist; most sit low.
            level: match i {
                _ if i >= groups => 0,
                0..4 => i as u8 + 1,
                _ => rng.random_range(1..=3),
            },
            inherit: !rng.random_bool(0.25),
            superuser: false,
        })
        .collect();
    let users: Vec<usize> = (0..n).filter(|&i| roles[i].level == 0).collect();
    let at_level = |roles: &[RoleSpec], l: u8| -> Vec<usize> {
        (0..roles.len()).filter(|&i| roles[i].level == l).collect()
    };
    let supers = rng.random_range(1..=2);
    for &u in users.choose_multiple(&mut rng, supers) {
        roles[u].superuser = true;
    }
    // One ordinary user that surely does not inherit, in a level-1 role (see the membership loop).
    let ordinary: Vec<usize> = users
        .iter()
        .copied()
        .filter(|&u| !roles[u].superuser)
        .collect();
    let noinherit_user = *ordinary.choose(&mut rng).expect("there are ordinary users");
    roles[noinherit_user].inherit = false;

    let db = format!("w{seed}");
    let mut sql = Vec::new();

    // Memberships: a DAG because every edge goes to a strictly higher level.
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    for i in 0..n {
        let l = roles[i].level;
        let mut parents: Vec<usize> = Vec::new();
        if (1..=3).contains(&l) {
            parents.extend(at_level(&roles, l + 1).choose(&mut rng));
            if rng.random_bool(0.4) {
                let higher: Vec<usize> = (0..n).filter(|&j| roles[j].level > l).collect();
                parents.extend(higher.choose(&mut rng));
            }
        } else if l == 0 {
            let k = if i == noinherit_user {
                parents.extend(at_level(&roles, 1).choose(&mut rng));
                rng.random_range(0..=1)
            } else {
                [0, 1, 1, 2, 2, 3][rng.random_range(0..6)]
            };
            for _ in 0..k {
                let lvl = [1, 1, 1, 2, 2, 3, 4][rng.random_range(0..7)];
                parents.extend(at_level(&roles, lvl).choose(&mut rng));
            }
        }
        for p in parents {
            edges.insert((roles[i].name.clone(), roles[p].name.clone()));
        }
    }
    // pg_read_all_data goes to an inheriting group with an inheriting user in it, so that
    // someone surely reads through it, and sometimes straight to a user (inheriting or not).
    let low_groups: Vec<usize> = (0..n)
        .filter(|&i| matches!(roles[i].level, 1 | 2))
        .collect();
    let reader = *low_groups.choose(&mut rng).expect("groups exist");
    roles[reader].inherit = true;
    edges.insert((roles[reader].name.clone(), "pg_read_all_data".into()));
    let inheriting: Vec<usize> = ordinary
        .iter()
        .copied()
        .filter(|&u| roles[u].inherit)
        .collect();
    if let Some(&u) = inheriting.choose(&mut rng) {
        edges.insert((roles[u].name.clone(), roles[reader].name.clone()));
    }
    if rng.random_bool(0.6) {
        let u = &roles[*users.choose(&mut rng).expect("users exist")].name;
        edges.insert((u.clone(), "pg_read_all_data".into()));
    }
    let w = &roles[rng.random_range(0..n)].name;
    edges.insert((w.clone(), "pg_write_all_data".into()));
    for r in &roles {
        sql.push(format!(
            "CREATE ROLE {} {} {}{}",
            ident(&r.name),
            if r.level == 0 { "LOGIN" } else { "NOLOGIN" },
            if r.inherit { "INHERIT" } else { "NOINHERIT" },
            if r.superuser { " SUPERUSER" } else { "" },
        ));
    }
    for (member, role) in &edges {
        let admin = if rng.random_bool(0.15) {
            " WITH ADMIN OPTION"
        } else {
            ""
        };
        sql.push(format!("GRANT {} TO {}{admin}", ident(role), ident(member)));
    }

    let pick_role = |rng: &mut SmallRng| roles[rng.random_range(0..n)].name.clone();
    let grantee = |rng: &mut SmallRng| {
        if rng.random_bool(0.12) {
            "PUBLIC".to_owned()
        } else {
            ident(&pick_role(rng))
        }
    };

    // The database and its schemas.
    if rng.random_bool(0.5) {
        sql.push(format!(
            "REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC"
        ));
        for _ in 0..rng.random_range(2..=4) {
            sql.push(format!(
                "GRANT CONNECT ON DATABASE {db} TO {}",
                ident(&pick_role(&mut rng))
            ));
        }
    }
    if rng.random_bool(0.6) {
        sql.push(format!(
            "ALTER DATABASE {db} OWNER TO {}",
            ident(&pick_role(&mut rng))
        ));
    }
    let mut schemas: Vec<&str> = SCHEMAS.to_vec();
    schemas.shuffle(&mut rng);
    schemas.truncate(rng.random_range(2..=3));
    for s in &schemas {
        sql.push(format!("CREATE SCHEMA {}", ident(s)));
        sql.push(format!(
            "ALTER SCHEMA {} OWNER TO {}",
            ident(s),
            ident(&pick_role(&mut rng))
        ));
        for _ in 0..rng.random_range(0..=3) {
            let p = ["USAGE", "USAGE", "CREATE"][rng.random_range(0..3)];
            sql.push(format!(
                "GRANT {p} ON SCHEMA {} TO {}",
                ident(s),
                grantee(&mut rng)
            ));
        }
    }

    // Relations: tables, a view and a materialized view, then their owners and grants.
    let mut tables: Vec<&str> = TABLES.split(',').collect();
    tables.shuffle(&mut rng);
    tables.truncate(rng.random_range(9..=11));
    // (quoted schema, quoted `schema.relation`, kind)
    let mut rels: Vec<(String, String, &str)> = Vec::new();
    for t in &tables {
        let s = ident(schemas.choose(&mut rng).unwrap());
        let q = format!("{s}.{}", ident(t));
        sql.push(format!("CREATE TABLE {q} (id int PRIMARY KEY, note text)"));
        rels.push((s, q, "TABLE"));
    }
    let s = ident(schemas[0]);
    let q = format!("{s}.summary");
    sql.push(format!("CREATE VIEW {q} AS SELECT 1 AS n"));
    rels.push((s, q, "VIEW"));
    let s = ident(schemas[1]);
    let q = format!("{s}.{}", ident("Monthly totals"));
    sql.push(format!("CREATE MATERIALIZED VIEW {q} AS SELECT 1 AS n"));
    rels.push((s, q, "MATERIALIZED VIEW"));
    let db_owner_table = rng
        .random_bool(0.5)
        .then(|| rng.random_range(0..tables.len()));

    let privs = |rng: &mut SmallRng| -> Vec<&'static str> {
        if rng.random_bool(0.1) {
            return vec!["ALL"];
        }
        let k = rng.random_range(1..=3);
        PRIVILEGES.choose_multiple(rng, k).copied().collect()
    };
    for (ri, (schema, q, kind)) in rels.iter().enumerate() {
        let mut owner = pick_role(&mut rng);
        if db_owner_table == Some(ri) {
            owner = "pg_database_owner".into();
        }
        if rng.random_bool(0.9) {
            sql.push(format!("ALTER {kind} {q} OWNER TO {}", ident(&owner)));
        } else {
            owner = crate::pg::SUPERUSER.into();
        }
        let mut granted: Vec<(String, &str)> = Vec::new();
        for _ in 0..rng.random_range(0..=5) {
            let to = grantee(&mut rng);
            let ps = privs(&mut rng);
            let option = to != "PUBLIC" && rng.random_bool(0.25);
            sql.push(format!(
                "GRANT {} ON TABLE {q} TO {to}{}",
                ps.join(", "),
                if option { " WITH GRANT OPTION" } else { "" }
            ));
            // A holder of the grant option passes it on itself (the ACL then names it grantor).
            if option && rng.random_bool(0.5) {
                let p = if ps[0] == "ALL" { "SELECT" } else { ps[0] };
                let next = grantee(&mut rng);
                if next != to {
                    // Naming the table needs USAGE on its schema.
                    sql.push(format!("GRANT USAGE ON SCHEMA {schema} TO {to}"));
                    sql.push(format!("SET ROLE {to}"));
                    sql.push(format!("GRANT {p} ON TABLE {q} TO {next}"));
                    sql.push("RESET ROLE".into());
                }
            }
            granted.push((to, ps[0]));
        }
        if *kind == "TABLE" && rng.random_bool(0.3) {
            sql.push(format!(
                "GRANT SELECT (note) ON TABLE {q} TO {}",
                ident(&pick_role(&mut rng))
            ));
        }
        if rng.random_bool(0.35) {
            // The owner revokes some of its own privileges (all of them, now and then).
            let ps = if rng.random_bool(0.15) {
                vec!["ALL"]
            } else {
                privs(&mut rng)
            };
            sql.push(format!(
                "REVOKE {} ON TABLE {q} FROM {} CASCADE",
                ps.join(", "),
                ident(&owner)
            ));
        }
        if rng.random_bool(0.25)
            && let Some((to, p)) = granted.choose(&mut rng)
        {
            sql.push(format!("REVOKE {p} ON TABLE {q} FROM {to} CASCADE"));
        }
        if rng.random_bool(0.2) {
            // A new owner takes over the old owner's ACL entries.
            sql.push(format!(
                "ALTER {kind} {q} OWNER TO {}",
                ident(&pick_role(&mut rng))
            ));
        }
    }
    World { db, roles, sql }
}

/// One object read from the catalog: its name parts, owner and ACL entries.
struct Object {
    path: Vec<String>,
    owner: i64,
    /// (grantee oid, 0 for PUBLIC; privilege; grantable)
    acl: Vec<(i64, String, bool)>,
}

/// What the catalog holds, for the questions and the non-triviality checks. The snapshot itself
/// comes from the product's connector (`warden::connectors::postgres`), not from here.
struct Catalog {
    /// Identity names, as asked.
    identities: Vec<String>,
    /// Table-like objects: (full snapshot name, quoted `schema.table` text for PostgreSQL).
    relations: Vec<(String, String)>,
    /// ACL entries of each relation by full name, grantees by name (`PUBLIC` for 0).
    rel_acl: HashMap<String, Vec<(String, String)>>,
    superusers: HashSet<String>,
}

/// A small catalog reader for the facts the test needs besides the snapshot.
async fn read_snapshot(pool: &PgPool) -> Catalog {
    let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int4")
        .fetch_one(pool)
        .await
        .unwrap();
    let pg16 = version >= 160000;

    struct RoleRow {
        name: String,
        superuser: bool,
    }
    let mut roles: BTreeMap<i64, RoleRow> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT oid::int8 AS oid, rolname::text AS name, rolcanlogin, rolsuper, rolinherit FROM pg_roles",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        roles.insert(
            r.get("oid"),
            RoleRow {
                name: r.get("name"),
                superuser: r.get("rolsuper"),
            },
        );
    }
    let members_sql = if pg16 {
        "SELECT member::int8 AS member, roleid::int8 AS role, inherit_option AS inherit FROM pg_auth_members"
    } else {
        "SELECT member::int8 AS member, roleid::int8 AS role, true AS inherit FROM pg_auth_members"
    };
    let mut memberships: Vec<(i64, i64, bool)> = sqlx::query(members_sql)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("member"), r.get("role"), r.get("inherit")))
        .collect();

    let (db, dba): (String, i64) = sqlx::query_as(
        "SELECT datname::text, datdba::int8 FROM pg_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    // The database owner is an implicit member of pg_database_owner (PostgreSQL 14+).
    if let Some((&dbo, _)) = roles.iter().find(|(_, r)| r.name == "pg_database_owner") {
        memberships.push((dba, dbo, true));
    }

    let mut objects: BTreeMap<Vec<String>, Object> = BTreeMap::new();
    let mut add = |path: Vec<String>, owner: i64, r: &sqlx::postgres::PgRow| {
        let o = objects.entry(path.clone()).or_insert_with(|| Object {
            path,
            owner,
            acl: Vec::new(),
        });
        if let Some(grantee) = r.get::<Option<i64>, _>("grantee") {
            o.acl
                .push((grantee, r.get("privilege_type"), r.get("is_grantable")));
        }
    };
    for r in sqlx::query(
        "SELECT a.grantee::int8 AS grantee, a.privilege_type, a.is_grantable
         FROM pg_database d
         LEFT JOIN LATERAL aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a ON true
         WHERE d.datname = current_database()",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        add(vec![db.clone()], dba, &r);
    }
    for r in sqlx::query(
        "SELECT n.nspname::text AS schema, n.nspowner::int8 AS owner,
                a.grantee::int8 AS grantee, a.privilege_type, a.is_grantable
         FROM pg_namespace n
         LEFT JOIN LATERAL aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a ON true
         WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let path = vec![db.clone(), r.get("schema")];
        add(path, r.get("owner"), &r);
    }
    for r in sqlx::query(
        "SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS relkind,
                c.relowner::int8 AS owner,
                a.grantee::int8 AS grantee, a.privilege_type, a.is_grantable
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN LATERAL aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) a ON true
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let path = vec![db.clone(), r.get("schema"), r.get("name")];
        add(path, r.get("owner"), &r);
    }

    // Every role that is not predefined, and every predefined one that something refers to.
    let mut included: BTreeSet<i64> = roles
        .iter()
        .filter(|(_, r)| !r.name.starts_with("pg_"))
        .map(|(oid, _)| *oid)
        .collect();
    for o in objects.values() {
        included.insert(o.owner);
        included.extend(o.acl.iter().map(|(g, _, _)| *g).filter(|g| *g != 0));
    }
    loop {
        let before = included.len();
        for (m, r, _) in &memberships {
            if included.contains(m) || included.contains(r) {
                included.insert(*m);
                included.insert(*r);
            }
        }
        if included.len() == before {
            break;
        }
    }
    let name = |oid: i64| -> String {
        if oid == 0 {
            "PUBLIC".to_owned()
        } else {
            roles[&oid].name.clone()
        }
    };

    let mut relations = Vec::new();
    let mut rel_acl = HashMap::new();
    for o in objects.values() {
        assert!(
            o.path.iter().all(|p| !p.contains('.') && !p.is_empty()),
            "the generator made a name with a dot: {:?}",
            o.path
        );
        if o.path.len() == 3 {
            let full = o.path.join(".");
            relations.push((
                full.clone(),
                format!("{}.{}", ident(&o.path[1]), ident(&o.path[2])),
            ));
            rel_acl.insert(
                full,
                o.acl
                    .iter()
                    .map(|(g, p, _)| (name(*g), p.clone()))
                    .collect(),
            );
        }
    }
    Catalog {
        identities: included.iter().map(|o| roles[o].name.clone()).collect(),
        relations,
        rel_acl,
        superusers: included
            .iter()
            .filter(|o| roles[o].superuser)
            .map(|o| roles[o].name.clone())
            .collect(),
    }
}

/// PostgreSQL's answer for every identity × relation × privilege, keyed by full relation name.
async fn pg_answers(pool: &PgPool, cat: &Catalog) -> HashMap<(String, String, String), bool> {
    let quoted: Vec<String> = cat.relations.iter().map(|(_, q)| q.clone()).collect();
    let full_of: HashMap<&str, &str> = cat
        .relations
        .iter()
        .map(|(f, q)| (q.as_str(), f.as_str()))
        .collect();
    let rows = sqlx::query(
        "SELECT r.name, t.name AS rel, p.name AS privilege,
                has_table_privilege(r.name::name, t.name, p.name) AS allowed
         FROM unnest($1::text[]) r(name), unnest($2::text[]) t(name), unnest($3::text[]) p(name)",
    )
    .bind(&cat.identities)
    .bind(&quoted)
    .bind(PRIVILEGES.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let rel: String = r.get("rel");
            (
                (
                    r.get("name"),
                    full_of[rel.as_str()].to_owned(),
                    r.get("privilege"),
                ),
                r.get("allowed"),
            )
        })
        .collect()
}

/// PostgreSQL's own view of membership: (role, other) → (MEMBER, USAGE) from `pg_has_role`.
async fn pg_roles_of(pool: &PgPool, names: &[String]) -> HashMap<(String, String), (bool, bool)> {
    sqlx::query(
        "SELECT a.name AS a, b.name AS b,
                pg_has_role(a.name::name, b.name::name, 'MEMBER') AS member,
                pg_has_role(a.name::name, b.name::name, 'USAGE') AS usage
         FROM unnest($1::text[]) a(name), unnest($1::text[]) b(name)",
    )
    .bind(names)
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| ((r.get("a"), r.get("b")), (r.get("member"), r.get("usage"))))
    .collect()
}

#[derive(Default)]
struct Tally {
    checks: usize,
    agree: usize,
    pg_true: usize,
    noinherit_false: usize,
    read_all_true: usize,
    write_all_true: usize,
}

async fn run(pg: &PgCluster, seed: u64, extra: &[&str], failures: &mut Vec<String>) -> Tally {
    let w = world(seed, extra);
    let admin = PgPool::connect(&pg.url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {}", w.db)))
        .execute(&admin)
        .await
        .unwrap();
    let url = pg.url_for(&w.db);
    let mut conn = PgConnection::connect(&url).await.unwrap();
    for stmt in &w.sql {
        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(stmt.clone()))
            .execute(&mut conn)
            .await
        {
            panic!("seed {seed}: {stmt}: {e}");
        }
    }
    conn.close().await.unwrap();

    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap();
    let cat = read_snapshot(&pool).await;
    // The snapshot as the product reads it: the connector `warden sync` uses.
    let conn = warden::connectors::postgres::read(&url, "pg")
        .await
        .unwrap_or_else(|e| panic!("seed {seed}: the connector failed: {e}"));
    if let Some(dir) = std::env::var_os("WARDEN_DIFF_DUMP") {
        // For a failure: the world's SQL.
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("seed{seed}.sql")),
            w.sql.join(";\n") + ";\n",
        )
        .unwrap();
    }
    let pg_says = pg_answers(&pool, &cat).await;
    let roles_of = pg_roles_of(&pool, &cat.identities).await;
    pool.close().await;

    let conns = vec![conn];
    let access = warden::access::Access::build(conns).unwrap();

    let usage = |a: &str, b: &str| roles_of.get(&(a.into(), b.into())).is_some_and(|x| x.1);
    let mut t = Tally::default();
    for who in &cat.identities {
        for (rel, _) in &cat.relations {
            for p in PRIVILEGES {
                t.checks += 1;
                let want = pg_says[&(who.clone(), rel.clone(), p.to_owned())];
                t.pg_true += want as usize;
                let q = format!("seed {seed}: {who:?} {p} on {rel:?}");
                let args =
                    json!({"identity": who, "privilege": p, "resource": rel, "connection": "pg"});
                let got = match warden::tools::call(&access, "check_access", args) {
                    Ok(r) => r,
                    Err(e) => {
                        failures.push(format!("{q}: PG {want}, Warden error: {}", e.line()));
                        continue;
                    }
                };
                if got["identity"] != *who || got["resource"] != *rel {
                    failures.push(format!(
                        "{q}: Warden resolved the question to {} on {}",
                        got["identity"], got["resource"]
                    ));
                    continue;
                }
                let paths: Vec<&str> = got["paths"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["text"].as_str().unwrap())
                    .collect();
                if got["allowed"].as_bool() != Some(want) {
                    failures.push(format!(
                        "{q}: PG {want}, Warden {} (paths {paths:?}, caveats {})",
                        got["allowed"], got["caveats"]
                    ));
                    continue;
                }
                t.agree += 1;

                // Why PostgreSQL answered as it did, from PostgreSQL's own functions.
                if cat.superusers.contains(who) {
                    continue;
                }
                if !want {
                    let blocked = cat.identities.iter().any(|r| {
                        r != who
                            && !cat.superusers.contains(r)
                            && roles_of[&(who.clone(), r.clone())] == (true, false)
                            && pg_says[&(r.clone(), rel.clone(), p.to_owned())]
                    });
                    t.noinherit_false += blocked as usize;
                    continue;
                }
                if who.starts_with("pg_") {
                    continue;
                }
                let by_acl = cat.rel_acl[rel]
                    .iter()
                    .any(|(g, priv_)| priv_ == p && (g == "PUBLIC" || usage(who, g)));
                if !by_acl && p == "SELECT" && usage(who, "pg_read_all_data") {
                    t.read_all_true += 1;
                }
                if !by_acl
                    && matches!(p, "INSERT" | "UPDATE" | "DELETE")
                    && usage(who, "pg_write_all_data")
                {
                    t.write_all_true += 1;
                }
            }
        }
    }

    drop_world(&admin, &w).await;
    admin.close().await;
    t
}

/// Drops a world's database and roles so the next seed starts clean (roles are cluster-wide).
async fn drop_world(admin: &PgPool, w: &World) {
    let mut stmts = vec![format!("DROP DATABASE {} WITH (FORCE)", w.db)];
    stmts.extend(
        w.roles
            .iter()
            .map(|r| format!("DROP ROLE {}", ident(&r.name))),
    );
    for s in stmts {
        sqlx::raw_sql(AssertSqlSafe(s.clone()))
            .execute(admin)
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

#[tokio::test]
async fn warden_agrees_with_has_table_privilege() {
    differential(&SEEDS, &[]).await;
}

/// Role names PostgreSQL allows that once fooled Warden: a real role called `PUBLIC` (quoted,
/// upper case; the bare word is the pseudo-grantee), `pg:admin` (which looks like the connection
/// prefix `pg:`), and `zed ` beside `zed` (trailing space).
#[tokio::test]
async fn odd_role_names_agree_with_has_table_privilege() {
    differential(&[1, 2], &["PUBLIC", "pg:admin", "admin", "zed ", "zed"]).await;
}

/// Runs `seeds` in one cluster; fails on any disagreement or on a world too easy to catch one.
async fn differential(seeds: &[u64], extra: &[&str]) {
    let pg = PgCluster::start();
    let mut failures = Vec::new();
    let mut problems = Vec::new();
    for &seed in seeds {
        let t = run(&pg, seed, extra, &mut failures).await;
        let share = t.pg_true as f64 / t.checks as f64;
        println!(
            "seed {seed}: {} checks, {} agree ({:.1}%); PG true {} ({:.0}%); NOINHERIT-caused false {}; \
             pg_read_all_data-caused true {}; pg_write_all_data-caused true {}",
            t.checks,
            t.agree,
            100.0 * t.agree as f64 / t.checks as f64,
            t.pg_true,
            100.0 * share,
            t.noinherit_false,
            t.read_all_true,
            t.write_all_true
        );
        if !(0.1..=0.9).contains(&share) {
            problems.push(format!(
                "seed {seed}: a trivial world ({:.0}% true)",
                100.0 * share
            ));
        }
        if t.noinherit_false == 0 || t.read_all_true == 0 {
            problems.push(format!(
                "seed {seed}: no NOINHERIT-caused false ({}) or no pg_read_all_data-caused true ({})",
                t.noinherit_false, t.read_all_true
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements between Warden and PostgreSQL:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
