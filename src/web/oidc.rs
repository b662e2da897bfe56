//! `/login/oidc` and `/login/oidc/callback`: single sign-on through the configured OpenID
//! provider. The browser leaves with a state, a nonce and a PKCE challenge, whose secrets it
//! keeps in a short-lived cookie (its own sign-in's, used once); it comes back with a code that
//! only that cookie's verifier can redeem, for an ID token that must carry that nonce.

use super::SignInQuery;
use super::form::same_secret;
use super::login::signed_in;
use super::page::{PageError, local_path};
use super::session::{cookie, set_cookie};
use crate::app::App;
use crate::people::oidc::{Oidc, Pending};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// The cookie that holds a sign-in in progress.
const COOKIE: &str = "warden_oidc";
/// How long a person may take at the provider's pages.
const TTL: Duration = Duration::from_secs(600);

fn configured(app: &App) -> Result<Arc<Oidc>, PageError> {
    app.oidc.clone().ok_or_else(|| {
        PageError::new(
            StatusCode::NOT_FOUND,
            "single sign-on is not configured here: sign in with your token",
        )
    })
}

/// `GET /login/oidc[?next=/local/page]`: off to the provider.
pub async fn start(
    State(app): State<App>,
    Query(q): Query<SignInQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let oidc = configured(&app)?;
    let (url, pending) = oidc.begin(local_path(q.next.as_deref())).await?;
    let value = serde_json::to_vec(&pending)
        .map(|json| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let mut resp = Redirect::to(&url).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(COOKIE, &value, TTL, &headers),
    );
    Ok(resp)
}

/// What the provider sends the browser back with.
#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /login/oidc/callback`: the provider's answer, checked against this browser's sign-in,
/// and a session for the person it names. The sign-in's cookie is cleared whatever happens.
pub async fn callback(
    State(app): State<App>,
    Query(answer): Query<Answer>,
    headers: HeaderMap,
) -> Response {
    let result = finish(&app, answer, &headers).await;
    let mut resp = match result {
        Ok(resp) => resp,
        Err(e) => {
            tracing::warn!(status = e.status.as_u16(), reason = %e.message, "single sign-on refused");
            e.into_response()
        }
    };
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(COOKIE, "", Duration::ZERO, &headers),
    );
    resp
}

async fn finish(app: &App, answer: Answer, headers: &HeaderMap) -> Result<Response, PageError> {
    let oidc = configured(app)?;
    let bad = |m: &str| PageError::new(StatusCode::BAD_REQUEST, m);
    let pending: Pending = cookie(headers, COOKIE)
        .and_then(|v| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(v)
                .ok()
        })
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or_else(|| {
            bad("this sign-in was not started in this browser, or took too long: sign in again")
        })?;
    if let Some(error) = &answer.error {
        // The caller's text: shown and logged short and on one line.
        let tidy =
            |s: &str| -> String { s.chars().filter(|c| !c.is_control()).take(200).collect() };
        let error = tidy(error);
        let why = tidy(answer.error_description.as_deref().unwrap_or(&error));
        return Err(PageError::new(
            StatusCode::UNAUTHORIZED,
            format!("the provider did not sign you in ({error}): {why}"),
        ));
    }
    let (Some(code), Some(state)) = (&answer.code, &answer.state) else {
        return Err(bad("the provider's answer has no code or no state"));
    };
    if !same_secret(state, &pending.state) {
        return Err(bad(
            "this answer belongs to another sign-in (its state does not match): sign in again",
        ));
    }
    let verified = oidc.finish(&pending, code).await?;
    let started = app.people.sign_in_oidc(oidc.config(), &verified).await?;
    tracing::info!(email = %verified.email, "signed in with single sign-on");
    // The cookie is the browser's to change: its page is checked again as the start did.
    Ok(signed_in(
        started,
        &local_path(Some(&pending.next)),
        headers,
    ))
}
