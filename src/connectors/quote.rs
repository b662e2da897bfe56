//! Identifiers sent to a platform, quoted by that platform's rules, in this one place. A name
//! reaches the platform as a name or is refused; it never becomes SQL.

use super::{ConnectorError, FailureKind};
use crate::model::Platform;

/// Quotes `name` as one identifier for `platform`.
///
/// PostgreSQL: wrapped in `"`, inner `"` doubled, NUL refused, at most 63 bytes (a longer name
/// would be cut to another name). Redshift: the same rules and at most 127 bytes; Redshift folds
/// ASCII capitals to lower case even inside quotes (unless `enable_case_sensitive_identifier`),
/// so a name with capitals would name another object and is refused. Snowflake: wrapped in `"`,
/// inner `"` doubled, at most 255 characters. A quoted Snowflake name keeps its case, and names
/// are read from its catalogs as stored (an unquoted `sales_ops` is stored `SALES_OPS`), so
/// quoting every name names exactly the object read. BigQuery: names travel in REST paths, so a
/// name becomes one percent-encoded URL path segment (a `/` or `?` in it stays inside the
/// segment), at most 1,024 characters.
pub fn ident(platform: Platform, name: &str) -> Result<String, ConnectorError> {
    let refuse = |why: String| Err(ConnectorError::new(FailureKind::Config, why));
    if name.is_empty() {
        return refuse("an empty name cannot be quoted".into());
    }
    if name.contains('\0') {
        return refuse(format!("{name:?} holds a NUL character"));
    }
    let (max, long) = match platform {
        Platform::Redshift => (127, name.len()),
        Platform::Snowflake => (255, name.chars().count()),
        Platform::Bigquery => (1024, name.chars().count()),
        _ => (63, name.len()),
    };
    if long > max {
        let unit = if matches!(platform, Platform::Snowflake | Platform::Bigquery) {
            "characters"
        } else {
            "bytes"
        };
        return refuse(format!("{name:?} is longer than {max} {unit}"));
    }
    if platform == Platform::Redshift && name.chars().any(|c| c.is_ascii_uppercase()) {
        return refuse(format!(
            "{name:?} has capitals, which Redshift folds to lower case even when quoted"
        ));
    }
    match platform {
        Platform::Postgres | Platform::Redshift | Platform::Snowflake => {
            Ok(format!("\"{}\"", name.replace('"', "\"\"")))
        }
        Platform::Bigquery => Ok(name
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()),
    }
}

/// A dotted object name: each part quoted, joined with dots.
pub fn path(platform: Platform, parts: &[String]) -> Result<String, ConnectorError> {
    parts
        .iter()
        .map(|p| ident(platform, p))
        .collect::<Result<Vec<_>, _>>()
        .map(|q| q.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigquery_names_are_single_url_path_segments() {
        let bq = Platform::Bigquery;
        assert_eq!(ident(bq, "sales_2026").unwrap(), "sales_2026");
        assert_eq!(ident(bq, "example.com:proj").unwrap(), "example.com%3Aproj");
        assert_eq!(ident(bq, "a/b?c d").unwrap(), "a%2Fb%3Fc%20d");
        assert_eq!(ident(bq, "é").unwrap(), "%C3%A9");
        assert!(ident(bq, "").is_err());
        assert!(ident(bq, &"x".repeat(1025)).is_err());
    }

    proptest::proptest! {
        /// Whatever a BigQuery name holds, it stays one path segment: no `/`, `?` or `#`.
        #[test]
        fn any_bigquery_name_is_one_segment(name in "\\PC{1,40}") {
            let q = ident(Platform::Bigquery, &name).unwrap();
            proptest::prop_assert!(!q.contains(['/', '?', '#', ' ']));
        }
    }

    #[test]
    fn quotes_by_the_platform_rules() {
        let pg = Platform::Postgres;
        assert_eq!(ident(pg, "Orders").unwrap(), "\"Orders\"");
        assert_eq!(ident(pg, "al\"ice").unwrap(), "\"al\"\"ice\"");
        assert_eq!(
            ident(pg, "x\"; DROP TABLE t; --").unwrap(),
            "\"x\"\"; DROP TABLE t; --\""
        );
        assert_eq!(
            path(pg, &["sch.ema".into(), "T".into()]).unwrap(),
            "\"sch.ema\".\"T\""
        );
        assert!(ident(pg, "a\0b").is_err());
        assert!(ident(pg, "").is_err());
        assert!(ident(pg, &"x".repeat(64)).is_err());
        assert!(ident(Platform::Redshift, "Sales").is_err());
        assert_eq!(
            ident(Platform::Redshift, &"x".repeat(100)).unwrap().len(),
            102
        );
    }

    #[test]
    fn snowflake_names_keep_their_case_and_escape_quotes() {
        let sf = Platform::Snowflake;
        assert_eq!(ident(sf, "SALES_OPS").unwrap(), "\"SALES_OPS\"");
        assert_eq!(ident(sf, "sales \"ops\"").unwrap(), "\"sales \"\"ops\"\"\"");
        assert_eq!(
            path(sf, &["ANALYTICS".into(), "CORE".into(), "Revenue".into()]).unwrap(),
            "\"ANALYTICS\".\"CORE\".\"Revenue\""
        );
        // 255 characters, not bytes: a name of 200 two-byte letters is fine.
        assert!(ident(sf, &"é".repeat(200)).is_ok());
        assert!(ident(sf, &"x".repeat(256)).is_err());
        assert!(ident(sf, "a\0b").is_err());
    }
}
