//! The store's face for access requests (the queries are in `portable/requests.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};
use crate::model::audit::NewEvent;
use crate::model::request::AccessRequest;

use super::rows::jobs::NewJob;
pub use super::rows::requests::{RequestFilter, ResourceMatch};

impl Store {
    /// Stores a new request, its audit events and the jobs it starts, in one transaction.
    pub async fn insert_request(
        &self,
        req: &AccessRequest,
        events: &[NewEvent],
        jobs: &[NewJob],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::requests::insert(pool, req, events, jobs).await)
    }

    /// A request and the version it was read at (for [`Store::update_request`]).
    pub async fn request(&self, id: &str) -> Result<Option<(AccessRequest, i64)>, StoreError> {
        with_pool!(self, pool, sql => sql::requests::get(pool, id).await)
    }

    /// Writes `req` with its events and jobs if nobody changed it since `version` was read;
    /// false (nothing written) if someone did.
    pub async fn update_request(
        &self,
        req: &AccessRequest,
        version: i64,
        events: &[NewEvent],
        jobs: &[NewJob],
    ) -> Result<bool, StoreError> {
        self.update_requests(&[(req, version)], events, jobs).await
    }

    /// Writes several requests in one transaction, each if nobody changed it since its version
    /// was read; false (nothing written) if anyone did. A write that would make a request rely
    /// on a grant another is revoking, or revoke one another relies on, is refused with
    /// [`StoreError::Busy`] (see `request_grants`).
    pub async fn update_requests(
        &self,
        reqs: &[(&AccessRequest, i64)],
        events: &[NewEvent],
        jobs: &[NewJob],
    ) -> Result<bool, StoreError> {
        with_pool!(self, pool, sql => sql::requests::update(pool, reqs, events, jobs).await)
    }

    /// Fills the table of the grants live requests rely on, for a store whose requests predate
    /// it (see `portable/requests.rs`).
    pub(crate) async fn backfill_request_grants(&self) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::requests::backfill_grants(pool).await)
    }

    /// Fills the table of the keys requests are found by when filtered by resource, for a
    /// store whose requests predate it (see `portable/requests.rs`).
    pub(crate) async fn backfill_request_resources(&self) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::requests::backfill_resources(pool).await)
    }

    /// The other requests that rely on the grant `key` ([`crate::model::request::ChangeRecord::key`])
    /// and are not revoking it.
    pub async fn relying(&self, key: &str, except: &str) -> Result<Vec<String>, StoreError> {
        with_pool!(self, pool, sql => sql::requests::relying(pool, key, except).await)
    }

    pub async fn requests(&self, filter: &RequestFilter) -> Result<Vec<AccessRequest>, StoreError> {
        with_pool!(self, pool, sql => sql::requests::list(pool, filter).await)
    }
}
