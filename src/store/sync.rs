//! The store's face for sync bookkeeping (the queries are in `portable/sync.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};

impl Store {
    /// Records how the last sync of `connection` ended: `None`, or the failure kind and
    /// message; and how long it took (`millis`).
    pub async fn record_sync(
        &self,
        connection: &str,
        error: Option<(&str, &str)>,
        millis: i64,
    ) -> Result<(), StoreError> {
        let at = self.written_at();
        with_pool!(self, pool, sql => sql::sync::record(pool, connection, error, &at, millis).await)
    }

    /// Claims the periodic sync of `connection` if it is due at `now` (unix seconds), moving it
    /// `interval` seconds on. Of several servers sharing the store, one claim succeeds.
    pub async fn claim_sync(
        &self,
        connection: &str,
        now: i64,
        interval: i64,
    ) -> Result<bool, StoreError> {
        with_pool!(self, pool, sql => sql::sync::claim(pool, connection, now, interval).await)
    }
}
