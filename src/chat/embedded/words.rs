//! Words of a question: split into tokens, each classified once (a privilege verb, a cue that
//! signals what is asked, a kind of thing, a function word, or part of a name).

use super::lexicon::{CORRECTABLE, FUNCTION, one_edit, privilege};
pub use crate::index::Target;

/// What a token is to the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// A verb or privilege keyword, with the privilege it means (`read` → `SELECT`).
    Privilege(String),
    /// "access", "permissions": some privilege, not which.
    Access,
    /// A word that signals the kind of question (`who`, `roles`, `members`, `find`, `need`).
    Cue(Cue),
    /// A kind of thing: it tells whether the name beside it is a resource or an identity.
    Kind(Target),
    /// A word that carries no name (`the`, `does`, `on`).
    Function,
    /// A preposition that usually introduces a resource (`on`, `to`, `from`, `into`, `in`).
    Preposition,
    /// First person: `I`, `me`, `my`.
    Me,
    /// Part of a name.
    Name,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// who, whom, anyone, everyone, which users
    Who,
    /// what, which
    What,
    /// roles, groups (as what someone has)
    Roles,
    /// members, member, belongs, in (a role)
    Members,
    /// find, search, look up, is there
    Find,
    /// need, want, request, give me, get
    Need,
    /// list, show, everything, all
    List,
    /// is, does, can: a yes/no question
    Yes,
}

/// One word of the question: the text as typed (names keep their case) and its class.
#[derive(Debug, Clone)]
pub struct Token {
    pub text: String,
    pub lower: String,
    pub class: Class,
    /// Written `maya's`: the name owns what follows.
    pub possessive: bool,
    /// Written inside quotes or backticks: always a name.
    pub quoted: bool,
    /// Which sentence of the message it is in (a message may give context, then ask).
    pub sentence: usize,
    /// Its sentence ends with a question mark: the question itself, not context around it.
    pub question: bool,
    /// Read as the lexicon word it is one letter off (`selct`), not as typed.
    pub corrected: bool,
}

/// The words one whitespace-free word stands for: "read+write", "bob&grace" and
/// "kevin/lena/oscar" are lists of plain words; names keep their signs (`c++`, `a+b.tbl`,
/// BigQuery's `roles/viewer`, a part with a dot or a digit).
fn joined_words(word: &str) -> Vec<&str> {
    let plain = |w: &str| !w.is_empty() && w.chars().all(char::is_alphabetic);
    let body = word.trim_end_matches(['?', '!', ',', '.']);
    let slashed: Vec<&str> = body.split('/').collect();
    if slashed.len() > 1 && !word.starts_with("roles/") && slashed.iter().all(|w| plain(w)) {
        return slashed;
    }
    match body.split_once(['+', '&']) {
        Some((a, b)) if plain(a) && plain(b) => vec![a, b],
        _ => vec![word],
    }
}

/// Splits a question into tokens. Quoted text ("Kevin O'Brien", `pg:admin`) stays one token.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut sentence = 0;
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some(c) = rest.chars().next() else {
            break;
        };
        if c.is_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        if let Some((inner, len)) = quoted(rest) {
            if !inner.is_empty() {
                out.push(Token {
                    text: inner.to_string(),
                    lower: inner.to_lowercase(),
                    class: Class::Name,
                    possessive: false,
                    quoted: true,
                    sentence,
                    question: false,
                    corrected: false,
                });
            }
            rest = &rest[len..];
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let before = out.len();
        let word = &rest[..end];
        for part in joined_words(word) {
            push_word(part, &mut out);
        }
        for t in &mut out[before..] {
            t.sentence = sentence;
        }
        if rest[..end].ends_with('?') {
            for t in out.iter_mut().rev().take_while(|t| t.sentence == sentence) {
                t.question = true;
            }
        }
        if rest[..end].ends_with(['.', '?', '!', ':']) {
            sentence += 1;
        }
        rest = &rest[end..];
    }
    // "look at" is to read; "look up", "look for" stay a search.
    // One pass (removing from the middle of the vector would be quadratic in the words).
    let mut merged: Vec<Token> = Vec::with_capacity(out.len());
    let mut words = out.into_iter().peekable();
    while let Some(mut t) = words.next() {
        if matches!(t.lower.as_str(), "look" | "looking")
            && words.peek().is_some_and(|n| n.lower == "at")
        {
            t.class = Class::Privilege("SELECT".into());
            words.next();
        }
        // "what can the marketing group get at": reach, as "access" does.
        if matches!(t.lower.as_str(), "get" | "getting")
            && words.peek().is_some_and(|n| n.lower == "at")
        {
            t.class = Class::Access;
            words.next();
        }
        // "the data team", "the data group": a team's name, not the word for tables.
        if t.class == Class::Kind(Target::Resource)
            && words
                .peek()
                .is_some_and(|n| matches!(n.lower.as_str(), "team" | "group" | "teams" | "groups"))
        {
            t.class = Class::Name;
        }
        merged.push(t);
    }
    merged
}

/// Text in quotes at the start of `rest`: "…", `…`, “…”, or '…' when the closing quote ends a
/// word (so that O'Brien is not a quote). Returns the inner text and the length consumed.
fn quoted(rest: &str) -> Option<(&str, usize)> {
    let c = rest.chars().next()?;
    let open = c.len_utf8();
    let end = match c {
        '"' | '`' | '“' | '”' => rest[open..].find(['"', '`', '“', '”'])?,
        '\'' | '‘' => rest[open..].char_indices().find_map(|(i, q)| {
            let after = rest[open + i + q.len_utf8()..].chars().next();
            (matches!(q, '\'' | '’') && after.is_none_or(|a| !a.is_alphanumeric()) && i > 0)
                .then_some(i)
        })?,
        _ => return None,
    };
    let close = rest[open + end..].chars().next().map_or(1, char::len_utf8);
    Some((rest[open..open + end].trim(), open + end + close))
}

fn push_word(raw: &str, out: &mut Vec<Token>) {
    // Sentence punctuation around a word is not part of it; dots inside a name are.
    let word = raw
        .trim_matches(|c: char| {
            matches!(
                c,
                '?' | '!'
                    | ','
                    | ';'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '"'
                    | '\''
                    | '`'
                    | '“'
                    | '”'
                    | '‘'
                    | '’'
            )
        })
        .trim_end_matches(['.', ':']);
    if !word.chars().any(char::is_alphanumeric) {
        return;
    }
    let lower = word.to_lowercase().replace('’', "'");
    // Contractions people type: what's, who's, can't, doesn't, i'd.
    let expanded: &[&str] = match lower.as_str() {
        "what's" | "whats" => &["what", "is"],
        "who's" | "whos" => &["who", "is"],
        "where's" => &["where", "is"],
        "can't" | "cannot" | "cant" => &["can", "not"],
        "doesn't" | "doesnt" => &["does", "not"],
        "don't" | "dont" => &["do", "not"],
        "isn't" | "isnt" => &["is", "not"],
        "i'd" => &["i", "would"],
        "i'm" | "im" => &["i", "am"],
        "i've" => &["i", "have"],
        "there's" => &["there", "is"],
        "let's" => &["let", "us"],
        _ => &[],
    };
    if !expanded.is_empty() {
        for w in expanded {
            out.push(token(w, w.to_string(), false));
        }
        return;
    }
    // The possessive is cut from the word as typed and the rest lowercased afresh: lowercasing
    // may change lengths (`İ` is two characters lower), so no offset of `lower` cuts `word`.
    let plain = word.replace('’', "'");
    let owner = plain
        .strip_suffix("'s")
        .or_else(|| plain.strip_suffix("'S"))
        .or_else(|| plain.strip_suffix('\'').filter(|l| l.ends_with(['s', 'S'])))
        .filter(|l| !l.is_empty());
    match owner {
        Some(owner) => out.push(token(owner, owner.to_lowercase(), true)),
        None => out.push(token(word, lower, false)),
    }
}

fn token(text: &str, lower: String, possessive: bool) -> Token {
    // A BigQuery role keeps its case: `roles/bigquery.dataViewer`.
    let class = match classify(&lower) {
        Class::Privilege(p) if p.starts_with("roles/") => Class::Privilege(text.to_string()),
        c => c,
    };
    Token {
        class,
        text: text.to_string(),
        lower,
        possessive,
        quoted: false,
        sentence: 0,
        question: false,
        corrected: false,
    }
}

/// Does this look like a name whatever the word is (dotted, an email, a connection prefix)?
pub fn looks_like_name(lower: &str) -> bool {
    lower.contains(['.', '@', ':', '_', '/']) && lower.len() > 1
}

fn classify(lower: &str) -> Class {
    if looks_like_name(lower) {
        // `roles/bigquery.dataViewer` is a privilege a BigQuery binding grants.
        if lower.starts_with("roles/") {
            return Class::Privilege(lower.to_string());
        }
        return Class::Name;
    }
    if let Some(p) = privilege(lower) {
        return Class::Privilege(p.to_string());
    }
    use Cue::*;
    match lower {
        "access" | "accesses" | "permission" | "permissions" | "privilege" | "privileges"
        | "rights" | "right" | "grants" | "grant" | "perms" | "entitlements" => Class::Access,
        "who" | "whom" | "anyone" | "anybody" | "everyone" | "everybody" | "somebody"
        | "someone" => Class::Cue(Who),
        "what" | "which" => Class::Cue(What),
        "roles" | "groups" | "role" | "group" => Class::Cue(Roles),
        "members" | "member" | "belongs" | "belong" | "belonging" | "membership"
        | "memberships" => Class::Cue(Members),
        "find" | "search" | "searching" | "lookup" | "look" | "looking" | "locate" | "where" => {
            Class::Cue(Find)
        }
        "need" | "needs" | "want" | "wants" | "request" | "requesting" | "give" | "like"
        | "get" => Class::Cue(Need),
        "list" | "show" | "everything" | "anything" | "all" | "enumerate" | "tell" | "describe"
        | "about" => Class::Cue(List),
        "is" | "are" | "does" | "do" | "can" | "could" | "has" | "have" | "may" | "will"
        | "would" | "should" | "did" | "am" => Class::Cue(Yes),
        "table" | "tables" | "tbl" | "tbls" | "view" | "views" | "schema" | "schemas"
        | "dataset" | "datasets" | "database" | "databases" | "db" | "project" | "projects"
        | "relation" | "data" => Class::Kind(Target::Resource),
        "user" | "users" | "person" | "people" | "account" | "accounts" | "identity"
        | "identities" | "team" | "login" | "employee" | "colleague" | "email" | "service"
        | "folks" | "ppl" | "guys" => Class::Kind(Target::Identity),
        "on" | "to" | "from" | "into" | "in" | "within" | "inside" | "over" => Class::Preposition,
        "i" | "me" | "my" | "myself" | "mine" => Class::Me,
        _ if FUNCTION.contains(&lower) => Class::Function,
        _ => Class::Name,
    }
}

/// The lexicon word a token is a typo of, if any (a name-like word, a short one or a quoted one
/// is never a typo).
pub fn correction(t: &Token) -> Option<&'static str> {
    if t.quoted || t.class != Class::Name || looks_like_name(&t.lower) || t.lower.len() < 3 {
        return None;
    }
    let chars = t.lower.chars().count();
    CORRECTABLE
        .iter()
        // Lengths more than one apart are never one edit apart.
        .filter(|w| w.len() >= 4 && w.len().abs_diff(chars) <= 1)
        .filter(|w| one_edit(&t.lower, w))
        .min_by_key(|w| w.len())
        .copied()
}

/// Reclassifies a token as the lexicon word it is a typo of.
pub fn correct(t: &mut Token) {
    if let Some(w) = correction(t) {
        t.class = classify(w);
        t.corrected = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(q: &str) -> Vec<(String, Class)> {
        tokenize(q).into_iter().map(|t| (t.text, t.class)).collect()
    }

    #[test]
    fn words_joined_by_signs_are_a_list_and_names_keep_theirs() {
        assert_eq!(joined_words("kevin/lena/oscar"), ["kevin", "lena", "oscar"]);
        assert_eq!(joined_words("read/write?"), ["read", "write"]);
        assert_eq!(joined_words("read+write"), ["read", "write"]);
        assert_eq!(joined_words("roles/viewer"), ["roles/viewer"]);
        assert_eq!(joined_words("a/b.tbl"), ["a/b.tbl"]);
        assert_eq!(joined_words("24/7"), ["24/7"]);
        assert_eq!(joined_words("c++"), ["c++"]);
    }

    #[test]
    fn a_sentence_that_ends_with_a_question_mark_is_the_question() {
        let t = tokenize("can oscar read it? trying to see who sees the numbers");
        let asked: Vec<&str> = t
            .iter()
            .filter(|t| t.question)
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(asked, ["can", "oscar", "read", "it"]);
    }

    #[test]
    fn splits_names_quotes_contractions_and_possessives() {
        let t = texts("who's in \"Kevin O'Brien\"? maya's access to sales.orders.");
        let words: Vec<&str> = t.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            words,
            [
                "who",
                "is",
                "in",
                "Kevin O'Brien",
                "maya",
                "access",
                "to",
                "sales.orders"
            ]
        );
        assert_eq!(t[3].1, Class::Name);
        let maya = tokenize("maya's access").remove(0);
        assert!(maya.possessive && maya.class == Class::Name);
        assert_eq!(texts("select")[0].1, Class::Privilege("SELECT".into()));
        assert_eq!(
            texts("roles/bigquery.dataViewer")[0].1,
            Class::Privilege("roles/bigquery.dataViewer".into())
        );
    }

    #[test]
    fn typos_of_verbs_are_corrected_but_names_are_not() {
        let mut t = tokenize("selct").remove(0);
        correct(&mut t);
        assert_eq!(t.class, Class::Privilege("SELECT".into()));
        let mut t = tokenize("payroll").remove(0);
        correct(&mut t);
        assert_eq!(t.class, Class::Name);
        for (a, b) in [
            ("qurey", "query"),
            ("selct", "select"),
            ("sellect", "select"),
            ("x", ""),
        ] {
            assert!(super::one_edit(a, b) && super::one_edit(b, a), "{a} {b}");
        }
        for (a, b) in [
            ("maya", "tom"),
            ("read", "read"),
            ("slect", "selcet"),
            ("ab", "cd"),
        ] {
            assert!(!super::one_edit(a, b), "{a} {b}");
        }
        assert!(
            super::one_edit("s\u{E9}lect", "select") && !super::one_edit("\u{130}\u{130}", "ii")
        );
    }
}
