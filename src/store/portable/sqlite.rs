//! The portable queries compiled for sqlite.

pub(crate) type Db = sqlx::Sqlite;
/// SQLite has no row locks; the write lock taken at `BEGIN IMMEDIATE` serialises claims.
pub(crate) const SKIP_LOCKED: &str = "";
/// Nothing to take: the write lock taken at `BEGIN IMMEDIATE` already serialises writers.
pub(crate) const LOCK_KEY: &str = "SELECT $1";

#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "audit.rs"]
pub(crate) mod audit;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "drift.rs"]
pub(crate) mod drift;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "jobs.rs"]
pub(crate) mod jobs;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "links.rs"]
pub(crate) mod links;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "requests.rs"]
pub(crate) mod requests;
