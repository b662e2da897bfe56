//! What is being asked: the names in the question are looked up (exact names decide what a word
//! is: a person, a role or a table), then the cues and the sentence shape pick one [`Intent`].

use super::parse::{MAX_SPANS, Parsed, Span};
use super::words::{Class, Cue, Target};
use crate::access::Access;
use serde::{Deserialize, Serialize};
use std::cell::Cell;

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
pub fn spans(access: &Access, p: &Parsed) -> Vec<SpanInfo> {
    let conn = p.connection;
    let exact = |t, text: &str| !access.exact(t, text, conn).unwrap_or_default().is_empty();
    let names = |text: &str| exact(Target::Identity, text) || exact(Target::Resource, text);
    let fuzzy = Cell::new(MAX_FUZZY_LOOKUPS);
    let mut out = Vec::new();
    for s in &p.spans {
        if out.len() >= MAX_SPANS {
            break;
        }
        let words: Vec<&str> = s.text.split_whitespace().collect();
        if words.len() < 2 {
            out.push(info(access, s, conn, &fuzzy));
            continue;
        }
        // Exact lookups first: typo-tolerant search only for the span that is kept.
        let whole = info(access, s, conn, &Cell::new(0));
        if whole.exact {
            out.push(whole);
            continue;
        }
        let parts = split_names(&words, names);
        if parts.len() < 2 {
            out.push(info(access, s, conn, &fuzzy));
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
            out.push(info(access, &part, conn, &fuzzy));
        }
    }
    out
}

/// "quinn crm.accounts", "judy gl_entries", "looker service": names typed side by side are split
/// where each part names something; the parts that name nothing stay together. Returns (first
/// word, words, names something). The longest name tried from each word is [`MAX_NAME_WORDS`]
/// long, so `names` is asked at most `2 * MAX_NAME_WORDS` times a word: linear in the words,
/// where trying every length from every word was cubic (a paste of 1,000 short unknown words).
fn split_names(words: &[&str], names: impl Fn(&str) -> bool) -> Vec<(usize, usize, bool)> {
    let mut parts: Vec<(usize, usize, bool)> = Vec::new();
    let mut i = 0;
    // Parts past MAX_SPANS are not read: no need to find them.
    while i < words.len() && parts.len() <= MAX_SPANS {
        let longest = (words.len() - i).min(MAX_NAME_WORDS);
        let found = (1..=longest).rev().find(|&len| {
            names(&words[i..i + len].join(" ")) || len > 1 && names(&words[i..i + len].join("_"))
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
fn info(access: &Access, s: &Span, conn: Option<u32>, fuzzy: &Cell<usize>) -> SpanInfo {
    let exact = |t, text: &str| !access.exact(t, text, conn).unwrap_or_default().is_empty();
    let fuzzy = |t, text: &str| {
        if fuzzy.get() == 0 {
            return false;
        }
        fuzzy.set(fuzzy.get() - 1);
        !access
            .candidates(t, text, conn, "")
            .unwrap_or_default()
            .is_empty()
    };
    // "the Finance team", "Data team": the kind word may be part of a display name.
    if let Some(w) = &s.kind_word {
        let whole = format!("{} {w}", s.text);
        if exact(Target::Identity, &whole) {
            return SpanInfo {
                span: s.clone(),
                identity: true,
                resource: false,
                role: names_roles(access, &whole, conn),
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
        role: id && names_roles(access, &text, conn),
        text,
        found,
        exact: exact_match,
    }
}

/// Everything `text` names exactly as an identity is a role or group.
fn names_roles(access: &Access, text: &str, conn: Option<u32>) -> bool {
    let hits = access
        .exact(Target::Identity, text, conn)
        .unwrap_or_default();
    !hits.is_empty()
        && hits.iter().all(|h| {
            use crate::model::IdentityKind::*;
            matches!(
                access.conn(h.conn).identity(h.id).kind,
                Role | Group | DatabaseRole
            )
        })
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
    if is_request(p, infos) {
        return request(p, infos);
    }
    if let Some(i) = search(p, infos) {
        return i;
    }
    let subject_info = subject(p, infos);
    // "does anyone have …" asks who; "can someone tell me if maya can read …" does not.
    let who_q = p.starts_with(Cue::Who)
        || starts_with_which_people(p)
        || p.word("who")
        || p.word("whom")
        || p.has(Cue::Who) && subject_info.is_none() && !p.me;
    let what_q = p.starts_with(Cue::What) || p.has(Cue::List);
    let object_info = object(p, infos, subject_info);
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
    let owner_named = subject_info.is_some_and(|s| s.span.possessive);
    let lower: Vec<&str> = p.tokens.iter().map(|t| t.lower.as_str()).collect();
    let phrase = |a: &[&str]| lower.windows(a.len()).any(|w| w == a);
    // "who is in analyst", "which users are in analyst_role" (not "… in the audit log, who is that?").
    let in_role = phrase(&["who", "is", "in"]) || phrase(&["are", "in"]);
    if (p.has(Cue::Members) || who_q && (in_role || p.word("granted") || p.has(Cue::Roles)))
        && !owner_named
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
    let who_target = object(p, infos, None)
        .filter(|i| i.resource)
        .or_else(|| infos.iter().find(|i| i.identity))
        .or_else(|| infos.iter().find(|i| i.maybe_resource()));
    if who_q && let Some(res) = who_target {
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

/// "which users/roles/people …" asks who, like "who", wherever it stands ("REPORTER: which
/// users are granted it?"); so do "every role and user that can …" and "people who can …".
/// Not "which roles does victor have": there the roles are what is asked about victor.
fn starts_with_which_people(p: &Parsed) -> bool {
    let content: Vec<&super::words::Token> = p
        .tokens
        .iter()
        .filter(|t| t.class != Class::Function || matches!(t.lower.as_str(), "that" | "who"))
        .collect();
    let people_word = |t: &super::words::Token| {
        matches!(
            t.class,
            Class::Kind(Target::Identity) | Class::Cue(Cue::Roles)
        )
    };
    content.windows(3).any(|w| {
        w[0].class == Class::Cue(Cue::What)
            && people_word(w[1])
            && !(w[1].class == Class::Cue(Cue::Roles)
                && matches!(
                    w[2].lower.as_str(),
                    "does" | "do" | "did" | "is" | "am" | "was" | "were" | "are"
                ))
    }) || content.windows(3).any(|w| {
        people_word(w[0])
            && matches!(w[1].lower.as_str(), "that" | "who" | "which")
            && matches!(w[2].class, Class::Cue(Cue::Yes) | Class::Privilege(_))
    }) || content.len() == 2 && content[0].class == Class::Cue(Cue::What) && people_word(content[1])
}

/// What a request asks for: the resources named (or, when none names one exactly, the words that
/// may), the roles named, the privileges its verbs say, its duration and its reason, and a person
/// named as the one it would be for.
fn request(p: &Parsed, infos: &[SpanInfo]) -> Intent {
    // "… for about 10 days to reconcile payouts with finance": after what is asked for, "to" and
    // a word that is neither a verb of access nor a name starts what it is for; names there are
    // part of the reason.
    let first = infos
        .iter()
        .filter(|i| i.resource || i.role)
        .map(|i| i.span.at)
        .min();
    let purpose_at = first.and_then(|first| {
        (first + 1..p.tokens.len().saturating_sub(1)).find(|&k| {
            let next = &p.tokens[k + 1];
            p.tokens[k].lower == "to"
                && matches!(next.class, Class::Name | Class::Function)
                && !matches!(
                    next.lower.as_str(),
                    "the"
                        | "a"
                        | "an"
                        | "this"
                        | "that"
                        | "these"
                        | "those"
                        | "my"
                        | "our"
                        | "your"
                        | "his"
                        | "her"
                        | "their"
                        | "its"
                        | "it"
                        | "them"
                )
                && !infos.iter().any(|i| i.span.at == k + 1 && i.found)
        })
    });
    let asked: Vec<&SpanInfo> = infos
        .iter()
        .filter(|i| purpose_at.is_none_or(|k| i.span.at < k))
        .collect();
    let roles: Vec<String> = asked
        .iter()
        .filter(|i| i.role && !i.resource)
        .map(|i| i.text.clone())
        .collect();
    // "for tom", "tom.w@acme.test needs …": a person, not a role, not where access is asked to.
    let other = asked
        .iter()
        .find(|i| {
            i.identity
                && !i.resource
                && !i.role
                && (i.exact || i.span.email_like)
                && !i.span.after_preposition
        })
        .map(|i| i.text.clone());
    let named: Vec<&&SpanInfo> = asked
        .iter()
        .filter(|i| i.maybe_resource() && !i.span.email_like)
        .collect();
    // Words after the resource ("for the comp review") are not more resources; with a role
    // named, words that name nothing are not resources either; and where some resource is found,
    // words beside a kind word that name nothing ("the calendar table till friday") are not.
    let found = |i: &SpanInfo| i.resource && i.found;
    let resources: Vec<String> = if named.iter().any(|i| found(i)) {
        named
            .iter()
            .filter(|i| found(i))
            .map(|i| i.text.clone())
            .collect()
    } else if named.iter().any(|i| i.resource) || !roles.is_empty() {
        named
            .iter()
            .filter(|i| i.resource)
            .map(|i| i.text.clone())
            .collect()
    } else {
        named.iter().map(|i| i.text.clone()).collect()
    };
    // Writing to a table takes adding, changing and removing rows: "write" asks for all three.
    // A word one letter off a verb ("selct") counts only when no verb is spelled out: "the lead
    // import" does not ask to read.
    let verbs: Vec<&super::words::Token> = p
        .tokens
        .iter()
        .enumerate()
        .filter(|(k, t)| {
            matches!(t.class, Class::Privilege(_)) && purpose_at.is_none_or(|at| *k < at)
        })
        .map(|(_, t)| t)
        .collect();
    let spelled = verbs.iter().any(|t| !t.corrected);
    let mut privileges: Vec<String> = Vec::new();
    for t in verbs.iter().filter(|t| !spelled || !t.corrected) {
        let Class::Privilege(pr) = &t.class else {
            continue;
        };
        let wanted: Vec<&str> = if t.lower.starts_with("writ") {
            vec!["INSERT", "UPDATE", "DELETE"]
        } else {
            vec![pr.as_str()]
        };
        for w in wanted {
            if !privileges.iter().any(|q| q == w) {
                privileges.push(w.to_string());
            }
        }
    }
    // "access" alone is read access; a request for roles only asks for no privilege.
    if privileges.is_empty() && (!resources.is_empty() || roles.is_empty()) {
        privileges.push("SELECT".into());
    }
    // "for the board deck": unless it names what is asked for ("for the payroll table").
    let purpose = purpose_at.map(|k| {
        p.tokens[k..]
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let reason = p.reason.clone().or(purpose).or_else(|| {
        super::parse::purpose(&p.text).filter(|r| {
            let r = r.to_lowercase();
            !asked
                .iter()
                .any(|i| (i.resource || i.role) && r.contains(&i.span.text.to_lowercase()))
        })
    });
    Intent::Request {
        resources,
        privileges,
        roles,
        duration: p.duration.map(|d| d.to_string()),
        reason,
        other,
    }
}

/// Someone asking for access for themself: "I need", "can I get", "give me", "request".
fn is_request(p: &Parsed, infos: &[SpanInfo]) -> bool {
    let words: Vec<&str> = p.tokens.iter().map(|t| t.lower.as_str()).collect();
    let phrase = |a: &[&str]| words.windows(a.len()).any(|w| w == a);
    // "need to know if …", "want to check whether …" ask; they do not request. "need SELECT on
    // X for a day to check the numbers" does: there the check is what the access is for.
    let finding_out = [
        "know",
        "check",
        "find",
        "understand",
        "see",
        "confirm",
        "verify",
        "figure",
        "ask",
    ];
    let asking = words.windows(2).enumerate().any(|(i, w)| {
        w[0] == "to"
            && finding_out.contains(&w[1])
            && (i.checked_sub(1).is_some_and(|j| {
                matches!(
                    words[j],
                    "need"
                        | "needs"
                        | "needed"
                        | "want"
                        | "wants"
                        | "wanted"
                        | "like"
                        | "trying"
                        | "try"
                        | "tried"
                        | "help"
                )
            }) || words[i + 2..].iter().take(3).any(|n| {
                matches!(
                    *n,
                    "if" | "whether" | "who" | "what" | "which" | "how" | "why" | "where"
                )
            }))
    });
    // "how do I request access to …", "what do I need to get …": questions about requesting.
    let question_word = matches!(
        p.first_word(),
        "how" | "what" | "why" | "where" | "when" | "who" | "whom" | "which"
    );
    if asking || question_word {
        return false;
    }
    let gets = [
        ["can", "i", "get"],
        ["could", "i", "get"],
        ["can", "i", "have"],
        ["could", "i", "have"],
        ["may", "i", "have"],
        ["can", "we", "get"],
        ["can", "you", "request"],
        ["could", "you", "request"],
        ["request", "for", "me"],
    ]
    .iter()
    .any(|a| phrase(a));
    // "can I query X, or do I need a request first?" asks whether; "can I get X" asks for.
    if p.tokens
        .first()
        .is_some_and(|t| t.class == Class::Cue(Cue::Yes))
        && !gets
    {
        return false;
    }
    // "give me read access to …" requests; "give me a rundown of …" asks to be shown.
    let access_follows = |verb: &str| {
        words.iter().position(|w| *w == verb).is_some_and(|i| {
            p.tokens[i + 1..]
                .iter()
                .filter(|t| t.class != Class::Function && t.class != Class::Me)
                .take(1)
                .any(|t| matches!(t.class, Class::Privilege(_) | Class::Access))
        })
    };
    // "get me into the analyst role": a role named with its kind word is asked for too.
    let role_named = infos
        .iter()
        .any(|i| i.role && i.span.kind == Some(Target::Identity));
    let first = p.first_word();
    if matches!(first, "give" | "get" | "grant") {
        return access_follows(first) || role_named && p.me;
    }
    if matches!(first, "request" | "requesting" | "need" | "needs" | "want") {
        return true;
    }
    if !p.tokens.iter().any(|t| t.class == Class::Me) {
        return false;
    }
    let need = p.tokens.iter().any(|t| {
        t.class == Class::Cue(Cue::Need) && !matches!(t.lower.as_str(), "get" | "like" | "give")
    });
    need || gets
        || phrase(&["would", "like"])
        || phrase(&["give", "me"]) && access_follows("give")
        || phrase(&["get", "me"]) && access_follows("get")
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
    // "find", "search", "look for", "look up" anywhere; "the country_codes lookup" is a noun.
    let find_verb = words.iter().enumerate().any(|(i, w)| {
        matches!(*w, "find" | "search" | "searching" | "locate")
            || matches!(*w, "look" | "looking" | "lookup")
                && (i == 0 || matches!(words.get(i + 1), Some(&"for" | &"up")))
    });
    // "do we have to sort something out" is not "do we have a table".
    let we_have = |a: &[&str]| {
        words
            .windows(a.len() + 1)
            .any(|w| &w[..a.len()] == a && w[a.len()] != "to")
            || words.ends_with(a)
    };
    let finding = p.starts_with(Cue::Find)
        || find_verb && !p.has(Cue::Who)
        || phrase(&["is", "there"])
        || phrase(&["are", "there"])
        || we_have(&["do", "we", "have"])
        || we_have(&["have", "we", "got"])
        || we_have(&["we", "have"])
        || words.first() == Some(&"any")
        || which_tables;
    // Someone and a table both named, with a verb, is a question about access, not a search.
    let check_shaped = infos.iter().any(|i| i.exact && i.identity && !i.resource)
        && infos.iter().any(|i| i.exact && i.resource)
        && (!p.privileges.is_empty() || p.generic_access);
    if !finding || check_shaped {
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
    let about_identity = infos.iter().all(|i| i.identity && !i.resource)
        || infos.iter().any(|i| i.exact && i.identity && !i.resource)
            && !infos.iter().any(|i| i.exact && i.resource);
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
        .find(|i| i.span.possessive && i.identity || i.span.email_like && !i.resource)
    {
        return Some(i);
    }
    let people: Vec<&SpanInfo> = infos
        .iter()
        .filter(|i| i.identity && !i.resource && i.exact)
        .collect();
    // "can I write to churn_scores? want to fix yesterday's scores": I am the subject unless
    // someone is named.
    if p.me && people.is_empty() {
        return None;
    }
    // Several people named ("support wants quinn to fix …, can he edit …"): the one named last
    // before the verb (or before "he"/"she") is the one asked about.
    if people.len() > 1 {
        let verb = p
            .verb_at
            .or_else(|| {
                p.tokens
                    .iter()
                    .position(|t| super::lexicon::PRONOUNS.contains(&t.lower.as_str()))
            })
            .unwrap_or(usize::MAX);
        let before: Vec<&&SpanInfo> = people.iter().filter(|i| i.span.at < verb).collect();
        if let Some(last) = before.last() {
            return Some(last);
        }
    }
    let candidates: Vec<&SpanInfo> = infos.iter().filter(|i| i.maybe_identity()).collect();
    // A name that is an identity beats a word that names nothing ("Grace Kim wants to load …").
    candidates
        .iter()
        .find(|i| i.identity && !i.resource && !i.span.after_preposition)
        .or_else(|| candidates.iter().find(|i| i.identity && !i.resource))
        .or_else(|| {
            candidates
                .iter()
                .find(|i| i.identity && !i.span.after_preposition)
        })
        .or_else(|| {
            candidates
                .iter()
                .find(|i| i.found && !i.span.after_preposition)
        })
        .or_else(|| candidates.iter().find(|i| !i.span.after_preposition))
        .copied()
        .filter(|i| infos.len() > 1 || i.identity && !i.resource)
}

/// The resource a question is about: another span that can be one; of several, the one the verb
/// points at ("insert into opportunities", "access to attribution"), then one after a preposition.
fn object<'a>(
    p: &Parsed,
    infos: &'a [SpanInfo],
    subject: Option<&SpanInfo>,
) -> Option<&'a SpanInfo> {
    let others: Vec<&SpanInfo> = infos
        .iter()
        .filter(|i| subject.is_none_or(|s| s.span.at != i.span.at))
        .filter(|i| i.maybe_resource())
        .collect();
    let verb = p.verb_at;
    let after_verb = |i: &&&SpanInfo| verb.is_some_and(|v| i.span.at > v);
    let resources: Vec<&&SpanInfo> = others.iter().filter(|i| i.resource).collect();
    let pick = |set: &[&&'a SpanInfo]| -> Option<&'a SpanInfo> {
        set.iter()
            .find(|i| after_verb(i) && i.span.after_preposition)
            .or_else(|| set.iter().find(|i| after_verb(i)))
            // "can't open core.revenue … does he have select on it": the last one before the verb.
            .or_else(|| {
                set.iter()
                    .filter(|i| verb.is_some_and(|v| i.span.at < v) && !i.identity)
                    .max_by_key(|i| i.span.at)
            })
            .or_else(|| set.iter().find(|i| !i.identity))
            .or_else(|| set.first())
            .map(|i| **i)
    };
    pick(&resources)
        .or_else(|| {
            others
                .iter()
                .find(|i| i.found && i.span.after_preposition)
                .copied()
        })
        .or_else(|| others.iter().find(|i| i.span.after_preposition).copied())
        .or(others.last().copied())
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
            asked.get() <= 2 * MAX_NAME_WORDS * words.len(),
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
