//! `GET /v1/tools`, `POST /v1/tools/{name}` and `POST /v1/import`.

use super::HttpError;
use super::answer::RawJson;
use super::json_body::RawJsonBody;
use super::openapi::{ToolArgs, ToolName, ToolResult};
use super::query::PathParams;
use crate::app::App;
use crate::error::{ErrorCode, Problem};
use crate::model::Connection;
use crate::people::Principal;
use crate::tools;
use aide::OperationInput;
use aide::generate::GenContext;
use aide::openapi::Operation;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::{Extension, Json};
use futures_util::StreamExt;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio_util::io::{StreamReader, SyncIoBridge};

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
    pub imported: Vec<crate::model::ImportedConnection>,
    pub generation: i64,
}

pub async fn call(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(ToolName { name }): PathParams<ToolName>,
    RawJsonBody(body, _): RawJsonBody<ToolArgs>,
) -> Result<RawJson<ToolResult>, HttpError> {
    // From the body's bytes to the answer's: the rights check, the blocking pool for slow
    // walks and the agent log are tools::invoke_bytes's, as for every edge.
    crate::fault::panic_point("tool", &name);
    let access = app.access.load();
    let answer = tools::invoke_bytes(access, &app.requests, &who, &name, body).await?;
    Ok(RawJson(answer.into(), PhantomData))
}

/// The body of `POST /v1/import`, as a stream: a snapshot document (SNAPSHOT.md).
pub struct SnapshotBody(Body);

impl<S: Send + Sync> FromRequest<S> for SnapshotBody {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SnapshotBody(req.into_body()))
    }
}

/// Any JSON document: the snapshot's schema is SNAPSHOT.md's, checked by the parser.
impl OperationInput for SnapshotBody {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Json::<Value>::operation_input(ctx, operation);
    }
}

/// `POST /v1/import`: the body is streamed into the snapshot parser (a tier-M snapshot is
/// 150 MB; it is never held whole), up to `server.max_import_size`; the import is audited.
pub async fn import(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    SnapshotBody(body): SnapshotBody,
) -> Result<Json<ImportAnswer>, HttpError> {
    App::may_import(&who)?;
    let max = app.config.server.max_import_size;
    let parsed = match parse_streamed(body, max.as_u64()).await {
        Ok(c) => c,
        Err(Streamed::TooLarge) => {
            return Err(Problem::new(
                ErrorCode::TooLarge,
                format!("the snapshot is larger than {max} (server.max_import_size)"),
            )
            .into());
        }
        Err(Streamed::Invalid(e)) => return Err(e.into()),
    };
    let (imported, generation) = app.import_by(&who, parsed).await?;
    Ok(Json(ImportAnswer {
        imported,
        generation,
    }))
}

enum Streamed {
    TooLarge,
    Invalid(Problem),
}

/// Feeds the body to the (blocking) snapshot parser as it arrives, counting bytes: past `max`
/// the stream ends with an error and the parse with it.
async fn parse_streamed(body: Body, max: u64) -> Result<Vec<Connection>, Streamed> {
    let seen = Arc::new(AtomicU64::new(0));
    let counted = seen.clone();
    let stream = body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(std::io::Error::other)?;
        let total = counted.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if total > max {
            return Err(std::io::Error::other("the snapshot is too large"));
        }
        Ok::<_, std::io::Error>(chunk)
    });
    let reader = SyncIoBridge::new(StreamReader::new(stream));
    let parsed = tokio::task::spawn_blocking(move || crate::snapshot::parse_reader(reader)).await;
    if seen.load(Ordering::Relaxed) > max {
        return Err(Streamed::TooLarge);
    }
    match parsed {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(Streamed::Invalid(e.into())),
        Err(e) => Err(Streamed::Invalid(Problem::internal(format!(
            "import failed: {e}"
        )))),
    }
}
