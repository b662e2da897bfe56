//! Requests: one JSON document per row, changed only by compare-and-set on `version`, each
//! change written in one transaction with its audit events and the jobs it starts.

use super::audit::append;
use super::jobs::insert_jobs;
use super::{Db, LOCK_KEY};
use crate::model::audit::NewEvent;
use crate::model::request::AccessRequest;
use crate::model::time::stamp;
use crate::store::StoreError;
use crate::store::portable::WriteTx;
use crate::store::rows::jobs::NewJob;
use crate::store::rows::requests::{RequestFilter, resource_keys};
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

fn doc(req: &AccessRequest) -> String {
    let mut v = serde_json::to_value(req).unwrap_or_default();
    v["requester_id"] = serde_json::Value::String(req.requester_id.clone());
    v.to_string()
}

fn request(row: &<Db as sqlx::Database>::Row) -> Result<(AccessRequest, i64), StoreError> {
    let text: String = row.try_get("doc")?;
    let mut req: AccessRequest = serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("request document: {e}")))?;
    req.requester_id = row.try_get("requester_id")?;
    Ok((req, row.try_get("version")?))
}

/// Stores a new request with its events and jobs.
pub(crate) async fn insert(
    pool: &Pool<Db>,
    req: &AccessRequest,
    events: &[NewEvent],
    jobs: &[NewJob],
) -> Result<(), StoreError> {
    let mut tx = pool.write_tx().await?;
    sqlx::query(
        "INSERT INTO requests (id, status, requester_id, created_at, version, doc)
         VALUES ($1, $2, $3, $4, 1, $5)",
    )
    .bind(&req.id)
    .bind(req.status().as_str())
    .bind(&req.requester_id)
    .bind(stamp(req.created_at))
    .bind(doc(req))
    .execute(&mut *tx)
    .await?;
    write_resources(&mut tx, req).await?;
    sync_grants(&mut tx, req).await?;
    let at = stamp(req.updated_at);
    append(&mut tx, &at, events).await?;
    insert_jobs(&mut tx, &at, jobs).await?;
    tx.commit().await?;
    Ok(())
}

/// The request and the version it was read at.
pub(crate) async fn get(
    pool: &Pool<Db>,
    id: &str,
) -> Result<Option<(AccessRequest, i64)>, StoreError> {
    let row = sqlx::query("SELECT requester_id, version, doc FROM requests WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(request).transpose()
}

/// Writes each request if its row is still at the version given, all or nothing; false (and
/// nothing written) if any was changed since. The events and jobs go in the same transaction.
pub(crate) async fn update(
    pool: &Pool<Db>,
    reqs: &[(&AccessRequest, i64)],
    events: &[NewEvent],
    jobs: &[NewJob],
) -> Result<bool, StoreError> {
    let Some((first, _)) = reqs.first() else {
        return Ok(true);
    };
    let mut tx = pool.write_tx().await?;
    for (req, version) in reqs {
        let done = sqlx::query(
            "UPDATE requests SET status = $1, doc = $2, version = version + 1
              WHERE id = $3 AND version = $4",
        )
        .bind(req.status().as_str())
        .bind(doc(req))
        .bind(&req.id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sync_grants(&mut tx, req).await?;
    }
    let at = stamp(first.updated_at);
    append(&mut tx, &at, events).await?;
    insert_jobs(&mut tx, &at, jobs).await?;
    tx.commit().await?;
    Ok(true)
}

/// Makes `request_grants` say what `req` relies on now. Under a lock on each grant, it refuses
/// (`Busy`, nothing written: the caller's transaction is dropped) a write by which a request
/// would come to rely on a grant another request is revoking, or start revoking a grant another
/// relies on: whichever of the two writes comes second sees the first.
async fn sync_grants(
    tx: &mut Transaction<'static, Db>,
    req: &AccessRequest,
) -> Result<(), StoreError> {
    let mut mine = req.relied_grants();
    // One order for the locks, so that two writers never wait on each other in a circle.
    mine.sort();
    for (key, releasing) in &mine {
        sqlx::query(AssertSqlSafe(LOCK_KEY))
            .bind(key)
            .execute(&mut **tx)
            .await?;
        let clash: Option<String> = sqlx::query_scalar(
            "SELECT request_id FROM request_grants
              WHERE grant_key = $1 AND request_id <> $2 AND releasing <> $3
              ORDER BY request_id LIMIT 1",
        )
        .bind(key)
        .bind(&req.id)
        .bind(*releasing)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(other) = clash {
            let why = if *releasing {
                format!(
                    "request {other} still relies on a grant request {} would revoke",
                    req.id
                )
            } else {
                format!(
                    "request {other} is revoking a grant request {} would rely on",
                    req.id
                )
            };
            return Err(StoreError::Busy(why));
        }
    }
    write_grants(tx, req, &mine).await
}

/// Replaces `req`'s rows of `request_grants` with `mine`.
async fn write_grants(
    tx: &mut Transaction<'static, Db>,
    req: &AccessRequest,
    mine: &[(String, bool)],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM request_grants WHERE request_id = $1")
        .bind(&req.id)
        .execute(&mut **tx)
        .await?;
    for (key, releasing) in mine {
        sqlx::query(
            "INSERT INTO request_grants (grant_key, request_id, releasing) VALUES ($1, $2, $3)",
        )
        .bind(key)
        .bind(&req.id)
        .bind(*releasing)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A write transaction holding the lock `lock`, if `probe` (a table's first row) finds
/// nothing: a table added beside the requests is filled once, by whichever server opening the
/// store comes first; none when it is filled already.
async fn still_empty(
    pool: &Pool<Db>,
    lock: &str,
    probe: &'static str,
) -> Result<Option<Transaction<'static, Db>>, StoreError> {
    let mut tx = pool.write_tx().await?;
    sqlx::query(AssertSqlSafe(LOCK_KEY))
        .bind(lock)
        .execute(&mut *tx)
        .await?;
    let filled: Option<String> = sqlx::query_scalar(probe).fetch_optional(&mut *tx).await?;
    if filled.is_some() {
        tx.rollback().await?;
        return Ok(None);
    }
    Ok(Some(tx))
}

/// Fills `request_grants` from the live requests of a store that had them before the table
/// existed (it is empty then, and live requests rely on grants); once, under a lock, however
/// many servers start together.
pub(crate) async fn backfill_grants(pool: &Pool<Db>) -> Result<(), StoreError> {
    let Some(mut tx) = still_empty(
        pool,
        "request_grants backfill",
        "SELECT request_id FROM request_grants LIMIT 1",
    )
    .await?
    else {
        return Ok(());
    };
    let rows = sqlx::query(
        "SELECT requester_id, version, doc FROM requests
          WHERE status IN ('approved', 'active', 'failed', 'denied')",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in &rows {
        let (req, _) = request(row)?;
        let mine = req.relied_grants();
        if !mine.is_empty() {
            write_grants(&mut tx, &req, &mine).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Writes the keys `req` is found by when a list is filtered by resource. A request's
/// resources are fixed when it is created (approval narrows privileges and expiry, never the
/// resources), so this runs once, with the insert.
async fn write_resources(
    tx: &mut Transaction<'static, Db>,
    req: &AccessRequest,
) -> Result<(), StoreError> {
    for (connection, key) in resource_keys(req) {
        sqlx::query(
            "INSERT INTO request_resources (match_key, connection, request_id) VALUES ($1, $2, $3)",
        )
        .bind(key)
        .bind(connection)
        .bind(&req.id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Fills `request_resources` from the requests of a store that had them before the table
/// existed (migration 0009 leaves it empty): once, under a lock, however many servers start
/// together. Only documents that name a resource are read, so a store of role requests alone
/// costs one scan of the documents, not a decode of each.
pub(crate) async fn backfill_resources(pool: &Pool<Db>) -> Result<(), StoreError> {
    let Some(mut tx) = still_empty(
        pool,
        "request_resources backfill",
        "SELECT request_id FROM request_resources LIMIT 1",
    )
    .await?
    else {
        return Ok(());
    };
    // serde_json writes `"resources":[` without spaces; an empty list is `[]`.
    let rows = sqlx::query(
        "SELECT requester_id, version, doc FROM requests
          WHERE doc LIKE '%\"resources\":[{%'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in &rows {
        let (req, _) = request(row)?;
        write_resources(&mut tx, &req).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The other requests that rely on the grant `key` (and are not revoking it), oldest id first.
pub(crate) async fn relying(
    pool: &Pool<Db>,
    key: &str,
    except: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT request_id FROM request_grants
          WHERE grant_key = $1 AND request_id <> $2 AND releasing = $3
          ORDER BY request_id",
    )
    .bind(key)
    .bind(except)
    .bind(false)
    .fetch_all(pool)
    .await?)
}

/// Requests newest first, after the cursor `(created_at, id)`.
pub(crate) async fn list(
    pool: &Pool<Db>,
    f: &RequestFilter,
) -> Result<Vec<AccessRequest>, StoreError> {
    let (before_at, before_id) = match &f.before {
        Some((at, id)) => (Some(at.clone()), Some(id.clone())),
        None => (None, None),
    };
    let qualified = f.resource.as_ref().and_then(|r| r.qualified.as_ref());
    let rows = sqlx::query(
        "SELECT requester_id, version, doc FROM requests
          WHERE ($1 IS NULL OR status = $1)
            AND ($2 IS NULL OR requester_id = $2)
            AND ($3 OR status <> 'deleted')
            AND ($4 IS NULL OR created_at < $4 OR (created_at = $4 AND id < $5))
            AND ($7 IS NULL OR id IN (
                  SELECT rr.request_id FROM request_resources rr
                   WHERE rr.match_key = $7 OR (rr.connection = $8 AND rr.match_key = $9)))
          ORDER BY created_at DESC, id DESC LIMIT $6",
    )
    .bind(f.status.map(|s| s.as_str()))
    .bind(&f.requester_id)
    .bind(f.include_deleted || f.status.is_some())
    .bind(before_at)
    .bind(before_id)
    .bind(f.limit)
    .bind(f.resource.as_ref().map(|r| r.name.as_str()))
    .bind(qualified.map(|(c, _)| c.as_str()))
    .bind(qualified.map(|(_, n)| n.as_str()))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| request(r).map(|(req, _)| req))
        .collect()
}
