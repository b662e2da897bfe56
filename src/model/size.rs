//! A size in bytes as people write it in `warden.toml`: `1048576`, `512KiB`, `150MB`, `1GiB`.

use std::fmt;

/// A number of bytes, parsed once from an integer or a string with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(u64);

impl ByteSize {
    pub const fn bytes(n: u64) -> ByteSize {
        ByteSize(n)
    }

    pub const fn mib(n: u64) -> ByteSize {
        ByteSize(n * 1024 * 1024)
    }

    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// As a `usize`, saturating on 32-bit targets.
    pub fn as_usize(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }

    /// `150MB` (decimal: 150,000,000), `150MiB` (binary), `64k`, `2G`, or a bare number of bytes.
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let n: u64 = digits.parse().map_err(|_| {
            format!("{text:?} is not a size (write 1048576, 512KiB, 150MB or 1GiB)")
        })?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" => 1_000,
            "kib" => 1 << 10,
            "m" | "mb" => 1_000_000,
            "mib" => 1 << 20,
            "g" | "gb" => 1_000_000_000,
            "gib" => 1 << 30,
            other => {
                return Err(format!(
                    "{text:?}: unknown unit {other:?} (use B, KB, KiB, MB, MiB, GB or GiB)"
                ));
            }
        };
        n.checked_mul(factor)
            .map(ByteSize)
            .ok_or_else(|| format!("{text:?} is too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
            write!(f, "{}MiB", n >> 20)
        } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
            write!(f, "{}KiB", n >> 10)
        } else {
            write!(f, "{n}B")
        }
    }
}

impl<'de> serde::Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ByteSize, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(u64),
            Text(String),
        }
        match Written::deserialize(d)? {
            Written::Number(n) => Ok(ByteSize(n)),
            Written::Text(t) => ByteSize::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_errors() {
        assert_eq!(ByteSize::parse("150MB").unwrap().as_u64(), 150_000_000);
        assert_eq!(ByteSize::parse("1MiB").unwrap(), ByteSize::mib(1));
        assert_eq!(ByteSize::parse(" 64 KiB ").unwrap().as_u64(), 65_536);
        assert_eq!(ByteSize::parse("42").unwrap().as_u64(), 42);
        for bad in [
            "",
            "MB",
            "12 parsecs",
            "-3MB",
            "99999999999999999999GB",
            "1.5GB",
        ] {
            assert!(ByteSize::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ByteSize::mib(256).to_string(), "256MiB");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any text (curly quotes, `İ`, emoji, digits and units mixed) is a size or an error
        /// that quotes it; a size prints back to one that parses to the same number.
        #[test]
        fn any_text_is_a_size_or_an_error(text in "\\PC{0,40}|[0-9]{1,25} ?(B|KB|KiB|MB|MiB|GB|GiB|İB|’)?") {
            match ByteSize::parse(&text) {
                Ok(n) => proptest::prop_assert_eq!(ByteSize::parse(&n.to_string()), Ok(n)),
                Err(e) => proptest::prop_assert!(!e.is_empty()),
            }
        }
    }
}
