//! `/resources`: every connection's databases, schemas, tables, datasets…, filtered by
//! connection, kind and a piece of the name, a page at a time. Listed by `tools::browse`, as
//! `GET /v1/resources` lists them.

use super::hrefs;
use super::identities::{Filters, PAGE};
use super::page::{Layout, PageError, render};
use super::session::Viewer;
use crate::app::App;
use crate::model::ResourceKind;
use crate::tools::browse;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

pub struct Row {
    pub href: String,
    /// A new request for it.
    pub request: String,
    pub name: String,
    pub kind: String,
    pub connection: String,
}

#[derive(Template)]
#[template(path = "resources.html")]
struct ResourcesPage {
    layout: Layout,
    filters: Filters,
    connections: Vec<String>,
    kinds: Vec<&'static str>,
    items: Vec<Row>,
    first: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let access = app.access.load();
    let from = filters.from();
    let listed = browse::resources(&access, &viewer.who, &filters.browse(), from, PAGE)?;
    let items = listed
        .items
        .into_iter()
        .map(|r| Row {
            href: hrefs::resource(&r.connection, &r.name),
            request: hrefs::new_request(&r.connection, &r.name),
            name: r.name,
            kind: r.kind.to_string(),
            connection: r.connection,
        })
        .collect();
    render(&ResourcesPage {
        layout: viewer.layout("Resources", "resources"),
        connections: access
            .graph
            .connections
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        kinds: ResourceKind::ALL.iter().map(|k| k.as_str()).collect(),
        items,
        first: from + 1,
        total: listed.total,
        prev: (from > 0).then(|| filters.at("/resources", from.saturating_sub(PAGE))),
        next: listed.next.map(|n| filters.at("/resources", n)),
        filters,
    })
}
