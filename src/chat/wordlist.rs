//! Word lists kept as data files (`src/chat/wordlists/*.txt`, built in with `include_str!`):
//! one word or phrase a line, `#` starts a comment, blank lines are skipped. Each list is parsed
//! once, on first use; the tests below hold every file to the format.

/// The entries of a list file, in file order: each line without its comment, trimmed.
pub fn entries(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(|line| line.split_once('#').map_or(line, |(entry, _)| entry).trim())
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// Pairs of a list whose lines are `word VALUE` (a word and what it stands for). A line without
/// exactly two fields is left out here and reported by [`problems`].
pub fn pairs(text: &'static str) -> Vec<(&'static str, &'static str)> {
    entries(text)
        .into_iter()
        .filter_map(|entry| {
            let mut fields = entry.split_whitespace();
            match (fields.next(), fields.next(), fields.next()) {
                (Some(word), Some(value), None) => Some((word, value)),
                _ => None,
            }
        })
        .collect()
}

/// What is wrong with a list file, one line each: an entry given twice, and, when `fields` is
/// given, an entry without exactly that many fields.
#[cfg(test)]
pub fn problems(text: &'static str, fields: Option<usize>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for entry in entries(text) {
        // In a list of pairs the word is the key; elsewhere the whole phrase.
        let key = match fields {
            Some(n) if n > 1 => entry.split_whitespace().next().unwrap_or(entry),
            _ => entry,
        };
        if !seen.insert(key) {
            out.push(format!("{key:?} is listed twice"));
        }
        if let Some(n) = fields
            && entry.split_whitespace().count() != n
        {
            out.push(format!("{entry:?} does not have {n} fields"));
        }
    }
    out
}

/// Words that carry no name.
pub const FUNCTION_WORDS: &str = include_str!("wordlists/function_words.txt");
/// Third-person pronouns.
pub const PRONOUNS: &str = include_str!("wordlists/pronouns.txt");
/// Words whose typos are corrected.
pub const CORRECTABLE: &str = include_str!("wordlists/correctable.txt");
/// Verbs and keywords that name a privilege, each with the privilege.
pub const PRIVILEGE_WORDS: &str = include_str!("wordlists/privilege_words.txt");
/// Words that act on a request or a grant.
pub const GUARD_ACTIONS: &str = include_str!("wordlists/guard_actions.txt");
/// Phrases that try to change the rules.
pub const GUARD_OVERRIDES: &str = include_str!("wordlists/guard_overrides.txt");
/// Words that may come before the verb of an order.
pub const GUARD_LEAD: &str = include_str!("wordlists/guard_lead.txt");
/// Verbs that order a change to a platform.
pub const GUARD_ORDERS: &str = include_str!("wordlists/guard_orders.txt");

/// Every list file, with the number of fields its lines have (`None`: a phrase of any length).
#[cfg(test)]
const FILES: &[(&str, &str, Option<usize>)] = &[
    ("function_words", FUNCTION_WORDS, Some(1)),
    ("pronouns", PRONOUNS, Some(1)),
    ("correctable", CORRECTABLE, Some(1)),
    ("privilege_words", PRIVILEGE_WORDS, Some(2)),
    ("guard_actions", GUARD_ACTIONS, Some(1)),
    ("guard_overrides", GUARD_OVERRIDES, None),
    ("guard_lead", GUARD_LEAD, Some(1)),
    ("guard_orders", GUARD_ORDERS, Some(1)),
];

#[cfg(test)]
mod tests {
    use super::{FILES, entries, pairs, problems};

    #[test]
    fn every_list_file_parses_without_empty_or_repeated_entries() {
        for (name, text, fields) in FILES {
            let list = entries(text);
            assert!(!list.is_empty(), "{name} is empty");
            assert!(list.iter().all(|e| !e.is_empty()), "{name}");
            assert_eq!(problems(text, *fields), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn comments_and_blank_lines_are_not_entries_and_faults_are_named() {
        let text = "# a list\n\nread SELECT # the verb\n  write INSERT\nread UPDATE\nodd\n";
        assert_eq!(
            entries(text),
            ["read SELECT", "write INSERT", "read UPDATE", "odd"]
        );
        assert_eq!(
            pairs(text),
            [("read", "SELECT"), ("write", "INSERT"), ("read", "UPDATE")]
        );
        assert_eq!(
            problems(text, Some(2)),
            [
                "\"read\" is listed twice".to_string(),
                "\"odd\" does not have 2 fields".to_string()
            ]
        );
    }
}
