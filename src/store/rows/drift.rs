//! Drift records as stored and listed: differences between what Warden provisioned and what a
//! later sync of the platform saw.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which way the platform differs from Warden's record.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// A grant Warden made for an active request is gone.
    Missing,
    /// A grant Warden revoked when a request closed is back.
    Reappeared,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::Missing => "missing",
            DriftKind::Reappeared => "reappeared",
        }
    }

    pub fn parse(s: &str) -> Option<DriftKind> {
        [DriftKind::Missing, DriftKind::Reappeared]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A drift record as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DriftRecord {
    pub id: String,
    pub request_id: String,
    pub connection: String,
    pub kind: DriftKind,
    /// The change (as the request records it) that differs.
    pub detail: Value,
    pub found_at: String,
    /// Set when a later sync agreed with Warden again.
    pub resolved_at: Option<String>,
}

/// A difference one sync found (its connection is the sync's).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDrift {
    pub request_id: String,
    pub kind: DriftKind,
    pub detail: Value,
}

/// What one reconciliation wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriftChanges {
    pub found: Vec<DriftRecord>,
    pub resolved: Vec<DriftRecord>,
}

/// Which records to list, oldest first.
#[derive(Debug, Clone, Default)]
pub struct DriftFilter {
    /// Resolved records too.
    pub include_resolved: bool,
    pub connection: Option<String>,
    pub request_id: Option<String>,
    /// The paging cursor: records found after this `(found_at, id)`.
    pub after: Option<(String, String)>,
    pub limit: i64,
}
