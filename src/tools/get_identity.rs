//! `get_identity`: an identity (or each identity of a person), its roles and its members.

use super::Tool;
use crate::access::{Access, Resolved};
use crate::error::{ErrorCode, Problem};
use crate::graph::ConnGraph;
use crate::index::Target;
use crate::model::{IdentityId, Platform};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Describe an identity: its kind, email, flags (superuser, NOINHERIT), the roles or groups it
/// belongs to (directly and through other roles, with whether it inherits their privileges) and,
/// for a role or group, its direct members. For a person's name or email, every identity they
/// have across connections is returned.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetIdentityArgs {
    /// A name, email or display name.
    pub identity: String,
    /// Restrict to one connection.
    #[serde(default)]
    pub connection: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct GetIdentityResult {
    /// One entry per connection where the name resolves.
    pub identities: Vec<IdentityInfo>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct IdentityInfo {
    pub name: String,
    pub kind: String,
    pub connection: String,
    pub platform: Platform,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub superuser: bool,
    /// Postgres INHERIT attribute: false means it uses none of its roles' privileges without SET ROLE.
    pub inherit: bool,
    /// Roles and groups it belongs to, nearest first.
    pub roles: Vec<RoleInfo>,
    /// Direct members, if it is a role or group.
    pub members: Vec<MemberInfo>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RoleInfo {
    pub name: String,
    pub kind: String,
    /// A direct membership (not through another role).
    pub direct: bool,
    /// Its privileges reach this identity (no NOINHERIT on the way).
    pub inherited: bool,
    /// The shortest chain to it: `alice → analyst → reporting`.
    pub via: String,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct MemberInfo {
    pub name: String,
    pub kind: String,
    pub inherits: bool,
}

pub struct GetIdentity;

impl Tool for GetIdentity {
    // A few microseconds: answered on the async worker.
    const SLOW: bool = false;
    const NAME: &'static str = "get_identity";
    type Args = GetIdentityArgs;
    type Output = GetIdentityResult;

    fn run(access: &Access, args: GetIdentityArgs) -> Result<GetIdentityResult, Problem> {
        let conn = access.connection_arg(args.connection.as_deref(), "connection")?;
        let hits = access.candidates(Target::Identity, &args.identity, conn, "identity")?;
        if hits.is_empty() {
            return Err(access.not_found(Target::Identity, &args.identity, conn, "identity"));
        }
        let mut by_conn: BTreeMap<u32, Vec<Resolved>> = BTreeMap::new();
        for h in hits {
            by_conn.entry(h.conn).or_default().push(h);
        }
        if let Some(many) = by_conn.values().find(|v| v.len() > 1) {
            return Err(Problem::new(
                ErrorCode::Ambiguous,
                format!(
                    "{:?} matches {} identities in connection {:?}; say which",
                    args.identity,
                    many.len(),
                    access.conn(many[0].conn).name
                ),
            )
            .at("identity")
            .with_candidates(
                by_conn
                    .values()
                    .flatten()
                    .map(|h| access.candidate(Target::Identity, *h))
                    .collect(),
            ));
        }
        let identities = by_conn
            .values()
            .map(|v| describe(access.conn(v[0].conn), v[0].identity()))
            .collect();
        Ok(GetIdentityResult { identities })
    }
}

fn describe(c: &ConnGraph, i: IdentityId) -> IdentityInfo {
    let id = c.identity(i);
    IdentityInfo {
        name: id.name.clone(),
        kind: id.kind.to_string(),
        connection: c.name.clone(),
        platform: c.platform,
        email: id.email.clone(),
        display_name: id.display_name.clone(),
        superuser: id.superuser,
        inherit: id.inherit,
        roles: roles_of(c, i),
        members: c
            .direct_members(i)
            .map(|(m, inherits)| MemberInfo {
                name: c.identity(m).name.clone(),
                kind: c.identity(m).kind.to_string(),
                inherits,
            })
            .collect(),
    }
}

/// Breadth-first up the memberships: the first chain found to each role is the shortest.
fn roles_of(c: &ConnGraph, i: IdentityId) -> Vec<RoleInfo> {
    let mut seen = BTreeSet::from([i]);
    let mut queue = std::collections::VecDeque::from([(i, vec![i], true)]);
    let mut out = Vec::new();
    while let Some((node, chain, inherited)) = queue.pop_front() {
        for (role, flows) in c.direct_roles(node) {
            if !seen.insert(role) {
                continue;
            }
            let mut next = chain.clone();
            next.push(role);
            let inherits = inherited && flows;
            out.push(RoleInfo {
                name: c.identity(role).name.clone(),
                kind: c.identity(role).kind.to_string(),
                direct: node == i,
                inherited: inherits,
                via: next
                    .iter()
                    .map(|x| c.identity(*x).name.as_str())
                    .collect::<Vec<_>>()
                    .join(" → "),
            });
            queue.push_back((role, next, inherits));
        }
    }
    out
}
