//! The store's face for the audit log (the queries are in `portable/audit.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};
use crate::model::audit::{AuditEvent, AuditFilter, NewEvent};

impl Store {
    /// Appends events that belong to no other change (syncs, agent tool calls).
    pub async fn append_audit(&self, at: &str, events: &[NewEvent]) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::audit::append_alone(pool, at, events).await)
    }

    /// Events matching `filter` (this process's own appends folded first, as for every read
    /// of the chain below).
    pub async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError> {
        self.settle_appends().await?;
        with_pool!(self, pool, sql => sql::audit::list(pool, filter).await)
    }

    /// Events after `after` and up to `upto`, exactly as stored, a page at a time (for
    /// [`crate::model::audit::ChainCheck`]).
    pub async fn audit_raw_page(
        &self,
        after: i64,
        upto: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        self.settle_appends().await?;
        with_pool!(self, pool, sql => sql::audit::raw_page(pool, after, upto, limit).await)
    }

    /// The last sequence number written and its hash.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        self.settle_appends().await?;
        with_pool!(self, pool, sql => sql::audit::head(pool).await)
    }
}
