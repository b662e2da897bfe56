//! Bearer tokens on `/v1` and `/mcp`: the token's hash is looked up in the store and the
//! [`Principal`] it stands for goes into the request's extensions for the handlers (and rmcp).

use super::HttpError;
use crate::app::App;
use crate::error::{ErrorCode, Problem};
use crate::people::Principal;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn require_token(State(app): State<App>, mut req: Request, next: Next) -> Response {
    // Only the header crosses the await: a request body is not `Sync`.
    let header = req.headers().get(header::AUTHORIZATION).cloned();
    match principal(&app, header).await {
        Ok(who) => {
            req.extensions_mut().insert(who);
            next.run(req).await
        }
        Err(e) => {
            let mut resp = HttpError(e).into_response();
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"warden\""),
            );
            resp
        }
    }
}

async fn principal(app: &App, header: Option<HeaderValue>) -> Result<Principal, Problem> {
    let unauthenticated = |m: &str| Problem::new(ErrorCode::Unauthenticated, m);
    let value =
        header.ok_or_else(|| unauthenticated("missing Authorization: Bearer TOKEN header"))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthenticated("the Authorization header is not \"Bearer TOKEN\""))?;
    app.people
        .principal_for_token(token)
        .await?
        .ok_or_else(|| unauthenticated("unknown or revoked token"))
}
