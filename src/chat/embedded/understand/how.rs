//! "How do I get access to X?", "what would I need to update leads?", and after a "no", "ok how
//! do I get it?": the asker wants the way in, not a yes or no. Answered with the roles that would
//! give it (the narrowest first), by the planner.

use super::super::parse::Parsed;
use super::{Intent, SpanInfo};

/// The verbs of getting something.
const GET: &[&str] = &["get", "obtain", "gain", "acquire", "receive"];

/// Whether the message asks how to come by access.
fn asks_how(p: &Parsed) -> bool {
    let words: Vec<&str> = p.tokens.iter().map(|t| t.lower.as_str()).collect();
    let phrase = |a: &[&str]| words.windows(a.len()).any(|w| w == a);
    let how_get = words.first() == Some(&"how")
        || words.iter().take(3).any(|w| *w == "how") && !phrase(&["how", "many"]);
    (how_get && words.iter().any(|w| GET.contains(w)))
        || phrase(&["what", "would", "i", "need"])
        || phrase(&["what", "do", "i", "need", "to"])
        || phrase(&["what", "would", "it", "take"])
        || phrase(&["what", "role", "do", "i", "need"])
        || phrase(&["which", "role", "do", "i", "need"])
        || phrase(&["which", "role", "would"])
        || phrase(&["what", "role", "would"])
}

/// The question's intent when it asks how to get access, else `None`. `earlier`: the question
/// before, for "it" and "that".
pub(super) fn how_to_get(
    p: &Parsed,
    infos: &[SpanInfo],
    earlier: Option<&Intent>,
) -> Option<Intent> {
    if !asks_how(p) {
        return None;
    }
    let named = infos.iter().find(|i| i.resource && i.found).or_else(|| {
        infos
            .iter()
            .find(|i| i.maybe_resource() && i.found && !i.identity)
    });
    let (resource, before) = match (named, earlier) {
        (Some(r), _) => (r.text.clone(), None),
        (
            None,
            Some(Intent::Check {
                resource,
                privilege,
                ..
            }),
        ) => (resource.clone(), Some(privilege.clone())),
        (
            None,
            Some(Intent::HowToGet {
                resource,
                privilege,
            }),
        ) => (resource.clone(), Some(privilege.clone())),
        _ => return None,
    };
    let privilege = p
        .privileges
        .first()
        .cloned()
        .or(before)
        .unwrap_or_else(|| "SELECT".into());
    Some(Intent::HowToGet {
        privilege,
        resource,
    })
}
