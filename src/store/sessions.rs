//! The store's face for dashboard sessions and sign-in links (the queries are in
//! `portable/sessions.rs`). Only hashes of the secrets reach the store.

use super::portable::with_pool;
use super::{Store, StoreError};
use crate::model::people::Person;

pub use super::rows::sessions::NewSession;

impl Store {
    /// Stores a session or a sign-in link, and forgets the expired ones.
    pub async fn add_web_session(&self, s: &NewSession<'_>) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::sessions::add(pool, s).await)
    }

    /// The person and CSRF token of a live session, at `now` (a stamp).
    pub async fn web_session(
        &self,
        hash: &str,
        now: &str,
    ) -> Result<Option<(Person, String)>, StoreError> {
        with_pool!(self, pool, sql => sql::sessions::find(pool, hash, now).await)
    }

    /// Uses up a sign-in link; its person if it was live at `now`.
    pub async fn take_sign_in_link(
        &self,
        hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        with_pool!(self, pool, sql => sql::sessions::take_link(pool, hash, now).await)
    }

    /// Ends a session.
    pub async fn remove_web_session(&self, hash: &str) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::sessions::remove(pool, hash).await)
    }
}
