//! `change_access_request` and `withdraw_access_request`: the requester's own open request,
//! changed or taken back before anyone decided it ("make it two weeks instead", "withdraw it").

use super::{ContextTool, ToolContext};
use crate::error::{ErrorCode, Problem};
use crate::requests::{AccessRequest, RequestChange};
use schemars::JsonSchema;
use serde::Deserialize;

/// Change your own open access request before any reviewer has approved it: how long
/// (`duration`, e.g. `2w`; `""` for until revoked), why (`reason`), or which privileges it asks
/// for on its resources. Fields left out stay as they are. The change is recorded in the
/// request's history. Another person's request, or one already approved, decided or closed,
/// cannot be changed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeAccessRequestArgs {
    /// The request's id (`req_…`).
    pub id: String,
    /// How long the access lasts once granted (`2w`, `48h`); `""` for until revoked.
    #[serde(default)]
    pub duration: Option<String>,
    /// Why it is needed; `""` for no reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// The privileges wanted on the request's resources, replacing those asked for.
    #[serde(default)]
    pub privileges: Option<Vec<String>>,
}

pub struct ChangeAccessRequest;

impl ContextTool for ChangeAccessRequest {
    const NAME: &'static str = "change_access_request";
    type Args = ChangeAccessRequestArgs;
    type Output = AccessRequest;

    async fn run(
        cx: &ToolContext<'_>,
        args: ChangeAccessRequestArgs,
    ) -> Result<AccessRequest, Problem> {
        let change = RequestChange {
            duration: args.duration,
            reason: args.reason,
            privileges: args.privileges,
        };
        cx.requests
            .change(cx.access, cx.who, &args.id, change)
            .await
    }
}

/// Withdraw your own open access request (it is kept, as `deleted`, with its history). Only the
/// person who asked can withdraw it this way, and only while it is open.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawAccessRequestArgs {
    /// The request's id (`req_…`).
    pub id: String,
}

pub struct WithdrawAccessRequest;

impl ContextTool for WithdrawAccessRequest {
    const NAME: &'static str = "withdraw_access_request";
    type Args = WithdrawAccessRequestArgs;
    type Output = AccessRequest;

    async fn run(
        cx: &ToolContext<'_>,
        args: WithdrawAccessRequestArgs,
    ) -> Result<AccessRequest, Problem> {
        // Admins may delete anyone's request in Warden; through this tool only one's own.
        let found = cx.requests.get(cx.who, &args.id).await?;
        if cx
            .who
            .person
            .as_ref()
            .is_none_or(|p| p.id != found.request.requester_id)
        {
            return Err(Problem::new(
                ErrorCode::Forbidden,
                format!(
                    "only {} can withdraw {}; an admin can delete it in Warden",
                    found.request.requester, found.request.id
                ),
            ));
        }
        cx.requests.delete(cx.who, &args.id).await
    }
}
