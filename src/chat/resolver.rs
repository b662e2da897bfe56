//! The look-ups a chat engine makes before it calls a tool: which connections there are, what a
//! name could mean, who a person is on each platform. One small trait, implemented once over the
//! graph and index the tools resolve names with (so the engine pins a name down exactly as the
//! tool it then calls will), and the only way the engine reaches them: the facts in an answer
//! come from tool calls ([`super::Toolbox::call_typed`]), never from here.

use crate::access::{Access, Resolved};
use crate::error::Problem;
use crate::index::Target;
use crate::model::{Identity, Platform, Resource};

/// Name look-ups for planning. A connection is named by its position, as the index names it.
pub trait Resolver: Send + Sync {
    /// Every connection's name and platform, in order.
    fn connections(&self) -> Vec<(&str, Platform)>;
    /// The name of connection `conn`.
    fn connection_name(&self, conn: u32) -> &str;
    /// The position of the connection named exactly `name`.
    fn connection_index(&self, name: &str) -> Option<u32>;
    /// What `text` names by an exact key (no typo tolerance): empty when nothing.
    fn exact(&self, target: Target, text: &str, conn: Option<u32>) -> Vec<Resolved>;
    /// What `text` could name, as the tools resolve it (exact keys, a connection prefix, then
    /// typo-tolerant search); `path` is the argument an error names.
    fn candidates(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        path: &str,
    ) -> Result<Vec<Resolved>, Problem>;
    /// The error a tool gives when `text` names nothing, with its suggestions.
    fn not_found(&self, target: Target, text: &str, conn: Option<u32>, path: &str) -> Problem;
    /// Typo-tolerant matches of `text`, best first (`all_words`: every word must match).
    fn fuzzy(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        all_words: bool,
        limit: usize,
    ) -> Vec<Resolved>;
    /// A person's identities on every platform: the same email, or where there is none, the
    /// same name.
    fn linked_identities(&self, name: &str, email: Option<&str>) -> Vec<Resolved>;
    /// The identity a hit names.
    fn identity(&self, h: Resolved) -> &Identity;
    /// The resource a hit names.
    fn resource(&self, h: Resolved) -> &Resource;
    /// The identities marked superuser, on `conn` or everywhere (the planner then asks
    /// `get_identity` about each: the answer's facts come from those calls).
    fn superusers(&self, conn: Option<u32>) -> Vec<Resolved>;
    /// The resources directly inside any of `level` (all on one connection): a database's
    /// schemas, a schema's tables and views; grouped by their parent, in `level`'s order. One pass
    /// over the connection's resources, however many parents.
    fn contents(&self, level: &[Resolved]) -> Vec<Resolved>;
}

impl Resolver for Access {
    fn connections(&self) -> Vec<(&str, Platform)> {
        self.graph
            .connections
            .iter()
            .map(|c| (c.name.as_str(), c.platform))
            .collect()
    }

    fn connection_name(&self, conn: u32) -> &str {
        &self.conn(conn).name
    }

    fn connection_index(&self, name: &str) -> Option<u32> {
        self.graph
            .connections
            .iter()
            .position(|c| c.name == name)
            .map(|i| i as u32)
    }

    fn exact(&self, target: Target, text: &str, conn: Option<u32>) -> Vec<Resolved> {
        Access::exact(self, target, text, conn).unwrap_or_default()
    }

    fn candidates(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        path: &str,
    ) -> Result<Vec<Resolved>, Problem> {
        Access::candidates(self, target, text, conn, path)
    }

    fn not_found(&self, target: Target, text: &str, conn: Option<u32>, path: &str) -> Problem {
        Access::not_found(self, target, text, conn, path)
    }

    fn fuzzy(
        &self,
        target: Target,
        text: &str,
        conn: Option<u32>,
        all_words: bool,
        limit: usize,
    ) -> Vec<Resolved> {
        self.index
            .fuzzy(target, text, conn, all_words, limit)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, h)| Resolved::from(h))
            .collect()
    }

    fn linked_identities(&self, name: &str, email: Option<&str>) -> Vec<Resolved> {
        Access::linked_identities(self, name, email)
    }

    fn identity(&self, h: Resolved) -> &Identity {
        self.conn(h.conn).identity(h.id)
    }

    fn resource(&self, h: Resolved) -> &Resource {
        self.conn(h.conn).resource(h.id)
    }

    fn contents(&self, level: &[Resolved]) -> Vec<Resolved> {
        let Some(conn) = level.first().map(|h| h.conn) else {
            return Vec::new();
        };
        let at: std::collections::HashMap<u32, usize> =
            level.iter().enumerate().map(|(k, h)| (h.id, k)).collect();
        let mut groups: Vec<Vec<Resolved>> = vec![Vec::new(); level.len()];
        for (id, r) in self.conn(conn).resources.iter().enumerate() {
            if let Some(k) = r.parent.and_then(|p| at.get(&p)) {
                groups[*k].push(Resolved {
                    conn,
                    id: id as u32,
                });
            }
        }
        groups.concat()
    }

    fn superusers(&self, conn: Option<u32>) -> Vec<Resolved> {
        let mut out = Vec::new();
        for (c, g) in self.graph.connections.iter().enumerate() {
            let c = c as u32;
            if conn.is_some_and(|given| given != c) {
                continue;
            }
            for (id, i) in g.identities.iter().enumerate() {
                if i.superuser {
                    out.push(Resolved {
                        conn: c,
                        id: id as u32,
                    });
                }
            }
        }
        out
    }
}
