//! Builds a connection's graph from validated snapshot data.

use super::{ConnGraph, Csr, Edge, GrantEntry, GranteeRef};
use crate::model::{Connection, Grantee, IdentityKind};
use rustc_hash::FxHashMap as HashMap;

impl ConnGraph {
    pub fn build(c: Connection) -> ConnGraph {
        let n = c.identities.len();
        let postgres_like = c.platform.is_postgres_like();
        // Postgres passes privileges along an edge only when the member inherits and the
        // membership does; Snowflake and BigQuery always pass them.
        let flows = |m: &crate::model::Membership| {
            !postgres_like || (c.identities[m.member as usize].inherit && m.inherit)
        };
        // The membership edges in one direction: `up` from member to role, else role to member.
        let edges = |up: bool| {
            Csr::build(
                n,
                c.memberships.iter().map(|m| {
                    let (from, to) = if up {
                        (m.member, m.role)
                    } else {
                        (m.role, m.member)
                    };
                    (
                        from,
                        Edge {
                            to,
                            flows: flows(m),
                        },
                    )
                }),
            )
        };
        let (up, down) = (edges(true), edges(false));

        let mut privileges: Vec<String> = Vec::new();
        let mut privilege_ids: HashMap<String, u16> = HashMap::default();
        let mut domains: Vec<String> = Vec::new();
        let mut domain_ids: HashMap<String, u32> = HashMap::default();
        let mut authorized: Vec<String> = Vec::new();
        let mut conditions = HashMap::default();

        let mut grants = c.grants;
        grants.sort_by_key(|g| g.resource);
        let mut entries = Vec::with_capacity(grants.len());
        for (i, g) in grants.into_iter().enumerate() {
            let privilege = match privilege_ids.get(&*g.privilege) {
                Some(id) => *id,
                None => {
                    let id = u16::try_from(privileges.len()).unwrap_or(u16::MAX);
                    privileges.push(g.privilege.to_string());
                    privilege_ids.insert(g.privilege.to_string(), id);
                    id
                }
            };
            let grantee = match g.grantee {
                Grantee::Identity(i) => GranteeRef::Identity(i),
                Grantee::Public => GranteeRef::Public,
                Grantee::AllUsers => GranteeRef::AllUsers,
                Grantee::AllAuthenticatedUsers => GranteeRef::AllAuthenticatedUsers,
                Grantee::SpecialGroup(s) => GranteeRef::Special(s),
                Grantee::Authorized(what) => {
                    authorized.push(what);
                    GranteeRef::Authorized((authorized.len() - 1) as u32)
                }
                Grantee::Domain(d) => {
                    GranteeRef::Domain(*domain_ids.entry(d.clone()).or_insert_with(|| {
                        domains.push(d);
                        (domains.len() - 1) as u32
                    }))
                }
            };
            if let Some(cond) = g.condition {
                conditions.insert(i as u32, *cond);
            }
            entries.push(GrantEntry {
                grantee,
                resource: g.resource,
                privilege,
                grant_option: g.grant_option,
                future: g.future,
                conditional: conditions.contains_key(&(i as u32)),
            });
        }
        let mut grant_start = vec![0u32; c.resources.len() + 1];
        for e in &entries {
            grant_start[e.resource as usize + 1] += 1;
        }
        for r in 0..c.resources.len() {
            grant_start[r + 1] += grant_start[r];
        }
        let by_grantee = Csr::build(
            n,
            entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| match e.grantee {
                    GranteeRef::Identity(g) => Some((g, i as u32)),
                    _ => None,
                }),
        );
        let pseudo_grants = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !matches!(e.grantee, GranteeRef::Identity(_)))
            .map(|(i, _)| i as u32)
            .collect();
        let owned = Csr::build(
            n,
            c.resources
                .iter()
                .enumerate()
                .filter_map(|(r, res)| res.owner.map(|o| (o, r as u32))),
        );
        let predefined = |name: &str| {
            postgres_like
                .then(|| {
                    c.identities
                        .iter()
                        .position(|i| i.name == name && i.kind == IdentityKind::Role)
                        .map(|p| p as u32)
                })
                .flatten()
        };
        let read_all = predefined("pg_read_all_data");
        let write_all = predefined("pg_write_all_data");
        let superusers = if postgres_like {
            (0..n as u32)
                .filter(|i| c.identities[*i as usize].superuser)
                .collect()
        } else {
            Vec::new()
        };
        ConnGraph {
            name: c.name,
            platform: c.platform,
            server_version: c.server_version,
            taken_at: c.taken_at,
            identities: c.identities,
            resources: c.resources,
            up,
            down,
            grants: entries,
            grant_start,
            by_grantee,
            pseudo_grants,
            owned,
            privileges,
            privilege_ids,
            domains,
            authorized,
            conditions,
            read_all,
            write_all,
            superusers,
        }
    }
}
