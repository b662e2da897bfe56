//! The notifier: follows the audit log and queues the Slack jobs of each request's events. The
//! cursor moves in the transaction that queues them, so every event is queued exactly once,
//! whichever server reads it first, and an event written while Slack was down is queued all the
//! same: the jobs wait, Slack's outage never reaches the request workflow.

use super::job::SlackJob;
use super::notice::jobs_for;
use crate::app::{App, Stop};
use crate::error::Problem;
use std::time::Duration;

/// How often the log is looked at for new events.
const POLL: Duration = Duration::from_millis(200);
/// Events read (and queued in one transaction) at a time.
const BATCH: i64 = 200;

/// Follows the log until `stop`; starts at its end the first time Slack is configured.
pub async fn run(app: App, channel: String, mut stop: Stop) {
    while !*stop.borrow() {
        match step(&app, &channel).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e.line(), "Slack notifier: retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}

/// Queues the jobs of the next batch of events; true when there may be more.
pub async fn step(app: &App, channel: &str) -> Result<bool, Problem> {
    let store = &app.store;
    let from = match store.slack_cursor().await? {
        Some(seq) => seq,
        None => {
            store.slack_start().await?;
            return Ok(true);
        }
    };
    let events = store.audit_raw_page(from, i64::MAX, BATCH).await?;
    let Some(last) = events.last() else {
        return Ok(false);
    };
    let to = last.seq;
    let now = app.requests.clock().now().timestamp_millis();
    let (mut messages, mut jobs) = (Vec::new(), Vec::new());
    // A request's events come in runs (created, drafted_by_ai, approved…): read each once.
    let mut requesters: std::collections::HashMap<&str, Option<String>> = Default::default();
    for event in &events {
        let Some(id) = &event.request_id else {
            continue;
        };
        let requester = match requesters.get(id.as_str()) {
            Some(known) => known.clone(),
            None => {
                let found = store.request(id).await?.map(|(r, _)| r.requester);
                requesters.insert(id, found.clone());
                found
            }
        };
        let Some(requester) = requester else {
            continue;
        };
        for job in jobs_for(event, id, &requester) {
            if let SlackJob::Announce { request } = &job {
                messages.push((request.clone(), channel.to_string()));
            }
            jobs.push(job.queued(now));
        }
    }
    if store.slack_advance(from, to, &messages, &jobs).await? && !jobs.is_empty() {
        app.requests.wake().notify_one();
    }
    Ok(events.len() as i64 == BATCH)
}
