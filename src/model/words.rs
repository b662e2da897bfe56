//! Small English for messages: the article before a word ("an approved request", "a user") and
//! a count with its noun ("1 identity", "2 identities").

/// `word` after "a" or "an", by how it sounds for the words Warden says (states, roles, kinds,
/// events): "an" before a vowel, except where a leading u or eu sounds like "you".
pub fn a(word: &str) -> String {
    let lower = word.to_lowercase();
    let you = ["us", "uni", "eu", "uti"]
        .iter()
        .any(|p| lower.starts_with(p));
    let vowel = lower.starts_with(['a', 'e', 'i', 'o', 'u']);
    match vowel && !you {
        true => format!("an {word}"),
        false => format!("a {word}"),
    }
}

/// `n` and the noun that goes with it: `count(1, "identity", "identities")` is "1 identity".
pub fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        _ => format!("{n} {many}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{a, count};

    #[test]
    fn articles_follow_the_sound() {
        for (word, said) in [
            ("approved", "an approved"),
            ("open", "an open"),
            ("admin", "an admin"),
            ("active", "an active"),
            ("user", "a user"),
            ("unknown", "an unknown"),
            ("closed", "a closed"),
            ("reviewer", "a reviewer"),
            ("Expired", "an Expired"),
            ("", "a "),
        ] {
            assert_eq!(a(word), said);
        }
    }

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(1, "identity", "identities"), "1 identity");
        assert_eq!(count(0, "identity", "identities"), "0 identities");
        assert_eq!(count(2, "grant", "grants"), "2 grants");
    }
}
