//! The HTTP edge: axum routes, the error document as responses, and the loopback guard that
//! stands in for tokens until people and tokens exist.

mod tools;

use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::net::SocketAddr;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.document())).into_response()
    }
}

/// Every route of the server.
pub fn router(app: App) -> Router {
    let v1 = Router::new()
        .route("/tools", get(tools::list))
        .route("/tools/{name}", post(tools::call))
        .route("/import", post(tools::import))
        .route_layer(middleware::from_fn(loopback_only));
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/v1", v1)
        .fallback(|| async { ApiError::new(ErrorCode::NotFound, "no such route") })
        .with_state(app)
}

/// Until bearer tokens exist (the assistant issue), `/v1` answers only callers on this machine.
async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if peer.ip().is_loopback() {
        next.run(req).await
    } else {
        ApiError::new(
            ErrorCode::Forbidden,
            "the API answers on loopback only until tokens are configured",
        )
        .into_response()
    }
}

async fn healthz(State(app): State<App>) -> Response {
    let access = app.access.load();
    axum::Json(serde_json::json!({
        "status": "ok",
        "generation": app.generation(),
        "connections": access.graph.connections.len(),
        "grants": access.graph.grant_count(),
    }))
    .into_response()
}

/// Binds `addr` and serves until Ctrl-C; the graph is refreshed when the store changes.
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let refresher = app.clone();
    let refresh = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = refresher.refresh_if_stale().await {
                tracing::warn!(error = %e, "graph refresh failed; still answering from the previous one");
            }
        }
    });
    let result = axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    refresh.abort();
    result
}
