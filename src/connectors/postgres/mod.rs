//! The PostgreSQL connector: one connection per database (roles are per cluster, tables per
//! database). Reads roles, memberships, the database, its schemas and relations with their owners
//! and ACLs, and writes them as a snapshot connection, validated like any import.

mod catalog;
mod provision;

pub use provision::Provisioner;

use super::{ConnectorError, FailureKind};
use crate::model::Connection;
use serde_json::{Value, json};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Connection as _, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::Duration;

/// How long connecting may take, and how long one catalog query may run.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const STATEMENT_TIMEOUT_MS: &str = "60000";

/// Reads the database `url` points at as connection `name`.
pub async fn read(url: &str, name: &str) -> Result<Connection, ConnectorError> {
    let mut conn = connect(url).await?;
    let result = read_conn(&mut conn, name).await;
    let _ = conn.close().await;
    result
}

/// One connection to `url`, bounded by the connect timeout.
async fn connect(url: &str) -> Result<PgConnection, ConnectorError> {
    let options = options(url)?.options([("statement_timeout", STATEMENT_TIMEOUT_MS)]);
    connect_within(&options).await
}

/// `url` as connection options, named `warden` in the server's activity view. Redshift speaks the
/// same wire protocol, so its connector starts here too.
pub(super) fn options(url: &str) -> Result<PgConnectOptions, ConnectorError> {
    let options = PgConnectOptions::from_str(url).map_err(|_| {
        ConnectorError::new(
            FailureKind::Config,
            "the url is not a postgres://user:password@host:port/database URL",
        )
    })?;
    Ok(options.application_name("warden"))
}

/// One connection with `options`, bounded by the connect timeout.
pub(super) async fn connect_within(
    options: &PgConnectOptions,
) -> Result<PgConnection, ConnectorError> {
    // One connection, no pool: a pool would retry a refused connect until its timeout and
    // report a timeout instead of the refusal.
    tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(options))
        .await
        .map_err(|_| {
            ConnectorError::new(
                FailureKind::Timeout,
                format!("no connection within {}s", CONNECT_TIMEOUT.as_secs()),
            )
        })?
        .map_err(failure)
}

/// The name of the database `conn` is on, asked with the platform's own `sql` (the cast differs).
pub(super) async fn current_database(
    conn: &mut PgConnection,
    sql: &'static str,
) -> Result<String, ConnectorError> {
    sqlx::query_scalar(sql)
        .fetch_one(conn)
        .await
        .map_err(failure)
}

/// A sqlx error as a failure kind and a message that holds no secret.
pub(super) fn failure(e: sqlx::Error) -> ConnectorError {
    use FailureKind::*;
    match &e {
        sqlx::Error::Database(db) => {
            let kind = match db.code().as_deref() {
                Some("28P01" | "28000") => Authentication,
                Some("42501") => PermissionDenied,
                Some("57014") => Timeout,
                Some("3D000") => Config,
                _ => Invalid,
            };
            ConnectorError::new(kind, db.message().to_string())
        }
        sqlx::Error::PoolTimedOut => {
            ConnectorError::new(Timeout, "no connection within the connect timeout")
        }
        sqlx::Error::Io(io) => ConnectorError::new(Unreachable, io.to_string()),
        sqlx::Error::Tls(t) => ConnectorError::new(Unreachable, format!("TLS: {t}")),
        other => ConnectorError::new(Invalid, other.to_string()),
    }
}

struct Role {
    name: String,
    login: bool,
    superuser: bool,
    inherit: bool,
}

/// One database object with its owner and ACL entries (grantee oid 0 is PUBLIC).
struct Object {
    kind: &'static str,
    owner: i64,
    acl: Vec<(i64, String, bool)>,
}

async fn read_conn(pool: &mut PgConnection, name: &str) -> Result<Connection, ConnectorError> {
    let server = sqlx::query(catalog::SERVER)
        .fetch_one(&mut *pool)
        .await
        .map_err(failure)?;
    let version: String = server.get("version");
    let pg16 = server.get::<i32, _>("num") >= 160_000;
    let db: String = server.get("db");

    let mut roles: BTreeMap<i64, Role> = BTreeMap::new();
    for r in fetch(&mut *pool, catalog::ROLES).await? {
        roles.insert(
            r.get("oid"),
            Role {
                name: r.get("name"),
                login: r.get("login"),
                superuser: r.get("superuser"),
                inherit: r.get("inherit"),
            },
        );
    }
    let members_sql = if pg16 {
        catalog::MEMBERS_16
    } else {
        catalog::MEMBERS_15
    };
    let mut memberships: Vec<(i64, i64, bool)> = fetch(&mut *pool, members_sql)
        .await?
        .iter()
        .map(|r| (r.get("member"), r.get("role"), r.get("inherit")))
        .collect();

    let mut objects: BTreeMap<Vec<String>, Object> = BTreeMap::new();
    let mut add = |path: Vec<String>, kind: &'static str, owner: i64, r: &PgRow| {
        let o = objects.entry(path).or_insert_with(|| Object {
            kind,
            owner,
            acl: Vec::new(),
        });
        if let Some(grantee) = r.get::<Option<i64>, _>("grantee") {
            o.acl
                .push((grantee, r.get("privilege"), r.get("grantable")));
        }
    };
    let mut db_owner = None;
    for r in fetch(&mut *pool, catalog::DATABASE).await? {
        let owner: i64 = r.get("owner");
        db_owner = Some(owner);
        add(vec![db.clone()], "database", owner, &r);
    }
    for r in fetch(&mut *pool, catalog::SCHEMAS).await? {
        add(
            vec![db.clone(), r.get("schema")],
            "schema",
            r.get("owner"),
            &r,
        );
    }
    for r in fetch(&mut *pool, catalog::RELATIONS).await? {
        let kind = match r.get::<String, _>("relkind").as_str() {
            "v" => "view",
            "m" => "materialized_view",
            "f" => "foreign_table",
            _ => "table",
        };
        add(
            vec![db.clone(), r.get("schema"), r.get("name")],
            kind,
            r.get("owner"),
            &r,
        );
    }
    // The database owner is an implicit member of pg_database_owner (PostgreSQL 14+), which
    // pg_auth_members does not show.
    if let (Some(dba), Some((&dbo, _))) = (
        db_owner,
        roles.iter().find(|(_, r)| r.name == "pg_database_owner"),
    ) {
        memberships.push((dba, dbo, true));
    }
    let doc = snapshot(name, &version, pg16, &roles, &memberships, &objects);
    super::validated(doc)
}

async fn fetch(pool: &mut PgConnection, sql: &'static str) -> Result<Vec<PgRow>, ConnectorError> {
    sqlx::query(sql).fetch_all(pool).await.map_err(failure)
}

/// The snapshot document (SNAPSHOT.md) for what was read. Predefined roles (`pg_*`) are kept only
/// when something refers to them, with every role they reach.
fn snapshot(
    name: &str,
    version: &str,
    pg16: bool,
    roles: &BTreeMap<i64, Role>,
    memberships: &[(i64, i64, bool)],
    objects: &BTreeMap<Vec<String>, Object>,
) -> Value {
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
        for (m, r, _) in memberships {
            if included.contains(m) || included.contains(r) {
                included.insert(*m);
                included.insert(*r);
            }
        }
        if included.len() == before {
            break;
        }
    }
    included.retain(|oid| roles.contains_key(oid));
    let role_name = |oid: i64| -> String {
        match roles.get(&oid) {
            Some(r) => r.name.clone(),
            None => "PUBLIC".to_owned(),
        }
    };
    let identities: Vec<Value> = included
        .iter()
        .map(|oid| {
            let r = &roles[oid];
            json!({
                "name": r.name,
                "kind": if r.login { "user" } else { "role" },
                "superuser": r.superuser,
                // From 16 on, INHERIT is kept on each membership instead of the member.
                "inherit": r.inherit || pg16,
            })
        })
        .collect();
    let memberships: Vec<Value> = memberships
        .iter()
        .filter(|(m, r, _)| included.contains(m) && included.contains(r))
        .map(|(m, r, inherit)| {
            json!({"member": role_name(*m), "role": role_name(*r), "inherit": inherit})
        })
        .collect();
    let mut resources = Vec::new();
    let mut grants = Vec::new();
    for (path, o) in objects {
        let full = path.join(".");
        let mut owner_privileges: Vec<&str> = o
            .acl
            .iter()
            .filter(|(g, _, _)| *g == o.owner)
            .map(|(_, p, _)| p.as_str())
            .collect();
        owner_privileges.sort_unstable();
        owner_privileges.dedup();
        let mut resource = json!({
            "kind": o.kind,
            "name": full,
            "owner": role_name(o.owner),
            "owner_privileges": owner_privileges,
        });
        // A schema or table named with a dot keeps its parts apart.
        if path.iter().any(|p| p.contains('.')) {
            resource["path"] = json!(path);
        }
        resources.push(resource);
        for (g, p, option) in o.acl.iter().filter(|(g, _, _)| *g != o.owner) {
            let mut grant = json!({
                "grantee": role_name(*g),
                "privilege": p,
                "resource": full,
                "grant_option": option,
            });
            // A real role called "PUBLIC" says its kind; the bare word means everyone.
            if *g != 0 && role_name(*g) == "PUBLIC" {
                grant["grantee_kind"] = json!(if roles[g].login { "user" } else { "role" });
            }
            grants.push(grant);
        }
    }
    // Value::Array moves each vector in; `json!` would serialize it again (a deep copy of
    // ~100k grants that doubled the read's peak memory, BENCHMARKS.md "Sync").
    json!({
        "version": 1,
        "connections": [{
            "name": name,
            "platform": "postgres",
            "server_version": version,
            "identities": Value::Array(identities),
            "memberships": Value::Array(memberships),
            "resources": Value::Array(resources),
            "grants": Value::Array(grants),
        }],
    })
}
