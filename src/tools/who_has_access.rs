//! `who_has_access`: every identity that holds a privilege (or any) on a resource.

use super::{Tool, privilege_arg};
use crate::access::Access;
use crate::error::ApiError;
use crate::graph::GranteeEntry;
use crate::index::Target;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// List everyone who can access a resource: every user, role, group and service account that
/// holds the privilege (or, without one, any privilege), each with the paths that give it.
/// Superusers and grants to PUBLIC (everyone) are included.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhoHasAccessArgs {
    /// The resource: a full or partial dotted name (`sales.orders`).
    pub resource: String,
    /// Only this privilege (SELECT, INSERT, ...); all privileges when absent.
    #[serde(default)]
    pub privilege: Option<String>,
    /// Restrict the question to one connection.
    #[serde(default)]
    pub connection: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WhoHasAccessResult {
    /// The resolved, fully qualified resource name.
    pub resource: String,
    pub resource_kind: String,
    pub connection: String,
    /// The privilege asked about, if any.
    pub privilege: Option<String>,
    /// People first, then roles and groups, then PUBLIC.
    pub grantees: Vec<GranteeEntry>,
}

pub struct WhoHasAccess;

impl Tool for WhoHasAccess {
    const NAME: &'static str = "who_has_access";
    type Args = WhoHasAccessArgs;
    type Output = WhoHasAccessResult;

    fn run(access: &Access, args: WhoHasAccessArgs) -> Result<WhoHasAccessResult, ApiError> {
        let privilege = args.privilege.as_deref().map(privilege_arg).transpose()?;
        let conn = access.connection_arg(args.connection.as_deref(), "connection")?;
        let r = access.resolve(Target::Resource, &args.resource, conn, "resource")?;
        let c = access.conn(r.conn);
        if let Some(p) = &privilege {
            crate::model::vocabulary::check(
                p,
                c.platform,
                Some(c.resource(r.id).kind),
                &c.name,
                "privilege",
            )?;
        }
        Ok(WhoHasAccessResult {
            resource: c.resource(r.id).name.clone(),
            resource_kind: c.resource(r.id).kind.to_string(),
            connection: c.name.clone(),
            grantees: c.who_has(r.id, privilege.as_ref().map(|p| p.as_str())),
            privilege: privilege.map(|p| p.to_string()),
        })
    }
}
