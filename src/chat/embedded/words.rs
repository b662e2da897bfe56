//! Words of a question: split into tokens, each classified once (a privilege verb, a cue that
//! signals what is asked, a kind of thing, a function word, or part of a name).

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
}

/// Splits a question into tokens. Quoted text ("Kevin O'Brien", `pg:admin`) stays one token.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        if matches!(c, '"' | '`' | '“' | '”')
            && let Some(end) = rest[c.len_utf8()..].find(['"', '`', '“', '”'])
        {
            let inner = rest[c.len_utf8()..c.len_utf8() + end].trim();
            if !inner.is_empty() {
                out.push(Token {
                    text: inner.to_string(),
                    lower: inner.to_lowercase(),
                    class: Class::Name,
                    possessive: false,
                    quoted: true,
                });
            }
            rest = &rest[c.len_utf8() + end + 1..];
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        push_word(&rest[..end], &mut out);
        rest = &rest[end..];
    }
    out
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
    if word.is_empty() {
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
    let (word, lower, possessive) = match lower.strip_suffix("'s") {
        Some(l) if !l.is_empty() => (&word[..word.len() - 2], l.to_string(), true),
        _ => match lower.strip_suffix('\'') {
            Some(l) if l.ends_with('s') && !l.is_empty() => {
                (&word[..word.len() - 1], l.to_string(), true)
            }
            _ => (word, lower, false),
        },
    };
    out.push(token(word, lower, possessive));
}

fn token(text: &str, lower: String, possessive: bool) -> Token {
    Token {
        class: classify(&lower),
        text: text.to_string(),
        lower,
        possessive,
        quoted: false,
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
        "find" | "search" | "lookup" | "look" | "locate" | "where" => Class::Cue(Find),
        "need" | "needs" | "want" | "wants" | "request" | "requesting" | "give" | "like"
        | "get" => Class::Cue(Need),
        "list" | "show" | "everything" | "all" | "enumerate" | "tell" | "describe" | "about" => {
            Class::Cue(List)
        }
        "is" | "are" | "does" | "do" | "can" | "could" | "has" | "have" | "may" | "will"
        | "would" | "should" | "did" | "am" => Class::Cue(Yes),
        "table" | "tables" | "view" | "views" | "schema" | "schemas" | "dataset" | "datasets"
        | "database" | "databases" | "db" | "project" | "projects" | "relation" | "data" => {
            Class::Kind(Target::Resource)
        }
        "user" | "users" | "person" | "people" | "account" | "accounts" | "identity"
        | "identities" | "team" | "login" | "employee" | "colleague" | "email" | "service" => {
            Class::Kind(Target::Identity)
        }
        "on" | "to" | "from" | "into" | "in" | "within" | "inside" | "over" => Class::Preposition,
        "i" | "me" | "my" | "myself" | "mine" => Class::Me,
        _ if FUNCTION.contains(&lower) => Class::Function,
        _ => Class::Name,
    }
}

/// Verbs and keywords that name a privilege.
fn privilege(lower: &str) -> Option<&'static str> {
    Some(match lower {
        "read" | "reads" | "reading" | "query" | "queries" | "querying" | "see" | "sees"
        | "seeing" | "view" | "select" | "selects" | "selecting" | "look at" => "SELECT",
        "write" | "writes" | "writing" | "insert" | "inserts" | "inserting" | "load" | "loads"
        | "loading" | "append" | "appends" | "add" | "adds" => "INSERT",
        "update" | "updates" | "updating" | "modify" | "modifies" | "modifying" | "change"
        | "changes" | "edit" | "edits" | "editing" => "UPDATE",
        "delete" | "deletes" | "deleting" => "DELETE",
        "truncate" | "truncates" => "TRUNCATE",
        "references" => "REFERENCES",
        "trigger" | "triggers" => "TRIGGER",
        "usage" | "use" | "uses" => "USAGE",
        "create" | "creates" => "CREATE",
        "connect" | "connects" => "CONNECT",
        "own" | "owns" | "ownership" | "owner" => "OWNERSHIP",
        "monitor" => "MONITOR",
        "operate" => "OPERATE",
        _ => return None,
    })
}

/// Words that carry no name.
const FUNCTION: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "with",
    "at",
    "by",
    "be",
    "been",
    "being",
    "was",
    "were",
    "did",
    "having",
    "had",
    "should",
    "must",
    "might",
    "shall",
    "you",
    "your",
    "he",
    "she",
    "they",
    "them",
    "their",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "please",
    "pls",
    "plz",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "quick",
    "question",
    "just",
    "also",
    "and",
    "or",
    "but",
    "not",
    "any",
    "some",
    "whether",
    "if",
    "able",
    "allowed",
    "permitted",
    "got",
    "currently",
    "actually",
    "really",
    "now",
    "today",
    "us",
    "we",
    "our",
    "let",
    "know",
    "check",
    "tell",
    "me",
    "kindly",
    "could",
    "would",
    "wonder",
    "wondering",
    "know",
    "confirm",
    "verify",
    "so",
    "then",
    "yet",
    "still",
    "via",
    "through",
    "has",
    "hold",
    "holds",
    "possess",
    "possesses",
    "hey,",
    "yo",
    "team,",
    "folks",
    "guys",
    "ok",
    "okay",
    "um",
    "uh",
    "well",
    "good",
    "morning",
    "afternoon",
    "exactly",
    "anything",
    "stuff",
    "things",
    "thing",
    "right",
    "privileges",
    "level",
    "kind",
    "sort",
    "type",
    "able",
    "possible",
    "else",
    "other",
    "others",
    "how",
    "many",
    "much",
    "there",
    "exists",
    "exist",
    "existing",
    "named",
    "called",
    "matching",
    "match",
    "with",
    "containing",
    "contains",
    "related",
    "regarding",
    "either",
    "both",
    "one",
    "ones",
    "same",
    "mean",
    "meant",
    "sorry",
    "instead",
    "actually",
    "again",
    "too",
    "as",
    "well",
    "currently",
    "directly",
    "indirectly",
    "effectively",
    "why",
    "how",
    "when",
    "up",
    "rows",
    "row",
    "records",
    "record",
    "entries",
    "connection",
    "connections",
    "platform",
    "instance",
    "cluster",
    "him",
    "his",
    "her",
    "hers",
    "theirs",
    "wants",
    "into",
    "onto",
];

/// Third-person pronouns: in a follow-up they stand for the last question's subject.
pub const PRONOUNS: &[&str] = &["he", "she", "him", "his", "her", "they", "them", "their"];

/// Words a typo of which is still that word (`selct`, `hav`, `qurey`): privilege verbs and the
/// words that shape a question. Names are never corrected: only words that name nothing.
pub const CORRECTABLE: &[&str] = &[
    "select",
    "read",
    "query",
    "write",
    "insert",
    "update",
    "delete",
    "truncate",
    "usage",
    "create",
    "have",
    "does",
    "access",
    "table",
    "tables",
    "members",
    "roles",
    "groups",
    "which",
    "what",
    "who",
    "permission",
    "permissions",
    "privileges",
    "modify",
    "schema",
    "dataset",
];

/// Optimal-string-alignment distance, capped: enough to tell a typo from another word.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Reclassifies a token as the lexicon word it is a typo of.
pub fn correct(t: &mut Token) {
    if t.quoted || t.class != Class::Name || looks_like_name(&t.lower) || t.lower.len() < 3 {
        return;
    }
    let best = CORRECTABLE
        .iter()
        .filter(|w| w.len() >= 4 && distance(&t.lower, w) == 1)
        .min_by_key(|w| w.len());
    if let Some(w) = best {
        t.class = classify(w);
    }
}
