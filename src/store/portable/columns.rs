//! How model values sit in the snapshot tables' columns, the same on both backends: indices as
//! BIGINT, JSON columns as text, a resource's path only when it differs from its dotted name.

use crate::model::{Grant, Grantee, Resource};
use crate::store::StoreError;

pub(crate) fn index(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("index {v} out of range")))
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("JSON column: {e}")))
}

/// A JSON column's text.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The path column: stored only when it is not the name split on dots.
pub(crate) fn path_column(r: &Resource) -> Option<String> {
    (r.path != crate::model::split_name(&r.name)).then(|| to_json(&r.path))
}

/// The grantee columns: an identity's index, or a pseudo-grantee's name.
pub(crate) fn grantee_columns(g: &Grant) -> (Option<i64>, Option<String>) {
    match &g.grantee {
        Grantee::Identity(i) => (Some(i64::from(*i)), None),
        other => (None, other.pseudo_name()),
    }
}
