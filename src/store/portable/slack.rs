//! Slack's bookkeeping: how far the notifier has read the audit log, each request's channel
//! message, and the events already taken (migration 0011).

use super::Db;
use super::jobs::insert_jobs;
use crate::store::StoreError;
use crate::store::portable::WriteTx;
use crate::store::rows::jobs::NewJob;
use sqlx::{Pool, Row};

/// Where the notifier stands; `None` before it first ran.
pub(crate) async fn cursor(pool: &Pool<Db>) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT seq FROM slack_cursor WHERE id = 1")
            .fetch_optional(pool)
            .await?,
    )
}

/// Starts the notifier at the audit log's end, unless it has started before.
pub(crate) async fn start(pool: &Pool<Db>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO slack_cursor (id, seq) SELECT 1, seq FROM audit_head WHERE id = 1
         ON CONFLICT (id) DO NOTHING",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Moves the cursor from `from` to `to` and queues the Slack jobs of the events in between
/// (and the channel messages they post) in one transaction; false when another server moved it
/// first (it queued them).
pub(crate) async fn advance(
    pool: &Pool<Db>,
    from: i64,
    to: i64,
    at: &str,
    messages: &[(String, String)],
    jobs: &[NewJob],
) -> Result<bool, StoreError> {
    let mut tx = pool.write_tx().await?;
    let moved = sqlx::query("UPDATE slack_cursor SET seq = $1 WHERE id = 1 AND seq = $2")
        .bind(to)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if moved != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    for (request, channel) in messages {
        sqlx::query(
            "INSERT INTO slack_messages (request_id, channel) VALUES ($1, $2)
             ON CONFLICT (request_id) DO NOTHING",
        )
        .bind(request)
        .bind(channel)
        .execute(&mut *tx)
        .await?;
    }
    insert_jobs(&mut tx, at, jobs).await?;
    tx.commit().await?;
    Ok(true)
}

/// A request's channel message: the channel, and its `ts` once posted.
pub(crate) async fn message(
    pool: &Pool<Db>,
    request: &str,
) -> Result<Option<(String, Option<String>)>, StoreError> {
    let row = sqlx::query("SELECT channel, ts FROM slack_messages WHERE request_id = $1")
        .bind(request)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok((r.try_get("channel")?, r.try_get("ts")?)))
        .transpose()
}

/// Records that the request's message was posted as `ts`.
pub(crate) async fn posted(pool: &Pool<Db>, request: &str, ts: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE slack_messages SET ts = $1 WHERE request_id = $2")
        .bind(ts)
        .bind(request)
        .execute(pool)
        .await?;
    Ok(())
}

/// The request whose channel message is `ts` in `channel`.
pub(crate) async fn request_at(
    pool: &Pool<Db>,
    channel: &str,
    ts: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT request_id FROM slack_messages WHERE channel = $1 AND ts = $2",
    )
    .bind(channel)
    .bind(ts)
    .fetch_optional(pool)
    .await?)
}

/// Takes an event or interaction once: records its id and queues its jobs in one transaction;
/// false (and nothing queued) when it was taken before.
pub(crate) async fn take(
    pool: &Pool<Db>,
    id: &str,
    at: &str,
    jobs: &[NewJob],
) -> Result<bool, StoreError> {
    let mut tx = pool.write_tx().await?;
    let new = sqlx::query("INSERT INTO slack_seen (id, at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if new {
        insert_jobs(&mut tx, at, jobs).await?;
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(new)
}
