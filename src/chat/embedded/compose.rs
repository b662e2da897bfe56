//! Answer texts, built only from tool results: the short answer first, then the path, then the
//! caveats, then what to do next (DESIGN.md "Answers people like").

use super::choice::{Choice, Slot};
use crate::error::{ErrorCode, Problem};
use crate::graph::{GranteeEntry, Path};
use crate::requests::AccessRequest;
use crate::tools::{
    CheckAccessResult, GetIdentityResult, ListAccessResult, SearchIdentitiesResult,
    SearchResourcesResult, WhoHasAccessResult,
};

/// At most this many names are listed in one answer; the tool result holds them all.
const LIST_MAX: usize = 12;

fn more(n: usize) -> String {
    if n > LIST_MAX {
        format!(" and {} more", n - LIST_MAX)
    } else {
        String::new()
    }
}

fn each<R, T>(results: &[Result<R, Problem>], f: impl Fn(&R) -> T) -> Vec<Result<T, String>> {
    results
        .iter()
        .map(|r| match r {
            Ok(v) => Ok(f(v)),
            Err(e) => Err(error(e)),
        })
        .collect()
}

fn join(parts: Vec<Result<String, String>>) -> String {
    parts
        .into_iter()
        .map(|p| p.unwrap_or_else(|e| e))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The first path's line, or nothing when there is none.
fn first_path(paths: &[Path]) -> &str {
    paths.first().map_or("", |p| p.text.as_str())
}

pub fn checks(results: &[Result<CheckAccessResult, Problem>], assumed: bool) -> String {
    let mut text = join(each(results, check_one));
    if assumed {
        text.push_str("\n\n(I read \"access\" as SELECT; ask about another privilege by name, e.g. \"can … write to …\".)");
    }
    text
}

fn check_one(v: &CheckAccessResult) -> String {
    let (who, privilege, resource, conn) = (&v.identity, &v.privilege, &v.resource, &v.connection);
    let paths = &v.paths;
    let mut out = if v.allowed {
        let first = first_path(paths);
        let mut t = format!("Yes. {who} has {privilege} on {resource} ({conn}): {first}.");
        if paths.len() > 1 {
            t.push_str(&format!(
                " Other paths: {}.",
                paths[1..]
                    .iter()
                    .map(|p| p.text.as_str())
                    .take(LIST_MAX)
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        t
    } else {
        format!("No. {who} holds no {privilege} on {resource} ({conn}).")
    };
    for c in &v.caveats {
        out.push_str(&format!(" Note: {}", c.text));
        if !out.ends_with('.') {
            out.push('.');
        }
    }
    if !v.allowed {
        out.push_str(&format!(
            " To get it, ask a reviewer for {privilege} on {resource}."
        ));
    }
    out
}

/// Who owns each resource: the holders whose path makes them its owner (directly, or as a
/// member of the owning role).
pub fn owners(results: &[Result<WhoHasAccessResult, Problem>]) -> String {
    join(each(results, |v| {
        let owner_paths: Vec<&str> = v
            .grantees
            .iter()
            .flat_map(|g| g.paths.iter())
            .map(|p| p.text.as_str())
            .filter(|t| t.contains("owner of") || t.contains("OWNERSHIP on"))
            .collect();
        let direct: Vec<&str> = owner_paths
            .iter()
            .filter_map(|t| {
                let parts: Vec<&str> = t.split(" → ").collect();
                (parts.len() == 2).then_some(parts[0])
            })
            .collect();
        match direct.as_slice() {
            [] => format!("No owner of {} ({}) is recorded.", v.resource, v.connection),
            owners => format!(
                "{} ({}) is owned by {}. Owners hold every privilege on it{}.",
                v.resource,
                v.connection,
                owners.join(" and "),
                if owner_paths.len() > owners.len() {
                    format!(
                        "; through them: {}",
                        owner_paths
                            .iter()
                            .filter(|t| t.split(" → ").count() > 2)
                            .take(LIST_MAX)
                            .copied()
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                } else {
                    String::new()
                }
            ),
        }
    }))
}

pub fn who_has(results: &[Result<WhoHasAccessResult, Problem>]) -> String {
    join(each(results, |v| {
        let grantees = &v.grantees;
        let what = match &v.privilege {
            Some(p) => format!("{p} on"),
            None => "privileges on".into(),
        };
        if grantees.is_empty() {
            return format!("Nobody holds {what} {} ({}).", v.resource, v.connection);
        }
        let (people, roles): (Vec<&GranteeEntry>, Vec<&GranteeEntry>) = grantees
            .iter()
            .partition(|g| matches!(g.kind.as_str(), "user" | "service_account"));
        let describe = |g: &&GranteeEntry| format!("{} ({})", g.identity, first_path(&g.paths));
        // The tool answers a page: the counts are of all grantees, the names of this page.
        let (total, people_total) = (v.total, v.people);
        let roles_total = total.saturating_sub(people_total);
        let mut out = format!(
            "{total} identities hold {what} {} ({}).",
            v.resource, v.connection
        );
        if total > grantees.len() {
            out.push_str(&format!(
                " That is {people_total} people and service accounts and {roles_total} roles and \
                 groups; the first of them:"
            ));
        }
        if !people.is_empty() {
            out.push_str(&format!(
                " People and service accounts: {}{}.",
                people
                    .iter()
                    .take(LIST_MAX)
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("; "),
                more(people_total.max(people.len()))
            ));
        }
        if !roles.is_empty() {
            out.push_str(&format!(
                " Roles and groups: {}{}.",
                roles
                    .iter()
                    .take(LIST_MAX)
                    .map(|g| g.identity.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                more(roles_total.max(roles.len()))
            ));
        }
        out
    }))
}

pub fn list(results: &[Result<ListAccessResult, Problem>], privilege: Option<&str>) -> String {
    join(each(results, |v| {
        let who = format!("{} ({})", v.identity, v.connection);
        if v.superuser {
            return format!(
                "{who} is a superuser: it holds every privilege on every table and everything else in {}.",
                v.connection
            );
        }
        let mut by_resource: Vec<(String, Vec<String>)> = Vec::new();
        for e in &v.access {
            let p = e.privilege.as_str();
            if privilege.is_some_and(|want| want != p && p != "ALL" && p != "OWNERSHIP") {
                continue;
            }
            // `*` is every table the privilege applies to; the path says through what.
            let r = if e.resource == "*" {
                let through = e
                    .paths
                    .first()
                    .and_then(|p| p.text.rsplit(" → ").nth(1))
                    .filter(|role| *role != v.identity)
                    .map_or(String::new(), |role| format!(", through {role}"));
                format!("every table{through}")
            } else {
                e.resource.clone()
            };
            match by_resource.iter_mut().find(|(name, _)| *name == r) {
                Some((_, ps)) => ps.push(p.to_string()),
                None => by_resource.push((r, vec![p.to_string()])),
            }
        }
        if by_resource.is_empty() {
            return match privilege {
                Some(p) => format!("{who} holds {p} on nothing."),
                None => format!("{who} holds no privileges."),
            };
        }
        let items: Vec<String> = by_resource
            .iter()
            .take(LIST_MAX)
            .map(|(r, ps)| format!("{r} ({})", ps.join(", ")))
            .collect();
        format!(
            "{who} can reach {} resources{}: {}{}.",
            by_resource.len(),
            privilege.map(|p| format!(" with {p}")).unwrap_or_default(),
            items.join("; "),
            more(by_resource.len())
        )
    }))
}

pub fn identity(results: &[Result<GetIdentityResult, Problem>], describe: bool) -> String {
    join(each(results, |v| {
        v.identities
            .iter()
            .map(|i| {
                let mut out = format!("{} is a {} on {}", i.name, i.kind, i.connection);
                if let Some(d) = &i.display_name {
                    out.push_str(&format!(" ({d})"));
                }
                out.push('.');
                if i.superuser {
                    out.push_str(" It is a superuser.");
                }
                if !i.inherit {
                    out.push_str(
                        " It does not inherit its roles' privileges (NOINHERIT): it must SET ROLE.",
                    );
                }
                let roles = &i.roles;
                if roles.is_empty() {
                    out.push_str(" It belongs to no role or group.");
                } else {
                    let names: Vec<String> = roles
                        .iter()
                        .take(LIST_MAX)
                        .map(|r| {
                            if r.direct {
                                r.name.clone()
                            } else {
                                format!("{} (through {})", r.name, r.via)
                            }
                        })
                        .collect();
                    out.push_str(&format!(
                        " Member of: {}{}.",
                        names.join(", "),
                        more(roles.len())
                    ));
                }
                if describe && !i.members.is_empty() {
                    out.push_str(&format!(
                        " Members: {}.",
                        i.members
                            .iter()
                            .take(LIST_MAX)
                            .map(|m| m.name.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                out
            })
            .collect::<Vec<_>>()
            .join("\n")
    }))
}

pub fn members(results: &[Result<GetIdentityResult, Problem>]) -> String {
    join(each(results, |v| {
        v.identities
            .iter()
            .map(|i| {
                let members = &i.members;
                let name = format!("{} ({} on {})", i.name, i.kind, i.connection);
                if members.is_empty() {
                    return format!("{name} has no direct members.");
                }
                let names: Vec<String> = members
                    .iter()
                    .take(LIST_MAX)
                    .map(|m| m.name.clone())
                    .collect();
                format!(
                    "{name} has {} direct members: {}{}.",
                    members.len(),
                    names.join(", "),
                    more(members.len())
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }))
}

/// Schemas asked for with privileges that apply to their tables: what the request asks for
/// instead.
pub fn opened(schemas: &[String], privileges: &[String]) -> String {
    format!(
        "{} is a schema: {} applies to the tables and views in it, so the request asks for it on each of them.",
        schemas.join(", "),
        privileges.join(", ")
    )
}

/// The superusers found, from `get_identity`'s answers; `found` how many there are in all, which
/// may be more than were asked about.
pub fn superusers(
    results: &[Result<GetIdentityResult, Problem>],
    found: usize,
    place: Option<&str>,
) -> String {
    let named: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|v| v.identities.iter())
        .filter(|i| i.superuser)
        .map(|i| match &i.display_name {
            Some(d) => format!("{} ({} on {}, {d})", i.name, i.kind, i.connection),
            None => format!("{} ({} on {})", i.name, i.kind, i.connection),
        })
        .collect();
    let where_ = place.map_or(String::new(), |p| format!(" on {p}"));
    if named.is_empty() {
        return format!(
            "No identity{where_} is a superuser. (Snowflake and BigQuery have none: their top roles are ACCOUNTADMIN and roles/owner.)"
        );
    }
    let rest = found.saturating_sub(named.len());
    format!(
        "{} superuser{}{where_}: {}{}. A superuser passes every privilege check on its connection.",
        found,
        if found == 1 { "" } else { "s" },
        named.join("; "),
        if rest > 0 {
            format!(" and {rest} more")
        } else {
            String::new()
        }
    )
}

pub fn search_people(query: &str, r: Result<SearchIdentitiesResult, Problem>) -> String {
    match r {
        Err(e) => error(&e),
        Ok(v) => {
            let m = &v.matches;
            if m.is_empty() {
                return format!("Nobody matches {query:?}.");
            }
            let items: Vec<String> = m
                .iter()
                .map(|i| {
                    let extra = i
                        .display_name
                        .as_deref()
                        .or(i.email.as_deref())
                        .map(|d| format!(", {d}"))
                        .unwrap_or_default();
                    format!("{} ({} on {}{extra})", i.name, i.kind, i.connection)
                })
                .collect();
            format!("Identities matching {query:?}: {}.", items.join("; "))
        }
    }
}

pub fn search_resources(query: &str, r: Result<SearchResourcesResult, Problem>) -> String {
    match r {
        Err(e) => error(&e),
        Ok(v) => {
            let m = &v.matches;
            if m.is_empty() {
                return format!("No table, view, schema or dataset matches {query:?}.");
            }
            let items: Vec<String> = m
                .iter()
                .map(|i| format!("{} ({} on {})", i.name, i.kind, i.connection))
                .collect();
            format!("Resources matching {query:?}: {}.", items.join("; "))
        }
    }
}

pub fn error(e: &Problem) -> String {
    let names: Vec<String> = e
        .candidates
        .iter()
        .take(LIST_MAX)
        .map(|c| {
            if c.connection.is_empty() {
                c.name.clone()
            } else {
                format!("{} ({}, {})", c.name, c.kind, c.connection)
            }
        })
        .collect();
    match e.code {
        ErrorCode::NotFound if names.is_empty() => format!("I could not find that: {}.", e.message),
        ErrorCode::NotFound => format!(
            "I could not find that: {}. Did you mean: {}?",
            e.message,
            names.join(", ")
        ),
        ErrorCode::Ambiguous => format!(
            "Which one do you mean? {}. Candidates: {}.",
            e.message,
            names.join(", ")
        ),
        _ => format!("I could not answer: {}.", e.message),
    }
}

/// The choices as a numbered list: `1. alice (user on warehouse, Alice Smith)`.
fn numbered(choices: &[Choice]) -> Vec<String> {
    choices
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let detail = c
                .detail
                .as_deref()
                .map(|d| format!(", {d}"))
                .unwrap_or_default();
            format!(
                "{}. {} ({} on {}{detail})",
                n + 1,
                c.name,
                c.kind,
                c.connection
            )
        })
        .collect()
}

pub fn clarify(text: &str, slot: Slot, choices: &[Choice]) -> String {
    let what = match slot {
        Slot::Subject => "identities",
        Slot::Resource => "resources",
    };
    let items = numbered(choices);
    format!(
        "{text:?} matches {} {what}. Which one do you mean? {}. Reply with a number or a name.",
        choices.len(),
        items.join("; ")
    )
}

/// After answering for the person a name fits exactly: the others it may have meant.
pub fn also_meant(text: &str, choices: &[Choice]) -> String {
    let items = numbered(choices);
    format!(
        "{text:?} may mean more than one person: {}. I answered for the one named exactly {text:?}; if you meant another, which one? Reply with a number or a name.",
        items.join("; ")
    )
}

pub fn not_understood() -> String {
    "Sorry, I did not understand that. I answer questions about data access, such as \"does maya have SELECT on crm.leads?\", \"who can read people.salaries?\", \"what can tom access?\", \"what roles does priya have?\", \"who is in analyst?\" or \"find the payroll table\".".into()
}

pub fn who_are_you() -> String {
    "I do not know who you are: ask with a personal token, or `warden ask --as PERSON`, to ask about yourself.".into()
}

/// A request drafted: what it asks for, that it waits for a human reviewer, and where it is.
/// What a request asks for, in a few words: `SELECT on prod.billing.plans (warehouse) and
/// membership in reporting (warehouse)`.
pub fn asked_for(v: &AccessRequest) -> String {
    let mut wants: Vec<String> = Vec::new();
    let resources: Vec<String> = v
        .resources
        .iter()
        .map(|r| format!("{} ({})", r.name, r.connection))
        .collect();
    if !resources.is_empty() {
        wants.push(format!(
            "{} on {}",
            v.privilege_list(),
            resources.join(", ")
        ));
    }
    let roles: Vec<String> = v
        .roles
        .iter()
        .map(|r| format!("{} ({})", r.name, r.connection))
        .collect();
    if !roles.is_empty() {
        wants.push(format!("membership in {}", roles.join(", ")));
    }
    wants.join(" and ")
}

pub fn request_drafted(v: &AccessRequest) -> String {
    let id = &v.id;
    let how_long = match &v.duration {
        Some(d) => format!("for {d} once granted"),
        None => "until revoked".into(),
    };
    let mut out = format!(
        "I drafted access request {id} for {}: {}, {how_long}.",
        v.requester,
        asked_for(v)
    );
    if let Some(r) = &v.reason {
        out.push_str(&format!(" Reason: {r}."));
    }
    let approvals = v.approvals_required;
    let needs = if approvals > 1 {
        format!("{approvals} human reviewers must approve it")
    } else {
        "a human reviewer decides whether to approve it".into()
    };
    out.push_str(&format!(
        " It is {}: {needs}; nothing is granted until then, and I cannot approve it. \
         Follow it at /v1/requests/{id}.",
        v.status()
    ));
    out
}

/// A person asked about on a platform where they have no identity: where they do have one.
pub fn no_identity_there(who: &str, connection: &str, elsewhere: &[String]) -> String {
    let (has, their) = if who == "You" {
        ("have", "you have")
    } else {
        ("has", "they have")
    };
    format!(
        "{who} {has} no identity on {connection}, so nothing there is held by {}. {} identities on: {}.",
        if who == "You" { "you" } else { who },
        capitalise(their),
        elsewhere.join(", ")
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A request asked for without anyone to ask it for.
pub fn request_needs_person() -> String {
    "A request is made for the person asking, and I do not know who you are: ask with your personal token, or `warden ask --as PERSON`.".into()
}

/// A request for someone else: chat drafts requests only for the person asking.
pub fn request_for_other(name: &str) -> String {
    format!(
        "I draft access requests only for the person asking, so I did not draft one for {name}. \
         {name} can ask for it in Warden themself (with their own token, or `warden ask --as {name}`); \
         to ask for access for yourself, say what you need, e.g. \"I need read access to sales.orders for 2 weeks\"."
    )
}

/// A request that names nothing to ask for.
pub fn request_needs_resource() -> String {
    "Which table, schema or role do you need? Say it with what you need and for how long, e.g. \"I need read access to sales.orders for 2 weeks because …\".".into()
}

#[cfg(test)]
mod tests {
    use crate::tools::WhoHasAccessResult;
    use serde_json::json;

    #[test]
    fn a_page_of_grantees_is_summarised_with_the_totals() {
        let grantees: Vec<_> = (0..100)
            .map(|i| {
                json!({"identity": format!("u{i:03}"), "kind": "user", "privileges": ["SELECT"],
                            "paths": [{"text": "direct grant", "steps": []}]})
            })
            .collect();
        let page: WhoHasAccessResult = serde_json::from_value(json!({
            "resource": "dw.sales.orders", "resource_kind": "table", "connection": "redshift_dw",
            "privilege": "SELECT", "grantees": grantees, "total": 149, "people": 137,
            "next_cursor": "g2s",
        }))
        .unwrap();
        let text = super::who_has(&[Ok(page)]);
        assert!(
            text.starts_with("149 identities hold SELECT on dw.sales.orders"),
            "{text}"
        );
        assert!(
            text.contains("137 people and service accounts and 12 roles"),
            "{text}"
        );
        assert!(
            text.contains("u000 (direct grant)") && text.contains("and 125 more"),
            "{text}"
        );
    }
}
