//! The live search of the new-request page: resources and roles whose names match what was typed,
//! from the first letter, found by the same search as the `search_resources` and
//! `search_identities` tools. `GET /requests/new/search?q=…` answers the list alone (htmx swaps it
//! into the page); the page itself renders the same list for `/requests/new?q=…` without script.

use super::form::FormData;
use super::page::{PageError, render};
use super::session::Viewer;
use crate::access::Access;
use crate::app::App;
use crate::model::IdentityKind;
use crate::tools::{SEARCH_MAX_LIMIT, Tool};
use crate::tools::{SearchIdentities, SearchIdentitiesArgs, SearchResources, SearchResourcesArgs};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

/// Resources listed for one query.
const RESOURCES: usize = 20;
/// Roles listed for one query.
const ROLES: usize = 10;
/// The most characters of a query searched: a name is shorter, and the rest only costs time.
const MAX_QUERY: usize = 256;

/// One match, with the field and value its Choose button sends.
pub struct Match {
    /// `resource` or `role`: the field a chosen match is kept in.
    pub field: &'static str,
    /// `CONNECTION/NAME`, the value kept.
    pub key: String,
    pub name: String,
    pub kind: String,
    pub connection: String,
    /// Already chosen: listed without a Choose button.
    pub chosen: bool,
}

/// What a search found: the matches, or why there are none.
#[derive(Default)]
pub struct Found {
    pub q: String,
    pub matches: Vec<Match>,
    /// The search's own one-line complaint about the query, if any (shown, never a failure).
    pub problem: Option<String>,
}

/// `CONNECTION/NAME`: how a chosen resource or role is kept in links and hidden fields.
pub fn key(connection: &str, name: &str) -> String {
    format!("{connection}/{name}")
}

/// Searches resources and roles for `q` (blank: nothing); `chosen` are the keys already picked.
pub fn find(access: &Access, q: &str, chosen: &[&str]) -> Found {
    let q = q.trim();
    let mut found = Found {
        q: q.to_string(),
        ..Found::default()
    };
    if q.is_empty() {
        return found;
    }
    let query: String = q.chars().take(MAX_QUERY).collect();
    let resources = SearchResources::run(
        access,
        SearchResourcesArgs {
            query: query.clone(),
            limit: Some(RESOURCES),
        },
    );
    // Users match too (every email has a word); ask for as many as the tool gives and keep
    // the identities one can be granted membership in.
    let identities = SearchIdentities::run(
        access,
        SearchIdentitiesArgs {
            query,
            limit: Some(SEARCH_MAX_LIMIT),
        },
    );
    let mut add = |field: &'static str, name: String, kind: String, connection: String| {
        let key = key(&connection, &name);
        let chosen = chosen.contains(&key.as_str());
        found.matches.push(Match {
            field,
            key,
            name,
            kind,
            connection,
            chosen,
        });
    };
    match resources {
        Ok(r) => {
            for m in r.matches {
                add("resource", m.name, m.kind, m.connection);
            }
        }
        Err(p) => found.problem = Some(p.message),
    }
    match identities {
        Ok(r) => {
            let full = r.matches.len() >= SEARCH_MAX_LIMIT;
            let mut roles: Vec<(String, String, String)> = r
                .matches
                .into_iter()
                .filter(|m| grantable(&m.kind))
                .map(|m| (m.name, m.kind, m.connection))
                .take(ROLES)
                .collect();
            if full && roles.len() < ROLES {
                more_roles(access, q, &mut roles);
            }
            for (name, kind, connection) in roles {
                add("role", name, kind, connection);
            }
        }
        Err(p) => found.problem = found.problem.or(Some(p.message)),
    }
    found
}

/// Tops `roles` up to [`ROLES`] when the identity search came back full: users (every email
/// has a word, `acme`) can fill it before any role. The roles and groups with a word (of the
/// name, email or display name) starting with each word of `q`, as the search's prefix
/// matching reads it, in the snapshot's order.
fn more_roles(access: &Access, q: &str, roles: &mut Vec<(String, String, String)>) {
    let wanted = crate::index::words(q);
    if wanted.is_empty() {
        return;
    }
    for c in &access.graph.connections {
        for i in c.identities.iter().filter(|i| grantable(i.kind.as_str())) {
            if roles.len() >= ROLES {
                return;
            }
            let texts = [Some(&i.name), i.email.as_ref(), i.display_name.as_ref()];
            let words: Vec<String> = texts
                .into_iter()
                .flatten()
                .flat_map(|t| t.split(|ch: char| !ch.is_alphanumeric()))
                .map(str::to_lowercase)
                .collect();
            let matches = wanted
                .iter()
                .all(|w| words.iter().any(|x| x.starts_with(w.as_str())));
            let row = (i.name.clone(), i.kind.to_string(), c.name.clone());
            if matches && !roles.contains(&row) {
                roles.push(row);
            }
        }
    }
}

/// Whether an identity of `kind` is one a person can be made a member of (as the service
/// accepts in a request's `roles`).
pub fn grantable(kind: &str) -> bool {
    [
        IdentityKind::Role,
        IdentityKind::Group,
        IdentityKind::DatabaseRole,
    ]
    .iter()
    .any(|k| k.as_str() == kind)
}

#[derive(Template)]
#[template(path = "new_request_results.html")]
struct Results {
    found: Found,
}

/// `GET /requests/new/search?q=…` (with the chosen `resource` and `role` fields): the list alone.
pub async fn fragment(
    State(app): State<App>,
    _viewer: Viewer,
    Query(fields): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = FormData(fields);
    let q = fields.get("q").unwrap_or_default().to_string();
    let chosen: Vec<String> = fields
        .all("resource")
        .into_iter()
        .chain(fields.all("role"))
        .map(str::to_string)
        .collect();
    let found = searched(&app, q, chosen).await?;
    render(&Results { found })
}

/// [`find`] on the blocking pool: on a large snapshot a search takes milliseconds.
pub async fn searched(app: &App, q: String, chosen: Vec<String>) -> Result<Found, PageError> {
    let access = app.access.load();
    tokio::task::spawn_blocking(move || {
        let chosen: Vec<&str> = chosen.iter().map(String::as_str).collect();
        find(&access, &q, &chosen)
    })
    .await
    .map_err(|e| {
        PageError::from(crate::error::Problem::internal(format!(
            "search failed: {e}"
        )))
    })
}
