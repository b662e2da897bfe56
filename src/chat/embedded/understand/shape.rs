//! The shape of a question: whether it asks who ("which users …"), the span it is about as an
//! identity (its subject) and the span it is about as a resource (its object).

use super::super::lexicon::JOINERS;
use super::super::parse::Parsed;
use super::super::words::{Class, Cue, Target};
use super::SpanInfo;

/// "which users/roles/people …" asks who, like "who", wherever it stands ("REPORTER: which
/// users are granted it?"); so do "every role and user that can …" and "people who can …".
/// Not "which roles does victor have": there the roles are what is asked about victor.
pub(super) fn starts_with_which_people(p: &Parsed) -> bool {
    let content: Vec<&super::super::words::Token> = p
        .tokens
        .iter()
        .filter(|t| t.class != Class::Function || matches!(t.lower.as_str(), "that" | "who"))
        .collect();
    let people_word = |t: &super::super::words::Token| {
        matches!(
            t.class,
            Class::Kind(Target::Identity) | Class::Cue(Cue::Roles)
        )
    };
    content.windows(3).any(|w| {
        w[0].class == Class::Cue(Cue::What)
            && people_word(w[1])
            && !(w[1].class == Class::Cue(Cue::Roles)
                && (matches!(
                    w[2].lower.as_str(),
                    "does" | "do" | "did" | "is" | "am" | "was" | "were" | "are"
                ) || w[2].class == Class::Cue(Cue::Roles)))
    }) || content.windows(3).any(|w| {
        people_word(w[0])
            && matches!(w[1].lower.as_str(), "that" | "who" | "which")
            && matches!(w[2].class, Class::Cue(Cue::Yes) | Class::Privilege(_))
    }) || content.len() == 2 && content[0].class == Class::Cue(Cue::What) && people_word(content[1])
        || which_of_people(p, people_word)
}

/// "which of the finance folks can read ARR", "which of these users …": "which of" and a word
/// for people before the verb.
fn which_of_people(p: &Parsed, people_word: impl Fn(&super::super::words::Token) -> bool) -> bool {
    let t = &p.tokens;
    t.len() > 2
        && matches!(t[0].lower.as_str(), "which" | "what")
        && t[1].lower == "of"
        && t[2..]
            .iter()
            .take_while(|t| !matches!(t.class, Class::Privilege(_) | Class::Access))
            .any(people_word)
}

/// The span a question is about as an identity: a possessive, an email, the first name-like span
/// not introduced by a preposition.
pub(super) fn subject<'a>(p: &Parsed, infos: &'a [SpanInfo]) -> Option<&'a SpanInfo> {
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
    // "why can't I read X, my manager says I'm in sales_ops": "I" just before the verb is the
    // subject, whoever else is named for context.
    // Not "tom keeps pinging me, can he read orders": there "he" is nearer the verb.
    if let Some(v) = p.verb_at
        && p.tokens[v.saturating_sub(3)..v]
            .iter()
            .rev()
            .find(|t| {
                t.class == Class::Me || super::super::lexicon::PRONOUNS.contains(&t.lower.as_str())
            })
            .is_some_and(|t| t.class == Class::Me)
    {
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
                    .position(|t| super::super::lexicon::PRONOUNS.contains(&t.lower.as_str()))
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
pub(super) fn object<'a>(
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
        // The nearest after the verb: "query stg_accounts, ANALYST has select on the staging
        // schema" is about stg_accounts; what follows it is context.
        set.iter()
            .filter(|i| after_verb(i))
            .min_by_key(|i| i.span.at)
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

/// The people a question asks about together, when it names two or more joined into a list
/// ("do judy, kevin and frank have read on …", "maya or tom, who can …", "can tom and I …"), in
/// the order named; `None` stands for the person asking ("I", "me"). Names that are only context
/// ("support wants quinn to fix it, can he edit …") are not joined, and are left to [`subject`].
pub(super) fn several_people<'a>(p: &Parsed, infos: &'a [SpanInfo]) -> Vec<Option<&'a SpanInfo>> {
    let mut people: Vec<&SpanInfo> = infos
        .iter()
        .filter(|i| i.identity && !i.resource && i.exact)
        .collect();
    people.sort_by_key(|i| i.span.at);
    let joined = |from: usize, to: usize| {
        p.tokens
            .get(from..to)
            .is_some_and(|between| between.iter().all(|t| JOINERS.contains(&t.lower.as_str())))
    };
    let end = |i: &SpanInfo| i.span.at + i.span.text.split_whitespace().count().max(1);
    let mut best: Vec<Option<&SpanInfo>> = Vec::new();
    let mut run: Vec<Option<&SpanInfo>> = Vec::new();
    let mut last_end = 0;
    for i in people {
        if run.is_empty() || !joined(last_end, i.span.at) {
            if run.len() > best.len() {
                best = std::mem::take(&mut run);
            }
            run.clear();
        }
        run.push(Some(i));
        last_end = end(i);
    }
    if run.len() > best.len() {
        best = run;
    }
    // "tom and I", "me and maya": the asker joined to the list.
    let me_at = |at: usize| {
        p.tokens
            .get(at)
            .is_some_and(|t| matches!(t.lower.as_str(), "i" | "me" | "myself"))
    };
    if let (Some(Some(first)), Some(Some(last))) = (best.first().copied(), best.last().copied()) {
        let after = end(last);
        if p.tokens
            .get(after)
            .is_some_and(|t| JOINERS.contains(&t.lower.as_str()))
            && me_at(after + 1)
        {
            best.push(None);
        } else if first.span.at >= 2
            && me_at(first.span.at - 2)
            && joined(first.span.at - 1, first.span.at)
        {
            best.insert(0, None);
        }
    }
    if best.len() < 2 { Vec::new() } else { best }
}
