//! The store's face for the job queue (the queries are in `portable/jobs.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};

pub use super::rows::jobs::{Job, JobKind, NewJob};

impl Store {
    /// Claims one due job for `lease` milliseconds, or none.
    pub async fn claim_job(&self, now: i64, lease: i64) -> Result<Option<Job>, StoreError> {
        with_pool!(self, pool, sql => sql::jobs::claim(pool, now, lease).await)
    }

    pub async fn finish_job(&self, id: &str) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::jobs::finish(pool, id).await)
    }

    pub async fn retry_job(&self, id: &str, run_at: i64, error: &str) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::jobs::retry(pool, id, run_at, error).await)
    }

    /// When the next job falls due (unix ms), if any is waiting.
    pub async fn next_job_due(&self) -> Result<Option<i64>, StoreError> {
        with_pool!(self, pool, sql => sql::jobs::next_due(pool).await)
    }

    pub async fn pending_jobs(&self) -> Result<Vec<Job>, StoreError> {
        with_pool!(self, pool, sql => sql::jobs::pending(pool).await)
    }
}
