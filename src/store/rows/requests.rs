//! How requests are listed.

use crate::model::request::Status;

/// Which requests to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub status: Option<Status>,
    pub requester_id: Option<String>,
    /// Deleted requests are left out unless asked for (or their status is).
    pub include_deleted: bool,
    /// The paging cursor: requests created before this `(created_at, id)`.
    pub before: Option<(String, String)>,
    pub limit: i64,
}
