//! Answers that document themselves, so that what a handler answers and what the OpenAPI
//! document says it answers cannot differ: [`Created`], a `201 Created` JSON answer,
//! [`NoContent`], and [`RawJson`], JSON that was serialised elsewhere (a tool's result),
//! documented as its type.

use aide::OperationOutput;
use aide::generate::GenContext;
use aide::openapi::{Operation, Response as DocResponse, StatusCode as DocStatus};
use axum::Json;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;
use std::marker::PhantomData;

/// `201 Created` with `T` as JSON.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, Json(self.0)).into_response()
    }
}

impl<T: JsonSchema> OperationOutput for Created<T> {
    type Inner = T;

    fn operation_response(ctx: &mut GenContext, operation: &mut Operation) -> Option<DocResponse> {
        Json::<T>::operation_response(ctx, operation)
    }

    fn inferred_responses(
        ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<DocStatus>, DocResponse)> {
        under(201, Self::operation_response(ctx, operation))
    }
}

/// `response`, documented under `status`.
fn under(status: u16, response: Option<DocResponse>) -> Vec<(Option<DocStatus>, DocResponse)> {
    response
        .map(|r| (Some(DocStatus::Code(status)), r))
        .into_iter()
        .collect()
}

/// `200 OK` with JSON already serialised, documented as `D`.
pub struct RawJson<D>(pub Bytes, pub PhantomData<D>);

impl<D> IntoResponse for RawJson<D> {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

impl<D: JsonSchema> OperationOutput for RawJson<D> {
    type Inner = D;

    fn operation_response(ctx: &mut GenContext, operation: &mut Operation) -> Option<DocResponse> {
        Json::<D>::operation_response(ctx, operation)
    }

    fn inferred_responses(
        ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<DocStatus>, DocResponse)> {
        Json::<D>::inferred_responses(ctx, operation)
    }
}

/// `204 No Content`.
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// Documented as aide documents `()`, an empty answer, under 204 (aide's own default is 200).
impl OperationOutput for NoContent {
    type Inner = ();

    fn operation_response(ctx: &mut GenContext, operation: &mut Operation) -> Option<DocResponse> {
        <()>::operation_response(ctx, operation)
    }

    fn inferred_responses(
        ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<DocStatus>, DocResponse)> {
        under(204, Self::operation_response(ctx, operation))
    }
}
