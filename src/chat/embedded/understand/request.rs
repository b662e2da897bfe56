//! Requests for access: whether a message asks for access for the person asking ("I need",
//! "can I get", "give me"), and what it asks for (resources, roles, privileges, how long, why).

use super::super::parse::Parsed;
use super::super::words::{Class, Cue, Target};
use super::{Intent, SpanInfo};

/// What a request asks for: the resources named (or, when none names one exactly, the words that
/// may), the roles named, the privileges its verbs say, its duration and its reason, and a person
/// named as the one it would be for.
pub(super) fn request(p: &Parsed, infos: &[SpanInfo]) -> Intent {
    // "… for about 10 days to reconcile payouts with finance": after what is asked for, "to" and
    // a word that is neither a verb of access nor a name starts what it is for; names there are
    // part of the reason.
    let first = infos
        .iter()
        .filter(|i| i.resource || i.role)
        .map(|i| i.span.at)
        .min();
    // A verb after the resource starts a purpose too when the request spelled its own verb
    // before it ("delete on calendar for 8h to remove the 2019 rows").
    let verb_before = |first: usize| {
        p.tokens[..first]
            .iter()
            .any(|t| matches!(t.class, Class::Privilege(_) | Class::Access))
    };
    let purpose_at = first.and_then(|first| {
        (first + 1..p.tokens.len().saturating_sub(1)).find(|&k| {
            let next = &p.tokens[k + 1];
            p.tokens[k].lower == "to"
                && (matches!(next.class, Class::Name | Class::Function)
                    || matches!(next.class, Class::Privilege(_)) && verb_before(first))
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
    // "… i already have some of that through controller, but i need read on prod.billing.plans":
    // names before the verb of asking are context when something is named after it.
    let asking_at = p.tokens.iter().position(|t| {
        t.class == Class::Cue(Cue::Need) && !matches!(t.lower.as_str(), "like" | "give")
            || matches!(t.lower.as_str(), "request" | "req" | "requesting")
    });
    let after_asking = |i: &SpanInfo| asking_at.is_none_or(|a| i.span.at > a);
    let named_after = infos
        .iter()
        .any(|i| i.found && (i.resource || i.role) && after_asking(i));
    let asked: Vec<&SpanInfo> = infos
        .iter()
        .filter(|i| purpose_at.is_none_or(|k| i.span.at < k))
        .filter(|i| !named_after || after_asking(i))
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
    // A word one letter off a verb ("selct") counts only when no verb is spelled out: "the lead
    // import" does not ask to read.
    let verbs: Vec<&super::super::words::Token> = p
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
        add_asked(t, &mut privileges);
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
    // "for the pipeline review": a purpose that names something besides what is asked for is
    // the reason, and what it names is not asked for; one that names the only thing asked for
    // ("for the payroll table") is no reason.
    let mut resources = resources;
    let stated =
        super::super::parse::purpose(&p.text).filter(|_| p.reason.is_none() && purpose.is_none());
    let stated_lower = stated.as_deref().map(str::to_lowercase);
    let stated_words: Vec<&str> = stated_lower
        .as_deref()
        .map(|s| {
            s.split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
                .collect()
        })
        .unwrap_or_default();
    let in_purpose = |r: &str| stated_words.contains(&r.to_lowercase().as_str());
    let outside = resources.iter().filter(|r| !in_purpose(r)).count();
    if outside > 0 && outside < resources.len() {
        resources.retain(|r| !in_purpose(r));
    }
    let names_what_is_asked = asked.iter().any(|i| {
        (i.resource || i.role)
            && (resources.contains(&i.text) || roles.contains(&i.text))
            && in_purpose(&i.span.text)
    });
    let reason = p
        .reason
        .clone()
        .or(purpose)
        .or_else(|| stated.clone().filter(|_| !names_what_is_asked));
    Intent::Request {
        resources,
        privileges,
        roles,
        duration: p.duration.map(|d| d.to_string()),
        reason,
        other,
    }
}

/// Adds the privileges a verb asks for to `out`, once each: writing to a table takes adding,
/// changing and removing rows, so "write" asks for INSERT, UPDATE and DELETE.
pub(super) fn add_asked(t: &super::super::words::Token, out: &mut Vec<String>) {
    let Class::Privilege(pr) = &t.class else {
        return;
    };
    let wanted: &[&str] = if t.lower.starts_with("writ") {
        &["INSERT", "UPDATE", "DELETE"]
    } else {
        &[pr.as_str()]
    };
    for w in wanted {
        if !out.iter().any(|q| q == w) {
            out.push(w.to_string());
        }
    }
}

/// Someone asking for access for themself: "I need", "can I get", "give me", "request".
pub(super) fn is_request(p: &Parsed, infos: &[SpanInfo]) -> bool {
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
        ["put", "me", "in"],
        ["put", "me", "down"],
        ["sign", "me", "up"],
    ]
    .iter()
    .any(|a| phrase(a));
    // "raise a request for …", "file one for me", "can u put in a request": asking
    // to ask, however it opens.
    // Not "do I need to file a request first?": there filing is what is asked about.
    let files = words.iter().enumerate().any(|(i, w)| {
        matches!(
            *w,
            "raise" | "file" | "submit" | "open" | "put" | "create" | "make" | "lodge" | "draft"
        ) && words[i + 1..]
            .iter()
            .take(3)
            .any(|n| matches!(*n, "request" | "req"))
            && (i == 0 || words[i - 1] != "to")
    });
    // "can I query X, or do I need a request first?" asks whether; "can I get X" asks for.
    if p.tokens
        .first()
        .is_some_and(|t| t.class == Class::Cue(Cue::Yes))
        && !gets
        && !files
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
    // "ok request it for a week", "sure, give me read on …": the interjection is not the verb.
    let first = words
        .iter()
        .copied()
        .find(|w| {
            !matches!(
                *w,
                "ok" | "okay"
                    | "sure"
                    | "alright"
                    | "great"
                    | "cool"
                    | "then"
                    | "so"
                    | "yes"
                    | "yeah"
                    | "pls"
                    | "please"
            )
        })
        .unwrap_or("");
    if matches!(first, "give" | "get" | "grant" | "draft") {
        return access_follows(first) || role_named && p.me;
    }
    if matches!(
        first,
        "request" | "requesting" | "req" | "need" | "needs" | "want"
    ) {
        return true;
    }
    if files || asks_without_verb(p) {
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

/// "read+write on X for 14 days reason: …", "permanent read access to X pls, because …",
/// "eight hours of update on X so that I can …": what is asked for, said first, with how long,
/// why or a please, and no verb of asking.
fn asks_without_verb(p: &Parsed) -> bool {
    let leads = p
        .tokens
        .iter()
        .find(|t| t.class != Class::Function)
        .is_some_and(|t| matches!(t.class, Class::Privilege(_) | Class::Access));
    leads
        && (p.duration.is_some()
            || p.reason.is_some()
            || p.word("please")
            || p.word("pls")
            || p.word("permanent"))
}
