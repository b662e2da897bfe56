//! From tokens to the parts of a question: the names in it (with what the words around them say
//! they are), the privilege, the cues, a connection, and for requests a duration and a reason.

use super::lexicon::PRONOUNS;
use super::words::{Class, Cue, Target, Token, tokenize};
use crate::chat::resolver::Resolver;
use crate::model::{Duration, Platform};

/// A run of name words, with the hints around it.
#[derive(Debug, Clone)]
pub struct Span {
    pub text: String,
    /// Index of its first token.
    pub at: usize,
    /// A kind word beside it (`the orders table`, `the analyst role`).
    pub kind: Option<Target>,
    /// The kind word as typed, when the name and the word together may be a name ("Finance team").
    pub kind_word: Option<String>,
    /// Introduced by `on`, `to`, `from`, `in`...
    pub after_preposition: bool,
    /// Written `maya's`.
    pub possessive: bool,
    /// An email, or quoted with an `@`: an identity.
    pub email_like: bool,
}

/// A question taken apart.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The message as typed.
    pub text: String,
    pub tokens: Vec<Token>,
    pub spans: Vec<Span>,
    /// Privileges named, in order (`SELECT`).
    pub privileges: Vec<String>,
    /// "access" or "permissions" without a verb.
    pub generic_access: bool,
    /// Where the verb of the question is: the first privilege or "access" word of the last
    /// sentence that has one ("… won't load for her. she should be able to read it?").
    pub verb_at: Option<usize>,
    pub cues: Vec<(usize, Cue)>,
    /// I, me, my (not "show me", "tell me").
    pub me: bool,
    /// he, she, they: the subject of the last question.
    pub pronoun: bool,
    /// A connection named or implied by a platform word.
    pub connection: Option<u32>,
    pub duration: Option<Duration>,
    pub reason: Option<String>,
}

impl Parsed {
    pub fn has(&self, cue: Cue) -> bool {
        self.cues.iter().any(|(_, c)| *c == cue)
    }

    /// The first content word is this cue (the question starts with "who", "what", ...).
    pub fn starts_with(&self, cue: Cue) -> bool {
        self.tokens
            .iter()
            .find(|t| !matches!(t.class, Class::Function))
            .is_some_and(|t| t.class == Class::Cue(cue))
    }

    pub fn first_word(&self) -> &str {
        self.tokens.first().map(|t| t.lower.as_str()).unwrap_or("")
    }

    pub fn word(&self, w: &str) -> bool {
        self.tokens.iter().any(|t| t.lower == w)
    }
}

/// The most names one question is read for: a question names a few things, and each name read
/// costs index lookups, so a message of a thousand names costs no more than one of this many.
pub const MAX_SPANS: usize = 24;

/// The most name words one question is read for (see `spans`).
pub const MAX_NAME_WORDS_READ: usize = 64;

/// See [`purpose`].
const MAX_PURPOSE_TRIES: usize = 8;

const UNITS: [(&str, u64); 5] = [
    ("hour", 3_600),
    ("day", 86_400),
    ("week", 7 * 86_400),
    ("month", 30 * 86_400),
    ("minute", 60),
];

/// Units as people shorten them ("2 wks", "8 hrs", "30 mins").
const SHORT_UNITS: [(&str, &str); 7] = [
    ("wk", "week"),
    ("hr", "hour"),
    ("h", "hour"),
    ("min", "minute"),
    ("mo", "month"),
    ("mth", "month"),
    ("d", "day"),
];

fn unit(word: &str) -> Option<u64> {
    if word == "fortnight" || word == "fortnights" {
        return Some(14 * 86_400);
    }
    let w = word.trim_end_matches('s');
    let w = SHORT_UNITS
        .iter()
        .find(|(short, _)| *short == w)
        .map_or(w, |(_, long)| long);
    UNITS.iter().find(|(u, _)| *u == w).map(|(_, s)| *s)
}

fn number(word: &str) -> Option<u64> {
    const WORDS: [&str; 20] = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    match word {
        "a" | "an" => Some(1),
        "couple" => Some(2),
        "thirty" => Some(30),
        "forty-eight" => Some(48),
        "twenty-four" => Some(24),
        "ninety" => Some(90),
        _ => WORDS
            .iter()
            .position(|w| *w == word)
            .map(|i| i as u64 + 1)
            .or_else(|| word.parse().ok()),
    }
}

pub fn parse(names: &dyn Resolver, text: &str) -> Parsed {
    // A reason runs from "because" to the end; it is not part of the question.
    let (question, reason) = split_reason(text);
    let mut tokens = tokenize(question);
    let mut p = Parsed {
        text: text.to_string(),
        reason,
        ..Parsed::default()
    };
    take_durations(&mut tokens, &mut p);
    take_connection(names, &mut tokens, &mut p);
    // A word that names nothing but is one letter off a verb is that verb ("selct", "hav").
    // The lookups only for a word that is one letter off a verb: they cost more than the test.
    for t in tokens.iter_mut() {
        if t.class == Class::Name
            && super::words::correction(t).is_some()
            && names.exact(Target::Identity, &t.text, None).is_empty()
            && names.exact(Target::Resource, &t.text, None).is_empty()
        {
            super::words::correct(t);
        }
    }
    // "contacts n accounts", "read on accounts", "the accounts table": a word for a kind of
    // thing that is also a table's name is that table where a name stands (after "and" or a
    // preposition, or before a word for tables), not in "which accounts can read …".
    for i in 0..tokens.len() {
        if !matches!(tokens[i].class, Class::Kind(_)) {
            continue;
        }
        let after = i.checked_sub(1).map(|j| &tokens[j]);
        let stands_for_a_name = after.is_some_and(|a| {
            a.class == Class::Preposition || super::lexicon::JOINERS.contains(&a.lower.as_str())
        }) || tokens
            .get(i + 1)
            .is_some_and(|n| n.class == Class::Kind(Target::Resource));
        if stands_for_a_name
            && !names
                .exact(Target::Resource, &tokens[i].text, None)
                .is_empty()
        {
            tokens[i].class = Class::Name;
        }
    }
    for (i, t) in tokens.iter().enumerate() {
        if t.class == Class::Me {
            // "show me", "tell me": the person asking is the audience, not the subject.
            let object_of = i.checked_sub(1).is_some_and(|j| {
                matches!(
                    tokens[j].lower.as_str(),
                    "show"
                        | "tell"
                        | "let"
                        | "help"
                        | "write"
                        | "find"
                        | "remind"
                        | "list"
                        | "send"
                )
            });
            p.me |= !object_of;
            continue;
        }
        // "that group", "this role", "that team": the last question's subject, as "they".
        let that_kind = matches!(t.lower.as_str(), "that" | "this" | "those")
            && tokens.get(i + 1).is_some_and(|n| {
                matches!(
                    n.class,
                    Class::Kind(Target::Identity) | Class::Cue(Cue::Roles)
                )
            });
        if PRONOUNS.contains(&t.lower.as_str()) || that_kind {
            p.pronoun = true;
        }
        match &t.class {
            Class::Privilege(pr) if !p.privileges.contains(pr) => p.privileges.push(pr.clone()),
            Class::Access => p.generic_access = true,
            Class::Cue(c) => p.cues.push((i, *c)),
            _ => {}
        }
    }
    let verbs: Vec<(usize, usize)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.class, Class::Privilege(_) | Class::Access))
        .map(|(i, t)| (t.sentence, i))
        .collect();
    // The question's sentence: the last one with a verb that ends with "?", else the last one
    // with a verb ("can oscar read revenue_daily? trying to see who sees the finance numbers").
    let asked = verbs
        .iter()
        .rev()
        .find(|(_, i)| tokens[*i].question)
        .or(verbs.last());
    if let Some(&(last, _)) = asked {
        p.verb_at = verbs.iter().find(|(s, _)| *s == last).map(|(_, i)| *i);
        // The question's own verb first: its sentence's privileges lead.
        let in_last: Vec<String> = verbs
            .iter()
            .filter(|(s, _)| *s == last)
            .filter_map(|(_, i)| match &tokens[*i].class {
                Class::Privilege(pr) => Some(pr.clone()),
                _ => None,
            })
            .collect();
        let mut ordered = in_last.clone();
        ordered.dedup();
        ordered.extend(
            p.privileges
                .iter()
                .filter(|pr| !in_last.contains(pr))
                .cloned(),
        );
        p.privileges = ordered;
    }
    // "what can the crm_write role do", "what does wendy do in bq": what it can reach.
    if tokens
        .first()
        .is_some_and(|t| t.class == Class::Cue(Cue::What))
        && tokens.last().is_some_and(|t| t.lower == "do")
    {
        p.generic_access = true;
    }
    p.spans = spans(&tokens);
    p.tokens = tokens;
    p
}

fn split_reason(text: &str) -> (&str, Option<String>) {
    // The markers are ASCII: ASCII lowercasing keeps every byte where it was, so an offset found
    // in `lower` is an offset in `text` (full lowercasing would not: `İ` grows by a byte).
    let lower = text.to_ascii_lowercase();
    for marker in [
        " because ",
        " bc ",
        " b/c ",
        " cause ",
        " cuz ",
        " since ",
        " reason: ",
        " reason is ",
        " for the purpose of ",
        " as i need ",
        " as we need ",
        " as i'm ",
        " as i am ",
        " as im ",
        " as we're ",
        " so that ",
        " so i can ",
        " to work on ",
        " for my work on ",
    ] {
        if let Some(i) = lower.find(marker) {
            let reason = text[i + marker.len()..]
                .trim()
                .trim_end_matches(['.', '!', '?']);
            // "because of the quarter close": the reason is the quarter close.
            let reason = match reason.get(..3) {
                Some(of) if of.eq_ignore_ascii_case("of ") => reason.get(3..).unwrap_or(reason),
                _ => reason,
            }
            .trim_start();
            return (
                &text[..i],
                Some(reason.to_string()).filter(|r| !r.is_empty()),
            );
        }
    }
    (text, None)
}

/// "for the board deck", "for my churn analysis": what a request is for, in a request that gives
/// no reason otherwise. Not "for a week" (a duration) nor "for me"; it runs to the end of its
/// sentence or the next "for".
pub fn purpose(text: &str) -> Option<String> {
    // ASCII lowercasing keeps byte offsets: `i` below is an offset in `text` too.
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    // Each "for" looks ahead to the end of its sentence: only the first few are tried, so that a
    // message of many "for"s costs no more than a few passes over it.
    let mut tries = 0;
    while let Some(i) = lower[from..].find(" for ").map(|i| i + from) {
        tries += 1;
        if tries > MAX_PURPOSE_TRIES {
            break;
        }
        from = i + 1;
        let rest = &text[i + 5..];
        let mut words = rest.split_whitespace().map(str::to_lowercase);
        let (Some(first), second) = (words.next(), words.next()) else {
            continue;
        };
        let is_duration = second
            .as_deref()
            .is_some_and(|w| unit(w.trim_end_matches(['.', ',', '?', '!'])).is_some())
            || matches!(first.as_str(), "a" | "an") && second.as_deref() == Some("couple");
        // ", for commission calc": a clause of its own after a comma says what for, with or
        // without an article (not "for me", "for him").
        let own_clause = text[..i].trim_end().ends_with(',')
            && !matches!(
                first.as_str(),
                "me" | "us"
                    | "him"
                    | "her"
                    | "them"
                    | "myself"
                    | "you"
                    | "about"
                    | "around"
                    | "roughly"
                    | "approximately"
                    | "approx"
                    | "maybe"
                    | "like"
                    | "just"
            );
        if !(own_clause
            || matches!(
                first.as_str(),
                "the" | "my" | "our" | "a" | "an" | "this" | "next"
            ))
            || is_duration
        {
            continue;
        }
        let end = [". ", "? ", "! ", " for ", ", "]
            .iter()
            .filter_map(|m| rest.find(m))
            .min()
            .unwrap_or(rest.len());
        let purpose = rest[..end].trim().trim_end_matches(['.', '!', '?', ',']);
        if !purpose.is_empty() {
            return Some(format!("for {purpose}"));
        }
    }
    None
}

/// "for 2 weeks", "for a week", "14d": the duration a request asks for. One pass: the words
/// that say a duration are marked, then dropped together (removing each from the middle of the
/// vector would be quadratic in a message of many durations).
fn take_durations(tokens: &mut Vec<Token>, p: &mut Parsed) {
    let mut keep = vec![true; tokens.len()];
    let mut last_kept: Option<usize> = None;
    let mut i = 0;
    while i < tokens.len() {
        let w = tokens[i].lower.as_str();
        if w.chars().next().is_some_and(|c| c.is_ascii_digit())
            && let Ok(d) = Duration::parse(w)
        {
            p.duration = Some(d);
            keep[i] = false;
            i += 1;
            continue;
        }
        // "for the week", "for the day": one of it.
        let the_after_for = w == "the" && last_kept.is_some_and(|k| tokens[k].lower == "for");
        // A number too large for its unit says no duration (and must not overflow).
        if let Some(n) = number(w).or(the_after_for.then_some(1))
            && let Some(scale) = tokens.get(i + 1).and_then(|t| unit(&t.lower))
            && let Some(secs) = n.checked_mul(scale)
        {
            p.duration = Some(Duration::from_secs(secs));
            keep[i] = false;
            keep[i + 1] = false;
            i += 2;
            continue;
        }
        // "over the next week", "for the next 3 days": "next" counts one unless a number follows.
        if w == "next"
            && let Some(scale) = tokens.get(i + 1).and_then(|t| unit(&t.lower))
        {
            p.duration = Some(Duration::from_secs(scale));
            keep[i] = false;
            keep[i + 1] = false;
            i += 2;
            continue;
        }
        // "for a couple of days"
        if w == "couple"
            && tokens.get(i + 1).is_some_and(|t| t.lower == "of")
            && let Some(scale) = tokens.get(i + 2).and_then(|t| unit(&t.lower))
        {
            p.duration = Some(Duration::from_secs(2 * scale));
            keep[i..i + 3].fill(false);
            i += 3;
            continue;
        }
        last_kept = Some(i);
        i += 1;
    }
    let mut k = keep.into_iter();
    tokens.retain(|_| k.next().unwrap_or(true));
}

/// A connection named in words ("in snowflake", "on the warehouse", "bigquery's").
fn take_connection(names: &dyn Resolver, tokens: &mut Vec<Token>, p: &mut Parsed) {
    // Platform names people split in two ("big query", "red shift", "snow flake"): one word.
    // One pass (a paste of many must not cost a removal each).
    let mut merged: Vec<Token> = Vec::with_capacity(tokens.len());
    for t in tokens.drain(..) {
        if let Some(prev) = merged.last_mut() {
            let joined = format!("{}{}", prev.lower, t.lower);
            if !prev.quoted
                && !t.quoted
                && matches!(joined.as_str(), "bigquery" | "redshift" | "snowflake")
            {
                prev.text = joined.clone();
                prev.lower = joined;
                prev.class = Class::Name;
                continue;
            }
        }
        merged.push(t);
    }
    *tokens = merged;
    let conns = names.connections();
    // Marked, then dropped in one pass (see take_durations).
    let mut keep = vec![true; tokens.len()];
    let mut last_kept: Option<usize> = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.quoted || t.class != Class::Name && !matches!(t.class, Class::Kind(_)) {
            last_kept = Some(i);
            i += 1;
            continue;
        }
        let by_name = conns
            .iter()
            .position(|(name, _)| name.eq_ignore_ascii_case(&t.lower));
        let by_platform = platform_word(&t.lower).and_then(|pl| {
            let mut of = conns.iter().enumerate().filter(|(_, c)| c.1 == pl);
            match (of.next(), of.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        });
        // Right after a name, a word like "warehouse" is a kind of thing ("the TRANSFORMING_WH
        // warehouse"), not the connection of that name ("TRENT snowflake roles" is).
        let after_name = last_kept.is_some_and(|k| tokens[k].class == Class::Name)
            && matches!(
                t.lower.as_str(),
                "warehouse" | "database" | "project" | "dataset" | "schema"
            );
        if let Some(c) = by_name.or(by_platform) {
            if after_name {
                tokens[i].class = Class::Kind(Target::Resource);
            } else {
                p.connection = Some(c as u32);
                keep[i] = false;
                i += 1;
                continue;
            }
        }
        last_kept = Some(i);
        i += 1;
    }
    let mut k = keep.into_iter();
    tokens.retain(|_| k.next().unwrap_or(true));
}

fn platform_word(w: &str) -> Option<Platform> {
    Some(match w {
        "postgres" | "postgresql" | "pg" | "psql" => Platform::Postgres,
        "redshift" => Platform::Redshift,
        "snowflake" => Platform::Snowflake,
        "bigquery" | "bq" | "gcp" => Platform::Bigquery,
        _ => return None,
    })
}

fn spans(tokens: &[Token]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    // Name words read in all: each is tried in names of up to six words, so this bounds the
    // lookups of a paste of unknown words; a question has far fewer.
    let mut budget = MAX_NAME_WORDS_READ;
    let mut i = 0;
    while i < tokens.len() && out.len() < MAX_SPANS && budget > 0 {
        if tokens[i].class != Class::Name {
            i += 1;
            continue;
        }
        let start = i;
        let mut words = vec![tokens[i].text.clone()];
        let mut possessive = tokens[i].possessive;
        // A quoted or possessive token ends its span; so does a dotted name (two names do not
        // run together as "maya crm.leads").
        while !tokens[i].quoted
            && !tokens[i].possessive
            && words.len() < budget
            && i + 1 < tokens.len()
            && tokens[i + 1].class == Class::Name
            && !tokens[i + 1].quoted
        {
            i += 1;
            words.push(tokens[i].text.clone());
            possessive = tokens[i].possessive;
        }
        budget = budget.saturating_sub(words.len());
        let text = words.join(" ");
        let kind_at = |j: Option<usize>| -> Option<(Target, String)> {
            let t = tokens.get(j?)?;
            match t.class {
                Class::Kind(k) => Some((k, t.text.clone())),
                Class::Cue(Cue::Roles) => Some((Target::Identity, t.text.clone())),
                _ => None,
            }
        };
        let kind = kind_at(Some(i + 1)).or_else(|| kind_at(start.checked_sub(1)));
        let after_preposition = tokens[..start]
            .iter()
            .rev()
            .find(|t| t.class != Class::Function && !matches!(t.class, Class::Kind(_)))
            .is_some_and(|t| t.class == Class::Preposition);
        out.push(Span {
            email_like: text.contains('@'),
            kind: kind.as_ref().map(|k| k.0),
            kind_word: kind.map(|k| k.1),
            text,
            at: start,
            after_preposition,
            possessive,
        });
        i += 1;
    }
    out
}
