//! Changing a request before anyone decided it: its requester may change how long, why, or
//! (within what it asks on) which privileges, while it is open and no reviewer has approved it —
//! a change after an approval would change what the reviewer approved. Recorded in its history.

use super::rules::check_read;
use super::service::{
    MAX_NAME, MAX_REASON, Requests, check_len, check_privileges, clean_reason, parse_duration,
    parse_privileges,
};
use super::{AccessRequest, Status};
use crate::access::Access;
use crate::error::{ErrorCode, Problem};
use crate::model::audit::NewEvent;
use crate::people::Principal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What to change; what is left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestChange {
    /// How long the access lasts once granted (`2w`, `48h`); `""` for until revoked.
    #[serde(default)]
    pub duration: Option<String>,
    /// Why it is needed; `""` for no reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// The privileges wanted on the request's resources, replacing those asked for.
    #[serde(default)]
    pub privileges: Option<Vec<String>>,
}

impl Requests {
    pub async fn change(
        &self,
        access: &Access,
        who: &Principal,
        id: &str,
        change: RequestChange,
    ) -> Result<AccessRequest, Problem> {
        if change.duration.is_none() && change.reason.is_none() && change.privileges.is_none() {
            return Err(Problem::new(
                ErrorCode::InvalidArgument,
                "nothing to change: give duration, reason or privileges",
            ));
        }
        if let Some(d) = &change.duration {
            check_len("duration", d, MAX_NAME)?;
        }
        if let Some(r) = &change.reason {
            check_len("reason", r.trim(), MAX_REASON)?;
        }
        let (mut req, version) = self.load(id).await?;
        check_read(who, &req)?;
        if who.person.as_ref().is_none_or(|p| p.id != req.requester_id) {
            return Err(Problem::new(
                ErrorCode::Forbidden,
                format!("only {} can change {}", req.requester, req.id),
            ));
        }
        if req.status() != Status::Open {
            return Err(Problem::new(
                ErrorCode::Conflict,
                format!(
                    "{} is {}: only an open request can be changed",
                    req.id,
                    req.status()
                ),
            )
            .at("status"));
        }
        if let Some(first) = req.approvals.first() {
            return Err(Problem::new(
                ErrorCode::Conflict,
                format!(
                    "{} approved {} already; a change now would change what they approved: delete it and ask again",
                    first.reviewer, req.id
                ),
            )
            .at("status"));
        }
        let before = json!({"duration": req.duration.map(|d| d.to_string()), "reason": req.reason, "privileges": req.privilege_list()});
        if let Some(d) = &change.duration {
            req.duration = parse_duration(Some(d))?;
        }
        if let Some(r) = change.reason {
            req.reason = clean_reason(Some(r))?;
        }
        if let Some(words) = &change.privileges {
            let privileges = parse_privileges(words, "privileges")?;
            if !req.resources.is_empty() && privileges.is_empty() {
                return Err(Problem::invalid(
                    "privileges",
                    "say which privileges are wanted on the resources (e.g. SELECT)",
                ));
            }
            check_privileges(access, &req.resources, &privileges, "privileges")?;
            req.privileges = privileges;
        }
        req.updated_at = self.clock().now();
        let after = json!({"duration": req.duration.map(|d| d.to_string()), "reason": req.reason, "privileges": req.privilege_list()});
        let events = [NewEvent::new(
            who.describe(),
            "changed",
            Some(&req.id),
            json!({"before": before, "after": after}),
        )];
        self.save(&req, version, &events, &[]).await?;
        Ok(req)
    }
}
