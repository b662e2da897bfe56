//! `GET /v1/tools`, `POST /v1/tools/{name}` and `POST /v1/import`.

use crate::app::App;
use crate::error::ApiError;
use crate::people::{Principal, Role};
use crate::tools;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Value, json};

pub async fn list() -> Json<Value> {
    let tools: Vec<Value> = tools::registry()
        .iter()
        .map(|t| json!({"name": t.name, "description": t.description, "parameters": t.parameters, "result": t.result}))
        .collect();
    Json(json!({ "tools": tools }))
}

pub async fn call(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    // From the body's bytes to the answer's: the rights check, the blocking pool for slow
    // walks and the agent log are tools::invoke_bytes's, as for every edge.
    let access = app.access.load();
    match tools::invoke_bytes(access, &app.requests, &who, &name, body).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn import(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    body: Bytes,
) -> Response {
    if let Err(e) = who.require(Role::Admin, "importing a snapshot") {
        return e.into_response();
    }
    let parsed =
        tokio::task::spawn_blocking(move || crate::snapshot::parse_reader(&body[..])).await;
    let connections = match parsed {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return ApiError::from(e).into_response(),
        Err(e) => return ApiError::internal(format!("import failed: {e}")).into_response(),
    };
    let summary = crate::cli::import_summary(&connections);
    match app.import(connections).await {
        Ok(generation) => {
            Json(json!({"imported": summary, "generation": generation})).into_response()
        }
        Err(e) => e.into_response(),
    }
}
