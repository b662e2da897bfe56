//! The privilege words each platform knows, per kind of resource (SNAPSHOT.md, PLATFORMS.md).
//! A question or a request naming any other word is refused with the closest known ones, before
//! anything is answered or stored; snapshots are not checked (an imported grant of an unknown
//! word is kept and matches only itself).

use super::{Platform, Privilege, ResourceKind};
use crate::error::{Candidate, Problem};

// Each list is a kind's own words; `ALL` (ALL PRIVILEGES), which every kind on PostgreSQL,
// Redshift and Snowflake takes, is added by [`known`].

const PG_TABLE: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
    "MAINTAIN",
];
const PG_SEQUENCE: &[&str] = &["USAGE", "SELECT", "UPDATE"];
const PG_SCHEMA: &[&str] = &["USAGE", "CREATE"];
const PG_DATABASE: &[&str] = &["CONNECT", "CREATE", "TEMPORARY"];
const FUNCTION: &[&str] = &["EXECUTE"];

const RS_TABLE: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "DROP",
    "REFERENCES",
    "ALTER",
    "TRUNCATE",
];
const RS_SCHEMA: &[&str] = &["USAGE", "CREATE", "ALTER", "DROP"];
const RS_DATABASE: &[&str] = &["CREATE", "TEMPORARY", "USAGE"];

const SF_TABLE: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "OWNERSHIP",
];
const SF_VIEW: &[&str] = &["SELECT", "REFERENCES", "OWNERSHIP"];
/// A schema takes its own words and, as grants on all or future tables in it, the tables'.
const SF_SCHEMA: &[&str] = &[
    "USAGE",
    "MONITOR",
    "MODIFY",
    "CREATE",
    "OWNERSHIP",
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
];
const SF_DATABASE: &[&str] = &["USAGE", "MONITOR", "MODIFY", "CREATE", "OWNERSHIP"];
const SF_WAREHOUSE: &[&str] = &["USAGE", "OPERATE", "MONITOR", "MODIFY", "OWNERSHIP"];

/// BigQuery's plain words: the question words that map to permissions, and a dataset's legacy
/// roles. Roles (`roles/…`, `projects/…/roles/…`) and permissions (`bigquery.tables.getData`)
/// are accepted as written: an unknown role grants nothing and the answer says so.
const BQ_WORDS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "READER", "WRITER", "OWNER",
];

/// The words `platform` knows on a resource of `kind`, `ALL` aside (see [`known`]).
pub fn words(platform: Platform, kind: ResourceKind) -> &'static [&'static str] {
    use ResourceKind as K;
    match platform {
        Platform::Postgres => match kind {
            K::Table | K::View | K::MaterializedView | K::ForeignTable => PG_TABLE,
            K::Sequence => PG_SEQUENCE,
            K::Schema => PG_SCHEMA,
            K::Database => PG_DATABASE,
            K::Function => FUNCTION,
            _ => &[],
        },
        Platform::Redshift => match kind {
            K::Table | K::View | K::MaterializedView | K::ForeignTable | K::Sequence => RS_TABLE,
            K::Schema => RS_SCHEMA,
            K::Database => RS_DATABASE,
            K::Function => FUNCTION,
            _ => &[],
        },
        Platform::Snowflake => match kind {
            K::Table | K::ForeignTable | K::Sequence => SF_TABLE,
            K::View | K::MaterializedView => SF_VIEW,
            K::Schema => SF_SCHEMA,
            K::Database => SF_DATABASE,
            K::Warehouse => SF_WAREHOUSE,
            K::Function => FUNCTION,
            _ => &[],
        },
        Platform::Bigquery => BQ_WORDS,
    }
}

/// `words` and, where the platform has it, `ALL`.
fn known(platform: Platform, words: &[&'static str]) -> Vec<&'static str> {
    let mut out = words.to_vec();
    if platform != Platform::Bigquery && !out.is_empty() {
        out.push("ALL");
    }
    out
}

/// Every word `platform` knows on some kind of resource, `ALL` aside.
fn anywhere(platform: Platform) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for k in ResourceKind::ALL {
        for w in words(platform, *k) {
            if !out.contains(w) {
                out.push(w);
            }
        }
    }
    out
}

/// Checks `privilege` against what `platform` knows on `kind` (`None`: on any kind of
/// resource). Refused: a 400 at `field`, naming the kinds the word does apply to, or the
/// closest words as candidates ("did you mean SELECT?").
pub fn check(
    privilege: &Privilege,
    platform: Platform,
    kind: Option<ResourceKind>,
    connection: &str,
    field: &str,
) -> Result<(), Problem> {
    let word = privilege.as_str();
    let role_like = word.contains('/') || word.contains('.');
    if platform == Platform::Bigquery && role_like {
        return Ok(());
    }
    let (known, on) = match kind {
        Some(k) if !words(platform, k).is_empty() => {
            (known(platform, words(platform, k)), format!("a {k}"))
        }
        _ => (
            known(platform, &anywhere(platform)),
            "any resource".to_string(),
        ),
    };
    if known.contains(&word) {
        return Ok(());
    }
    let platform_name = platform_name(platform);
    let elsewhere: Vec<&str> = ResourceKind::ALL
        .iter()
        .filter(|k| words(platform, **k).contains(&word))
        .map(|k| k.as_str())
        .collect();
    let mut message = if !elsewhere.is_empty() {
        format!(
            "{word} is not a privilege on {on} in {platform_name} (it applies to: {})",
            elsewhere.join(", ")
        )
    } else {
        format!("{word} is not a privilege {platform_name} knows")
    };
    let close = closest(word, &known);
    if let Some(best) = close.first() {
        message.push_str(&format!("; did you mean {best}?"));
    }
    message.push_str(&format!(" {on} takes {}", known.join(", ")));
    if platform == Platform::Bigquery {
        message.push_str(", or a role (roles/bigquery.dataViewer)");
    }
    let candidates = close
        .into_iter()
        .map(|w| Candidate {
            name: w.to_string(),
            kind: "privilege".into(),
            connection: connection.to_string(),
        })
        .collect();
    Err(Problem::invalid(field, message).with_candidates(candidates))
}

fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Postgres => "PostgreSQL",
        Platform::Redshift => "Redshift",
        Platform::Snowflake => "Snowflake",
        Platform::Bigquery => "BigQuery",
    }
}

/// The known words within two edits of `word` (or starting with it), closest first.
fn closest(word: &str, known: &[&'static str]) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = known
        .iter()
        .map(|k| (edits(word, k), *k))
        .filter(|(d, k)| *d <= 2 || (word.len() >= 3 && k.starts_with(word)))
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, k)| k).take(3).collect()
}

/// Levenshtein distance over characters (the words are short: at most a few dozen).
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(word: &str, platform: Platform, kind: ResourceKind) -> Result<(), Problem> {
        let p = Privilege::parse(word).unwrap();
        check(&p, platform, Some(kind), "wh", "privilege")
    }

    #[test]
    fn a_typo_is_refused_with_the_word_meant() {
        let e = run("SELEKT", Platform::Postgres, ResourceKind::Table).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_argument");
        assert_eq!(e.path.as_deref(), Some("privilege"));
        assert_eq!(e.candidates[0].name, "SELECT");
        assert!(e.message.contains("did you mean SELECT?"), "{}", e.message);
    }

    #[test]
    fn a_word_of_another_kind_is_refused_naming_where_it_applies() {
        let e = run("usage", Platform::Postgres, ResourceKind::Table).unwrap_err();
        assert!(e.message.contains("schema"), "{}", e.message);
        assert!(run("USAGE", Platform::Postgres, ResourceKind::Schema).is_ok());
        assert!(run("DROP", Platform::Postgres, ResourceKind::Table).is_err());
        assert!(run("DROP", Platform::Redshift, ResourceKind::Table).is_ok());
        assert!(run("temp", Platform::Postgres, ResourceKind::Database).is_ok());
    }

    #[test]
    fn bigquery_takes_roles_and_legacy_words() {
        for w in [
            "roles/bigquery.dataViewer",
            "READER",
            "owner",
            "SELECT",
            "bigquery.tables.getData",
        ] {
            assert!(
                run(w, Platform::Bigquery, ResourceKind::Dataset).is_ok(),
                "{w}"
            );
        }
        assert!(
            run(
                "roles/bigquery.dataViewer",
                Platform::Postgres,
                ResourceKind::Table
            )
            .is_err()
        );
        assert!(run("USAGE", Platform::Bigquery, ResourceKind::Table).is_err());
    }
}
