//! Decisions on a request: approve (possibly narrowed, choosing whom to update), deny, delete,
//! revoke, extend, and the admin's retry and "provisioned by hand". Each checks who and which
//! state first ([`super::rules`]), then writes the request, its events and its jobs together.

use super::clock::stamp;
use super::rules::{Action, check_actor, check_state};
use super::service::{NewRequest, Requests, requester};
use super::{
    AccessRequest, ChangeRecord, Decision, DraftKind, DraftedBy, Ending, GranteeChoice, Status,
};
use crate::access::Access;
use crate::connectors::Change;
use crate::error::{ApiError, ErrorCode};
use crate::model::Duration;
use crate::model::audit::NewEvent;
use crate::people::Principal;
use crate::store::jobs::{JobKind, NewJob};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// What a reviewer says when approving. Everything is optional; nothing may widen the request.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The identity or role to update, per connection (`{"warehouse": "analysts"}`). Absent: the
    /// requester's own identity on each connection.
    #[serde(default)]
    pub grantee: Option<BTreeMap<String, String>>,
    /// A subset of the privileges asked for.
    #[serde(default)]
    pub privileges: Option<Vec<String>>,
    /// No longer than the duration asked for.
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

fn unprocessable(path: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::Unprocessable, message).at(path)
}

impl Requests {
    pub async fn approve(
        &self,
        access: &Access,
        who: &Principal,
        id: &str,
        input: Approval,
    ) -> Result<AccessRequest, ApiError> {
        let (mut req, version) = self.load(id).await?;
        check_actor(who, &req, Action::Approve)?;
        check_state(&req, Action::Approve)?;
        let reviewer = who.describe();
        if req.approvals.iter().any(|a| a.reviewer == reviewer) {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "{reviewer} already approved {}; it needs {} approvals from different reviewers",
                    req.id, req.approvals_required
                ),
            )
            .at("status"));
        }
        let mut narrowed = json!({});
        if let Some(ps) = &input.privileges {
            if ps.is_empty() {
                return Err(unprocessable(
                    "privileges",
                    "an approval keeps at least one privilege; deny the request instead".into(),
                ));
            }
            let mut kept = Vec::new();
            for (i, p) in ps.iter().enumerate() {
                let p = crate::model::Privilege::parse(p)
                    .map_err(|m| ApiError::invalid(format!("privileges[{i}]"), m))?;
                if !req.privileges.iter().any(|q| q == p.as_str()) {
                    return Err(unprocessable(
                        &format!("privileges[{i}]"),
                        format!(
                            "{p} was not asked for (asked: {}); an approval cannot widen a request",
                            req.privileges.join(", ")
                        ),
                    ));
                }
                if !kept.contains(&p.as_str().to_string()) {
                    kept.push(p.as_str().to_string());
                }
            }
            if kept != req.privileges {
                narrowed["privileges"] = json!({"asked": req.privileges, "approved": kept});
                req.privileges = kept;
            }
        }
        if let Some(d) = input.duration.as_deref() {
            let d = Duration::parse(d).map_err(|m| ApiError::invalid("duration", m))?;
            if let Some(asked) = req
                .duration
                .as_deref()
                .and_then(|a| Duration::parse(a).ok())
                && d > asked
            {
                return Err(unprocessable(
                    "duration",
                    format!(
                        "{d} is longer than the {asked} asked for; an approval cannot widen a request"
                    ),
                ));
            }
            if req.duration.as_deref() != Some(d.to_string().as_str()) {
                narrowed["duration"] = json!({"asked": req.duration, "approved": d.to_string()});
                req.duration = Some(d.to_string());
            }
        }
        let grantees = self.grantees(access, &req, input.grantee.as_ref()).await?;
        let now = stamp(self.clock.now());
        req.approvals.push(Decision {
            reviewer: reviewer.clone(),
            at: now.clone(),
            reason: input.reason.clone(),
        });
        req.updated_at = now;
        let mut events = vec![NewEvent::new(
            &reviewer,
            "approved",
            Some(&req.id),
            json!({
                "approvals": req.approvals.len(),
                "approvals_required": req.approvals_required,
                "grantees": &grantees,
                "narrowed": narrowed,
                "reason": input.reason,
            }),
        )];
        let mut jobs = Vec::new();
        if req.approvals.len() as u32 >= req.approvals_required {
            let (e, j) = self.enter_approved(&mut req, grantees).await?;
            events.extend(e);
            jobs.extend(j);
        }
        self.save(&req, version, &events, &jobs).await?;
        Ok(req)
    }

    /// Approval by a rule of the config (called on a fresh request, before it is stored).
    pub(super) fn auto_approve(
        &self,
        access: &Access,
        req: &mut AccessRequest,
        rule: usize,
    ) -> Result<(Vec<NewEvent>, Vec<NewJob>), ApiError> {
        let Ok(grantees) = self.default_grantees(access, req) else {
            // Nobody to grant it to without a reviewer's choice: leave it open.
            return Ok((Vec::new(), Vec::new()));
        };
        let actor = format!("warden (auto_approve rule {})", rule + 1);
        req.approvals.push(Decision {
            reviewer: actor.clone(),
            at: req.updated_at.clone(),
            reason: None,
        });
        req.auto_approved = true;
        let mut events = vec![NewEvent::new(
            &actor,
            "approved",
            Some(&req.id),
            json!({"auto_approve_rule": rule + 1, "grantees": &grantees}),
        )];
        let (e, j) = self.approved_parts(req, grantees);
        events.extend(e);
        Ok((events, j))
    }

    /// Moves a request with enough approvals to `approved`, or (an extension) applies it to the
    /// request it extends.
    async fn enter_approved(
        &self,
        req: &mut AccessRequest,
        grantees: Vec<GranteeChoice>,
    ) -> Result<(Vec<NewEvent>, Vec<NewJob>), ApiError> {
        if let Some(original) = req.extends.clone() {
            return self.apply_extension(req, &original).await;
        }
        Ok(self.approved_parts(req, grantees))
    }

    fn approved_parts(
        &self,
        req: &mut AccessRequest,
        grantees: Vec<GranteeChoice>,
    ) -> (Vec<NewEvent>, Vec<NewJob>) {
        req.status = Status::Approved;
        req.changes = changes(req, &grantees);
        req.grantees = grantees;
        req.manual = req.connections().iter().any(|c| !self.can_provision(c));
        if req.manual {
            let event = NewEvent::new(
                "warden",
                "manual_provisioning_needed",
                Some(&req.id),
                json!({"changes": &req.changes, "why": "a connection of this request has no live connector configured; an admin grants it by hand and marks it provisioned"}),
            );
            return (vec![event], Vec::new());
        }
        let job = NewJob {
            request_id: req.id.clone(),
            kind: JobKind::Provision,
            run_at: self.now_ms(),
        };
        (Vec::new(), vec![job])
    }

    /// Whether Warden can grant on `connection` itself.
    pub fn can_provision(&self, connection: &str) -> bool {
        self.config.connections.iter().any(|c| {
            c.name == connection
                && c.url.is_some()
                && matches!(c.platform.as_str(), "postgres" | "redshift")
        })
    }

    /// The identity or role to update on each connection: the reviewer's choice checked against
    /// those that can receive it, or the requester's own identity.
    async fn grantees(
        &self,
        access: &Access,
        req: &AccessRequest,
        chosen: Option<&BTreeMap<String, String>>,
    ) -> Result<Vec<GranteeChoice>, ApiError> {
        let Some(chosen) = chosen else {
            return self.default_grantees(access, req);
        };
        let conns = req.connections();
        for c in chosen.keys() {
            if !conns.contains(c) {
                return Err(unprocessable(
                    &format!("grantee.{c}"),
                    format!(
                        "request {} touches no connection {c:?} (it touches {})",
                        req.id,
                        conns.join(", ")
                    ),
                ));
            }
        }
        let mut out = Vec::new();
        for c in conns {
            let eligible = self.eligible(access, req, &c);
            let pick = match chosen.get(&c) {
                Some(name) => eligible
                    .iter()
                    .find(|e| *e == name || e.eq_ignore_ascii_case(name))
                    .cloned()
                    .ok_or_else(|| {
                        unprocessable(
                            &format!("grantee.{c}"),
                            format!(
                                "{name:?} cannot receive this grant on {c}: it must be {}'s identity or a role they belong to ({})",
                                req.requester,
                                if eligible.is_empty() { "none found".to_string() } else { eligible.join(", ") }
                            ),
                        )
                    })?,
                None => self.default_one(access, req, &c)?,
            };
            out.push(GranteeChoice {
                connection: c,
                identity: pick,
            });
        }
        Ok(out)
    }

    fn default_grantees(
        &self,
        access: &Access,
        req: &AccessRequest,
    ) -> Result<Vec<GranteeChoice>, ApiError> {
        req.connections()
            .into_iter()
            .map(|c| {
                let identity = self.default_one(access, req, &c)?;
                Ok(GranteeChoice {
                    connection: c,
                    identity,
                })
            })
            .collect()
    }

    fn default_one(
        &self,
        access: &Access,
        req: &AccessRequest,
        conn: &str,
    ) -> Result<String, ApiError> {
        let own = self.linked(access, req, conn);
        match own.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(unprocessable(
                &format!("grantee.{conn}"),
                format!(
                    "{} has no identity on {conn} that Warden can link (same email or name); name the grantee",
                    req.requester
                ),
            )),
            many => Err(unprocessable(
                &format!("grantee.{conn}"),
                format!(
                    "{} has {} identities on {conn} ({}); name the grantee",
                    req.requester,
                    many.len(),
                    many.join(", ")
                ),
            )),
        }
    }

    /// The requester's linked identities on `conn`.
    fn linked(&self, access: &Access, req: &AccessRequest, conn: &str) -> Vec<String> {
        let email = req.requester_email.clone();
        access
            .linked_identities(&req.requester, email.as_deref())
            .into_iter()
            .filter(|h| access.conn(h.conn).name == conn)
            .map(|h| access.conn(h.conn).identity(h.id).name.clone())
            .collect()
    }

    /// Who can receive a grant made for the requester on `conn`: their identities and the roles
    /// those belong to directly.
    fn eligible(&self, access: &Access, req: &AccessRequest, conn: &str) -> Vec<String> {
        let email = req.requester_email.clone();
        let mut out = Vec::new();
        for h in access.linked_identities(&req.requester, email.as_deref()) {
            let c = access.conn(h.conn);
            if c.name != conn {
                continue;
            }
            out.push(c.identity(h.id).name.clone());
            for (role, _) in c.direct_roles(h.id) {
                out.push(c.identity(role).name.clone());
            }
        }
        out.dedup();
        out
    }

    pub async fn deny(
        &self,
        who: &Principal,
        id: &str,
        reason: Option<String>,
    ) -> Result<AccessRequest, ApiError> {
        let (mut req, version) = self.load(id).await?;
        check_actor(who, &req, Action::Deny)?;
        check_state(&req, Action::Deny)?;
        let now = stamp(self.clock.now());
        req.status = Status::Denied;
        req.denial = Some(Decision {
            reviewer: who.describe(),
            at: now.clone(),
            reason: reason.clone(),
        });
        req.updated_at = now;
        let events = [NewEvent::new(
            who.describe(),
            "denied",
            Some(&req.id),
            json!({"reason": reason}),
        )];
        self.save(&req, version, &events, &[]).await?;
        Ok(req)
    }

    pub async fn delete(&self, who: &Principal, id: &str) -> Result<AccessRequest, ApiError> {
        let (mut req, version) = self.load(id).await?;
        super::rules::check_read(who, &req)?;
        check_actor(who, &req, Action::Delete)?;
        check_state(&req, Action::Delete)?;
        req.status = Status::Deleted;
        req.updated_at = stamp(self.clock.now());
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
    ) -> Result<AccessRequest, ApiError> {
        let (mut req, version) = self.load(id).await?;
        check_actor(who, &req, Action::Revoke)?;
        check_state(&req, Action::Revoke)?;
        req.revoking = true;
        req.updated_at = stamp(self.clock.now());
        let events = [NewEvent::new(
            who.describe(),
            "revoke_requested",
            Some(&req.id),
            json!({"reason": reason}),
        )];
        let jobs = if req.manual {
            Vec::new()
        } else {
            vec![NewJob {
                request_id: req.id.clone(),
                kind: JobKind::Revoke,
                run_at: self.now_ms(),
            }]
        };
        self.save(&req, version, &events, &jobs).await?;
        if req.manual {
            // Nothing to revoke on the platform from here: an admin removes it by hand.
            return self
                .close(
                    &req.id,
                    Ending::Revoked,
                    &who.describe(),
                    json!({"manual": true}),
                )
                .await;
        }
        Ok(req)
    }

    /// Asks for more time on an active request: a new request linked to it, reviewed like any
    /// other; its approval moves the original's expiry.
    pub async fn extend(
        &self,
        access: &Access,
        who: &Principal,
        id: &str,
        duration: &str,
        reason: Option<String>,
    ) -> Result<AccessRequest, ApiError> {
        let (original, _) = self.load(id).await?;
        super::rules::check_read(who, &original)?;
        check_actor(who, &original, Action::Extend)?;
        check_state(&original, Action::Extend)?;
        let duration = Duration::parse(duration).map_err(|m| ApiError::invalid("duration", m))?;
        let input = NewRequest {
            resources: original
                .resources
                .iter()
                .map(|r| format!("{}:{}", r.connection, r.name))
                .collect(),
            privileges: original.privileges.clone(),
            roles: original
                .roles
                .iter()
                .map(|r| format!("{}:{}", r.connection, r.name))
                .collect(),
            reason,
            duration: Some(duration.to_string()),
            connection: None,
        };
        let person = requester(who)?;
        let drafted_by = DraftedBy {
            kind: if who.agent.is_some() {
                DraftKind::Agent
            } else {
                DraftKind::Person
            },
            person: person.name.clone(),
            engine: None,
            agent: who.agent.clone(),
        };
        self.create_linked(access, who, input, drafted_by, Some(&original.id))
            .await
    }

    /// An extension approved: the original's expiry moves by its duration.
    async fn apply_extension(
        &self,
        ext: &mut AccessRequest,
        original_id: &str,
    ) -> Result<(Vec<NewEvent>, Vec<NewJob>), ApiError> {
        let (mut orig, version) = self.load(original_id).await?;
        if orig.status != Status::Active || orig.revoking {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "request {} that this extends is {} now: there is nothing to extend",
                    orig.id, orig.status
                ),
            )
            .at("status"));
        }
        let by = ext
            .duration
            .as_deref()
            .and_then(|d| Duration::parse(d).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let from = orig
            .expires_at
            .as_deref()
            .and_then(super::clock::parse_stamp)
            .unwrap_or_else(|| self.clock.now());
        let until = from + chrono::Duration::seconds(by as i64);
        orig.expires_at = Some(stamp(until));
        orig.reminded = false;
        orig.updated_at = stamp(self.clock.now());
        let event = NewEvent::new(
            "warden",
            "extended",
            Some(&orig.id),
            json!({"by": ext.id, "expires_at": orig.expires_at}),
        );
        let mut jobs = vec![NewJob {
            request_id: orig.id.clone(),
            kind: JobKind::Expire,
            run_at: until.timestamp_millis(),
        }];
        jobs.extend(self.remind_job(&orig, until));
        self.save(&orig, version, &[event], &jobs).await?;
        ext.status = Status::Closed;
        ext.ending = Some(Ending::Extended);
        ext.closed_at = Some(ext.updated_at.clone());
        ext.expires_at = orig.expires_at.clone();
        let event = NewEvent::new(
            "warden",
            "extension_applied",
            Some(&ext.id),
            json!({"extends": orig.id, "expires_at": orig.expires_at}),
        );
        Ok((vec![event], Vec::new()))
    }

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

    /// An admin runs a failed request's provisioning again.
    pub async fn retry(&self, who: &Principal, id: &str) -> Result<AccessRequest, ApiError> {
        let (mut req, version) = self.load(id).await?;
        check_actor(who, &req, Action::Retry)?;
        check_state(&req, Action::Retry)?;
        req.status = Status::Approved;
        req.error = None;
        req.updated_at = stamp(self.clock.now());
        let events = [NewEvent::new(
            who.describe(),
            "retried",
            Some(&req.id),
            json!({}),
        )];
        let jobs = [NewJob {
            request_id: req.id.clone(),
            kind: JobKind::Provision,
            run_at: self.now_ms(),
        }];
        self.save(&req, version, &events, &jobs).await?;
        Ok(req)
    }

    /// An admin says an approved request on a connection Warden cannot provision was granted by
    /// hand: it becomes active and its expiry clock starts.
    pub async fn mark_provisioned(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<AccessRequest, ApiError> {
        let (mut req, version) = self.load(id).await?;
        check_actor(who, &req, Action::MarkProvisioned)?;
        check_state(&req, Action::MarkProvisioned)?;
        for c in &mut req.changes {
            c.granted = true;
        }
        let jobs = self.activate(&mut req);
        let events = [NewEvent::new(
            who.describe(),
            "provisioned",
            Some(&req.id),
            json!({"manual": true, "expires_at": req.expires_at}),
        )];
        self.save(&req, version, &events, &jobs).await?;
        Ok(req)
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

/// What Warden will change on each platform: every privilege on every resource, and every role,
/// for the chosen grantee of that connection.
fn changes(req: &AccessRequest, grantees: &[GranteeChoice]) -> Vec<ChangeRecord> {
    let grantee = |c: &str| {
        grantees
            .iter()
            .find(|g| g.connection == c)
            .map(|g| g.identity.clone())
            .unwrap_or_default()
    };
    let record = |connection: &str, change: Change| ChangeRecord {
        connection: connection.to_string(),
        change,
        pre_existing: None,
        granted: false,
        revoked: false,
        statements: Vec::new(),
    };
    let mut out = Vec::new();
    for r in &req.resources {
        for p in &req.privileges {
            out.push(record(
                &r.connection,
                Change::Privilege {
                    privilege: p.clone(),
                    resource: r.path.clone(),
                    grantee: grantee(&r.connection),
                },
            ));
        }
    }
    for role in &req.roles {
        out.push(record(
            &role.connection,
            Change::Membership {
                role: role.name.clone(),
                member: grantee(&role.connection),
            },
        ));
    }
    out
}
