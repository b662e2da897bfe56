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
    let tool = match tools::authorize(&who, &name) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    // Agent calls are logged with their arguments; bytes that are not JSON are logged as text.
    let logged = who.agent.is_some().then(|| {
        serde_json::from_slice::<Value>(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
    });
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
    if let Some(arguments) = logged
        && let Err(e) = tools::log_agent_call(&app.store, &who, &name, arguments, &result).await
    {
        return e.into_response();
    }
    match result {
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
