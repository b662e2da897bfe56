//! The store's face for people and their tokens (the queries are in `portable/people.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};
use crate::model::people::{Person, Principal, Role, TokenInfo};

impl Store {
    /// Adds a person; false when the name or email is taken.
    pub async fn add_person(&self, p: &Person) -> Result<bool, StoreError> {
        with_pool!(self, pool, sql => sql::people::add(pool, p).await)
    }

    /// Everyone, by name in any case.
    pub async fn people(&self) -> Result<Vec<Person>, StoreError> {
        with_pool!(self, pool, sql => sql::people::list(pool).await)
    }

    /// A person by name or email, any case.
    pub async fn find_person(&self, key: &str) -> Result<Option<Person>, StoreError> {
        with_pool!(self, pool, sql => sql::people::find(pool, key).await)
    }

    /// A person by email alone, any case (single sign-on: never a name that reads like one).
    pub async fn find_person_by_email(&self, email: &str) -> Result<Option<Person>, StoreError> {
        with_pool!(self, pool, sql => sql::people::find_by_email(pool, email).await)
    }

    /// Sets a person's role (single sign-on, from the provider's groups); false when no person
    /// has that id.
    pub async fn set_person_role(&self, id: &str, role: Role) -> Result<bool, StoreError> {
        with_pool!(self, pool, sql => sql::people::set_role(pool, id, role).await)
    }

    /// Stores a token's hash (never its secret), made now by the store's clock.
    pub async fn add_token(
        &self,
        id: &str,
        person_id: &str,
        agent: Option<&str>,
        hash: &str,
    ) -> Result<(), StoreError> {
        let at = self.written_at();
        with_pool!(self, pool, sql => sql::people::add_token(pool, id, person_id, agent, hash, &at).await)
    }

    /// Every token, oldest first.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        with_pool!(self, pool, sql => sql::people::tokens(pool).await)
    }

    /// False when no live token has that id.
    pub async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        let at = self.written_at();
        with_pool!(self, pool, sql => sql::people::revoke_token(pool, id, &at).await)
    }

    /// Who a live token (by hash) stands for.
    pub async fn principal_for(&self, hash: &str) -> Result<Option<Principal>, StoreError> {
        with_pool!(self, pool, sql => sql::people::principal_for(pool, hash).await)
    }
}
