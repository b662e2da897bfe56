//! What is being asked: the names in the question are looked up (exact names decide what a word
//! is: a person, a role or a table), then the cues and the sentence shape pick one [`Intent`]
//! through a table of named rules ([`rules`]).

use super::parse::{MAX_SPANS, Parsed, Span};
use super::words::Target;
use crate::chat::resolver::Resolver;
use serde::{Deserialize, Serialize};
use std::cell::Cell;

mod asked;
mod how;
mod request;
mod rules;
mod shape;

pub use rules::{WRITE, understand};

/// Who a question is about: a name as typed, or the person asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Me,
    Name(String),
}

/// One understood question. Names are kept as typed; the planner resolves them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    Check {
        subject: Subject,
        privilege: String,
        resource: String,
        /// No verb was given: "access" was read as SELECT.
        assumed: bool,
    },
    WhoHas {
        resource: String,
        privilege: Option<String>,
    },
    List {
        subject: Subject,
        privilege: Option<String>,
    },
    Roles {
        subject: Subject,
    },
    Members {
        role: String,
    },
    SearchPeople {
        query: String,
    },
    SearchResources {
        query: String,
    },
    /// Access for the person asking: privileges on resources and/or membership in roles.
    Request {
        resources: Vec<String>,
        privileges: Vec<String>,
        #[serde(default)]
        roles: Vec<String>,
        duration: Option<String>,
        reason: Option<String>,
        /// A person named as the one it is for ("… for tom"): chat drafts only for the asker.
        #[serde(default)]
        other: Option<String>,
    },
    /// The same check for several people named together ("do judy, kevin and frank have read
    /// on the ledger?"): each is answered.
    CheckEach {
        subjects: Vec<Subject>,
        privilege: String,
        resource: String,
        assumed: bool,
    },
    /// How the asker could come to hold `privilege` on `resource`: the roles that give it.
    HowToGet {
        privilege: String,
        resource: String,
    },
    /// Requests themselves, listed: by status, by whose (the asker's, someone's, everyone's
    /// the asker may see).
    Requests {
        status: Option<String>,
        requester: Option<Subject>,
    },
    /// The asker's own open request changed (its duration) or withdrawn: by id, or (`None`) the
    /// one this conversation drafted last.
    ChangeRequest {
        id: Option<String>,
        /// How long instead; `""` for until revoked.
        duration: Option<String>,
        /// The privileges it should ask for instead (empty: as they are).
        #[serde(default)]
        privileges: Vec<String>,
        /// Why, said again (`None`: as it is).
        #[serde(default)]
        reason: Option<String>,
        withdraw: bool,
    },
    /// Every identity marked superuser ("list all superusers", "who are the superusers on
    /// redshift").
    Superusers,
    /// One request's state: by id, or (`None`) the one this conversation drafted last.
    RequestStatus {
        id: Option<String>,
    },
    Unknown,
}

impl Intent {
    /// Who the question was about, for "he" and "she" in the next one.
    pub fn subject(&self) -> Option<Subject> {
        match self {
            Intent::Check { subject, .. }
            | Intent::List { subject, .. }
            | Intent::Roles { subject } => Some(subject.clone()),
            Intent::Members { role } => Some(Subject::Name(role.clone())),
            _ => None,
        }
    }

    /// What the question was about, for "it" in the next one.
    pub fn resource(&self) -> Option<String> {
        match self {
            Intent::Check { resource, .. } | Intent::WhoHas { resource, .. } => {
                Some(resource.clone())
            }
            _ => None,
        }
    }
}

/// What a span can be, from exact lookups and the words around it.
#[derive(Debug, Clone)]
pub struct SpanInfo {
    pub span: Span,
    pub identity: bool,
    pub resource: bool,
    /// The text that matched exactly (the span, or the span with its kind word: "Finance team").
    pub text: String,
    /// It names something, exactly or by typo-tolerant search.
    pub found: bool,
    /// It names something exactly (not only by the words around it).
    pub exact: bool,
    /// What it names exactly are roles or groups (one can be made a member of them).
    pub role: bool,
}

impl SpanInfo {
    fn maybe_identity(&self) -> bool {
        self.identity || !self.resource
    }
    fn maybe_resource(&self) -> bool {
        self.resource || !self.identity
    }
}

/// The most words one name is tried as ("Kevin O'Brien", "sales orders", "Finance Data team").
pub const MAX_NAME_WORDS: usize = 6;

/// The most typo-tolerant lookups one message gets (up to two a span: as an identity, then as a
/// resource). A question names a few things; a paste of hundreds of names costs no more.
pub const MAX_FUZZY_LOOKUPS: usize = 16;

/// Looks each span up, and lets the words around it decide what exact lookups cannot. At most
/// [`MAX_SPANS`] come out, whatever the message, so the lookups are bounded.
pub fn spans(lookup: &dyn Resolver, p: &Parsed) -> Vec<SpanInfo> {
    let conn = p.connection;
    let exact = |t, text: &str| !lookup.exact(t, text, conn).is_empty();
    let names = |text: &str| exact(Target::Identity, text) || exact(Target::Resource, text);
    let fuzzy = Cell::new(MAX_FUZZY_LOOKUPS);
    let mut out = Vec::new();
    for s in &p.spans {
        if out.len() >= MAX_SPANS {
            break;
        }
        let words: Vec<&str> = s.text.split_whitespace().collect();
        if words.len() < 2 {
            out.push(info(lookup, s, conn, &fuzzy));
            continue;
        }
        // Exact lookups first: typo-tolerant search only for the span that is kept.
        let whole = info(lookup, s, conn, &Cell::new(0));
        if whole.exact {
            out.push(whole);
            continue;
        }
        let parts = split_names(&words, names);
        if parts.len() < 2 {
            out.push(info(lookup, s, conn, &fuzzy));
            continue;
        }
        let last = parts.len() - 1;
        for (n, (start, len, _)) in parts.into_iter().enumerate() {
            if out.len() >= MAX_SPANS {
                break;
            }
            let part = Span {
                text: words[start..start + len].join(" "),
                at: s.at + start,
                kind: if n == last { s.kind } else { None },
                kind_word: if n == last { s.kind_word.clone() } else { None },
                after_preposition: n == 0 && s.after_preposition,
                possessive: n == last && s.possessive,
                email_like: words[start..start + len].iter().any(|w| w.contains('@')),
            };
            out.push(info(lookup, &part, conn, &fuzzy));
        }
    }
    out
}

/// "quinn crm.accounts", "judy gl_entries", "looker service": names typed side by side are split
/// where each part names something; the parts that name nothing stay together. Returns (first
/// word, words, names something). The longest name tried from each word is [`MAX_NAME_WORDS`]
/// long, and each is tried as typed, joined by `_` and joined by `.` ("people salaries"), so
/// `names` is asked at most `3 * MAX_NAME_WORDS` times a word: linear in the words, where trying
/// every length from every word was cubic (a paste of 1,000 short unknown words).
fn split_names(words: &[&str], names: impl Fn(&str) -> bool) -> Vec<(usize, usize, bool)> {
    let mut parts: Vec<(usize, usize, bool)> = Vec::new();
    let mut i = 0;
    // Parts past MAX_SPANS are not read: no need to find them.
    while i < words.len() && parts.len() <= MAX_SPANS {
        let longest = (words.len() - i).min(MAX_NAME_WORDS);
        let found = (1..=longest).rev().find(|&len| {
            names(&words[i..i + len].join(" "))
                || len > 1 && names(&words[i..i + len].join("_"))
                || len > 1 && names(&words[i..i + len].join("."))
        });
        match found {
            Some(len) => {
                parts.push((i, len, true));
                i += len;
            }
            None => {
                match parts.last_mut() {
                    Some((_, len, false)) => *len += 1,
                    _ => parts.push((i, 1, false)),
                }
                i += 1;
            }
        }
    }
    parts
}

/// What one span names, exactly or by typo-tolerant search, and what the words around it say.
/// `fuzzy`: how many more spans of this message may be looked up by typo-tolerant search (the
/// costly lookup); past it, a span names something only exactly.
fn info(lookup: &dyn Resolver, s: &Span, conn: Option<u32>, fuzzy: &Cell<usize>) -> SpanInfo {
    let exact = |t, text: &str| !lookup.exact(t, text, conn).is_empty();
    let fuzzy = |t, text: &str| {
        if fuzzy.get() == 0 {
            return false;
        }
        fuzzy.set(fuzzy.get() - 1);
        !lookup
            .candidates(t, text, conn, "")
            .unwrap_or_default()
            .is_empty()
    };
    // "the Finance team", "Data team": the kind word may be part of a display name.
    if let Some(w) = &s.kind_word {
        // As typed ("Finance team", a display name), or joined as names are ("sales_team",
        // "data-team").
        let whole = [
            format!("{} {w}", s.text),
            format!("{}_{w}", s.text.replace(' ', "_")),
            format!("{}-{w}", s.text.replace(' ', "-")),
        ]
        .into_iter()
        .find(|name| exact(Target::Identity, name));
        if let Some(whole) = whole {
            return SpanInfo {
                span: s.clone(),
                identity: true,
                resource: false,
                role: names_roles(lookup, &whole, conn),
                text: whole,
                found: true,
                exact: true,
            };
        }
    }
    let mut id = exact(Target::Identity, &s.text);
    let mut res = exact(Target::Resource, &s.text);
    let mut text = s.text.clone();
    // "sales orders" for sales.orders, "ad spend" for ad_spend.
    for joined in [s.text.replace(' ', "."), s.text.replace(' ', "_")] {
        if !id && !res && joined != s.text && exact(Target::Resource, &joined) {
            res = true;
            text = joined;
        }
    }
    // A person named with a platform where they have no identity ("what can tom do in
    // snowflake?") is still a person: the planner says where they do have one.
    if !id && !res && conn.is_some() && !lookup.exact(Target::Identity, &text, None).is_empty() {
        id = true;
    }
    let exact_match = id || res;
    let found = exact_match || fuzzy(Target::Identity, &text) || fuzzy(Target::Resource, &text);
    match s.kind {
        Some(Target::Identity) if id || !res => (id, res) = (true, false),
        Some(Target::Resource) if res || !id => (id, res) = (false, true),
        _ if s.email_like && !s.text.contains(' ') => (id, res) = (true, false),
        _ => {}
    }
    SpanInfo {
        span: s.clone(),
        identity: id,
        resource: res,
        role: id && names_roles(lookup, &text, conn),
        text,
        found,
        exact: exact_match,
    }
}

/// Everything `text` names exactly as an identity is a role or group.
fn names_roles(lookup: &dyn Resolver, text: &str, conn: Option<u32>) -> bool {
    let hits = lookup.exact(Target::Identity, text, conn);
    !hits.is_empty()
        && hits.iter().all(|h| {
            use crate::model::IdentityKind::*;
            matches!(lookup.identity(*h).kind, Role | Group | DatabaseRole)
        })
}

#[cfg(test)]
mod tests {
    use super::{MAX_NAME_WORDS, split_names};
    use std::cell::Cell;

    #[test]
    fn splitting_asks_a_bounded_number_of_lookups_a_word() {
        let words: Vec<String> = (0..2_000).map(|i| format!("w{i}")).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let asked = Cell::new(0usize);
        let parts = split_names(&words, |_| {
            asked.set(asked.get() + 1);
            false
        });
        assert_eq!(parts, [(0, 2_000, false)]);
        assert!(
            asked.get() <= 3 * MAX_NAME_WORDS * words.len(),
            "{} lookups for {} words",
            asked.get(),
            words.len()
        );
    }

    #[test]
    fn names_side_by_side_are_split() {
        let words = ["quinn", "crm", "accounts", "zz"];
        let parts = split_names(&words, |t| matches!(t, "quinn" | "crm_accounts"));
        assert_eq!(parts, [(0, 1, true), (1, 2, true), (3, 1, false)]);
    }
}
