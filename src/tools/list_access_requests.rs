//! `list_access_requests`: the requests the caller may see, newest first.

use super::{ContextTool, ToolContext};
use crate::error::Problem;
use crate::requests::{AccessRequest, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The page size when none is asked for.
const DEFAULT_LIMIT: i64 = 50;

/// List access requests, newest first, with their status (open, approved, active, closed,
/// denied, deleted, failed). A requester, and an agent token, sees only their own requests;
/// reviewers and admins see everyone's. Deleted requests are left out unless asked for by
/// status. Use `next_cursor` as `cursor` to read the next page.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAccessRequestsArgs {
    /// Only requests in this state: open, approved, active, closed, denied, deleted or failed.
    #[serde(default)]
    pub status: Option<String>,
    /// Only this person's requests (a Warden person's name or email).
    #[serde(default)]
    pub requester: Option<String>,
    /// Only requests asking for this resource: its full name or its end (`sales.orders`
    /// matches `analytics.sales.orders`), any case; `CONNECTION/NAME` for one connection.
    #[serde(default)]
    pub resource: Option<String>,
    /// At most this many requests (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One page of requests.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListAccessRequestsResult {
    pub requests: Vec<AccessRequest>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

pub struct ListAccessRequests;

impl ContextTool for ListAccessRequests {
    const NAME: &'static str = "list_access_requests";
    type Args = ListAccessRequestsArgs;
    type Output = ListAccessRequestsResult;

    async fn run(
        cx: &ToolContext<'_>,
        args: ListAccessRequestsArgs,
    ) -> Result<ListAccessRequestsResult, Problem> {
        let status = args
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Status::parse)
            .transpose()
            .map_err(|m| Problem::invalid("status", m))?;
        let limit = args.limit.map_or(DEFAULT_LIMIT, i64::from);
        let (requests, next_cursor) = cx
            .requests
            .list(
                cx.who,
                status,
                args.requester.as_deref(),
                args.resource.as_deref(),
                args.cursor.as_deref(),
                limit,
            )
            .await?;
        Ok(ListAccessRequestsResult {
            requests,
            next_cursor,
        })
    }
}
