//! Approval: enough reviewers (or an auto-approval rule) move a request to `approved`, possibly
//! narrowed (fewer privileges, a shorter duration) and with the identity or role to update chosen
//! among those that can receive it; anything wider is refused with 422.

use super::rules::Action;
use super::service::{Requests, check_privileges, parse_privileges};
use super::{AccessRequest, ChangeRecord, Decision, GranteeChoice};
use crate::access::{Access, Resolved};
use crate::connectors::Change;
use crate::error::{ErrorCode, Problem};
use crate::model::Duration;
use crate::model::audit::NewEvent;
use crate::model::request::{Provisioning, WrongState};
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

/// The identities and roles that can receive a request's grant on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GranteeOptions {
    pub connection: String,
    /// The requester's identities there and the roles they belong to directly.
    pub eligible: Vec<String>,
    /// What an approval naming no grantee updates: an earlier approval's choice, else the
    /// requester's only identity there; none when the reviewer must choose.
    pub default: Option<String>,
}

pub(super) fn unprocessable(path: &str, message: String) -> Problem {
    Problem::new(ErrorCode::Unprocessable, message).at(path)
}

impl Requests {
    pub async fn approve(
        &self,
        access: &Access,
        who: &Principal,
        id: &str,
        input: Approval,
    ) -> Result<AccessRequest, Problem> {
        let (mut req, version) = self.load_for(who, id, Action::Approve).await?;
        super::rules::check_first_approval(who, &req)?;
        let reviewer = who.describe();
        let mut narrowed = json!({});
        if let Some(ps) = &input.privileges {
            if ps.is_empty() {
                return Err(unprocessable(
                    "privileges",
                    "an approval keeps at least one privilege; deny the request instead".into(),
                ));
            }
            let kept = parse_privileges(ps, "privileges")?;
            check_privileges(access, &req.resources, &kept, "privileges")?;
            for (i, p) in kept.iter().enumerate() {
                if !req.privileges.contains(p) {
                    return Err(unprocessable(
                        &format!("privileges[{i}]"),
                        format!(
                            "{p} was not asked for (asked: {}); an approval cannot widen a request",
                            req.privilege_list()
                        ),
                    ));
                }
            }
            if kept != req.privileges {
                narrowed["privileges"] = json!({"asked": req.privileges, "approved": kept});
                req.privileges = kept;
            }
        }
        // A request stored before privileges were checked may name a word the platform does not
        // know: it cannot be approved as it is (deny it, or approve the known ones).
        check_privileges(access, &req.resources, &req.privileges, "privileges")?;
        if let Some(d) = input.duration.as_deref() {
            let d = Duration::parse(d).map_err(|m| Problem::invalid("duration", m))?;
            if let Some(asked) = req.duration
                && d > asked
            {
                return Err(unprocessable(
                    "duration",
                    format!(
                        "{d} is longer than the {asked} asked for; an approval cannot widen a request"
                    ),
                ));
            }
            if req.duration != Some(d) {
                narrowed["duration"] = json!({"asked": req.duration, "approved": d});
                req.duration = Some(d);
            }
        }
        let mine = self.linked_to(access, &req).await?;
        let now = self.clock.now();
        let mut events = Vec::new();
        // Every approval is for one grantee: a later approval that names none keeps the first
        // one's; naming another resets the approvals given for the first.
        let grantees = self.pick_grantees(access, &req, input.grantee.as_ref(), &mine)?;
        if !req.approvals.is_empty() && !req.grantees.is_empty() && grantees != req.grantees {
            events.push(NewEvent::new(
                &reviewer,
                "approvals_reset",
                Some(&req.id),
                json!({"reset": req.approvals, "grantees_were": req.grantees, "grantees": grantees}),
            ));
            req.approvals.clear();
        }
        let newly = super::gains::newly_gains(access, &req, &grantees);
        self.refuse_self_gain(access, who, &req, &newly).await?;
        req.grantees = grantees.clone();
        req.newly_gains = newly;
        req.approvals.push(Decision {
            reviewer: reviewer.clone(),
            at: now,
            reason: input.reason.clone(),
            rule: None,
        });
        req.updated_at = now;
        events.push(NewEvent::new(
            &reviewer,
            "approved",
            Some(&req.id),
            json!({
                "approvals": req.approvals.len(),
                "approvals_required": req.approvals_required,
                "grantees": &grantees,
                "newly_gains": &req.newly_gains,
                "narrowed": narrowed,
                "reason": input.reason,
            }),
        ));
        let mut jobs = Vec::new();
        let mut extended = None;
        if req.approvals.len() as u32 >= req.approvals_required {
            if let Some(original) = req.extends.clone() {
                let (e, j, orig) = self.apply_extension(&mut req, &original).await?;
                events.extend(e);
                jobs.extend(j);
                extended = Some(orig);
            } else {
                let (e, j) = self.approved_parts(access, &mut req, grantees)?;
                events.extend(e);
                jobs.extend(j);
            }
        }
        match &extended {
            // The extension and the request it extends, in one transaction.
            Some((orig, orig_version)) => {
                self.save_all(&[(&req, version), (orig, *orig_version)], &events, &jobs)
                    .await?
            }
            None => self.save(&req, version, &events, &jobs).await?,
        }
        Ok(req)
    }

    /// Who can receive `req`'s grant on each of its connections, for a reviewer to choose from,
    /// and the one an approval naming none would update there (none: the reviewer must choose).
    pub async fn grantee_options(
        &self,
        access: &Access,
        req: &AccessRequest,
    ) -> Result<Vec<GranteeOptions>, Problem> {
        let mine = self.linked_to(access, req).await?;
        Ok(req
            .connections()
            .into_iter()
            .map(|c| {
                let default = req
                    .grantees
                    .iter()
                    .find(|g| g.connection == c)
                    .map(|g| g.identity.clone())
                    .or_else(|| self.default_one(access, req, &c, &mine).ok());
                GranteeOptions {
                    eligible: self.eligible(access, &c, &mine),
                    connection: c,
                    default,
                }
            })
            .collect())
    }

    /// The grantees an approval of `req` naming `chosen` would update, checked as
    /// [`Requests::approve`] checks them (for a preview of who gains access).
    pub async fn choose_grantees(
        &self,
        access: &Access,
        req: &AccessRequest,
        chosen: Option<&BTreeMap<String, String>>,
    ) -> Result<Vec<GranteeChoice>, Problem> {
        let mine = self.linked_to(access, req).await?;
        self.pick_grantees(access, req, chosen, &mine)
    }

    /// Every approval is for one grantee: one that names none keeps an earlier approval's.
    fn pick_grantees(
        &self,
        access: &Access,
        req: &AccessRequest,
        chosen: Option<&BTreeMap<String, String>>,
        mine: &[Resolved],
    ) -> Result<Vec<GranteeChoice>, Problem> {
        match (chosen, req.grantees.is_empty()) {
            (None, false) => Ok(req.grantees.clone()),
            _ => self.grantees(access, req, chosen, mine),
        }
    }

    /// Approval by a rule of the config (called on a fresh request, before it is stored).
    pub(super) fn auto_approve(
        &self,
        access: &Access,
        req: &mut AccessRequest,
        rule: usize,
        mine: &[Resolved],
    ) -> Result<(Vec<NewEvent>, Vec<NewJob>), Problem> {
        let Ok(grantees) = self.default_grantees(access, req, mine) else {
            // Nobody to grant it to without a reviewer's choice: leave it open.
            return Ok((Vec::new(), Vec::new()));
        };
        let actor = format!("warden (auto_approve rule {})", rule + 1);
        req.approvals.push(Decision {
            reviewer: actor.clone(),
            at: req.updated_at,
            reason: None,
            rule: Some(rule + 1),
        });
        req.newly_gains = super::gains::newly_gains(access, req, &grantees);
        let mut events = vec![NewEvent::new(
            &actor,
            "approved",
            Some(&req.id),
            json!({"auto_approve_rule": rule + 1, "grantees": &grantees}),
        )];
        let (e, j) = self.approved_parts(access, req, grantees)?;
        events.extend(e);
        Ok((events, j))
    }

    fn approved_parts(
        &self,
        access: &Access,
        req: &mut AccessRequest,
        grantees: Vec<GranteeChoice>,
    ) -> Result<(Vec<NewEvent>, Vec<NewJob>), WrongState> {
        req.changes = changes(access, req, &grantees);
        req.grantees = grantees;
        let provisioning = if req.connections().iter().any(|c| !self.can_provision(c)) {
            Provisioning::Manual
        } else {
            Provisioning::Warden
        };
        req.approve(provisioning, req.updated_at)?;
        if req.is_manual() {
            let event = NewEvent::new(
                "warden",
                "manual_provisioning_needed",
                Some(&req.id),
                json!({"changes": &req.changes, "why": "a connection of this request has no live connector configured; an admin grants it by hand and marks it provisioned"}),
            );
            return Ok((vec![event], Vec::new()));
        }
        let job = self.job_now(&req.id, JobKind::Provision);
        Ok((Vec::new(), vec![job]))
    }

    /// Refuses (422 at `grantee.CONNECTION`) a grantee through which one of the approvers,
    /// this one or an earlier one, would gain the access they approve.
    async fn refuse_self_gain(
        &self,
        access: &Access,
        who: &Principal,
        req: &AccessRequest,
        newly: &[super::gains::Gainer],
    ) -> Result<(), Problem> {
        if newly.is_empty() {
            return Ok(());
        }
        let mut approvers: Vec<crate::people::Person> = who.person.iter().cloned().collect();
        for a in &req.approvals {
            if let Some(p) = self.store.find_person(&a.reviewer).await? {
                approvers.push(p);
            }
        }
        for p in approvers {
            let theirs =
                crate::people::links::of(&self.store, access, &p.id, &p.name, p.email.as_deref())
                    .await?;
            for h in theirs {
                let c = access.conn(h.conn);
                let name = &c.identity(h.id).name;
                if let Some(g) = newly
                    .iter()
                    .find(|g| g.connection == c.name && g.identity == *name)
                {
                    return Err(unprocessable(
                        &format!("grantee.{}", g.connection),
                        format!(
                            "granting it this way would give {} ({}:{}) the access too, and {} approves it: choose another grantee, or another reviewer",
                            p.name, g.connection, g.identity, p.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether Warden can grant on `connection` itself.
    pub fn can_provision(&self, connection: &str) -> bool {
        self.config
            .connections
            .iter()
            .any(|c| c.name == connection && c.located() && c.platform.can_provision())
    }

    /// The identity or role to update on each connection: the reviewer's choice checked against
    /// those that can receive it, or the requester's own identity.
    fn grantees(
        &self,
        access: &Access,
        req: &AccessRequest,
        chosen: Option<&BTreeMap<String, String>>,
        mine: &[Resolved],
    ) -> Result<Vec<GranteeChoice>, Problem> {
        let Some(chosen) = chosen else {
            return self.default_grantees(access, req, mine);
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
            let eligible = self.eligible(access, &c, mine);
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
                None => self.default_one(access, req, &c, mine)?,
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
        mine: &[Resolved],
    ) -> Result<Vec<GranteeChoice>, Problem> {
        req.connections()
            .into_iter()
            .map(|c| {
                let identity = self.default_one(access, req, &c, mine)?;
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
        mine: &[Resolved],
    ) -> Result<String, Problem> {
        let own = linked(access, conn, mine);
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

    /// The identities the requester of `req` is linked to (automatic and manual links).
    pub(super) async fn linked_to(
        &self,
        access: &Access,
        req: &AccessRequest,
    ) -> Result<Vec<Resolved>, Problem> {
        crate::people::links::of(
            &self.store,
            access,
            &req.requester_id,
            &req.requester,
            req.requester_email.as_deref(),
        )
        .await
    }

    /// Who can receive a grant made for the requester on `conn`: their identities and the roles
    /// those belong to directly, each once.
    fn eligible(&self, access: &Access, conn: &str, mine: &[Resolved]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for h in own(access, conn, mine) {
            let c = access.conn(h.conn);
            let names = std::iter::once(h.id)
                .chain(c.direct_roles(h.id).map(|(role, _)| role))
                .map(|i| c.identity(i).name.clone());
            for name in names {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }
}

/// The grantee as the platform's provisioner names it: on BigQuery an IAM member
/// (`group:analysts@example.com`), since an email alone does not say whether it is a user's or
/// a group's; elsewhere the identity's name.
fn as_member(access: &Access, conn: &str, identity: &str) -> String {
    let Some((_, c)) = access.graph.connection(conn) else {
        return identity.to_string();
    };
    if c.platform != crate::model::Platform::Bigquery || identity.contains(':') {
        return identity.to_string();
    }
    let prefix = match c
        .identities
        .iter()
        .find(|i| i.name == identity)
        .map(|i| i.kind)
    {
        Some(crate::model::IdentityKind::Group) => "group",
        Some(crate::model::IdentityKind::ServiceAccount) => "serviceAccount",
        _ => "user",
    };
    format!("{prefix}:{identity}")
}

/// The requester's linked identities on `conn`.
fn own(access: &Access, conn: &str, mine: &[Resolved]) -> Vec<Resolved> {
    mine.iter()
        .filter(|h| access.conn(h.conn).name == conn)
        .copied()
        .collect()
}

/// The names of the requester's linked identities on `conn`.
fn linked(access: &Access, conn: &str, mine: &[Resolved]) -> Vec<String> {
    own(access, conn, mine)
        .into_iter()
        .map(|h| access.conn(h.conn).identity(h.id).name.clone())
        .collect()
}

/// What Warden will change on each platform: every privilege on every resource, and every role,
/// for the chosen grantee of that connection.
fn changes(access: &Access, req: &AccessRequest, grantees: &[GranteeChoice]) -> Vec<ChangeRecord> {
    let grantee = |c: &str| {
        grantees
            .iter()
            .find(|g| g.connection == c)
            .map(|g| as_member(access, c, &g.identity))
            .unwrap_or_default()
    };
    let record = ChangeRecord::new;
    let mut out = Vec::new();
    for r in &req.resources {
        for p in &req.privileges {
            out.push(record(
                &r.connection,
                Change::Privilege {
                    privilege: p.as_str().to_string(),
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
