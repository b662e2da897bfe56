//! `/requests/new`: search resources and roles as you type, choose some, tick privileges from
//! each chosen resource's own vocabulary, say why and for how long, and create the request
//! through the same service call as `POST /v1/requests`. Choices travel in the address
//! (`?resource=CONNECTION/NAME&role=CONNECTION/NAME&q=…`), so everything works without script;
//! htmx only refreshes the search results while typing.

use super::form::FormData;
use super::page::{Layout, PageError, render, url_encode};
use super::search::{Found, grantable, searched};
use super::{Posted, Viewer};
use crate::access::Access;
use crate::app::App;
use crate::error::Problem;
use crate::index::Target;
use crate::model::vocabulary;
use crate::requests::NewRequest;
use crate::requests::service::{MAX_RESOURCES, MAX_ROLES};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// Durations offered under the field (any the service accepts may be typed).
const DURATIONS: &[&str] = &["8h", "1d", "7d", "30d", "90d"];

/// A chosen resource, with the privilege words its platform knows on its kind.
struct ChosenResource {
    key: String,
    name: String,
    kind: String,
    connection: String,
    takes: Vec<&'static str>,
    /// This page without it.
    remove: String,
}

/// A chosen role (or group): the request asks for membership in it.
struct ChosenRole {
    key: String,
    name: String,
    kind: String,
    connection: String,
    remove: String,
}

/// A privilege checkbox.
struct Offered {
    word: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "new_request.html")]
struct NewRequestPage {
    layout: Layout,
    found: Found,
    resources: Vec<ChosenResource>,
    roles: Vec<ChosenRole>,
    privileges: Vec<Offered>,
    reason: String,
    duration: String,
    durations: &'static [&'static str],
    error: Option<String>,
}

/// `GET /requests/new`: the form, with the matches for `q` and what was chosen so far.
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(fields): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = FormData(fields);
    let access = app.access.load();
    let chosen = Chosen::read(&access, &fields);
    let status = if chosen.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let error = (!chosen.errors.is_empty()).then(|| chosen.errors.join("; "));
    let q = fields.get("q").unwrap_or_default().to_string();
    let found = searched(&app, q, chosen.keys()).await?;
    show(&viewer, &fields, chosen, found, error, status)
}

/// `POST /requests/new`: creates the request as REST does; the service's refusal is shown on
/// the form again with every field kept, and nothing is created.
pub async fn create(State(app): State<App>, posted: Posted) -> Result<Response, PageError> {
    let Posted { viewer, form } = posted;
    let access = app.access.load();
    let input = NewRequest {
        resources: form.all("resource").into_iter().map(service_name).collect(),
        roles: form.all("role").into_iter().map(service_name).collect(),
        privileges: form
            .all("privilege")
            .into_iter()
            .map(str::to_string)
            .collect(),
        reason: form.get("reason").map(str::to_string),
        duration: form.get("duration").map(str::to_string),
        connection: None,
    };
    let problem = match app.requests.create(&access, &viewer.who, input, None).await {
        Ok(req) => return Ok(Redirect::to(&format!("/requests/{}", req.id)).into_response()),
        Err(p) => p,
    };
    let status = crate::http::status::of(problem.code);
    if status.is_server_error() {
        return Err(problem.into());
    }
    // The form exists: a name it could not find is a bad field, not a missing page.
    let status = if status == StatusCode::NOT_FOUND {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let message = PageError::from(problem).message;
    let chosen = Chosen::read(&access, &form);
    show(
        &viewer,
        &form,
        chosen,
        Found::default(),
        Some(message),
        status,
    )
}

/// `CONNECTION/NAME` as the service's names take it (`CONNECTION:NAME`); anything else as typed.
fn service_name(key: &str) -> String {
    match key.split_once('/') {
        Some((conn, name)) => format!("{conn}:{name}"),
        None => key.to_string(),
    }
}

fn show(
    viewer: &Viewer,
    fields: &FormData,
    chosen: Chosen,
    found: Found,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let wanted = fields.all("privilege");
    let mut privileges: Vec<Offered> = Vec::new();
    for word in chosen.resources.iter().flat_map(|r| r.takes.iter()) {
        if !privileges.iter().any(|o| o.word == *word) {
            privileges.push(Offered {
                word,
                checked: wanted.iter().any(|w| w.eq_ignore_ascii_case(word)),
            });
        }
    }
    let page = NewRequestPage {
        layout: viewer.layout("New request", "new"),
        found,
        resources: chosen.resources,
        roles: chosen.roles,
        privileges,
        reason: fields.get("reason").unwrap_or_default().to_string(),
        duration: fields.get("duration").unwrap_or_default().to_string(),
        durations: DURATIONS,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// What the form's `resource` and `role` fields name, looked up in the access graph; a name
/// that is not there (an old link, a hand-edited address) is an error line, not a failure.
struct Chosen {
    resources: Vec<ChosenResource>,
    roles: Vec<ChosenRole>,
    errors: Vec<String>,
}

impl Chosen {
    fn read(access: &Access, fields: &FormData) -> Chosen {
        let mut out = Chosen {
            resources: Vec::new(),
            roles: Vec::new(),
            errors: Vec::new(),
        };
        let resources = capped(fields.all("resource"), MAX_RESOURCES, "resources", &mut out);
        let roles = capped(fields.all("role"), MAX_ROLES, "roles", &mut out);
        let q = fields.get("q").unwrap_or_default();
        let remove = |field: &str, key: &str| without(&resources, &roles, q, field, key);
        for key in &resources {
            match look_up(access, Target::Resource, key, "resource") {
                Ok((c, id)) => {
                    let conn = access.conn(c);
                    let r = conn.resource(id);
                    out.resources.push(ChosenResource {
                        key: key.to_string(),
                        name: r.name.clone(),
                        kind: r.kind.to_string(),
                        connection: conn.name.clone(),
                        takes: vocabulary::words(conn.platform, r.kind).to_vec(),
                        remove: remove("resource", key),
                    });
                }
                Err(e) => out.errors.push(e),
            }
        }
        for key in &roles {
            match look_up(access, Target::Identity, key, "role") {
                Ok((c, id)) => {
                    let conn = access.conn(c);
                    let i = conn.identity(id);
                    if !grantable(i.kind.as_str()) {
                        out.errors.push(format!(
                            "{} is a {} on {}, not a role or group one can be granted",
                            i.name, i.kind, conn.name
                        ));
                        continue;
                    }
                    out.roles.push(ChosenRole {
                        key: key.to_string(),
                        name: i.name.clone(),
                        kind: i.kind.to_string(),
                        connection: conn.name.clone(),
                        remove: remove("role", key),
                    });
                }
                Err(e) => out.errors.push(e),
            }
        }
        out
    }

    /// The keys chosen, to mark them in the search results.
    fn keys(&self) -> Vec<String> {
        self.resources
            .iter()
            .map(|r| r.key.clone())
            .chain(self.roles.iter().map(|r| r.key.clone()))
            .collect()
    }
}

/// The distinct values, at most `max` of them (more is an error line).
fn capped<'a>(values: Vec<&'a str>, max: usize, what: &str, out: &mut Chosen) -> Vec<&'a str> {
    let mut kept: Vec<&str> = Vec::new();
    for v in values {
        if !kept.contains(&v) {
            kept.push(v);
        }
    }
    if kept.len() > max {
        out.errors.push(format!(
            "at most {max} {what} per request ({} given)",
            kept.len()
        ));
        kept.truncate(max);
    }
    kept
}

/// The one resource or identity `CONNECTION/NAME` names, as (connection, id).
fn look_up(access: &Access, target: Target, key: &str, field: &str) -> Result<(u32, u32), String> {
    let (conn, name) = key
        .split_once('/')
        .ok_or_else(|| format!("{field} {key:?} is not CONNECTION/NAME"))?;
    let (c, _) = access
        .graph
        .connection(conn)
        .ok_or_else(|| format!("{field} {key:?}: there is no connection {conn:?}"))?;
    let hit = access
        .resolve(target, name, Some(c as u32), field)
        .map_err(|p: Problem| format!("{field} {key:?}: {}", p.message))?;
    Ok((hit.conn, hit.id))
}

/// This page's address without the choice `field=key`.
fn without(resources: &[&str], roles: &[&str], q: &str, field: &str, key: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (f, list) in [("resource", resources), ("role", roles)] {
        for k in list.iter().filter(|k| !(f == field && **k == key)) {
            parts.push(format!("{f}={}", url_encode(k)));
        }
    }
    if !q.is_empty() {
        parts.push(format!("q={}", url_encode(q)));
    }
    format!("/requests/new?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_key_becomes_a_name_the_service_resolves_in_its_connection() {
        assert_eq!(
            service_name("warehouse/prod.crm.leads"),
            "warehouse:prod.crm.leads"
        );
        assert_eq!(service_name("crm.leads"), "crm.leads");
    }

    #[test]
    fn removing_a_choice_keeps_the_others_and_the_query() {
        let url = without(
            &["w/a.b", "w/c"],
            &["w/r&d"],
            "or ders",
            "resource",
            "w/a.b",
        );
        assert_eq!(
            url,
            "/requests/new?resource=w%2Fc&role=w%2Fr%26d&q=or%20ders"
        );
    }
}
