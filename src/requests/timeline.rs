//! The request's clock: activation sets `expires_at` and schedules the expiry and the reminder.

use super::AccessRequest;
use super::service::Requests;
use crate::model::request::WrongState;
use crate::store::jobs::{JobKind, NewJob};

impl Requests {
    /// The reminder before `until`, if that is still ahead.
    pub(crate) fn remind_job(
        &self,
        req: &AccessRequest,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Option<NewJob> {
        let at =
            until - chrono::Duration::seconds(self.config.requests.remind_before.as_secs() as i64);
        (at > self.clock.now()).then(|| NewJob {
            request_id: req.id.clone(),
            kind: JobKind::Remind,
            run_at: at.timestamp_millis(),
            payload: None,
        })
    }

    /// Active from now: `expires_at` set from the duration, expiry and reminder jobs added.
    pub(crate) fn activate(&self, req: &mut AccessRequest) -> Result<Vec<NewJob>, WrongState> {
        let now = self.clock.now();
        let until = req
            .lasts()
            .map(|lasts| now + chrono::Duration::seconds(lasts.as_secs() as i64));
        req.activate(now, until)?;
        Ok(until.map(|u| self.expiry_jobs(req, u)).unwrap_or_default())
    }

    /// The expiry job at `until` and the reminder before it (if that is still ahead).
    pub(crate) fn expiry_jobs(
        &self,
        req: &AccessRequest,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Vec<NewJob> {
        let mut jobs = vec![NewJob {
            request_id: req.id.clone(),
            kind: JobKind::Expire,
            run_at: until.timestamp_millis(),
            payload: None,
        }];
        jobs.extend(self.remind_job(req, until));
        jobs
    }
}
