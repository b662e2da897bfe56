//! `GET /v1/tools`, `POST /v1/tools/{name}` and `POST /v1/import`.

use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use crate::tools;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub async fn list() -> Json<Value> {
    let tools: Vec<Value> = tools::registry()
        .iter()
        .map(|t| json!({"name": t.name, "description": t.description, "parameters": t.parameters, "result": t.result}))
        .collect();
    Json(json!({ "tools": tools }))
}

/// A JSON body, or an error that says what is wrong with it.
fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidArgument,
            format!("request body is not valid JSON: {e}"),
        )
    })
}

pub async fn call(State(app): State<App>, Path(name): Path<String>, body: Bytes) -> Response {
    let Some(tool) = tools::find(&name) else {
        return tools::unknown_tool(&name).into_response();
    };
    let args = match json_body(&body) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let access = app.access.load();
    // Graph walks on large snapshots take real CPU: keep them off the async workers.
    match tokio::task::spawn_blocking(move || tool.call(&access, args)).await {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(format!("tool {name} failed: {e}")).into_response(),
    }
}

pub async fn import(State(app): State<App>, body: Bytes) -> Response {
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
