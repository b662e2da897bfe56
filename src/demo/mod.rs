//! The built-in demo organisation: Acme, a fictional company on all four platforms.
//! `QUESTIONS.md` beside it lists questions with their expected answers.

use crate::error::ApiError;
use crate::model::Connection;

/// The demo snapshot document.
pub const SNAPSHOT: &str = include_str!("acme.json");

/// The demo connections, validated like any import.
pub fn connections() -> Result<Vec<Connection>, ApiError> {
    Ok(crate::snapshot::parse_str(SNAPSHOT)?)
}
