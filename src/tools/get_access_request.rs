//! `get_access_request`: one request with its history, if the caller may read it.

use super::{ContextTool, ToolContext};
use crate::error::Problem;
use crate::requests::RequestWithHistory;
use schemars::JsonSchema;
use serde::Deserialize;

/// Read one access request by id (`req_…`): what was asked, its status, who drafted it, the
/// approvals, what was granted on each platform, and its history from the audit log. A
/// requester, and an agent token, can read only their own requests (another person's is
/// `not_found`); reviewers and admins can read every request.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetAccessRequestArgs {
    /// The request's id, as `create_access_request` or `list_access_requests` gave it.
    pub id: String,
}

pub struct GetAccessRequest;

impl ContextTool for GetAccessRequest {
    const NAME: &'static str = "get_access_request";
    type Args = GetAccessRequestArgs;
    type Output = RequestWithHistory;

    async fn run(
        cx: &ToolContext<'_>,
        args: GetAccessRequestArgs,
    ) -> Result<RequestWithHistory, Problem> {
        cx.requests.get(cx.who, &args.id).await
    }
}
