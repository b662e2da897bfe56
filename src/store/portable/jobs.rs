//! The job queue: provisioning, expiry and revoke jobs, claimed with a lease so that a job a
//! dead server held is taken over, and (on PostgreSQL) with `SKIP LOCKED` so that servers
//! claiming at once pass over each other's rows.

use super::{Db, SKIP_LOCKED};
use crate::store::StoreError;
use crate::store::portable::WriteTx;
use crate::store::rows::jobs::{Job, NewJob};
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

pub(crate) async fn insert_jobs(
    tx: &mut Transaction<'static, Db>,
    at: &str,
    jobs: &[NewJob],
) -> Result<(), StoreError> {
    for j in jobs {
        sqlx::query(
            "INSERT INTO jobs (id, request_id, kind, run_at, attempts, lease_until, done, created_at, payload)
             VALUES ($1, $2, $3, $4, 0, 0, $5, $6, $7)",
        )
        .bind(crate::model::people::new_id("job"))
        .bind(&j.request_id)
        .bind(j.kind.as_str())
        .bind(j.run_at)
        .bind(false)
        .bind(at)
        .bind(&j.payload)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Claims the most overdue job whose lease ran out, for `lease` milliseconds.
pub(crate) async fn claim(
    pool: &Pool<Db>,
    now: i64,
    lease: i64,
) -> Result<Option<Job>, StoreError> {
    let mut tx = pool.write_tx().await?;
    let pick = format!(
        "SELECT id FROM jobs WHERE done = $1 AND run_at <= $2 AND lease_until <= $2
          ORDER BY run_at, id LIMIT 1 {SKIP_LOCKED}"
    );
    let id: Option<String> = sqlx::query_scalar(AssertSqlSafe(pick))
        .bind(false)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(id) = id else {
        tx.rollback().await?;
        return Ok(None);
    };
    let row = sqlx::query(
        "UPDATE jobs SET lease_until = $1, attempts = attempts + 1 WHERE id = $2
         RETURNING id, request_id, kind, run_at, attempts, last_error, payload",
    )
    .bind(now + lease)
    .bind(&id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(job(&row)?))
}

fn job(row: &<Db as sqlx::Database>::Row) -> Result<Job, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Job {
        id: row.try_get("id")?,
        request_id: row.try_get("request_id")?,
        kind: kind
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("job kind {kind:?}")))?,
        run_at: row.try_get("run_at")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        payload: row.try_get("payload")?,
    })
}

/// The job is finished (or has nothing left to do).
pub(crate) async fn finish(pool: &Pool<Db>, id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET done = $1, lease_until = 0 WHERE id = $2")
        .bind(true)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Runs the job again at `run_at`, keeping `error` as the reason.
pub(crate) async fn retry(
    pool: &Pool<Db>,
    id: &str,
    run_at: i64,
    error: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET run_at = $1, lease_until = 0, last_error = $2 WHERE id = $3")
        .bind(run_at)
        .bind(error)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Jobs not yet done, soonest first.
pub(crate) async fn pending(pool: &Pool<Db>) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, request_id, kind, run_at, attempts, last_error, payload FROM jobs
          WHERE done = $1 ORDER BY run_at, id",
    )
    .bind(false)
    .fetch_all(pool)
    .await?;
    rows.iter().map(job).collect()
}

/// When the next job falls due (unix ms): its run time, or the end of its lease if another
/// server holds it.
pub(crate) async fn next_due(pool: &Pool<Db>) -> Result<Option<i64>, StoreError> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(CASE WHEN lease_until > run_at THEN lease_until ELSE run_at END)
           FROM jobs WHERE done = $1",
    )
    .bind(false)
    .fetch_one(pool)
    .await?;
    Ok(next)
}
