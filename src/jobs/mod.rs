//! The job runner: claims due jobs from the store (provision, expire, revoke, remind, and the
//! Slack calls a [`Handler`] runs), runs them, and retries failures with backoff. Every step that must survive a crash
//! is written before the next one starts (see [`steps`]); jobs are leased, so a job held by a
//! server that died is taken over once its lease runs out, and each runs once however many
//! servers share the store.

mod steps;

use crate::requests::Requests;
use crate::store::jobs::{Job, JobKind};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How often the runner looks for due jobs when nothing woke it.
const TICK: Duration = Duration::from_secs(1);
/// The shortest sleep between two looks at the queue, so that a job that cannot be claimed yet
/// (a clock a little behind another server's) does not spin the loop.
const MIN_SLEEP_MS: i64 = 5;
/// The longest wait between two attempts of a failing job.
const MAX_BACKOFF_SECS: u64 = 600;

/// Runs the jobs a part of Warden above the runner queues for itself (Slack's calls and events:
/// [`JobKind::Slack`]). The runner claims, retries and gives up on them like the rest.
pub trait Handler: Send + Sync {
    fn run<'a>(
        &'a self,
        job: &'a Job,
    ) -> Pin<Box<dyn Future<Output = Result<Outcome, JobError>> + Send + 'a>>;
}

/// The handler of Slack jobs, when this server has one.
pub type Handlers = Option<Arc<dyn Handler>>;

/// What running a job came to.
pub enum Outcome {
    Done,
    /// Not due yet (an expiry moved by an extension, a service that asked to be called later):
    /// run again at this time (unix ms).
    Later(i64),
}

/// Jobs that failed at least once and are waiting to be tried again (their backoff), for `who`
/// (reviewers and admins, who read the log and drift too), soonest first. A job given up on is
/// done, and its request `failed`: those are listed as requests.
pub async fn failing(
    store: &crate::store::Store,
    who: &crate::people::Principal,
) -> Result<Vec<Job>, crate::error::Problem> {
    crate::audit::may_read(who, "reading failed jobs")?;
    let mut jobs = store.pending_jobs().await?;
    jobs.retain(|j| j.last_error.as_deref().is_some_and(|e| !e.is_empty()));
    Ok(jobs)
}

/// Why a job failed; permanent failures are not retried.
#[derive(Debug)]
pub struct JobError {
    pub message: String,
    pub permanent: bool,
    /// Waiting for another request's revoke of the same grant: retried without counting
    /// towards giving up (that revoke finishes, or keeps retrying itself).
    pub waiting: bool,
    /// When to try again, when the other side said (Slack's `Retry-After`); else the backoff.
    pub retry_after: Option<Duration>,
}

impl JobError {
    pub fn transient(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            permanent: false,
            waiting: false,
            retry_after: None,
        }
    }
    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            permanent: true,
            ..JobError::transient(message)
        }
    }
    /// A failure of a service that will come back (Slack down): retried with backoff for as
    /// long as it takes, never given up on.
    pub fn outage(message: impl Into<String>, retry_after: Option<Duration>) -> JobError {
        JobError {
            waiting: true,
            retry_after,
            ..JobError::transient(message)
        }
    }
}

impl From<crate::connectors::ConnectorError> for JobError {
    fn from(e: crate::connectors::ConnectorError) -> JobError {
        use crate::connectors::FailureKind::{Config, Unsupported};
        // Only what Warden itself refused before sending anything (a name that is not there, a
        // privilege the object does not have, a platform it cannot provision) is final; an
        // error from the platform may pass ("tuple concurrently updated" when another session
        // changed the same ACL) and is retried.
        let permanent = matches!(e.kind, Config | Unsupported);
        JobError {
            permanent,
            ..JobError::transient(e.to_string())
        }
    }
}

impl From<crate::error::Problem> for JobError {
    fn from(e: crate::error::Problem) -> JobError {
        JobError::transient(e.line())
    }
}

impl From<crate::model::request::WrongState> for JobError {
    fn from(e: crate::model::request::WrongState) -> JobError {
        // The request moved on (someone else decided it meanwhile): nothing to retry.
        JobError::permanent(e.to_string())
    }
}

impl From<crate::store::StoreError> for JobError {
    fn from(e: crate::store::StoreError) -> JobError {
        let waiting = matches!(e, crate::store::StoreError::Busy(_));
        JobError {
            waiting,
            ..JobError::transient(e.summary())
        }
    }
}

/// Runs due jobs until there are none; returns how many ran. Slack jobs, with no handler here,
/// are finished as not deliverable.
pub async fn run_due(requests: &Requests) -> Result<usize, crate::error::Problem> {
    run_due_while(requests, &None, || true).await
}

/// [`run_due`] with the Slack handler.
pub async fn run_due_with(
    requests: &Requests,
    handlers: &Handlers,
) -> Result<usize, crate::error::Problem> {
    run_due_while(requests, handlers, || true).await
}

/// [`run_due`], looking at `go_on` before each job: a server that is stopping finishes the job
/// step it is in and claims no more.
async fn run_due_while(
    requests: &Requests,
    handlers: &Handlers,
    go_on: impl Fn() -> bool,
) -> Result<usize, crate::error::Problem> {
    let lease = requests.config().jobs.lease.as_secs() as i64 * 1000;
    let mut ran = 0;
    while go_on() {
        let Some(job) = requests
            .store()
            .claim_job(requests.clock().now().timestamp_millis(), lease)
            .await?
        else {
            break;
        };
        run_one(requests, handlers, &job).await?;
        ran += 1;
    }
    Ok(ran)
}

/// Runs jobs for as long as the server runs: at start (so an expiry that passed while Warden was
/// down is carried out now), when woken, and every tick; returns once `stop` turns true and the
/// job in hand is done.
pub async fn run_until(
    requests: Requests,
    handlers: Handlers,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let watching = stop.clone();
    let going = move || !*watching.borrow();
    while going() {
        if let Err(e) = run_due_while(&requests, &handlers, &going).await {
            tracing::warn!(error = %e.line(), "job runner: store unavailable; retrying");
        }
        tokio::select! {
            _ = requests.wake().notified() => {}
            _ = tokio::time::sleep(until_next(&requests).await) => {}
            changed = stop.changed() => if changed.is_err() {
                // Nobody can tell it to stop any more: the server is gone.
                return;
            },
        }
    }
}

/// How long to sleep: until the next job falls due (an expiry is carried out when it comes, not
/// at the next tick), at most a [`TICK`] (jobs other servers add wake nobody here).
async fn until_next(requests: &Requests) -> Duration {
    let now = requests.clock().now().timestamp_millis();
    match requests.store().next_job_due().await {
        Ok(Some(at)) => {
            Duration::from_millis((at - now).clamp(MIN_SLEEP_MS, TICK.as_millis() as i64) as u64)
        }
        _ => TICK,
    }
}

async fn run_one(
    requests: &Requests,
    handlers: &Handlers,
    job: &Job,
) -> Result<(), crate::error::Problem> {
    tracing::info!(job = %job.id, request = %job.request_id, kind = job.kind.as_str(), attempt = job.attempts, "job");
    let result = run_step(requests, handlers, job).await;
    let store = requests.store();
    let kind = job.kind.as_str();
    let metrics = requests.metrics();
    match result {
        Ok(Outcome::Done) => {
            store.finish_job(&job.id).await?;
            metrics.job_step(kind, "done");
        }
        Ok(Outcome::Later(at)) => {
            store.retry_job(&job.id, at, "").await?;
            metrics.job_step(kind, "later");
        }
        Err(e) => {
            let cfg = &requests.config().jobs;
            let out_of_attempts =
                e.permanent || (!e.waiting && job.attempts >= cfg.max_attempts as i64);
            tracing::warn!(job = %job.id, request = %job.request_id, error = %e.message, out_of_attempts, "job failed");
            if out_of_attempts && steps::give_up(requests, job, &e.message).await? {
                store.finish_job(&job.id).await?;
                metrics.job_step(kind, "failed");
            } else {
                let exp = (job.attempts.clamp(1, 20) - 1) as u32;
                let backoff = cfg
                    .backoff
                    .as_secs()
                    .saturating_mul(1 << exp)
                    .min(MAX_BACKOFF_SECS)
                    * 1000;
                let wait = e
                    .retry_after
                    .map_or(backoff, |d| d.as_millis().min(u64::MAX as u128) as u64);
                let at = requests.clock().now().timestamp_millis() + wait as i64;
                store.retry_job(&job.id, at, &e.message).await?;
                metrics.job_step(kind, "retried");
            }
        }
    }
    Ok(())
}

/// Runs the job's step in its own task, so that a panic in it (a bug) fails this one attempt,
/// logged and retried like any transient error, and never the runner or the process.
async fn run_step(
    requests: &Requests,
    handlers: &Handlers,
    job: &Job,
) -> Result<Outcome, JobError> {
    let (requests, handlers, job) = (requests.clone(), handlers.clone(), job.clone());
    let task = tokio::spawn(async move {
        match job.kind {
            JobKind::Provision => steps::provision(&requests, &job).await,
            JobKind::Expire | JobKind::Revoke => steps::unprovision(&requests, &job).await,
            JobKind::Remind => steps::remind(&requests, &job).await,
            JobKind::Slack => match &handlers {
                Some(h) => h.run(&job).await,
                None => Err(JobError::permanent(
                    "Slack is not configured on this server",
                )),
            },
        }
    });
    match task.await {
        Ok(result) => result,
        Err(e) => {
            let why = if e.is_panic() {
                let text = crate::fault::panic_message(&*e.into_panic());
                format!("the job step panicked: {text}")
            } else {
                "the job step was cancelled".to_string()
            };
            tracing::error!(error = %why, "job step failed");
            Err(JobError::transient(why))
        }
    }
}

/// For tests: the step named `step` of request `request_id`'s jobs panics while `on` holds.
/// (Scoped to one request, so that other tests running jobs in the same process are untouched.)
#[doc(hidden)]
pub fn inject_panic(step: &str, request_id: &str, on: bool) {
    crate::fault::inject(&format!("{step}:{request_id}"), on);
}

/// A panic injected at a named step, for the tests of [`run_step`]: when `WARDEN_PANIC_AT` is
/// `job:STEP` (or [`inject_panic`] named the step for this request), the step panics there.
/// Unset (always, outside those tests), it does nothing.
pub(crate) fn panic_point(step: &str, request_id: &str) {
    if crate::fault::injected(&format!("{step}:{request_id}")) {
        panic!("injected panic at {step}");
    }
    crate::fault::panic_point("job", step);
}

/// A crash injected at a named step, for the crash tests: when `WARDEN_CRASH_AT` names this
/// step the process aborts there, as `kill -9` would. Unset (always, outside those tests), it
/// does nothing.
pub(crate) fn crash_point(step: &str) {
    if std::env::var("WARDEN_CRASH_AT").is_ok_and(|s| s == step) {
        eprintln!("WARDEN_CRASH_AT={step}: aborting");
        std::process::abort();
    }
}
