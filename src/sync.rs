//! `warden sync`: read every configured live connection (or one) and import what was read. A
//! connection that fails keeps its last good snapshot; the failure is recorded and reported, and
//! the others are imported all the same.

use crate::app::App;
use crate::connectors::{self, ConnectorError};
use crate::error::Problem;
use crate::model::audit::NewEvent;
use crate::requests::clock::stamp;
use serde::Serialize;
use serde_json::json;
use std::time::Instant;

/// How one connection's sync ended.
#[derive(Debug, Clone, Serialize)]
pub struct SyncResult {
    pub connection: String,
    pub ok: bool,
    /// Seconds the read took.
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identities: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ConnectorError>,
    /// What the platform holds that the snapshot could not (a BigQuery authorized view, groups
    /// whose members are not known).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Drift against what Warden provisioned, compared after a good sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<crate::drift::Outcome>,
}

impl Serialize for ConnectorError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::json!({"kind": self.kind, "message": self.message}).serialize(s)
    }
}

/// Syncs the configured connections (`only` one of them, when given).
pub async fn sync(app: &App, only: Option<&str>) -> Result<Vec<SyncResult>, Problem> {
    let configured = &app.config.connections;
    let chosen: Vec<_> = configured
        .iter()
        .filter(|c| only.is_none_or(|n| c.name == n))
        .collect();
    if chosen.is_empty() {
        return Err(match only {
            Some(n) => Problem::new(
                crate::error::ErrorCode::NotFound,
                format!("no connection named {n:?} in the config"),
            )
            .with_candidates(
                configured
                    .iter()
                    .map(|c| crate::error::Candidate {
                        name: c.name.clone(),
                        kind: c.platform.to_string(),
                        connection: c.name.clone(),
                    })
                    .collect(),
            ),
            None => Problem::invalid(
                "connections",
                "no [[connections]] in the config; add one with name, platform and url",
            ),
        });
    }
    let mut results = Vec::new();
    let mut read = Vec::new();
    for cfg in chosen {
        let started = Instant::now();
        let outcome = connectors::read_noted(cfg).await;
        let seconds = started.elapsed().as_secs_f64();
        match outcome {
            Ok((conn, notes)) => {
                for note in &notes {
                    tracing::info!(connection = %cfg.name, note = %note, "sync note");
                }
                results.push(SyncResult {
                    connection: cfg.name.clone(),
                    ok: true,
                    seconds,
                    identities: Some(conn.identities.len()),
                    resources: Some(conn.resources.len()),
                    grants: Some(conn.grants.len()),
                    error: None,
                    notes,
                    drift: None,
                });
                read.push(conn);
            }
            Err(e) => {
                tracing::warn!(connection = %cfg.name, error = %e, "sync failed; keeping the last good snapshot");
                results.push(SyncResult {
                    connection: cfg.name.clone(),
                    ok: false,
                    seconds,
                    identities: None,
                    resources: None,
                    grants: None,
                    error: Some(e),
                    notes: Vec::new(),
                    drift: None,
                });
            }
        }
    }
    if !read.is_empty() {
        app.import(read).await?;
    }
    for r in &results {
        let kind = r.error.as_ref().map(|e| e.kind.to_string());
        let error = match (&kind, &r.error) {
            (Some(k), Some(e)) => Some((k.as_str(), e.message.as_str())),
            _ => None,
        };
        let millis = (r.seconds * 1000.0).round() as i64;
        app.store.record_sync(&r.connection, error, millis).await?;
        app.metrics.sync_ran(&r.connection, r.ok);
    }
    audit(app, &results).await?;
    for r in results.iter_mut().filter(|r| r.ok) {
        // Drift is a finding about the platform, not a failure of the sync: a problem comparing
        // is logged and the sync stands.
        match crate::drift::check(app, &r.connection).await {
            Ok(outcome) => r.drift = Some(outcome),
            Err(e) => tracing::warn!(connection = %r.connection, error = %e, "drift check failed"),
        }
    }
    Ok(results)
}

/// One `sync` event per connection, by `warden`: its counts, or the failure's kind and message
/// (which never hold the URL).
async fn audit(app: &App, results: &[SyncResult]) -> Result<(), Problem> {
    let events: Vec<NewEvent> = results
        .iter()
        .map(|r| {
            let data = match &r.error {
                None => json!({
                    "connection": r.connection,
                    "ok": true,
                    "identities": r.identities,
                    "resources": r.resources,
                    "grants": r.grants,
                }),
                Some(e) => json!({
                    "connection": r.connection,
                    "ok": false,
                    "error": {"kind": e.kind, "message": e.message},
                }),
            };
            NewEvent::new("warden", "sync", None, data)
        })
        .collect();
    let at = stamp(app.requests.clock().now());
    app.store.append_audit(&at, &events).await?;
    Ok(())
}

/// How often a server looks for a due sync.
const TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs each connection's periodic sync (`sync_interval`) for as long as the server runs. Every
/// server sharing the store runs this loop; the store's claim makes each due sync run once.
pub async fn periodic(app: App, mut stop: crate::app::Stop) {
    let scheduled: Vec<(String, i64)> = app
        .config
        .connections
        .iter()
        .filter_map(|c| Some((c.name.clone(), c.sync_interval?.as_secs() as i64)))
        .collect();
    if scheduled.is_empty() {
        return;
    }
    let mut tick = tokio::time::interval(TICK);
    loop {
        // Stops between syncs, never during one (an import is written whole or not at all, but
        // a read half done would be wasted).
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let now = app.store.clock().now().timestamp();
        for (name, interval) in &scheduled {
            match app.store.claim_sync(name, now, *interval).await {
                Ok(true) => {
                    if let Err(e) = sync(&app, Some(name)).await {
                        tracing::warn!(connection = %name, error = %e, "periodic sync failed");
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the sync schedule"),
            }
        }
    }
}
