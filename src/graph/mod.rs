//! The effective-privilege engine: per connection, a compact graph of memberships and grants
//! that answers check, who-has and list questions with every path behind each answer.
//!
//! Rules are SNAPSHOT.md's "Effective privilege (normative)"; path texts and caveat codes are
//! docs/PATHS.md's. The graph is immutable once built: a rebuild makes a new one and swaps it in.

pub mod bigquery;
mod build;
mod check;
mod csr;
mod direct;
mod holders;
mod list;
mod path;
mod walk;
mod who_has;

pub use check::CheckAnswer;
pub use direct::DirectNames;
pub use list::{AccessEntry, IdentityAccess};
pub use path::{Caveat, Path, Step};
pub use who_has::GranteeEntry;

use crate::model::{
    Condition, Connection, Identity, IdentityIndex, Platform, Resource, ResourceIndex, SpecialGroup,
};
use csr::Csr;
use rustc_hash::FxHashMap as HashMap;

/// Most paths reported for one answer; past it the answer says the list was cut.
pub const MAX_PATHS: usize = 64;

/// Who a grant goes to, in the compact form the graph keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GranteeRef {
    Identity(u32),
    Public,
    Domain(u32),
    AllAuthenticatedUsers,
    AllUsers,
    Special(SpecialGroup),
    /// An authorized view, routine or dataset: an index into `ConnGraph::authorized`.
    Authorized(u32),
}

/// A grant as the graph keeps it (20 bytes: a tier-M snapshot holds two million).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrantEntry {
    pub grantee: GranteeRef,
    pub resource: u32,
    pub privilege: u16,
    pub grant_option: bool,
    pub future: bool,
    pub conditional: bool,
}

/// A membership edge seen from one end; `flows` says whether privileges pass along it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Edge {
    pub to: u32,
    pub flows: bool,
}

/// One connection's identities, resources and grants, indexed for questions.
pub struct ConnGraph {
    pub name: String,
    pub platform: Platform,
    pub server_version: Option<String>,
    pub taken_at: Option<chrono::DateTime<chrono::Utc>>,
    pub identities: Vec<Identity>,
    pub resources: Vec<Resource>,
    up: Csr<Edge>,
    down: Csr<Edge>,
    /// Grants ordered by resource; `grant_start[r]..grant_start[r+1]` are those on `r`.
    grants: Vec<GrantEntry>,
    grant_start: Vec<u32>,
    by_grantee: Csr<u32>,
    pseudo_grants: Vec<u32>,
    owned: Csr<u32>,
    privileges: Vec<String>,
    privilege_ids: HashMap<String, u16>,
    domains: Vec<String>,
    /// BigQuery authorized views, routines and datasets, as the snapshot names them.
    authorized: Vec<String>,
    conditions: HashMap<u32, Condition>,
    read_all: Option<u32>,
    write_all: Option<u32>,
    superusers: Vec<u32>,
}

/// Every connection's graph.
#[derive(Default)]
pub struct Graph {
    pub connections: Vec<ConnGraph>,
}

impl Graph {
    pub fn build(connections: Vec<Connection>) -> Graph {
        let mut connections: Vec<ConnGraph> =
            connections.into_iter().map(ConnGraph::build).collect();
        connections.sort_by(|a, b| a.name.cmp(&b.name));
        Graph { connections }
    }

    pub fn connection(&self, name: &str) -> Option<(usize, &ConnGraph)> {
        self.connections
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    /// Grants across all connections.
    pub fn grant_count(&self) -> usize {
        self.connections.iter().map(|c| c.grants.len()).sum()
    }

    /// Approximate heap held by the graphs (not the index), for the memory benchmark.
    pub fn heap_bytes(&self) -> usize {
        self.connections.iter().map(ConnGraph::heap_bytes).sum()
    }
}

impl ConnGraph {
    pub fn identity(&self, i: impl IdentityIndex) -> &Identity {
        &self.identities[i.raw() as usize]
    }

    pub fn resource(&self, r: impl ResourceIndex) -> &Resource {
        &self.resources[r.raw() as usize]
    }

    /// Roles `i` belongs to directly, with whether privileges flow from each.
    pub fn direct_roles<I: IdentityIndex>(&self, i: I) -> impl Iterator<Item = (I, bool)> + '_ {
        self.up
            .get(i.raw())
            .iter()
            .map(|e| (I::from_raw(e.to), e.flows))
    }

    /// Direct members of role `i`.
    pub fn direct_members<I: IdentityIndex>(&self, i: I) -> impl Iterator<Item = (I, bool)> + '_ {
        self.down
            .get(i.raw())
            .iter()
            .map(|e| (I::from_raw(e.to), e.flows))
    }

    /// The grants on resource `r`, each with its index (how paths and caveats refer to it).
    fn grants_on(&self, r: u32) -> impl Iterator<Item = (u32, &GrantEntry)> + '_ {
        let (a, b) = (
            self.grant_start[r as usize],
            self.grant_start[r as usize + 1],
        );
        (a..b).map(|i| (i, &self.grants[i as usize]))
    }

    fn privilege_name(&self, id: u16) -> &str {
        &self.privileges[id as usize]
    }

    fn privilege_id(&self, p: &str) -> Option<u16> {
        self.privilege_ids.get(p).copied()
    }

    /// The resources above `r`, nearest first.
    fn ancestors(&self, r: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(self.resource(r).parent, |p| self.resource(*p).parent)
    }

    fn heap_bytes(&self) -> usize {
        let strings: usize = self
            .identities
            .iter()
            .map(|i| {
                i.name.capacity()
                    + i.email.as_ref().map_or(0, String::capacity)
                    + i.display_name.as_ref().map_or(0, String::capacity)
            })
            .sum::<usize>()
            + self
                .resources
                .iter()
                .map(|r| {
                    r.name.capacity() + r.path.iter().map(|p| p.capacity() + 24).sum::<usize>()
                })
                .sum::<usize>();
        strings
            + self.identities.capacity() * std::mem::size_of::<Identity>()
            + self.resources.capacity() * std::mem::size_of::<Resource>()
            + self.up.heap_bytes()
            + self.down.heap_bytes()
            + self.grants.capacity() * std::mem::size_of::<GrantEntry>()
            + self.grant_start.capacity() * 4
            + self.by_grantee.heap_bytes()
            + self.pseudo_grants.capacity() * 4
            + self.owned.heap_bytes()
    }
}
