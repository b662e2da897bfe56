//! The request operations every edge calls (REST, tools, chat, CLI): creating, reading and
//! listing here, decisions in [`super::decide`]. Each checks [`super::rules`] first and writes
//! the request, its audit events and its jobs in one store transaction.

use super::clock::Clock;
use super::{AccessRequest, DraftKind, DraftedBy, RequestedResource, RequestedRole, Status};
use crate::access::Access;
use crate::config::Config;
use crate::error::{ErrorCode, Problem};
use crate::index::Target;
use crate::metrics::Metrics;
use crate::model::audit::{AuditEvent, AuditFilter, NewEvent};
use crate::model::{Duration, Privilege};
use crate::people::{Person, Principal, new_id};
use crate::store::Store;
use crate::store::jobs::NewJob;
use crate::store::requests::{RequestFilter, ResourceMatch};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

/// The longest reason kept (a reason is for a reviewer to read, not a document), in characters.
pub const MAX_REASON: usize = 2000;
/// The most resources one request may name.
pub const MAX_RESOURCES: usize = 50;
/// The most privileges one request may name.
pub const MAX_PRIVILEGES: usize = 20;
/// The most roles one request may name.
pub const MAX_ROLES: usize = 20;
/// The longest name (resource, role, privilege, connection, duration), in characters.
pub const MAX_NAME: usize = 512;

/// What a request asks for, as a person or a tool writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// Tables, schemas or databases, as names to resolve (`sales.orders`, `warehouse:sales.orders`).
    #[serde(default)]
    pub resources: Vec<String>,
    /// Privileges wanted on every resource (`SELECT`, `INSERT`…).
    #[serde(default)]
    pub privileges: Vec<String>,
    /// Roles or groups to be made a member of.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Why; shown to reviewers.
    #[serde(default)]
    pub reason: Option<String>,
    /// How long the access should last once granted: `8h`, `7d`, `2w`. Absent: until revoked.
    #[serde(default)]
    pub duration: Option<String>,
    /// Resolve names in this connection only.
    #[serde(default)]
    pub connection: Option<String>,
}

/// A request with its history, as `get` answers.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequestWithHistory {
    #[serde(flatten)]
    pub request: AccessRequest,
    pub history: Vec<AuditEvent>,
}

/// The request workflow over one store.
#[derive(Clone)]
pub struct Requests {
    pub(super) store: Store,
    pub(super) config: Arc<Config>,
    pub(super) clock: Arc<dyn Clock>,
    /// Woken when a job is added, so that the runner starts it without waiting for its tick.
    pub(super) wake: Arc<tokio::sync::Notify>,
    /// What the tools and the job runner count (the app's, shared).
    metrics: Metrics,
}

impl Requests {
    pub fn new(
        store: Store,
        config: Arc<Config>,
        clock: Arc<dyn Clock>,
        metrics: Metrics,
    ) -> Requests {
        Requests {
            store,
            config,
            clock,
            wake: Arc::default(),
            metrics,
        }
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn wake(&self) -> &Arc<tokio::sync::Notify> {
        &self.wake
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(super) fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Creates a request for the person `who` stands for. `engine` is set when an AI chat engine
    /// drafted it. Bad input is an error naming its field; nothing is written then.
    pub async fn create(
        &self,
        access: &Access,
        who: &Principal,
        input: NewRequest,
        engine: Option<&str>,
    ) -> Result<AccessRequest, Problem> {
        let person = requester(who)?;
        let drafted_by = DraftedBy::of(who, person, engine);
        self.create_linked(access, who, input, drafted_by, None)
            .await
    }

    /// Creates a request drafted as `drafted_by`, extending `extends` if given.
    pub(super) async fn create_linked(
        &self,
        access: &Access,
        who: &Principal,
        input: NewRequest,
        drafted_by: DraftedBy,
        extends: Option<&str>,
    ) -> Result<AccessRequest, Problem> {
        let person = requester(who)?;
        let now = self.clock.now();
        let mut req = self.draft(access, person, input, drafted_by, now)?;
        req.extends = extends.map(str::to_string);
        let mut events = vec![NewEvent::new(
            who.describe(),
            if extends.is_some() {
                "extension_requested"
            } else {
                "created"
            },
            Some(&req.id),
            json!({"request": &req}),
        )];
        if req.drafted_by.kind != DraftKind::Person {
            events.push(NewEvent::new(
                who.describe(),
                "drafted_by_ai",
                Some(&req.id),
                json!({"drafted_by": &req.drafted_by}),
            ));
        }
        let mine = self.linked_to(access, &req).await?;
        check_identities(access, &req, &mine)?;
        let mut jobs = Vec::new();
        if extends.is_none()
            && let Some(rule) = self.auto_rule(&req)
        {
            let (more_events, more_jobs) = self.auto_approve(access, &mut req, rule, &mine)?;
            events.extend(more_events);
            jobs.extend(more_jobs);
        }
        self.store.insert_request(&req, &events, &jobs).await?;
        if !jobs.is_empty() {
            self.wake.notify_one();
        }
        tracing::info!(id = %req.id, requester = %req.requester, status = %req.status(), "request created");
        Ok(req)
    }

    /// Builds (and validates) a request without storing it.
    fn draft(
        &self,
        access: &Access,
        person: &Person,
        input: NewRequest,
        drafted_by: DraftedBy,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<AccessRequest, Problem> {
        if input.resources.is_empty() && input.roles.is_empty() {
            return Err(Problem::invalid(
                "resources",
                "a request names at least one resource or role",
            ));
        }
        check_sizes(&input)?;
        let conn = access.connection_arg(input.connection.as_deref(), "connection")?;
        let mut resources: Vec<RequestedResource> = Vec::new();
        for (i, text) in input.resources.iter().enumerate() {
            let path = format!("resources[{i}]");
            let hit = access.resolve(Target::Resource, text, conn, &path)?;
            let c = access.conn(hit.conn);
            let r = c.resource(hit.id);
            let res = RequestedResource {
                connection: c.name.clone(),
                name: r.name.clone(),
                kind: r.kind.to_string(),
                path: r.path.clone(),
            };
            if !resources.contains(&res) {
                resources.push(res);
            }
        }
        let privileges = parse_privileges(&input.privileges, "privileges")?;
        check_privileges(access, &resources, &privileges, "privileges")?;
        if !resources.is_empty() && privileges.is_empty() {
            return Err(Problem::invalid(
                "privileges",
                "say which privileges are wanted on the resources (e.g. SELECT)",
            ));
        }
        if resources.is_empty() && !privileges.is_empty() {
            return Err(Problem::invalid(
                "resources",
                "privileges were given but no resource to hold them on",
            ));
        }
        let mut roles: Vec<RequestedRole> = Vec::new();
        for (i, text) in input.roles.iter().enumerate() {
            let path = format!("roles[{i}]");
            let hit = access.resolve(Target::Identity, text, conn, &path)?;
            let c = access.conn(hit.conn);
            let id = c.identity(hit.id);
            if !matches!(
                id.kind,
                crate::model::IdentityKind::Role
                    | crate::model::IdentityKind::Group
                    | crate::model::IdentityKind::DatabaseRole
            ) {
                return Err(Problem::invalid(
                    path,
                    format!(
                        "{} is a {} on {}, not a role or group one can be granted",
                        id.name, id.kind, c.name
                    ),
                ));
            }
            let role = RequestedRole {
                connection: c.name.clone(),
                name: id.name.clone(),
            };
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        let duration = parse_duration(input.duration.as_deref())?;
        let reason = clean_reason(input.reason)?;
        let mut req = AccessRequest::open(new_id("req"), person, drafted_by, now);
        req.resources = resources;
        req.privileges = privileges;
        req.roles = roles;
        req.reason = reason;
        req.duration = duration;
        req.approvals_required = self.approvals_required(&req);
        Ok(req)
    }

    /// The most approvals any matching rule asks for, at least one.
    fn approvals_required(&self, req: &AccessRequest) -> u32 {
        let names = req
            .resources
            .iter()
            .map(|r| (&r.connection, &r.name))
            .chain(req.roles.iter().map(|r| (&r.connection, &r.name)));
        let mut n = 1;
        for (conn, name) in names {
            for rule in &self.config.approval_rules {
                if rule.connection.as_ref().is_none_or(|c| c == conn)
                    && crate::policy::matches(&rule.resources, name)
                {
                    n = n.max(rule.approvals);
                }
            }
        }
        n
    }

    /// The auto-approval rule that covers `req`, if any. Never for a request drafted by an AI or
    /// an agent, nor for roles, nor without a duration.
    fn auto_rule(&self, req: &AccessRequest) -> Option<usize> {
        if req.drafted_by.kind != DraftKind::Person
            || !req.roles.is_empty()
            || req.approvals_required > 1
        {
            return None;
        }
        let duration = req.lasts()?;
        self.config.auto_approve.iter().position(|rule| {
            duration <= rule.max_duration
                && req.privileges.iter().all(|p| {
                    rule.privileges
                        .iter()
                        .any(|q| q.eq_ignore_ascii_case(p.as_str()))
                })
                && req.resources.iter().all(|r| {
                    rule.connection.as_ref().is_none_or(|c| *c == r.connection)
                        && crate::policy::matches(&rule.resources, &r.name)
                })
        })
    }

    /// A request as `who` may see it, with its history.
    pub async fn get(&self, who: &Principal, id: &str) -> Result<RequestWithHistory, Problem> {
        let (request, _) = self.load(id).await?;
        super::rules::check_read(who, &request)?;
        let history = self
            .store
            .audit(&AuditFilter {
                request_id: Some(request.id.clone()),
                limit: 10_000,
                ..AuditFilter::default()
            })
            .await?;
        Ok(RequestWithHistory { request, history })
    }

    /// Requests `who` may see, newest first: their own for a requester (and agent), all for
    /// reviewers and admins. `requester` narrows to one person (name or email); `resource` to
    /// the requests asking for a resource whose full name is or ends with it (`sales.orders`,
    /// any case), on one connection if it says which (`warehouse/sales.orders`).
    pub async fn list(
        &self,
        who: &Principal,
        status: Option<Status>,
        requester: Option<&str>,
        resource: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<AccessRequest>, Option<String>), Problem> {
        if let Some(r) = resource {
            check_len("resource", r, MAX_NAME)?;
        }
        let mut filter = RequestFilter {
            status,
            resource: resource.and_then(ResourceMatch::parse),
            limit: limit.clamp(1, 500) + 1,
            ..RequestFilter::default()
        };
        if let Some(r) = requester.map(str::trim).filter(|r| !r.is_empty()) {
            let person = self.store.find_person(r).await?.ok_or_else(|| {
                Problem::new(ErrorCode::NotFound, format!("no person named {r:?}")).at("requester")
            })?;
            filter.requester_id = Some(person.id);
        }
        if who.role() < crate::people::Role::Reviewer {
            let me = requester_id(who)?;
            if filter.requester_id.as_ref().is_some_and(|r| *r != me) {
                return Err(Problem::new(
                    ErrorCode::Forbidden,
                    "only reviewers and admins list other people's requests",
                )
                .at("requester"));
            }
            filter.requester_id = Some(me);
        }
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            let (at, id) = c.split_once('~').ok_or_else(|| {
                Problem::invalid("cursor", format!("{c:?} is not a cursor this server gave"))
            })?;
            filter.before = Some((at.to_string(), id.to_string()));
        }
        let mut items = self.store.requests(&filter).await?;
        let page = (filter.limit - 1) as usize;
        let next = if items.len() > page {
            items.truncate(page);
            items
                .last()
                .map(|r| format!("{}~{}", super::clock::stamp(r.created_at), r.id))
        } else {
            None
        };
        Ok((items, next))
    }

    /// The stored request, or `not_found`.
    pub(super) async fn load(&self, id: &str) -> Result<(AccessRequest, i64), Problem> {
        self.store
            .request(id.trim())
            .await?
            .ok_or_else(|| Problem::new(ErrorCode::NotFound, format!("no request {id:?}")).at("id"))
    }

    /// Writes a change made from `version`; someone else's change in between is a 409 that
    /// names the state the request is in now.
    pub(super) async fn save(
        &self,
        req: &AccessRequest,
        version: i64,
        events: &[NewEvent],
        jobs: &[NewJob],
    ) -> Result<(), Problem> {
        self.save_all(&[(req, version)], events, jobs).await
    }

    /// The request `id` and the version it was read at, once `who` may take `action` on it
    /// and its state allows it ([`super::rules`]).
    pub(super) async fn load_for(
        &self,
        who: &Principal,
        id: &str,
        action: super::rules::Action,
    ) -> Result<(AccessRequest, i64), Problem> {
        let (req, version) = self.load(id).await?;
        super::rules::check_actor(who, &req, action)?;
        super::rules::check_state(&req, action)?;
        Ok((req, version))
    }

    /// A job of `kind` for the request `id`, due now.
    pub(super) fn job_now(&self, id: &str, kind: crate::store::jobs::JobKind) -> NewJob {
        NewJob {
            request_id: id.to_string(),
            kind,
            run_at: self.now_ms(),
            payload: None,
        }
    }

    /// Writes several requests changed together (an extension and the request it extends) in
    /// one transaction; someone else's change to any of them in between is a 409 naming it.
    pub(super) async fn save_all(
        &self,
        reqs: &[(&AccessRequest, i64)],
        events: &[NewEvent],
        jobs: &[NewJob],
    ) -> Result<(), Problem> {
        let written = match self.store.update_requests(reqs, events, jobs).await {
            // A revoke of a grant this request relies on is under way on another request.
            Err(crate::store::StoreError::Busy(why)) => {
                return Err(Problem::new(
                    ErrorCode::Conflict,
                    format!("{why}; nothing was done, try again in a moment"),
                )
                .at("status"));
            }
            other => other?,
        };
        if written {
            if !jobs.is_empty() {
                self.wake.notify_one();
            }
            return Ok(());
        }
        let mut states = Vec::new();
        for (req, _) in reqs {
            let now = self.load(&req.id).await.map(|(r, _)| r.status());
            states.push(format!(
                "request {} is now {}",
                req.id,
                now.map(|s| s.to_string()).unwrap_or_else(|_| "gone".into())
            ));
        }
        Err(Problem::new(
            ErrorCode::Conflict,
            format!(
                "changed by someone else at the same moment ({}); nothing was done",
                states.join(", ")
            ),
        )
        .at("status"))
    }
}

/// A request can only be granted to the requester's identities (or roles they belong to): on a
/// connection where they have none, it could never be approved. Refused at creation (422 at the
/// first resource or role on that connection), saying that an admin can link one.
fn check_identities(
    access: &Access,
    req: &AccessRequest,
    mine: &[crate::access::Resolved],
) -> Result<(), Problem> {
    for conn in req.connections() {
        if mine.iter().any(|h| access.conn(h.conn).name == conn) {
            continue;
        }
        let path = req
            .resources
            .iter()
            .position(|r| r.connection == conn)
            .map(|i| format!("resources[{i}]"))
            .or_else(|| {
                req.roles
                    .iter()
                    .position(|r| r.connection == conn)
                    .map(|i| format!("roles[{i}]"))
            })
            .unwrap_or_else(|| "resources".into());
        return Err(Problem::new(
            ErrorCode::Unprocessable,
            format!(
                "{} has no identity on {conn} (none with their email or name), so this could never be granted; an admin can link one: warden user link {} {conn} IDENTITY",
                req.requester, req.requester
            ),
        )
        .at(path));
    }
    Ok(())
}

/// Caps what one request may store (every edge creates requests here: REST, tools, chat): how
/// many resources, privileges and roles, and how long each name and the reason are. Checked
/// before anything is resolved, so a huge request costs nothing; a 400 names the field.
fn check_sizes(input: &NewRequest) -> Result<(), Problem> {
    let lists = [
        ("resources", &input.resources, MAX_RESOURCES),
        ("privileges", &input.privileges, MAX_PRIVILEGES),
        ("roles", &input.roles, MAX_ROLES),
    ];
    for (field, list, max) in lists {
        if list.len() > max {
            return Err(Problem::invalid(
                field,
                format!("at most {max} {field} per request ({} given)", list.len()),
            ));
        }
        for (i, item) in list.iter().enumerate() {
            check_len(&format!("{field}[{i}]"), item, MAX_NAME)?;
        }
    }
    for (field, value) in [
        ("connection", &input.connection),
        ("duration", &input.duration),
    ] {
        if let Some(v) = value {
            check_len(field, v, MAX_NAME)?;
        }
    }
    if let Some(r) = &input.reason {
        check_len("reason", r.trim(), MAX_REASON)?;
    }
    Ok(())
}

pub(super) fn check_len(field: &str, value: &str, max: usize) -> Result<(), Problem> {
    // Counted without walking past the limit: a 2 MB string costs max + 1 steps.
    if value.chars().nth(max).is_some() {
        return Err(Problem::invalid(field, format!("at most {max} characters")));
    }
    Ok(())
}

/// Checks each privilege against what the platform of every resource knows on that kind of
/// resource (`privileges[i]`, 400 with the closest words); at creation and at approval.
/// The privilege words at `field`, parsed, each once (in the order first given).
/// A request's duration as written (`2w`, `48h`); blank is none (until revoked).
pub(super) fn parse_duration(text: Option<&str>) -> Result<Option<Duration>, Problem> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => Ok(Some(
            Duration::parse(d).map_err(|m| Problem::invalid("duration", m))?,
        )),
    }
}

/// A request's reason: trimmed, blank is none, plain text only.
pub(super) fn clean_reason(reason: Option<String>) -> Result<Option<String>, Problem> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if let Some(r) = &reason
        && r.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Problem::invalid(
            "reason",
            "a reason is plain text: no control characters but line breaks",
        ));
    }
    Ok(reason)
}

pub(super) fn parse_privileges(words: &[String], field: &str) -> Result<Vec<Privilege>, Problem> {
    let mut out: Vec<Privilege> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let p = Privilege::parse(w).map_err(|m| Problem::invalid(format!("{field}[{i}]"), m))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

pub(super) fn check_privileges(
    access: &Access,
    resources: &[RequestedResource],
    privileges: &[Privilege],
    field: &str,
) -> Result<(), Problem> {
    for (i, word) in privileges.iter().enumerate() {
        let path = format!("{field}[{i}]");
        for r in resources {
            let Some((_, g)) = access.graph.connection(&r.connection) else {
                continue;
            };
            let kind = crate::model::ResourceKind::parse(&r.kind);
            crate::model::vocabulary::check(word, g.platform, kind, &r.connection, &path).map_err(
                |e| {
                    let message = format!("{} (on {}:{})", e.message, r.connection, r.name);
                    Problem { message, ..e }
                },
            )?;
        }
    }
    Ok(())
}

/// The person a principal stands for; the local operator must say who (`--as`).
pub(super) fn requester(who: &Principal) -> Result<&Person, Problem> {
    who.person.as_ref().ok_or_else(|| {
        Problem::invalid(
            "as",
            "a request is made for a person: say who with --as (or use their token)",
        )
    })
}

fn requester_id(who: &Principal) -> Result<String, Problem> {
    requester(who).map(|p| p.id.clone())
}
