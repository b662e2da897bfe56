//! Extensions: more time on an active request is asked for as a new request linked to it,
//! reviewed like any other; its approval moves the original's expiry.

use super::clock::stamp;
use super::rules::Action;
use super::service::{NewRequest, Requests, requester};
use super::{AccessRequest, DraftedBy, Ending, Status};
use crate::access::Access;
use crate::error::{ErrorCode, Problem};
use crate::model::Duration;
use crate::model::audit::NewEvent;
use crate::people::Principal;
use crate::store::jobs::NewJob;
use serde_json::json;

impl Requests {
    /// Asks for more time on an active request: a new request linked to it, reviewed like any
    /// other; its approval moves the original's expiry.
    pub async fn extend(
        &self,
        access: &Access,
        who: &Principal,
        id: &str,
        duration: &str,
        reason: Option<String>,
    ) -> Result<AccessRequest, Problem> {
        // rules::check_state refuses an original without an expiry (nothing to move).
        let (original, _) = self.load_for(who, id, Action::Extend).await?;
        let duration = Duration::parse(duration).map_err(|m| Problem::invalid("duration", m))?;
        let input = NewRequest {
            resources: original
                .resources
                .iter()
                .map(|r| format!("{}:{}", r.connection, r.name))
                .collect(),
            privileges: original
                .privileges
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            roles: original
                .roles
                .iter()
                .map(|r| format!("{}:{}", r.connection, r.name))
                .collect(),
            reason,
            duration: Some(duration.to_string()),
            connection: None,
        };
        let drafted_by = DraftedBy::of(who, requester(who)?, None);
        self.create_linked(access, who, input, drafted_by, Some(&original.id))
            .await
    }

    /// An extension approved: the original's expiry moves by its duration. Returns the
    /// original as changed (with the version it was read at), to be written in the same
    /// transaction as the extension itself: both or neither.
    pub(super) async fn apply_extension(
        &self,
        ext: &mut AccessRequest,
        original_id: &str,
    ) -> Result<(Vec<NewEvent>, Vec<NewJob>, (AccessRequest, i64)), Problem> {
        let (mut orig, version) = self.load(original_id).await?;
        if orig.status() != Status::Active || orig.is_revoking() {
            return Err(Problem::new(
                ErrorCode::Conflict,
                format!(
                    "request {} that this extends is {} now: there is nothing to extend",
                    orig.id,
                    orig.status()
                ),
            )
            .at("status"));
        }
        super::rules::check_expiry(&orig)?;
        let by = ext.lasts().map(|d| d.as_secs()).unwrap_or(0);
        let from = orig.expires_at.unwrap_or_else(|| self.clock.now());
        let until = from + chrono::Duration::seconds(by as i64);
        orig.extended(until, self.clock.now())?;
        let expires_at = stamp(until);
        let mut events = vec![NewEvent::new(
            "warden",
            "extended",
            Some(&orig.id),
            json!({"by": ext.id, "expires_at": expires_at}),
        )];
        let jobs = self.expiry_jobs(&orig, until);
        let kind = ext.close(Ending::Extended, ext.updated_at)?;
        ext.expires_at = orig.expires_at;
        events.push(NewEvent::new(
            "warden",
            kind,
            Some(&ext.id),
            json!({"extends": orig.id, "expires_at": expires_at}),
        ));
        Ok((events, jobs, (orig, version)))
    }
}
