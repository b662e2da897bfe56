//! Exact, case-insensitive name keys: the fast path of resolution. Each key is kept as a 64-bit
//! hash beside its hit in one sorted vector (16 bytes a key, no strings), so a lookup is a binary
//! search; callers confirm a hit against the real names with [`same_key`].

use super::{Hit, Target, Tier};
use crate::graph::Graph;
use crate::model::{Identity, Resource};
use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Hashed keys of one target and tier, sorted by hash.
#[derive(Default)]
struct Table(Vec<(u64, Hit)>);

impl Table {
    /// `keys` as keys of `hit` (sorted once every key is in).
    fn add<K: AsRef<str>>(&mut self, keys: impl IntoIterator<Item = K>, hit: Hit) {
        self.0
            .extend(keys.into_iter().map(|k| (hash(k.as_ref()), hit)));
    }

    fn get(&self, hash: u64) -> impl Iterator<Item = Hit> + '_ {
        let start = self.0.partition_point(|(h, _)| *h < hash);
        self.0[start..]
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .map(|(_, hit)| *hit)
    }
}

/// Every identity's and resource's exact keys, by tier.
#[derive(Default)]
pub struct ExactKeys {
    identity_names: Table,
    identity_aliases: Table,
    resource_names: Table,
    resource_aliases: Table,
}

/// A key's hash, case folded as [`same_key`] compares.
fn hash(key: &str) -> u64 {
    let mut h = FxHasher::default();
    for c in key.chars().flat_map(char::to_lowercase) {
        h.write_u32(c as u32);
    }
    h.finish()
}

/// Do two keys match, ignoring case?
pub fn same_key(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// Other ways of naming an identity: its email, the email's local part, its display name.
pub fn identity_aliases(i: &Identity) -> impl Iterator<Item = &str> {
    fn local(s: &str) -> Option<&str> {
        s.split_once('@').map(|(l, _)| l)
    }
    [
        i.email.as_deref(),
        i.email.as_deref().and_then(local),
        local(&i.name),
        i.display_name.as_deref(),
    ]
    .into_iter()
    .flatten()
}

/// Other ways of naming a resource: every dotted suffix of its name (`sales.orders`, `orders`).
pub fn resource_aliases(r: &Resource) -> impl Iterator<Item = String> + '_ {
    (1..r.path.len()).map(|k| r.path[k..].join("."))
}

impl ExactKeys {
    pub fn build(graph: &Graph) -> ExactKeys {
        let mut k = ExactKeys::default();
        for (ci, c) in graph.connections.iter().enumerate() {
            let hit = |id: usize| Hit {
                conn: ci as u32,
                id: id as u32,
            };
            for (id, ident) in c.identities.iter().enumerate() {
                k.identity_names.add([&ident.name], hit(id));
                k.identity_aliases.add(identity_aliases(ident), hit(id));
            }
            for (id, res) in c.resources.iter().enumerate() {
                k.resource_names.add([&res.name], hit(id));
                k.resource_aliases.add(resource_aliases(res), hit(id));
            }
        }
        for t in [
            &mut k.identity_names,
            &mut k.identity_aliases,
            &mut k.resource_names,
            &mut k.resource_aliases,
        ] {
            t.0.sort_unstable_by_key(|(h, hit)| (*h, *hit));
            t.0.dedup();
            t.0.shrink_to_fit();
        }
        k
    }

    /// Hits whose key of `tier` may equal `key` (a hash match: confirm with [`same_key`]).
    pub fn get(&self, target: Target, tier: Tier, key: &str) -> impl Iterator<Item = Hit> + '_ {
        let table = match (target, tier) {
            (Target::Identity, Tier::Name) => &self.identity_names,
            (Target::Identity, Tier::Alias) => &self.identity_aliases,
            (Target::Resource, Tier::Name) => &self.resource_names,
            (Target::Resource, Tier::Alias) => &self.resource_aliases,
        };
        table.get(hash(key))
    }

    pub fn heap_bytes(&self) -> usize {
        [
            &self.identity_names,
            &self.identity_aliases,
            &self.resource_names,
            &self.resource_aliases,
        ]
        .iter()
        .map(|t| t.0.capacity() * std::mem::size_of::<(u64, Hit)>())
        .sum()
    }
}
