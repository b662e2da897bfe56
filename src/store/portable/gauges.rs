//! The counts behind the store's metrics, read in one short read-only pass.

use super::Db;
use crate::store::StoreError;
use crate::store::rows::gauges::{StoreGauges, SyncGauge};
use sqlx::{Pool, Row};

/// Reads every gauge at `now` (unix ms).
pub(crate) async fn read(pool: &Pool<Db>, now: i64) -> Result<StoreGauges, StoreError> {
    let requests = sqlx::query("SELECT status, COUNT(*) AS n FROM requests GROUP BY status")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
        .collect::<Result<Vec<(String, i64)>, StoreError>>()?;
    let jobs = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN run_at <= $2 AND lease_until <= $2 THEN 1 ELSE 0 END), 0)
                    AS due,
                COALESCE(SUM(CASE WHEN lease_until > $2 THEN 1 ELSE 0 END), 0) AS running,
                COALESCE(SUM(CASE WHEN lease_until <= $2 AND last_error IS NOT NULL
                                   AND last_error <> '' THEN 1 ELSE 0 END), 0) AS retrying,
                MIN(CASE WHEN run_at <= $2 AND lease_until <= $2 THEN run_at END) AS oldest
           FROM jobs WHERE done = $1",
    )
    .bind(false)
    .bind(now)
    .fetch_one(pool)
    .await?;
    let drift_open: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM drift WHERE resolved_at IS NULL")
            .fetch_one(pool)
            .await?;
    let audit_length: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_optional(pool)
        .await?
        .unwrap_or(0);
    let syncs = sqlx::query(
        "SELECT connection, last_success, success_ms, failures FROM sync_status
          ORDER BY connection",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(SyncGauge {
            connection: r.try_get("connection")?,
            last_success: r.try_get("last_success")?,
            success_ms: r.try_get("success_ms")?,
            failures: r.try_get("failures")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(StoreGauges {
        requests,
        jobs_due: jobs.try_get("due")?,
        jobs_running: jobs.try_get("running")?,
        jobs_retrying: jobs.try_get("retrying")?,
        oldest_due_ms: jobs.try_get("oldest")?,
        drift_open,
        audit_length,
        syncs,
    })
}
