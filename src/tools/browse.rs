//! Browsing identities and resources: every connection's, filtered by connection, kind and a
//! piece of the name, a page at a time. REST (`GET /v1/identities`, `/v1/resources`) and the
//! dashboard list through here, so both apply the same rule and the same filters.

use crate::access::Access;
use crate::error::Problem;
use crate::graph::ConnGraph;
use crate::model::{IdentityKind, ResourceKind};
use crate::people::{Principal, Role};

/// What to list: blank or absent means any.
#[derive(Debug, Default, Clone, Copy)]
pub struct Browse<'a> {
    /// Only this connection's (its name).
    pub connection: Option<&'a str>,
    /// Only this kind (`user`, `role`, `table`…).
    pub kind: Option<&'a str>,
    /// Only names (for identities also emails and display names) containing this, any case.
    pub name: Option<&'a str>,
}

/// One identity as listed.
#[derive(Debug, Clone)]
pub struct IdentityRow {
    pub connection: String,
    pub name: String,
    pub kind: IdentityKind,
    pub email: Option<String>,
    pub display_name: Option<String>,
}

/// One resource as listed.
#[derive(Debug, Clone)]
pub struct ResourceRow {
    pub connection: String,
    pub name: String,
    pub kind: ResourceKind,
}

/// One page of a listing: its items, how many match in all, and where the next page starts.
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub next: Option<usize>,
}

/// The identities `f` selects, `limit` of them from the `from`th.
pub fn identities(
    access: &Access,
    who: &Principal,
    f: &Browse<'_>,
    from: usize,
    limit: usize,
) -> Result<Listing<IdentityRow>, Problem> {
    who.require(Role::Requester, "listing identities")?;
    let kind = kind_arg(f.kind, IdentityKind::parse, IdentityKind::ALL)?;
    let needle = Needle::new(f.name);
    let keep = |i: &crate::model::Identity| {
        kind.is_none_or(|k| i.kind == k)
            && (needle.found_in(&i.name)
                || i.email.as_deref().is_some_and(|e| needle.found_in(e))
                || i.display_name
                    .as_deref()
                    .is_some_and(|d| needle.found_in(d)))
    };
    let rows = |c: &ConnGraph, i: &crate::model::Identity| IdentityRow {
        connection: c.name.clone(),
        name: i.name.clone(),
        kind: i.kind,
        email: i.email.clone(),
        display_name: i.display_name.clone(),
    };
    let found = connections(access, f.connection)?
        .flat_map(|c| c.identities.iter().filter(|i| keep(i)).map(move |i| (c, i)));
    Ok(page(found, from, limit, |(c, i)| rows(c, i)))
}

/// The resources `f` selects, `limit` of them from the `from`th.
pub fn resources(
    access: &Access,
    who: &Principal,
    f: &Browse<'_>,
    from: usize,
    limit: usize,
) -> Result<Listing<ResourceRow>, Problem> {
    who.require(Role::Requester, "listing resources")?;
    let kind = kind_arg(f.kind, ResourceKind::parse, ResourceKind::ALL)?;
    let needle = Needle::new(f.name);
    let found = connections(access, f.connection)?.flat_map(|c| {
        c.resources
            .iter()
            .filter(|r| kind.is_none_or(|k| r.kind == k) && needle.found_in(&r.name))
            .map(move |r| (c, r))
    });
    Ok(page(found, from, limit, |(c, r)| ResourceRow {
        connection: c.name.clone(),
        name: r.name.clone(),
        kind: r.kind,
    }))
}

/// The connections to list: the one named, or all.
fn connections<'a>(
    access: &'a Access,
    name: Option<&str>,
) -> Result<impl Iterator<Item = &'a ConnGraph>, Problem> {
    let only = access.connection_arg(name, "connection")?;
    Ok(access
        .graph
        .connections
        .iter()
        .enumerate()
        .filter(move |(i, _)| only.is_none_or(|c| c as usize == *i))
        .map(|(_, c)| c))
}

/// A kind word, or an error listing the kinds there are.
fn kind_arg<K: Copy + std::fmt::Display>(
    text: Option<&str>,
    parse: fn(&str) -> Option<K>,
    all: &[K],
) -> Result<Option<K>, Problem> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match parse(&text.to_ascii_lowercase()) {
        Some(k) => Ok(Some(k)),
        None => {
            let kinds: Vec<String> = all.iter().map(ToString::to_string).collect();
            Err(Problem::invalid(
                "kind",
                format!("{text:?} is not a kind (one of {})", kinds.join(", ")),
            ))
        }
    }
}

/// Counts everything `found` yields and keeps only the page (rows are built for it alone).
fn page<I: Iterator, T>(
    found: I,
    from: usize,
    limit: usize,
    row: impl Fn(I::Item) -> T,
) -> Listing<T> {
    let limit = limit.max(1);
    let mut items = Vec::with_capacity(limit.min(1000));
    let mut total = 0;
    for item in found {
        if total >= from && items.len() < limit {
            items.push(row(item));
        }
        total += 1;
    }
    let next = (from + limit < total).then_some(from + limit);
    Listing { items, total, next }
}

/// A piece of a name to look for, in any case.
struct Needle(Option<String>);

impl Needle {
    fn new(text: Option<&str>) -> Needle {
        Needle(
            text.map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_lowercase),
        )
    }

    fn found_in(&self, hay: &str) -> bool {
        match &self.0 {
            None => true,
            // Most names are ASCII: compared without allocating.
            Some(n) if n.is_ascii() && hay.is_ascii() => hay
                .as_bytes()
                .windows(n.len())
                .any(|w| w.eq_ignore_ascii_case(n.as_bytes())),
            Some(n) => hay.to_lowercase().contains(n.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_match_any_case_anywhere_in_the_name() {
        let n = Needle::new(Some(" Ana "));
        assert!(n.found_in("analyst"));
        assert!(n.found_in("BANANA"));
        assert!(!n.found_in("an"));
        assert!(Needle::new(Some("É")).found_in("café_é"));
        assert!(Needle::new(None).found_in("anything"));
        assert!(Needle::new(Some("  ")).found_in("anything"));
    }

    #[test]
    fn a_page_counts_all_and_keeps_its_share() {
        let l = page(0..10, 4, 4, |i| i);
        assert_eq!((l.items, l.total, l.next), (vec![4, 5, 6, 7], 10, Some(8)));
        let last = page(0..10, 8, 4, |i| i);
        assert_eq!((last.items, last.next), (vec![8, 9], None));
        let past = page(0..10, 20, 4, |i| i);
        assert!(past.items.is_empty() && past.next.is_none() && past.total == 10);
    }
}
