//! Answer texts, built only from tool results: the short answer first, then the path, then the
//! caveats, then what to do next (DESIGN.md "Answers people like").

use super::choice::{Choice, Slot};
use crate::error::{ApiError, ErrorCode};
use serde_json::Value;

/// At most this many names are listed in one answer; the tool result holds them all.
const LIST_MAX: usize = 12;

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn more(n: usize) -> String {
    if n > LIST_MAX {
        format!(" and {} more", n - LIST_MAX)
    } else {
        String::new()
    }
}

fn each<T>(results: &[Result<Value, ApiError>], f: impl Fn(&Value) -> T) -> Vec<Result<T, String>> {
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

pub fn checks(results: &[Result<Value, ApiError>], assumed: bool) -> String {
    let mut text = join(each(results, check_one));
    if assumed {
        text.push_str("\n\n(I read \"access\" as SELECT; ask about another privilege by name, e.g. \"can … write to …\".)");
    }
    text
}

fn check_one(v: &Value) -> String {
    let (who, privilege, resource, conn) = (
        s(v, "identity"),
        s(v, "privilege"),
        s(v, "resource"),
        s(v, "connection"),
    );
    let paths = arr(v, "paths");
    let mut out = if v["allowed"].as_bool() == Some(true) {
        let first = paths.first().map(|p| s(p, "text")).unwrap_or("");
        let mut t = format!("Yes. {who} has {privilege} on {resource} ({conn}): {first}.");
        if paths.len() > 1 {
            t.push_str(&format!(
                " Other paths: {}.",
                paths[1..]
                    .iter()
                    .map(|p| s(p, "text"))
                    .take(LIST_MAX)
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        t
    } else {
        format!("No. {who} holds no {privilege} on {resource} ({conn}).")
    };
    for c in arr(v, "caveats") {
        out.push_str(&format!(" Note: {}", s(c, "text")));
        if !out.ends_with('.') {
            out.push('.');
        }
    }
    if v["allowed"].as_bool() != Some(true) {
        out.push_str(&format!(
            " To get it, ask a reviewer for {privilege} on {resource}."
        ));
    }
    out
}

pub fn who_has(results: &[Result<Value, ApiError>]) -> String {
    join(each(results, |v| {
        let grantees = arr(v, "grantees");
        let what = match v["privilege"].as_str() {
            Some(p) => format!("{p} on"),
            None => "privileges on".into(),
        };
        if grantees.is_empty() {
            return format!(
                "Nobody holds {what} {} ({}).",
                s(v, "resource"),
                s(v, "connection")
            );
        }
        let (people, roles): (Vec<&Value>, Vec<&Value>) = grantees
            .iter()
            .partition(|g| matches!(s(g, "kind"), "user" | "service_account"));
        let describe = |g: &&Value| {
            let via = arr(g, "paths").first().map(|p| s(p, "text")).unwrap_or("");
            format!("{} ({via})", s(g, "identity"))
        };
        // The tool answers a page: the counts are of all grantees, the names of this page.
        let total = v["total"].as_u64().map_or(grantees.len(), |n| n as usize);
        let people_total = v["people"].as_u64().map_or(people.len(), |n| n as usize);
        let roles_total = total.saturating_sub(people_total);
        let mut out = format!(
            "{total} identities hold {what} {} ({}).",
            s(v, "resource"),
            s(v, "connection")
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
                    .map(|g| s(g, "identity").to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                more(roles_total.max(roles.len()))
            ));
        }
        out
    }))
}

pub fn list(results: &[Result<Value, ApiError>], privilege: Option<&str>) -> String {
    join(each(results, |v| {
        let who = format!("{} ({})", s(v, "identity"), s(v, "connection"));
        if v["superuser"].as_bool() == Some(true) {
            return format!(
                "{who} is a superuser: it holds every privilege on everything in {}.",
                s(v, "connection")
            );
        }
        let mut by_resource: Vec<(String, Vec<String>)> = Vec::new();
        for e in arr(v, "access") {
            let p = s(e, "privilege");
            if privilege.is_some_and(|want| want != p && p != "ALL" && p != "OWNERSHIP") {
                continue;
            }
            let r = s(e, "resource").to_string();
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

pub fn identity(results: &[Result<Value, ApiError>], describe: bool) -> String {
    join(each(results, |v| {
        arr(v, "identities")
            .iter()
            .map(|i| {
                let mut out = format!(
                    "{} is a {} on {}",
                    s(i, "name"),
                    s(i, "kind"),
                    s(i, "connection")
                );
                if let Some(d) = i["display_name"].as_str() {
                    out.push_str(&format!(" ({d})"));
                }
                out.push('.');
                if i["superuser"].as_bool() == Some(true) {
                    out.push_str(" It is a superuser.");
                }
                if i["inherit"].as_bool() == Some(false) {
                    out.push_str(
                        " It does not inherit its roles' privileges (NOINHERIT): it must SET ROLE.",
                    );
                }
                let roles = arr(i, "roles");
                if roles.is_empty() {
                    out.push_str(" It belongs to no role or group.");
                } else {
                    let names: Vec<String> = roles
                        .iter()
                        .take(LIST_MAX)
                        .map(|r| {
                            if r["direct"].as_bool() == Some(true) {
                                s(r, "name").to_string()
                            } else {
                                format!("{} (through {})", s(r, "name"), s(r, "via"))
                            }
                        })
                        .collect();
                    out.push_str(&format!(
                        " Member of: {}{}.",
                        names.join(", "),
                        more(roles.len())
                    ));
                }
                let members = arr(i, "members");
                if describe && !members.is_empty() {
                    out.push_str(&format!(
                        " Members: {}.",
                        members
                            .iter()
                            .take(LIST_MAX)
                            .map(|m| s(m, "name").to_string())
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

pub fn members(results: &[Result<Value, ApiError>]) -> String {
    join(each(results, |v| {
        arr(v, "identities")
            .iter()
            .map(|i| {
                let members = arr(i, "members");
                let name = format!(
                    "{} ({} on {})",
                    s(i, "name"),
                    s(i, "kind"),
                    s(i, "connection")
                );
                if members.is_empty() {
                    return format!("{name} has no direct members.");
                }
                let names: Vec<String> = members
                    .iter()
                    .take(LIST_MAX)
                    .map(|m| s(m, "name").to_string())
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

pub fn search_people(query: &str, r: Result<Value, ApiError>) -> String {
    match r {
        Err(e) => error(&e),
        Ok(v) => {
            let m = arr(&v, "matches");
            if m.is_empty() {
                return format!("Nobody matches {query:?}.");
            }
            let items: Vec<String> = m
                .iter()
                .map(|i| {
                    let extra = i["display_name"]
                        .as_str()
                        .or(i["email"].as_str())
                        .map(|d| format!(", {d}"))
                        .unwrap_or_default();
                    format!(
                        "{} ({} on {}{extra})",
                        s(i, "name"),
                        s(i, "kind"),
                        s(i, "connection")
                    )
                })
                .collect();
            format!("Identities matching {query:?}: {}.", items.join("; "))
        }
    }
}

pub fn search_resources(query: &str, r: Result<Value, ApiError>) -> String {
    match r {
        Err(e) => error(&e),
        Ok(v) => {
            let m = arr(&v, "matches");
            if m.is_empty() {
                return format!("No table, view, schema or dataset matches {query:?}.");
            }
            let items: Vec<String> = m
                .iter()
                .map(|i| {
                    format!(
                        "{} ({} on {})",
                        s(i, "name"),
                        s(i, "kind"),
                        s(i, "connection")
                    )
                })
                .collect();
            format!("Resources matching {query:?}: {}.", items.join("; "))
        }
    }
}

/// A result from a call whose names the tool resolved itself.
pub fn result_of(tool: &str, v: &Value) -> String {
    let one = [Ok(v.clone())];
    match tool {
        "check_access" => checks(&one, false),
        "who_has_access" => who_has(&one),
        "list_access" => list(&one, None),
        "get_identity" => identity(&one, true),
        _ => v.to_string(),
    }
}

pub fn error(e: &ApiError) -> String {
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

pub fn clarify(text: &str, slot: Slot, choices: &[Choice]) -> String {
    let what = match slot {
        Slot::Subject => "identities",
        Slot::Resource => "resources",
    };
    let items: Vec<String> = choices
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
        .collect();
    format!(
        "{text:?} matches {} {what}. Which one do you mean? {}. Reply with a number or a name.",
        choices.len(),
        items.join("; ")
    )
}

/// After answering for the person a name fits exactly: the others it may have meant.
pub fn also_meant(text: &str, choices: &[Choice]) -> String {
    let items: Vec<String> = choices
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
        .collect();
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
pub fn request_drafted(v: &Value) -> String {
    let id = s(v, "id");
    let mut wants: Vec<String> = Vec::new();
    let privileges: Vec<&str> = arr(v, "privileges")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let resources: Vec<String> = arr(v, "resources")
        .iter()
        .map(|r| format!("{} ({})", s(r, "name"), s(r, "connection")))
        .collect();
    if !resources.is_empty() {
        wants.push(format!(
            "{} on {}",
            privileges.join(", "),
            resources.join(", ")
        ));
    }
    let roles: Vec<String> = arr(v, "roles")
        .iter()
        .map(|r| format!("{} ({})", s(r, "name"), s(r, "connection")))
        .collect();
    if !roles.is_empty() {
        wants.push(format!("membership in {}", roles.join(", ")));
    }
    let how_long = match v["duration"].as_str() {
        Some(d) => format!("for {d} once granted"),
        None => "until revoked".into(),
    };
    let mut out = format!(
        "I drafted access request {id} for {}: {}, {how_long}.",
        s(v, "requester"),
        wants.join(" and ")
    );
    if let Some(r) = v["reason"].as_str() {
        out.push_str(&format!(" Reason: {r}."));
    }
    let approvals = v["approvals_required"].as_u64().unwrap_or(1);
    let needs = if approvals > 1 {
        format!("{approvals} human reviewers must approve it")
    } else {
        "a human reviewer decides whether to approve it".into()
    };
    out.push_str(&format!(
        " It is {}: {needs}; nothing is granted until then, and I cannot approve it. \
         Follow it at /v1/requests/{id}.",
        s(v, "status")
    ));
    out
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
    use serde_json::json;

    #[test]
    fn a_page_of_grantees_is_summarised_with_the_totals() {
        let grantees: Vec<_> = (0..100)
            .map(|i| json!({"identity": format!("u{i:03}"), "kind": "user", "paths": [{"text": "direct grant"}]}))
            .collect();
        let page = json!({
            "resource": "dw.sales.orders", "connection": "redshift_dw", "privilege": "SELECT",
            "grantees": grantees, "total": 149, "people": 137, "next_cursor": "g2s",
        });
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
