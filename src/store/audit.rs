//! The store's face for the audit log (the queries are in `portable/audit.rs`).

use super::db::with_pool;
use super::{Store, StoreError};
use crate::model::audit::{AuditEvent, AuditFilter, NewEvent};

impl Store {
    /// Appends events that belong to no other change (syncs, agent tool calls).
    pub async fn append_audit(&self, at: &str, events: &[NewEvent]) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::audit::append_alone(pool, at, events).await)
    }

    pub async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError> {
        with_pool!(self, pool, sql => sql::audit::list(pool, filter).await)
    }

    /// Every event exactly as stored, and the head (last sequence number and hash), for
    /// [`crate::model::audit::verify`].
    pub async fn audit_raw(&self) -> Result<(Vec<AuditEvent>, i64, String), StoreError> {
        with_pool!(self, pool, sql => sql::audit::raw(pool).await)
    }
}
