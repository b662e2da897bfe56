//! `list`: everything one identity holds, each with its paths.

use super::check::{EVERY, RawPath};
use super::holders::Terminal;
use super::{ConnGraph, GranteeRef, MAX_PATHS, Path};
use crate::model::{IdentityId, Platform, SpecialGroup};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most chains followed up from one identity.
const MAX_CHAINS: usize = 10_000;

/// One privilege an identity holds on one resource (`*`: every resource it applies to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccessEntry {
    pub resource: String,
    pub privilege: String,
    pub paths: Vec<Path>,
}

/// Everything an identity holds on its connection.
#[derive(Debug, Clone)]
pub struct IdentityAccess {
    pub entries: Vec<AccessEntry>,
    pub superuser: bool,
}

impl ConnGraph {
    /// Every privilege `i` holds, through any path. BigQuery bindings are listed where they are
    /// bound (they apply to everything below); a predefined role's or a superuser's blanket
    /// privileges are listed once, on `*`.
    pub fn list_access(&self, i: IdentityId) -> IdentityAccess {
        let i = i.get();
        let mut found: BTreeMap<(String, String), Vec<RawPath>> = BTreeMap::new();
        let mut add = |resource: String, privilege: String, raw: RawPath| {
            let list = found.entry((resource, privilege)).or_default();
            if list.len() < MAX_PATHS {
                list.push(raw);
            }
        };
        let superuser = self.is_superuser(i);
        if superuser {
            add(
                "*".into(),
                "ALL".into(),
                RawPath {
                    chain: vec![i],
                    pseudo: None,
                    terminal: Terminal::Superuser,
                },
            );
        }
        for chain in self.chains_up(i, false, &|_| true, MAX_CHAINS) {
            let Some(&n) = chain.last() else {
                continue;
            };
            for &g in self.by_grantee.get(n) {
                let grant = &self.grants[g as usize];
                if grant.future {
                    continue;
                }
                let res = self.resource(grant.resource).name.clone();
                add(
                    res,
                    self.privilege_name(grant.privilege).to_owned(),
                    RawPath {
                        chain: chain.clone(),
                        pseudo: None,
                        terminal: Terminal::Grant(g),
                    },
                );
            }
            for &r in self.owned.get(n) {
                let privilege = if self.platform == Platform::Snowflake {
                    "OWNERSHIP"
                } else {
                    "ALL"
                };
                add(
                    self.resource(r).name.clone(),
                    privilege.into(),
                    RawPath {
                        chain: chain.clone(),
                        pseudo: None,
                        terminal: Terminal::Owner(r),
                    },
                );
            }
            let predefined: &[(Option<u32>, &[&str])] = &[
                (self.read_all, &["SELECT", "USAGE"]),
                (self.write_all, &["INSERT", "UPDATE", "DELETE", "USAGE"]),
            ];
            for (role, privileges) in predefined {
                if *role == Some(n) {
                    for p in *privileges {
                        add(
                            "*".into(),
                            p.to_string(),
                            RawPath {
                                chain: chain.clone(),
                                pseudo: None,
                                terminal: Terminal::Predefined {
                                    role: n,
                                    resource: EVERY,
                                },
                            },
                        );
                    }
                }
            }
        }
        for &g in &self.pseudo_grants {
            let grant = &self.grants[g as usize];
            if grant.future {
                continue;
            }
            let res = self.resource(grant.resource).name.clone();
            let privilege = self.privilege_name(grant.privilege).to_owned();
            match grant.grantee {
                GranteeRef::Special(group) => {
                    for raw in self.special_paths(i, group, grant.resource, g) {
                        add(res.clone(), privilege.clone(), raw);
                    }
                }
                other if self.pseudo_applies(other, i) => {
                    add(
                        res,
                        privilege,
                        RawPath {
                            chain: vec![i],
                            pseudo: Some(other),
                            terminal: Terminal::Grant(g),
                        },
                    );
                }
                _ => {}
            }
        }
        let entries = found
            .into_iter()
            .map(|((resource, privilege), raw)| AccessEntry {
                paths: self.render_all(&raw, &privilege),
                resource,
                privilege,
            })
            .collect();
        IdentityAccess { entries, superuser }
    }

    /// Paths by which `i` is in a dataset's special group: it holds the basic role on the project.
    fn special_paths(&self, i: u32, group: SpecialGroup, dataset: u32, grant: u32) -> Vec<RawPath> {
        let Some(project) = self.project_of(dataset) else {
            return Vec::new();
        };
        let basic = self.holders(group.basic_role(), project);
        self.raw_paths(i, &basic, MAX_PATHS)
            .into_iter()
            .filter_map(|p| match p.terminal {
                Terminal::Grant(b) => Some(RawPath {
                    terminal: Terminal::Special { basic: b, grant },
                    ..p
                }),
                _ => None,
            })
            .collect()
    }
}
