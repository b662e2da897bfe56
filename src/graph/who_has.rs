//! `who_has`: every identity that holds a privilege on a resource, each with its paths.

use super::bigquery::question_privileges;
use super::check::RawPath;
use super::holders::Terminal;
use super::{ConnGraph, GranteeRef, MAX_PATHS, Path};
use crate::model::{Platform, ResourceId, ResourceKind, table_privileges};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most member chains followed down from one holder (a role every user is in stays cheap).
const MAX_CHAINS_PER_HOLDER: usize = 100_000;

/// One identity (or pseudo-grantee such as PUBLIC) that holds privileges on the resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GranteeEntry {
    /// The identity's name, or `PUBLIC` / `allUsers` / `allAuthenticatedUsers` for everyone.
    pub identity: String,
    /// `user`, `role`, `group`, `service_account`, `database_role`, or `public` for everyone.
    pub kind: String,
    pub privileges: Vec<String>,
    pub paths: Vec<Path>,
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone)]
enum Key {
    Identity(u32),
    Pseudo(String),
}

impl ConnGraph {
    /// Everyone who holds `privilege` (or, without one, any privilege) on `r`.
    pub fn who_has(&self, r: ResourceId, privilege: Option<&str>) -> Vec<GranteeEntry> {
        let r = r.get();
        let privileges: Vec<String> = match privilege {
            Some(p) => vec![p.to_owned()],
            None => self.privileges_on(r),
        };
        let mut found: BTreeMap<Key, BTreeMap<String, Vec<RawPath>>> = BTreeMap::new();
        for p in &privileges {
            self.collect_holders(r, p, &mut found);
        }
        let mut out: Vec<GranteeEntry> = found
            .into_iter()
            .map(|(key, by_priv)| {
                let (identity, kind) = match &key {
                    Key::Identity(i) => (
                        self.identity(*i).name.clone(),
                        self.identity(*i).kind.as_str().to_owned(),
                    ),
                    Key::Pseudo(text) => (text.clone(), "public".to_owned()),
                };
                let mut paths = Vec::new();
                for (p, raw) in &by_priv {
                    paths.extend(self.render_all(raw, p));
                }
                paths.dedup_by(|a, b| a.text == b.text);
                paths.truncate(MAX_PATHS);
                GranteeEntry {
                    identity,
                    kind,
                    privileges: by_priv.into_keys().collect(),
                    paths,
                }
            })
            .collect();
        // People first, then roles and groups, each by name.
        out.sort_by(|a, b| {
            kind_rank(&a.kind)
                .cmp(&kind_rank(&b.kind))
                .then_with(|| a.identity.cmp(&b.identity))
        });
        out
    }

    fn collect_holders(
        &self,
        r: u32,
        p: &str,
        found: &mut BTreeMap<Key, BTreeMap<String, Vec<RawPath>>>,
    ) {
        let mut add = |key: Key, raw: RawPath| {
            let list = found
                .entry(key)
                .or_default()
                .entry(p.to_owned())
                .or_default();
            if list.len() < MAX_PATHS {
                list.push(raw);
            }
        };
        for &s in &self.superusers {
            add(
                Key::Identity(s),
                RawPath {
                    chain: vec![s],
                    pseudo: None,
                    terminal: Terminal::Superuser,
                },
            );
        }
        let holders = self.holders(p, r);
        for (&h, terms) in &holders.identities {
            for chain in self.chains_down(h, MAX_CHAINS_PER_HOLDER) {
                for t in terms {
                    add(
                        Key::Identity(chain[0]),
                        RawPath {
                            chain: chain.clone(),
                            pseudo: None,
                            terminal: *t,
                        },
                    );
                }
            }
        }
        for (g, t) in &holders.pseudo {
            match g {
                GranteeRef::Domain(_) => {
                    for i in 0..self.identities.len() as u32 {
                        if self.pseudo_applies(*g, i) {
                            add(
                                Key::Identity(i),
                                RawPath {
                                    chain: vec![i],
                                    pseudo: Some(*g),
                                    terminal: *t,
                                },
                            );
                        }
                    }
                }
                other => add(
                    Key::Pseudo(self.pseudo_text(*other)),
                    RawPath {
                        chain: vec![],
                        pseudo: Some(*other),
                        terminal: *t,
                    },
                ),
            }
        }
    }

    /// The privilege words worth asking about on `r` when the question names none.
    pub(crate) fn privileges_on(&self, r: u32) -> Vec<String> {
        if self.platform == Platform::Bigquery {
            return question_privileges()
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        let mut out: Vec<String> = self
            .grants_on(r)
            .filter(|(_, g)| !g.future)
            .map(|(_, g)| self.privilege_name(g.privilege).to_owned())
            .collect();
        let res = self.resource(r);
        if res.owner.is_some() {
            match (&res.owner_privileges, self.platform) {
                (Some(list), _) => out.extend(list.iter().map(|p| p.to_ascii_uppercase())),
                (None, Platform::Snowflake) => out.push("OWNERSHIP".into()),
                (None, _) => out.extend(
                    default_owner_privileges(res.kind)
                        .iter()
                        .map(|s| s.to_string()),
                ),
            }
        }
        if self.read_all.is_some() || self.write_all.is_some() {
            if res.kind == ResourceKind::Schema {
                out.push("USAGE".into());
            }
            if res.kind.is_table_like() {
                if self.read_all.is_some() {
                    out.push("SELECT".into());
                }
                if self.write_all.is_some() {
                    out.extend(["INSERT", "UPDATE", "DELETE"].map(String::from));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// What an owner holds on each kind of object in PostgreSQL, when the snapshot does not say.
fn default_owner_privileges(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Schema => &["USAGE", "CREATE"],
        ResourceKind::Database => &["CONNECT", "CREATE", "TEMPORARY"],
        ResourceKind::Function => &["EXECUTE"],
        ResourceKind::Sequence => &["USAGE", "SELECT", "UPDATE"],
        k if k.is_table_like() => &table_privileges()[..7],
        _ => &[],
    }
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        "user" | "service_account" => 0,
        "role" | "database_role" | "group" => 1,
        _ => 2,
    }
}
