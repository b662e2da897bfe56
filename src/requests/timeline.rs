//! The request's clock: activation sets `expires_at` and schedules the expiry and the reminder;
//! closing records how it ended.

use super::clock::stamp;
use super::service::Requests;
use super::{AccessRequest, Ending, Status};
use crate::error::ApiError;
use crate::model::Duration;
use crate::model::audit::NewEvent;
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
        })
    }

    /// Active from now: `expires_at` set from the duration, expiry and reminder jobs added.
    pub(crate) fn activate(&self, req: &mut AccessRequest) -> Vec<NewJob> {
        let now = self.clock.now();
        req.status = Status::Active;
        req.activated_at = Some(stamp(now));
        req.updated_at = stamp(now);
        req.error = None;
        let Some(secs) = req
            .duration
            .as_deref()
            .and_then(|d| Duration::parse(d).ok())
            .map(|d| d.as_secs())
        else {
            return Vec::new();
        };
        let until = now + chrono::Duration::seconds(secs as i64);
        req.expires_at = Some(stamp(until));
        let mut jobs = vec![NewJob {
            request_id: req.id.clone(),
            kind: JobKind::Expire,
            run_at: until.timestamp_millis(),
        }];
        jobs.extend(self.remind_job(req, until));
        jobs
    }

    /// Closes a request whose platform changes are undone (or were never Warden's to undo).
    pub(crate) async fn close(
        &self,
        id: &str,
        ending: Ending,
        actor: &str,
        data: serde_json::Value,
    ) -> Result<AccessRequest, ApiError> {
        let (mut req, version) = self.load(id).await?;
        let now = stamp(self.clock.now());
        req.status = Status::Closed;
        req.ending = Some(ending);
        req.revoking = false;
        req.closed_at = Some(now.clone());
        req.updated_at = now;
        let kind = match ending {
            Ending::Expired => "expired",
            Ending::Revoked => "revoked",
            Ending::Extended => "extension_applied",
        };
        let events = [NewEvent::new(actor, kind, Some(&req.id), data)];
        self.save(&req, version, &events, &[]).await?;
        Ok(req)
    }
}
