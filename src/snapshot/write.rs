//! Writes validated connections back out as a snapshot document (export, round-trip tests).

use super::raw::{RawConnection, RawGrant, RawIdentity, RawMembership, RawResource, RawSnapshot};
use crate::model::{Connection, Grantee, Platform};

/// The snapshot document describing `connections`, which parses back to equal connections.
pub fn to_document(connections: &[Connection]) -> RawSnapshot {
    RawSnapshot {
        version: 1,
        taken_at: connections
            .iter()
            .find_map(|c| c.taken_at)
            .map(|t| t.to_rfc3339()),
        connections: connections.iter().map(connection).collect(),
    }
}

fn connection(c: &Connection) -> RawConnection {
    let ids = &c.identities;
    // A name shared by two kinds needs its kind spelled out wherever it is referenced.
    let mut counts: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for i in ids {
        *counts.entry(i.name.as_str()).or_default() += 1;
    }
    let shared = |i: u32| counts[ids[i as usize].name.as_str()] > 1;
    let kind_of = |i: u32| shared(i).then(|| ids[i as usize].kind.as_str().to_owned());
    RawConnection {
        name: c.name.clone(),
        platform: c.platform.as_str().to_owned(),
        server_version: c.server_version.clone(),
        identities: ids
            .iter()
            .map(|i| RawIdentity {
                name: i.name.clone(),
                kind: i.kind.as_str().to_owned(),
                email: i.email.clone(),
                display_name: i.display_name.clone(),
                superuser: i.superuser,
                inherit: i.inherit,
            })
            .collect(),
        memberships: c
            .memberships
            .iter()
            .map(|m| RawMembership {
                member: ids[m.member as usize].name.clone(),
                role: ids[m.role as usize].name.clone(),
                inherit: m.inherit,
                member_kind: kind_of(m.member),
                role_kind: kind_of(m.role),
            })
            .collect(),
        resources: c
            .resources
            .iter()
            .map(|r| {
                let natural_parent =
                    (r.path.len() > 1).then(|| r.path[..r.path.len() - 1].join("."));
                let parent = r.parent.map(|p| c.resources[p as usize].name.clone());
                RawResource {
                    kind: r.kind.as_str().to_owned(),
                    name: r.name.clone(),
                    path: (r.path.iter().any(|p| p.contains('.'))).then(|| r.path.clone()),
                    owner: r.owner.map(|o| ids[o as usize].name.clone()),
                    owner_kind: r.owner.and_then(kind_of),
                    owner_privileges: r.owner_privileges.clone(),
                    parent: parent.filter(|p| Some(p) != natural_parent.as_ref()),
                }
            })
            .collect(),
        grants: c
            .grants
            .iter()
            .map(|g| {
                let (grantee, grantee_kind) = match &g.grantee {
                    Grantee::Identity(i) => {
                        let id = &ids[*i as usize];
                        if c.platform == Platform::Bigquery {
                            let prefix = match id.kind.as_str() {
                                "group" => "group",
                                "service_account" => "serviceAccount",
                                _ => "user",
                            };
                            (format!("{prefix}:{}", id.name), None)
                        } else {
                            (id.name.clone(), kind_of(*i))
                        }
                    }
                    other => (other.pseudo_name().unwrap_or_default(), None),
                };
                RawGrant {
                    grantee,
                    privilege: g.privilege.clone(),
                    resource: c.resources[g.resource as usize].name.clone(),
                    grantee_kind,
                    grant_option: g.grant_option,
                    future: g.future,
                    condition: g.condition.clone(),
                }
            })
            .collect(),
    }
}
