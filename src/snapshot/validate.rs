//! Turns a raw snapshot into validated connections, or names the first thing wrong with it.

use super::SnapshotError;
use super::intern::{Interner, Name};
use super::raw::{RawConnection, RawSnapshot};
use crate::model::{
    Connection, Grant, Grantee, Identity, IdentityKind, Membership, Platform, Resource,
    ResourceKind, SpecialGroup, split_name,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

type Result<T> = std::result::Result<T, SnapshotError>;

pub fn validate(raw: RawSnapshot, strings: &Interner) -> Result<Vec<Connection>> {
    if raw.version != 1 {
        return Err(SnapshotError::at(
            "version",
            format!("unsupported snapshot version {} (expected 1)", raw.version),
        ));
    }
    let taken_at = match &raw.taken_at {
        None => None,
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|e| SnapshotError::at("taken_at", format!("not an RFC 3339 time: {e}")))?
                .with_timezone(&chrono::Utc),
        ),
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.connections.len());
    for (i, c) in raw.connections.into_iter().enumerate() {
        let at = format!("connections[{i}]");
        if !seen.insert(c.name.clone()) {
            return Err(SnapshotError::at(
                format!("{at}.name"),
                format!("connection {:?} appears twice in this document", c.name),
            ));
        }
        out.push(connection(&at, c, taken_at, strings)?);
    }
    Ok(out)
}

/// Names of one connection's identities, for resolving references by name (and kind).
struct Names<'a> {
    connection: &'a str,
    identities: HashMap<String, Vec<(IdentityKind, u32)>>,
    resources: HashMap<String, u32>,
}

impl Names<'_> {
    fn identity(&self, name: &str, kind: Option<&str>, at: &str, kind_at: &str) -> Result<u32> {
        let kind = match kind {
            None => None,
            Some(k) => Some(IdentityKind::parse(k).ok_or_else(|| {
                SnapshotError::at(kind_at, format!("unknown identity kind {k:?}"))
            })?),
        };
        let found: Vec<&(IdentityKind, u32)> = self
            .identities
            .get(name)
            .map(|v| {
                v.iter()
                    .filter(|(k, _)| kind.is_none_or(|want| *k == want))
                    .collect()
            })
            .unwrap_or_default();
        match found.as_slice() {
            [(_, id)] => Ok(*id),
            [] => Err(SnapshotError::at(
                at,
                match kind {
                    Some(k) => format!("no {k} named {name:?} in connection {:?}", self.connection),
                    None => format!(
                        "no identity named {name:?} in connection {:?}",
                        self.connection
                    ),
                },
            )),
            many => {
                let kinds: Vec<&str> = many.iter().map(|(k, _)| k.as_str()).collect();
                Err(SnapshotError::at(
                    at,
                    format!(
                        "{name:?} names several identities ({}): say which with its *_kind field",
                        kinds.join(", ")
                    ),
                ))
            }
        }
    }

    fn resource(&self, name: &str, at: &str) -> Result<u32> {
        self.resources.get(name).copied().ok_or_else(|| {
            SnapshotError::at(
                at,
                format!(
                    "no resource named {name:?} in connection {:?}",
                    self.connection
                ),
            )
        })
    }
}

fn connection(
    at: &str,
    c: RawConnection,
    taken_at: Option<chrono::DateTime<chrono::Utc>>,
    strings: &Interner,
) -> Result<Connection> {
    let text = |n: Name| strings.get(n);
    if c.name.trim().is_empty() {
        return Err(SnapshotError::at(
            format!("{at}.name"),
            "connection name is empty",
        ));
    }
    if c.name.contains(':') {
        return Err(SnapshotError::at(
            format!("{at}.name"),
            format!(
                "connection name {:?} may not contain ':' (it prefixes names in questions)",
                c.name
            ),
        ));
    }
    let platform = Platform::parse(&c.platform).ok_or_else(|| {
        SnapshotError::at(
            format!("{at}.platform"),
            format!(
                "unknown platform {:?} (expected {})",
                c.platform,
                Platform::names()
            ),
        )
    })?;

    let mut names = Names {
        connection: &c.name,
        identities: HashMap::with_capacity(c.identities.len()),
        resources: HashMap::with_capacity(c.resources.len()),
    };
    let mut identities = Vec::with_capacity(c.identities.len());
    for (j, r) in c.identities.into_iter().enumerate() {
        let at = format!("{at}.identities[{j}]");
        if r.name.is_empty() {
            return Err(SnapshotError::at(
                format!("{at}.name"),
                "identity name is empty",
            ));
        }
        let kind = IdentityKind::parse(&r.kind).ok_or_else(|| {
            SnapshotError::at(
                format!("{at}.kind"),
                format!("unknown identity kind {:?}", r.kind),
            )
        })?;
        let same = names.identities.entry(r.name.clone()).or_default();
        if let Some((_, first)) = same.iter().find(|(k, _)| *k == kind) {
            return Err(SnapshotError::at(
                format!("{at}.name"),
                format!(
                    "duplicate {kind} {:?} (first at identities[{first}])",
                    r.name
                ),
            ));
        }
        same.push((kind, j as u32));
        identities.push(Identity {
            name: r.name,
            kind,
            email: r.email.filter(|e| !e.is_empty()),
            display_name: r.display_name.filter(|d| !d.is_empty()),
            superuser: r.superuser,
            inherit: r.inherit,
        });
    }

    let mut resources = Vec::with_capacity(c.resources.len());
    let mut owners = Vec::with_capacity(c.resources.len());
    let mut parents = Vec::with_capacity(c.resources.len());
    for (j, r) in c.resources.into_iter().enumerate() {
        let at = format!("{at}.resources[{j}]");
        let kind = ResourceKind::parse(&r.kind).ok_or_else(|| {
            SnapshotError::at(
                format!("{at}.kind"),
                format!("unknown resource kind {:?}", r.kind),
            )
        })?;
        if r.name.is_empty() {
            return Err(SnapshotError::at(
                format!("{at}.name"),
                "resource name is empty",
            ));
        }
        let path = match r.path {
            Some(p) => {
                if p.is_empty() || p.iter().any(String::is_empty) || p.join(".") != r.name {
                    return Err(SnapshotError::at(
                        format!("{at}.path"),
                        format!(
                            "path parts must be non-empty and join with '.' to {:?}",
                            r.name
                        ),
                    ));
                }
                p
            }
            None => {
                let p = split_name(&r.name);
                if p.iter().any(String::is_empty) {
                    return Err(SnapshotError::at(
                        format!("{at}.name"),
                        format!("resource name {:?} has an empty part", r.name),
                    ));
                }
                p
            }
        };
        if let Some(first) = names.resources.insert(r.name.clone(), j as u32) {
            return Err(SnapshotError::at(
                format!("{at}.name"),
                format!(
                    "duplicate resource {:?} (first at resources[{first}])",
                    r.name
                ),
            ));
        }
        owners.push((r.owner, r.owner_kind));
        parents.push(r.parent);
        resources.push(Resource {
            name: r.name,
            path,
            kind,
            owner: None,
            owner_privileges: r.owner_privileges,
            parent: None,
        });
    }
    for (j, ((owner, owner_kind), parent)) in owners.into_iter().zip(parents).enumerate() {
        let rat = format!("{at}.resources[{j}]");
        if let Some(o) = owner {
            resources[j].owner = Some(names.identity(
                &o,
                owner_kind.as_deref(),
                &format!("{rat}.owner"),
                &format!("{rat}.owner_kind"),
            )?);
        }
        resources[j].parent = match parent {
            Some(p) => Some(names.resource(&p, &format!("{rat}.parent"))?),
            None => {
                let path = &resources[j].path;
                (path.len() > 1)
                    .then(|| {
                        names
                            .resources
                            .get(&path[..path.len() - 1].join("."))
                            .copied()
                    })
                    .flatten()
            }
        };
    }
    if let Some(j) = parent_cycle(&resources) {
        return Err(SnapshotError::at(
            format!("{at}.resources[{j}].parent"),
            "resource parents form a cycle",
        ));
    }

    let mut memberships = Vec::with_capacity(c.memberships.len());
    for (j, m) in c.memberships.into_iter().enumerate() {
        let mat = format!("{at}.memberships[{j}]");
        let member = names.identity(
            text(m.member),
            m.member_kind.map(text),
            &format!("{mat}.member"),
            &format!("{mat}.member_kind"),
        )?;
        let role = names.identity(
            text(m.role),
            m.role_kind.map(text),
            &format!("{mat}.role"),
            &format!("{mat}.role_kind"),
        )?;
        if member == role {
            return Err(SnapshotError::at(
                format!("{mat}.role"),
                format!("{:?} cannot be a member of itself", text(m.member)),
            ));
        }
        memberships.push(Membership {
            member,
            role,
            inherit: m.inherit,
        });
    }
    if let Some((j, cycle)) = membership_cycle(identities.len(), &memberships) {
        let names: Vec<&str> = cycle
            .iter()
            .map(|&i| identities[i as usize].name.as_str())
            .collect();
        return Err(SnapshotError::at(
            format!("{at}.memberships[{j}]"),
            format!("memberships form a cycle: {}", names.join(" → ")),
        ));
    }

    let mut grants = Vec::with_capacity(c.grants.len());
    // Few distinct privilege words: one shared string each.
    let mut privileges: HashMap<Name, Arc<str>> = HashMap::new();
    consume_releasing(c.grants, |j, g| {
        let gat = format!("{at}.grants[{j}]");
        let privilege = match privileges.get(&g.privilege) {
            Some(p) => p.clone(),
            None => {
                let word = text(g.privilege);
                if word.trim().is_empty() {
                    return Err(SnapshotError::at(
                        format!("{gat}.privilege"),
                        "privilege is empty",
                    ));
                }
                let p: Arc<str> = normalize_privilege(platform, word).into();
                privileges.insert(g.privilege, p.clone());
                p
            }
        };
        let grantee = grantee(
            &names,
            platform,
            text(g.grantee),
            g.grantee_kind.map(text),
            &gat,
        )?;
        let resource = names.resource(text(g.resource), &format!("{gat}.resource"))?;
        grants.push(Grant {
            grantee,
            privilege,
            resource,
            grant_option: g.grant_option,
            future: g.future,
            condition: g.condition,
        });
        Ok(())
    })?;

    Ok(Connection {
        name: c.name,
        platform,
        server_version: c.server_version,
        taken_at,
        identities,
        memberships,
        resources,
        grants,
    })
}

/// Hands each of `raw`'s items to `take` in order, with its index, giving back the memory of
/// those taken as it goes (a block at a time): the raw grants and the validated ones are the two
/// largest things an import holds, and holding both whole at once was the import's peak.
fn consume_releasing<T>(
    mut raw: Vec<T>,
    mut take: impl FnMut(usize, T) -> Result<()>,
) -> Result<()> {
    let block = (raw.len() / 16).max(1 << 14);
    let mut j = 0;
    while !raw.is_empty() {
        for item in raw.drain(..block.min(raw.len())) {
            take(j, item)?;
            j += 1;
        }
        // The rest moved to the front: the tail's pages go back (a large buffer is its own
        // mapping, shrunk in place).
        raw.shrink_to_fit();
    }
    Ok(())
}

/// SQL privilege words compare in upper case; BigQuery roles are kept as written.
fn normalize_privilege(platform: Platform, p: &str) -> String {
    if platform == Platform::Bigquery || p.contains('/') {
        p.to_owned()
    } else {
        p.trim().to_ascii_uppercase()
    }
}

fn grantee(
    names: &Names,
    platform: Platform,
    text: &str,
    kind: Option<&str>,
    at: &str,
) -> Result<Grantee> {
    let g_at = format!("{at}.grantee");
    let k_at = format!("{at}.grantee_kind");
    // PUBLIC is everyone, unless a kind says it is a real role of that name (Postgres allows
    // `CREATE ROLE "PUBLIC"`; only lower-case public is reserved).
    if text == "PUBLIC" && kind.is_none() {
        return Ok(Grantee::Public);
    }
    if platform == Platform::Bigquery {
        match text {
            "allUsers" => return Ok(Grantee::AllUsers),
            "allAuthenticatedUsers" => return Ok(Grantee::AllAuthenticatedUsers),
            _ => {}
        }
        if let Some((prefix, rest)) = text.split_once(':') {
            let member_kind = match prefix {
                "user" => "user",
                "group" => "group",
                "serviceAccount" => "service_account",
                "domain" if !rest.is_empty() => {
                    return Ok(Grantee::Domain(rest.to_ascii_lowercase()));
                }
                "view" | "routine" | "dataset" if !rest.is_empty() => {
                    return Ok(Grantee::Authorized(text.to_string()));
                }
                "specialGroup" => {
                    return SpecialGroup::parse(rest).map(Grantee::SpecialGroup).ok_or_else(|| {
                        SnapshotError::at(
                            &g_at,
                            format!(
                                "unknown special group {rest:?} (expected projectReaders, projectWriters or projectOwners)"
                            ),
                        )
                    });
                }
                _ => {
                    return Err(SnapshotError::at(
                        &g_at,
                        format!("unknown IAM member type {prefix:?} in {text:?}"),
                    ));
                }
            };
            return names
                .identity(rest, Some(kind.unwrap_or(member_kind)), &g_at, &k_at)
                .map(Grantee::Identity);
        }
    }
    names
        .identity(text, kind, &g_at, &k_at)
        .map(Grantee::Identity)
}

/// Finds a cycle of memberships: the index of a membership on it and the identities around it.
fn membership_cycle(n: usize, memberships: &[Membership]) -> Option<(usize, Vec<u32>)> {
    let mut up: Vec<Vec<(u32, usize)>> = vec![Vec::new(); n];
    for (j, m) in memberships.iter().enumerate() {
        up[m.member as usize].push((m.role, j));
    }
    // Iterative three-colour DFS: 0 unseen, 1 on the stack, 2 done.
    let mut colour = vec![0u8; n];
    for start in 0..n {
        if colour[start] != 0 {
            continue;
        }
        let mut stack: Vec<(u32, usize)> = vec![(start as u32, 0)];
        colour[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edges = &up[node as usize];
            if *next < edges.len() {
                let (to, j) = edges[*next];
                *next += 1;
                match colour[to as usize] {
                    0 => {
                        colour[to as usize] = 1;
                        stack.push((to, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(v, _)| *v == to).unwrap_or(0);
                        let mut cycle: Vec<u32> = stack[from..].iter().map(|(v, _)| *v).collect();
                        cycle.push(to);
                        return Some((j, cycle));
                    }
                    _ => {}
                }
            } else {
                colour[node as usize] = 2;
                stack.pop();
            }
        }
    }
    None
}

/// Finds a resource whose explicit parents lead back to itself.
fn parent_cycle(resources: &[Resource]) -> Option<usize> {
    for start in 0..resources.len() {
        let mut at = resources[start].parent;
        let mut steps = 0;
        while let Some(p) = at {
            if p as usize == start || steps > resources.len() {
                return Some(start);
            }
            steps += 1;
            at = resources[p as usize].parent;
        }
    }
    None
}
