//! The portable queries compiled for postgres.

pub(crate) type Db = sqlx::Postgres;
/// Servers sharing the database pass over rows another one is claiming.
pub(crate) const SKIP_LOCKED: &str = "FOR UPDATE SKIP LOCKED";

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
#[path = "requests.rs"]
pub(crate) mod requests;
