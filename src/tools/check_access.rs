//! `check_access`: does an identity hold a privilege on a resource, and through which paths.

use super::{Tool, privilege_arg};
use crate::access::Access;
use crate::error::Problem;
use crate::graph::{Caveat, Path};
use crate::model::Platform;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Check whether an identity (user, role, group or service account) holds a privilege on a
/// resource (table, view, schema, dataset, ...), as the platform itself would decide. Returns yes
/// or no, every path that gives the privilege (e.g. alice → analyst → reporting → SELECT on
/// analytics.sales.orders), and caveats such as a missing USAGE on the schema. Names may be
/// partial (`sales.orders`), any case, an email or display name, or prefixed with the
/// connection (`warehouse:sales.orders`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckAccessArgs {
    /// The identity: a name, email or display name (`alice`, `alice@acme.test`).
    pub identity: String,
    /// The privilege: SELECT, INSERT, UPDATE, DELETE, USAGE, ... (BigQuery: SELECT, INSERT or a role).
    pub privilege: String,
    /// The resource: a full or partial dotted name (`sales.orders`).
    pub resource: String,
    /// Restrict the question to one connection.
    #[serde(default)]
    pub connection: Option<String>,
}

/// The answer: yes or no, with every path behind it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct CheckAccessResult {
    pub allowed: bool,
    /// The resolved identity name.
    pub identity: String,
    pub identity_kind: String,
    pub privilege: String,
    /// The resolved, fully qualified resource name.
    pub resource: String,
    pub resource_kind: String,
    pub connection: String,
    pub platform: Platform,
    /// Every path that gives the privilege; empty when not allowed.
    pub paths: Vec<Path>,
    /// Facts that qualify the answer (`no_schema_usage`, `not_inherited`, ...).
    pub caveats: Vec<Caveat>,
    /// True when there were more paths than listed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paths_truncated: bool,
}

pub struct CheckAccess;

impl Tool for CheckAccess {
    // A few microseconds: answered on the async worker.
    const SLOW: bool = false;
    const NAME: &'static str = "check_access";
    type Args = CheckAccessArgs;
    type Output = CheckAccessResult;

    fn run(access: &Access, args: CheckAccessArgs) -> Result<CheckAccessResult, Problem> {
        let privilege = privilege_arg(&args.privilege)?;
        let (c, i, r) =
            access.resolve_pair(&args.identity, &args.resource, args.connection.as_deref())?;
        let conn = access.conn(c);
        // A word the platform does not know on this kind of resource is a mistake, not a "no".
        crate::model::vocabulary::check(
            &privilege,
            conn.platform,
            Some(conn.resource(r).kind),
            &conn.name,
            "privilege",
        )?;
        let answer = conn.check(i, privilege.as_str(), r);
        Ok(CheckAccessResult {
            allowed: answer.allowed,
            identity: conn.identity(i).name.clone(),
            identity_kind: conn.identity(i).kind.to_string(),
            privilege: privilege.to_string(),
            resource: conn.resource(r).name.clone(),
            resource_kind: conn.resource(r).kind.to_string(),
            connection: conn.name.clone(),
            platform: conn.platform,
            paths: answer.paths,
            caveats: answer.caveats,
            paths_truncated: answer.truncated,
        })
    }
}
