//! `GET /v1/audit` (a page of events, or with `?format=csv|jsonl` the whole log as a download),
//! `GET /v1/audit/verify` and `GET /v1/drift`. Reviewers and admins only (INTERFACE.md "Who may
//! do what"): the log names every person's requests.

use crate::app::App;
use crate::audit::{Export, Format};
use crate::error::ApiError;
use crate::model::audit::AuditFilter;
use crate::people::{Principal, Role};
use crate::store::drift::DriftFilter;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::json;

/// Events per page when `limit` is not given, and the most one page may hold.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/audit", get(list))
        .route("/audit/verify", get(verify))
        .route("/drift", get(drift))
}

/// Every parameter is text here and parsed below, so that a bad one is answered with the error
/// document naming it rather than axum's plain-text rejection.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    pub request: Option<String>,
    pub kind: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DriftQuery {
    pub request: Option<String>,
    pub connection: Option<String>,
    /// `true`: resolved records too.
    pub all: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn limit(v: &Option<String>) -> Result<i64, ApiError> {
    match given(v) {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "limit",
                    format!("{s:?} is not a number from 1 to {MAX_LIMIT}"),
                )
            }),
    }
}

pub async fn list(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    who.require(Role::Reviewer, "reading the audit log")?;
    let after = match given(&q.cursor) {
        None => 0,
        Some(c) => c.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::invalid("cursor", format!("{c:?} is not a cursor this server gave"))
        })?,
    };
    if let Some(f) = given(&q.format) {
        let format = Format::parse(&f).map_err(|m| ApiError::invalid("format", m))?;
        let max = given(&q.limit).map(|_| limit(&q.limit)).transpose()?;
        return download(app, format, given(&q.request), given(&q.kind), after, max).await;
    }
    let limit = limit(&q.limit)?;
    let mut items = app
        .store
        .audit(&AuditFilter {
            after,
            request_id: given(&q.request),
            kind: given(&q.kind),
            limit: limit + 1,
        })
        .await?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    Ok(Json(json!({"items": items, "next_cursor": next})).into_response())
}

/// The log as a file, streamed a page at a time. The first page is read before answering, so
/// that a store that cannot be read is a proper error rather than a cut-off download.
async fn download(
    app: App,
    format: Format,
    request: Option<String>,
    kind: Option<String>,
    after: i64,
    max: Option<i64>,
) -> Result<Response, ApiError> {
    let mut export = Export::new(app.store.clone(), format, request, kind, after, max);
    let first = export.next_chunk().await?;
    let rest = stream::unfold(Some(export), |state| async move {
        let mut export = state?;
        match export.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok(Bytes::from(chunk)), Some(export))),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "audit export failed part way");
                Some((Err(std::io::Error::other(e.message)), None))
            }
        }
    });
    let body = stream::iter(first.map(|c| Ok(Bytes::from(c)))).chain(rest);
    let disposition = format!(
        "attachment; filename=\"warden-audit.{}\"",
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

pub async fn verify(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
) -> Result<Response, ApiError> {
    who.require(Role::Reviewer, "verifying the audit log")?;
    Ok(Json(crate::audit::verify(&app.store).await?).into_response())
}

pub async fn drift(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Query(q): Query<DriftQuery>,
) -> Result<Response, ApiError> {
    who.require(Role::Reviewer, "reading drift")?;
    let limit = limit(&q.limit)?;
    let after = match given(&q.cursor) {
        None => None,
        Some(c) => {
            let (at, id) = c.split_once('~').ok_or_else(|| {
                ApiError::invalid("cursor", format!("{c:?} is not a cursor this server gave"))
            })?;
            Some((at.to_string(), id.to_string()))
        }
    };
    let include_resolved = match given(&q.all).as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "all",
                format!("{other:?} is not true or false"),
            ));
        }
    };
    let mut items = app
        .store
        .drift(&DriftFilter {
            include_resolved,
            connection: given(&q.connection),
            request_id: given(&q.request),
            after,
            limit: limit + 1,
        })
        .await?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|r| format!("{}~{}", r.found_at, r.id))
    } else {
        None
    };
    Ok(Json(json!({"items": items, "next_cursor": next})).into_response())
}
