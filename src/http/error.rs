//! The HTTP side of an error: [`HttpError`] answers with the status its code maps to
//! ([`super::status`]) and the error document as body, and is documented as that document. The
//! shared error type stays free of HTTP; handlers return `Result<_, HttpError>` and `?` converts.

use super::status;
use crate::error::{ErrorDocument, Problem};
use aide::generate::GenContext;
use aide::openapi::{Operation, Response as DocResponse};
use axum::Json;
use axum::response::{IntoResponse, Response};

/// An error as an HTTP answer.
#[derive(Debug)]
pub struct HttpError(pub Problem);

/// Whatever becomes the shared error becomes an HTTP answer (the `?` in handlers).
impl<E: Into<Problem>> From<E> for HttpError {
    fn from(e: E) -> HttpError {
        HttpError(e.into())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (status::of(self.0.code), Json(self.0.document())).into_response()
    }
}

/// Every error answers with the error document.
impl aide::OperationOutput for HttpError {
    type Inner = ErrorDocument;

    fn operation_response(ctx: &mut GenContext, operation: &mut Operation) -> Option<DocResponse> {
        Json::<ErrorDocument>::operation_response(ctx, operation)
    }
}
