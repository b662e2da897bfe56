//! The store's face for metrics (the queries are in `portable/gauges.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};

pub use super::rows::gauges::{StoreGauges, SyncGauge};

impl Store {
    /// Counts of requests, jobs, drift and audit events, and each connection's sync, at `now`
    /// (unix ms): what every server on this store would report.
    pub async fn gauges(&self, now: i64) -> Result<StoreGauges, StoreError> {
        self.settle_appends().await?;
        with_pool!(self, pool, sql => sql::gauges::read(pool, now).await)
    }
}
