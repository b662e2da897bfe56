//! `GET /v1/audit` (a page of events, or with `?format=csv|jsonl` the whole log as a download),
//! `GET /v1/audit/verify` and `GET /v1/drift`. Reviewers and admins only (INTERFACE.md "Who may
//! do what"): the log names every person's requests.

use super::HttpError;
use super::query::{Params, bad_cursor, cut_page, given, limit};
use crate::app::App;
use crate::audit::{Export, Format, Verification, time_bound};
use crate::error::Problem;
use crate::model::audit::AuditFilter;
use crate::people::Principal;
use crate::store::drift::{DriftFilter, DriftRecord};
use aide::axum::ApiRouter;
use aide::axum::routing::get_with;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;

/// A page of the log.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct AuditPage {
    pub items: Vec<crate::model::audit::AuditEvent>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A page of drift records.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct DriftPage {
    pub items: Vec<DriftRecord>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

pub fn routes() -> ApiRouter<App> {
    ApiRouter::new()
        .api_route(
            "/audit",
            get_with(list, |op| {
                op.id("listAuditEvents")
                    .tag("audit")
                    .summary(
                        "Audit events in order (reviewers); `?format=csv|jsonl` downloads them all",
                    )
                    .response::<200, Json<AuditPage>>()
            }),
        )
        .api_route(
            "/audit/verify",
            get_with(verify, |op| {
                op.id("verifyAuditLog")
                    .tag("audit")
                    .summary("Check the hash chain; every break named by its event")
            }),
        )
        .api_route(
            "/drift",
            get_with(drift, |op| {
                op.id("listDrift")
                    .tag("audit")
                    .summary("Differences between what Warden provisioned and the last sync")
            }),
        )
}

/// Every parameter is text here and parsed below, so that a bad one is answered with the error
/// document naming it rather than axum's plain-text rejection.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct AuditQuery {
    pub request: Option<String>,
    pub kind: Option<String>,
    /// Only this actor's events (as recorded: `alice`, `warden`).
    pub actor: Option<String>,
    /// A date (`2026-12-06`) or an RFC 3339 time: events from then on.
    pub since: Option<String>,
    /// A date (that whole day included) or an RFC 3339 time: events before then.
    pub until: Option<String>,
    /// Items per page, 1 to 1000 (default 100); with `format`, the most events to download.
    #[schemars(with = "Option<u32>", range(min = 1, max = 1000))]
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct DriftQuery {
    pub request: Option<String>,
    pub connection: Option<String>,
    /// `true`: resolved records too.
    #[schemars(with = "Option<bool>")]
    pub all: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    #[schemars(with = "Option<u32>", range(min = 1, max = 1000))]
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

pub async fn list(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Params(q): Params<AuditQuery>,
) -> Result<Response, HttpError> {
    let after = match given(&q.cursor) {
        None => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad_cursor(&c))?,
    };
    let filter = AuditFilter {
        after,
        request_id: given(&q.request),
        kind: given(&q.kind),
        actor: given(&q.actor),
        since: time_bound("since", q.since.as_deref().unwrap_or(""), false)?,
        until: time_bound("until", q.until.as_deref().unwrap_or(""), true)?,
        ..AuditFilter::default()
    };
    if let Some(f) = given(&q.format) {
        let format = Format::parse(&f).map_err(|m| Problem::invalid("format", m))?;
        let max = given(&q.limit).map(|_| limit(&q.limit)).transpose()?;
        crate::audit::may_read(&who, "reading the audit log")?;
        let export = Export::filtered(app.store.clone(), format, filter, max);
        return Ok(download(export).await?);
    }
    let limit = limit(&q.limit)?;
    let filter = AuditFilter {
        limit: limit + 1,
        ..filter
    };
    let mut items = crate::audit::page(&app.store, &who, &filter).await?;
    let next = cut_page(&mut items, limit, |e| e.seq.to_string());
    Ok(Json(AuditPage {
        items,
        next_cursor: next,
    })
    .into_response())
}

/// The log as a file, streamed a page at a time (the dashboard's export buttons answer with it
/// too). The first page is read before answering, so that a store that cannot be read is a
/// proper error rather than a cut-off download.
pub async fn download(mut export: Export) -> Result<Response, Problem> {
    let format = export.format();
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
) -> Result<Json<Verification>, HttpError> {
    Ok(Json(crate::audit::verify_for(&app.store, &who).await?))
}

pub async fn drift(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Params(q): Params<DriftQuery>,
) -> Result<Json<DriftPage>, HttpError> {
    let limit = limit(&q.limit)?;
    let after = match given(&q.cursor) {
        None => None,
        Some(c) => {
            let (at, id) = c.split_once('~').ok_or_else(|| bad_cursor(&c))?;
            Some((at.to_string(), id.to_string()))
        }
    };
    let include_resolved = match given(&q.all).as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => {
            return Err(Problem::invalid("all", format!("{other:?} is not true or false")).into());
        }
    };
    let filter = DriftFilter {
        include_resolved,
        connection: given(&q.connection),
        request_id: given(&q.request),
        after,
        limit: limit + 1,
    };
    let mut items = crate::drift::list(&app.store, &who, &filter).await?;
    let next = cut_page(&mut items, limit, |r| format!("{}~{}", r.found_at, r.id));
    Ok(Json(DriftPage {
        items,
        next_cursor: next,
    }))
}
