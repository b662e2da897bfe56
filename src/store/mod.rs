//! Where imported connections live. One face ([`Store`]) over the backends: SQLite in the data
//! dir, or PostgreSQL (`--database-url`) shared by several servers; one conformance suite
//! (tests/it/store.rs) runs on both.
//!
//! The modules depend one way, top to bottom:
//! - the faces (`audit`, `drift`, `jobs`, `links`, `requests`, `people`, `conversations`,
//!   `agent_calls`, `sync`, `snapshots`, `slack`): the `Store` methods of one table group, each one
//!   `with_pool!` call into
//! - `portable`: every query, written once and compiled per backend, with `with_pool!` and
//!   `WriteTx`; it reads and writes the model's types and
//! - `rows`: the store's own row and filter types (jobs, drift, agent calls, request filters).
//!
//! The backends (`sqlite`, `postgres`) only open, migrate and (PostgreSQL) listen.

mod agent_calls;
pub mod audit;
mod audit_journal;
#[cfg(test)]
mod audit_plan_tests;
mod conversations;
pub mod drift;
pub mod gauges;
pub mod group_commit;
pub mod jobs;
mod journal_file;
mod journal_record;
mod links;
mod people;
mod portable;
mod postgres;
mod private_dir;
pub mod requests;
mod rows;
mod sessions;
mod slack;
mod snapshots;
mod sqlite;
mod sqlite_checkpoint;
mod sqlite_conn;
mod sqlite_writer;
mod sync;

pub use agent_calls::{AgentCall, AgentCallRecord};
pub use sessions::NewSession;

use crate::model::clock::{Clock, SystemClock};
use std::path::Path;
use std::sync::Arc;

/// A store failure, kept whole for the logs; [`StoreError::summary`] is what users see.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the SQLite group commit's own connection (`sqlite_writer`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot use data dir {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database cannot be reached or refused us; the text names it without its password.
    #[error("{0}")]
    Connect(String),
    /// A write that must wait for another to finish (a revoke of the same grant under way).
    #[error("{0}")]
    Busy(String),
}

impl StoreError {
    /// A short, safe description (no SQL, no file contents).
    pub fn summary(&self) -> String {
        match self {
            StoreError::Database(_) | StoreError::Sqlite(_) => {
                "database error (see server log)".into()
            }
            StoreError::Migrate(_) => "migration failed (see server log)".into(),
            StoreError::DataDir { path, source } => format!("cannot use data dir {path}: {source}"),
            StoreError::Corrupt(m) => format!("stored data is corrupt: {m}"),
            StoreError::Connect(m) | StoreError::Busy(m) => m.clone(),
        }
    }
}

/// The store, whichever backend holds it.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// An open backend: its pool, and the clock that stamps the times the store writes itself
/// (token creation and revocation, imports, conversations, agent calls, sync outcomes).
/// Opening and listening are all a backend does on its own; every query is in `portable/`.
pub struct Backend<Db: sqlx::Database> {
    pool: sqlx::Pool<Db>,
    clock: Arc<dyn Clock>,
    /// The audit chain's group commit, shared by every clone.
    group_commit: Arc<group_commit::GroupCommit>,
}

// By hand: a derive would ask the database type itself to be `Clone`.
impl<Db: sqlx::Database> Clone for Backend<Db> {
    fn clone(&self) -> Self {
        Backend {
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            group_commit: self.group_commit.clone(),
        }
    }
}

pub type SqliteStore = Backend<sqlx::Sqlite>;
pub type PgStore = Backend<sqlx::Postgres>;

impl<Db: sqlx::Database> Backend<Db> {
    /// A backend going by the system's clock.
    fn new(pool: sqlx::Pool<Db>) -> Backend<Db> {
        Backend {
            pool,
            clock: Arc::new(SystemClock),
            group_commit: Arc::default(),
        }
    }

    pub(crate) fn pool(&self) -> &sqlx::Pool<Db> {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Checks a `--database-url` without connecting: a one-line reason that repeats no part of the
/// URL (it may hold a password).
pub fn check_database_url(url: &str) -> Result<(), String> {
    postgres::parse_url(url).map(drop)
}

impl Store {
    /// Opens (creating and migrating if needed) the SQLite store in `data_dir`.
    pub async fn open_data_dir(data_dir: &Path) -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open(data_dir).await?))
    }

    /// Opens the PostgreSQL database at `database_url` when given (migrating it if needed),
    /// else the SQLite store in `data_dir`. The store goes by the system's clock until
    /// [`Store::with_clock`] says otherwise.
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> Result<Store, StoreError> {
        let store = match database_url {
            Some(url) => Store::Postgres(PgStore::open(url).await?),
            None => Store::open_data_dir(data_dir).await?,
        };
        store.backfill_request_grants().await?;
        store.backfill_request_resources().await?;
        Ok(store)
    }

    /// The same store going by another clock (tests move time instead of waiting).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Store {
        match &mut self {
            Store::Sqlite(s) => s.clock = clock,
            Store::Postgres(s) => s.clock = clock,
        }
        self
    }

    /// The clock that stamps what the store writes.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        match self {
            Store::Sqlite(s) => &s.clock,
            Store::Postgres(s) => &s.clock,
        }
    }

    /// Now by the store's clock, as the store has always written its own times (RFC 3339, as
    /// chrono prints it), so that rows written before and after sort together.
    fn written_at(&self) -> String {
        self.clock().now().to_rfc3339()
    }

    fn group_commit(&self) -> &Arc<group_commit::GroupCommit> {
        match self {
            Store::Sqlite(s) => &s.group_commit,
            Store::Postgres(s) => &s.group_commit,
        }
    }

    /// On PostgreSQL, a listener told of every import by any server; `None` on SQLite (whose
    /// servers share one machine and poll the generation) or when listening fails.
    pub async fn listener(&self) -> Option<sqlx::postgres::PgListener> {
        match self {
            Store::Sqlite(_) => None,
            Store::Postgres(s) => s
                .listen()
                .await
                .inspect_err(
                    |e| tracing::warn!(error = %e, "cannot LISTEN for imports; polling instead"),
                )
                .ok(),
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(s) => s.close().await,
        }
    }
}

impl From<StoreError> for crate::error::Problem {
    fn from(e: StoreError) -> Self {
        // Store messages can carry file paths and SQL: summarised here, in full at debug level
        // (the edge that reports the error logs or prints it once: no second line beside it).
        tracing::debug!(error = %e, "store failure");
        crate::error::Problem::new(
            crate::error::ErrorCode::Unavailable,
            format!("store unavailable: {}", e.summary()),
        )
    }
}
