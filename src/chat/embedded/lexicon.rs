//! The engine's vocabulary: verbs that name privileges, words that carry no name (both lists
//! are data files, see [`wordlist`]), and the small edit distance that tells a typo of one of
//! them from a name.

use crate::chat::wordlist;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Verbs and keywords that name a privilege, each with the privilege it names.
static PRIVILEGE_WORDS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    wordlist::pairs(wordlist::PRIVILEGE_WORDS)
        .into_iter()
        .collect()
});

/// The privilege a verb or keyword names (`read` → SELECT).
pub fn privilege(lower: &str) -> Option<&'static str> {
    PRIVILEGE_WORDS.get(lower).copied()
}

/// Words that carry no name.
pub static FUNCTION: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    wordlist::entries(wordlist::FUNCTION_WORDS)
        .into_iter()
        .collect()
});

/// Words that join names into a list: "judy, kevin and frank", "maya or tom", "bob & grace".
pub const JOINERS: &[&str] = &["and", "or", "&", "+", "plus", "nor", "n"];

/// Third-person pronouns: in a follow-up they stand for the last question's subject.
pub static PRONOUNS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| wordlist::entries(wordlist::PRONOUNS));

/// Words a typo of which is still that word (`selct`, `hav`, `qurey`): privilege verbs and the
/// words that shape a question. Names are never corrected: only words that name nothing.
pub static CORRECTABLE: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| wordlist::entries(wordlist::CORRECTABLE));

/// Are `a` and `b` exactly one edit apart (one letter changed, added, removed, or two
/// neighbours swapped)? Enough to tell a typo from another word, in time linear in the shorter
/// word and without allocating (a table per pair made a paste of unknown words cost milliseconds).
pub fn one_edit(a: &str, b: &str) -> bool {
    // Strip what both share at the start and at the end; a single edit leaves one small middle.
    let prefix: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix: usize = a
        .chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    let mut x = a.chars();
    let mut y = b.chars();
    match (x.next(), x.next(), x.next(), y.next(), y.next(), y.next()) {
        // One letter changed, added or removed.
        (Some(_), None, _, Some(_), None, _)
        | (Some(_), None, _, None, _, _)
        | (None, _, _, Some(_), None, _) => true,
        // Two neighbours swapped.
        (Some(a1), Some(a2), None, Some(b1), Some(b2), None) => a1 == b2 && a2 == b1,
        _ => false,
    }
}
