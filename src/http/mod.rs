//! The HTTP edge: axum routes, the error document as responses, bearer tokens on `/v1` and
//! `/mcp`.

mod answer;
mod audit;
mod auth;
mod chat;
mod directory;
mod edge;
mod error;
mod json_body;
mod mcp;
mod metrics;
mod openapi;
mod query;
mod requests;
pub mod status;
mod tools;

use crate::app::App;
use crate::error::{ErrorCode, Problem};
use axum::Router;
use axum::extract::State;
use axum::middleware;
use std::sync::Arc;

pub use audit::download as audit_download;
pub use error::HttpError;

/// Every route of the server, and the OpenAPI document built from them; `pages` (the dashboard,
/// served on the same address) join them under the same limits.
pub fn router(app: App, pages: Router<App>) -> Router {
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
            }),
        )
        .api_route(
            "/import",
            post_with(tools::import, |op| {
                op.id("importSnapshot")
                    .tag("import")
                    .summary("Import a snapshot document (SNAPSHOT.md); admins only")
            }),
        )
        .api_route(
            "/chat",
            post_with(chat::chat, |op| {
                op.id("chat")
                    .tag("chat")
                    .summary("One chat turn")
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
    let edge = edge::Edge {
        limits: limits.clone(),
        metrics: app.metrics.clone(),
    };
    router
        .merge(pages)
        .route("/metrics", axum::routing::get(metrics::scrape))
        .route_layer(middleware::from_fn(edge::mark_route))
        .fallback(|| async { HttpError(Problem::new(ErrorCode::NotFound, "no such route")) })
        .with_state(app)
        .layer(axum::extract::DefaultBodyLimit::max(
            limits.max_body_size.as_usize(),
        ))
        .layer(middleware::from_fn_with_state(edge, edge::outer))
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
