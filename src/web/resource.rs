//! `/resources/{connection}/{name}`: one resource, where it sits, and who has access to it (each
//! holder with its privileges and the paths that give them), a page at a time: the
//! `who_has_access` tool, as REST and chat answer it. A link starts a request for it.

use super::hrefs;
use super::page::{Layout, PageError, render};
use super::session::Viewer;
use crate::app::App;
use crate::index::Target;
use crate::tools::{WhoHasAccess, invoke_typed};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

/// Holders on one page.
const PAGE: u32 = 100;
/// Paths shown per holder (the rest are counted).
const PATHS_SHOWN: usize = 5;

#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    /// The tool's `next_cursor` of the page before.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Only holders of this privilege.
    #[serde(default)]
    pub privilege: Option<String>,
}

pub struct Holder {
    pub name: String,
    /// None for everyone (PUBLIC and the like).
    pub href: Option<String>,
    pub kind: String,
    pub privileges: String,
    pub paths: Vec<String>,
    pub more_paths: usize,
}

/// A resource this one is in, or its owner.
pub struct Named {
    pub name: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "resource.html")]
struct ResourcePage {
    layout: Layout,
    connection: String,
    platform: String,
    name: String,
    kind: String,
    parent: Option<Named>,
    owner: Option<Named>,
    privilege: String,
    request: String,
    /// This page, for the filter form.
    here: String,
    holders: Vec<Holder>,
    total: usize,
    people: usize,
    next: Option<String>,
    start: Option<String>,
}

pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Path((connection, name)): Path<(String, String)>,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    let access = app.access.load();
    let found = access
        .named(Target::Resource, &connection, &name)
        .ok_or_else(|| {
            PageError::not_found(format!(
                "no resource named {name:?} on connection {connection:?}"
            ))
        })?;
    let c = access.conn(found.conn);
    let res = c.resource(found.id);
    let (connection, name) = (c.name.clone(), res.name.clone());
    let privilege = paging
        .privilege
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let cursor = paging
        .cursor
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let args = json!({
        "resource": name, "connection": connection, "privilege": privilege,
        "limit": PAGE, "cursor": cursor,
    });
    let who = invoke_typed::<WhoHasAccess>(access.clone(), &app.requests, &viewer.who, None, args)
        .await?;
    let here = hrefs::resource(&connection, &name);
    let privilege = privilege.unwrap_or_default().to_string();
    let at =
        |cursor: &str| hrefs::with_query(&here, &[("privilege", &privilege), ("cursor", cursor)]);
    let holders: Vec<Holder> = who
        .grantees
        .into_iter()
        .map(|g| Holder {
            href: (g.kind != "public").then(|| hrefs::identity(&connection, &g.identity)),
            name: g.identity,
            kind: g.kind,
            privileges: g.privileges.join(", "),
            more_paths: g.paths.len().saturating_sub(PATHS_SHOWN),
            paths: g
                .paths
                .into_iter()
                .take(PATHS_SHOWN)
                .map(|p| p.text)
                .collect(),
        })
        .collect();
    let named = |i: Option<String>, href: fn(&str, &str) -> String| {
        i.map(|n| Named {
            href: href(&connection, &n),
            name: n,
        })
    };
    render(&ResourcePage {
        layout: viewer.layout(format!("{name} on {connection}"), "resources"),
        platform: c.platform.to_string(),
        kind: res.kind.to_string(),
        parent: named(
            res.parent.map(|p| c.resource(p).name.clone()),
            hrefs::resource,
        ),
        owner: named(
            res.owner.map(|o| c.identity(o).name.clone()),
            hrefs::identity,
        ),
        request: hrefs::new_request(&connection, &name),
        here: here.clone(),
        total: who.total,
        people: who.people,
        next: who.next_cursor.as_deref().map(at),
        start: cursor.map(|_| at("")),
        holders,
        privilege,
        connection,
        name,
    })
}
