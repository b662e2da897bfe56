//! Questions about access requests themselves, not for access: "did my request go through?",
//! "list the requests I still have open", "what do I need to review?", "which of my requests
//! were denied?", "any open requests from maya?", "what happened to req_…?". Listing is not
//! deciding: these are answered from `list_access_requests` and `get_access_request`.

use super::super::parse::Parsed;
use super::{Intent, SpanInfo, Subject};

/// Words that name requests (or the approvals they wait for).
const NOUNS: &[&str] = &[
    "request",
    "requests",
    "req",
    "reqs",
    "ticket",
    "tickets",
    "approval",
    "approvals",
];

/// Words of a status, and the status they mean.
const STATUSES: &[(&str, &str)] = &[
    ("open", "open"),
    ("pending", "open"),
    ("outstanding", "open"),
    ("waiting", "open"),
    ("unapproved", "open"),
    ("denied", "denied"),
    ("rejected", "denied"),
    ("declined", "denied"),
    ("refused", "denied"),
    // "which did they reject": the verb of the decision names the state it leaves.
    ("reject", "denied"),
    ("deny", "denied"),
    ("decline", "denied"),
    ("refuse", "denied"),
    ("expire", "closed"),
    ("approved", "approved"),
    ("active", "active"),
    ("granted", "active"),
    ("live", "active"),
    ("closed", "closed"),
    ("expired", "closed"),
    ("revoked", "closed"),
    ("failed", "failed"),
    ("deleted", "deleted"),
    ("withdrawn", "deleted"),
    ("cancelled", "deleted"),
    ("canceled", "deleted"),
];

/// A request's id as Warden writes them: `req_` and hex digits.
fn request_id(p: &Parsed) -> Option<String> {
    p.text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| {
            w.len() > 4
                && w[..4].eq_ignore_ascii_case("req_")
                && w[4..].chars().all(|c| c.is_ascii_hexdigit())
        })
        .map(str::to_ascii_lowercase)
}

/// The reviewer's queue: "what do I need to review", "anything waiting on me", "pending
/// approvals".
fn asks_for_queue(p: &Parsed) -> bool {
    let waiting_on_me = p.word("waiting") && (p.word("me") || p.word("my"));
    p.word("review")
        || p.word("reviews")
        || p.word("approve") && p.word("need")
        || waiting_on_me
        || (p.word("approvals") || p.word("approval")) && (p.word("pending") || p.word("waiting"))
}

/// The question's intent when it is about requests, else `None`.
pub(super) fn about_requests(p: &Parsed, infos: &[SpanInfo]) -> Option<Intent> {
    if let Some(id) = request_id(p) {
        return Some(Intent::RequestStatus { id: Some(id) });
    }
    // "what has tom asked for so far", "what did maya request": their requests.
    let asked_for = p
        .tokens
        .windows(2)
        .any(|w| w[0].lower == "asked" && w[1].lower == "for")
        || p.word("requested");
    let noun = NOUNS.iter().any(|w| p.word(w)) || asked_for;
    let queue = asks_for_queue(p);
    if !noun && !queue {
        return None;
    }
    // "request read on X", "file a request for billing.plans", "a request for the reporting
    // role": asking for access, not about requests. A privilege, a table or a role named, or
    // "a request", makes it that.
    let names_a_thing = infos
        .iter()
        .any(|i| i.found && (i.resource && !i.identity || i.role));
    let a_request = p.tokens.windows(2).any(|w| {
        matches!(w[0].lower.as_str(), "a" | "an" | "new") && NOUNS.contains(&w[1].lower.as_str())
    });
    // "request it for a week", "request me access": the word is the verb of asking.
    let verb = p.tokens.windows(2).any(|w| {
        matches!(w[0].lower.as_str(), "request" | "req")
            && matches!(
                w[1].lower.as_str(),
                "it" | "that" | "this" | "them" | "me" | "access"
            )
    });
    // "do i have any open requests for churn_scores?": requests, plural, asked about; the table
    // only says which (the answer lists them all).
    let about_mine = (p.word("requests") || p.word("reqs"))
        && ["any", "my", "open", "pending"].iter().any(|w| p.word(w))
        || p.word("my") && (p.word("request") || p.word("req"));
    if !p.privileges.is_empty() || names_a_thing && !about_mine || a_request || verb {
        return None;
    }
    let status = STATUSES
        .iter()
        .find(|(w, _)| p.word(w))
        .map(|(_, s)| s.to_string());
    // "that request", "the status of it": the one just drafted, when there is one.
    let that = (p.word("that") || p.word("this") || p.word("it"))
        && (p.word("request") || p.word("status"))
        && !p.word("requests");
    if that && status.is_none() {
        return Some(Intent::RequestStatus { id: None });
    }
    let named = infos.iter().find(|i| i.found && i.identity);
    let requester = match named {
        Some(i) => Some(Subject::Name(i.text.clone())),
        // The queue is everyone's requests waiting for a decision; "my requests" are mine.
        None if queue && !(p.me && noun && !p.word("approvals")) => None,
        None if p.me => Some(Subject::Me),
        None => None,
    };
    let status = match (status, queue && requester.is_none()) {
        (None, true) => Some("open".to_string()),
        (s, _) => s,
    };
    Some(Intent::Requests { status, requester })
}

/// A change to the request just drafted: "make it two weeks instead" (its duration), "withdraw
/// it" (taken back). The planner fills in the request: the one this conversation drafted last.
pub(super) fn changes_request(p: &Parsed, infos: &[SpanInfo]) -> Option<Intent> {
    // "change the reason to “quarter close”": what it names is the reason's own words.
    if let Some(reason) = reason_given(p, infos) {
        return Some(Intent::ChangeRequest {
            id: request_id(p),
            duration: None,
            privileges: Vec::new(),
            reason: Some(reason),
            withdraw: false,
        });
    }
    // "actually make it permanent, I look at forecasts every month": "make it" says what
    // changes; a table named after it is context.
    let makes_it = p
        .tokens
        .windows(2)
        .any(|w| matches!(w[0].lower.as_str(), "make" | "change") && w[1].lower == "it");
    let names_a_thing = infos.iter().any(|i| i.found && (i.resource || i.role));
    if names_a_thing && !makes_it {
        return None;
    }
    // "who can only read …", "does maya just have select?" ask; they change nothing.
    let question = matches!(
        p.first_word(),
        "who" | "what" | "which" | "where" | "why" | "how" | "does" | "do" | "is" | "are"
    ) || infos.iter().any(|i| i.found && i.identity)
        // "can frank delete from it", "can he delete from it too" (not "can you cancel it").
        || matches!(p.first_word(), "can" | "could" | "may")
            && !p
                .tokens
                .get(1)
                .is_some_and(|t| matches!(t.lower.as_str(), "you" | "u" | "ya"));
    let about_it =
        p.word("it") || p.word("that") || p.word("this") || NOUNS.iter().any(|w| p.word(w));
    let changing = [
        "make", "change", "instead", "actually", "shorten", "lengthen",
    ]
    .iter()
    .any(|w| p.word(w));
    // How long, said again: "make it two weeks instead", "make it permanent" (until revoked).
    if let Some(d) = duration_said(p).filter(|_| changing && (about_it || p.word("instead"))) {
        return Some(Intent::ChangeRequest {
            id: request_id(p),
            duration: Some(d),
            privileges: Vec::new(),
            reason: None,
            withdraw: false,
        });
    }
    if p.tokens
        .iter()
        .enumerate()
        .any(|(k, _)| names_privilege(p, k))
        && let Some(change) = privileges_instead(p).filter(|_| !question)
    {
        return Some(change);
    }
    let withdraw = crate::chat::guard::WITHDRAW.iter().any(|w| p.word(w));
    (withdraw && about_it && !question).then(|| Intent::ChangeRequest {
        id: request_id(p),
        duration: None,
        privileges: Vec::new(),
        reason: None,
        withdraw: true,
    })
}

/// The duration a message says: a number of units, or `""` for until revoked ("permanent",
/// "no end date").
fn duration_said(p: &Parsed) -> Option<String> {
    let lower = p.text.to_lowercase();
    let open_ended = ["permanent", "permanently", "indefinitely", "forever"]
        .iter()
        .any(|w| p.word(w))
        || ["no end date", "no expiry", "no expiration", "until revoked"]
            .iter()
            .any(|s| lower.contains(s));
    match p.duration {
        Some(d) => Some(d.to_string()),
        None if open_ended => Some(String::new()),
        None => None,
    }
}

/// "oh wait, I only need update, not insert or delete", "actually just read instead": other
/// privileges for the request just drafted, naming no table (one named is a request of its own).
/// The privileges after "not", "no", "without" or "except" are the ones dropped.
fn privileges_instead(p: &Parsed) -> Option<Intent> {
    // "change the request to select and update": the whole list said again.
    let restated = ["change", "switch", "make"].iter().any(|w| p.word(w))
        && (p.word("it") || NOUNS.iter().any(|w| p.word(w)));
    let instead = restated
        || ["only", "just", "instead", "actually", "rather"]
            .iter()
            .any(|w| p.word(w));
    if !instead {
        return None;
    }
    let mut kept: Vec<String> = Vec::new();
    let mut negated = false;
    for (k, t) in p.tokens.iter().enumerate() {
        match t.lower.as_str() {
            "not" | "no" | "without" | "except" | "minus" => negated = true,
            "only" | "just" | "but" => negated = false,
            _ => {}
        }
        if !negated && names_privilege(p, k) {
            super::request::add_asked(t, &mut kept);
        }
    }
    (!kept.is_empty()).then(|| Intent::ChangeRequest {
        id: request_id(p),
        duration: p.duration.map(|d| d.to_string()),
        privileges: kept,
        reason: None,
        withdraw: false,
    })
}

/// "change the reason to “quarter close”", "update the reason: backfill", "make the reason X":
/// the new reason, as typed (quotes taken off).
fn reason_given(p: &Parsed, infos: &[SpanInfo]) -> Option<String> {
    let at = p.tokens.iter().position(|t| t.lower == "reason")?;
    let changing = p.tokens[..at].iter().any(|t| {
        matches!(
            t.lower.as_str(),
            "change" | "update" | "make" | "set" | "edit" | "new"
        )
    });
    // Not "set me up with read on X, reason: audit": a request, which gives its reason.
    let asks_for_something = infos
        .iter()
        .any(|i| i.found && (i.resource || i.role) && i.span.at < at);
    if !changing || asks_for_something {
        return None;
    }
    // ASCII lowercasing keeps byte offsets: `at` is an offset in the text as typed.
    let lower = p.text.to_ascii_lowercase();
    let at = lower.find("reason")? + "reason".len();
    let rest = p.text[at..].trim_start();
    let rest = ["to ", "to:", ":", "is ", "as ", "= "]
        .iter()
        .find_map(|m| {
            rest.get(..m.len())
                .filter(|h| h.eq_ignore_ascii_case(m))
                .map(|_| &rest[m.len()..])
        })
        .unwrap_or(rest);
    let quotes = |c: char| matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’' | '`');
    let reason = rest
        .trim()
        .trim_end_matches(['.', '!', '?'])
        .trim_matches(quotes)
        .trim();
    (!reason.is_empty()).then(|| reason.to_string())
}

/// The token at `k` names a privilege, and is not the verb of a change to the request itself
/// ("change it to two weeks", "update that one").
fn names_privilege(p: &Parsed, k: usize) -> bool {
    let t = &p.tokens[k];
    let acts_on_request = matches!(
        t.lower.as_str(),
        "change"
            | "changing"
            | "update"
            | "modify"
            | "edit"
            | "alter"
            | "switch"
            | "delete"
            | "remove"
            | "drop"
    );
    matches!(t.class, super::super::words::Class::Privilege(_))
        && !(acts_on_request
            && p.tokens.get(k + 1).is_some_and(|n| {
                matches!(
                    n.lower.as_str(),
                    "it" | "that" | "this" | "my" | "the" | "mine"
                )
            }))
}
