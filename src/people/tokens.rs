//! Bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash. A slow password
//! hash buys nothing here: the secret is random, not chosen by a person.

use crate::model::hex;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The prefix marks Warden tokens in logs and secret scanners.
const PREFIX: &str = "wdn_";

/// A freshly made token: the id to list and revoke it by, the secret, and its hash.
pub struct NewToken {
    pub id: String,
    pub secret: String,
    pub hash: String,
}

pub fn new_token() -> NewToken {
    let mut rng = rand::rng();
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let mut id = [0u8; 6];
    rng.fill_bytes(&mut id);
    let secret = format!("{PREFIX}{}", hex(&secret));
    NewToken {
        id: format!("tok_{}", hex(&id)),
        hash: hash_token(&secret),
        secret,
    }
}

/// The stored form of a token.
pub fn hash_token(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_hash_stably() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a.secret, b.secret);
        assert_ne!(a.id, b.id);
        assert!(a.secret.starts_with("wdn_") && a.secret.len() == 68);
        assert_eq!(hash_token(&a.secret), a.hash);
        assert_ne!(a.hash, b.hash);
    }
}
