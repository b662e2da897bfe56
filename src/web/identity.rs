//! `/identities/{connection}/{name}`: one identity: what it is, the people linked to it, the
//! roles it is in (directly and through others), its members, and everything it can reach with
//! the paths that give it, a page at a time. Answered by the same tools as REST and chat
//! (`get_identity`, `list_access`); admins link or unlink a person here (`app.people`).

use super::form::Posted;
use super::hrefs;
use super::page::{Layout, PageError, render};
use super::session::Viewer;
use crate::app::App;
use crate::people::links::{NewLink, exact_identity};
use crate::tools::{GetIdentity, ListAccess, invoke_typed};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

/// Members and accesses on one page.
const PAGE: usize = 100;
/// Paths shown per access (the rest are counted).
const PATHS_SHOWN: usize = 5;

/// Where each long list starts.
#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub members: Option<String>,
    #[serde(default)]
    pub access: Option<String>,
}

pub struct RoleRow {
    pub name: String,
    pub kind: String,
    pub href: String,
    pub direct: bool,
    pub inherited: bool,
    pub via: String,
}

pub struct MemberRow {
    pub name: String,
    pub kind: String,
    pub href: String,
    pub inherits: bool,
}

pub struct AccessRow {
    pub resource: String,
    /// None for `*` (every resource).
    pub href: Option<String>,
    pub privilege: String,
    pub paths: Vec<String>,
    pub more_paths: usize,
}

pub struct Linked {
    pub person: String,
    pub source: String,
}

/// A page of a long list: the first shown (1-based), the last, of how many, and the links on.
pub struct Pager {
    pub first: usize,
    pub last: usize,
    pub total: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "identity.html")]
struct IdentityPage {
    layout: Layout,
    connection: String,
    platform: String,
    name: String,
    kind: String,
    email: Option<String>,
    display_name: Option<String>,
    superuser: bool,
    inherit: bool,
    /// The people linked to it (shown to reviewers and admins, who may list people).
    linked: Option<Vec<Linked>>,
    roles: Vec<RoleRow>,
    members: Vec<MemberRow>,
    members_pager: Pager,
    access: Vec<AccessRow>,
    access_pager: Pager,
    superuser_access: bool,
    action: String,
}

/// A `?members=`/`?access=` offset; anything else is the start.
fn offset(v: &Option<String>) -> usize {
    v.as_deref()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Where the last page of `total` items starts.
fn last_start(total: usize) -> usize {
    total.saturating_sub(1) / PAGE * PAGE
}

/// The page of `total` items from `from`, and the links to the pages around it; `at(n)` is the
/// page's address with the list starting at `n`.
fn pager(from: usize, total: usize, at: impl Fn(usize) -> String) -> Pager {
    let from = from.min(last_start(total));
    Pager {
        first: if total == 0 { 0 } else { from + 1 },
        last: (from + PAGE).min(total),
        total,
        prev: (from > 0).then(|| at(from.saturating_sub(PAGE))),
        next: (from + PAGE < total).then(|| at(from + PAGE)),
    }
}

pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Path((connection, name)): Path<(String, String)>,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    let access = app.access.load();
    let found = exact_identity(&access, &connection, &name).ok_or_else(|| {
        PageError::not_found(format!(
            "no identity named {name:?} on connection {connection:?}"
        ))
    })?;
    let c = access.conn(found.conn);
    let name = c.identity(found.id).name.clone();
    let connection = c.name.clone();
    let args = json!({"identity": name, "connection": connection});
    let mut about = invoke_typed::<GetIdentity>(
        access.clone(),
        &app.requests,
        &viewer.who,
        None,
        args.clone(),
    )
    .await?;
    let info = about
        .identities
        .pop()
        .ok_or_else(|| PageError::not_found(format!("no identity named {name:?}")))?;
    let linked = match viewer.is_reviewer() {
        true => Some(
            app.people
                .linked_to(&viewer.who, &connection, &name)
                .await?
                .into_iter()
                .map(|(p, source)| Linked {
                    person: p.name,
                    source,
                })
                .collect(),
        ),
        false => None,
    };
    let here = hrefs::identity(&connection, &name);
    let (m_from, a_from) = (offset(&paging.members), offset(&paging.access));
    let members_pager = pager(m_from, info.members.len(), |n| {
        hrefs::with_query(
            &here,
            &[("members", &n.to_string()), ("access", &a_from.to_string())],
        )
    });
    // The page's slice only: paths are written out for the entries shown, not all of them.
    let slice = |from: usize| {
        let args =
            json!({"identity": name, "connection": connection, "offset": from, "limit": PAGE});
        invoke_typed::<ListAccess>(access.clone(), &app.requests, &viewer.who, None, args)
    };
    let mut held = slice(a_from).await?;
    if held.access.is_empty() && held.total > 0 {
        // Past the end: the last page, as the pager shows it.
        held = slice(last_start(held.total)).await?;
    }
    let access_pager = pager(a_from, held.total, |n| {
        hrefs::with_query(
            &here,
            &[("members", &m_from.to_string()), ("access", &n.to_string())],
        )
    });
    let link = |n: &str| hrefs::identity(&connection, n);
    let roles = info
        .roles
        .into_iter()
        .map(|r| RoleRow {
            href: link(&r.name),
            name: r.name,
            kind: r.kind,
            direct: r.direct,
            inherited: r.inherited,
            via: r.via,
        })
        .collect();
    let members = info
        .members
        .into_iter()
        .skip(members_pager.first.saturating_sub(1))
        .take(PAGE)
        .map(|m| MemberRow {
            href: link(&m.name),
            name: m.name,
            kind: m.kind,
            inherits: m.inherits,
        })
        .collect();
    let access_rows = held
        .access
        .into_iter()
        .map(|e| AccessRow {
            href: (e.resource != "*").then(|| hrefs::resource(&connection, &e.resource)),
            more_paths: e.paths.len().saturating_sub(PATHS_SHOWN),
            paths: e
                .paths
                .into_iter()
                .take(PATHS_SHOWN)
                .map(|p| p.text)
                .collect(),
            resource: e.resource,
            privilege: e.privilege,
        })
        .collect();
    render(&IdentityPage {
        layout: viewer.layout(format!("{name} on {connection}"), "identities"),
        platform: info.platform.to_string(),
        kind: info.kind,
        email: info.email,
        display_name: info.display_name,
        superuser: info.superuser,
        inherit: info.inherit,
        linked,
        roles,
        members,
        members_pager,
        access: access_rows,
        access_pager,
        superuser_access: held.superuser,
        action: here,
        connection,
        name,
    })
}

/// `POST /identities/{connection}/{name}`: an admin links (`action=link`) or unlinks
/// (`action=unlink`) the person named in `person` and this identity; the people service decides
/// who may. Back to the identity's page.
pub async fn link(
    State(app): State<App>,
    Path((connection, name)): Path<(String, String)>,
    Posted { viewer, form }: Posted,
) -> Result<Response, PageError> {
    let person = form.require("person")?;
    let linked = match form.require("action")? {
        "link" => true,
        "unlink" => false,
        other => {
            return Err(PageError::new(
                axum::http::StatusCode::BAD_REQUEST,
                format!("action {other:?} is neither link nor unlink"),
            ));
        }
    };
    let target = NewLink {
        connection: connection.clone(),
        identity: name.clone(),
    };
    app.people
        .set_link(&viewer.who, person, &target, linked)
        .await?;
    Ok(Redirect::to(&hrefs::identity(&connection, &name)).into_response())
}
