//! What is being asked: the names in the question are looked up (exact names decide what a word
//! is: a person, a role or a table), then the cues and the sentence shape pick one [`Intent`].

use super::parse::{Parsed, Span};
use super::words::{Class, Cue, Target};
use crate::access::Access;
use serde::{Deserialize, Serialize};

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
    Request {
        resources: Vec<String>,
        privileges: Vec<String>,
        duration: Option<String>,
        reason: Option<String>,
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
}

impl SpanInfo {
    fn maybe_identity(&self) -> bool {
        self.identity || !self.resource
    }
    fn maybe_resource(&self) -> bool {
        self.resource || !self.identity
    }
}

/// Looks each span up, and lets the words around it decide what exact lookups cannot.
pub fn spans(access: &Access, p: &Parsed) -> Vec<SpanInfo> {
    let conn = p.connection;
    p.spans
        .iter()
        .map(|s| {
            let exact = |t, text: &str| !access.exact(t, text, conn).unwrap_or_default().is_empty();
            let fuzzy = |t, text: &str| {
                !access
                    .candidates(t, text, conn, "")
                    .unwrap_or_default()
                    .is_empty()
            };
            let dotted = s.text.replace(' ', ".");
            // "the Finance team", "Data team": the kind word may be part of a display name.
            if let Some(w) = &s.kind_word {
                let whole = format!("{} {w}", s.text);
                if exact(Target::Identity, &whole) {
                    return SpanInfo {
                        span: s.clone(),
                        identity: true,
                        resource: false,
                        text: whole,
                        found: true,
                    };
                }
            }
            let mut id = exact(Target::Identity, &s.text);
            let mut res = exact(Target::Resource, &s.text);
            let mut text = s.text.clone();
            if !id && !res && dotted != s.text && exact(Target::Resource, &dotted) {
                res = true;
                text = dotted;
            }
            // "looker service", "maya hav": the longest part that names something is the name.
            if !id && !res {
                let words: Vec<&str> = s.text.split_whitespace().collect();
                'outer: for len in (1..words.len()).rev() {
                    for start in 0..=words.len() - len {
                        let part = words[start..start + len].join(" ");
                        let (i2, r2) = (
                            exact(Target::Identity, &part),
                            exact(Target::Resource, &part),
                        );
                        if i2 || r2 {
                            (id, res, text) = (i2, r2, part);
                            break 'outer;
                        }
                    }
                }
            }
            let found =
                id || res || fuzzy(Target::Identity, &text) || fuzzy(Target::Resource, &text);
            match s.kind {
                Some(Target::Identity) if id || !res => (id, res) = (true, false),
                Some(Target::Resource) if res || !id => (id, res) = (false, true),
                _ if s.email_like => (id, res) = (true, false),
                _ => {}
            }
            SpanInfo {
                span: s.clone(),
                identity: id,
                resource: res,
                text,
                found,
            }
        })
        .collect()
}

/// `earlier`: the last question, for "he", "she" and "it".
pub fn understand(p: &Parsed, infos: &[SpanInfo], earlier: Option<&Intent>) -> Intent {
    let privilege = p.privileges.first().cloned();
    // Words that name nothing, in a question without a word about access, are not our business
    // ("what's the capital of Australia").
    let about_access = !p.privileges.is_empty()
        || p.generic_access
        || p.has(Cue::Roles)
        || p.has(Cue::Members)
        || p.tokens.iter().any(|t| matches!(t.class, Class::Kind(_)));
    if !infos.is_empty() && !infos.iter().any(|i| i.found) && !about_access {
        return Intent::Unknown;
    }
    if is_request(p) {
        let named: Vec<&SpanInfo> = infos
            .iter()
            .filter(|i| i.maybe_resource() && !i.span.email_like)
            .collect();
        // Words after the resource ("for the comp review") are not more resources.
        let resources: Vec<String> = if named.iter().any(|i| i.resource) {
            named
                .iter()
                .filter(|i| i.resource)
                .map(|i| i.text.clone())
                .collect()
        } else {
            named.iter().map(|i| i.text.clone()).collect()
        };
        return Intent::Request {
            resources,
            privileges: if p.privileges.is_empty() {
                vec!["SELECT".into()]
            } else {
                p.privileges.clone()
            },
            duration: p.duration.map(|d| d.to_string()),
            reason: p.reason.clone(),
        };
    }
    if let Some(i) = search(p, infos) {
        return i;
    }
    let subject_info = subject(p, infos);
    // "does anyone have …" asks who; "can someone tell me if maya can read …" does not.
    let who_q = p.starts_with(Cue::Who)
        || starts_with_which_people(p)
        || p.has(Cue::Who) && subject_info.is_none() && !p.me;
    let what_q = p.starts_with(Cue::What) || p.has(Cue::List);
    let object_info = object(infos, subject_info);
    let subject_of = |i: Option<&SpanInfo>| -> Option<Subject> {
        match i {
            Some(i) => Some(Subject::Name(i.text.clone())),
            None if p.me => Some(Subject::Me),
            None if p.pronoun => earlier.and_then(Intent::subject),
            None => None,
        }
    };
    // "who is Maya Patel", "anyone named Lena": looking a person up.
    if (who_q || p.has(Cue::Who))
        && (p.word("named") || p.word("called"))
        && let Some(i) = infos.first()
    {
        return Intent::SearchPeople {
            query: i.text.clone(),
        };
    }
    // Membership: "who is in analyst", "members of the finance team".
    if (p.has(Cue::Members) || who_q && p.word("in") || who_q && p.has(Cue::Roles))
        && !(p.starts_with(Cue::What) && !starts_with_which_people(p) && !p.word("members"))
        && let Some(role) = infos
            .iter()
            .find(|i| i.identity || i.span.kind == Some(Target::Identity))
            .or_else(|| {
                if who_q {
                    infos.iter().find(|i| i.maybe_identity())
                } else {
                    None
                }
            })
        && (object_info.is_none() || !object_info.is_some_and(|o| o.resource && !o.identity))
    {
        return Intent::Members {
            role: role.text.clone(),
        };
    }
    // The roles someone has: "what roles does maya have", "which groups is tom in".
    if (p.has(Cue::Roles) || p.has(Cue::Members))
        && object_info.is_none()
        && let Some(subject) = subject_of(subject_info)
    {
        return Intent::Roles { subject };
    }
    if who_q && let Some(res) = infos.iter().find(|i| i.maybe_resource()) {
        // "who is maya" looks a person up; it does not ask about access.
        if res.identity && !res.resource && p.privileges.is_empty() && !p.generic_access {
            return Intent::SearchPeople {
                query: res.text.clone(),
            };
        }
        return Intent::WhoHas {
            resource: res.text.clone(),
            privilege,
        };
    }
    // "can she update it?": "it" is the last question's resource.
    let object_text = object_info.map(|o| o.text.clone()).or_else(|| {
        p.word("it")
            .then(|| earlier.and_then(Intent::resource))
            .flatten()
    });
    if let (Some(subject), Some(resource)) = (subject_of(subject_info), object_text) {
        return Intent::Check {
            subject,
            assumed: privilege.is_none(),
            privilege: privilege.unwrap_or_else(|| "SELECT".into()),
            resource,
        };
    }
    if let Some(subject) = subject_of(subject_info)
        && (what_q
            || p.generic_access
            || !p.privileges.is_empty()
            || subject_info.is_some_and(|s| s.span.possessive))
    {
        return Intent::List { subject, privilege };
    }
    if let Some(only) = infos.first()
        && infos.len() == 1
    {
        if only.identity && !only.resource {
            return Intent::SearchPeople {
                query: only.text.clone(),
            };
        }
        if only.resource && (p.generic_access || !p.privileges.is_empty() || what_q) {
            return Intent::WhoHas {
                resource: only.text.clone(),
                privilege,
            };
        }
    }
    Intent::Unknown
}

/// "which users/roles/people ..." asks who, like "who".
/// Not "which roles does victor have": there the roles are what is asked about victor.
fn starts_with_which_people(p: &Parsed) -> bool {
    let content: Vec<_> = p
        .tokens
        .iter()
        .filter(|t| t.class != Class::Function)
        .take(3)
        .collect();
    match content.as_slice() {
        [a, b, rest @ ..] if a.class == Class::Cue(Cue::What) => {
            b.class == Class::Kind(Target::Identity)
                || b.class == Class::Cue(Cue::Roles)
                    && !rest
                        .first()
                        .is_some_and(|c| c.class == Class::Cue(Cue::Yes))
        }
        _ => false,
    }
}

/// Someone asking for access for themself: "I need", "can I get", "give me", "request".
fn is_request(p: &Parsed) -> bool {
    let first = p.first_word();
    if matches!(
        first,
        "give" | "request" | "requesting" | "grant" | "need" | "needs" | "want"
    ) {
        return true;
    }
    if !p.me {
        return false;
    }
    let words: Vec<&str> = p.tokens.iter().map(|t| t.lower.as_str()).collect();
    let need = p.tokens.iter().any(|t| {
        t.class == Class::Cue(Cue::Need) && !matches!(t.lower.as_str(), "get" | "like" | "give")
    });
    let phrase = |a: &[&str]| words.windows(a.len()).any(|w| w == a);
    need || phrase(&["would", "like"])
        || phrase(&["can", "i", "get"])
        || phrase(&["could", "i", "get"])
        || phrase(&["can", "i", "have"])
        || phrase(&["could", "i", "have"])
        || phrase(&["may", "i", "have"])
        || phrase(&["give", "me"])
        || phrase(&["get", "me"])
        || phrase(&["i", "get"])
}

fn search(p: &Parsed, infos: &[SpanInfo]) -> Option<Intent> {
    let words: Vec<&str> = p.tokens.iter().map(|t| t.lower.as_str()).collect();
    let phrase = |a: &[&str]| words.windows(a.len()).any(|w| w == a);
    // "what tables do we have for stripe", "which datasets hold revenue": unless someone is named.
    let content: Vec<&Class> = p
        .tokens
        .iter()
        .map(|t| &t.class)
        .filter(|c| **c != Class::Function)
        .take(2)
        .collect();
    let which_tables = matches!(
        content.as_slice(),
        [Class::Cue(Cue::What), Class::Kind(Target::Resource)]
    ) && !p.me
        && !infos.iter().any(|i| i.identity && !i.resource);
    let finding = p.starts_with(Cue::Find)
        || p.has(Cue::Find) && !p.has(Cue::Who)
        || phrase(&["is", "there"])
        || phrase(&["are", "there"])
        || words.first() == Some(&"any")
        || which_tables;
    if !finding {
        return None;
    }
    let people = p
        .tokens
        .iter()
        .any(|t| t.class == Class::Kind(Target::Identity))
        || p.has(Cue::Who)
        || p.has(Cue::Roles);
    let resources = p
        .tokens
        .iter()
        .any(|t| t.class == Class::Kind(Target::Resource));
    let query: Vec<String> = infos.iter().map(|i| i.span.text.clone()).collect();
    let query = query.join(" ");
    if query.is_empty() {
        return None;
    }
    let about_identity = infos.iter().all(|i| i.identity && !i.resource);
    Some(if !resources && (people || about_identity) {
        Intent::SearchPeople { query }
    } else {
        Intent::SearchResources { query }
    })
}

/// The span a question is about as an identity: a possessive, an email, the first name-like span
/// not introduced by a preposition.
fn subject<'a>(p: &Parsed, infos: &'a [SpanInfo]) -> Option<&'a SpanInfo> {
    if let Some(i) = infos
        .iter()
        .find(|i| i.span.possessive || i.span.email_like)
    {
        return Some(i);
    }
    let candidates: Vec<&SpanInfo> = infos.iter().filter(|i| i.maybe_identity()).collect();
    // With "I" in the question and a single name, that name is the thing, not the subject.
    if p.me && infos.len() == 1 {
        return None;
    }
    candidates
        .iter()
        .find(|i| !i.span.after_preposition || i.identity && !i.resource)
        .copied()
        .filter(|i| infos.len() > 1 || i.identity && !i.resource)
}

/// The resource a question is about: another span that can be one.
fn object<'a>(infos: &'a [SpanInfo], subject: Option<&SpanInfo>) -> Option<&'a SpanInfo> {
    let others: Vec<&SpanInfo> = infos
        .iter()
        .filter(|i| subject.is_none_or(|s| s.span.at != i.span.at))
        .filter(|i| i.maybe_resource())
        .collect();
    others
        .iter()
        .find(|i| i.resource)
        .or_else(|| others.iter().find(|i| i.span.after_preposition))
        .or(others.last())
        .copied()
}
