//! `/drift`: what needs an admin's eye after the fact: open drift records (a grant Warden made
//! that the platform no longer shows, or one it revoked that is back), failed requests with a
//! `Retry` button (`POST /drift/retry/{id}`, the service of `POST /v1/requests/{id}/retry`), and
//! jobs failing and waiting to be tried again. The services decide who may read and retry.

use super::form::Posted;
use super::page::{Layout, PageError, render};
use super::session::Viewer;
use crate::app::App;
use crate::drift::DriftRecord;
use crate::requests::{AccessRequest, Status};
use crate::store::drift::DriftFilter;
use crate::store::jobs::Job;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

/// Drift records and failed requests shown (the oldest drift, the newest failures).
const PAGE: i64 = 100;

/// A waiting job, as the page shows it.
pub struct JobView {
    pub job: Job,
    /// When it runs next, as a UTC time.
    pub next_run: String,
}

#[derive(Template)]
#[template(path = "drift.html")]
struct DriftPage {
    layout: Layout,
    drift: Vec<DriftRecord>,
    more_drift: bool,
    failed: Vec<AccessRequest>,
    more_failed: bool,
    jobs: Vec<JobView>,
}

impl DriftPage {
    fn detail(&self, r: &DriftRecord) -> String {
        r.detail.to_string()
    }
}

/// `GET /drift`.
pub async fn page(State(app): State<App>, viewer: Viewer) -> Result<Response, PageError> {
    let mut drift = crate::drift::list(
        &app.store,
        &viewer.who,
        &DriftFilter {
            limit: PAGE + 1,
            ..DriftFilter::default()
        },
    )
    .await?;
    let more_drift = drift.len() as i64 > PAGE;
    drift.truncate(PAGE as usize);
    let (failed, next) = app
        .requests
        .list(&viewer.who, Some(Status::Failed), None, None, None, PAGE)
        .await?;
    let jobs = crate::jobs::failing(&app.store, &viewer.who)
        .await?
        .into_iter()
        .map(|job| JobView {
            next_run: chrono::DateTime::from_timestamp_millis(job.run_at)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default(),
            job,
        })
        .collect();
    render(&DriftPage {
        layout: viewer.layout("Drift and failures", "drift"),
        drift,
        more_drift,
        failed,
        more_failed: next.is_some(),
        jobs,
    })
}

/// `POST /drift/retry/{id}`: provision a failed request again, then back to the page.
pub async fn retry(
    State(app): State<App>,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PageError> {
    app.requests.retry(&posted.viewer.who, &id).await?;
    Ok(Redirect::to("/drift").into_response())
}
