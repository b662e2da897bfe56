//! `GET /metrics`: the Prometheus scrape. No token, like `/healthz` (INTERFACE.md): the labels
//! are route templates, tool, engine and connection names, never ids, names of people or text.

use crate::app::App;
use crate::metrics::{CLASSIC_CONTENT_TYPE, classic};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;

/// OpenMetrics text, which Prometheus asks for first.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// This server's counters with the store's gauges as they are now: OpenMetrics to a scraper
/// that accepts it, else the classic text format. A store that cannot be read still gives the
/// counters, with `warden_store_readable` at 0.
pub async fn scrape(State(app): State<App>, headers: HeaderMap) -> impl IntoResponse {
    let now = app.requests.clock().now().timestamp_millis();
    let gauges = match app.store.gauges(now).await {
        Ok(g) => Some(g),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the store's gauges");
            None
        }
    };
    let text = app.metrics.render_with(gauges.as_ref(), now);
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"));
    if openmetrics {
        ([(header::CONTENT_TYPE, OPENMETRICS)], text)
    } else {
        (
            [(header::CONTENT_TYPE, CLASSIC_CONTENT_TYPE)],
            classic(&text),
        )
    }
}
