//! `/v1/identities…`, `/v1/resources…` and `/v1/people`: what the dashboard and scripts browse.
//! Searches and single items go through the tools (the same rights check, the same answers as
//! chat and MCP); plain listings page through the current graph by offset.

use super::HttpError;
use super::json_body::JsonBody;
use super::query::{Params, PathParams, bad_cursor, given, limit};
use crate::access::Access;
use crate::app::App;
use crate::error::Problem;
use crate::people::links::{Link, NewLink};
use crate::people::{Principal, Role};
use crate::tools::browse::{self, Browse};
use aide::axum::ApiRouter;
use aide::axum::routing::{delete_with, get_with, post_with};
use axum::extract::State;
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn routes() -> ApiRouter<App> {
    ApiRouter::new()
        .api_route(
            "/identities",
            get_with(identities, |op| {
                op.id("listIdentities")
                    .tag("directory")
                    .summary("Identities: a search (`q`) or every one, page by page")
            }),
        )
        .api_route(
            "/identities/{name}",
            get_with(identity, |op| {
                op.id("getIdentity")
                    .tag("directory")
                    .summary("One identity (or a person's identities): the get_identity tool")
                    // The tool's answer is passed on as it comes: this says what it is.
                    .response::<200, Json<crate::tools::GetIdentityResult>>()
            }),
        )
        .api_route(
            "/resources",
            get_with(resources, |op| {
                op.id("listResources")
                    .tag("directory")
                    .summary("Resources: a search (`q`) or every one, page by page")
            }),
        )
        .api_route(
            "/resources/{name}",
            get_with(resource, |op| {
                op.id("getResource")
                    .tag("directory")
                    .summary("Who holds what on one resource: the who_has_access tool")
                    .response::<200, Json<crate::tools::WhoHasAccessResult>>()
            }),
        )
        .api_route(
            "/people",
            get_with(people, |op| {
                op.id("listPeople")
                    .tag("directory")
                    .summary("People (reviewers and admins)")
            }),
        )
        .api_route(
            "/people/{name}/links",
            post_with(link, |op| {
                op.id("linkPerson")
                    .tag("directory")
                    .summary("Link a person and a platform identity by hand (admins); survives re-imports")
            }),
        )
        .api_route(
            "/people/{name}/links/{connection}/{identity}",
            delete_with(unlink, |op| {
                op.id("unlinkPerson")
                    .tag("directory")
                    .summary("Unlink a person and a platform identity by hand (admins), automatic links included; survives re-imports")
            }),
        )
}

/// A person's links after a change.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PersonLinks {
    pub person: String,
    pub links: Vec<Link>,
}

/// The link named in the path.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LinkPath {
    /// The person's name or email.
    pub name: String,
    pub connection: String,
    /// The identity's name on that connection.
    pub identity: String,
}

async fn link(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(Named { name }): PathParams<Named>,
    JsonBody(target): JsonBody<NewLink>,
) -> Result<Json<PersonLinks>, HttpError> {
    set_link(&app, &who, &name, &target, true).await
}

async fn unlink(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(p): PathParams<LinkPath>,
) -> Result<Json<PersonLinks>, HttpError> {
    let target = NewLink {
        connection: p.connection,
        identity: p.identity,
    };
    set_link(&app, &who, &p.name, &target, false).await
}

async fn set_link(
    app: &App,
    who: &Principal,
    person: &str,
    target: &NewLink,
    linked: bool,
) -> Result<Json<PersonLinks>, HttpError> {
    let links = app.people.set_link(who, person, target, linked).await?;
    Ok(Json(PersonLinks {
        person: person.to_string(),
        links,
    }))
}

/// The identity or resource named in the path.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Named {
    /// As people write it (`alice`, `sales.orders`, `warehouse:sales.orders`).
    pub name: String,
}

// Parameters are text, parsed below so that a bad one is named; one struct per kind of route
// so that the OpenAPI document lists only the parameters each one reads.

/// Identity and resource listings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct DirectoryQuery {
    /// Search words (the best `limit` matches, no further pages); absent: everything, page by
    /// page.
    pub q: Option<String>,
    /// Only this connection's.
    pub connection: Option<String>,
    /// Items per page, 1 to 1000 (default 100); with `q`, 1 to 100.
    #[schemars(with = "Option<u32>", range(min = 1, max = 1000))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One identity.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct IdentityQuery {
    /// Where the name is on several connections: which one.
    pub connection: Option<String>,
}

/// One resource.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ResourceQuery {
    /// Where the name is on several connections: which one.
    pub connection: Option<String>,
    /// Only holders of this privilege.
    pub privilege: Option<String>,
}

/// A plain listing's paging.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PageQuery {
    /// Items per page, 1 to 1000 (default 100).
    #[schemars(with = "Option<u32>", range(min = 1, max = 1000))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a listing.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Page_{T}")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

fn offset(cursor: &Option<String>) -> Result<usize, Problem> {
    match given(cursor) {
        None => Ok(0),
        Some(c) => c.parse().map_err(|_| bad_cursor(&c)),
    }
}

/// One page of `all` from the cursor's offset.
fn page<T>(all: Vec<T>, q: &PageQuery) -> Result<Page<T>, Problem> {
    let (from, n) = (offset(&q.cursor)?, limit(&q.limit)? as usize);
    let total = all.len();
    let items: Vec<T> = all.into_iter().skip(from).take(n).collect();
    let next_cursor = (from + n < total).then(|| (from + n).to_string());
    Ok(Page { items, next_cursor })
}

/// A search through `tool`, its `matches` as the page's items (those on `conn` only, when one
/// is named: the tools search every connection).
async fn search(
    app: &App,
    who: &Principal,
    tool: &str,
    q: &DirectoryQuery,
    text: String,
    conn: Option<&str>,
) -> Result<Page<Value>, Problem> {
    let args = json!({"query": text, "limit": limit(&q.limit)?});
    let mut found = app.call_tool(who, tool, args).await?;
    let items = match found["matches"].take() {
        Value::Array(all) => all
            .into_iter()
            .filter(|m| conn.is_none_or(|c| m["connection"] == c))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// A listing: a search through `tool` when `q` is given, else every item of each connection
/// (or the one named), page by page (`tools::browse`, which the dashboard lists through too).
async fn listing(
    app: &App,
    who: &Principal,
    q: &DirectoryQuery,
    tool: &str,
    list: ListFn,
) -> Result<Page<Value>, Problem> {
    who.require(Role::Requester, "listing")?;
    let access = app.access.load();
    let conn = access.connection_arg(q.connection.as_deref(), "connection")?;
    if let Some(text) = given(&q.q) {
        let name = conn.map(|c| access.conn(c).name.clone());
        return search(app, who, tool, q, text, name.as_deref()).await;
    }
    let (from, n) = (offset(&q.cursor)?, limit(&q.limit)? as usize);
    let f = Browse {
        connection: q.connection.as_deref(),
        ..Browse::default()
    };
    let (items, next) = list(&access, who, &f, from, n)?;
    Ok(Page {
        items,
        next_cursor: next.map(|at| at.to_string()),
    })
}

/// A listing's page as JSON items, and where the next page starts.
type ListFn = fn(
    &Access,
    &Principal,
    &Browse<'_>,
    usize,
    usize,
) -> Result<(Vec<Value>, Option<usize>), Problem>;

fn identity_items(
    access: &Access,
    who: &Principal,
    f: &Browse<'_>,
    from: usize,
    n: usize,
) -> Result<(Vec<Value>, Option<usize>), Problem> {
    let l = browse::identities(access, who, f, from, n)?;
    let items = l
        .items
        .into_iter()
        .map(|i| json!({"name": i.name, "kind": i.kind, "connection": i.connection, "email": i.email, "display_name": i.display_name}))
        .collect();
    Ok((items, l.next))
}

fn resource_items(
    access: &Access,
    who: &Principal,
    f: &Browse<'_>,
    from: usize,
    n: usize,
) -> Result<(Vec<Value>, Option<usize>), Problem> {
    let l = browse::resources(access, who, f, from, n)?;
    let items = l
        .items
        .into_iter()
        .map(|r| json!({"name": r.name, "kind": r.kind, "connection": r.connection}))
        .collect();
    Ok((items, l.next))
}

async fn identities(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Params(q): Params<DirectoryQuery>,
) -> Result<Json<Page<Value>>, HttpError> {
    Ok(Json(
        listing(&app, &who, &q, "search_identities", identity_items).await?,
    ))
}

async fn identity(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(Named { name }): PathParams<Named>,
    Params(q): Params<IdentityQuery>,
) -> Result<Json<Value>, HttpError> {
    let args = json!({"identity": name, "connection": given(&q.connection)});
    Ok(Json(app.call_tool(&who, "get_identity", args).await?))
}

async fn resources(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Params(q): Params<DirectoryQuery>,
) -> Result<Json<Page<Value>>, HttpError> {
    Ok(Json(
        listing(&app, &who, &q, "search_resources", resource_items).await?,
    ))
}

/// One resource: who holds what on it (the `who_has_access` tool).
async fn resource(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(Named { name }): PathParams<Named>,
    Params(q): Params<ResourceQuery>,
) -> Result<Json<Value>, HttpError> {
    let args = json!({"resource": name, "privilege": given(&q.privilege), "connection": given(&q.connection)});
    Ok(Json(app.call_tool(&who, "who_has_access", args).await?))
}

async fn people(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Params(q): Params<PageQuery>,
) -> Result<Json<Page<crate::people::Person>>, HttpError> {
    Ok(Json(page(app.people.list(&who).await?, &q)?))
}
