//! `create_access_request`: a request for access, drafted for the person calling and left open
//! for a human reviewer. Nothing here approves anything: there is no tool that does.

use super::{ContextTool, ToolContext};
use crate::error::Problem;
use crate::requests::{AccessRequest, NewRequest};
use schemars::JsonSchema;
use serde::Deserialize;

/// Draft an access request for the person asking (never for someone else): privileges on
/// tables, schemas or databases, and/or membership in roles, for a duration. The request is left
/// open for a human reviewer, who approves or denies it; nothing is granted until then, and no
/// tool can approve it. Names may be partial (`sales.orders`), any case, or prefixed with the
/// connection (`warehouse:sales.orders`); a name that matches several things is an `ambiguous`
/// error listing them: ask the person which one. Privileges are keywords: read or query → SELECT;
/// write → INSERT, UPDATE, DELETE; ask for what the person said, SELECT when they only said
/// "access". Returns the stored request: its id, `status` open, the resolved names, and
/// `drafted_by`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccessRequestArgs {
    /// Tables, schemas or databases, as the person named them (`finance.invoices`,
    /// `warehouse:sales.orders`). Empty when only roles are asked for.
    pub resources: Vec<String>,
    /// Privileges wanted on every resource, upper case (`SELECT`, `INSERT`, `UPDATE`, ...).
    /// Empty when only roles are asked for.
    pub privileges: Vec<String>,
    /// Roles or groups to be made a member of.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Why, in the person's words; reviewers read it.
    #[serde(default)]
    pub reason: Option<String>,
    /// How long the access lasts once granted: `8h`, `3d`, `2w`. Leave it out for "until
    /// revoked".
    #[serde(default)]
    pub duration: Option<String>,
    /// Resolve every name in this connection only.
    #[serde(default)]
    pub connection: Option<String>,
}

impl From<CreateAccessRequestArgs> for NewRequest {
    fn from(a: CreateAccessRequestArgs) -> NewRequest {
        NewRequest {
            resources: a.resources,
            privileges: a.privileges,
            roles: a.roles,
            reason: a.reason,
            duration: a.duration,
            connection: a.connection,
        }
    }
}

pub struct CreateAccessRequest;

impl ContextTool for CreateAccessRequest {
    const NAME: &'static str = "create_access_request";
    type Args = CreateAccessRequestArgs;
    type Output = AccessRequest;

    async fn run(
        cx: &ToolContext<'_>,
        args: CreateAccessRequestArgs,
    ) -> Result<AccessRequest, Problem> {
        // The service attributes the request to the caller's person, and marks it drafted by an
        // AI when a chat engine calls, by the agent when an agent token does.
        cx.requests
            .create(cx.access, cx.who, args.into(), cx.engine)
            .await
    }
}
