//! `/requests`: the requests the viewer may see (requesters: their own), newest first, filtered
//! by status, requester and resource, a page at a time. The service applies the same rules as
//! `GET /v1/requests`.

use super::hrefs;
use super::page::{Layout, PageError, render};
use super::session::Viewer;
use crate::app::App;
use crate::error::Problem;
use crate::requests::{AccessRequest, Status};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Requests on one page.
const PAGE: i64 = 50;

/// The filters, as the form sends them (blank means any).
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub requester: String,
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub cursor: String,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    layout: Layout,
    filters: Filters,
    statuses: Vec<&'static str>,
    items: Vec<AccessRequest>,
    next: Option<String>,
}

pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let status = Some(filters.status.trim())
        .filter(|s| !s.is_empty())
        .map(|s| Status::parse(s).map_err(|m| Problem::invalid("status", m)))
        .transpose()?;
    let requester = Some(filters.requester.trim()).filter(|s| !s.is_empty());
    let resource = Some(filters.resource.trim()).filter(|s| !s.is_empty());
    let cursor = Some(filters.cursor.trim()).filter(|s| !s.is_empty());
    let (items, next_cursor) = app
        .requests
        .list(&viewer.who, status, requester, resource, cursor, PAGE)
        .await?;
    let next = next_cursor.map(|c| {
        hrefs::with_query(
            "/requests",
            &[
                ("status", &filters.status),
                ("requester", &filters.requester),
                ("resource", &filters.resource),
                ("cursor", &c),
            ],
        )
    });
    render(&RequestsPage {
        layout: viewer.layout("Requests", "requests"),
        filters,
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        items,
        next,
    })
}
