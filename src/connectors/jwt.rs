//! RS256 JSON Web Tokens signed with an RSA key given as PKCS#8 PEM: Snowflake's key-pair sign-in
//! and Google's service-account token grant each sign one. The key never leaves this module and
//! is never printed.

use super::{ConnectorError, FailureKind};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

/// An RSA private key that signs JWTs.
pub struct RsaSigner {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl RsaSigner {
    /// Reads an unencrypted PKCS#8 PEM key (`-----BEGIN PRIVATE KEY-----`); `whose` names it in
    /// errors (`the Snowflake private key`).
    pub fn from_pem(pem: &str, whose: &str) -> Result<RsaSigner, ConnectorError> {
        let config = |m: String| ConnectorError::new(FailureKind::Config, m);
        if pem.contains("ENCRYPTED PRIVATE KEY") {
            return Err(config(format!(
                "{whose} is encrypted; give it unencrypted (PKCS#8 PEM)"
            )));
        }
        let body: String = pem
            .lines()
            .map(str::trim)
            .skip_while(|l| !l.starts_with("-----BEGIN PRIVATE KEY-----"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        if body.is_empty() {
            return Err(config(format!(
                "{whose} is not a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)"
            )));
        }
        let der = STANDARD
            .decode(body.as_bytes())
            .map_err(|_| config(format!("{whose}'s PEM body is not base64")))?;
        let key = RsaKeyPair::from_pkcs8(&der)
            .map_err(|e| config(format!("{whose} is not an RSA key: {e}")))?;
        Ok(RsaSigner {
            key,
            rng: SystemRandom::new(),
        })
    }

    /// The public key's DER (SubjectPublicKeyInfo), which Snowflake fingerprints.
    pub fn public_key_der(&self) -> Result<Vec<u8>, ConnectorError> {
        self.key
            .public_key()
            .as_der()
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| {
                ConnectorError::new(FailureKind::Config, "the public key could not be encoded")
            })
    }

    /// `header.claims.signature`, the header's `alg` being RS256.
    pub fn sign(&self, header: &Value, claims: &Value) -> Result<String, ConnectorError> {
        let header = URL_SAFE_NO_PAD.encode(header.to_string().as_bytes());
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| ConnectorError::new(FailureKind::Config, "could not sign the JWT"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(&signature)
        ))
    }
}
