//! The portable queries compiled for SQLite, and SQLite's spelling of the fragments that differ.

pub(crate) type Db = sqlx::Sqlite;
/// SQLite has no row locks; the write lock taken at `BEGIN IMMEDIATE` serialises claims.
pub(crate) const SKIP_LOCKED: &str = "";
/// Nothing to take: the write lock taken at `BEGIN IMMEDIATE` already serialises writers.
pub(crate) const LOCK_KEY: &str = "SELECT $1";
/// Compares text byte by byte: `lower()` then folds ASCII letters only (as `COLLATE NOCASE`).
pub(crate) const BYTEWISE: &str = "COLLATE BINARY";
/// A read that sees one state of the database throughout (WAL readers do not block writers).
pub(crate) const READ_SNAPSHOT: &str = "BEGIN";
/// The column that keeps snapshot rows in the order they were written.
pub(crate) const WRITE_ORDER: &str = "rowid";
/// Servers sharing a SQLite file poll its generation: nothing to announce.
pub(crate) const ANNOUNCE: Option<&str> = None;

#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "agent_calls.rs"]
pub(crate) mod agent_calls;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "audit.rs"]
pub(crate) mod audit;
/// The snapshot rows, written in bulk as this backend does it fastest.
#[path = "bulk_sqlite.rs"]
pub(crate) mod bulk;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "conversations.rs"]
pub(crate) mod conversations;
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
#[path = "people.rs"]
pub(crate) mod people;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "requests.rs"]
pub(crate) mod requests;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "snapshots.rs"]
pub(crate) mod snapshots;
#[allow(clippy::duplicate_mod)] // once per backend, on purpose (portable.rs)
#[path = "sync.rs"]
pub(crate) mod sync;
