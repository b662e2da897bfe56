//! Slack's v0 request signatures ("Verifying requests from Slack"): `X-Slack-Signature` is
//! `v0=` and the hex HMAC-SHA256, keyed by the app's signing secret, of `v0:{timestamp}:{body}`;
//! `X-Slack-Request-Timestamp` older or newer than [`MAX_SKEW_SECS`] is refused so that a
//! captured request cannot be replayed later.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far the request's timestamp may be from our clock, either way (Slack's five minutes).
pub const MAX_SKEW_SECS: i64 = 300;

/// The header names, as Slack sends them; also what [`SignatureError::Missing`] names.
pub const TIMESTAMP_HEADER: &str = "X-Slack-Request-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Slack-Signature";

/// Why a request is not taken as Slack's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the X-Slack-Request-Timestamp header is not a Unix time in seconds")]
    BadTimestamp,
    #[error("the request's timestamp is {skew_secs} s away from now (at most 300 s either way)")]
    Stale { skew_secs: i64 },
    #[error("the X-Slack-Signature header does not match the request")]
    Mismatch,
}

impl SignatureError {
    /// A stable machine code for logs and error documents.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing(_) => "signature_missing",
            SignatureError::BadTimestamp => "timestamp_invalid",
            SignatureError::Stale { .. } => "timestamp_stale",
            SignatureError::Mismatch => "signature_mismatch",
        }
    }
}

/// The HMAC over Slack's base string `v0:{timestamp}:{body}`, not yet finalised.
fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    // HMAC takes keys of any length, so this never fails; the Option only spares an expect.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    Some(mac)
}

/// `v0=` and the lowercase hex HMAC-SHA256 of `v0:{timestamp}:{body}` keyed by `secret`: the
/// value of `X-Slack-Signature` for this request.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let Some(mac) = mac(secret, timestamp, body) else {
        return String::new();
    };
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + 2 * digest.len());
    out.push_str("v0=");
    for b in digest.iter() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Checks a request's `X-Slack-Request-Timestamp` and `X-Slack-Signature` headers (as received;
/// `None` when absent) against its raw body, at `now_unix` seconds. The timestamp is checked first
/// (a replay is refused whatever its signature); the signature is compared in constant time.
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), SignatureError> {
    let timestamp = timestamp.ok_or(SignatureError::Missing(TIMESTAMP_HEADER))?;
    let signature = signature.ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
    // Digits only: the text itself is signed, so "+1531420618" or " 1531420618" would parse to the
    // same time yet sign differently; refusing them names the real problem.
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::BadTimestamp);
    }
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    let skew_secs = now_unix.saturating_sub(sent);
    if skew_secs.saturating_abs() > MAX_SKEW_SECS {
        return Err(SignatureError::Stale { skew_secs });
    }
    let given = signature
        .strip_prefix("v0=")
        .and_then(decode_hex)
        .ok_or(SignatureError::Mismatch)?;
    let mac = mac(secret, timestamp, body).ok_or(SignatureError::Mismatch)?;
    // verify_slice compares in constant time and refuses a wrong length.
    mac.verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

/// Hex (either case) to bytes; `None` for an odd length or a non-hex character.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Slack's documented example ("Verifying requests from Slack"): a slash command's body.
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const NOW: i64 = 1_531_420_618;
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn check(
        ts: Option<&str>,
        sig: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        verify(SECRET, ts, sig, body, now)
    }

    #[test]
    fn slacks_documented_example_signs_to_its_documented_signature() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), SIG);
    }

    #[test]
    fn the_example_is_accepted_within_five_minutes_either_way() {
        for now in [NOW, NOW - 300, NOW + 300] {
            assert_eq!(
                check(Some(TS), Some(SIG), BODY.as_bytes(), now),
                Ok(()),
                "now={now}"
            );
        }
    }

    #[test]
    fn one_second_beyond_five_minutes_is_stale_either_way() {
        assert_eq!(
            check(Some(TS), Some(SIG), BODY.as_bytes(), NOW + 301),
            Err(SignatureError::Stale { skew_secs: 301 })
        );
        assert_eq!(
            check(Some(TS), Some(SIG), BODY.as_bytes(), NOW - 301),
            Err(SignatureError::Stale { skew_secs: -301 })
        );
        let e = check(Some(TS), Some(SIG), BODY.as_bytes(), NOW + 301).unwrap_err();
        assert_eq!(e.code(), "timestamp_stale");
    }

    #[test]
    fn a_flipped_byte_anywhere_is_a_mismatch() {
        let mut body = BODY.as_bytes().to_vec();
        body[10] ^= 1;
        assert_eq!(
            check(Some(TS), Some(SIG), &body, NOW),
            Err(SignatureError::Mismatch)
        );

        let mut sig = SIG.as_bytes().to_vec();
        let last = sig.len() - 1;
        sig[last] = if sig[last] == b'3' { b'4' } else { b'3' };
        let sig = String::from_utf8(sig).unwrap();
        assert_eq!(
            check(Some(TS), Some(&sig), BODY.as_bytes(), NOW),
            Err(SignatureError::Mismatch)
        );

        // A timestamp one second off is still fresh, but it is signed: it no longer matches.
        assert_eq!(
            check(Some("1531420619"), Some(SIG), BODY.as_bytes(), NOW),
            Err(SignatureError::Mismatch)
        );
        // Another secret.
        assert_eq!(
            verify(
                "8f742231b10e8888abcd99yyyzzz85a6",
                Some(TS),
                Some(SIG),
                BODY.as_bytes(),
                NOW
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(SignatureError::Mismatch.code(), "signature_mismatch");
    }

    #[test]
    fn a_signature_not_of_the_v0_hex_form_is_a_mismatch() {
        let hex = &SIG[3..];
        let upper = format!("v0={}", hex.to_uppercase());
        for bad in [
            "",
            "v0=",
            hex,                                     // no version prefix
            &format!("v1={hex}"),                    // another version
            &SIG[..SIG.len() - 2],                   // one byte short
            &format!("{SIG}00"),                     // one byte long
            &SIG[..SIG.len() - 1],                   // odd length
            &format!("{}zz", &SIG[..SIG.len() - 2]), // not hex
            "v0=é",
        ] {
            assert_eq!(
                check(Some(TS), Some(bad), BODY.as_bytes(), NOW),
                Err(SignatureError::Mismatch),
                "{bad:?}"
            );
        }
        // The same bytes in upper case are the same signature.
        assert_eq!(check(Some(TS), Some(&upper), BODY.as_bytes(), NOW), Ok(()));
    }

    #[test]
    fn missing_headers_are_named() {
        let e = check(None, Some(SIG), BODY.as_bytes(), NOW).unwrap_err();
        assert_eq!(e, SignatureError::Missing("X-Slack-Request-Timestamp"));
        assert_eq!(e.code(), "signature_missing");
        assert!(e.to_string().contains("X-Slack-Request-Timestamp"), "{e}");
        let e = check(Some(TS), None, BODY.as_bytes(), NOW).unwrap_err();
        assert_eq!(e, SignatureError::Missing("X-Slack-Signature"));
        assert!(e.to_string().contains("X-Slack-Signature"), "{e}");
    }

    #[test]
    fn a_timestamp_that_is_not_unix_seconds_is_invalid() {
        for bad in [
            "",
            "abc",
            "+1531420618",
            " 1531420618",
            "1531420618.5",
            "-1",
            "99999999999999999999",
        ] {
            let e = check(Some(bad), Some(SIG), BODY.as_bytes(), NOW).unwrap_err();
            assert_eq!(e, SignatureError::BadTimestamp, "{bad:?}");
            assert_eq!(e.code(), "timestamp_invalid");
        }
    }

    #[test]
    fn extreme_clocks_are_stale_not_a_panic() {
        assert!(matches!(
            check(Some("0"), Some(SIG), BODY.as_bytes(), i64::MIN),
            Err(SignatureError::Stale { .. })
        ));
        assert!(matches!(
            check(
                Some("9223372036854775807"),
                Some(SIG),
                BODY.as_bytes(),
                i64::MIN
            ),
            Err(SignatureError::Stale { .. })
        ));
    }

    proptest! {
        #[test]
        fn verify_never_panics(
            secret in ".*",
            ts in proptest::option::of(".*"),
            sig in proptest::option::of(".*"),
            body in proptest::collection::vec(any::<u8>(), 0..256),
            now in any::<i64>(),
        ) {
            let _ = verify(&secret, ts.as_deref(), sig.as_deref(), &body, now);
        }

        #[test]
        fn what_is_signed_verifies_and_any_other_body_does_not(
            secret in ".{0,80}",
            ts in 0i64..4_000_000_000,
            skew in -300i64..=300,
            body in proptest::collection::vec(any::<u8>(), 0..256),
            other in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let ts_text = ts.to_string();
            let sig = sign(&secret, &ts_text, &body);
            prop_assert_eq!(verify(&secret, Some(&ts_text), Some(&sig), &body, ts + skew), Ok(()));
            prop_assume!(other != body);
            prop_assert_eq!(
                verify(&secret, Some(&ts_text), Some(&sig), &other, ts + skew),
                Err(SignatureError::Mismatch)
            );
        }

        #[test]
        fn a_changed_byte_of_the_body_breaks_the_signature(
            body in proptest::collection::vec(any::<u8>(), 1..256),
            at in any::<proptest::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let sig = sign(SECRET, TS, &body);
            let mut changed = body.clone();
            let i = at.index(changed.len());
            changed[i] ^= flip;
            prop_assert_eq!(check(Some(TS), Some(&sig), &changed, NOW), Err(SignatureError::Mismatch));
        }
    }
}
