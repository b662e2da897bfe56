//! `/identities`: every connection's users, roles, groups and service accounts, filtered by
//! connection, kind and a piece of the name, a page at a time (a large organisation has tens of
//! thousands). Listed by `tools::browse`, as `GET /v1/identities` lists them.

use super::hrefs;
use super::page::{Layout, PageError, render};
use super::session::Viewer;
use crate::app::App;
use crate::model::IdentityKind;
use crate::tools::browse::{self, Browse};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Identities on one page.
pub const PAGE: usize = 100;

/// The filters as the form sends them (blank means any), and where the page starts.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub connection: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub from: String,
}

impl Filters {
    pub fn from(&self) -> usize {
        self.from.trim().parse().unwrap_or(0)
    }

    pub fn browse(&self) -> Browse<'_> {
        Browse {
            connection: Some(self.connection.as_str()),
            kind: Some(self.kind.as_str()),
            name: Some(self.q.as_str()),
        }
    }

    /// This listing's address starting at `from`.
    pub fn at(&self, path: &str, from: usize) -> String {
        let from = from.to_string();
        hrefs::with_query(
            path,
            &[
                ("connection", &self.connection),
                ("kind", &self.kind),
                ("q", &self.q),
                ("from", &from),
            ],
        )
    }
}

pub struct Row {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub connection: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Template)]
#[template(path = "identities.html")]
struct IdentitiesPage {
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
    let listed = browse::identities(&access, &viewer.who, &filters.browse(), from, PAGE)?;
    let items = listed
        .items
        .into_iter()
        .map(|i| Row {
            href: hrefs::identity(&i.connection, &i.name),
            name: i.name,
            kind: i.kind.to_string(),
            connection: i.connection,
            email: i.email,
            display_name: i.display_name,
        })
        .collect();
    render(&IdentitiesPage {
        layout: viewer.layout("Identities", "identities"),
        connections: access
            .graph
            .connections
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        kinds: IdentityKind::ALL.iter().map(|k| k.as_str()).collect(),
        items,
        first: from + 1,
        total: listed.total,
        prev: (from > 0).then(|| filters.at("/identities", from.saturating_sub(PAGE))),
        next: listed.next.map(|n| filters.at("/identities", n)),
        filters,
    })
}
