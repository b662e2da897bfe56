//! Who holds a privilege on a resource before memberships are followed: the grantees of matching
//! grants, the owner, predefined roles, and (BigQuery) bindings inherited from above.

use super::bigquery::{is_known_role, permission_for, role_holds};
use super::{ConnGraph, GranteeRef};
use crate::model::{Platform, ResourceKind};
use rustc_hash::FxHashMap as HashMap;

/// How a holder has the privilege, at the end of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Terminal {
    /// A grant (or BigQuery binding), by index.
    Grant(u32),
    /// Ownership of the resource (the `owner` field).
    Owner(u32),
    Superuser,
    /// A predefined Postgres role's implicit privilege on a resource.
    Predefined {
        role: u32,
        resource: u32,
    },
    /// BigQuery: a basic-role binding (`basic`) that puts the holder in the special group a
    /// dataset entry (`grant`) names.
    Special {
        basic: u32,
        grant: u32,
    },
}

/// The holders of one privilege on one resource.
#[derive(Default)]
pub(crate) struct Holders {
    /// Identities that hold it, each with how (an identity may hold it several ways).
    pub identities: HashMap<u32, Vec<Terminal>>,
    /// Grants to PUBLIC, a domain or all users: they apply to an identity without memberships.
    pub pseudo: Vec<(GranteeRef, Terminal)>,
    /// BigQuery bindings of roles Warden does not know, on the resource or above it.
    pub unknown_roles: Vec<(GranteeRef, u32)>,
    /// Snowflake future grants of the privilege on the resource's schema or database.
    pub future: Vec<(GranteeRef, u32)>,
    /// BigQuery authorized views, routines and datasets on the resource's dataset: they read
    /// its data for whoever can query them (grant indices).
    pub authorized: Vec<u32>,
}

impl Holders {
    fn add(&mut self, grantee: GranteeRef, t: Terminal) {
        match grantee {
            GranteeRef::Identity(i) => self.identities.entry(i).or_default().push(t),
            GranteeRef::Special(_) | GranteeRef::Authorized(_) => {}
            other => self.pseudo.push((other, t)),
        }
    }
}

impl ConnGraph {
    /// Everyone who holds `privilege` on resource `r`, before memberships are followed.
    /// Superusers are not listed: the flag is the identity's own, never inherited.
    pub(crate) fn holders(&self, privilege: &str, r: u32) -> Holders {
        let mut h = Holders::default();
        match self.platform {
            Platform::Bigquery => self.bigquery_holders(privilege, r, &mut h),
            _ => self.sql_holders(privilege, r, &mut h),
        }
        h
    }

    fn sql_holders(&self, privilege: &str, r: u32, h: &mut Holders) {
        let snowflake = self.platform == Platform::Snowflake;
        let want = self.privilege_id(privilege);
        let ownership = snowflake.then(|| self.privilege_id("OWNERSHIP")).flatten();
        for (gi, g) in self.grants_on(r) {
            if g.future {
                continue;
            }
            if Some(g.privilege) == want || (ownership.is_some() && Some(g.privilege) == ownership)
            {
                h.add(g.grantee, Terminal::Grant(gi));
            }
        }
        let res = self.resource(r);
        if let Some(owner) = res.owner {
            let owns_it = match &res.owner_privileges {
                None => true,
                Some(list) => list.iter().any(|p| p.eq_ignore_ascii_case(privilege)),
            };
            if owns_it {
                h.add(GranteeRef::Identity(owner), Terminal::Owner(r));
            }
        }
        if self.platform.is_postgres_like() {
            let schema = res.kind == ResourceKind::Schema && privilege == "USAGE";
            let table = res.kind.is_table_like();
            if let Some(role) = self.read_all
                && (schema || (table && privilege == "SELECT"))
            {
                h.add(
                    GranteeRef::Identity(role),
                    Terminal::Predefined { role, resource: r },
                );
            }
            if let Some(role) = self.write_all
                && (schema || (table && matches!(privilege, "INSERT" | "UPDATE" | "DELETE")))
            {
                h.add(
                    GranteeRef::Identity(role),
                    Terminal::Predefined { role, resource: r },
                );
            }
        }
        if snowflake {
            for a in self.ancestors(r) {
                for (gi, g) in self.grants_on(a) {
                    if g.future && Some(g.privilege) == want {
                        h.future.push((g.grantee, gi));
                    }
                }
            }
        }
    }

    /// Does binding `role` answer a question about `privilege`?
    pub(super) fn role_gives(role: &str, privilege: &str) -> bool {
        match permission_for(privilege) {
            Some(perm) => role_holds(role, perm) == Some(true),
            None => role == privilege,
        }
    }

    fn bigquery_holders(&self, privilege: &str, r: u32, h: &mut Holders) {
        for a in std::iter::once(r).chain(self.ancestors(r)) {
            for (gi, g) in self.grants_on(a) {
                if g.future {
                    continue;
                }
                if let GranteeRef::Authorized(_) = g.grantee {
                    h.authorized.push(gi);
                    continue;
                }
                let role = self.privilege_name(g.privilege);
                if !is_known_role(role) && role != privilege {
                    h.unknown_roles.push((g.grantee, gi));
                    continue;
                }
                if !Self::role_gives(role, privilege) {
                    continue;
                }
                match g.grantee {
                    GranteeRef::Special(group) => {
                        let Some(project) = self.project_of(a) else {
                            continue;
                        };
                        for b in std::iter::once(project).chain(self.ancestors(project)) {
                            for (bi, basic) in self.grants_on(b) {
                                if !basic.future
                                    && self.privilege_name(basic.privilege) == group.basic_role()
                                {
                                    let t = Terminal::Special {
                                        basic: bi,
                                        grant: gi,
                                    };
                                    h.add(basic.grantee, t);
                                }
                            }
                        }
                    }
                    grantee => h.add(grantee, Terminal::Grant(gi)),
                }
            }
        }
    }

    /// The project a BigQuery resource lives in (itself when it is one).
    pub(crate) fn project_of(&self, r: u32) -> Option<u32> {
        std::iter::once(r)
            .chain(self.ancestors(r))
            .find(|a| self.resource(*a).kind == ResourceKind::Project)
    }

    /// Does a grant to a pseudo-grantee apply to identity `i` without any membership?
    pub(crate) fn pseudo_applies(&self, grantee: GranteeRef, i: u32) -> bool {
        match grantee {
            GranteeRef::Public | GranteeRef::AllUsers | GranteeRef::AllAuthenticatedUsers => true,
            GranteeRef::Domain(d) => self
                .email_domain(i)
                .is_some_and(|dom| dom.eq_ignore_ascii_case(&self.domains[d as usize])),
            GranteeRef::Identity(g) => g == i,
            GranteeRef::Special(_) | GranteeRef::Authorized(_) => false,
        }
    }

    /// The domain of an identity's email (BigQuery identities are named by their email).
    fn email_domain(&self, i: u32) -> Option<&str> {
        let id = self.identity(i);
        id.email
            .as_deref()
            .or(Some(id.name.as_str()))
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d)
    }

    /// How a pseudo-grantee is written in a path.
    pub(crate) fn pseudo_text(&self, grantee: GranteeRef) -> String {
        match grantee {
            GranteeRef::Public => "PUBLIC".into(),
            GranteeRef::AllUsers => "allUsers".into(),
            GranteeRef::AllAuthenticatedUsers => "allAuthenticatedUsers".into(),
            GranteeRef::Domain(d) => format!("domain:{}", self.domains[d as usize]),
            GranteeRef::Special(s) => format!("specialGroup:{}", s.as_str()),
            GranteeRef::Authorized(a) => self.authorized[a as usize].clone(),
            GranteeRef::Identity(i) => self.identity(i).name.clone(),
        }
    }

    /// How a grantee is written as a BigQuery IAM member.
    pub(crate) fn member_text(&self, grantee: GranteeRef) -> String {
        match grantee {
            GranteeRef::Identity(i) => {
                let id = self.identity(i);
                let prefix = match id.kind {
                    crate::model::IdentityKind::Group => "group",
                    crate::model::IdentityKind::ServiceAccount => "serviceAccount",
                    _ => "user",
                };
                format!("{prefix}:{}", id.name)
            }
            other => self.pseudo_text(other),
        }
    }
}
