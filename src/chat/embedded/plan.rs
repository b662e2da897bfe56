//! From an [`Intent`] to tool calls: names are resolved the way the tools resolve them, a person's
//! identities on several connections are asked about one call per connection, and a name that
//! still means several things becomes a question back instead of a guess.

use super::choice::{Choice, Slot};
use super::compose;
use super::understand::{Intent, Subject, WRITE};
use crate::access::{Resolved, person_email};
use crate::chat::Toolbox;
use crate::chat::resolver::Resolver;
use crate::error::Problem;
use crate::index::Target;
use crate::tools::{
    ChangeAccessRequest, CheckAccess, CreateAccessRequest, GetAccessRequest, GetIdentity,
    ListAccess, ListAccessRequests, SearchIdentities, SearchResources, Tool, WhoHasAccess,
    WithdrawAccessRequest,
};
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
        } if privilege == WRITE => {
            // Writing takes three privileges: each is checked, and each answer says which hold.
            let each = ["INSERT", "UPDATE", "DELETE"].map(|p| Intent::Check {
                subject: subject.clone(),
                privilege: p.into(),
                resource: resource.clone(),
                assumed: *assumed,
            });
            let head = "Writing to a table takes INSERT, UPDATE and DELETE:";
            in_turn(tb, &each, conn, Some(head), "\n").await
        }
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
            per_identity::<ListAccess>(
                tb,
                intent,
                subject,
                conn,
                |v| compose::list(v, privilege.as_deref()),
                |v| compose::list(v, None),
            )
            .await
        }
        Intent::Roles { subject } => {
            per_identity::<GetIdentity>(
                tb,
                intent,
                subject,
                conn,
                |v| compose::identity(v, false),
                |v| compose::identity(v, true),
            )
            .await
        }
        Intent::Members { role } => members(tb, intent, role, conn).await,
        Intent::SearchPeople { query } => {
            let r = tb
                .call_typed::<SearchIdentities>(json!({"query": query, "limit": 10}))
                .await;
            Outcome::text(compose::search_people(query, r))
        }
        Intent::SearchResources { query } => {
            let r = tb
                .call_typed::<SearchResources>(json!({"query": query, "limit": 10}))
                .await;
            Outcome::text(compose::search_resources(query, r))
        }
        Intent::Request { .. } => request(tb, intent, conn).await,
        Intent::CheckEach {
            subjects,
            privilege,
            resource,
            assumed,
        } => {
            // One answer per person, in the order named.
            let each: Vec<Intent> = subjects
                .iter()
                .map(|subject| Intent::Check {
                    subject: subject.clone(),
                    privilege: privilege.clone(),
                    resource: resource.clone(),
                    assumed: *assumed,
                })
                .collect();
            in_turn(tb, &each, conn, None, "\n\n").await
        }
        Intent::HowToGet {
            privilege,
            resource,
        } => how_to_get(tb, intent, privilege, resource, conn).await,
        Intent::ChangeRequest {
            id,
            duration,
            privileges,
            reason,
            withdraw,
        } => {
            let change = Change {
                duration: duration.as_deref(),
                privileges,
                reason: reason.as_deref(),
            };
            change_request(tb, id.as_deref(), change, *withdraw).await
        }
        Intent::Requests { status, requester } => {
            requests_listed(tb, status.as_deref(), requester.as_ref()).await
        }
        Intent::RequestStatus { id } => match id {
            Some(id) => request_status(tb, id).await,
            None => requests_listed(tb, None, Some(&Subject::Me)).await,
        },
        Intent::Superusers => superusers(tb, conn).await,
        Intent::Unknown => Outcome::text(compose::not_understood()),
    }
}

/// Several questions answered one after another, their answers joined by `sep` under `head`;
/// one that must be asked back about stops the list there (the reply continues that one).
async fn in_turn(
    tb: &mut Toolbox,
    intents: &[Intent],
    conn: Option<u32>,
    head: Option<&str>,
    sep: &str,
) -> Outcome {
    let mut texts: Vec<String> = head.map(str::to_string).into_iter().collect();
    for one in intents {
        let out = Box::pin(run(tb, one, conn)).await;
        texts.push(out.text);
        if out.pending.is_some() {
            return Outcome {
                text: texts.join(sep),
                pending: out.pending,
            };
        }
    }
    Outcome::text(texts.join(sep))
}

fn conn_name(names: &dyn Resolver, conn: Option<u32>) -> Value {
    match conn {
        Some(c) => json!(names.connection_name(c)),
        None => Value::Null,
    }
}

/// The identities a subject stands for, grouped by person (one email, or one name).
fn people(
    tb: &Toolbox,
    subject: &Subject,
    conn: Option<u32>,
) -> Result<Vec<Vec<Resolved>>, String> {
    let shared = tb.resolver();
    let names = &*shared;
    let hits = match subject {
        Subject::Me => {
            let Some(p) = &tb.who().person else {
                return Err(compose::who_are_you());
            };
            let linked = names.linked_identities(&p.name, p.email.as_deref());
            if linked.is_empty() {
                return Err(format!(
                    "You ({}) are not linked to any platform identity: no identity has your email or name.",
                    p.name
                ));
            }
            let here = filter_conn(linked.clone(), conn);
            if here.is_empty()
                && let Some(c) = conn
            {
                return Err(compose::no_identity_there(
                    "You",
                    names.connection_name(c),
                    &elsewhere(names, &linked),
                ));
            }
            return Ok(vec![here]).map(|v| v.into_iter().filter(|g| !g.is_empty()).collect());
        }
        Subject::Name(text) => {
            let mut hits = names
                .candidates(Target::Identity, text, conn, "identity")
                .unwrap_or_default();
            hits.extend(first_name_matches(names, text, conn));
            hits
        }
    };
    let mut groups: BTreeMap<String, BTreeSet<(u32, u32)>> = BTreeMap::new();
    for h in hits {
        let i = names.identity(h);
        let email = person_email(i);
        let key = email.unwrap_or(&i.name).to_lowercase();
        let mut all = vec![h];
        // One person on every platform: the same email, or where there is none, the same name.
        all.extend(names.linked_identities(&i.name, email));
        let group = groups.entry(key).or_default();
        for r in filter_conn(all, conn) {
            group.insert((r.conn, r.id));
        }
    }
    // One identity reached by two keys (its email, and a display name's first word) is one
    // person: groups that share an identity are merged.
    let mut merged: Vec<BTreeSet<(u32, u32)>> = Vec::new();
    for g in groups.into_values().filter(|g| !g.is_empty()) {
        match merged.iter_mut().find(|m| !m.is_disjoint(&g)) {
            Some(m) => m.extend(g),
            None => merged.push(g),
        }
    }
    let found: Vec<Vec<Resolved>> = merged
        .into_iter()
        .map(|g| {
            g.into_iter()
                .map(|(conn, id)| Resolved { conn, id })
                .collect()
        })
        .collect();
    // Named on a platform where they have no identity: say so, and where they do have one.
    if found.is_empty()
        && let (Some(c), Subject::Name(text)) = (conn, subject)
    {
        let mut anywhere = names
            .candidates(Target::Identity, text, None, "identity")
            .unwrap_or_default();
        anywhere.extend(first_name_matches(names, text, None));
        let mut all = Vec::new();
        for h in anywhere {
            let i = names.identity(h);
            all.push(h);
            all.extend(names.linked_identities(&i.name, person_email(i)));
        }
        if !all.is_empty() {
            return Err(compose::no_identity_there(
                text,
                names.connection_name(c),
                &elsewhere(names, &all),
            ));
        }
    }
    Ok(found)
}

/// `warehouse (tom), redshift_dw (tom)`: where these identities are, once each.
fn elsewhere(names: &dyn Resolver, hits: &[Resolved]) -> Vec<String> {
    let mut out: Vec<String> = hits
        .iter()
        .map(|h| {
            format!(
                "{} ({})",
                names.connection_name(h.conn),
                names.identity(*h).name
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// People whose display name starts with `text`: in chat, "alice" may mean Alice Liddell (`alice`)
/// or Alice Chen (`achen`), and a person asking by first name must be asked which.
fn first_name_matches(names: &dyn Resolver, text: &str, conn: Option<u32>) -> Vec<Resolved> {
    let word = text.trim();
    if word.is_empty() || !word.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    names
        .fuzzy(Target::Identity, word, conn, true, 50)
        .into_iter()
        .filter(|h| {
            let i = names.identity(*h);
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

fn identity_choices(names: &dyn Resolver, hits: &[Resolved]) -> Vec<Choice> {
    hits.iter()
        .map(|h| {
            let i = names.identity(*h);
            Choice {
                name: i.name.clone(),
                connection: names.connection_name(h.conn).to_string(),
                kind: i.kind.to_string(),
                detail: i.display_name.clone().or_else(|| i.email.clone()),
                email: person_email(i).map(str::to_string),
            }
        })
        .collect()
}

fn resource_choices(names: &dyn Resolver, hits: &[Resolved]) -> Vec<Choice> {
    hits.iter()
        .map(|h| {
            let r = names.resource(*h);
            Choice {
                name: r.name.clone(),
                connection: names.connection_name(h.conn).to_string(),
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
    names: &dyn Resolver,
) -> Outcome {
    Outcome {
        text: compose::clarify(text, slot, &choices),
        pending: Some(Pending {
            intent: intent.clone(),
            slot,
            choices,
            connection: conn.map(|c| names.connection_name(c).to_string()),
            asked: Some(text.to_string()),
        }),
    }
}

/// A call whose names the planner could not pin down, left to the tool to resolve: its answer,
/// or the error it gives, is the answer.
async fn raw_call<T: Tool>(
    tb: &mut Toolbox,
    args: Value,
    render: impl Fn(&[Result<T::Output, Problem>]) -> String,
) -> Outcome
where
    T::Output: Send + 'static,
{
    let result = tb.call_typed::<T>(args).await;
    Outcome::text(render(&[result]))
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
    let shared = tb.resolver();
    let names = &*shared;
    let res = resources_named(names, resource, conn);
    let subject_text = match subject {
        Subject::Name(n) => n.clone(),
        Subject::Me => identity_name(tb),
    };
    if let [one] = res.as_slice()
        && let Some(text) = not_on_container(names, *one, privilege)
    {
        return Outcome::text(text);
    }
    if res.is_empty() || people.is_empty() {
        if matches!(subject, Subject::Me) && res.is_empty() {
            let e = names.not_found(Target::Resource, resource, conn, "resource");
            return Outcome::text(compose::error(&e));
        }
        let args = json!({"identity": subject_text, "privilege": privilege, "resource": resource, "connection": conn_name(names, conn)});
        return raw_call::<CheckAccess>(tb, args, |r| compose::checks(r, false)).await;
    }
    // Only people who exist where the table does can be meant.
    let res_conns: BTreeSet<u32> = res.iter().map(|h| h.conn).collect();
    let everywhere: Vec<Resolved> = people.iter().flatten().copied().collect();
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
        let choices = identity_choices(names, &all);
        match named_exactly(names, &people, &subject_text) {
            Some(i) => {
                also = Some(choices);
                vec![people[i].clone()]
            }
            None => return ask_back(intent, Slot::Subject, &subject_text, choices, conn, names),
        }
    } else {
        people
    };
    let Some(person) = people.into_iter().next() else {
        // The person exists, but not where the table is: the tool says so precisely.
        let only = (res_conns.len() == 1).then(|| names.connection_name(res[0].conn).to_string());
        let args = json!({"identity": subject_text, "privilege": privilege, "resource": resource, "connection": only.clone()});
        let mut out = raw_call::<CheckAccess>(tb, args, |r| compose::checks(r, false)).await;
        if let Some(c) = only {
            out.text =
                compose::no_identity_there(&subject_text, &c, &elsewhere(names, &everywhere));
        }
        return out;
    };
    let mut calls = Vec::new();
    for c in &res_conns {
        let ids: Vec<Resolved> = person.iter().filter(|h| h.conn == *c).copied().collect();
        let rs: Vec<Resolved> = res.iter().filter(|h| h.conn == *c).copied().collect();
        if ids.is_empty() {
            continue;
        }
        if rs.len() > 1 {
            let choices = resource_choices(names, &res);
            return ask_back(intent, Slot::Resource, resource, choices, conn, names);
        }
        if ids.len() > 1 {
            let choices = identity_choices(names, &ids);
            return ask_back(intent, Slot::Subject, &subject_text, choices, conn, names);
        }
        calls.push(json!({
            "identity": names.identity(ids[0]).name,
            "privilege": privilege,
            "resource": names.resource(rs[0]).name,
            "connection": names.connection_name(*c),
        }));
    }
    let mut results = Vec::new();
    for args in calls {
        results.push(tb.call_typed::<CheckAccess>(args).await);
    }
    let text = compose::checks(&results, assumed);
    match also {
        Some(choices) => answer_and_ask(intent, text, &subject_text, choices, conn, names),
        None => Outcome::text(text),
    }
}

/// Among several people a word may mean, the one whose identity is named exactly that: in chat,
/// "alice" is the user `alice`, though Alice Chen (`achen`) is an Alice too.
fn named_exactly(names: &dyn Resolver, people: &[Vec<Resolved>], text: &str) -> Option<usize> {
    let named: Vec<usize> = people
        .iter()
        .enumerate()
        .filter(|(_, g)| {
            g.iter()
                .any(|h| names.identity(*h).name.eq_ignore_ascii_case(text))
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
    names: &dyn Resolver,
) -> Outcome {
    // The one answered for is listed first: "2" (or "the second") is then the other one.
    let mut choices = choices;
    choices.sort_by_key(|c| !c.name.eq_ignore_ascii_case(said));
    let question = ask_back(intent, Slot::Subject, said, choices, conn, names);
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
    let shared = tb.resolver();
    let names = &*shared;
    let res = resources_named(names, resource, conn);
    if res.is_empty() {
        let args = json!({"resource": resource, "privilege": privilege, "connection": conn_name(names, conn)});
        return raw_call::<WhoHasAccess>(tb, args, compose::who_has).await;
    }
    if let ([one], Some(p)) = (res.as_slice(), privilege)
        && let Some(text) = not_on_container(names, *one, p)
    {
        return Outcome::text(text);
    }
    let by_conn = group(&res);
    // "who can see subscriptions", with a subscriptions table on two platforms and no person or
    // platform to narrow it: which one is asked back, as for two in one place.
    if by_conn.values().any(|v| v.len() > 1) || by_conn.len() > 1 && conn.is_none() {
        let choices = resource_choices(names, &res);
        return ask_back(intent, Slot::Resource, resource, choices, conn, names);
    }
    // "Who owns X": OWNERSHIP is Snowflake's privilege; elsewhere the owner is a holder whose
    // path says "owner of", found among everyone who holds anything on it.
    let owners = privilege == Some("OWNERSHIP");
    let calls: Vec<Value> = res
        .iter()
        .map(|h| {
            let mut args = json!({"resource": names.resource(*h).name, "connection": names.connection_name(h.conn)});
            let snowflake =
                platform_of(names, h.conn) == Some(crate::model::Platform::Snowflake);
            if let Some(p) = privilege.filter(|_| !owners || snowflake) {
                args["privilege"] = json!(p);
            }
            args
        })
        .collect();
    let mut results = Vec::new();
    for args in calls {
        results.push(tb.call_typed::<WhoHasAccess>(args).await);
    }
    if owners {
        return Outcome::text(compose::owners(&results));
    }
    Outcome::text(compose::who_has(&results))
}

/// The resources `typed` names, as the tools resolve it, without guesses that drop a segment
/// ([`untrimmed`]).
fn resources_named(names: &dyn Resolver, typed: &str, conn: Option<u32>) -> Vec<Resolved> {
    let hits = names
        .candidates(Target::Resource, typed, conn, "resource")
        .unwrap_or_default();
    untrimmed(names, typed, hits)
}

/// Typo-tolerant guesses must spell the name typed, segment by segment from the end, give or
/// take a typo in each: `crm.leds` is `prod.crm.leads`, but `crm.leads.leads` is not (a segment
/// would be dropped), and the tool then says it names nothing, with the guess as a suggestion.
fn untrimmed(names: &dyn Resolver, typed: &str, hits: Vec<Resolved>) -> Vec<Resolved> {
    let typed = typed.rsplit(':').next().unwrap_or(typed).to_lowercase();
    let want: Vec<&str> = typed.split('.').filter(|p| !p.is_empty()).collect();
    if want.len() < 2 {
        return hits;
    }
    hits.into_iter()
        .filter(|h| {
            let name = names.resource(*h).name.to_lowercase();
            let have: Vec<&str> = name.split('.').collect();
            have.len() >= want.len()
                && want
                    .iter()
                    .rev()
                    .zip(have.iter().rev())
                    .all(|(w, h)| edits(w, h) <= (w.chars().count() / 4).max(1))
        })
        .collect()
}

/// Levenshtein distance, by characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn group(hits: &[Resolved]) -> BTreeMap<u32, Vec<Resolved>> {
    let mut m: BTreeMap<u32, Vec<Resolved>> = BTreeMap::new();
    for h in hits {
        m.entry(h.conn).or_default().push(*h);
    }
    m
}

/// One call of `tool` per identity of the person (list_access, get_identity).
/// `render` words the answers; `render_raw` the tool's own answer when the planner could not pin
/// the person down.
async fn per_identity<T: Tool>(
    tb: &mut Toolbox,
    intent: &Intent,
    subject: &Subject,
    conn: Option<u32>,
    render: impl Fn(&[Result<T::Output, Problem>]) -> String,
    render_raw: impl Fn(&[Result<T::Output, Problem>]) -> String,
) -> Outcome
where
    T::Output: Send + 'static,
{
    let people = match people(tb, subject, conn) {
        Ok(p) => p,
        Err(text) => return Outcome::text(text),
    };
    let shared = tb.resolver();
    let names = &*shared;
    let text = match subject {
        Subject::Name(n) => n.clone(),
        Subject::Me => identity_name(tb),
    };
    let mut also = None;
    let people = match named_exactly(names, &people, &text) {
        Some(i) if people.len() > 1 => {
            let firsts: Vec<Resolved> = people.iter().map(|g| g[0]).collect();
            also = Some(identity_choices(names, &firsts));
            vec![people[i].clone()]
        }
        _ => people,
    };
    match people.len() {
        0 => {
            let args = json!({"identity": text, "connection": conn_name(names, conn)});
            raw_call::<T>(tb, args, render_raw).await
        }
        1 => {
            let person = &people[0];
            if group(person).values().any(|v| v.len() > 1) {
                let choices = identity_choices(names, person);
                return ask_back(intent, Slot::Subject, &text, choices, conn, names);
            }
            let calls: Vec<Value> = person
                .iter()
                .map(|h| {
                    json!({"identity": names.identity(*h).name, "connection": names.connection_name(h.conn)})
                })
                .collect();
            let mut results = Vec::new();
            for args in calls {
                results.push(tb.call_typed::<T>(args).await);
            }
            match also {
                Some(choices) => {
                    answer_and_ask(intent, render(&results), &text, choices, conn, names)
                }
                None => Outcome::text(render(&results)),
            }
        }
        _ => {
            let firsts: Vec<Resolved> = people.iter().map(|g| g[0]).collect();
            let choices = identity_choices(names, &firsts);
            ask_back(intent, Slot::Subject, &text, choices, conn, names)
        }
    }
}

async fn members(tb: &mut Toolbox, intent: &Intent, role: &str, conn: Option<u32>) -> Outcome {
    let shared = tb.resolver();
    let names = &*shared;
    let hits = names
        .candidates(Target::Identity, role, conn, "identity")
        .unwrap_or_default();
    if hits.is_empty() {
        let args = json!({"identity": role, "connection": conn_name(names, conn)});
        return raw_call::<GetIdentity>(tb, args, |r| compose::identity(r, true)).await;
    }
    let mut hits = hits;
    if conn.is_none() {
        hits.extend(same_group_elsewhere(names, role, &hits));
    }
    // Two in one place, or one on each of two platforms ("the analysts group" on Redshift and on
    // BigQuery) with no platform named: which one.
    let by_conn = group(&hits);
    if by_conn.values().any(|v| v.len() > 1) || by_conn.len() > 1 && conn.is_none() {
        let choices = identity_choices(names, &hits);
        return ask_back(intent, Slot::Subject, role, choices, conn, names);
    }
    let calls: Vec<Value> = hits
        .iter()
        .map(|h| {
            json!({"identity": names.identity(*h).name, "connection": names.connection_name(h.conn)})
        })
        .collect();
    let mut results = Vec::new();
    for args in calls {
        results.push(tb.call_typed::<GetIdentity>(args).await);
    }
    Outcome::text(compose::members(&results))
}

/// The most superusers one answer asks `get_identity` about.
const MAX_SUPERUSERS: usize = 20;

/// Every identity marked superuser, each confirmed by `get_identity`.
async fn superusers(tb: &mut Toolbox, conn: Option<u32>) -> Outcome {
    let shared = tb.resolver();
    let names = &*shared;
    let hits = names.superusers(conn);
    let mut results = Vec::new();
    for h in hits.iter().take(MAX_SUPERUSERS) {
        let args = json!({"identity": names.identity(*h).name, "connection": names.connection_name(h.conn)});
        results.push(tb.call_typed::<GetIdentity>(args).await);
    }
    let place = conn.map(|c| names.connection_name(c).to_string());
    Outcome::text(compose::superusers(&results, hits.len(), place.as_deref()))
}

/// Groups and roles on other connections than `hits` that `typed` names as well as it names
/// them: by the group's email before the `@` (BigQuery's `analysts@acme.test` for "analysts") or
/// by its display name. The tools' own lookup lets an exact name win over those; a person asking
/// "who is in the analysts group?" may mean either.
fn same_group_elsewhere(names: &dyn Resolver, typed: &str, hits: &[Resolved]) -> Vec<Resolved> {
    use crate::model::IdentityKind::*;
    let have: BTreeSet<u32> = hits.iter().map(|h| h.conn).collect();
    let mut out: Vec<Resolved> = Vec::new();
    for h in names.fuzzy(Target::Identity, typed, None, false, 10) {
        let i = names.identity(h);
        let local = i.name.split('@').next().unwrap_or(&i.name);
        if !have.contains(&h.conn)
            && !out.contains(&h)
            && matches!(i.kind, Role | Group | DatabaseRole)
            && (local.eq_ignore_ascii_case(typed)
                || i.display_name
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case(typed)))
        {
            out.push(h);
        }
    }
    out
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
    let shared = tb.resolver();
    let names = &*shared;
    let linked = names.linked_identities(&person.name, person.email.as_deref());
    // A request is the asker's own: one for someone else is theirs to make.
    if let Some(name) = other {
        let them = names
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
    let mut resource_names = Vec::new();
    // Access can only be granted to an identity: a request on a platform where the asker has
    // none could never be approved, so it is explained, not drafted.
    let unreachable = |one: Resolved| {
        (!mine.contains(&one.conn)).then(|| {
            let mut text = compose::no_identity_there(
                "You",
                names.connection_name(one.conn),
                &elsewhere(names, &linked),
            );
            text.push_str(
                " A request there could never be granted, so I have not drafted one; an admin can link an identity of yours there first.",
            );
            Outcome::text(text)
        })
    };
    let mut opened = Vec::new();
    for text in resources {
        match pin(names, Target::Resource, text, conn, &mine) {
            Ok(one) => {
                if let Some(why) = unreachable(one) {
                    return why;
                }
                match inside_for(names, one, privileges) {
                    Some(inside) => {
                        opened.push(names.resource(one).name.clone());
                        resource_names.extend(
                            inside
                                .into_iter()
                                .map(|h| qualified(names, Target::Resource, h)),
                        );
                    }
                    None => resource_names.push(qualified(names, Target::Resource, one)),
                }
            }
            Err(Pinned::Error(e)) => return Outcome::text(compose::error(&e)),
            Err(Pinned::Several(hits)) => {
                let choices = resource_choices(names, &hits);
                return ask_back(intent, Slot::Resource, text, choices, conn, names);
            }
        }
    }
    let mut role_names = Vec::new();
    for text in roles {
        match pin(names, Target::Identity, text, conn, &mine) {
            Ok(one) => {
                if let Some(why) = unreachable(one) {
                    return why;
                }
                role_names.push(qualified(names, Target::Identity, one))
            }
            Err(Pinned::Error(e)) => return Outcome::text(compose::error(&e)),
            Err(Pinned::Several(hits)) => {
                let choices = identity_choices(names, &hits);
                return ask_back(intent, Slot::Subject, text, choices, conn, names);
            }
        }
    }
    let mut args = json!({
        "resources": resource_names,
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
    let result = tb.call_context_typed::<CreateAccessRequest>(args).await;
    let drafted = match result {
        Ok(v) => compose::request_drafted(&v),
        Err(e) => compose::error(&e),
    };
    Outcome::text(if opened.is_empty() {
        drafted
    } else {
        format!("{}\n\n{drafted}", compose::opened(&opened, privileges))
    })
}

/// The platform of connection `conn`.
fn platform_of(names: &dyn Resolver, conn: u32) -> Option<crate::model::Platform> {
    names.connections().get(conn as usize).map(|(_, p)| *p)
}

/// Every privilege in `privileges` is one `platform` knows on `kind`.
fn applies(
    platform: crate::model::Platform,
    privileges: &[String],
    kind: crate::model::ResourceKind,
) -> bool {
    use crate::model::{Privilege, vocabulary};
    privileges.iter().all(|p| {
        Privilege::parse(p)
            .is_ok_and(|p| vocabulary::check(&p, platform, Some(kind), "", "").is_ok())
    })
}

/// The most tables an answer names as examples of what is inside a database or schema.
const EXAMPLES: usize = 5;

/// "who has SELECT on prod": a table privilege asked of a database or schema, which cannot hold
/// it. Says so, with what it does take, and offers tables inside it to ask about instead.
fn not_on_container(names: &dyn Resolver, h: Resolved, privilege: &str) -> Option<String> {
    use crate::model::ResourceKind::{Database, Schema};
    let r = names.resource(h);
    let wanted = [privilege.to_string()];
    let platform = platform_of(names, h.conn)?;
    if !matches!(r.kind, Database | Schema) || applies(platform, &wanted, r.kind) {
        return None;
    }
    let takes = crate::model::vocabulary::words(platform, r.kind).join(", ");
    // Tables a level or two down: a database holds schemas, a schema tables.
    let mut tables = Vec::new();
    let mut level = vec![h];
    while tables.len() < EXAMPLES && !level.is_empty() {
        let mut next = Vec::new();
        for c in names.contents(&level) {
            let kind = names.resource(c).kind;
            if matches!(kind, Database | Schema) {
                next.push(c);
            } else if applies(platform, &wanted, kind) {
                tables.push(names.resource(c).name.clone());
            }
        }
        level = next;
    }
    tables.truncate(EXAMPLES);
    let mut text = format!(
        "{} is {} on {}: {privilege} is granted on the tables in it, not on the {} itself, which takes {takes}.",
        r.name,
        crate::model::words::a(r.kind.as_str()),
        names.connection_name(h.conn),
        r.kind
    );
    if !tables.is_empty() {
        text.push_str(&format!(
            " Ask about one of its tables ({}), or who has {} on {}.",
            tables.join(", "),
            crate::model::vocabulary::words(platform, r.kind)
                .first()
                .unwrap_or(&"USAGE"),
            r.name
        ));
    }
    Some(text)
}

/// The most tables one schema is opened into for a request.
const MAX_INSIDE: usize = 50;

/// "read access on the prod.finance schema": where the privileges asked for do not apply to a
/// schema (on PostgreSQL, Redshift and Snowflake a schema takes USAGE, not SELECT), the tables
/// and views inside it that they apply to, which is what reading a schema means. `None`: ask
/// for the resource as named (the privileges apply to it, or nothing inside it takes them).
fn inside_for(names: &dyn Resolver, h: Resolved, privileges: &[String]) -> Option<Vec<Resolved>> {
    let platform = platform_of(names, h.conn)?;
    let applies = |kind| applies(platform, privileges, kind);
    let r = names.resource(h);
    if privileges.is_empty() || applies(r.kind) || r.kind != crate::model::ResourceKind::Schema {
        return None;
    }
    let inside: Vec<Resolved> = names
        .contents(&[h])
        .into_iter()
        .filter(|c| applies(names.resource(*c).kind))
        .take(MAX_INSIDE)
        .collect();
    (!inside.is_empty()).then_some(inside)
}

/// Why a name could not be pinned to one thing.
enum Pinned {
    Error(Problem),
    Several(Vec<Resolved>),
}

/// The one thing `text` names, preferring the connections in `mine` when it names several.
fn pin(
    names: &dyn Resolver,
    target: Target,
    text: &str,
    conn: Option<u32>,
    mine: &BTreeSet<u32>,
) -> Result<Resolved, Pinned> {
    let path = match target {
        Target::Resource => "resources",
        Target::Identity => "roles",
    };
    let hits = names
        .candidates(target, text, conn, path)
        .map_err(Pinned::Error)?;
    // A guess never drops a segment typed (`crm.leads.leads` is not `prod.crm.leads`).
    let hits = match target {
        Target::Resource => untrimmed(names, text, hits),
        Target::Identity => hits,
    };
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
        [] => Err(Pinned::Error(names.not_found(target, text, conn, path))),
        _ => Err(Pinned::Several(hits)),
    }
}

/// `connection:name`: a name that means exactly one thing, whatever else is named beside it.
fn qualified(names: &dyn Resolver, target: Target, h: Resolved) -> String {
    let name = match target {
        Target::Resource => &names.resource(h).name,
        Target::Identity => &names.identity(h).name,
    };
    format!("{}:{name}", names.connection_name(h.conn))
}

/// The requests asked about, through `list_access_requests` (which shows each person only what
/// they may see): by status, and the asker's own ("my"), someone's, or all they may see.
async fn requests_listed(
    tb: &mut Toolbox,
    status: Option<&str>,
    requester: Option<&Subject>,
) -> Outcome {
    const SHOWN: usize = 20;
    let mut args = json!({"limit": SHOWN});
    if let Some(s) = status {
        args["status"] = json!(s);
    }
    let owner = match requester {
        Some(Subject::Me) => match &tb.who().person {
            Some(p) => {
                args["requester"] = json!(p.name);
                Some("you".to_string())
            }
            None => return Outcome::text(compose::request_needs_person()),
        },
        Some(Subject::Name(name)) => {
            args["requester"] = json!(name);
            Some(name.clone())
        }
        None => None,
    };
    match tb.call_context_typed::<ListAccessRequests>(args).await {
        Ok(r) => Outcome::text(super::requests_said::list(
            &r.requests,
            owner.as_deref(),
            status,
            r.next_cursor.is_some(),
        )),
        Err(e) => Outcome::text(compose::error(&e)),
    }
}

/// One request's state through `get_access_request`.
async fn request_status(tb: &mut Toolbox, id: &str) -> Outcome {
    match tb
        .call_context_typed::<GetAccessRequest>(json!({"id": id}))
        .await
    {
        Ok(r) => Outcome::text(super::requests_said::one(&r)),
        Err(e) => Outcome::text(compose::error(&e)),
    }
}

/// The roles most narrowly considered first that would give the asker `privilege` on `resource`:
/// who holds it (`who_has_access`), its roles and groups, each sized by `list_access` (its total),
/// and whether the asker has it already (`check_access`).
async fn how_to_get(
    tb: &mut Toolbox,
    intent: &Intent,
    privilege: &str,
    resource: &str,
    conn: Option<u32>,
) -> Outcome {
    const WAYS: usize = 5;
    let people = match people(tb, &Subject::Me, conn) {
        Ok(p) => p,
        Err(text) => return Outcome::text(text),
    };
    let shared = tb.resolver();
    let names = &*shared;
    let mine: BTreeSet<u32> = people.iter().flatten().map(|h| h.conn).collect();
    let res = match pin(names, Target::Resource, resource, conn, &mine) {
        Ok(r) => r,
        Err(Pinned::Error(e)) => return Outcome::text(compose::error(&e)),
        Err(Pinned::Several(hits)) => {
            let choices = resource_choices(names, &hits);
            return ask_back(intent, Slot::Resource, resource, choices, conn, names);
        }
    };
    let connection = names.connection_name(res.conn).to_string();
    let full = names.resource(res).name.clone();
    let me = people
        .iter()
        .flatten()
        .find(|h| h.conn == res.conn)
        .copied();
    let Some(me) = me else {
        let all: Vec<Resolved> = people.iter().flatten().copied().collect();
        return Outcome::text(compose::no_identity_there(
            "You",
            &connection,
            &elsewhere(names, &all),
        ));
    };
    let my_name = names.identity(me).name.clone();
    let check = json!({"identity": my_name, "privilege": privilege, "resource": full, "connection": connection});
    let already = match tb.call_typed::<CheckAccess>(check).await {
        Ok(a) if a.allowed => a.paths.first().map(|p| p.text.clone()),
        Ok(_) => None,
        Err(e) => return Outcome::text(compose::error(&e)),
    };
    let who =
        json!({"resource": full, "privilege": privilege, "connection": connection, "limit": 1000});
    let holders = match tb.call_typed::<WhoHasAccess>(who).await {
        Ok(h) => h,
        Err(e) => return Outcome::text(compose::error(&e)),
    };
    let mut ways = Vec::new();
    for g in holders
        .grantees
        .iter()
        .filter(|g| g.kind != "user" && g.kind != "public" && g.kind != "service_account")
        .take(WAYS * 2)
    {
        let size = json!({"identity": g.identity, "connection": connection, "limit": 0});
        if let Ok(l) = tb.call_typed::<ListAccess>(size).await {
            if l.superuser {
                continue;
            }
            ways.push(super::how_said::Way {
                role: g.identity.clone(),
                kind: g.kind.clone(),
                holds: l.total,
            });
        }
    }
    ways.sort_by(|a, b| a.holds.cmp(&b.holds).then_with(|| a.role.cmp(&b.role)));
    ways.truncate(WAYS);
    Outcome::text(super::how_said::roles_that_give(
        privilege,
        &full,
        &connection,
        &ways,
        already.as_deref(),
    ))
}

/// What a change to a request asks for; `None` and empty leave a field as it is.
struct Change<'a> {
    duration: Option<&'a str>,
    privileges: &'a [String],
    reason: Option<&'a str>,
}

/// The asker's own request changed or withdrawn, through the tools (which hold the rules: only
/// its requester, only while open and unapproved).
async fn change_request(
    tb: &mut Toolbox,
    id: Option<&str>,
    change: Change<'_>,
    withdraw: bool,
) -> Outcome {
    let Some(id) = id else {
        return Outcome::text(
            "Which request? Say its id (req_…); \"show my requests\" lists them.".to_string(),
        );
    };
    if withdraw {
        return match tb
            .call_context_typed::<WithdrawAccessRequest>(json!({"id": id}))
            .await
        {
            Ok(r) => Outcome::text(format!(
                "Withdrawn: {} is now {} and will not be reviewed. Its history is kept.",
                r.id,
                r.status()
            )),
            Err(e) => Outcome::text(compose::error(&e)),
        };
    }
    let mut args = json!({"id": id});
    if let Some(d) = change.duration {
        args["duration"] = json!(d);
    }
    if !change.privileges.is_empty() {
        args["privileges"] = json!(change.privileges);
    }
    if let Some(r) = change.reason {
        args["reason"] = json!(r);
    }
    match tb.call_context_typed::<ChangeAccessRequest>(args).await {
        Ok(r) => Outcome::text(format!(
            "Changed {}: it now asks for {}, {} once granted; it is still {} and waits for a reviewer.",
            r.id,
            compose::asked_for(&r),
            r.duration
                .map_or("until revoked".to_string(), |d| format!("for {d}")),
            r.status()
        )),
        Err(e) => Outcome::text(compose::error(&e)),
    }
}

#[cfg(test)]
mod container_tests {
    use super::{not_on_container, resources_named};

    #[test]
    fn a_table_privilege_asked_of_a_database_offers_its_tables() {
        let access = crate::access::Access::build(crate::demo::connections().unwrap()).unwrap();
        let one = |typed: &str| resources_named(&access, typed, None)[0];
        let text = not_on_container(&access, one("prod"), "SELECT").unwrap();
        assert!(text.contains("CONNECT"), "{text}");
        assert!(text.contains("prod.crm.leads"), "{text}");
        // Snowflake: tables two levels down, never a schema given as a table.
        let text = not_on_container(&access, one("ANALYTICS"), "SELECT").unwrap();
        assert!(text.contains("ANALYTICS.CORE.REVENUE"), "{text}");
        assert!(!text.contains("(ANALYTICS.CORE,"), "{text}");
        // What the container does take, and a table, are answered as asked.
        assert!(not_on_container(&access, one("prod.crm"), "USAGE").is_none());
        assert!(not_on_container(&access, one("prod.crm.leads"), "SELECT").is_none());
    }
}

#[cfg(test)]
mod untrimmed_tests {
    use super::{edits, untrimmed};
    use crate::index::Target;

    #[test]
    fn a_guess_keeps_every_segment_typed_give_or_take_a_typo() {
        assert_eq!(edits("leds", "leads"), 1);
        assert_eq!(edits("", "abc"), 3);
        let access = crate::access::Access::build(crate::demo::connections().unwrap()).unwrap();
        let guess = |typed: &str| {
            let hits = crate::chat::resolver::Resolver::candidates(
                &access,
                Target::Resource,
                typed,
                None,
                "resource",
            )
            .unwrap_or_default();
            untrimmed(&access, typed, hits)
                .into_iter()
                .map(|h| {
                    crate::chat::resolver::Resolver::resource(&access, h)
                        .name
                        .clone()
                })
                .collect::<Vec<_>>()
        };
        assert!(guess("crm.leds").contains(&"prod.crm.leads".to_string()));
        assert!(guess("crm.leads.leads").is_empty());
        assert!(guess("warehouse:crm.leads.leads").is_empty());
    }
}
