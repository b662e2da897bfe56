//! The store's face for imported connections (the queries are in `portable/snapshots.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};
use crate::model::Connection;

impl Store {
    /// Replaces what is known about each of `connections` (others untouched), all or nothing.
    /// Returns the new generation.
    pub async fn replace_connections(&self, connections: &[Connection]) -> Result<i64, StoreError> {
        let at = self.written_at();
        with_pool!(self, pool, sql => sql::snapshots::replace(pool, connections, &at).await)
    }

    /// Every stored connection.
    pub async fn load(&self) -> Result<Vec<Connection>, StoreError> {
        with_pool!(self, pool, sql => sql::snapshots::load(pool, true).await)
    }

    /// Every connection with its identities only (no memberships, resources or grants).
    pub async fn load_identities(&self) -> Result<Vec<Connection>, StoreError> {
        with_pool!(self, pool, sql => sql::snapshots::load(pool, false).await)
    }

    /// A number that changes with every import: cheap to poll.
    pub async fn generation(&self) -> Result<i64, StoreError> {
        with_pool!(self, pool, sql => sql::snapshots::generation(pool).await)
    }
}
