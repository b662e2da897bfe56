//! The HTTP edge: axum routes, the error document as responses, bearer tokens on `/v1` and
//! `/mcp`.

mod audit;
mod auth;
mod chat;
mod mcp;
mod tools;

use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
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
        .route("/chat", post(chat::chat))
        .merge(audit::routes());
    let guarded = Router::new()
        .nest("/v1", v1)
        .nest_service(
            "/mcp",
            mcp::service(app.clone(), app.config.mcp.allowed_hosts.clone()),
        )
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            auth::require_token,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(guarded)
        .fallback(|| async { ApiError::new(ErrorCode::NotFound, "no such route") })
        .with_state(app)
}

/// Parses a JSON request body; a problem is a 400 naming its JSON path.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        ApiError::invalid(path, format!("bad request body: {}", e.into_inner()))
    })?;
    de.end()
        .map_err(|e| ApiError::invalid("", format!("bad request body: {e}")))?;
    Ok(value)
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
    let refresh = tokio::spawn(app.clone().keep_fresh());
    let syncing = tokio::spawn(crate::sync::periodic(app.clone()));
    let jobs = tokio::spawn(crate::jobs::run_forever(app.requests.clone()));
    let result = axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    refresh.abort();
    syncing.abort();
    jobs.abort();
    result
}
