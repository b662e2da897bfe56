//! From an [`Intent`] to tool calls: names are resolved the way the tools resolve them, a person's
//! identities on several connections are asked about one call per connection, and a name that
//! still means several things becomes a question back instead of a guess.

use super::choice::{Choice, Slot};
use super::compose;
use super::understand::{Intent, Subject};
use crate::access::{Access, Resolved, person_email};
use crate::chat::Toolbox;
use crate::error::ApiError;
use crate::index::Target;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A question asked back, remembered until the answer comes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub intent: Intent,
    pub slot: Slot,
    pub choices: Vec<Choice>,
    pub connection: Option<String>,
    /// The name as typed that the question is about (a request may name several).
    #[serde(default)]
    pub asked: Option<String>,
}

/// What a turn produced: the answer, and a question back if one is open.
pub struct Outcome {
    pub text: String,
    pub pending: Option<Pending>,
}

impl Outcome {
    fn text(text: String) -> Outcome {
        Outcome {
            text,
            pending: None,
        }
    }
}

pub async fn run(tb: &mut Toolbox, intent: &Intent, conn: Option<u32>) -> Outcome {
    match intent {
        Intent::Check {
            subject,
            privilege,
            resource,
            assumed,
        } => check(tb, intent, subject, privilege, resource, *assumed, conn).await,
        Intent::WhoHas {
            resource,
            privilege,
        } => who_has(tb, intent, resource, privilege.as_deref(), conn).await,
        Intent::List { subject, privilege } => {
            per_identity(tb, intent, subject, conn, "list_access", |v| {
                compose::list(v, privilege.as_deref())
            })
            .await
        }
        Intent::Roles { subject } => {
            per_identity(tb, intent, subject, conn, "get_identity", |v| {
                compose::identity(v, false)
            })
            .await
        }
        Intent::Members { role } => members(tb, intent, role, conn).await,
        Intent::SearchPeople { query } => {
            let r = tb
                .call("search_identities", json!({"query": query, "limit": 10}))
                .await;
            Outcome::text(compose::search_people(query, r))
        }
        Intent::SearchResources { query } => {
            let r = tb
                .call("search_resources", json!({"query": query, "limit": 10}))
                .await;
            Outcome::text(compose::search_resources(query, r))
        }
        Intent::Request { .. } => request(tb, intent, conn).await,
        Intent::Unknown => Outcome::text(compose::not_understood()),
    }
}

fn conn_name(access: &Access, conn: Option<u32>) -> Value {
    match conn {
        Some(c) => json!(access.conn(c).name),
        None => Value::Null,
    }
}

/// The identities a subject stands for, grouped by person (one email, or one name).
fn people(
    tb: &Toolbox,
    subject: &Subject,
    conn: Option<u32>,
) -> Result<Vec<Vec<Resolved>>, String> {
    let access = tb.access();
    let hits = match subject {
        Subject::Me => {
            let Some(p) = &tb.who().person else {
                return Err(compose::who_are_you());
            };
            let linked = access.linked_identities(&p.name, p.email.as_deref());
            if linked.is_empty() {
                return Err(format!(
                    "You ({}) are not linked to any platform identity: no identity has your email or name.",
                    p.name
                ));
            }
            return Ok(vec![filter_conn(linked, conn)])
                .map(|v| v.into_iter().filter(|g| !g.is_empty()).collect());
        }
        Subject::Name(text) => {
            let mut hits = access
                .candidates(Target::Identity, text, conn, "identity")
                .unwrap_or_default();
            hits.extend(first_name_matches(access, text, conn));
            hits
        }
    };
    let mut groups: BTreeMap<String, BTreeSet<(u32, u32)>> = BTreeMap::new();
    for h in hits {
        let i = access.conn(h.conn).identity(h.id);
        let email = person_email(i);
        let key = email.unwrap_or(&i.name).to_lowercase();
        let mut all = vec![h];
        // One person on every platform: the same email, or where there is none, the same name.
        all.extend(access.linked_identities(&i.name, email));
        let group = groups.entry(key).or_default();
        for r in filter_conn(all, conn) {
            group.insert((r.conn, r.id));
        }
    }
    Ok(groups
        .into_values()
        .map(|g| {
            g.into_iter()
                .map(|(conn, id)| Resolved { conn, id })
                .collect()
        })
        .collect())
}

/// People whose display name starts with `text`: in chat, "alice" may mean Alice Liddell (`alice`)
/// or Alice Chen (`achen`), and a person asking by first name must be asked which.
fn first_name_matches(access: &Access, text: &str, conn: Option<u32>) -> Vec<Resolved> {
    let word = text.trim();
    if word.is_empty() || !word.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    access
        .index
        .fuzzy(Target::Identity, word, conn, true, 50)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, h)| Resolved::from(h))
        .filter(|h| {
            let i = access.conn(h.conn).identity(h.id);
            i.display_name
                .as_deref()
                .and_then(|d| d.split_whitespace().next())
                .is_some_and(|first| first.eq_ignore_ascii_case(word))
        })
        .collect()
}

fn filter_conn(hits: Vec<Resolved>, conn: Option<u32>) -> Vec<Resolved> {
    hits.into_iter()
        .filter(|h| conn.is_none_or(|c| h.conn == c))
        .collect()
}

fn identity_choices(access: &Access, hits: &[Resolved]) -> Vec<Choice> {
    hits.iter()
        .map(|h| {
            let c = access.conn(h.conn);
            let i = c.identity(h.id);
            Choice {
                name: i.name.clone(),
                connection: c.name.clone(),
                kind: i.kind.to_string(),
                detail: i.display_name.clone().or_else(|| i.email.clone()),
                email: person_email(i).map(str::to_string),
            }
        })
        .collect()
}

fn resource_choices(access: &Access, hits: &[Resolved]) -> Vec<Choice> {
    hits.iter()
        .map(|h| {
            let c = access.conn(h.conn);
            let r = c.resource(h.id);
            Choice {
                name: r.name.clone(),
                connection: c.name.clone(),
                kind: r.kind.to_string(),
                detail: None,
                email: None,
            }
        })
        .collect()
}

fn ask_back(
    intent: &Intent,
    slot: Slot,
    text: &str,
    choices: Vec<Choice>,
    conn: Option<u32>,
    access: &Access,
) -> Outcome {
    Outcome {
        text: compose::clarify(text, slot, &choices),
        pending: Some(Pending {
            intent: intent.clone(),
            slot,
            choices,
            connection: conn.map(|c| access.conn(c).name.clone()),
            asked: Some(text.to_string()),
        }),
    }
}

/// The error a tool gives for names the planner could not pin down, as the answer.
async fn raw_call(tb: &mut Toolbox, tool: &str, args: Value) -> Outcome {
    let r = tb.call(tool, args).await;
    Outcome::text(match r {
        Ok(v) => compose::result_of(tool, &v),
        Err(e) => compose::error(&e),
    })
}

async fn check(
    tb: &mut Toolbox,
    intent: &Intent,
    subject: &Subject,
    privilege: &str,
    resource: &str,
    assumed: bool,
    conn: Option<u32>,
) -> Outcome {
    let people = match people(tb, subject, conn) {
        Ok(p) => p,
        Err(text) => return Outcome::text(text),
    };
    let shared = tb.shared_access();
    let access = &*shared;
    let res = access
        .candidates(Target::Resource, resource, conn, "resource")
        .unwrap_or_default();
    let subject_text = match subject {
        Subject::Name(n) => n.clone(),
        Subject::Me => identity_name(tb),
    };
    if res.is_empty() || people.is_empty() {
        if matches!(subject, Subject::Me) && res.is_empty() {
            let e = access.not_found(Target::Resource, resource, conn, "resource");
            return Outcome::text(compose::error(&e));
        }
        let args = json!({"identity": subject_text, "privilege": privilege, "resource": resource, "connection": conn_name(access, conn)});
        return raw_call(tb, "check_access", args).await;
    }
    // Only people who exist where the table does can be meant.
    let res_conns: BTreeSet<u32> = res.iter().map(|h| h.conn).collect();
    let people: Vec<Vec<Resolved>> = people
        .into_iter()
        .filter(|g| g.iter().any(|h| res_conns.contains(&h.conn)))
        .collect();
    let mut also = None;
    let people = if people.len() > 1 {
        let all: Vec<Resolved> = people
            .iter()
            .filter_map(|g| g.iter().find(|h| res_conns.contains(&h.conn)).copied())
            .collect();
        let choices = identity_choices(access, &all);
        match named_exactly(access, &people, &subject_text) {
            Some(i) => {
                also = Some(choices);
                vec![people[i].clone()]
            }
            None => return ask_back(intent, Slot::Subject, &subject_text, choices, conn, access),
        }
    } else {
        people
    };
    let Some(person) = people.into_iter().next() else {
        // The person exists, but not where the table is: the tool says so precisely.
        let only = (res_conns.len() == 1).then(|| access.conn(res[0].conn).name.clone());
        let args = json!({"identity": subject_text, "privilege": privilege, "resource": resource, "connection": only});
        return raw_call(tb, "check_access", args).await;
    };
    let mut calls = Vec::new();
    for c in &res_conns {
        let ids: Vec<Resolved> = person.iter().filter(|h| h.conn == *c).copied().collect();
        let rs: Vec<Resolved> = res.iter().filter(|h| h.conn == *c).copied().collect();
        if ids.is_empty() {
            continue;
        }
        if rs.len() > 1 {
            let choices = resource_choices(access, &res);
            return ask_back(intent, Slot::Resource, resource, choices, conn, access);
        }
        if ids.len() > 1 {
            let choices = identity_choices(access, &ids);
            return ask_back(intent, Slot::Subject, &subject_text, choices, conn, access);
        }
        let cg = access.conn(*c);
        calls.push(json!({
            "identity": cg.identity(ids[0].id).name,
            "privilege": privilege,
            "resource": cg.resource(rs[0].id).name,
            "connection": cg.name,
        }));
    }
    let mut results = Vec::new();
    for args in calls {
        results.push(tb.call("check_access", args).await);
    }
    let text = compose::checks(&results, assumed);
    match also {
        Some(choices) => answer_and_ask(intent, text, &subject_text, choices, conn, access),
        None => Outcome::text(text),
    }
}

/// Among several people a word may mean, the one whose identity is named exactly that: in chat,
/// "alice" is the user `alice`, though Alice Chen (`achen`) is an Alice too.
fn named_exactly(access: &Access, people: &[Vec<Resolved>], text: &str) -> Option<usize> {
    let named: Vec<usize> = people
        .iter()
        .enumerate()
        .filter(|(_, g)| {
            g.iter().any(|h| {
                access
                    .conn(h.conn)
                    .identity(h.id)
                    .name
                    .eq_ignore_ascii_case(text)
            })
        })
        .map(|(i, _)| i)
        .collect();
    (named.len() == 1).then(|| named[0])
}

/// The answer for the person named exactly, and the question whether another was meant.
fn answer_and_ask(
    intent: &Intent,
    text: String,
    said: &str,
    choices: Vec<Choice>,
    conn: Option<u32>,
    access: &Access,
) -> Outcome {
    let question = ask_back(intent, Slot::Subject, said, choices, conn, access);
    Outcome {
        text: format!(
            "{text}\n\n{}",
            compose::also_meant(
                said,
                question
                    .pending
                    .as_ref()
                    .map(|p| p.choices.as_slice())
                    .unwrap_or_default()
            )
        ),
        pending: question.pending,
    }
}

fn identity_name(tb: &Toolbox) -> String {
    tb.who()
        .person
        .as_ref()
        .map(|p| p.email.clone().unwrap_or_else(|| p.name.clone()))
        .unwrap_or_default()
}

async fn who_has(
    tb: &mut Toolbox,
    intent: &Intent,
    resource: &str,
    privilege: Option<&str>,
    conn: Option<u32>,
) -> Outcome {
    let access = tb.access();
    let res = access
        .candidates(Target::Resource, resource, conn, "resource")
        .unwrap_or_default();
    if res.is_empty() {
        let args = json!({"resource": resource, "privilege": privilege, "connection": conn_name(access, conn)});
        return raw_call(tb, "who_has_access", args).await;
    }
    let by_conn = group(&res);
    if by_conn.values().any(|v| v.len() > 1) {
        let choices = resource_choices(access, &res);
        return ask_back(intent, Slot::Resource, resource, choices, conn, access);
    }
    let calls: Vec<Value> = res
        .iter()
        .map(|h| {
            let c = access.conn(h.conn);
            let mut args = json!({"resource": c.resource(h.id).name, "connection": c.name});
            if let Some(p) = privilege {
                args["privilege"] = json!(p);
            }
            args
        })
        .collect();
    let mut results = Vec::new();
    for args in calls {
        results.push(tb.call("who_has_access", args).await);
    }
    Outcome::text(compose::who_has(&results))
}

fn group(hits: &[Resolved]) -> BTreeMap<u32, Vec<Resolved>> {
    let mut m: BTreeMap<u32, Vec<Resolved>> = BTreeMap::new();
    for h in hits {
        m.entry(h.conn).or_default().push(*h);
    }
    m
}

/// One call of `tool` per identity of the person (list_access, get_identity).
async fn per_identity(
    tb: &mut Toolbox,
    intent: &Intent,
    subject: &Subject,
    conn: Option<u32>,
    tool: &str,
    render: impl Fn(&[Result<Value, ApiError>]) -> String,
) -> Outcome {
    let people = match people(tb, subject, conn) {
        Ok(p) => p,
        Err(text) => return Outcome::text(text),
    };
    let shared = tb.shared_access();
    let access = &*shared;
    let text = match subject {
        Subject::Name(n) => n.clone(),
        Subject::Me => identity_name(tb),
    };
    let mut also = None;
    let people = match named_exactly(access, &people, &text) {
        Some(i) if people.len() > 1 => {
            let firsts: Vec<Resolved> = people.iter().map(|g| g[0]).collect();
            also = Some(identity_choices(access, &firsts));
            vec![people[i].clone()]
        }
        _ => people,
    };
    match people.len() {
        0 => {
            let args = json!({"identity": text, "connection": conn_name(access, conn)});
            raw_call(tb, tool, args).await
        }
        1 => {
            let person = &people[0];
            if group(person).values().any(|v| v.len() > 1) {
                let choices = identity_choices(access, person);
                return ask_back(intent, Slot::Subject, &text, choices, conn, access);
            }
            let calls: Vec<Value> = person
                .iter()
                .map(|h| {
                    let c = access.conn(h.conn);
                    json!({"identity": c.identity(h.id).name, "connection": c.name})
                })
                .collect();
            let mut results = Vec::new();
            for args in calls {
                results.push(tb.call(tool, args).await);
            }
            match also {
                Some(choices) => {
                    answer_and_ask(intent, render(&results), &text, choices, conn, access)
                }
                None => Outcome::text(render(&results)),
            }
        }
        _ => {
            let firsts: Vec<Resolved> = people.iter().map(|g| g[0]).collect();
            let choices = identity_choices(access, &firsts);
            ask_back(intent, Slot::Subject, &text, choices, conn, access)
        }
    }
}

async fn members(tb: &mut Toolbox, intent: &Intent, role: &str, conn: Option<u32>) -> Outcome {
    let access = tb.access();
    let hits = access
        .candidates(Target::Identity, role, conn, "identity")
        .unwrap_or_default();
    if hits.is_empty() {
        let args = json!({"identity": role, "connection": conn_name(access, conn)});
        return raw_call(tb, "get_identity", args).await;
    }
    if group(&hits).values().any(|v| v.len() > 1) {
        let choices = identity_choices(access, &hits);
        return ask_back(intent, Slot::Subject, role, choices, conn, access);
    }
    let calls: Vec<Value> = hits
        .iter()
        .map(|h| {
            let c = access.conn(h.conn);
            json!({"identity": c.identity(h.id).name, "connection": c.name})
        })
        .collect();
    let mut results = Vec::new();
    for args in calls {
        results.push(tb.call("get_identity", args).await);
    }
    Outcome::text(compose::members(&results))
}

/// Drafts a request for the person asking through `create_access_request`, once every name is
/// pinned down: a name that matches on several connections is narrowed to those where the person
/// has an identity (access can only be granted there), and asked back if it still means several.
async fn request(tb: &mut Toolbox, intent: &Intent, conn: Option<u32>) -> Outcome {
    let Intent::Request {
        resources,
        privileges,
        roles,
        duration,
        reason,
        other,
    } = intent
    else {
        return Outcome::text(compose::not_understood());
    };
    let Some(person) = tb.who().person.clone() else {
        return Outcome::text(compose::request_needs_person());
    };
    let shared = tb.shared_access();
    let access = &*shared;
    let linked = access.linked_identities(&person.name, person.email.as_deref());
    // A request is the asker's own: one for someone else is theirs to make.
    if let Some(name) = other {
        let them = access
            .candidates(Target::Identity, name, None, "identity")
            .unwrap_or_default();
        let is_me = person.name.eq_ignore_ascii_case(name)
            || person
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(name))
            || !them.is_empty() && them.iter().all(|h| linked.contains(h));
        if !is_me {
            return Outcome::text(compose::request_for_other(name));
        }
    }
    if resources.is_empty() && roles.is_empty() {
        return Outcome::text(compose::request_needs_resource());
    }
    let mine: BTreeSet<u32> = linked.iter().map(|h| h.conn).collect();
    let mut names = Vec::new();
    for text in resources {
        match pin(access, Target::Resource, text, conn, &mine) {
            Ok(one) => names.push(qualified(access, Target::Resource, one)),
            Err(Pinned::Error(e)) => return Outcome::text(compose::error(&e)),
            Err(Pinned::Several(hits)) => {
                let choices = resource_choices(access, &hits);
                return ask_back(intent, Slot::Resource, text, choices, conn, access);
            }
        }
    }
    let mut role_names = Vec::new();
    for text in roles {
        match pin(access, Target::Identity, text, conn, &mine) {
            Ok(one) => role_names.push(qualified(access, Target::Identity, one)),
            Err(Pinned::Error(e)) => return Outcome::text(compose::error(&e)),
            Err(Pinned::Several(hits)) => {
                let choices = identity_choices(access, &hits);
                return ask_back(intent, Slot::Subject, text, choices, conn, access);
            }
        }
    }
    let mut args = json!({
        "resources": names,
        "privileges": if resources.is_empty() { &[][..] } else { privileges.as_slice() },
    });
    if !role_names.is_empty() {
        args["roles"] = json!(role_names);
    }
    if let Some(d) = duration {
        args["duration"] = json!(d);
    }
    if let Some(r) = reason {
        args["reason"] = json!(r);
    }
    let result = tb.call("create_access_request", args).await;
    Outcome::text(match result {
        Ok(v) => compose::request_drafted(&v),
        Err(e) => compose::error(&e),
    })
}

/// Why a name could not be pinned to one thing.
enum Pinned {
    Error(ApiError),
    Several(Vec<Resolved>),
}

/// The one thing `text` names, preferring the connections in `mine` when it names several.
fn pin(
    access: &Access,
    target: Target,
    text: &str,
    conn: Option<u32>,
    mine: &BTreeSet<u32>,
) -> Result<Resolved, Pinned> {
    let path = match target {
        Target::Resource => "resources",
        Target::Identity => "roles",
    };
    let hits = access
        .candidates(target, text, conn, path)
        .map_err(Pinned::Error)?;
    let narrowed: Vec<Resolved> = hits
        .iter()
        .copied()
        .filter(|h| mine.contains(&h.conn))
        .collect();
    let hits = if hits.len() > 1 && !narrowed.is_empty() {
        narrowed
    } else {
        hits
    };
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(Pinned::Error(access.not_found(target, text, conn, path))),
        _ => Err(Pinned::Several(hits)),
    }
}

/// `connection:name`: a name that means exactly one thing, whatever else is named beside it.
fn qualified(access: &Access, target: Target, h: Resolved) -> String {
    let c = access.conn(h.conn);
    let name = match target {
        Target::Resource => &c.resource(h.id).name,
        Target::Identity => &c.identity(h.id).name,
    };
    format!("{}:{name}", c.name)
}
