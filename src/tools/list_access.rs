//! `list_access`: everything one identity can access.

use super::Tool;
use crate::access::Access;
use crate::error::Problem;
use crate::graph::AccessEntry;
use crate::index::Target;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// List everything an identity can access on one connection: each resource and privilege it
/// holds, with the paths that give it (its own grants, its roles' grants, PUBLIC, ownership).
/// A resource of `*` means every resource the privilege applies to (superuser, predefined roles).
/// When the person has identities on several connections, name the connection.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAccessArgs {
    /// The identity: a name, email or display name.
    pub identity: String,
    /// The connection, needed when the identity exists on several.
    #[serde(default)]
    pub connection: Option<String>,
    /// How many entries to skip (for paging through a long list; default 0).
    #[serde(default)]
    pub offset: Option<usize>,
    /// At most this many entries (default: all of them).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ListAccessResult {
    pub identity: String,
    pub identity_kind: String,
    pub connection: String,
    /// True when the identity is a superuser: it holds every privilege on everything.
    pub superuser: bool,
    /// The entries, ordered by resource then privilege (the page asked for, when `offset` or
    /// `limit` was given).
    pub access: Vec<AccessEntry>,
    /// How many entries there are in all.
    pub total: usize,
}

pub struct ListAccess;

impl Tool for ListAccess {
    const NAME: &'static str = "list_access";
    type Args = ListAccessArgs;
    type Output = ListAccessResult;

    fn run(access: &Access, args: ListAccessArgs) -> Result<ListAccessResult, Problem> {
        let conn = access.connection_arg(args.connection.as_deref(), "connection")?;
        let found = access.resolve(Target::Identity, &args.identity, conn, "identity")?;
        let (c, i) = (access.conn(found.conn), found.identity());
        let from = args.offset.unwrap_or(0);
        let list = c.list_access_page(i, from, args.limit.unwrap_or(usize::MAX));
        Ok(ListAccessResult {
            identity: c.identity(i).name.clone(),
            identity_kind: c.identity(i).kind.to_string(),
            connection: c.name.clone(),
            superuser: list.superuser,
            access: list.entries,
            total: list.total,
        })
    }
}
