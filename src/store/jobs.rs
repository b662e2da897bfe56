//! The store's face for the job queue (the queries are in `portable/jobs.rs`).

use super::db::with_pool;
use super::{Store, StoreError};
use std::str::FromStr;

/// What a job does to its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Grant what an approved request asks for.
    Provision,
    /// Revoke at `expires_at` what Warden added.
    Expire,
    /// Revoke now, on a reviewer's word.
    Revoke,
    /// Tell the requester the access expires soon.
    Remind,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Provision => "provision",
            JobKind::Expire => "expire",
            JobKind::Revoke => "revoke",
            JobKind::Remind => "remind",
        }
    }
}

impl FromStr for JobKind {
    type Err = ();
    fn from_str(s: &str) -> Result<JobKind, ()> {
        [
            JobKind::Provision,
            JobKind::Expire,
            JobKind::Revoke,
            JobKind::Remind,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or(())
    }
}

/// A job to add, with the change that starts it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub request_id: String,
    pub kind: JobKind,
    /// Unix milliseconds.
    pub run_at: i64,
}

/// A job as claimed.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub request_id: String,
    pub kind: JobKind,
    pub run_at: i64,
    /// Including the current one.
    pub attempts: i64,
    pub last_error: Option<String>,
}

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
