//! The HTTP edge: axum routes, the error document as responses, bearer tokens on `/v1` and
//! `/mcp`.

mod audit;
mod auth;
mod chat;
mod directory;
mod edge;
mod mcp;
mod openapi;
mod query;
mod requests;
mod tools;

use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use std::sync::Arc;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.document())).into_response()
    }
}

/// Every route of the server, and the OpenAPI document built from them.
pub fn router(app: App) -> Router {
    use aide::axum::ApiRouter;
    use aide::axum::routing::{get_with, post_with};
    let v1 = ApiRouter::new()
        .api_route(
            "/tools",
            get_with(tools::list, |op| {
                op.id("listTools")
                    .tag("tools")
                    .summary("The tools, with the JSON schemas of their arguments and results")
            }),
        )
        .api_route(
            "/tools/{name}",
            post_with(tools::call, |op| {
                op.id("callTool")
                    .tag("tools")
                    .summary("Call one tool")
                    .description("The body is the tool's arguments (components `tool_NAME_Args`); the answer its result (`tool_NAME_Result`).")
                    .input::<query::PathParams<openapi::ToolName>>()
                    .input::<axum::Json<openapi::ToolArgs>>()
                    .response::<200, axum::Json<openapi::ToolResult>>()
            }),
        )
        .api_route(
            "/import",
            post_with(tools::import, |op| {
                op.id("importSnapshot")
                    .tag("import")
                    .summary("Import a snapshot document (SNAPSHOT.md); admins only")
                    .input::<axum::Json<serde_json::Value>>()
                    .response::<200, axum::Json<tools::ImportAnswer>>()
            }),
        )
        .api_route(
            "/chat",
            post_with(chat::chat, |op| {
                op.id("chat")
                    .tag("chat")
                    .summary("One chat turn")
                    .input::<axum::Json<chat::ChatRequest>>()
                    .response::<200, axum::Json<crate::chat::Reply>>()
            }),
        )
        .merge(audit::routes())
        .merge(requests::routes())
        .merge(directory::routes());
    let guarded = ApiRouter::new()
        .nest("/v1", v1)
        .nest_service(
            "/mcp",
            mcp::service(app.clone(), app.config.mcp.allowed_hosts.clone()),
        )
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            auth::require_token,
        ))
        .with_path_items(|item| item.security_requirement("bearer"));
    let mut api = openapi::base();
    let document = openapi::Document::default();
    let served = document.clone();
    let router = ApiRouter::new()
        .api_route(
            "/healthz",
            get_with(healthz, |op| {
                op.id("getHealth")
                    .tag("system")
                    .summary("200 when the store and index are ready")
            }),
        )
        .api_route(
            "/openapi.json",
            get_with(
                move || openapi::serve(served.clone()),
                |op| {
                    op.id("getOpenApi")
                        .tag("system")
                        .summary("This document (no token needed)")
                },
            ),
        )
        .merge(guarded)
        .finish_api_with(&mut api, openapi::finish);
    let _ = document.set(openapi::document(&api));
    let limits = Arc::new(app.config.server.clone());
    router
        .fallback(|| async { ApiError::new(ErrorCode::NotFound, "no such route") })
        .with_state(app)
        .layer(axum::extract::DefaultBodyLimit::max(
            limits.max_body_size.as_usize(),
        ))
        .layer(middleware::from_fn_with_state(limits, edge::outer))
}

/// Parses a JSON request body; a problem is a 400 naming its JSON path.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let message = e.into_inner().to_string();
        // serde names a missing field only in its message; the path should name it too.
        let path = match missing_field(&message) {
            Some(f) if path.is_empty() => f.to_string(),
            Some(f) => format!("{path}.{f}"),
            None => path,
        };
        ApiError::invalid(path, format!("bad request body: {message}"))
    })?;
    de.end()
        .map_err(|e| ApiError::invalid("", format!("bad request body: {e}")))?;
    Ok(value)
}

/// The field in serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(f, _)| f)
}

/// `GET /healthz`'s answer.
#[derive(serde::Serialize, schemars::JsonSchema)]
struct Health {
    /// Always `ok`: a server that cannot answer does not answer at all.
    status: &'static str,
    /// The store's generation the graph was built from (it grows with each import or sync).
    generation: i64,
    connections: usize,
    grants: usize,
}

async fn healthz(State(app): State<App>) -> axum::Json<Health> {
    let access = app.access.load();
    axum::Json(Health {
        status: "ok",
        generation: app.generation(),
        connections: access.graph.connections.len(),
        grants: access.graph.grant_count(),
    })
}
