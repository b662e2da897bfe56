//! Sync bookkeeping: how each connection's last sync ended (`sync_status`), and when its next
//! periodic sync is due (`sync_schedule`).

use super::Db;
use crate::store::StoreError;
use sqlx::Pool;

/// Records how the sync of `connection` attempted `at` ended: `None`, or the failure kind and
/// message; `millis` is how long it took. A success resets the count of failures in a row.
pub(crate) async fn record(
    pool: &Pool<Db>,
    connection: &str,
    error: Option<(&str, &str)>,
    at: &str,
    millis: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sync_status
             (connection, attempted_at, ok, error_kind, error, last_success, success_ms, failures)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $3 THEN $2 END, CASE WHEN $3 THEN $6 END,
                 CASE WHEN $3 THEN 0 ELSE 1 END)
         ON CONFLICT (connection) DO UPDATE SET attempted_at = excluded.attempted_at,
             ok = excluded.ok, error_kind = excluded.error_kind, error = excluded.error,
             last_success = COALESCE(excluded.last_success, sync_status.last_success),
             success_ms = COALESCE(excluded.success_ms, sync_status.success_ms),
             failures = CASE WHEN excluded.ok THEN 0 ELSE sync_status.failures + 1 END",
    )
    .bind(connection)
    .bind(at)
    .bind(error.is_none())
    .bind(error.map(|e| e.0))
    .bind(error.map(|e| e.1))
    .bind(millis)
    .execute(pool)
    .await?;
    Ok(())
}

/// One statement, so the compare and set needs no transaction: of servers racing on the same
/// row, the first moves `next_due` on and the others find it no longer due (on PostgreSQL by
/// re-checking the row once its lock is released, on SQLite behind the write lock); an insert
/// race ends the same way through `ON CONFLICT`.
pub(crate) async fn claim(
    pool: &Pool<Db>,
    connection: &str,
    now: i64,
    interval: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO sync_schedule (connection, next_due) VALUES ($1, $3)
         ON CONFLICT (connection) DO UPDATE SET next_due = excluded.next_due
         WHERE sync_schedule.next_due <= $2",
    )
    .bind(connection)
    .bind(now)
    .bind(now + interval)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}
