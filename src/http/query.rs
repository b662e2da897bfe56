//! Query and path parameters, taken as text and parsed here, so that a bad one is answered with
//! the error document naming it (axum's own rejections are plain text).

use super::HttpError;
use crate::error::Problem;
use aide::OperationInput;
use aide::generate::GenContext;
use aide::openapi::Operation;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// Items per page when `limit` is not given, and the most one page may hold.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The parameter's text, if it was given and is not blank.
pub fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `limit`: a number from 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn limit(v: &Option<String>) -> Result<i64, Problem> {
    match given(v) {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                Problem::invalid(
                    "limit",
                    format!("{s:?} is not a number from 1 to {MAX_LIMIT}"),
                )
            }),
    }
}

/// A `cursor` this server did not give.
pub fn bad_cursor(c: &str) -> Problem {
    Problem::invalid("cursor", format!("{c:?} is not a cursor this server gave"))
}

/// `items`, read with one more than `limit` to learn whether more follow, cut to `limit`; the
/// cursor after the last one kept when more follow.
pub fn cut_page<T>(
    items: &mut Vec<T>,
    limit: i64,
    cursor: impl Fn(&T) -> String,
) -> Option<String> {
    if items.len() as i64 <= limit {
        return None;
    }
    items.truncate(limit as usize);
    items.last().map(cursor)
}

/// The query string as `T`. Every field of a `T` here is text, so what can still fail is the
/// string itself (a parameter given twice, bad percent-encoding): answered with the error
/// document naming the parameter, like every other bad input.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Params(v)),
            Err(e) => Err(HttpError(rejected(&e.body_text()))),
        }
    }
}

/// Documented as the query parameters of `T`, as axum's `Query` is.
impl<T: JsonSchema> OperationInput for Params<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Query::<T>::operation_input(ctx, operation);
    }
}

/// The path's parameters as `T`, a bad one (not UTF-8 once decoded) named in the error document.
pub struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(PathParams(v)),
            Err(e) => Err(HttpError(rejected(&e.body_text()))),
        }
    }
}

impl<T: JsonSchema> OperationInput for PathParams<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Path::<T>::operation_input(ctx, operation);
    }
}

/// axum and serde name the parameter only inside their message, between backticks
/// ("duplicate field `limit`", "Invalid UTF-8 in `id`").
fn rejected(message: &str) -> Problem {
    let name = message
        .split_once('`')
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name)
        .unwrap_or("");
    Problem::invalid(name, message.to_string())
}
