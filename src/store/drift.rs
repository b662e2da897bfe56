//! The store's face for drift records (the queries are in `portable/drift.rs`): differences
//! between what Warden provisioned and what a later sync of the platform saw.

use super::portable::with_pool;
use super::{Store, StoreError};

pub use super::rows::drift::{DriftChanges, DriftFilter, DriftKind, DriftRecord, NewDrift};

impl Store {
    pub async fn drift(&self, filter: &DriftFilter) -> Result<Vec<DriftRecord>, StoreError> {
        with_pool!(self, pool, sql => sql::drift::list(pool, filter).await)
    }

    /// Makes the open records of `connection` what this sync `found`, in one transaction: a
    /// difference with no open record gets one, an open record no longer found is resolved,
    /// each with its audit event (`drift`, `drift_resolved`). A difference already open is left
    /// alone, so a sync that keeps seeing it adds nothing.
    pub async fn reconcile_drift(
        &self,
        connection: &str,
        found: &[NewDrift],
        at: &str,
    ) -> Result<DriftChanges, StoreError> {
        with_pool!(self, pool, sql => sql::drift::reconcile(pool, connection, found, at).await)
    }
}
