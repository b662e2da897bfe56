//! Lower-case hex text of bytes: hashes, token digests and random identifiers.

/// `bytes` as lower-case hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::hex;
    use proptest::prelude::*;

    proptest! {
        /// The same text as formatting each byte with `{:02x}`.
        #[test]
        fn matches_format(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let by_format: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            prop_assert_eq!(hex(&bytes), by_format);
        }
    }
}
