//! Times as Warden writes them: RFC 3339 in UTC with microseconds (`2026-12-06T16:41:47.000000Z`),
//! so that text order is time order on both store backends and in every document.

use chrono::{DateTime, Utc};

/// The written form of `t`.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Reads any RFC 3339 time, in UTC.
pub fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `#[serde(with = "…::as_stamp")]` for a `DateTime<Utc>` written as [`stamp`].
pub mod as_stamp {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::stamp(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_stamp(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time")))
    }
}

/// The same for an optional time (`null` when absent).
pub mod as_opt_stamp {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&super::stamp(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_stamp(&text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_reads_back_and_sorts_as_time() {
        let a = parse_stamp("2026-12-06T16:41:47Z").unwrap();
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(parse_stamp(&stamp(a)), Some(a));
        assert_eq!(stamp(a), "2026-12-06T16:41:47.000000Z");
        assert!(stamp(a) < stamp(b));
        assert_eq!(parse_stamp("2026-12-06T17:41:47+01:00"), Some(a));
        assert_eq!(parse_stamp("yesterday"), None);
    }
}
