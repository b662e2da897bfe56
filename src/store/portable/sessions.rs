//! Dashboard sessions and one-time sign-in links (`web_sessions`), by the hash of their secret.

use super::people::{PERSON_COLUMNS, person};
use super::{BYTEWISE, Db};
use crate::model::people::Person;
use crate::store::StoreError;
use crate::store::rows::sessions::NewSession;
use sqlx::{AssertSqlSafe, Pool, Row};

/// Stores one, and forgets every session and link that expired before `created_at`, so that the
/// table holds only live ones.
pub(crate) async fn add(pool: &Pool<Db>, s: &NewSession<'_>) -> Result<(), StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM web_sessions WHERE expires_at {BYTEWISE} <= $1"
    )))
    .bind(s.created_at)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO web_sessions (hash, kind, person_id, csrf, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.hash)
    .bind(s.kind)
    .bind(s.person_id)
    .bind(s.csrf)
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The person and CSRF token of a live session.
pub(crate) async fn find(
    pool: &Pool<Db>,
    hash: &str,
    now: &str,
) -> Result<Option<(Person, String)>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLUMNS}, s.csrf FROM web_sessions s JOIN people p ON p.id = s.person_id
          WHERE s.hash = $1 AND s.kind = 'session' AND s.expires_at {BYTEWISE} > $2"
    )))
    .bind(hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((person(&r)?, r.try_get("csrf")?)))
        .transpose()
}

/// Takes a sign-in link: it is gone after this, whether it was live or not (one use, even when
/// two browsers race for it: the one DELETE decides). The person, if it was live.
pub(crate) async fn take_link(
    pool: &Pool<Db>,
    hash: &str,
    now: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "DELETE FROM web_sessions WHERE hash = $1 AND kind = 'link' RETURNING person_id, expires_at",
    )
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires: String = row.try_get("expires_at")?;
    Ok((expires.as_str() > now)
        .then(|| row.try_get("person_id"))
        .transpose()?)
}

/// Ends a session (signing out); nothing when there is none.
pub(crate) async fn remove(pool: &Pool<Db>, hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM web_sessions WHERE hash = $1")
        .bind(hash)
        .execute(pool)
        .await?;
    Ok(())
}
