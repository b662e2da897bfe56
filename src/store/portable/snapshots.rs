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
pub(crate) async fn load(pool: &Pool<Db>) -> Result<Vec<Connection>, StoreError> {
    let mut tx = pool.begin_with(READ_SNAPSHOT).await?;
    let rows = sqlx::query(
        "SELECT name, platform, server_version, taken_at FROM connections ORDER BY name",
    )
    .fetch_all(&mut *tx)
    .await?;
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
            identities: load_identities(&mut tx, &name).await?,
            memberships: load_memberships(&mut tx, &name).await?,
            resources: load_resources(&mut tx, &name).await?,
            grants: load_grants(&mut tx, &name).await?,
            name,
        });
    }
    tx.commit().await?;
    Ok(out)
}

async fn load_identities(
    tx: &mut Transaction<'static, Db>,
    conn: &str,
) -> Result<Vec<Identity>, StoreError> {
    let mut rows = sqlx::query(
        "SELECT name, kind, email, display_name, superuser, inherit FROM identities
          WHERE connection = $1 ORDER BY id",
    )
    .bind(conn)
    .fetch(&mut **tx);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        let kind: String = row.try_get(1)?;
        out.push(Identity {
            name: row.try_get(0)?,
            kind: IdentityKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("identity kind {kind:?}")))?,
            email: row.try_get(2)?,
            display_name: row.try_get(3)?,
            superuser: row.try_get(4)?,
            inherit: row.try_get(5)?,
        });
    }
    Ok(out)
}

async fn load_memberships(
    tx: &mut Transaction<'static, Db>,
    conn: &str,
) -> Result<Vec<Membership>, StoreError> {
    let mut rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT member, role, inherit FROM memberships WHERE connection = $1 ORDER BY {WRITE_ORDER}"
    )))
    .bind(conn)
    .fetch(&mut **tx);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(Membership {
            member: index(row.try_get(0)?)?,
            role: index(row.try_get(1)?)?,
            inherit: row.try_get(2)?,
        });
    }
    Ok(out)
}

async fn load_resources(
    tx: &mut Transaction<'static, Db>,
    conn: &str,
) -> Result<Vec<Resource>, StoreError> {
    let mut rows = sqlx::query(
        "SELECT name, kind, path, owner, owner_privileges, parent FROM resources
          WHERE connection = $1 ORDER BY id",
    )
    .bind(conn)
    .fetch(&mut **tx);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        let name: String = row.try_get(0)?;
        let kind: String = row.try_get(1)?;
        let path: Option<String> = row.try_get(2)?;
        let owner_privileges: Option<String> = row.try_get(4)?;
        out.push(Resource {
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
        });
    }
    Ok(out)
}

async fn load_grants(
    tx: &mut Transaction<'static, Db>,
    conn: &str,
) -> Result<Vec<Grant>, StoreError> {
    let mut rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT grantee_id, grantee, privilege, resource, grant_option, future, condition
           FROM grants WHERE connection = $1 ORDER BY {WRITE_ORDER}"
    )))
    .bind(conn)
    .fetch(&mut **tx);
    let mut out = Vec::new();
    // A dozen privilege words over millions of grants: share one allocation per word.
    let mut words: std::collections::HashMap<String, std::sync::Arc<str>> =
        std::collections::HashMap::new();
    while let Some(row) = rows.try_next().await? {
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
        out.push(Grant {
            grantee,
            privilege,
            resource: index(row.try_get(3)?)?,
            grant_option: row.try_get(4)?,
            future: row.try_get(5)?,
            condition: condition
                .map(|c| json::<Condition>(&c).map(Box::new))
                .transpose()?,
        });
    }
    Ok(out)
}
