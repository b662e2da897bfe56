//! Chat conversations' saved state, so that a follow-up reaches any server sharing the store.

use super::Db;
use crate::store::StoreError;
use crate::store::rows::appended::SavedConversation;
use sqlx::{Pool, Transaction};

/// A conversation's saved state, if `owner` owns it.
pub(crate) async fn get(
    pool: &Pool<Db>,
    id: &str,
    owner: &str,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT state FROM conversations WHERE id = $1 AND owner = $2")
            .bind(id)
            .bind(owner)
            .fetch_optional(pool)
            .await?,
    )
}

/// Saves a conversation's state as of its time; one of another owner is left untouched, and so
/// is a state saved as of a later time (a turn answered by one server may reach the store after
/// the next turn, answered by another, on SQLite through the first's audit journal). The same
/// text for SQLite's own writer (`store/sqlite_writer.rs`), whose `$n` bind in order.
pub(crate) const SAVE: &str = "INSERT INTO conversations (id, owner, state, updated_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
     WHERE conversations.owner = excluded.owner
       AND conversations.updated_at <= excluded.updated_at";

/// Saves `c` inside `tx` (the group commit's batch).
pub(crate) async fn save(
    tx: &mut Transaction<'static, Db>,
    c: &SavedConversation,
) -> Result<(), StoreError> {
    sqlx::query(SAVE)
        .bind(&c.id)
        .bind(&c.owner)
        .bind(&c.state)
        .bind(&c.at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
