//! The PostgreSQL backend: one database that several `warden serve` processes share
//! (DESIGN.md "Scale"). The tables mirror SQLite's (`migrations/postgres`); snapshots are
//! written with one bound array per column (`UNNEST`), which is fast on 100k+ grants and never
//! meets the 65535-parameter limit.

use super::StoreError;
use crate::model::{
    Condition, Connection, Grant, Grantee, Identity, IdentityKind, Membership, Platform, Resource,
    ResourceKind,
};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection as _, FromRow, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Rows per INSERT. The arrays have no parameter limit; chunks only keep each message at a few
/// megabytes on million-grant snapshots.
const CHUNK: usize = 50_000;

/// How long opening waits for the server before saying it cannot be reached.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The NOTIFY channel an import announces its generation on.
const GENERATION_CHANNEL: &str = "warden_generation";

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// Reads a `postgres://` URL without connecting. The error is one line that repeats no part of
/// the URL (it may hold a password).
pub fn parse_url(url: &str) -> Result<PgConnectOptions, String> {
    const SHAPE: &str = "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE";
    let scheme = url.split_once("://").map(|(s, _)| s);
    if !matches!(scheme, Some("postgres" | "postgresql")) {
        return Err(format!("not a PostgreSQL URL (expected {SHAPE})"));
    }
    PgConnectOptions::from_str(url)
        .map(|o| o.application_name("warden"))
        .map_err(|e| {
            let why = match &e {
                sqlx::Error::Configuration(inner) => inner.to_string(),
                other => other.to_string(),
            };
            // Some causes come wrapped twice.
            let why = why.trim_start_matches("error with configuration: ");
            format!("not a usable PostgreSQL URL ({why}; expected {SHAPE})")
        })
}

/// `host:port/database`, for messages: never the user's password.
fn describe(o: &PgConnectOptions) -> String {
    let host = match o.get_socket() {
        Some(s) => s.display().to_string(),
        None => format!("{}:{}", o.get_host(), o.get_port()),
    };
    format!("{host}/{}", o.get_database().unwrap_or(o.get_username()))
}

/// Why a first connection failed, in one line without the URL.
fn connect_failure(target: &str, e: &sqlx::Error) -> StoreError {
    let why = match e {
        sqlx::Error::Database(d) => d.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(t) => format!("TLS: {t}"),
        other => other.to_string(),
    };
    StoreError::Connect(format!("cannot connect to PostgreSQL at {target}: {why}"))
}

impl PgStore {
    /// Connects and migrates. Servers starting together are safe: sqlx holds an advisory lock
    /// while it migrates.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let options = parse_url(url).map_err(StoreError::Connect)?;
        let target = describe(&options);
        // One plain connection first: the pool would retry a refused connection for its whole
        // acquire timeout and then report only that it timed out.
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            Ok(Err(e)) => return Err(connect_failure(&target, &e)),
            Err(_) => {
                return Err(StoreError::Connect(format!(
                    "cannot connect to PostgreSQL at {target}: no answer within {}s",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .connect_with(options)
            .await
            .map_err(|e| connect_failure(&target, &e))?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
    }

    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn generation(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'generation'")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn replace_connections(&self, connections: &[Connection]) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Bumping the generation first locks its row until commit: a second server importing
        // the same connection waits here, then sees (and deletes) what this one wrote.
        let generation: i64 = sqlx::query_scalar(
            "UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value",
        )
        .fetch_one(&mut *tx)
        .await?;
        let now = chrono::Utc::now().to_rfc3339();
        for c in connections {
            for delete in [
                "DELETE FROM connections WHERE name = $1",
                "DELETE FROM identities WHERE connection = $1",
                "DELETE FROM memberships WHERE connection = $1",
                "DELETE FROM resources WHERE connection = $1",
                "DELETE FROM grants WHERE connection = $1",
            ] {
                sqlx::query(delete).bind(&c.name).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO connections (name, platform, server_version, taken_at, imported_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&c.name)
            .bind(c.platform.as_str())
            .bind(&c.server_version)
            .bind(c.taken_at.map(|t| t.to_rfc3339()))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            insert_identities(&mut tx, c).await?;
            insert_memberships(&mut tx, c).await?;
            insert_resources(&mut tx, c).await?;
            insert_grants(&mut tx, c).await?;
        }
        // Delivered at commit to every server listening (`App::keep_fresh`), so they rebuild
        // now rather than at their next poll.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(GENERATION_CHANNEL)
            .bind(generation.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(generation)
    }

    /// A connection listening for new generations.
    pub async fn listen(&self) -> Result<sqlx::postgres::PgListener, StoreError> {
        let mut l = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        l.listen(GENERATION_CHANNEL).await?;
        Ok(l)
    }

    pub async fn load(&self) -> Result<Vec<Connection>, StoreError> {
        // One snapshot for every query: another server may import between them.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
        // `name` is COLLATE "C": byte order, as SQLite sorts.
        let rows: Vec<ConnectionRow> = sqlx::query_as(
            "SELECT name, platform, server_version, taken_at FROM connections ORDER BY name",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(Connection {
                platform: Platform::parse(&row.platform)
                    .ok_or_else(|| StoreError::Corrupt(format!("platform {:?}", row.platform)))?,
                server_version: row.server_version,
                taken_at: row
                    .taken_at
                    .map(|t| chrono::DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("taken_at: {e}")))?,
                identities: load_identities(&mut tx, &row.name).await?,
                memberships: load_memberships(&mut tx, &row.name).await?,
                resources: load_resources(&mut tx, &row.name).await?,
                grants: load_grants(&mut tx, &row.name).await?,
                name: row.name,
            });
        }
        tx.commit().await?;
        Ok(out)
    }
}

async fn load_identities(db: &mut PgConnection, conn: &str) -> Result<Vec<Identity>, StoreError> {
    let rows: Vec<IdentityRow> = sqlx::query_as(
        "SELECT name, kind, email, display_name, superuser, inherit FROM identities
              WHERE connection = $1 ORDER BY id",
    )
    .bind(conn)
    .fetch_all(&mut *db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Identity {
                kind: IdentityKind::parse(&r.kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("identity kind {:?}", r.kind)))?,
                name: r.name,
                email: r.email,
                display_name: r.display_name,
                superuser: r.superuser,
                inherit: r.inherit,
            })
        })
        .collect()
}

async fn load_memberships(
    db: &mut PgConnection,
    conn: &str,
) -> Result<Vec<Membership>, StoreError> {
    let rows: Vec<(i64, i64, bool)> = sqlx::query_as(
        "SELECT member, role, inherit FROM memberships WHERE connection = $1 ORDER BY seq",
    )
    .bind(conn)
    .fetch_all(&mut *db)
    .await?;
    rows.into_iter()
        .map(|(member, role, inherit)| {
            Ok(Membership {
                member: index(member)?,
                role: index(role)?,
                inherit,
            })
        })
        .collect()
}

async fn load_resources(db: &mut PgConnection, conn: &str) -> Result<Vec<Resource>, StoreError> {
    let rows: Vec<ResourceRow> = sqlx::query_as(
        "SELECT name, kind, path, owner, owner_privileges, parent FROM resources
              WHERE connection = $1 ORDER BY id",
    )
    .bind(conn)
    .fetch_all(&mut *db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Resource {
                path: match r.path {
                    Some(p) => json(&p)?,
                    None => crate::model::split_name(&r.name),
                },
                kind: ResourceKind::parse(&r.kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("resource kind {:?}", r.kind)))?,
                name: r.name,
                owner: r.owner.map(index).transpose()?,
                owner_privileges: r.owner_privileges.map(|p| json(&p)).transpose()?,
                parent: r.parent.map(index).transpose()?,
            })
        })
        .collect()
}

async fn load_grants(db: &mut PgConnection, conn: &str) -> Result<Vec<Grant>, StoreError> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query_as::<_, GrantRow>(
        "SELECT grantee_id, grantee, privilege, resource, grant_option, future, condition
               FROM grants WHERE connection = $1 ORDER BY seq",
    )
    .bind(conn)
    .fetch(&mut *db);
    let mut out = Vec::new();
    // A dozen privilege words over millions of grants: share one allocation per word.
    let mut words: std::collections::HashMap<String, std::sync::Arc<str>> =
        std::collections::HashMap::new();
    while let Some(r) = rows.try_next().await? {
        let privilege = words
            .entry(r.privilege)
            .or_insert_with_key(|w| w.as_str().into())
            .clone();
        let grantee = match r.grantee_id {
            Some(id) => Grantee::Identity(index(id)?),
            None => {
                let text = r.grantee.unwrap_or_default();
                Grantee::parse_pseudo(&text)
                    .ok_or_else(|| StoreError::Corrupt(format!("grantee {text:?}")))?
            }
        };
        out.push(Grant {
            grantee,
            privilege,
            resource: index(r.resource)?,
            grant_option: r.grant_option,
            future: r.future,
            condition: r
                .condition
                .map(|c| json::<Condition>(&c).map(Box::new))
                .transpose()?,
        });
    }
    Ok(out)
}

#[derive(FromRow)]
struct ConnectionRow {
    name: String,
    platform: String,
    server_version: Option<String>,
    taken_at: Option<String>,
}

#[derive(FromRow)]
struct IdentityRow {
    name: String,
    kind: String,
    email: Option<String>,
    display_name: Option<String>,
    superuser: bool,
    inherit: bool,
}

#[derive(FromRow)]
struct ResourceRow {
    name: String,
    kind: String,
    path: Option<String>,
    owner: Option<i64>,
    owner_privileges: Option<String>,
    parent: Option<i64>,
}

#[derive(FromRow)]
struct GrantRow {
    grantee_id: Option<i64>,
    grantee: Option<String>,
    privilege: String,
    resource: i64,
    grant_option: bool,
    future: bool,
    condition: Option<String>,
}

fn index(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("index {v} out of range")))
}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("JSON column: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The positions `start..start + len` as BIGINTs (the `id` or `seq` column of a chunk).
fn positions(start: usize, len: usize) -> Vec<i64> {
    (start..start + len).map(|i| i as i64).collect()
}

async fn insert_identities(
    tx: &mut Transaction<'_, Postgres>,
    c: &Connection,
) -> Result<(), StoreError> {
    for (n, chunk) in c.identities.chunks(CHUNK).enumerate() {
        let col = |f: fn(&Identity) -> Option<String>| chunk.iter().map(f).collect::<Vec<_>>();
        sqlx::query(
            "INSERT INTO identities (connection, id, name, kind, email, display_name, superuser, inherit)
             SELECT $1, * FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[],
                                      $7::BOOLEAN[], $8::BOOLEAN[])",
        )
        .bind(&c.name)
        .bind(positions(n * CHUNK, chunk.len()))
        .bind(chunk.iter().map(|i| i.name.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|i| i.kind.as_str()).collect::<Vec<_>>())
        .bind(col(|i| i.email.clone()))
        .bind(col(|i| i.display_name.clone()))
        .bind(chunk.iter().map(|i| i.superuser).collect::<Vec<_>>())
        .bind(chunk.iter().map(|i| i.inherit).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_memberships(
    tx: &mut Transaction<'_, Postgres>,
    c: &Connection,
) -> Result<(), StoreError> {
    for (n, chunk) in c.memberships.chunks(CHUNK).enumerate() {
        sqlx::query(
            "INSERT INTO memberships (connection, seq, member, role, inherit)
             SELECT $1, * FROM UNNEST($2::BIGINT[], $3::BIGINT[], $4::BIGINT[], $5::BOOLEAN[])",
        )
        .bind(&c.name)
        .bind(positions(n * CHUNK, chunk.len()))
        .bind(
            chunk
                .iter()
                .map(|m| i64::from(m.member))
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|m| i64::from(m.role)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|m| m.inherit).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_resources(
    tx: &mut Transaction<'_, Postgres>,
    c: &Connection,
) -> Result<(), StoreError> {
    for (n, chunk) in c.resources.chunks(CHUNK).enumerate() {
        // The path is stored only when it is not the name split on dots, as in SQLite.
        let paths: Vec<Option<String>> = chunk
            .iter()
            .map(|r| (r.path != crate::model::split_name(&r.name)).then(|| to_json(&r.path)))
            .collect();
        let index = |f: fn(&Resource) -> Option<u32>| {
            chunk
                .iter()
                .map(|r| f(r).map(i64::from))
                .collect::<Vec<_>>()
        };
        sqlx::query(
            "INSERT INTO resources (connection, id, name, kind, path, owner, owner_privileges, parent)
             SELECT $1, * FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[],
                                      $7::TEXT[], $8::BIGINT[])",
        )
        .bind(&c.name)
        .bind(positions(n * CHUNK, chunk.len()))
        .bind(chunk.iter().map(|r| r.name.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>())
        .bind(paths)
        .bind(index(|r| r.owner))
        .bind(
            chunk
                .iter()
                .map(|r| r.owner_privileges.as_ref().map(to_json))
                .collect::<Vec<_>>(),
        )
        .bind(index(|r| r.parent))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_grants(
    tx: &mut Transaction<'_, Postgres>,
    c: &Connection,
) -> Result<(), StoreError> {
    for (n, chunk) in c.grants.chunks(CHUNK).enumerate() {
        let (ids, texts): (Vec<Option<i64>>, Vec<Option<String>>) = chunk
            .iter()
            .map(|g| match &g.grantee {
                Grantee::Identity(i) => (Some(i64::from(*i)), None),
                other => (None, other.pseudo_name()),
            })
            .unzip();
        sqlx::query(
            "INSERT INTO grants (connection, seq, grantee_id, grantee, privilege, resource,
                                 grant_option, future, condition)
             SELECT $1, * FROM UNNEST($2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[],
                                      $6::BIGINT[], $7::BOOLEAN[], $8::BOOLEAN[], $9::TEXT[])",
        )
        .bind(&c.name)
        .bind(positions(n * CHUNK, chunk.len()))
        .bind(ids)
        .bind(texts)
        .bind(chunk.iter().map(|g| &*g.privilege).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|g| i64::from(g.resource))
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|g| g.grant_option).collect::<Vec<_>>())
        .bind(chunk.iter().map(|g| g.future).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|g| g.condition.as_ref().map(to_json))
                .collect::<Vec<_>>(),
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
