//! People and their tokens. A name or email is taken in any case: SQLite's columns are
//! `COLLATE NOCASE`, PostgreSQL's have unique indexes on `lower(...)` (migration 0002), and the
//! queries here compare and sort `lower(...)`, which folds ASCII letters only on both (the key
//! is compared bytewise, whatever the database's locale).

use super::{BYTEWISE, Db};
use crate::model::people::{Person, Principal, Role, TokenInfo};
use crate::store::StoreError;
use sqlx::{AssertSqlSafe, Pool, Row};

pub(crate) const PERSON_COLUMNS: &str = "p.id, p.name, p.email, p.role, p.created_at";

pub(crate) fn person(row: &<Db as sqlx::Database>::Row) -> Result<Person, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(Person {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).map_err(StoreError::Corrupt)?,
        created_at: row.try_get("created_at")?,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Adds a person; false when the name or email is taken.
pub(crate) async fn add(pool: &Pool<Db>, p: &Person) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO people (id, name, email, role, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.email)
    .bind(p.role.as_str())
    .bind(&p.created_at)
    .execute(pool)
    .await;
    match r {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Everyone, by name in any case.
pub(crate) async fn list(pool: &Pool<Db>) -> Result<Vec<Person>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLUMNS} FROM people p ORDER BY lower(p.name)"
    )))
    .fetch_all(pool)
    .await?;
    rows.iter().map(person).collect()
}

/// A person by name or email, any case; an email match first (a name may read like someone
/// else's email).
pub(crate) async fn find(pool: &Pool<Db>, key: &str) -> Result<Option<Person>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLUMNS} FROM people p
          WHERE lower(p.name) = lower($1 {BYTEWISE}) OR lower(p.email) = lower($1 {BYTEWISE})
          ORDER BY CASE WHEN lower(p.email) = lower($1 {BYTEWISE}) THEN 0 ELSE 1 END
          LIMIT 1"
    )))
    .bind(key.trim())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(person).transpose()
}

/// A person by email alone, any case.
pub(crate) async fn find_by_email(
    pool: &Pool<Db>,
    email: &str,
) -> Result<Option<Person>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLUMNS} FROM people p WHERE lower(p.email) = lower($1 {BYTEWISE})"
    )))
    .bind(email.trim())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(person).transpose()
}

/// Sets a person's role; false when no person has that id.
pub(crate) async fn set_role(pool: &Pool<Db>, id: &str, role: Role) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE people SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Stores a token's hash (never its secret), made `at`.
pub(crate) async fn add_token(
    pool: &Pool<Db>,
    id: &str,
    person_id: &str,
    agent: Option<&str>,
    hash: &str,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tokens (id, person_id, agent, hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(person_id)
    .bind(agent)
    .bind(hash)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Every token, oldest first.
pub(crate) async fn tokens(pool: &Pool<Db>) -> Result<Vec<TokenInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, p.name AS person, t.agent, t.created_at, t.revoked_at
           FROM tokens t JOIN people p ON p.id = t.person_id
          ORDER BY t.created_at, t.id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenInfo {
                id: r.try_get("id")?,
                person: r.try_get("person")?,
                agent: r.try_get("agent")?,
                created_at: r.try_get("created_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// Marks a token revoked `at`; false when there is no live token with that id.
pub(crate) async fn revoke_token(pool: &Pool<Db>, id: &str, at: &str) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The principal a live token (by hash) stands for.
pub(crate) async fn principal_for(
    pool: &Pool<Db>,
    hash: &str,
) -> Result<Option<Principal>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLUMNS}, t.id AS token_id, t.agent
           FROM tokens t JOIN people p ON p.id = t.person_id
          WHERE t.hash = $1 AND t.revoked_at IS NULL"
    )))
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Principal {
        person: Some(person(&row)?),
        agent: row.try_get("agent")?,
        token_id: row.try_get("token_id")?,
    }))
}
