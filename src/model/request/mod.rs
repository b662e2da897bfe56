//! Access requests as data: what was asked and for whom, who drafted it, who decided, which
//! identity or role was updated, and what Warden changed on each platform (so that expiry removes
//! only that). The operations are in [`crate::requests`].

mod doc;
pub mod state;

pub use state::{Provisioning, State, WrongState};

use crate::model::change::Change;
use crate::model::people::{Person, Principal};
use crate::model::{Duration, Privilege};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a request is in its life (INTERFACE.md "Request states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for reviewers.
    Open,
    /// Approved; provisioning under way (or waiting for an admin, on a connection Warden cannot
    /// provision).
    Approved,
    /// Granted on the platform.
    Active,
    /// Expired or revoked; what Warden granted is gone.
    Closed,
    Denied,
    /// Deleted while open; kept with its history, out of default listings.
    Deleted,
    /// Provisioning kept failing; an admin retries it or denies it.
    Failed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Open,
        Status::Approved,
        Status::Active,
        Status::Closed,
        Status::Denied,
        Status::Deleted,
        Status::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Approved => "approved",
            Status::Active => "active",
            Status::Closed => "closed",
            Status::Denied => "denied",
            Status::Deleted => "deleted",
            Status::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!("{s:?} is not a request status (one of {})", all.join(", "))
            })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource asked for, resolved to its full name on one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestedResource {
    pub connection: String,
    /// The full dotted name (`analytics.sales.orders`).
    pub name: String,
    /// `table`, `schema`, `database`, …
    pub kind: String,
    /// The name's parts, as the platform sees them.
    pub path: Vec<String>,
}

/// A role asked to be granted (membership in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestedRole {
    pub connection: String,
    pub name: String,
}

/// Who wrote the request down: the person themself, an AI chat engine for them, or an agent
/// token of theirs. Requests not drafted by the person are never auto-approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DraftedBy {
    /// `person`, `ai` or `agent`.
    pub kind: DraftKind,
    /// The person on whose behalf (the requester).
    pub person: String,
    /// The chat engine (`embedded`, `llm`) when `kind` is `ai`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// The agent's name when `kind` is `agent` (or an agent's chat turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    Person,
    Ai,
    Agent,
}

impl DraftedBy {
    /// Who wrote the request down, in words: `maya`, `the AI assistant (embedded) for maya`,
    /// `agent nightly-etl for maya`.
    pub fn describe(&self) -> String {
        match self.kind {
            DraftKind::Person => self.person.clone(),
            DraftKind::Ai => format!(
                "the AI assistant ({}) for {}",
                self.engine.as_deref().unwrap_or("chat"),
                self.person
            ),
            DraftKind::Agent => format!(
                "agent {} for {}",
                self.agent.as_deref().unwrap_or("(unnamed)"),
                self.person
            ),
        }
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Decision {
    pub reviewer: String,
    #[serde(with = "crate::model::time::as_stamp")]
    #[schemars(with = "String")]
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The auto-approval rule of the config (1 for the first) when a rule decided, not a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<usize>,
}

/// The identity or role updated on one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GranteeChoice {
    pub connection: String,
    pub identity: String,
}

/// One change Warden makes on a platform for this request, and what is known of it. Written
/// before and after each step so that a crash at any point resumes without granting twice or
/// revoking what Warden did not add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChangeRecord {
    pub connection: String,
    #[schemars(with = "serde_json::Value")]
    pub change: Change,
    /// Whether it held before Warden granted it (read once, before the GRANT); such a grant is
    /// never revoked by Warden.
    pub pre_existing: Option<bool>,
    /// The GRANT ran (and was read back).
    pub granted: bool,
    /// The REVOKE ran (or nothing was Warden's to revoke).
    pub revoked: bool,
    /// The statements sent, in order.
    #[serde(default)]
    pub statements: Vec<String>,
    /// A revoke of this grant is under way: no other request may come to rely on it until the
    /// revoke is done (the store refuses such a write), so the revoke cannot strand one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub releasing: bool,
    /// When this request ended, another active request of Warden's still relied on the grant:
    /// it was left in place and its revoke became that request's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handed_over_to: Option<String>,
    /// The request that handed this grant over when it ended: the grant was there before this
    /// request (`pre_existing`), but it is Warden's, and this request revokes it when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
}

impl ChangeRecord {
    pub fn new(connection: &str, change: Change) -> ChangeRecord {
        ChangeRecord {
            connection: connection.to_string(),
            change,
            pre_existing: None,
            granted: false,
            revoked: false,
            statements: Vec::new(),
            releasing: false,
            handed_over_to: None,
            inherited_from: None,
        }
    }

    /// Whether Warden must remove it when the request ends: Warden granted it, or took it over
    /// from another request of Warden's that did.
    pub fn is_wardens(&self) -> bool {
        self.pre_existing == Some(false) || self.inherited_from.is_some()
    }

    /// Whether the request counts on the grant being there now: granted (by Warden or found
    /// held) and not yet revoked or handed over.
    pub fn relies(&self) -> bool {
        !self.revoked && (self.granted || self.pre_existing == Some(true))
    }

    /// What makes two requests' changes the same grant on the platform.
    pub fn key(&self) -> String {
        let change = serde_json::to_string(&self.change).unwrap_or_default();
        format!("{}\u{1f}{change}", self.connection)
    }
}

/// How a closed request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    Expired,
    Revoked,
    /// An extension: its time was added to the request it extends.
    Extended,
}

/// An access request. Its state changes only through its methods (below and in [`state`]),
/// each of which refuses a change its current state does not allow; every edge shows it as
/// [`doc::RequestDoc`] (the flat document of INTERFACE.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "doc::RequestDoc", try_from = "doc::RequestDoc")]
pub struct AccessRequest {
    pub id: String,
    state: State,
    /// The person the access is for (their name).
    pub requester: String,
    pub requester_id: String,
    /// Their email then, which links them to platform identities.
    pub requester_email: Option<String>,
    pub resources: Vec<RequestedResource>,
    /// Privileges on every resource.
    pub privileges: Vec<Privilege>,
    pub roles: Vec<RequestedRole>,
    pub reason: Option<String>,
    /// How long the access lasts once active; none: until revoked.
    pub duration: Option<Duration>,
    /// Set when the access becomes active.
    pub expires_at: Option<DateTime<Utc>>,
    pub activated_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub drafted_by: DraftedBy,
    /// Approvals needed (from the config's rules; 1 by default).
    pub approvals_required: u32,
    pub approvals: Vec<Decision>,
    pub denial: Option<Decision>,
    /// The identity or role updated on each connection, chosen at approval.
    pub grantees: Vec<GranteeChoice>,
    /// Who newly gains the access through the chosen grantee, as the last approval saw it.
    pub newly_gains: Vec<Gainer>,
    pub changes: Vec<ChangeRecord>,
    /// The last provisioning error (in `failed`, or while retrying).
    pub error: Option<String>,
    /// The request this one extends (its approval moves that one's expiry).
    pub extends: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl schemars::JsonSchema for AccessRequest {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AccessRequest".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        doc::RequestDoc::json_schema(g)
    }
}

impl DraftedBy {
    /// Who drafted a request `who` makes for `person`: an AI chat engine when `engine` is given,
    /// else the agent whose token it is, else the person.
    pub fn of(who: &Principal, person: &Person, engine: Option<&str>) -> DraftedBy {
        DraftedBy {
            kind: match (engine, &who.agent) {
                (Some(_), _) => DraftKind::Ai,
                (None, Some(_)) => DraftKind::Agent,
                (None, None) => DraftKind::Person,
            },
            person: person.name.clone(),
            engine: engine.map(str::to_string),
            agent: who.agent.clone(),
        }
    }
}

impl AccessRequest {
    /// A new open request of `person`'s, drafted by `drafted_by`, asking for nothing yet.
    pub fn open(id: String, person: &Person, drafted_by: DraftedBy, now: DateTime<Utc>) -> Self {
        AccessRequest {
            id,
            state: State::Open,
            requester: person.name.clone(),
            requester_id: person.id.clone(),
            requester_email: person.email.clone(),
            resources: Vec::new(),
            privileges: Vec::new(),
            roles: Vec::new(),
            reason: None,
            duration: None,
            expires_at: None,
            activated_at: None,
            closed_at: None,
            drafted_by,
            approvals_required: 1,
            approvals: Vec::new(),
            denial: None,
            grantees: Vec::new(),
            newly_gains: Vec::new(),
            changes: Vec::new(),
            error: None,
            extends: None,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn status(&self) -> Status {
        self.state.status()
    }

    /// No connector can provision it: an admin grants and removes it by hand.
    pub fn is_manual(&self) -> bool {
        self.state.is_manual()
    }

    /// A revoke asked for and still under way.
    pub fn is_revoking(&self) -> bool {
        self.state.is_revoking()
    }

    /// The reminder of the coming expiry was sent.
    pub fn was_reminded(&self) -> bool {
        self.state.was_reminded()
    }

    pub fn ending(&self) -> Option<Ending> {
        self.state.ending()
    }

    /// Approved by a rule of the config rather than by people.
    pub fn auto_approved(&self) -> bool {
        self.approvals.iter().any(|d| d.rule.is_some())
    }

    fn refuse(&self, action: &'static str) -> WrongState {
        WrongState {
            id: self.id.clone(),
            status: self.status(),
            action,
        }
    }

    /// Open → approved, provisioned by Warden or by hand.
    pub fn approve(
        &mut self,
        provisioning: Provisioning,
        now: DateTime<Utc>,
    ) -> Result<(), WrongState> {
        if self.state != State::Open {
            return Err(self.refuse("approve"));
        }
        self.state = State::Approved(provisioning);
        self.updated_at = now;
        Ok(())
    }

    /// Approved → active from `now`, until `expires_at` (none: until revoked).
    pub fn activate(
        &mut self,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), WrongState> {
        let State::Approved(provisioning) = self.state else {
            return Err(self.refuse("activate"));
        };
        self.state = State::Active {
            provisioning,
            reminded: false,
            revoking: false,
        };
        self.activated_at = Some(now);
        self.expires_at = expires_at;
        self.updated_at = now;
        self.error = None;
        Ok(())
    }

    /// Warden's provisioning of an approved request gave up with `error`.
    pub fn fail(&mut self, error: String, now: DateTime<Utc>) -> Result<(), WrongState> {
        if self.state != State::Approved(Provisioning::Warden) {
            return Err(self.refuse("fail"));
        }
        self.state = State::Failed;
        self.error = Some(error);
        self.updated_at = now;
        Ok(())
    }

    /// Failed → approved again, for another provisioning attempt.
    pub fn retry(&mut self, now: DateTime<Utc>) -> Result<(), WrongState> {
        if self.state != State::Failed {
            return Err(self.refuse("retry"));
        }
        self.state = State::Approved(Provisioning::Warden);
        self.error = None;
        self.updated_at = now;
        Ok(())
    }

    /// Open or failed → denied by `decision`; `revoking` when what Warden granted before a
    /// failure is being removed.
    pub fn deny(&mut self, decision: Decision, revoking: bool) -> Result<(), WrongState> {
        let revoking = match self.state {
            State::Open => false,
            State::Failed => revoking,
            _ => return Err(self.refuse("deny")),
        };
        self.state = State::Denied { revoking };
        self.updated_at = decision.at;
        self.denial = Some(decision);
        Ok(())
    }

    /// Open → deleted (kept with its history).
    pub fn delete(&mut self, now: DateTime<Utc>) -> Result<(), WrongState> {
        if self.state != State::Open {
            return Err(self.refuse("delete"));
        }
        self.state = State::Deleted;
        self.updated_at = now;
        Ok(())
    }

    /// Active → active with a revoke under way.
    pub fn start_revoke(&mut self, now: DateTime<Utc>) -> Result<(), WrongState> {
        let Some((_, revoking)) = self.state.live_flags() else {
            return Err(self.refuse("revoke"));
        };
        *revoking = true;
        self.updated_at = now;
        Ok(())
    }

    /// A denied request's revoke of what it held is done.
    pub fn finish_denial(&mut self, now: DateTime<Utc>) -> Result<(), WrongState> {
        if self.state != (State::Denied { revoking: true }) {
            return Err(self.refuse("finish revoking"));
        }
        self.state = State::Denied { revoking: false };
        self.updated_at = now;
        Ok(())
    }

    /// The reminder of the coming expiry was sent.
    pub fn reminded(&mut self) -> Result<(), WrongState> {
        let Some((reminded, _)) = self.state.live_flags() else {
            return Err(self.refuse("remind"));
        };
        *reminded = true;
        Ok(())
    }

    /// An approved extension moved the expiry of this active request to `until`: a new reminder
    /// is due.
    pub fn extended(&mut self, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), WrongState> {
        let Some((reminded, _)) = self.state.live_flags() else {
            return Err(self.refuse("extend"));
        };
        *reminded = false;
        self.expires_at = Some(until);
        self.updated_at = now;
        Ok(())
    }

    /// Closes the request at `now` with `ending` and returns the audit event's kind. An active
    /// request expires or is revoked; an extension being approved closes as `extended`.
    pub fn close(
        &mut self,
        ending: Ending,
        now: DateTime<Utc>,
    ) -> Result<&'static str, WrongState> {
        let provisioning = match (self.state, ending) {
            (State::Active { provisioning, .. }, _) => provisioning,
            (State::Open, Ending::Extended) => Provisioning::Warden,
            (State::Approved(p), Ending::Extended) => p,
            _ => return Err(self.refuse("close")),
        };
        self.state = State::Closed {
            provisioning,
            ending,
        };
        self.closed_at = Some(now);
        self.updated_at = now;
        Ok(match ending {
            Ending::Expired => "expired",
            Ending::Revoked => "revoked",
            Ending::Extended => "extension_applied",
        })
    }

    /// The grants this request counts on now, each once, and whether its revoke of that grant is
    /// under way; the store keeps them beside the request (`request_grants`) so that an ending
    /// request can find the others that still rely on the same grant.
    pub fn relied_grants(&self) -> Vec<(String, bool)> {
        let live = matches!(
            self.status(),
            Status::Approved | Status::Active | Status::Failed | Status::Denied
        );
        if self.is_manual() || !live {
            return Vec::new();
        }
        let mut out: Vec<(String, bool)> = Vec::new();
        for c in self.changes.iter().filter(|c| c.relies()) {
            let key = c.key();
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(seen) => seen.1 |= c.releasing,
                None => out.push((key, c.releasing)),
            }
        }
        out
    }

    /// How long the access lasts once active; `None`: until revoked.
    pub fn lasts(&self) -> Option<Duration> {
        self.duration
    }

    /// Every connection the request touches, in order, once each.
    pub fn connections(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let names = self
            .resources
            .iter()
            .map(|r| &r.connection)
            .chain(self.roles.iter().map(|r| &r.connection));
        for c in names {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }

    /// The privileges asked for, as words: `SELECT, INSERT`.
    pub fn privilege_list(&self) -> String {
        let words: Vec<&str> = self.privileges.iter().map(Privilege::as_str).collect();
        words.join(", ")
    }

    /// A one-line summary for answers and notices: `SELECT on analytics.sales.orders for 2w`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.resources.is_empty() {
            let names: Vec<&str> = self.resources.iter().map(|r| r.name.as_str()).collect();
            parts.push(format!("{} on {}", self.privilege_list(), names.join(", ")));
        }
        if !self.roles.is_empty() {
            let names: Vec<&str> = self.roles.iter().map(|r| r.name.as_str()).collect();
            parts.push(format!("role {}", names.join(", ")));
        }
        let mut s = parts.join(" and ");
        if let Some(d) = &self.duration {
            s.push_str(&format!(" for {d}"));
        }
        s
    }
}

/// An identity that would hold the access once granted, and does not now.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Gainer {
    pub connection: String,
    pub identity: String,
}
