//! Direct facts, without any walk: does an identity hold a privilege on a resource by its own
//! grant (or by owning it), is it a direct member of a role. Drift detection compares what
//! Warden provisioned with these, since a GRANT Warden ran shows up as exactly such a fact.

use super::{ConnGraph, GranteeRef};
use crate::model::{IdentityId, Privilege, ResourceId};
use std::collections::HashMap;

/// Identities by exact name and resources by their name parts, built once for many questions
/// (a connection may hold a million resources: a scan per question would not do).
pub struct DirectNames<'a> {
    identities: HashMap<&'a str, IdentityId>,
    resources: HashMap<&'a [String], ResourceId>,
}

impl<'a> DirectNames<'a> {
    pub fn identity(&self, name: &str) -> Option<IdentityId> {
        self.identities.get(name).copied()
    }

    pub fn resource(&self, path: &[String]) -> Option<ResourceId> {
        self.resources.get(path).copied()
    }
}

impl ConnGraph {
    /// The lookup tables for [`ConnGraph::has_direct_grant`] and [`ConnGraph::is_direct_member`].
    pub fn direct_names(&self) -> DirectNames<'_> {
        let mut identities = HashMap::with_capacity(self.identities.len());
        for (i, id) in self.identities.iter().enumerate() {
            // The first of two same-named identities wins, as it does in the index.
            identities
                .entry(id.name.as_str())
                .or_insert(IdentityId::new(i as u32));
        }
        let mut resources = HashMap::with_capacity(self.resources.len());
        for (r, res) in self.resources.iter().enumerate() {
            resources
                .entry(res.path.as_slice())
                .or_insert(ResourceId::new(r as u32));
        }
        DirectNames {
            identities,
            resources,
        }
    }

    /// Whether `identity` holds `privilege` on `resource` itself: a grant to it (not a future
    /// grant, not a conditional one) or ownership that carries the privilege. Memberships,
    /// PUBLIC and predefined roles do not count: they are not what a GRANT to it would add.
    pub fn has_direct_grant(
        &self,
        identity: IdentityId,
        privilege: &str,
        resource: ResourceId,
    ) -> bool {
        let (identity, resource) = (identity.get(), resource.get());
        let Ok(wanted) = Privilege::parse(privilege) else {
            return false;
        };
        let wanted = wanted.as_str();
        let granted = self.by_grantee.get(identity).iter().any(|g| {
            let e = &self.grants[*g as usize];
            e.resource == resource
                && !e.future
                && !e.conditional
                && matches!(e.grantee, GranteeRef::Identity(i) if i == identity)
                && self
                    .privilege_name(e.privilege)
                    .eq_ignore_ascii_case(wanted)
        });
        if granted {
            return true;
        }
        // The provisioner counts the owner's implicit privileges as held; so does this.
        let res = self.resource(resource);
        res.owner == Some(identity)
            && res
                .owner_privileges
                .as_ref()
                .is_none_or(|list| list.iter().any(|p| p.eq_ignore_ascii_case(wanted)))
    }

    /// Whether `member` is a direct member of `role` (whatever its INHERIT setting).
    pub fn is_direct_member(&self, member: IdentityId, role: IdentityId) -> bool {
        self.direct_roles(member).any(|(r, _)| r == role)
    }
}
