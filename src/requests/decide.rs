//! The other decisions on a request: deny, delete, revoke, and the admin's retry and
//! "provisioned by hand". Each checks who and which state first ([`super::rules`]), then writes
//! the request, its events and its jobs together.

use super::clock::stamp;
use super::rules::Action;
use super::service::Requests;
use super::{AccessRequest, Decision, Ending};
use crate::error::Problem;
use crate::model::audit::NewEvent;
use crate::people::Principal;
use crate::store::jobs::JobKind;
use serde_json::json;

impl Requests {
    pub async fn deny(
        &self,
        who: &Principal,
        id: &str,
        reason: Option<String>,
    ) -> Result<AccessRequest, Problem> {
        let (mut req, version) = self.load_for(who, id, Action::Deny).await?;
        // A failed request may hold some of its grants (those done before the failure): a
        // revoke job removes what Warden granted, as for any other ending.
        let revoking = !req.is_manual() && req.changes.iter().any(|c| c.relies());
        req.deny(
            Decision {
                reviewer: who.describe(),
                at: self.clock.now(),
                reason: reason.clone(),
                rule: None,
            },
            revoking,
        )?;
        let events = [NewEvent::new(
            who.describe(),
            "denied",
            Some(&req.id),
            json!({"reason": reason}),
        )];
        let mut jobs = Vec::new();
        if req.is_revoking() {
            jobs.push(self.job_now(&req.id, JobKind::Revoke));
        }
        self.save(&req, version, &events, &jobs).await?;
        Ok(req)
    }

    pub async fn delete(&self, who: &Principal, id: &str) -> Result<AccessRequest, Problem> {
        let (mut req, version) = self.load_for(who, id, Action::Delete).await?;
        req.delete(self.clock.now())?;
        let events = [NewEvent::new(
            who.describe(),
            "deleted",
            Some(&req.id),
            json!({}),
        )];
        self.save(&req, version, &events, &[]).await?;
        Ok(req)
    }

    /// Revokes an active request now: a job removes what Warden added, then closes it.
    pub async fn revoke(
        &self,
        who: &Principal,
        id: &str,
        reason: Option<String>,
    ) -> Result<AccessRequest, Problem> {
        let (mut req, version) = self.load_for(who, id, Action::Revoke).await?;
        let now = self.clock.now();
        req.start_revoke(now)?;
        let mut events = vec![NewEvent::new(
            who.describe(),
            "revoke_requested",
            Some(&req.id),
            json!({"reason": reason}),
        )];
        let mut jobs = Vec::new();
        if req.is_manual() {
            // Nothing to revoke on the platform from here: an admin removes it by hand.
            let kind = req.close(Ending::Revoked, now)?;
            events.push(NewEvent::new(
                who.describe(),
                kind,
                Some(&req.id),
                json!({"manual": true}),
            ));
        } else {
            jobs.push(self.job_now(&req.id, JobKind::Revoke));
        }
        self.save(&req, version, &events, &jobs).await?;
        Ok(req)
    }

    /// An admin runs a failed request's provisioning again.
    pub async fn retry(&self, who: &Principal, id: &str) -> Result<AccessRequest, Problem> {
        let (mut req, version) = self.load_for(who, id, Action::Retry).await?;
        req.retry(self.clock.now())?;
        let events = [NewEvent::new(
            who.describe(),
            "retried",
            Some(&req.id),
            json!({}),
        )];
        let jobs = [self.job_now(&req.id, JobKind::Provision)];
        self.save(&req, version, &events, &jobs).await?;
        Ok(req)
    }

    /// An admin says an approved request on a connection Warden cannot provision was granted by
    /// hand: it becomes active and its expiry clock starts.
    pub async fn mark_provisioned(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<AccessRequest, Problem> {
        let (mut req, version) = self.load_for(who, id, Action::MarkProvisioned).await?;
        for c in &mut req.changes {
            c.granted = true;
        }
        let jobs = self.activate(&mut req)?;
        let events = [NewEvent::new(
            who.describe(),
            "provisioned",
            Some(&req.id),
            json!({"manual": true, "expires_at": req.expires_at.map(stamp)}),
        )];
        self.save(&req, version, &events, &jobs).await?;
        Ok(req)
    }
}
