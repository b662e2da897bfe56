//! Durations as people write them in config files and requests: `30s`, `15m`, `8h`, `14d`, `2w`.

use std::fmt;

/// A positive whole number of seconds, parsed from `<n><unit>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    secs: u64,
}

const UNITS: [(char, u64); 5] = [
    ('w', 7 * 86_400),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// Longest accepted duration: ten years, far beyond any sane grant, far below overflow.
const MAX_SECS: u64 = 10 * 366 * 86_400;

impl Duration {
    pub fn from_secs(secs: u64) -> Duration {
        Duration { secs }
    }

    pub fn as_secs(self) -> u64 {
        self.secs
    }

    pub fn std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.secs)
    }

    /// Parses `30s`, `15m`, `8h`, `14d`, `2w` (a number, then one unit).
    pub fn parse(text: &str) -> Result<Duration, String> {
        let t = text.trim();
        let bad = || format!("{text:?} is not a duration (write e.g. 30s, 15m, 8h, 14d or 2w)");
        let unit = t.chars().last().ok_or_else(bad)?;
        let scale = UNITS
            .iter()
            .find(|(u, _)| *u == unit.to_ascii_lowercase())
            .map(|(_, s)| *s)
            .ok_or_else(bad)?;
        let n: u64 = t[..t.len() - unit.len_utf8()]
            .trim()
            .parse()
            .map_err(|_| bad())?;
        let secs = n.checked_mul(scale).filter(|s| *s <= MAX_SECS);
        match secs {
            Some(0) => Err(format!("{text:?} is zero; a duration must be positive")),
            Some(secs) => Ok(Duration { secs }),
            None => Err(format!("{text:?} is longer than ten years")),
        }
    }
}

impl fmt::Display for Duration {
    /// The largest unit that divides it exactly: 1209600 s is `2w`, 90 s is `90s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (u, scale) in UNITS {
            if self.secs.is_multiple_of(scale) {
                return write!(f, "{}{u}", self.secs / scale);
            }
        }
        write!(f, "{}s", self.secs)
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        Duration::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]+[smhdw]$",
            "description": "A duration: 30s, 15m, 8h, 14d or 2w."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Duration;

    #[test]
    fn parses_and_prints_units() {
        for (text, secs, shown) in [
            ("30s", 30, "30s"),
            ("15m", 900, "15m"),
            ("8h", 28_800, "8h"),
            ("14d", 1_209_600, "2w"),
            ("2w", 1_209_600, "2w"),
            (" 90s ", 90, "90s"),
        ] {
            let d = Duration::parse(text).unwrap();
            assert_eq!(d.as_secs(), secs, "{text}");
            assert_eq!(d.to_string(), shown, "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for text in [
            "",
            "s",
            "10",
            "10y",
            "-1d",
            "0h",
            "1.5h",
            "99999999999w",
            "h1",
        ] {
            assert!(Duration::parse(text).is_err(), "{text:?} accepted");
        }
    }
}
