//! How Warden signs in to Snowflake's SQL API: a key-pair JWT (RS256, `iss`
//! `ACCOUNT.USER.SHA256:<fingerprint>`, `sub` `ACCOUNT.USER`, valid at most an hour), or an OAuth
//! token given as it is. The private key never leaves this module and is never printed.

use super::super::ConnectorError;
use super::super::jwt::RsaSigner;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// How long a JWT lives: Snowflake accepts at most an hour; a few minutes less leaves room for
/// clock skew between here and there.
pub const JWT_LIFETIME_SECS: i64 = 59 * 60;

/// A JWT is signed anew once it has less than this left: a signature is an RSA operation, and a
/// sync sends thousands of requests, each carrying the token.
pub const JWT_RENEW_SECS: i64 = 5 * 60;

/// The credential a request carries.
pub enum Auth {
    KeyPair(KeyPairAuth),
    /// An OAuth access token, sent as it is.
    Token(String),
}

impl Auth {
    /// The `Authorization` header value and the token type Snowflake expects beside it.
    pub fn header(&self, now: i64) -> Result<(String, &'static str), ConnectorError> {
        Ok(match self {
            Auth::KeyPair(k) => (format!("Bearer {}", k.current(now)?), "KEYPAIR_JWT"),
            Auth::Token(t) => (format!("Bearer {t}"), "OAUTH"),
        })
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the key nor the token is ever printed.
        f.write_str(match self {
            Auth::KeyPair(_) => "Auth::KeyPair(..)",
            Auth::Token(_) => "Auth::Token(..)",
        })
    }
}

/// A user's RSA key, for signing JWTs as `ACCOUNT.USER`.
pub struct KeyPairAuth {
    signer: RsaSigner,
    /// `ACCOUNT.USER`, upper case.
    qualified_user: String,
    /// `SHA256:` and the base64 of the SHA-256 of the public key's DER (SubjectPublicKeyInfo),
    /// as `DESC USER` shows it in `RSA_PUBLIC_KEY_FP`.
    fingerprint: String,
    /// The last JWT signed, with its `iat`.
    signed: std::sync::Mutex<Option<(i64, String)>>,
}

impl KeyPairAuth {
    /// Reads an unencrypted PKCS#8 PEM key (`-----BEGIN PRIVATE KEY-----`) for `user` of `account`.
    pub fn from_pem(account: &str, user: &str, pem: &str) -> Result<KeyPairAuth, ConnectorError> {
        let signer = RsaSigner::from_pem(pem, "the Snowflake private key")?;
        let spki = signer.public_key_der()?;
        let fingerprint = format!("SHA256:{}", STANDARD.encode(Sha256::digest(&spki)));
        Ok(KeyPairAuth {
            signer,
            qualified_user: format!("{}.{}", account_for_jwt(account), user.to_uppercase()),
            fingerprint,
            signed: std::sync::Mutex::new(None),
        })
    }

    /// The public key's fingerprint, `SHA256:…` (safe to print: it is public).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// A JWT valid at `now` (Unix seconds): the last one signed while it has more than
    /// [`JWT_RENEW_SECS`] left, else a new one.
    pub fn current(&self, now: i64) -> Result<String, ConnectorError> {
        let mut signed = self
            .signed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((iat, jwt)) = signed.as_ref()
            && *iat <= now
            && now < iat + JWT_LIFETIME_SECS - JWT_RENEW_SECS
        {
            return Ok(jwt.clone());
        }
        let jwt = self.jwt(now)?;
        *signed = Some((now, jwt.clone()));
        Ok(jwt)
    }

    /// A JWT issued at `now` (Unix seconds), valid for [`JWT_LIFETIME_SECS`].
    pub fn jwt(&self, now: i64) -> Result<String, ConnectorError> {
        let claims = serde_json::json!({
            "iss": format!("{}.{}", self.qualified_user, self.fingerprint),
            "sub": self.qualified_user,
            "iat": now,
            "exp": now + JWT_LIFETIME_SECS,
        });
        self.signer
            .sign(&serde_json::json!({"alg": "RS256", "typ": "JWT"}), &claims)
    }
}

/// The account as a JWT names it: upper case, without a region or cloud after the locator
/// (`xy12345.eu-west-1` is `XY12345`); an organisation's `myorg.myacct` is `MYORG-MYACCT`.
pub fn account_for_jwt(account: &str) -> String {
    let account = account
        .trim()
        .trim_end_matches(".snowflakecomputing.com")
        .to_uppercase();
    match account.split_once('.') {
        // A locator is letters then digits; what follows its dot is the region.
        Some((locator, _))
            if locator.chars().any(|c| c.is_ascii_digit()) && !locator.contains('-') =>
        {
            locator.to_string()
        }
        Some(_) => account.replace('.', "-"),
        None => account,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::FailureKind;

    proptest::proptest! {
        /// Whatever is configured as the account or the key: an answer or a clear error.
        #[test]
        fn any_account_or_key_text_is_read_without_a_panic(text in proptest::prelude::any::<String>()) {
            let _ = account_for_jwt(&text);
            let pem = format!("-----BEGIN PRIVATE KEY-----\n{text}\n-----END PRIVATE KEY-----");
            for key in [text.as_str(), pem.as_str()] {
                let e = KeyPairAuth::from_pem(&text, &text, key).err();
                proptest::prop_assert!(e.is_some_and(|e| e.kind == FailureKind::Config));
            }
        }
    }

    #[test]
    fn the_account_is_named_as_snowflake_expects_in_a_jwt() {
        assert_eq!(account_for_jwt("xy12345.eu-west-1"), "XY12345");
        assert_eq!(account_for_jwt("xy12345"), "XY12345");
        assert_eq!(account_for_jwt("myorg-myacct"), "MYORG-MYACCT");
        assert_eq!(
            account_for_jwt("xy12345.us-east-2.aws.snowflakecomputing.com"),
            "XY12345"
        );
    }

    #[test]
    fn a_key_that_is_not_a_pkcs8_rsa_pem_is_refused_clearly() {
        for (pem, says) in [
            ("not a key", "PKCS#8"),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
                "encrypted",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
                "base64",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                "not an RSA key",
            ),
        ] {
            let Err(e) = KeyPairAuth::from_pem("xy12345", "warden", pem) else {
                panic!("{pem:?} was accepted");
            };
            assert_eq!(e.kind, FailureKind::Config);
            assert!(e.message.contains(says), "{}", e.message);
        }
    }
}
