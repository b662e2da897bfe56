//! Jobs as queued and claimed: what a job does to its request (or, for Slack, what it sends), and
//! when.

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
    /// A call to Slack, or an event from it (the job's payload says which).
    Slack,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Provision => "provision",
            JobKind::Expire => "expire",
            JobKind::Revoke => "revoke",
            JobKind::Remind => "remind",
            JobKind::Slack => "slack",
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
            JobKind::Slack,
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
    /// What the job carries besides its request (a Slack call's message); most carry nothing.
    pub payload: Option<String>,
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
    pub payload: Option<String>,
}
