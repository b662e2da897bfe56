//! `/audit`: the audit log newest first, a page at a time, filtered by kind, actor, request and
//! time; the hash chain's state (verified up to its head, or where it breaks); and the same
//! selection downloaded as JSON lines or CSV (`/audit/export.jsonl`, `/audit/export.csv`). Who may
//! read it is `audit::may_read`, as for `GET /v1/audit`.

use super::page::{Layout, PageError, render, url_encode};
use super::session::Viewer;
use crate::app::App;
use crate::audit::{ChainStatus, Export, Format, time_bound};
use crate::error::Problem;
use crate::model::audit::{AuditEvent, AuditFilter};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Events on one page.
const PAGE: i64 = 50;
/// How much of an event's data a row shows.
const DATA_CHARS: usize = 300;

/// The filters, as the form sends them (blank means any).
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub request: String,
    /// A date (`2026-12-06`) or an RFC 3339 time: events from then on.
    #[serde(default)]
    pub since: String,
    /// A date (that whole day included) or an RFC 3339 time: events before then.
    #[serde(default)]
    pub until: String,
    /// The paging cursor: events before this sequence number.
    #[serde(default)]
    pub cursor: String,
}

impl Filters {
    /// The store's filter for these fields; a field that makes no sense is a 400 naming it.
    fn to_filter(&self) -> Result<AuditFilter, Problem> {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let before = match text(&self.cursor) {
            None => None,
            Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                Problem::invalid("cursor", format!("{c:?} is not a cursor this page gave"))
            })?),
        };
        Ok(AuditFilter {
            kind: text(&self.kind),
            actor: text(&self.actor),
            request_id: text(&self.request),
            since: time_bound("since", &self.since, false)?,
            until: time_bound("until", &self.until, true)?,
            newest_first: true,
            before,
            limit: PAGE + 1,
            ..AuditFilter::default()
        })
    }

    /// The filters as a query string (without the cursor), for the export links and paging.
    pub fn query(&self) -> String {
        format!(
            "kind={}&actor={}&request={}&since={}&until={}",
            url_encode(self.kind.trim()),
            url_encode(self.actor.trim()),
            url_encode(self.request.trim()),
            url_encode(self.since.trim()),
            url_encode(self.until.trim()),
        )
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    filters: Filters,
    items: Vec<AuditEvent>,
    chain: ChainStatus,
    query: String,
    next: Option<String>,
}

impl AuditPage {
    /// The event's data as one line of JSON, cut short (the export has it whole).
    fn data(&self, e: &AuditEvent) -> String {
        crate::chat::cut(&e.data.to_string(), DATA_CHARS)
    }
}

/// `GET /audit`.
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let filter = filters.to_filter()?;
    let mut items = crate::audit::page(&app.store, &viewer.who, &filter).await?;
    let query = filters.query();
    let next = if items.len() as i64 > PAGE {
        items.truncate(PAGE as usize);
        items
            .last()
            .map(|e| format!("/audit?{query}&cursor={}", e.seq))
    } else {
        None
    };
    let chain = crate::audit::status_for(&app.store, &viewer.who).await?;
    render(&AuditPage {
        layout: viewer.layout("Audit log", "audit"),
        filters,
        items,
        chain,
        query,
        next,
    })
}

/// `GET /audit/export.jsonl`.
pub async fn export_jsonl(
    State(app): State<App>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    export(app, viewer, filters, Format::Jsonl).await
}

/// `GET /audit/export.csv`.
pub async fn export_csv(
    State(app): State<App>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    export(app, viewer, filters, Format::Csv).await
}

/// Every event the page's filters select (all pages, oldest first, as `warden audit export`
/// writes them), downloaded the way `GET /v1/audit?format=` answers.
async fn export(
    app: App,
    viewer: Viewer,
    filters: Filters,
    format: Format,
) -> Result<Response, PageError> {
    crate::audit::may_read(&viewer.who, "reading the audit log")?;
    let mut filter = filters.to_filter()?;
    filter.before = None;
    let export = Export::filtered(app.store.clone(), format, filter, None);
    Ok(crate::http::audit_download(export).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_must_be_a_sequence_number() {
        let f = Filters {
            cursor: "abc".into(),
            ..Filters::default()
        };
        assert!(f.to_filter().is_err());
        let f = Filters {
            cursor: "12".into(),
            ..Filters::default()
        };
        assert_eq!(f.to_filter().unwrap().before, Some(12));
    }
}
