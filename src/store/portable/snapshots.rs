//! The imported connections (`connections`, `identities`, `memberships`, `resources`, `grants`)
//! and the generation that changes with every import. The rows themselves are written in bulk
//! by `super::bulk`, the one part each backend spells its own way.

use super::{ANNOUNCE, Db, READ_SNAPSHOT, WRITE_ORDER, bulk};
use crate::model::{
    Condition, Connection, Grant, Grantee, Identity, IdentityKind, Membership, Platform, Resource,
    ResourceKind,
};
use crate::store::StoreError;
use crate::store::portable::columns::{index, json};
use crate::store::portable::{GENERATION_CHANNEL, WriteTx};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) async fn generation(pool: &Pool<Db>) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'generation'")
            .fetch_one(pool)
            .await?,
    )
}

/// Replaces what is known about each of `connections` (others untouched), all or nothing,
/// stamping them imported `at`. Returns the new generation.
pub(crate) async fn replace(
    pool: &Pool<Db>,
    connections: &[Connection],
    at: &str,
) -> Result<i64, StoreError> {
    let mut tx = pool.write_tx().await?;
    // Bumping the generation first locks its row until commit: a second server importing the
    // same connection waits here, then sees (and deletes) what this one wrote.
    let generation: i64 = sqlx::query_scalar(
        "UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
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
        .bind(at)
        .execute(&mut *tx)
        .await?;
        bulk::insert_identities(&mut tx, c).await?;
        bulk::insert_memberships(&mut tx, c).await?;
        bulk::insert_resources(&mut tx, c).await?;
        bulk::insert_grants(&mut tx, c).await?;
    }
    if let Some(announce) = ANNOUNCE {
        sqlx::query(announce)
            .bind(GENERATION_CHANNEL)
            .bind(generation.to_string())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(generation)
}

/// Every stored connection, by name (byte order), read from one state of the database.
/// Every connection; with its memberships, resources and grants when `whole`, else with its
/// identities only.
pub(crate) async fn load(pool: &Pool<Db>, whole: bool) -> Result<Vec<Connection>, StoreError> {
    let mut tx = pool.begin_with(READ_SNAPSHOT).await?;
    let rows = sqlx::query(
        "SELECT name, platform, server_version, taken_at FROM connections ORDER BY name",
    )
    .fetch_all(&mut *tx)
    .await?;
    // A dozen privilege words over millions of grants: share one allocation per word.
    let mut words = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get(0)?;
        let platform: String = row.try_get(1)?;
        let taken_at: Option<String> = row.try_get(3)?;
        out.push(Connection {
            platform: Platform::parse(&platform)
                .ok_or_else(|| StoreError::Corrupt(format!("platform {platform:?}")))?,
            server_version: row.try_get(2)?,
            taken_at: taken_at
                .map(|t| chrono::DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("taken_at: {e}")))?,
            identities: rows_of(&mut tx, IDENTITIES.into(), &name, identity).await?,
            memberships: match whole {
                true => rows_of(&mut tx, memberships_sql(), &name, membership).await?,
                false => Vec::new(),
            },
            resources: match whole {
                true => rows_of(&mut tx, RESOURCES.into(), &name, resource).await?,
                false => Vec::new(),
            },
            grants: match whole {
                true => rows_of(&mut tx, grants_sql(), &name, |r| grant(r, &mut words)).await?,
                false => Vec::new(),
            },
            name,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// Every row `sql` selects for connection `conn` (its `$1`), each read by `read`, in order.
async fn rows_of<T>(
    tx: &mut Transaction<'static, Db>,
    sql: String,
    conn: &str,
    mut read: impl FnMut(&DbRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut rows = sqlx::query(AssertSqlSafe(sql)).bind(conn).fetch(&mut **tx);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(read(&row)?);
    }
    Ok(out)
}

type DbRow = <Db as sqlx::Database>::Row;

const IDENTITIES: &str = "SELECT name, kind, email, display_name, superuser, inherit
                            FROM identities WHERE connection = $1 ORDER BY id";
const RESOURCES: &str = "SELECT name, kind, path, owner, owner_privileges, parent
                           FROM resources WHERE connection = $1 ORDER BY id";

fn memberships_sql() -> String {
    format!(
        "SELECT member, role, inherit FROM memberships WHERE connection = $1 ORDER BY {WRITE_ORDER}"
    )
}

fn grants_sql() -> String {
    format!(
        "SELECT grantee_id, grantee, privilege, resource, grant_option, future, condition
           FROM grants WHERE connection = $1 ORDER BY {WRITE_ORDER}"
    )
}

fn identity(row: &DbRow) -> Result<Identity, StoreError> {
    let kind: String = row.try_get(1)?;
    Ok(Identity {
        name: row.try_get(0)?,
        kind: IdentityKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("identity kind {kind:?}")))?,
        email: row.try_get(2)?,
        display_name: row.try_get(3)?,
        superuser: row.try_get(4)?,
        inherit: row.try_get(5)?,
    })
}

fn membership(row: &DbRow) -> Result<Membership, StoreError> {
    Ok(Membership {
        member: index(row.try_get(0)?)?,
        role: index(row.try_get(1)?)?,
        inherit: row.try_get(2)?,
    })
}

fn resource(row: &DbRow) -> Result<Resource, StoreError> {
    let name: String = row.try_get(0)?;
    let kind: String = row.try_get(1)?;
    let path: Option<String> = row.try_get(2)?;
    let owner_privileges: Option<String> = row.try_get(4)?;
    Ok(Resource {
        // The path is stored only when it is not the name split on dots.
        path: match path {
            Some(p) => json(&p)?,
            None => crate::model::split_name(&name),
        },
        name,
        kind: ResourceKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("resource kind {kind:?}")))?,
        owner: row.try_get::<Option<i64>, _>(3)?.map(index).transpose()?,
        owner_privileges: owner_privileges.map(|p| json(&p)).transpose()?,
        parent: row.try_get::<Option<i64>, _>(5)?.map(index).transpose()?,
    })
}

/// A grant, its privilege word shared through `words`.
fn grant(row: &DbRow, words: &mut HashMap<String, Arc<str>>) -> Result<Grant, StoreError> {
    let word: String = row.try_get(2)?;
    let privilege = words
        .entry(word)
        .or_insert_with_key(|w| w.as_str().into())
        .clone();
    let grantee = match row.try_get::<Option<i64>, _>(0)? {
        Some(id) => Grantee::Identity(index(id)?),
        None => {
            let text: Option<String> = row.try_get(1)?;
            let text = text.unwrap_or_default();
            Grantee::parse_pseudo(&text)
                .ok_or_else(|| StoreError::Corrupt(format!("grantee {text:?}")))?
        }
    };
    let condition: Option<String> = row.try_get(6)?;
    Ok(Grant {
        grantee,
        privilege,
        resource: index(row.try_get(3)?)?,
        grant_option: row.try_get(4)?,
        future: row.try_get(5)?,
        condition: condition
            .map(|c| json::<Condition>(&c).map(Box::new))
            .transpose()?,
    })
}
