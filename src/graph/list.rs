//! `list`: everything one identity holds, each with its paths, a page at a time.

use super::bigquery::{is_known_role, question_privileges};
use super::check::{EVERY, RawPath};
use super::holders::Terminal;
use super::{ConnGraph, GranteeRef, MAX_PATHS, Path};
use crate::model::{IdentityId, Platform, SpecialGroup};
use rustc_hash::FxHashMap as HashMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;

/// Most chains followed up from one identity.
const MAX_CHAINS: usize = 10_000;

/// One privilege an identity holds on one resource (`*`: every resource it applies to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccessEntry {
    pub resource: String,
    pub privilege: String,
    pub paths: Vec<Path>,
}

/// Everything an identity holds on its connection, or one page of it.
#[derive(Debug, Clone)]
pub struct IdentityAccess {
    /// The entries asked for, ordered by resource then privilege.
    pub entries: Vec<AccessEntry>,
    /// How many entries there are in all (the page is a slice of them).
    pub total: usize,
    pub superuser: bool,
}

/// A path found while listing, before it is known to be shown: its chain is an index into the
/// listing's chains, so a path costs no allocation until it is written out.
#[derive(Clone, Copy)]
struct Found {
    chain: usize,
    pseudo: Option<GranteeRef>,
    terminal: Terminal,
}

/// The paths found for one (resource, privilege): most have one, so it is held inline.
struct Paths {
    first: Found,
    more: Vec<Found>,
}

impl Paths {
    fn iter(&self) -> impl Iterator<Item = &Found> {
        std::iter::once(&self.first).chain(&self.more)
    }
}

/// What one identity holds, keyed by (resource index or [`EVERY`], privilege name).
struct Listing<'g> {
    chains: Vec<Vec<u32>>,
    found: HashMap<(u32, &'g str), Paths>,
    /// The index of the one-identity chain `[i]` (PUBLIC's and the superuser's paths), once
    /// made: thousands of PUBLIC grants share it.
    alone: Option<usize>,
}

impl<'g> Listing<'g> {
    fn add(&mut self, resource: u32, privilege: &'g str, found: Found) {
        match self.found.entry((resource, privilege)) {
            Entry::Vacant(v) => {
                v.insert(Paths {
                    first: found,
                    more: Vec::new(),
                });
            }
            Entry::Occupied(mut o) => {
                let paths = o.get_mut();
                if 1 + paths.more.len() < MAX_PATHS {
                    paths.more.push(found);
                }
            }
        }
    }

    /// Adds a path that brings its own chain.
    fn add_raw(&mut self, resource: u32, privilege: &'g str, raw: RawPath) {
        self.chains.push(raw.chain);
        let chain = self.chains.len() - 1;
        self.add(
            resource,
            privilege,
            Found {
                chain,
                pseudo: raw.pseudo,
                terminal: raw.terminal,
            },
        );
    }

    /// A path from `i` alone (no membership crossed).
    fn add_alone(
        &mut self,
        i: u32,
        resource: u32,
        privilege: &'g str,
        pseudo: Option<GranteeRef>,
        terminal: Terminal,
    ) {
        let chain = *self.alone.get_or_insert_with(|| {
            self.chains.push(vec![i]);
            self.chains.len() - 1
        });
        self.add(
            resource,
            privilege,
            Found {
                chain,
                pseudo,
                terminal,
            },
        );
    }
}

impl ConnGraph {
    /// Every privilege `i` holds, through any path. BigQuery bindings are listed where they are
    /// bound (they apply to everything below); a predefined role's or a superuser's blanket
    /// privileges are listed once, on `*`.
    pub fn list_access(&self, i: IdentityId) -> IdentityAccess {
        self.list_access_page(i, 0, usize::MAX)
    }

    /// Entries `from..from + limit` of [`Self::list_access`], with the total. Paths are written
    /// out only for the entries returned: an identity holding 100,000 privileges costs a walk and
    /// a sort, not 100,000 rendered paths.
    pub fn list_access_page(&self, i: IdentityId, from: usize, limit: usize) -> IdentityAccess {
        let i = i.get();
        let superuser = self.is_superuser(i);
        let listing = self.collect_access(i, superuser);
        let name = |r: u32| {
            if r == EVERY {
                "*"
            } else {
                &self.resource(r).name
            }
        };
        let mut keys: Vec<(&str, &str, u32)> = listing
            .found
            .keys()
            .map(|&(r, p)| (name(r), p, r))
            .collect();
        let total = keys.len();
        let to = from.saturating_add(limit).min(total);
        let from = from.min(to);
        // Only the page's entries need their exact place; the rest need only be on the right side.
        if to < total {
            keys.select_nth_unstable(to);
            keys.truncate(to);
        }
        if from > 0 && from < keys.len() {
            keys.select_nth_unstable(from);
        }
        let mut page = keys.split_off(from);
        page.sort_unstable();
        let entries = page
            .into_iter()
            .map(|(resource, privilege, r)| {
                let raw: Vec<RawPath> = listing.found[&(r, privilege)]
                    .iter()
                    .map(|f| RawPath {
                        chain: listing.chains[f.chain].clone(),
                        pseudo: f.pseudo,
                        terminal: f.terminal,
                    })
                    .collect();
                AccessEntry {
                    paths: self.render_all(&raw, privilege),
                    resource: resource.to_owned(),
                    privilege: privilege.to_owned(),
                }
            })
            .collect();
        IdentityAccess {
            entries,
            total,
            superuser,
        }
    }

    /// Every (resource, privilege) `i` holds, with up to [`MAX_PATHS`] unwritten paths each.
    fn collect_access(&self, i: u32, superuser: bool) -> Listing<'_> {
        let mut l = Listing {
            chains: self.chains_up(i, false, &|_| true, MAX_CHAINS),
            found: HashMap::default(),
            alone: None,
        };
        if superuser {
            l.add_alone(i, EVERY, "ALL", None, Terminal::Superuser);
        }
        let owner_privilege = if self.platform == Platform::Snowflake {
            "OWNERSHIP"
        } else {
            "ALL"
        };
        let predefined: [(Option<u32>, &[&str]); 2] = [
            (self.read_all, &["SELECT", "USAGE"]),
            (self.write_all, &["INSERT", "UPDATE", "DELETE", "USAGE"]),
        ];
        for c in 0..l.chains.len() {
            let Some(&n) = l.chains[c].last() else {
                continue;
            };
            for &g in self.by_grantee.get(n) {
                let grant = &self.grants[g as usize];
                if grant.future {
                    continue;
                }
                let found = Found {
                    chain: c,
                    pseudo: None,
                    terminal: Terminal::Grant(g),
                };
                l.add(grant.resource, self.privilege_name(grant.privilege), found);
            }
            for &r in self.owned.get(n) {
                let found = Found {
                    chain: c,
                    pseudo: None,
                    terminal: Terminal::Owner(r),
                };
                l.add(r, owner_privilege, found);
            }
            for (role, privileges) in &predefined {
                if *role != Some(n) {
                    continue;
                }
                for p in *privileges {
                    let terminal = Terminal::Predefined {
                        role: n,
                        resource: EVERY,
                    };
                    let found = Found {
                        chain: c,
                        pseudo: None,
                        terminal,
                    };
                    l.add(EVERY, p, found);
                }
            }
        }
        for &g in &self.pseudo_grants {
            let grant = &self.grants[g as usize];
            if grant.future {
                continue;
            }
            let privilege = self.privilege_name(grant.privilege);
            match grant.grantee {
                GranteeRef::Special(group) => {
                    for raw in self.special_paths(i, group, grant.resource, g) {
                        l.add_raw(grant.resource, privilege, raw);
                    }
                }
                other if self.pseudo_applies(other, i) => {
                    l.add_alone(
                        i,
                        grant.resource,
                        privilege,
                        Some(other),
                        Terminal::Grant(g),
                    );
                }
                _ => {}
            }
        }
        if self.platform == Platform::Bigquery {
            self.bigquery_tables(&mut l);
        }
        l
    }

    /// BigQuery bindings are listed where they are bound (a dataset, a project); each also gives
    /// privileges on every table below, as a check would answer: those are listed too, each with
    /// the binding as its path.
    fn bigquery_tables<'g>(&'g self, l: &mut Listing<'g>) {
        let mut bound: HashMap<u32, Vec<(&'g str, Vec<Found>)>> = HashMap::default();
        for (&(r, role), paths) in &l.found {
            if r != EVERY && is_known_role(role) {
                bound
                    .entry(r)
                    .or_default()
                    .push((role, paths.iter().copied().collect()));
            }
        }
        if bound.is_empty() {
            return;
        }
        for t in 0..self.resources.len() as u32 {
            if !self.resource(t).kind.is_table_like() {
                continue;
            }
            for a in std::iter::once(t).chain(self.ancestors(t)) {
                for (role, paths) in bound.get(&a).into_iter().flatten() {
                    for &q in question_privileges() {
                        if Self::role_gives(role, q) {
                            for f in paths {
                                l.add(t, q, *f);
                            }
                        }
                    }
                }
            }
        }
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
