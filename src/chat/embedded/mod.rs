//! The embedded engine: offline, deterministic, no model. A question is split into words
//! ([`words`]), taken apart ([`parse`]), understood as one intent once its names are looked up
//! ([`understand`]), answered through the tools ([`plan`]) and put into words ([`compose`]) from
//! the tools' typed results. Names are looked up through [`super::Resolver`] only; every fact in
//! an answer comes from a tool call in the trace.
//! Between turns it remembers a question it asked back and the last intent, so "the second one"
//! or "what about bob?" continue the conversation.

mod choice;
mod compose;
mod how_said;
mod lexicon;
mod normalize;
mod parse;
mod plan;
mod requests_said;
mod understand;
mod words;

pub use normalize::normalize;

use super::Toolbox;
use crate::chat::resolver::Resolver;
use choice::{Choice, Slot};
use plan::Pending;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use understand::{Intent, Subject};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Memory {
    #[serde(default)]
    pending: Option<Pending>,
    #[serde(default)]
    last: Option<Intent>,
    #[serde(default)]
    last_connection: Option<String>,
    /// The request this conversation drafted last: "that request", "what's its status".
    #[serde(default)]
    last_request: Option<String>,
}

/// A message read: taken apart, its names looked up, understood on its own. The part of a turn
/// whose cost grows with the message (the rest answers one intent).
struct Read {
    parsed: parse::Parsed,
    infos: Vec<understand::SpanInfo>,
    understood: Intent,
}

/// Reads a normalised message; `last` is the last question, for "he", "she" and "it".
fn read(names: &dyn Resolver, message: &str, last: Option<&Intent>) -> Read {
    let parsed = parse::parse(names, message);
    let infos = understand::spans(names, &parsed);
    let understood = understand::understand(&parsed, &infos, last);
    Read {
        parsed,
        infos,
        understood,
    }
}

/// Messages up to this many bytes are read on the calling worker: tens of microseconds, less
/// than handing them to another thread costs.
const INLINE_BYTES: usize = 512;

/// Reads `message` on the blocking pool when it is long: a long message is up to milliseconds of
/// work that must not hold an async worker (and so every other request on it).
async fn read_off_workers(names: Arc<dyn Resolver>, message: &str, last: Option<Intent>) -> Read {
    if message.len() <= INLINE_BYTES {
        return read(&*names, message, last.as_ref());
    }
    let text = message.to_owned();
    match tokio::task::spawn_blocking(move || read(&*names, &text, last.as_ref())).await {
        Ok(r) => r,
        // Only a panic ends the task early; read nothing rather than fail the turn.
        Err(_) => Read {
            parsed: parse::Parsed::default(),
            infos: Vec::new(),
            understood: Intent::Unknown,
        },
    }
}

/// Answers `message`; `memory` is this engine's part of the conversation. The message is
/// normalised here, once ([`normalize`]): every step after reads that string only.
pub async fn answer(tb: &mut Toolbox, memory: &mut Value, message: &str) -> String {
    let message = normalize(message);
    let message = message.as_str();
    let mut mem: Memory = serde_json::from_value(memory.clone()).unwrap_or_default();
    let Read {
        parsed,
        infos,
        understood,
    } = read_off_workers(tb.resolver(), message, mem.last.clone()).await;
    let names = tb.resolver();
    let conn_index = |name: &Option<String>| name.as_ref().and_then(|n| names.connection_index(n));
    let mut chosen = None;
    // A platform word in the reply ("the redshift one") names the connection it implies.
    let said_conn = parsed
        .connection
        .map(|c| names.connection_name(c).to_lowercase());
    if let Some(pending) = mem.pending.take()
        && let Some(choice) = other_choice(&pending, message)
            .or_else(|| pick(&pending.choices, message, &parsed, said_conn.as_deref()))
    {
        // A person stays one person on every connection; a table is where it was found. A
        // request may name things on several connections: the choice carries its own.
        let (name, conn) = match (&pending.intent, pending.slot) {
            (Intent::Request { .. }, _) => (
                format!("{}:{}", choice.connection, choice.name),
                conn_index(&pending.connection),
            ),
            (_, Slot::Subject) => (
                choice.email.clone().unwrap_or(choice.name.clone()),
                conn_index(&pending.connection),
            ),
            (_, Slot::Resource) => (
                choice.name.clone(),
                conn_index(&Some(choice.connection.clone())),
            ),
        };
        let intent = fill(
            &pending.intent,
            pending.slot,
            &name,
            pending.asked.as_deref(),
        );
        chosen = Some((intent, conn));
    }
    let (intent, conn) = match chosen {
        Some(c) => c,
        None => {
            // "what about bob?" reads as a question of its own, but continues the last one.
            let intent = if continues(message) && mem.last.is_some() {
                Intent::Unknown
            } else {
                understood.clone()
            };
            match (&intent, &mem.last) {
                // "snowflake", "the redshift one", "and on the warehouse?": only a platform or a
                // connection named, after a question: the same question, there.
                (Intent::Unknown, Some(last))
                    if parsed.connection.is_some() && infos.iter().all(|i| !i.found) =>
                {
                    (last.clone(), parsed.connection)
                }
                (Intent::Unknown, Some(last)) => match follow_up(last, &parsed, &infos) {
                    // A follow-up keeps the connection of the question it follows.
                    Some(next) => (
                        next,
                        parsed
                            .connection
                            .or_else(|| conn_index(&mem.last_connection)),
                    ),
                    None => (understood, parsed.connection),
                },
                _ => (intent, parsed.connection),
            }
        }
    };
    // "what can he access there": the last question's connection; and a role or group asked
    // about last ("what can that group read") is on the connection it was found on.
    let last_was_group = matches!(mem.last, Some(Intent::Members { .. }));
    let conn = conn.or_else(|| {
        (parsed.word("there") || parsed.pronoun && last_was_group)
            .then(|| conn_index(&mem.last_connection))
            .flatten()
    });
    // "that request": the one drafted here last; with none, the asker's own.
    let intent = match intent {
        Intent::ChangeRequest {
            id: None,
            duration,
            privileges,
            reason,
            withdraw,
        } => Intent::ChangeRequest {
            id: mem.last_request.clone(),
            duration,
            privileges,
            reason,
            withdraw,
        },
        Intent::RequestStatus { id: None } => match &mem.last_request {
            Some(id) => Intent::RequestStatus {
                id: Some(id.clone()),
            },
            None => Intent::Requests {
                status: None,
                requester: Some(Subject::Me),
            },
        },
        other => other,
    };
    let outcome = plan::run(tb, &intent, conn).await;
    if let Some(id) = tb
        .calls()
        .iter()
        .rev()
        .find(|c| c.tool == "create_access_request")
        .and_then(|c| c.result["id"].as_str())
    {
        mem.last_request = Some(id.to_string());
    }
    if intent != Intent::Unknown {
        mem.last = Some(intent);
        mem.last_connection = conn.map(|c| names.connection_name(c).to_string());
    }
    mem.pending = outcome.pending;
    *memory = serde_json::to_value(&mem).unwrap_or(Value::Null);
    outcome.text
}

/// Words that open a follow-up rather than a new question.
fn continues(message: &str) -> bool {
    let m = message.trim_start().to_lowercase();
    [
        "what about ",
        "how about ",
        "and ",
        "and?",
        "same for ",
        "same question for ",
        "what of ",
        "i mean ",
        "i meant ",
        "sorry, i mean",
        "now ",
        "also ",
        "ok and ",
        "and what about ",
    ]
    .iter()
    .any(|p| m.starts_with(p))
        // "does olivia?", "can tom?": the last question's verb, for another name.
        || {
            let words: Vec<&str> = m.split_whitespace().collect();
            m.ends_with('?')
                && words.len() <= 3
                && matches!(
                    words.first(),
                    Some(&("does" | "do" | "can" | "could" | "is" | "has" | "will"))
                )
        }
        // "wendy too?", "and on redshift as well": the last question, for another name.
        || {
            let m = m.trim_end_matches(['?', '!', '.', ' ']);
            [" too", " as well", " also", " aswell"]
                .iter()
                .any(|s| m.ends_with(s))
                && m.split_whitespace().count() <= 5
        }
}

/// "no, the other one", "the other alice": of two choices, the one not answered for (the one
/// whose name is not what was asked).
fn other_choice(pending: &Pending, message: &str) -> Option<Choice> {
    let m = message.to_lowercase();
    if !m
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "other")
    {
        return None;
    }
    let asked = pending.asked.as_deref()?;
    match pending.choices.as_slice() {
        [a, b] if a.name.eq_ignore_ascii_case(asked) != b.name.eq_ignore_ascii_case(asked) => Some(
            if a.name.eq_ignore_ascii_case(asked) {
                b
            } else {
                a
            }
            .clone(),
        ),
        _ => None,
    }
}

/// The choice a reply to a question back names: a number, a name, a display name or a connection.
fn pick(
    choices: &[Choice],
    message: &str,
    parsed: &parse::Parsed,
    said_conn: Option<&str>,
) -> Option<Choice> {
    let m = message
        .trim()
        .trim_end_matches(['.', '!', '?'])
        .to_lowercase();
    let ordinals = ["first", "second", "third", "fourth", "fifth"];
    let number = m
        .split_whitespace()
        .find_map(|w| {
            w.trim_start_matches('#')
                .parse::<usize>()
                .ok()
                .or_else(|| ordinals.iter().position(|o| *o == w).map(|i| i + 1))
        })
        .filter(|n| *n >= 1 && *n <= choices.len());
    if let Some(n) = number
        && m.split_whitespace().count() <= 4
    {
        return Some(choices[n - 1].clone());
    }
    let words: Vec<&str> = m
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    let unique = |f: &dyn Fn(&Choice) -> bool| {
        let found: Vec<&Choice> = choices.iter().filter(|c| f(c)).collect();
        (found.len() == 1).then(|| found[0].clone())
    };
    let name_match = |c: &Choice| {
        let name = c.name.to_lowercase();
        words.contains(&name.as_str())
            || m.contains(&format!("{}:{name}", c.connection.to_lowercase()))
            || name.contains('.') && m.contains(&name)
            // "stripe.customers" for RAW.STRIPE.CUSTOMERS: the name's last parts; "the
            // analytics.core one": its first parts.
            || words.iter().any(|w| {
                w.contains('.')
                    && (name.ends_with(&format!(".{w}")) || name.starts_with(&format!("{w}.")))
            })
    };
    // "the one in stripe": a part of a dotted name.
    let part_match = |c: &Choice| {
        let name = c.name.to_lowercase();
        name.split('.').any(|part| words.contains(&part))
    };
    let detail_match = |c: &Choice| {
        c.detail
            .as_deref()
            .is_some_and(|d| m.contains(&d.to_lowercase()))
    };
    let conn_match = |c: &Choice| {
        let conn = c.connection.to_lowercase();
        words.contains(&conn.as_str())
            || parsed.connection.is_some_and(|_| m.contains(&conn))
            || said_conn == Some(conn.as_str())
    };
    // "I mean Alice Chen" names a display name and, in passing, another person's name.
    unique(&detail_match)
        .or_else(|| unique(&name_match))
        .or_else(|| unique(&conn_match))
        .or_else(|| unique(&part_match))
}

/// The intent with the slot a question back was about filled in; in a request, the name `asked`
/// about (a resource or a role) is the one replaced.
fn fill(intent: &Intent, slot: Slot, name: &str, asked: Option<&str>) -> Intent {
    let mut i = intent.clone();
    let name = name.to_string();
    match (&mut i, slot) {
        (Intent::Request { resources, .. }, Slot::Resource)
        | (
            Intent::Request {
                roles: resources, ..
            },
            Slot::Subject,
        ) => {
            if let Some(r) = resources.iter_mut().find(|r| Some(r.as_str()) == asked) {
                *r = name;
            }
        }
        (Intent::Check { subject, .. }, Slot::Subject)
        | (Intent::List { subject, .. }, Slot::Subject)
        | (Intent::Roles { subject }, Slot::Subject) => *subject = Subject::Name(name),
        (Intent::Members { role }, Slot::Subject) => *role = name,
        (Intent::Check { resource, .. }, Slot::Resource)
        | (Intent::WhoHas { resource, .. }, Slot::Resource) => *resource = name,
        _ => {}
    }
    i
}

/// "what about bob?", "and INSERT?", "I mean Alice Chen": the last question with one part changed.
fn follow_up(last: &Intent, p: &parse::Parsed, infos: &[understand::SpanInfo]) -> Option<Intent> {
    let mut next = last.clone();
    // "who can read the ledger?" then "does olivia?": the same privilege, checked for her.
    if let (
        [one],
        Intent::WhoHas {
            resource,
            privilege,
        },
    ) = (infos, last)
        && one.identity
        && !one.resource
    {
        let privilege = p.privileges.first().or(privilege.as_ref());
        return Some(Intent::Check {
            subject: Subject::Name(one.text.clone()),
            privilege: privilege.cloned().unwrap_or_else(|| "SELECT".into()),
            resource: resource.clone(),
            assumed: privilege.is_none(),
        });
    }
    match infos {
        [one] => {
            let slot = if one.identity && !one.resource {
                Slot::Subject
            } else if one.resource && !one.identity {
                Slot::Resource
            } else {
                match last {
                    Intent::WhoHas { .. } => Slot::Resource,
                    _ => Slot::Subject,
                }
            };
            let filled = fill(last, slot, &one.text, None);
            if filled == *last && !matches!(last, Intent::Check { .. }) {
                return None;
            }
            next = filled;
        }
        [] => {}
        // "what about sam and dan?": several people, each asked the last check.
        many if many.iter().all(|i| i.identity && !i.resource) => {
            let (Intent::Check {
                privilege,
                resource,
                assumed,
                ..
            }
            | Intent::CheckEach {
                privilege,
                resource,
                assumed,
                ..
            }) = last
            else {
                return None;
            };
            return Some(Intent::CheckEach {
                subjects: many.iter().map(|i| Subject::Name(i.text.clone())).collect(),
                privilege: p.privileges.first().unwrap_or(privilege).clone(),
                resource: resource.clone(),
                assumed: *assumed && p.privileges.is_empty(),
            });
        }
        _ => return None,
    }
    if let Some(p2) = p.privileges.first() {
        match &mut next {
            Intent::Check {
                privilege, assumed, ..
            } => {
                *privilege = p2.clone();
                *assumed = false;
            }
            Intent::WhoHas { privilege, .. } | Intent::List { privilege, .. } => {
                *privilege = Some(p2.clone())
            }
            _ => {}
        }
    }
    (next != *last || !infos.is_empty()).then_some(next)
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod other_tests {
    use super::{Choice, Intent, Pending, Slot, other_choice};

    fn choice(name: &str) -> Choice {
        Choice {
            name: name.into(),
            connection: "snowflake".into(),
            kind: "user".into(),
            detail: None,
            email: None,
        }
    }

    #[test]
    fn a_reply_may_name_a_choice_by_its_last_parts() {
        let choices = vec![
            choice("ANALYTICS.CORE.CUSTOMERS"),
            choice("RAW.STRIPE.CUSTOMERS"),
        ];
        let parsed = super::parse::Parsed::default();
        let picked = |m: &str| super::pick(&choices, m, &parsed, None).map(|c| c.name);
        assert_eq!(
            picked("stripe.customers pls").as_deref(),
            Some("RAW.STRIPE.CUSTOMERS")
        );
        assert_eq!(
            picked("the core.customers one").as_deref(),
            Some("ANALYTICS.CORE.CUSTOMERS")
        );
        assert_eq!(
            picked("analytics.core i think").as_deref(),
            Some("ANALYTICS.CORE.CUSTOMERS")
        );
        // Both end in "customers": not a choice.
        assert_eq!(picked("customers"), None);
    }

    #[test]
    fn a_name_and_too_continues_the_last_question() {
        assert!(super::continues("and heidi too?"));
        assert!(super::continues("and on redshift as well"));
        assert!(super::continues("can grace?"));
        assert!(!super::continues("can grace select from crm.leads?"));
        assert!(!super::continues(
            "who can read crm.leads too, and who owns the orders table?"
        ));
    }

    #[test]
    fn the_other_one_is_the_choice_not_answered_for() {
        let pending = Pending {
            intent: Intent::Unknown,
            slot: Slot::Subject,
            choices: vec![choice("ACHEN"), choice("ALICE")],
            connection: None,
            asked: Some("alice".into()),
        };
        assert_eq!(
            other_choice(&pending, "no, the OTHER one").unwrap().name,
            "ACHEN"
        );
        assert!(other_choice(&pending, "another question").is_none());
        let three = Pending {
            choices: vec![choice("A"), choice("B"), choice("ALICE")],
            ..pending
        };
        assert!(
            other_choice(&three, "the other one").is_none(),
            "which other, of two?"
        );
    }
}
