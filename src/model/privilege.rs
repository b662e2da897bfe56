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

impl serde::Serialize for Privilege {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Privilege {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Privilege, D::Error> {
        let s = String::deserialize(d)?;
        Privilege::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Privilege {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Privilege".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A privilege: the platform's word in upper case (SELECT), or a BigQuery role or permission as written."
        })
    }
}

impl PartialEq<str> for Privilege {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
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
