//! `/v1/identities…`, `/v1/resources…` and `/v1/people`: what the dashboard and scripts browse.
//! Searches and single items go through the tools (the same rights check, the same answers as
//! chat and MCP); plain listings page through the current graph by offset.

use super::query::{given, limit};
use crate::app::App;
use crate::error::ApiError;
use crate::people::{Principal, Role};
use aide::axum::ApiRouter;
use aide::axum::routing::get_with;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn routes() -> ApiRouter<App> {
    ApiRouter::new()
        .api_route(
            "/identities",
            get_with(identities, |op| {
                op.summary("Identities: a search (`q`) or every one, page by page")
                    .response::<200, Json<Page<Value>>>()
            }),
        )
        .api_route(
            "/identities/{name}",
            get_with(identity, |op| {
                op.summary("One identity (or a person's identities): the get_identity tool")
                    .response::<200, Json<crate::tools::GetIdentityResult>>()
            }),
        )
        .api_route(
            "/resources",
            get_with(resources, |op| {
                op.summary("Resources: a search (`q`) or every one, page by page")
                    .response::<200, Json<Page<Value>>>()
            }),
        )
        .api_route(
            "/resources/{name}",
            get_with(resource, |op| {
                op.summary("Who holds what on one resource: the who_has_access tool")
                    .response::<200, Json<crate::tools::WhoHasAccessResult>>()
            }),
        )
        .api_route(
            "/people",
            get_with(people, |op| {
                op.summary("People (reviewers and admins)")
                    .response::<200, Json<Page<crate::people::Person>>>()
            }),
        )
}

/// The identity or resource named in the path.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Named {
    /// As people write it (`alice`, `sales.orders`, `warehouse:sales.orders`).
    pub name: String,
}

/// List parameters, as text (parsed below so that a bad one is named).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct DirectoryQuery {
    /// Search words; absent: everything, page by page.
    pub q: Option<String>,
    pub connection: Option<String>,
    /// For one resource: only holders of this privilege.
    pub privilege: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A page of a listing.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

fn offset(q: &DirectoryQuery) -> Result<usize, ApiError> {
    match given(&q.cursor) {
        None => Ok(0),
        Some(c) => c.parse().map_err(|_| {
            ApiError::invalid("cursor", format!("{c:?} is not a cursor this server gave"))
        }),
    }
}

/// One page of `all` from the cursor's offset.
fn page<T>(all: Vec<T>, q: &DirectoryQuery) -> Result<Page<T>, ApiError> {
    let (from, n) = (offset(q)?, limit(&q.limit)? as usize);
    let total = all.len();
    let items: Vec<T> = all.into_iter().skip(from).take(n).collect();
    let next_cursor = (from + n < total).then(|| (from + n).to_string());
    Ok(Page { items, next_cursor })
}

fn respond(result: Result<impl Serialize, ApiError>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A search through `tool`, its `matches` as the page's items.
async fn search(
    app: &App,
    who: &Principal,
    tool: &str,
    q: &DirectoryQuery,
    text: String,
) -> Result<Page<Value>, ApiError> {
    let args = json!({"query": text, "limit": limit(&q.limit)?});
    let mut found = app.call_tool(who, tool, args).await?;
    let items = found["matches"]
        .take()
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// A listing: a search through `tool` when `q` is given, else every item `items` gives for each
/// connection (or the one named), page by page.
async fn listing(
    app: &App,
    who: &Principal,
    q: &DirectoryQuery,
    tool: &str,
    items: impl Fn(&crate::graph::ConnGraph) -> Vec<Value>,
) -> Result<Page<Value>, ApiError> {
    who.require(Role::Requester, "listing")?;
    if let Some(text) = given(&q.q) {
        return search(app, who, tool, q, text).await;
    }
    let access = app.access.load();
    let conn = access.connection_arg(q.connection.as_deref(), "connection")?;
    let all: Vec<Value> = access
        .graph
        .connections
        .iter()
        .enumerate()
        .filter(|(i, _)| conn.is_none_or(|c| c as usize == *i))
        .flat_map(|(_, c)| items(c))
        .collect();
    page(all, q)
}

async fn identities(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let each = |c: &crate::graph::ConnGraph| {
        c.identities
            .iter()
            .map(|i| json!({"name": i.name, "kind": i.kind, "connection": c.name, "email": i.email, "display_name": i.display_name}))
            .collect()
    };
    respond(listing(&app, &who, &q, "search_identities", each).await)
}

async fn identity(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Path(Named { name }): Path<Named>,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let args = json!({"identity": name, "connection": given(&q.connection)});
    respond(app.call_tool(&who, "get_identity", args).await)
}

async fn resources(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let each = |c: &crate::graph::ConnGraph| {
        c.resources
            .iter()
            .map(|r| json!({"name": r.name, "kind": r.kind, "connection": c.name}))
            .collect()
    };
    respond(listing(&app, &who, &q, "search_resources", each).await)
}

/// One resource: who holds what on it (the `who_has_access` tool).
async fn resource(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Path(Named { name }): Path<Named>,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let args = json!({"resource": name, "privilege": given(&q.privilege), "connection": given(&q.connection)});
    respond(app.call_tool(&who, "who_has_access", args).await)
}

async fn people(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let result = async {
        who.require(Role::Reviewer, "listing people")?;
        page(app.store.people().await?, &q)
    };
    respond(result.await)
}
