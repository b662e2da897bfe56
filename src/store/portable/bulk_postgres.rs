//! PostgreSQL's bulk writer for snapshot rows: one bound array per column (`UNNEST`), which is
//! fast on 100k+ grants and never meets the 65535-parameter limit. Memberships and grants keep
//! their write order in a `seq` column.

use crate::model::{Connection, Identity, Resource};
use crate::store::StoreError;
use crate::store::portable::columns::{grantee_columns, path_column, to_json};
use sqlx::{Postgres, Transaction};

/// Rows per INSERT. The arrays have no parameter limit; chunks only keep each message at a few
/// megabytes on million-grant snapshots.
const CHUNK: usize = 50_000;

/// The positions `start..start + len` as BIGINTs (the `id` or `seq` column of a chunk).
fn positions(start: usize, len: usize) -> Vec<i64> {
    (start..start + len).map(|i| i as i64).collect()
}

pub(crate) async fn insert_identities(
    tx: &mut Transaction<'static, Postgres>,
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

pub(crate) async fn insert_memberships(
    tx: &mut Transaction<'static, Postgres>,
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

pub(crate) async fn insert_resources(
    tx: &mut Transaction<'static, Postgres>,
    c: &Connection,
) -> Result<(), StoreError> {
    for (n, chunk) in c.resources.chunks(CHUNK).enumerate() {
        let paths: Vec<Option<String>> = chunk.iter().map(path_column).collect();
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

pub(crate) async fn insert_grants(
    tx: &mut Transaction<'static, Postgres>,
    c: &Connection,
) -> Result<(), StoreError> {
    for (n, chunk) in c.grants.chunks(CHUNK).enumerate() {
        let (ids, texts): (Vec<Option<i64>>, Vec<Option<String>>) =
            chunk.iter().map(grantee_columns).unzip();
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
