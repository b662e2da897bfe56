//! Query parameters, taken as text and parsed here, so that a bad one is answered with the error
//! document naming it (axum's own rejection is plain text).

use crate::error::ApiError;

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
pub fn limit(v: &Option<String>) -> Result<i64, ApiError> {
    match given(v) {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "limit",
                    format!("{s:?} is not a number from 1 to {MAX_LIMIT}"),
                )
            }),
    }
}
