//! `check`: does an identity hold a privilege on a resource, every path that gives it, and caveats.

use super::holders::{Holders, Terminal};
use super::path::{Caveat, Path, PathBuilder, Step};
use super::{ConnGraph, GranteeRef, MAX_PATHS};
use crate::model::{IdentityId, Platform, ResourceId, ResourceKind};

/// A path before it is written out: the identities crossed, an optional pseudo-grantee, and how
/// the last one holds the privilege.
#[derive(Debug, Clone)]
pub(crate) struct RawPath {
    pub chain: Vec<u32>,
    pub pseudo: Option<GranteeRef>,
    pub terminal: Terminal,
}

/// The answer to one check, with its reasons.
#[derive(Debug, Clone)]
pub struct CheckAnswer {
    pub allowed: bool,
    pub paths: Vec<Path>,
    pub caveats: Vec<Caveat>,
    /// More paths exist than [`MAX_PATHS`].
    pub truncated: bool,
}

/// Resource index standing for "every relation" in predefined-role paths of `list`.
pub(crate) const EVERY: u32 = u32::MAX;

impl ConnGraph {
    /// Whether identity `i` holds `privilege` on resource `r`, and why.
    pub fn check(&self, i: IdentityId, privilege: &str, r: ResourceId) -> CheckAnswer {
        let (i, r) = (i.get(), r.get());
        let holders = self.holders(privilege, r);
        let superuser = self.is_superuser(i);
        let mut raw = Vec::new();
        if superuser {
            raw.push(RawPath {
                chain: vec![i],
                pseudo: None,
                terminal: Terminal::Superuser,
            });
        }
        raw.extend(self.raw_paths(i, &holders, MAX_PATHS + 1));
        let allowed = !raw.is_empty();
        let truncated = raw.len() > MAX_PATHS;
        raw.truncate(MAX_PATHS);
        let paths = self.render_all(&raw, privilege);

        let mut caveats = Vec::new();
        if allowed && !superuser {
            self.parent_caveats(i, r, &mut caveats);
        }
        if !allowed && self.platform.is_postgres_like() {
            self.not_inherited_caveat(i, privilege, r, &holders, &mut caveats);
        }
        self.binding_caveats(i, privilege, r, &holders, &raw, &mut caveats);
        caveats.dedup();
        CheckAnswer {
            allowed,
            paths,
            caveats,
            truncated,
        }
    }

    /// Yes or no only: the cheap form used for USAGE and CONNECT caveats.
    pub(crate) fn holds(&self, i: u32, privilege: &str, r: u32) -> bool {
        self.is_superuser(i) || self.reaches_holder(i, &self.holders(privilege, r))
    }

    /// Whether [`Self::raw_paths`] would find any path, without listing one: a pseudo-grantee
    /// that applies, or a chain up to a holder.
    fn reaches_holder(&self, i: u32, holders: &Holders) -> bool {
        holders
            .pseudo
            .iter()
            .any(|(g, _)| self.pseudo_applies(*g, i))
            || (!holders.identities.is_empty()
                && self.reaches_up(i, &|n| holders.identities.contains_key(&n)))
    }

    pub(crate) fn is_superuser(&self, i: u32) -> bool {
        self.platform.is_postgres_like() && self.identity(i).superuser
    }

    /// Paths from `i` to any holder: pseudo-grantees that apply to it, then membership chains.
    pub(crate) fn raw_paths(&self, i: u32, holders: &Holders, limit: usize) -> Vec<RawPath> {
        let mut out = Vec::new();
        for (g, t) in &holders.pseudo {
            if out.len() >= limit {
                return out;
            }
            if self.pseudo_applies(*g, i) {
                out.push(RawPath {
                    chain: vec![i],
                    pseudo: Some(*g),
                    terminal: *t,
                });
            }
        }
        if holders.identities.is_empty() {
            return out;
        }
        let is_holder = |n: u32| holders.identities.contains_key(&n);
        for chain in self.chains_up(i, false, &is_holder, limit) {
            let Some(&last) = chain.last() else {
                continue;
            };
            for t in &holders.identities[&last] {
                if out.len() >= limit {
                    return out;
                }
                out.push(RawPath {
                    chain: chain.clone(),
                    pseudo: None,
                    terminal: *t,
                });
            }
        }
        out
    }

    /// Holds any privilege at all on `r` (Snowflake's test for a usable database or schema).
    fn holds_any(&self, i: u32, r: u32) -> bool {
        let mut h = Holders::default();
        for (gi, g) in self.grants_on(r).filter(|(_, g)| !g.future) {
            let t = Terminal::Grant(gi);
            match g.grantee {
                GranteeRef::Identity(x) => h.identities.entry(x).or_default().push(t),
                other => h.pseudo.push((other, t)),
            }
        }
        if let Some(o) = self.resource(r).owner {
            h.identities.entry(o).or_default().push(Terminal::Owner(r));
        }
        self.reaches_holder(i, &h)
    }

    fn ancestor_of_kind(&self, r: u32, kind: ResourceKind) -> Option<u32> {
        self.ancestors(r).find(|a| self.resource(*a).kind == kind)
    }

    /// A grant on a table is unusable without USAGE on its schema and CONNECT on its database.
    fn parent_caveats(&self, i: u32, r: u32, out: &mut Vec<Caveat>) {
        let who = &self.identity(i).name;
        let res = self.resource(r);
        let schema = res
            .kind
            .is_table_like()
            .then(|| self.ancestor_of_kind(r, ResourceKind::Schema))
            .flatten();
        let database = self.ancestor_of_kind(r, ResourceKind::Database);
        match self.platform {
            Platform::Postgres | Platform::Redshift => {
                if let Some(s) = schema.filter(|s| !self.holds(i, "USAGE", *s)) {
                    out.push(caveat(
                        "no_schema_usage",
                        format!(
                            "{who} holds no USAGE on schema {}, so the grant cannot be used yet",
                            self.resource(s).name
                        ),
                    ));
                }
                // Redshift has no CONNECT privilege on databases.
                let connect = self.platform == Platform::Postgres;
                if let Some(d) = database.filter(|d| connect && !self.holds(i, "CONNECT", *d)) {
                    out.push(caveat(
                        "no_database_connect",
                        format!("{who} holds no CONNECT on database {}, so it cannot connect to use the grant", self.resource(d).name),
                    ));
                }
            }
            Platform::Snowflake => {
                if let Some(s) = schema.filter(|s| !self.holds_any(i, *s)) {
                    out.push(caveat(
                        "no_schema_usage",
                        format!("{who} holds no privilege on schema {}, so the grant cannot be used yet", self.resource(s).name),
                    ));
                }
                if let Some(d) = database.filter(|d| !self.holds_any(i, *d)) {
                    out.push(caveat(
                        "no_database_usage",
                        format!("{who} holds no privilege on database {}, so the grant cannot be used yet", self.resource(d).name),
                    ));
                }
            }
            Platform::Bigquery => {}
        }
    }

    /// Explains a "no" that a NOINHERIT membership causes: the role is there, behind SET ROLE.
    fn not_inherited_caveat(
        &self,
        i: u32,
        privilege: &str,
        r: u32,
        h: &Holders,
        out: &mut Vec<Caveat>,
    ) {
        if h.identities.is_empty() {
            return;
        }
        let is_holder = |n: u32| h.identities.contains_key(&n);
        let Some(chain) = self.chains_up(i, true, &is_holder, 1).into_iter().next() else {
            return;
        };
        let blocked = chain.windows(2).find(|w| {
            !self
                .direct_roles(w[0])
                .any(|(to, flows)| to == w[1] && flows)
        });
        if let (Some(w), Some(&last)) = (blocked, chain.last()) {
            let (member, role) = (&self.identity(w[0]).name, &self.identity(w[1]).name);
            let holder = &self.identity(last).name;
            // The member's NOINHERIT attribute, or (PostgreSQL 16+) this one membership's option.
            let why = if self.identity(w[0]).inherit {
                "the membership's INHERIT option is FALSE"
            } else {
                "NOINHERIT"
            };
            out.push(caveat(
                "not_inherited",
                format!(
                    "{} is a member of {role}, which holds {privilege} on {} through {holder}, but {member} does not inherit its privileges ({why}): SET ROLE {role} first",
                    self.identity(i).name,
                    self.resource(r).name,
                ),
            ));
        }
    }

    /// Does a grant to `grantee` reach identity `i` (directly, as a pseudo-grantee, or by inheritance)?
    fn reaches(&self, i: u32, grantee: GranteeRef) -> bool {
        match grantee {
            GranteeRef::Identity(g) => self.reaches_up(i, &|n| n == g),
            other => self.pseudo_applies(other, i),
        }
    }

    /// Future grants, conditional bindings and unknown roles: facts that qualify the answer.
    fn binding_caveats(
        &self,
        i: u32,
        privilege: &str,
        r: u32,
        h: &Holders,
        raw: &[RawPath],
        out: &mut Vec<Caveat>,
    ) {
        for (g, gi) in &h.future {
            if self.reaches(i, *g) {
                let grant = &self.grants[*gi as usize];
                out.push(caveat(
                    "future_grant",
                    format!(
                        "a future grant of {privilege} on {} to {} covers only objects created after it, not {}",
                        self.resource(grant.resource).name,
                        self.pseudo_text(*g),
                        self.resource(r).name
                    ),
                ));
            }
        }
        for p in raw {
            let grants = match p.terminal {
                Terminal::Grant(g) => vec![g],
                Terminal::Special { basic, grant } => vec![basic, grant],
                _ => vec![],
            };
            for g in grants
                .into_iter()
                .filter(|g| self.grants[*g as usize].conditional)
            {
                let cond = &self.conditions[&g];
                let what = cond
                    .title
                    .clone()
                    .or_else(|| cond.expression.clone())
                    .unwrap_or_default();
                out.push(caveat(
                    "conditional_binding",
                    format!(
                        "the binding of {} holds only under its IAM condition {what:?}",
                        self.grant_text(g)
                    ),
                ));
            }
        }
        for gi in &h.authorized {
            let grant = &self.grants[*gi as usize];
            let (kind, name) = self
                .pseudo_text(grant.grantee)
                .split_once(':')
                .map(|(k, n)| (k.to_string(), n.to_string()))
                .unwrap_or_default();
            out.push(caveat(
                "authorized_view",
                format!(
                    "{name} is an authorized {kind} of {}: whoever can query it reads the data of {} through it, whatever this answer says",
                    self.resource(grant.resource).name,
                    self.resource(r).name
                ),
            ));
        }
        for (g, gi) in &h.unknown_roles {
            if self.reaches(i, *g) {
                let grant = &self.grants[*gi as usize];
                out.push(caveat(
                    "unknown_role",
                    format!(
                        "{} is bound to {} on {}, a role Warden does not know: it is counted as granting nothing",
                        self.privilege_name(grant.privilege),
                        self.member_text(*g),
                        self.resource(grant.resource).name
                    ),
                ));
            }
        }
    }

    pub(crate) fn render_all(&self, raw: &[RawPath], privilege: &str) -> Vec<Path> {
        let mut paths: Vec<Path> = raw.iter().map(|p| self.render(p, privilege)).collect();
        paths.sort_by(|a, b| {
            a.steps
                .len()
                .cmp(&b.steps.len())
                .then_with(|| a.text.cmp(&b.text))
        });
        paths.dedup_by(|a, b| a.text == b.text);
        paths
    }

    fn resource_name(&self, r: u32) -> String {
        if r == EVERY {
            "*".to_owned()
        } else {
            self.resource(r).name.clone()
        }
    }

    /// Writes a raw path out as text and steps (docs/PATHS.md).
    pub(crate) fn render(&self, p: &RawPath, privilege: &str) -> Path {
        let name = |i: u32| self.identity(i).name.clone();
        let mut b = match p.chain.first() {
            Some(first) => PathBuilder::start(&name(*first)),
            None => PathBuilder::start(&self.pseudo_text(p.pseudo.unwrap_or(GranteeRef::Public))),
        };
        for w in p.chain.windows(2) {
            b.hop(
                name(w[1]),
                Some(Step::Membership {
                    member: name(w[0]),
                    role: name(w[1]),
                }),
            );
        }
        let holder = match (p.pseudo, p.chain.last()) {
            (Some(g), Some(_)) => {
                b.hop(self.pseudo_text(g), None);
                g
            }
            (Some(g), None) => g,
            (None, Some(i)) => GranteeRef::Identity(*i),
            (None, None) => GranteeRef::Public,
        };
        match p.terminal {
            Terminal::Superuser => {
                b.hop(
                    "superuser",
                    Some(Step::Superuser {
                        identity: self.pseudo_text(holder),
                    }),
                );
            }
            Terminal::Owner(r) => {
                let resource = self.resource_name(r);
                b.hop(
                    format!("owner of {resource}"),
                    Some(Step::Owner {
                        owner: self.pseudo_text(holder),
                        resource,
                    }),
                );
            }
            Terminal::Predefined { role, resource } => {
                let resource = self.resource_name(resource);
                b.hop(
                    format!("{privilege} on {resource} (predefined role)"),
                    Some(Step::PredefinedRole {
                        role: name(role),
                        privilege: privilege.to_owned(),
                        resource,
                    }),
                );
            }
            Terminal::Grant(g) => {
                b.hop(self.grant_text(g), Some(self.grant_step(holder, g)));
            }
            Terminal::Special { basic, grant } => {
                b.hop(self.grant_text(basic), Some(self.grant_step(holder, basic)));
                let special = self.grants[grant as usize].grantee;
                b.hop(self.pseudo_text(special), None);
                b.hop(
                    self.grant_text(grant),
                    Some(self.grant_step(special, grant)),
                );
            }
        }
        b.finish()
    }

    /// `SELECT on sales.orders`: a grant as one hop of an explanation.
    fn grant_text(&self, g: u32) -> String {
        let grant = &self.grants[g as usize];
        format!(
            "{} on {}",
            self.privilege_name(grant.privilege),
            self.resource(grant.resource).name
        )
    }

    fn grant_step(&self, holder: GranteeRef, g: u32) -> Step {
        let grant = &self.grants[g as usize];
        let privilege = self.privilege_name(grant.privilege).to_owned();
        let resource = self.resource(grant.resource).name.clone();
        if self.platform == Platform::Bigquery {
            let condition = self.conditions.get(&g).map(|c| {
                c.title
                    .clone()
                    .or_else(|| c.expression.clone())
                    .unwrap_or_default()
            });
            return Step::Binding {
                member: self.member_text(holder),
                role: privilege,
                resource,
                condition,
            };
        }
        match holder {
            GranteeRef::Identity(i) => Step::Grant {
                grantee: self.identity(i).name.clone(),
                privilege,
                resource,
                grant_option: grant.grant_option,
            },
            _ => Step::Public {
                privilege,
                resource,
            },
        }
    }
}

fn caveat(code: &str, text: String) -> Caveat {
    Caveat {
        code: code.to_owned(),
        text,
    }
}
