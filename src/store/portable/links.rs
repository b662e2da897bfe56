//! Manual links between people and platform identities (`person_links`), each change written
//! with its audit event.

use super::Db;
use super::audit::append;
use crate::model::audit::NewEvent;
use crate::model::people::ManualLink;
use crate::store::StoreError;
use crate::store::portable::WriteTx;
use sqlx::{Pool, Row};

/// Records that `person_id` is (`linked`) or is not linked to `identity` on `connection`,
/// replacing any earlier manual word on the same pair.
pub(crate) async fn set(
    pool: &Pool<Db>,
    person_id: &str,
    link: &ManualLink,
    by: &str,
    at: &str,
    event: &NewEvent,
) -> Result<(), StoreError> {
    let mut tx = pool.write_tx().await?;
    sqlx::query(
        "DELETE FROM person_links WHERE person_id = $1 AND connection = $2 AND identity = $3",
    )
    .bind(person_id)
    .bind(&link.connection)
    .bind(&link.identity)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO person_links (person_id, connection, identity, linked, by_whom, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(person_id)
    .bind(&link.connection)
    .bind(&link.identity)
    .bind(link.linked)
    .bind(by)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    append(&mut tx, at, std::slice::from_ref(event)).await?;
    tx.commit().await?;
    Ok(())
}

/// The manual links of `person_id` (every person's when `None`), as `(person_id, link)`.
pub(crate) async fn list(
    pool: &Pool<Db>,
    person_id: Option<&str>,
) -> Result<Vec<(String, ManualLink)>, StoreError> {
    let rows = sqlx::query(
        "SELECT person_id, connection, identity, linked FROM person_links
          WHERE ($1 IS NULL OR person_id = $1) ORDER BY person_id, connection, identity",
    )
    .bind(person_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("person_id")?,
                ManualLink {
                    connection: r.try_get("connection")?,
                    identity: r.try_get("identity")?,
                    linked: r.try_get("linked")?,
                },
            ))
        })
        .collect()
}
