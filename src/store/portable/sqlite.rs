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

/// The snapshot rows, written in bulk as this backend does it fastest.
#[path = "bulk_sqlite.rs"]
pub(crate) mod bulk;

super::query_modules!();
