//! The portable queries compiled for PostgreSQL, and PostgreSQL's spelling of the fragments that
//! differ.

pub(crate) type Db = sqlx::Postgres;
/// Servers sharing the database pass over rows another one is claiming.
pub(crate) const SKIP_LOCKED: &str = "FOR UPDATE SKIP LOCKED";
/// Serialises the transactions that touch one grant (held to the end of the transaction).
pub(crate) const LOCK_KEY: &str = "SELECT pg_advisory_xact_lock(hashtext($1))";
/// Compares text byte by byte: `lower()` then folds ASCII letters only, whatever the database's
/// locale (the people columns are `COLLATE "C"`, migration 0002).
pub(crate) const BYTEWISE: &str = r#"COLLATE "C""#;
/// One snapshot for every query of a read: another server may import between them.
pub(crate) const READ_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
/// The column that keeps snapshot rows in the order they were written.
pub(crate) const WRITE_ORDER: &str = "seq";
/// Delivered at commit to every server listening ([`crate::store::Store::listener`]), so that
/// they rebuild now rather than at their next poll: `$1` the channel, `$2` the generation.
pub(crate) const ANNOUNCE: Option<&str> = Some("SELECT pg_notify($1, $2)");

/// The snapshot rows, written in bulk as this backend does it fastest.
#[path = "bulk_postgres.rs"]
pub(crate) mod bulk;

super::query_modules!();
