//! `GET /v1/tools`, `POST /v1/tools/{name}` and `POST /v1/import`.

use crate::app::App;
use crate::error::ApiError;
use crate::tools;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub async fn list() -> Json<Value> {
    let tools: Vec<Value> = tools::registry()
        .iter()
        .map(|t| json!({"name": t.name, "description": t.description, "parameters": t.parameters, "result": t.result}))
        .collect();
    Json(json!({ "tools": tools }))
}

pub async fn call(State(app): State<App>, Path(name): Path<String>, body: Bytes) -> Response {
    let Some(tool) = tools::find(&name) else {
        return tools::unknown_tool(&name).into_response();
    };
    let access = app.access.load();
    // Walks that can take milliseconds go to the blocking pool; a check, a few microseconds, is
    // cheaper to answer here than to hand over.
    let result = if tool.slow {
        match tokio::task::spawn_blocking(move || tool.call_bytes(&access, &body)).await {
            Ok(r) => r,
            Err(e) => Err(ApiError::internal(format!("tool {name} failed: {e}"))),
        }
    } else {
        tool.call_bytes(&access, &body)
    };
    match result {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => e.into_response(),
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
