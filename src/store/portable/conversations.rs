//! Chat conversations' saved state, so that a follow-up reaches any server sharing the store.

use super::Db;
use crate::store::StoreError;
use sqlx::Pool;

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

/// Saves a conversation's state as of `at`; a conversation of another owner is left untouched.
pub(crate) async fn save(
    pool: &Pool<Db>,
    id: &str,
    owner: &str,
    state: &str,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO conversations (id, owner, state, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
         WHERE conversations.owner = excluded.owner",
    )
    .bind(id)
    .bind(owner)
    .bind(state)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}
