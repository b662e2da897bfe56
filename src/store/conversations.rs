//! The store's face for chat conversations (the queries are in `portable/conversations.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};

impl Store {
    /// A conversation's saved state, if `owner` owns it.
    pub async fn conversation(&self, id: &str, owner: &str) -> Result<Option<String>, StoreError> {
        with_pool!(self, pool, sql => sql::conversations::get(pool, id, owner).await)
    }

    /// Saves a conversation's state; a conversation of another owner is left untouched.
    pub async fn save_conversation(
        &self,
        id: &str,
        owner: &str,
        state: &str,
    ) -> Result<(), StoreError> {
        let at = self.written_at();
        with_pool!(self, pool, sql => sql::conversations::save(pool, id, owner, state, &at).await)
    }
}
