//! The flat document form of a request: what the edges show, what tools return and what the
//! store keeps, with the state spelled out as `status` and flags. Read back, the flags must make a
//! state a request can be in, or the document is refused.

use super::{
    AccessRequest, ChangeRecord, Decision, DraftedBy, Ending, Gainer, GranteeChoice,
    RequestedResource, RequestedRole, State, Status,
};
use crate::model::{Duration, Privilege};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An access request as every edge shows it and the store keeps it (INTERFACE.md).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RequestDoc {
    pub id: String,
    pub status: Status,
    /// The person the access is for (their name).
    pub requester: String,
    #[serde(skip)]
    pub requester_id: String,
    /// Their email then, which links them to platform identities.
    #[serde(default)]
    pub requester_email: Option<String>,
    pub resources: Vec<RequestedResource>,
    /// Privileges on every resource (upper case).
    pub privileges: Vec<Privilege>,
    pub roles: Vec<RequestedRole>,
    pub reason: Option<String>,
    /// How long the access lasts once active (`8h`, `2w`); none: until revoked.
    pub duration: Option<Duration>,
    /// Set when the access becomes active.
    #[serde(default, with = "crate::model::time::as_opt_stamp")]
    #[schemars(with = "Option<String>")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::model::time::as_opt_stamp")]
    #[schemars(with = "Option<String>")]
    pub activated_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::model::time::as_opt_stamp")]
    #[schemars(with = "Option<String>")]
    pub closed_at: Option<DateTime<Utc>>,
    pub ending: Option<Ending>,
    pub drafted_by: DraftedBy,
    /// Approvals needed (from the config's rules; 1 by default).
    pub approvals_required: u32,
    pub approvals: Vec<Decision>,
    pub denial: Option<Decision>,
    /// The identity or role updated on each connection, chosen at approval (at the first one,
    /// where several are needed: every approval is for the same grantee).
    pub grantees: Vec<GranteeChoice>,
    /// Who newly gains the access through the chosen grantee (members of a role included), as
    /// the last approval saw it.
    #[serde(default)]
    pub newly_gains: Vec<Gainer>,
    pub changes: Vec<ChangeRecord>,
    /// True when no connector can provision it: an admin grants it by hand and says so.
    pub manual: bool,
    /// Approved by a rule in the config rather than a person.
    pub auto_approved: bool,
    /// The last provisioning error (in `failed`, or while retrying).
    pub error: Option<String>,
    /// The request this one extends (its approval moves that one's expiry).
    pub extends: Option<String>,
    /// A revoke asked for and still under way.
    pub revoking: bool,
    /// A reminder of the coming expiry was sent.
    pub reminded: bool,
    #[serde(with = "crate::model::time::as_stamp")]
    #[schemars(with = "String")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::model::time::as_stamp")]
    #[schemars(with = "String")]
    pub updated_at: DateTime<Utc>,
}

impl From<AccessRequest> for RequestDoc {
    fn from(r: AccessRequest) -> RequestDoc {
        let state = r.state();
        let auto_approved = r.auto_approved();
        RequestDoc {
            id: r.id,
            status: state.status(),
            requester: r.requester,
            requester_id: r.requester_id,
            requester_email: r.requester_email,
            resources: r.resources,
            privileges: r.privileges,
            roles: r.roles,
            reason: r.reason,
            duration: r.duration,
            expires_at: r.expires_at,
            activated_at: r.activated_at,
            closed_at: r.closed_at,
            ending: state.ending(),
            drafted_by: r.drafted_by,
            approvals_required: r.approvals_required,
            approvals: r.approvals,
            denial: r.denial,
            grantees: r.grantees,
            newly_gains: r.newly_gains,
            changes: r.changes,
            manual: state.is_manual(),
            auto_approved,
            error: r.error,
            extends: r.extends,
            revoking: state.is_revoking(),
            reminded: state.was_reminded(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl TryFrom<RequestDoc> for AccessRequest {
    type Error = String;

    fn try_from(d: RequestDoc) -> Result<AccessRequest, String> {
        let state = State::from_parts(d.status, d.manual, d.revoking, d.reminded, d.ending)
            .ok_or_else(|| {
                format!(
                    "request {}: status {} with manual={}, revoking={}, reminded={}, ending={:?} is no state a request can be in",
                    d.id, d.status, d.manual, d.revoking, d.reminded, d.ending
                )
            })?;
        let mut approvals = d.approvals;
        // Documents written before decisions named their rule say so only in the flag.
        if d.auto_approved && !approvals.iter().any(|a| a.rule.is_some()) {
            if let Some(first) = approvals.first_mut() {
                first.rule = Some(rule_named(&first.reviewer).unwrap_or(1));
            }
        }
        Ok(AccessRequest {
            id: d.id,
            state,
            requester: d.requester,
            requester_id: d.requester_id,
            requester_email: d.requester_email,
            resources: d.resources,
            privileges: d.privileges,
            roles: d.roles,
            reason: d.reason,
            duration: d.duration,
            expires_at: d.expires_at,
            activated_at: d.activated_at,
            closed_at: d.closed_at,
            drafted_by: d.drafted_by,
            approvals_required: d.approvals_required,
            approvals,
            denial: d.denial,
            grantees: d.grantees,
            newly_gains: d.newly_gains,
            changes: d.changes,
            error: d.error,
            extends: d.extends,
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
    }
}

/// The rule number in an automatic approver's name (`warden (auto_approve rule 2)`).
fn rule_named(reviewer: &str) -> Option<usize> {
    reviewer
        .strip_prefix("warden (auto_approve rule ")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(status: &str, flags: serde_json::Value) -> serde_json::Value {
        let mut doc = serde_json::json!({
            "id": "req_1", "status": status, "requester": "alice",
            "resources": [], "privileges": ["select"], "roles": [], "duration": "14d",
            "drafted_by": {"kind": "person", "person": "alice"},
            "approvals_required": 1, "grantees": [], "changes": [],
            "approvals": [{"reviewer": "warden (auto_approve rule 2)", "at": "2026-01-01T00:00:00Z"}],
            "manual": false, "auto_approved": false, "revoking": false, "reminded": false,
            "expires_at": "2026-01-15T00:00:00Z",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        });
        for (k, v) in flags.as_object().unwrap() {
            doc[k] = v.clone();
        }
        doc
    }

    #[test]
    fn a_document_written_before_typed_requests_reads_back_the_same() {
        let doc = stored(
            "active",
            serde_json::json!({"auto_approved": true, "reminded": true}),
        );
        let req: AccessRequest = serde_json::from_value(doc).unwrap();
        assert_eq!(req.status(), Status::Active);
        assert!(req.auto_approved() && req.was_reminded() && !req.is_revoking());
        assert_eq!(req.approvals[0].rule, Some(2));
        assert_eq!(req.privileges[0].as_str(), "SELECT");
        assert_eq!(req.duration.map(|d| d.as_secs()), Some(14 * 86_400));
        let back = serde_json::to_value(&req).unwrap();
        assert_eq!(back["status"], "active");
        assert_eq!(back["auto_approved"], true);
        assert_eq!(back["reminded"], true);
        assert_eq!(back["duration"], "2w");
        assert_eq!(back["expires_at"], "2026-01-15T00:00:00.000000Z");
        assert_eq!(back["closed_at"], serde_json::Value::Null);
    }

    #[test]
    fn a_document_whose_flags_make_no_state_is_refused_naming_them() {
        let doc = stored("open", serde_json::json!({"revoking": true}));
        let e = serde_json::from_value::<AccessRequest>(doc).unwrap_err();
        assert!(e.to_string().contains("revoking=true"), "{e}");
        let doc = stored("active", serde_json::json!({"expires_at": "next week"}));
        let e = serde_json::from_value::<AccessRequest>(doc).unwrap_err();
        assert!(e.to_string().contains("next week"), "{e}");
    }
}
