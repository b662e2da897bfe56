//! Which HTTP status each error code answers with, and back: the one place the codes meet HTTP
//! (the shared error type knows nothing of statuses).

use crate::error::ErrorCode;
use axum::http::StatusCode;

/// The status an error with `code` answers with.
pub fn of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidArgument | ErrorCode::InvalidSnapshot | ErrorCode::Ambiguous => {
            StatusCode::BAD_REQUEST
        }
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Timeout => StatusCode::REQUEST_TIMEOUT,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
    }
}

/// The code for a status that came from outside Warden's handlers (axum's and hyper's own
/// plain-text answers).
pub fn code_for(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        408 => ErrorCode::Timeout,
        409 => ErrorCode::Conflict,
        413 => ErrorCode::TooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::Unprocessable,
        503 => ErrorCode::Unavailable,
        s if s >= 500 => ErrorCode::Internal,
        _ => ErrorCode::InvalidArgument,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status a code answers with reads back as that code, but for the codes that share
    /// 400 (which read back as `invalid_argument`). The codes are read from their schema, so a
    /// new one is checked too.
    #[test]
    fn statuses_read_back_as_their_codes() {
        let schema = schemars::schema_for!(ErrorCode).to_value();
        let mut names: Vec<serde_json::Value> =
            schema["enum"].as_array().cloned().unwrap_or_default();
        for one in schema["oneOf"].as_array().into_iter().flatten() {
            names.extend(one["enum"].as_array().cloned().unwrap_or_default());
            names.extend(one.get("const").cloned());
        }
        assert!(names.len() > 10, "{schema}");
        for name in names {
            let code: ErrorCode = serde_json::from_value(name).unwrap();
            let back = code_for(of(code));
            match of(code) {
                StatusCode::BAD_REQUEST => assert_eq!(back, ErrorCode::InvalidArgument, "{code:?}"),
                _ => assert_eq!(back, code, "{code:?}"),
            }
        }
    }
}
