//! The graph and the name index behind one face, and the handle that swaps a rebuilt pair in
//! without making a reader wait.
//!
//! Name resolution follows SNAPSHOT.md "Names in questions": exact keys first (a name, an email,
//! a display name, a dotted suffix; case-insensitive, the exact spelling winning a tie), then
//! typo-tolerant search that is accepted only when it finds exactly one thing.

use crate::error::{Candidate, ErrorCode, Problem};
use crate::graph::{ConnGraph, Graph};
use crate::index::{Hit, NameIndex, Target, Tier, identity_aliases, resource_aliases, same_key};
use crate::model::{Connection, IdentityId, ResourceId};
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

/// The graph and index built from one state of the store.
pub struct Access {
    pub graph: Graph,
    pub index: NameIndex,
}

/// A resolved identity or resource: which one, the target it was searched for says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub conn: u32,
    pub id: u32,
}

impl Resolved {
    /// The identity found by a search for identities.
    pub fn identity(self) -> IdentityId {
        IdentityId::new(self.id)
    }

    /// The resource found by a search for resources.
    pub fn resource(self) -> ResourceId {
        ResourceId::new(self.id)
    }
}

impl From<Hit> for Resolved {
    fn from(h: Hit) -> Self {
        Resolved {
            conn: h.conn,
            id: h.id,
        }
    }
}

impl Access {
    pub fn build(connections: Vec<Connection>) -> Result<Access, Problem> {
        let graph = Graph::build(connections);
        let index = NameIndex::build(&graph)?;
        Ok(Access { graph, index })
    }

    pub fn conn(&self, c: u32) -> &ConnGraph {
        &self.graph.connections[c as usize]
    }

    /// The connection an argument names, if any.
    pub fn connection_arg(&self, name: Option<&str>, path: &str) -> Result<Option<u32>, Problem> {
        let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        match self
            .graph
            .connections
            .iter()
            .position(|c| c.name == name || c.name.eq_ignore_ascii_case(name))
        {
            Some(i) => Ok(Some(i as u32)),
            None => Err(
                Problem::new(ErrorCode::NotFound, format!("no connection named {name:?}"))
                    .at(path)
                    .with_candidates(
                        self.graph
                            .connections
                            .iter()
                            .map(|c| Candidate {
                                name: c.name.clone(),
                                kind: c.platform.to_string(),
                                connection: c.name.clone(),
                            })
                            .collect(),
                    ),
            ),
        }
    }

    /// Splits `warehouse:sales.orders` into its connection and the rest, when the prefix is one.
    fn split_prefix<'a>(
        &self,
        text: &'a str,
        conn: Option<u32>,
        path: &str,
    ) -> Result<(&'a str, Option<u32>), Problem> {
        if let Some((prefix, rest)) = text.split_once(':')
            && let Some(c) = self.graph.connections.iter().position(|c| c.name == prefix)
        {
            let c = c as u32;
            if conn.is_some_and(|given| given != c) {
                return Err(Problem::invalid(
                    path,
                    format!(
                        "{text:?} names connection {prefix:?}, but the question is about another connection"
                    ),
                ));
            }
            return Ok((rest, Some(c)));
        }
        Ok((text, conn))
    }

    /// Everything `text` could name, best tier only (empty when nothing matches).
    ///
    /// The text is first taken exactly as given (a role may really be called `pg:admin` or
    /// `zed `); only when that names nothing is a connection prefix split off and the text
    /// trimmed, and only when no exact key matches is typo-tolerant search tried.
    pub fn candidates(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        path: &str,
    ) -> Result<Vec<Resolved>, Problem> {
        Ok(self.matches(target, text, conn, path)?.hits)
    }

    /// [`Access::candidates`], saying whether the hits are exact keys or typo-tolerant guesses.
    fn matches(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        path: &str,
    ) -> Result<Matches, Problem> {
        if text.trim().is_empty() {
            return Err(Problem::invalid(path, "name is empty"));
        }
        let hits = self.exact(target, text, conn)?;
        if !hits.is_empty() {
            return Ok(Matches::exact(hits));
        }
        let (rest, conn) = self.split_prefix(text, conn, path)?;
        let rest = rest.trim();
        if rest != text {
            let hits = self.exact(target, rest, conn)?;
            if !hits.is_empty() {
                return Ok(Matches::exact(hits));
            }
        }
        // "the payroll table", "sales orders": the same keys, with filler words and spaces.
        for form in plain_forms(target, rest) {
            let hits = self.exact(target, &form, conn)?;
            if !hits.is_empty() {
                return Ok(Matches::exact(hits));
            }
        }
        let fuzzy = self.index.fuzzy(target, rest, conn, true, 10)?;
        let mut hits: Vec<Resolved> = fuzzy.into_iter().map(|(_, h)| h.into()).collect();
        hits.dedup();
        Ok(Matches {
            hits,
            guessed: true,
        })
    }

    /// Exact key matches (any case) of the strongest tier that has any, the exact spelling
    /// winning within a connection.
    pub(crate) fn exact(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
    ) -> Result<Vec<Resolved>, Problem> {
        for tier in [Tier::Name, Tier::Alias] {
            let mut hits: Vec<Resolved> = self
                .index
                .lookup(target, tier, text, conn)
                .into_iter()
                .map(Resolved::from)
                .filter(|h| self.has_key(target, tier, *h, text))
                .collect();
            if hits.is_empty() {
                continue;
            }
            hits.sort_by_key(|h| (h.conn, h.id));
            hits.dedup();
            // Where names in one connection differ only by case, the exact spelling wins there.
            // (Across connections case says nothing: Snowflake's MAYA is Postgres's maya.)
            let exact_in: BTreeSet<u32> = hits
                .iter()
                .filter(|h| self.spelled_exactly(target, **h, text))
                .map(|h| h.conn)
                .collect();
            hits.retain(|h| !exact_in.contains(&h.conn) || self.spelled_exactly(target, *h, text));
            return Ok(hits);
        }
        Ok(Vec::new())
    }

    /// Does `h` really carry `text` as a key of `tier` (the index matched a hash)?
    fn has_key(&self, target: Target, tier: Tier, h: Resolved, text: &str) -> bool {
        let c = self.conn(h.conn);
        match (target, tier) {
            (Target::Identity, Tier::Name) => same_key(&c.identity(h.id).name, text),
            (Target::Identity, Tier::Alias) => {
                identity_aliases(c.identity(h.id)).any(|a| same_key(a, text))
            }
            (Target::Resource, Tier::Name) => same_key(&c.resource(h.id).name, text),
            (Target::Resource, Tier::Alias) => {
                resource_aliases(c.resource(h.id)).any(|a| same_key(&a, text))
            }
        }
    }

    fn spelled_exactly(&self, target: Target, h: Resolved, text: &str) -> bool {
        let c = self.conn(h.conn);
        match target {
            Target::Identity => {
                let i = c.identity(h.id);
                i.name == text
                    || i.email.as_deref() == Some(text)
                    || i.display_name.as_deref() == Some(text)
            }
            Target::Resource => {
                let r = c.resource(h.id);
                (0..r.path.len()).any(|k| r.path[k..].join(".") == text)
            }
        }
    }

    /// The identity or resource named exactly `name` (any case, the exact spelling winning) on
    /// the connection called `connection`: how links and pages name one thing, never a guess.
    pub fn named(&self, target: Target, connection: &str, name: &str) -> Option<Resolved> {
        let (c, _) = self.graph.connection(connection)?;
        let full = |h: &Resolved| match target {
            Target::Identity => self.conn(h.conn).identity(h.id).name.as_str(),
            Target::Resource => self.conn(h.conn).resource(h.id).name.as_str(),
        };
        let hits: Vec<Resolved> = self
            .index
            .lookup(target, Tier::Name, name, Some(c as u32))
            .into_iter()
            .map(Resolved::from)
            .filter(|h| full(h).eq_ignore_ascii_case(name))
            .collect();
        hits.iter()
            .find(|h| full(h) == name)
            .or(hits.first())
            .copied()
    }

    /// The one thing `text` names, or an error listing what it could have meant. Only an exact
    /// key (a name, an email, a display name, a dotted suffix) resolves: a typo-tolerant match
    /// ("ALICE" for Alice Chen's `achen`) is a guess, offered as a candidate, never taken.
    pub fn resolve(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        path: &str,
    ) -> Result<Resolved, Problem> {
        let m = self.matches(target, text, conn, path)?;
        self.settle(target, text, m, conn, path)
    }

    /// One exact hit, or the error that says why not (guesses become candidates).
    fn settle(
        &self,
        target: Target,
        text: &str,
        m: Matches,
        conn: Option<u32>,
        path: &str,
    ) -> Result<Resolved, Problem> {
        if m.guessed {
            return Err(self.not_guessed(target, text, &m.hits, conn, path));
        }
        self.exactly_one(target, text, m.hits, conn, path)
    }

    /// Nothing is named `text`; `guesses` are what it may have meant.
    fn not_guessed(
        &self,
        target: Target,
        text: &str,
        guesses: &[Resolved],
        conn: Option<u32>,
        path: &str,
    ) -> Problem {
        let candidates = guesses
            .iter()
            .take(5)
            .map(|h| self.candidate(target, *h))
            .collect();
        self.unknown(target, text, conn, path, candidates)
    }

    /// `not_found` for `text`, with the things it may have meant.
    fn unknown(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        path: &str,
        candidates: Vec<Candidate>,
    ) -> Problem {
        let scope = match conn {
            Some(c) => format!(" in connection {:?}", self.conn(c).name),
            None => String::new(),
        };
        Problem::new(
            ErrorCode::NotFound,
            format!("no {} named {text:?}{scope}", target_word(target)),
        )
        .at(path)
        .with_candidates(candidates)
    }

    pub(crate) fn exactly_one(
        &self,
        target: Target,
        text: &str,
        hits: Vec<Resolved>,
        conn: Option<u32>,
        path: &str,
    ) -> Result<Resolved, Problem> {
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => Err(self.not_found(target, text, conn, path)),
            many => Err(Problem::new(
                ErrorCode::Ambiguous,
                format!(
                    "{text:?} matches {} {}; say which (a connection prefix such as {}:… narrows it)",
                    many.len(),
                    match target {
                        Target::Identity => "identities",
                        Target::Resource => "resources",
                    },
                    self.conn(many[0].conn).name
                ),
            )
            .at(path)
            .with_candidates(
                many.iter()
                    .take(20)
                    .map(|h| self.candidate(target, *h))
                    .collect(),
            )),
        }
    }

    pub(crate) fn not_found(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        path: &str,
    ) -> Problem {
        let suggestions = self
            .index
            .fuzzy(target, text, conn, false, 5)
            .map(|v| {
                v.into_iter()
                    .map(|(_, h)| self.candidate(target, h.into()))
                    .collect()
            })
            .unwrap_or_default();
        self.unknown(target, text, conn, path, suggestions)
    }

    pub fn candidate(&self, target: Target, h: Resolved) -> Candidate {
        let c = self.conn(h.conn);
        let (name, kind) = match target {
            Target::Identity => (
                c.identity(h.id).name.clone(),
                c.identity(h.id).kind.to_string(),
            ),
            Target::Resource => (
                c.resource(h.id).name.clone(),
                c.resource(h.id).kind.to_string(),
            ),
        };
        Candidate {
            name,
            kind,
            connection: c.name.clone(),
        }
    }

    /// Resolves an identity and a resource together, each narrowing the other: a table found in
    /// one connection picks that connection's identity of the given name, and an identity that
    /// exists in one connection picks among same-named tables.
    pub fn resolve_pair(
        &self,
        identity: &str,
        resource: &str,
        connection: Option<&str>,
    ) -> Result<(u32, IdentityId, ResourceId), Problem> {
        let conn = self.connection_arg(connection, "connection")?;
        let res = self.matches(Target::Resource, resource, conn, "resource")?;
        if res.hits.is_empty() {
            return Err(self.not_found(Target::Resource, resource, conn, "resource"));
        }
        let ids = self.matches(Target::Identity, identity, conn, "identity")?;
        let id_conns: BTreeSet<u32> = ids.hits.iter().map(|h| h.conn).collect();
        let narrowed: Vec<Resolved> = res
            .hits
            .iter()
            .copied()
            .filter(|h| id_conns.contains(&h.conn))
            .collect();
        let res = if narrowed.is_empty() {
            res
        } else {
            Matches {
                hits: narrowed,
                ..res
            }
        };
        let r = self.settle(Target::Resource, resource, res, conn, "resource")?;
        let ids = Matches {
            hits: ids.hits.into_iter().filter(|h| h.conn == r.conn).collect(),
            ..ids
        };
        if ids.hits.is_empty() {
            return Err(self.not_found(Target::Identity, identity, Some(r.conn), "identity"));
        }
        let i = self.settle(Target::Identity, identity, ids, Some(r.conn), "identity")?;
        Ok((r.conn, i.identity(), r.resource()))
    }
}

/// Words that say what kind of thing a name is, not which: "the payroll table".
const FILLER: [&str; 14] = [
    "the", "a", "an", "table", "view", "schema", "dataset", "database", "role", "user", "group",
    "account", "service", "my",
];

/// Other spellings of the same key: filler words dropped, and for a resource the remaining
/// words joined by dots ("sales orders" is `sales.orders`). Never a guess: each must still equal
/// a key exactly.
fn plain_forms(target: Target, text: &str) -> Vec<String> {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !FILLER.iter().any(|f| f.eq_ignore_ascii_case(w)))
        .take(8)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut forms = vec![words.join(" ")];
    if target == Target::Resource && words.len() > 1 {
        forms.push(words.join("."));
    }
    forms.retain(|f| f != text);
    forms
}

/// What a name matched: exact keys, or (when none) typo-tolerant guesses.
struct Matches {
    hits: Vec<Resolved>,
    guessed: bool,
}

impl Matches {
    fn exact(hits: Vec<Resolved>) -> Matches {
        Matches {
            hits,
            guessed: false,
        }
    }
}

impl Access {
    /// The platform identities a person is linked to (INTERFACE.md "Configuration"): those whose
    /// email equals theirs and, where an identity has no email, whose name equals theirs (any case).
    /// An identity named by an email (BigQuery) has that email.
    pub fn linked_identities(&self, name: &str, email: Option<&str>) -> Vec<Resolved> {
        let mut keys = vec![name];
        keys.extend(email);
        let mut out: Vec<Resolved> = keys
            .iter()
            .flat_map(|k| {
                [Tier::Name, Tier::Alias]
                    .into_iter()
                    .flat_map(move |tier| self.index.lookup(Target::Identity, tier, k, None))
            })
            .map(Resolved::from)
            .filter(|h| {
                let i = self.conn(h.conn).identity(h.id);
                match (person_email(i), email) {
                    (Some(theirs), Some(mine)) => theirs.eq_ignore_ascii_case(mine),
                    (Some(_), None) => false,
                    (None, _) => i.name.eq_ignore_ascii_case(name),
                }
            })
            .collect();
        out.sort_by_key(|h| (h.conn, h.id));
        out.dedup();
        out
    }
}

/// The email an identity stands for: its email, or its name when that is one (BigQuery).
pub fn person_email(i: &crate::model::Identity) -> Option<&str> {
    i.email
        .as_deref()
        .or_else(|| i.name.contains('@').then_some(i.name.as_str()))
}

fn target_word(t: Target) -> &'static str {
    match t {
        Target::Identity => "identity",
        Target::Resource => "resource",
    }
}

/// The current [`Access`], swapped whole when a rebuild finishes. Readers clone the `Arc` under a
/// lock held for a pointer copy; a rebuild happens outside the lock, so reads never wait on it.
pub struct AccessHandle {
    current: RwLock<Arc<Access>>,
}

impl AccessHandle {
    pub fn new(access: Access) -> AccessHandle {
        AccessHandle {
            current: RwLock::new(Arc::new(access)),
        }
    }

    pub fn load(&self) -> Arc<Access> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn swap(&self, access: Access) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(access);
    }
}
