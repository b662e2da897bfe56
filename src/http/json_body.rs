//! JSON request bodies: [`JsonBody`] parses one (a problem is the error document naming the JSON
//! path of the bad field) and documents it as the operation's request body, so that what a
//! handler reads and what the OpenAPI document says it reads are one type and cannot differ.
//! [`OptionalJsonBody`] is the same for a body whose fields are all optional: it may be empty.

use super::error::HttpError;
use crate::error::Problem;
use aide::OperationInput;
use aide::generate::GenContext;
use aide::openapi::Operation;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// The body, parsed as JSON into `T`. Any content type is read as JSON (as before this type:
/// clients that forget the header are not refused).
pub struct JsonBody<T>(pub T);

/// A body that may be empty (or blank), read as `T::default()` then.
pub struct OptionalJsonBody<T>(pub T);

/// The body's bytes; a body too large (or cut off) is axum's own answer, which the edge turns
/// into the error document with the configured limit in it.
async fn bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Response> {
    Bytes::from_request(req, state)
        .await
        .map_err(IntoResponse::into_response)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let body = bytes(req, state).await?;
        parse(&body)
            .map(JsonBody)
            .map_err(|e| HttpError(e).into_response())
    }
}

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let body = bytes(req, state).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(T::default()));
        }
        parse(&body)
            .map(OptionalJsonBody)
            .map_err(|e| HttpError(e).into_response())
    }
}

/// Documented as axum's `Json<T>` is: a required `application/json` body of `T`'s schema.
impl<T: JsonSchema> OperationInput for JsonBody<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Json::<T>::operation_input(ctx, operation);
    }
}

/// The same, but not required.
impl<T: JsonSchema> OperationInput for OptionalJsonBody<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Json::<T>::operation_input(ctx, operation);
        if let Some(body) = operation
            .request_body
            .as_mut()
            .and_then(|b| b.as_item_mut())
        {
            body.required = false;
        }
    }
}

/// Parses a JSON body; a problem is a 400 naming its JSON path.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
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
        Problem::invalid(path, format!("bad request body: {message}"))
    })?;
    de.end()
        .map_err(|e| Problem::invalid("", format!("bad request body: {e}")))?;
    Ok(value)
}

/// The field in serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(f, _)| f)
}

/// A JSON body handed on as bytes to what parses it itself (a tool reads its own arguments),
/// documented as `D`.
pub struct RawJsonBody<D>(pub Bytes, pub PhantomData<D>);

impl<D, S: Send + Sync> FromRequest<S> for RawJsonBody<D> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        Ok(RawJsonBody(bytes(req, state).await?, PhantomData))
    }
}

impl<D: JsonSchema> OperationInput for RawJsonBody<D> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Json::<D>::operation_input(ctx, operation);
    }
}
