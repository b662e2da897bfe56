//! The error document every edge speaks (HTTP bodies, `--json` output, tool results in chat):
//! `{"error": {"code", "message", "candidates"?, "path"?}}`, with a small stable set of codes.
//! Each layer keeps its own error type; they are converted into [`ApiError`] here, once.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes: clients branch on these, never on the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is malformed: bad JSON, a missing or ill-typed field, a bad value.
    InvalidArgument,
    /// A snapshot document was rejected; `path` names the offending value.
    InvalidSnapshot,
    /// A name resolves to nothing; `candidates` holds the closest names.
    NotFound,
    /// A name resolves to several things; `candidates` lists them.
    Ambiguous,
    /// No valid bearer token was given.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// The action does not fit the current state (a request that is closed, already approved,
    /// or changed by someone else at the same moment).
    Conflict,
    /// Well-formed but refused: an approval that would widen the request.
    Unprocessable,
    /// The store or index is not ready, or a platform cannot be reached.
    Unavailable,
    /// A bug or an unexpected failure; the message is generic.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::InvalidSnapshot => "invalid_snapshot",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Ambiguous => "ambiguous",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Unprocessable => "unprocessable",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidArgument | ErrorCode::InvalidSnapshot | ErrorCode::Ambiguous => 400,
            ErrorCode::NotFound => 404,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::Conflict => 409,
            ErrorCode::Unprocessable => 422,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// The CLI exit status (INTERFACE.md): 2 bad input or unresolved name, 3 internal failure.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorCode::Internal | ErrorCode::Unavailable => 3,
            _ => 2,
        }
    }
}

/// A thing a name could have meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Candidate {
    pub name: String,
    pub kind: String,
    pub connection: String,
}

/// The one error shape every edge renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, thiserror::Error)]
#[error("{}", self.line())]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
    /// Where in the input the problem is (`resources[1]`, `connections[0].grants[3].resource`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// `{"error": …}`, as written on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ErrorDocument {
    pub error: ApiError,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            candidates: Vec::new(),
            path: None,
        }
    }

    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidArgument, message).at(path)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Internal, message)
    }

    pub fn at(mut self, path: impl Into<String>) -> ApiError {
        self.path = Some(path.into());
        self
    }

    pub fn with_candidates(mut self, candidates: Vec<Candidate>) -> ApiError {
        self.candidates = candidates;
        self
    }

    /// One line for a terminal: `path: message (did you mean: a, b?)`.
    pub fn line(&self) -> String {
        let mut s = match &self.path {
            Some(p) => format!("{p}: {}", self.message),
            None => self.message.clone(),
        };
        if !self.candidates.is_empty() {
            let names: Vec<String> = self
                .candidates
                .iter()
                .map(|c| format!("{}:{} ({})", c.connection, c.name, c.kind))
                .collect();
            let lead = if self.code == ErrorCode::Ambiguous {
                "candidates"
            } else {
                "did you mean"
            };
            s.push_str(&format!(" ({lead}: {})", names.join(", ")));
        }
        s
    }

    pub fn document(&self) -> ErrorDocument {
        ErrorDocument {
            error: self.clone(),
        }
    }
}

impl From<crate::snapshot::SnapshotError> for ApiError {
    fn from(e: crate::snapshot::SnapshotError) -> Self {
        ApiError {
            code: ErrorCode::InvalidSnapshot,
            message: e.message,
            candidates: Vec::new(),
            path: e.path,
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        // Store messages can carry file paths and SQL: logged in full, summarised here.
        tracing::error!(error = %e, "store failure");
        ApiError::new(
            ErrorCode::Unavailable,
            format!("store unavailable: {}", e.summary()),
        )
    }
}

impl From<crate::index::IndexError> for ApiError {
    fn from(e: crate::index::IndexError) -> Self {
        tracing::error!(error = %e, "index failure");
        ApiError::internal("search index failure")
    }
}
