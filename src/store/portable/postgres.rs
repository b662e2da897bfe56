//! The portable queries compiled for postgres.

pub(crate) type Db = sqlx::Postgres;
/// Servers sharing the database pass over rows another one is claiming.
pub(crate) const SKIP_LOCKED: &str = "FOR UPDATE SKIP LOCKED";
/// Serialises the transactions that touch one grant (held to the end of the transaction).
pub(crate) const LOCK_KEY: &str = "SELECT pg_advisory_xact_lock(hashtext($1))";

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
