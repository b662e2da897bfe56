//! The store's face for Slack's bookkeeping (the queries are in `portable/slack.rs`).

use super::portable::with_pool;
use super::{Store, StoreError};
use crate::store::rows::jobs::NewJob;

impl Store {
    /// How far the Slack notifier has read the audit log; `None` before it first ran.
    pub async fn slack_cursor(&self) -> Result<Option<i64>, StoreError> {
        with_pool!(self, pool, sql => sql::slack::cursor(pool).await)
    }

    /// Starts the notifier at the audit log's end, unless it has started before.
    pub async fn slack_start(&self) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::slack::start(pool).await)
    }

    /// Moves the notifier from `from` to `to`, queueing `jobs` and the channel messages
    /// (request, channel) they will post; false when another server moved it first.
    pub async fn slack_advance(
        &self,
        from: i64,
        to: i64,
        messages: &[(String, String)],
        jobs: &[NewJob],
    ) -> Result<bool, StoreError> {
        let at = self.written_at();
        with_pool!(self, pool, sql => sql::slack::advance(pool, from, to, &at, messages, jobs).await)
    }

    /// A request's channel message: the channel, and its `ts` once posted.
    pub async fn slack_message(
        &self,
        request: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        with_pool!(self, pool, sql => sql::slack::message(pool, request).await)
    }

    pub async fn slack_posted(&self, request: &str, ts: &str) -> Result<(), StoreError> {
        with_pool!(self, pool, sql => sql::slack::posted(pool, request, ts).await)
    }

    /// The request whose channel message is `ts` in `channel`.
    pub async fn slack_request_at(
        &self,
        channel: &str,
        ts: &str,
    ) -> Result<Option<String>, StoreError> {
        with_pool!(self, pool, sql => sql::slack::request_at(pool, channel, ts).await)
    }

    /// Takes an event once, queueing its jobs; false when it was taken before.
    pub async fn slack_take(&self, id: &str, jobs: &[NewJob]) -> Result<bool, StoreError> {
        let at = self.written_at();
        with_pool!(self, pool, sql => sql::slack::take(pool, id, &at, jobs).await)
    }
}
