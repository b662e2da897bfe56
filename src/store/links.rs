//! The store's face for manual person–identity links (the queries are in `portable/links.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};
use crate::model::audit::NewEvent;
use crate::model::people::ManualLink;

impl Store {
    /// Records an admin's link or unlink of a person and an identity, with its audit event.
    pub async fn set_link(
        &self,
        person_id: &str,
        link: &ManualLink,
        by: &str,
        at: &str,
        event: &NewEvent,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::links::set(pool, person_id, link, by, at, event).await)
    }

    /// The manual links of one person, or of everyone (`None`), as `(person_id, link)`.
    pub async fn links(
        &self,
        person_id: Option<&str>,
    ) -> Result<Vec<(String, ManualLink)>, StoreError> {
        with_pool!(self, pool, sql => sql::links::list(pool, person_id).await)
    }
}
