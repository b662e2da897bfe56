//! Who newly gains a request's access through the grantee chosen at approval. A GRANT to a
//! shared role reaches every member of it: the approval shows them (`newly_gains`), and refuses
//! a grantee through which an approver would gain the access they approve.

use super::{AccessRequest, GranteeChoice};
use crate::access::{Access, Resolved};
use crate::graph::ConnGraph;
use crate::index::{Target, Tier};
pub use crate::model::request::Gainer;
use std::collections::BTreeSet;

/// Members followed at most, per grantee (a role with more is shown cut short).
const MAX_MEMBERS: usize = 10_000;

/// Who newly gains what `req` asks for if it is granted to `grantees`.
pub fn newly_gains(
    access: &Access,
    req: &AccessRequest,
    grantees: &[GranteeChoice],
) -> Vec<Gainer> {
    let mut out = BTreeSet::new();
    for g in grantees {
        let Some(grantee) =
            crate::people::links::exact_identity(access, &g.connection, &g.identity)
        else {
            continue;
        };
        let c = access.conn(grantee.conn);
        let reached = inheritors(c, grantee.id);
        let resources: Vec<u32> = req
            .resources
            .iter()
            .filter(|r| r.connection == g.connection)
            .filter_map(|r| exact_resource(access, grantee.conn, &r.name))
            .collect();
        let roles: Vec<BTreeSet<u32>> = req
            .roles
            .iter()
            .filter(|r| r.connection == g.connection)
            .filter_map(|r| crate::people::links::exact_identity(access, &r.connection, &r.name))
            .map(|role| inheritors(c, role.id))
            .collect();
        for &m in &reached {
            let lacks_privilege = resources.iter().any(|&r| {
                req.privileges
                    .iter()
                    .any(|p| !c.check(m, p.as_str(), r).allowed)
            });
            let lacks_role = roles.iter().any(|members| !members.contains(&m));
            if lacks_privilege || lacks_role {
                out.insert(Gainer {
                    connection: c.name.clone(),
                    identity: c.identity(m).name.clone(),
                });
            }
        }
    }
    out.into_iter().collect()
}

/// `i` and everyone who inherits from it through memberships (privileges flow to them).
fn inheritors(c: &ConnGraph, i: u32) -> BTreeSet<u32> {
    let mut seen = BTreeSet::from([i]);
    let mut todo = vec![i];
    while let Some(x) = todo.pop() {
        for (m, flows) in c.direct_members(x) {
            if flows && seen.len() < MAX_MEMBERS && seen.insert(m) {
                todo.push(m);
            }
        }
    }
    seen
}

fn exact_resource(access: &Access, conn: u32, name: &str) -> Option<u32> {
    access
        .index
        .lookup(Target::Resource, Tier::Name, name, Some(conn))
        .into_iter()
        .map(Resolved::from)
        .find(|h| access.conn(h.conn).resource(h.id).name == name)
        .map(|h| h.id)
}
