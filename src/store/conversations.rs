//! The store's face for chat conversations (the queries are in `portable/conversations.rs`).

use super::group_commit::Appended;
use super::portable::with_pool;
use super::rows::appended::SavedConversation;
use super::{Store, StoreError};

impl Store {
    /// A conversation's saved state, if `owner` owns it.
    pub async fn conversation(&self, id: &str, owner: &str) -> Result<Option<String>, StoreError> {
        self.settle_appends().await?;
        with_pool!(self, pool, sql => sql::conversations::get(pool, id, owner).await)
    }

    /// Saves a conversation's state; a conversation of another owner is left untouched. Through
    /// the group commit: a chat turn's one write, batched with other turns' and agents' calls.
    pub async fn save_conversation(
        &self,
        id: &str,
        owner: &str,
        state: &str,
    ) -> Result<(), StoreError> {
        let at = self.written_at();
        self.append_grouped(Appended {
            conversation: Some(SavedConversation {
                id: id.to_string(),
                owner: owner.to_string(),
                state: state.to_string(),
                at,
            }),
            ..Default::default()
        })
        .await
    }
}
