//! Dashboard sign-in: a person's session (a random secret in the cookie, its hash in the store,
//! with a CSRF token for every form) and one-time sign-in links (`warden demo` prints one per
//! person). Like tokens, the secrets are random, so a SHA-256 hash is all the store needs.

use super::People;
use super::tokens::hash_token;
use crate::error::Problem;
use crate::model::people::{Person, Principal};
use crate::model::time::stamp;
use crate::store::NewSession;
use rand::RngCore;
use std::time::Duration;

/// How long a session lasts from sign-in.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// How long a sign-in link may wait to be used.
pub const LINK_TTL: Duration = Duration::from_secs(15 * 60);

/// A session just started: the secret for the cookie (shown once) and when it ends.
pub struct StartedSession {
    pub secret: String,
    pub expires_in: Duration,
}

/// A live session: who it is, and the CSRF token its forms must carry.
#[derive(Clone)]
pub struct Session {
    pub who: Principal,
    pub csrf: String,
}

/// 256 random bits as hex: a session secret, a link's secret or a CSRF token.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    crate::model::hex(&bytes)
}

impl People {
    /// Signs in with a bearer token (what `/login` takes): a new session for its person. An
    /// agent's token does not sign in to the dashboard: the pages act for a person.
    pub async fn sign_in_with_token(&self, token: &str) -> Result<Option<StartedSession>, Problem> {
        let Some(who) = self.principal_for_token(token.trim()).await? else {
            return Ok(None);
        };
        match (who.person, who.agent) {
            (Some(person), None) => Ok(Some(self.start_session(&person).await?)),
            _ => Ok(None),
        }
    }

    /// Uses up a one-time sign-in link: a new session for its person, if the link was live.
    pub async fn sign_in_with_link(&self, secret: &str) -> Result<Option<StartedSession>, Problem> {
        let now = stamp(self.store.clock().now());
        let Some(person_id) = self
            .store
            .take_sign_in_link(&hash_token(secret), &now)
            .await?
        else {
            return Ok(None);
        };
        let people = self.store.people().await?;
        match people.into_iter().find(|p| p.id == person_id) {
            Some(person) => Ok(Some(self.start_session(&person).await?)),
            None => Ok(None),
        }
    }

    /// A one-time sign-in link's secret for `person`, live for [`LINK_TTL`].
    pub async fn sign_in_link(&self, person: &Person) -> Result<String, Problem> {
        let secret = random_secret();
        self.store_secret(&secret, "link", person, LINK_TTL).await?;
        Ok(secret)
    }

    /// The live session whose cookie holds `secret`.
    pub async fn session(&self, secret: &str) -> Result<Option<Session>, Problem> {
        let now = stamp(self.store.clock().now());
        let found = self.store.web_session(&hash_token(secret), &now).await?;
        Ok(found.map(|(person, csrf)| Session {
            who: Principal::person(person),
            csrf,
        }))
    }

    /// Signs out: the session stops working at once, on every server sharing the store.
    pub async fn end_session(&self, secret: &str) -> Result<(), Problem> {
        Ok(self.store.remove_web_session(&hash_token(secret)).await?)
    }

    pub(super) async fn start_session(&self, person: &Person) -> Result<StartedSession, Problem> {
        let secret = random_secret();
        self.store_secret(&secret, "session", person, SESSION_TTL)
            .await?;
        Ok(StartedSession {
            secret,
            expires_in: SESSION_TTL,
        })
    }

    async fn store_secret(
        &self,
        secret: &str,
        kind: &str,
        person: &Person,
        ttl: Duration,
    ) -> Result<(), Problem> {
        let now = self.store.clock().now();
        let until = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
        let hash = hash_token(secret);
        let csrf = random_secret();
        self.store
            .add_web_session(&NewSession {
                hash: &hash,
                kind,
                person_id: &person.id,
                csrf: &csrf,
                created_at: &stamp(now),
                expires_at: &stamp(until),
            })
            .await?;
        Ok(())
    }
}
