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
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

/// `GET /v1/tools`'s answer.
#[derive(Serialize, JsonSchema)]
pub struct ToolList {
    pub tools: Vec<ToolDescription>,
}

/// One tool as `GET /v1/tools` lists it.
#[derive(Serialize, JsonSchema)]
pub struct ToolDescription {
    pub name: &'static str,
    pub description: &'static str,
    /// The JSON schema of its arguments (also the component `tool_NAME_Args`).
    #[schemars(with = "serde_json::Map<String, Value>")]
    pub parameters: &'static Value,
    /// The JSON schema of its result (also the component `tool_NAME_Result`).
    #[schemars(with = "serde_json::Map<String, Value>")]
    pub result: &'static Value,
}

pub async fn list() -> Json<ToolList> {
    let tools = tools::registry()
        .iter()
        .map(|t| ToolDescription {
            name: t.name,
            description: &t.description,
            parameters: &t.parameters,
            result: &t.result,
        })
        .collect();
    Json(ToolList { tools })
}

/// `POST /v1/import`'s answer: what each connection now holds, and the store's new generation.
#[derive(Serialize, JsonSchema)]
pub struct ImportAnswer {
    pub imported: Vec<ImportedConnection>,
    pub generation: i64,
}

/// One imported connection's counts.
#[derive(Serialize, JsonSchema)]
pub struct ImportedConnection {
    pub connection: String,
    pub platform: crate::model::Platform,
    pub identities: usize,
    pub memberships: usize,
    pub resources: usize,
    pub grants: usize,
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
