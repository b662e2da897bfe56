//! `/people`: people with their roles and linked identities (reviewers and admins, as
//! `GET /v1/people`); for admins also every token (never a secret: only hashes are kept) and
//! forms to add a person, create a token (its secret shown once, on the page that answers the
//! form) and revoke one. Every rule is `app.people`'s.

use super::form::Posted;
use super::hrefs;
use super::page::{Layout, PageError, render};
use super::session::Viewer;
use crate::app::App;
use crate::people::{Role, TokenInfo};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

pub struct LinkRow {
    pub connection: String,
    pub identity: String,
    pub href: String,
    pub source: String,
}

pub struct PersonRow {
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub created_at: String,
    pub links: Vec<LinkRow>,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    layout: Layout,
    people: Vec<PersonRow>,
    tokens: Vec<TokenInfo>,
    roles: Vec<&'static str>,
    /// A token just created: shown this once.
    created: Option<Created>,
}

pub struct Created {
    pub id: String,
    pub person: String,
    pub agent: Option<String>,
    pub secret: String,
}

/// The page, with the token just created (if any) on top.
async fn show(app: &App, viewer: &Viewer, created: Option<Created>) -> Result<Response, PageError> {
    // The service refuses requesters the people, and anyone but an admin the tokens.
    let tokens = match viewer.is_admin() {
        true => app.people.tokens_for(&viewer.who).await?,
        false => Vec::new(),
    };
    let people = app
        .people
        .overview(&viewer.who)
        .await?
        .into_iter()
        .map(|(p, links)| PersonRow {
            links: links
                .into_iter()
                .map(|l| LinkRow {
                    href: hrefs::identity(&l.connection, &l.identity),
                    connection: l.connection,
                    identity: l.identity,
                    source: l.source,
                })
                .collect(),
            name: p.name,
            email: p.email,
            role: p.role,
            created_at: p.created_at,
        })
        .collect();
    let page = render(&PeoplePage {
        layout: viewer.layout("People", "people"),
        people,
        tokens,
        roles: [Role::Requester, Role::Reviewer, Role::Admin]
            .iter()
            .map(|r| r.as_str())
            .collect(),
        created,
    })?;
    Ok(page)
}

pub async fn page(State(app): State<App>, viewer: Viewer) -> Result<Response, PageError> {
    show(&app, &viewer, None).await
}

/// `POST /people`: add a person (`name`, `email`, `role`).
pub async fn add(
    State(app): State<App>,
    Posted { viewer, form }: Posted,
) -> Result<Response, PageError> {
    let role = Role::parse(form.get("role").unwrap_or("requester"))
        .map_err(|m| PageError::new(StatusCode::BAD_REQUEST, m))?;
    app.people
        .add_person_by(&viewer.who, form.require("name")?, role, form.get("email"))
        .await?;
    Ok(Redirect::to("/people").into_response())
}

/// `POST /people/tokens`: a new token for `person` (or an `agent` acting for them); the answer
/// is the page with the secret shown once (never stored, never shown again).
pub async fn create_token(
    State(app): State<App>,
    Posted { viewer, form }: Posted,
) -> Result<Response, PageError> {
    let (person, token) = app
        .people
        .create_token_by(&viewer.who, form.require("person")?, form.get("agent"))
        .await?;
    let created = Created {
        id: token.id,
        person: person.name,
        agent: form.get("agent").map(str::to_string),
        secret: token.secret,
    };
    show(&app, &viewer, Some(created)).await
}

/// `POST /people/tokens/revoke`: revoke the token `id`.
pub async fn revoke_token(
    State(app): State<App>,
    Posted { viewer, form }: Posted,
) -> Result<Response, PageError> {
    let id = form.require("id")?;
    if !app.people.revoke_token_by(&viewer.who, id).await? {
        return Err(PageError::not_found(format!("no live token {id:?}")));
    }
    Ok(Redirect::to("/people").into_response())
}
