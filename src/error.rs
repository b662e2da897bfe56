//! The error document every edge speaks (HTTP bodies, `--json` output, tool results in chat):
//! `{"error": {"code", "message", "candidates"?, "path"?}}`, with a small stable set of codes.
//! Each layer keeps its own error type, with its conversion into [`Problem`] beside it; this
//! module depends on nothing else in the crate.

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
    /// The request body is larger than the server takes (413; `server.max_*_size`).
    TooLarge,
    /// The request took longer than the server allows (408; `server.*_timeout`).
    Timeout,
    /// The route exists but not with that method (405).
    MethodNotAllowed,
    /// The body is not in a format the route reads (415).
    UnsupportedMediaType,
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
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Timeout => "timeout",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
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

/// A problem to report to whoever asked: a stable code, one line of words, and where it can be
/// said, the input path and the names that were meant. Every layer above the store returns it;
/// the edges render it (HTTP status in `http::status`, exit code in `cli::exit_code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, thiserror::Error)]
#[error("{}", self.line())]
pub struct Problem {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
    /// Where in the input the problem is (`resources[1]`, `connections[0].grants[3].resource`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The server's id for the request (also in its `x-request-id` header and its log lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `{"error": …}`, as written on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ErrorDocument {
    pub error: Problem,
}

impl Problem {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Problem {
        Problem {
            code,
            message: message.into(),
            candidates: Vec::new(),
            path: None,
            request_id: None,
        }
    }

    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem::new(ErrorCode::InvalidArgument, message).at(path)
    }

    pub fn internal(message: impl Into<String>) -> Problem {
        Problem::new(ErrorCode::Internal, message)
    }

    pub fn at(mut self, path: impl Into<String>) -> Problem {
        self.path = Some(path.into());
        self
    }

    pub fn with_candidates(mut self, candidates: Vec<Candidate>) -> Problem {
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
