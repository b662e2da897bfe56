//! Jobs as queued and claimed: what a job does to its request, and when.

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
