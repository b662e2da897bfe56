//! Privilege words as asked in questions: parsed once at the edge, compared as stored.

use std::fmt;

/// A privilege in a question or a grant: the platform's own word in upper case (`SELECT`), or a
/// BigQuery role or permission (`roles/bigquery.dataViewer`, `bigquery.tables.getData`) as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Privilege(String);

impl Privilege {
    /// Parses a privilege word: SQL words are case-insensitive, roles and permissions are kept.
    pub fn parse(s: &str) -> Result<Privilege, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("privilege is empty".into());
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            // "ALL PRIVILEGES" is the only two-word privilege people type.
            let upper = t.to_ascii_uppercase();
            if upper.split_whitespace().collect::<Vec<_>>() == ["ALL", "PRIVILEGES"] {
                return Ok(Privilege("ALL".into()));
            }
            return Err(format!("privilege {t:?} is not one word"));
        }
        if t.contains('/') || t.contains('.') {
            return Ok(Privilege(t.to_owned()));
        }
        let upper = t.to_ascii_uppercase();
        let canonical = match upper.as_str() {
            "TEMP" => "TEMPORARY".to_owned(),
            _ => upper,
        };
        Ok(Privilege(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Table privileges PostgreSQL knows; what an owner holds when `owner_privileges` is absent.
pub fn table_privileges() -> &'static [&'static str] {
    super::vocabulary::words(super::Platform::Postgres, super::ResourceKind::Table)
}
