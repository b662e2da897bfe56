//! Signing in and out: `/login` takes a person's bearer token (the field `token`) and starts a
//! session; `/login/link/{secret}` uses up a one-time link (`warden demo` prints one per person);
//! `POST /logout` ends the session everywhere. The login form is itself CSRF-protected with a
//! double-submit cookie, since there is no session yet to hold its token.

use super::form::{CSRF_FIELD, read_form, same_secret};
use super::page::{Layout, PageError, local_path, render};
use super::session::{COOKIE, MaybeViewer, cookie, set_cookie};
use super::{Posted, SignInQuery};
use crate::app::App;
use crate::people::sessions::{StartedSession, random_secret};
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::time::Duration;

/// The cookie that carries the login form's CSRF token (double submit).
const LOGIN_COOKIE: &str = "warden_login";
const LOGIN_COOKIE_TTL: Duration = Duration::from_secs(3600);

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    error: Option<String>,
    /// `/login/oidc?next=…` when single sign-on is configured.
    sso: Option<String>,
}

/// `GET /`: the requests when signed in, else the sign-in page.
pub async fn home(MaybeViewer(viewer): MaybeViewer) -> Redirect {
    match viewer {
        Some(_) => Redirect::to("/requests"),
        None => Redirect::to("/login"),
    }
}

/// `GET /login`.
pub async fn form(
    State(app): State<App>,
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<SignInQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let next = local_path(q.next.as_deref());
    if viewer.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    login_page(&app, &headers, next, None, StatusCode::OK)
}

fn login_page(
    app: &App,
    headers: &HeaderMap,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let token = cookie(headers, LOGIN_COOKIE).unwrap_or_else(random_secret);
    let mut layout = Layout::anonymous("Sign in");
    layout.csrf = token.clone();
    let sso = app
        .oidc
        .is_some()
        .then(|| format!("/login/oidc?next={}", super::page::url_encode(&next)));
    let mut resp = render(&LoginPage {
        layout,
        next,
        error,
        sso,
    })?;
    *resp.status_mut() = status;
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, &token, LOGIN_COOKIE_TTL, headers),
    );
    Ok(resp)
}

/// `POST /login`: a person's token starts a session; anything else shows the form again.
pub async fn submit(State(app): State<App>, req: Request) -> Result<Response, PageError> {
    let headers = req.headers().clone();
    let form = read_form(req, &app).await?;
    let next = local_path(form.get("next"));
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(form.get(CSRF_FIELD).unwrap_or_default(), &expected) {
        return login_page(
            &app,
            &headers,
            next,
            Some("the sign-in form expired: try again".into()),
            StatusCode::FORBIDDEN,
        );
    }
    let Some(token) = form.get("token") else {
        return login_page(
            &app,
            &headers,
            next,
            Some("paste your token".into()),
            StatusCode::BAD_REQUEST,
        );
    };
    match app.people.sign_in_with_token(token).await? {
        Some(started) => Ok(signed_in(started, &next, &headers)),
        None => login_page(
            &app,
            &headers,
            next,
            Some("that token is unknown, revoked or an agent's: ask an admin for yours".into()),
            StatusCode::UNAUTHORIZED,
        ),
    }
}

/// `GET /login/link/{secret}`: a one-time link signs in once.
pub async fn link(
    State(app): State<App>,
    Path(secret): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    match app.people.sign_in_with_link(&secret).await? {
        Some(started) => Ok(signed_in(started, "/requests", &headers)),
        None => Err(PageError::new(
            StatusCode::UNAUTHORIZED,
            "this sign-in link was used already or has expired: ask for a new one, or sign in with your token",
        )),
    }
}

/// `POST /logout`.
pub async fn logout(State(app): State<App>, posted: Posted) -> Result<Response, PageError> {
    app.people.end_session(&posted.viewer.secret).await?;
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(COOKIE, "", Duration::ZERO, &HeaderMap::new()),
    );
    Ok(resp)
}

pub fn signed_in(started: StartedSession, next: &str, headers: &HeaderMap) -> Response {
    let mut resp = Redirect::to(next).into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(COOKIE, &started.secret, started.expires_in, headers),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, "", Duration::ZERO, headers),
    );
    resp
}
