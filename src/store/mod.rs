//! Where imported connections live. One face ([`Store`]) over the backends: SQLite in the data
//! dir, or PostgreSQL (`--database-url`) shared by several servers; one conformance suite
//! (tests/it/store.rs) runs on both.

pub mod audit;
mod db;
pub mod drift;
pub mod jobs;
mod links;
mod portable;
mod postgres;
mod postgres_people;
pub mod requests;
mod sqlite;
mod sqlite_people;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::model::Connection;
use crate::model::people::{Person, Principal, TokenInfo};
use std::path::Path;

/// A store failure, kept whole for the logs; [`StoreError::summary`] is what users see.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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
            StoreError::Database(_) => "database error (see server log)".into(),
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
    /// else the SQLite store in `data_dir`.
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> Result<Store, StoreError> {
        let store = match database_url {
            Some(url) => Store::Postgres(PgStore::open(url).await?),
            None => Store::open_data_dir(data_dir).await?,
        };
        store.backfill_request_grants().await?;
        Ok(store)
    }

    /// Replaces what is known about each of `connections` (others untouched), all or nothing.
    /// Returns the new generation.
    pub async fn replace_connections(&self, connections: &[Connection]) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(s) => s.replace_connections(connections).await,
            Store::Postgres(s) => s.replace_connections(connections).await,
        }
    }

    /// Every stored connection.
    pub async fn load(&self) -> Result<Vec<Connection>, StoreError> {
        match self {
            Store::Sqlite(s) => s.load().await,
            Store::Postgres(s) => s.load().await,
        }
    }

    /// A number that changes with every import: cheap to poll.
    pub async fn generation(&self) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(s) => s.generation().await,
            Store::Postgres(s) => s.generation().await,
        }
    }

    /// Adds a person; false when the name or email is taken.
    pub async fn add_person(&self, p: &Person) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.add_person(p).await,
            Store::Postgres(s) => s.add_person(p).await,
        }
    }

    pub async fn people(&self) -> Result<Vec<Person>, StoreError> {
        match self {
            Store::Sqlite(s) => s.people().await,
            Store::Postgres(s) => s.people().await,
        }
    }

    /// A person by name or email, any case.
    pub async fn find_person(&self, key: &str) -> Result<Option<Person>, StoreError> {
        match self {
            Store::Sqlite(s) => s.find_person(key).await,
            Store::Postgres(s) => s.find_person(key).await,
        }
    }

    /// Stores a token's hash (never its secret).
    pub async fn add_token(
        &self,
        id: &str,
        person_id: &str,
        agent: Option<&str>,
        hash: &str,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.add_token(id, person_id, agent, hash).await,
            Store::Postgres(s) => s.add_token(id, person_id, agent, hash).await,
        }
    }

    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        match self {
            Store::Sqlite(s) => s.tokens().await,
            Store::Postgres(s) => s.tokens().await,
        }
    }

    /// False when no live token has that id.
    pub async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.revoke_token(id).await,
            Store::Postgres(s) => s.revoke_token(id).await,
        }
    }

    /// Who a live token (by hash) stands for.
    pub async fn principal_for(&self, hash: &str) -> Result<Option<Principal>, StoreError> {
        match self {
            Store::Sqlite(s) => s.principal_for(hash).await,
            Store::Postgres(s) => s.principal_for(hash).await,
        }
    }

    /// A conversation's saved state, if `owner` owns it.
    pub async fn conversation(&self, id: &str, owner: &str) -> Result<Option<String>, StoreError> {
        match self {
            Store::Sqlite(s) => s.conversation(id, owner).await,
            Store::Postgres(s) => s.conversation(id, owner).await,
        }
    }

    /// Saves a conversation's state; a conversation of another owner is left untouched.
    pub async fn save_conversation(
        &self,
        id: &str,
        owner: &str,
        state: &str,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.save_conversation(id, owner, state).await,
            Store::Postgres(s) => s.save_conversation(id, owner, state).await,
        }
    }

    pub async fn log_agent_call(&self, call: &AgentCall) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.log_agent_call(call).await,
            Store::Postgres(s) => s.log_agent_call(call).await,
        }
    }

    /// Every logged agent call, oldest first.
    pub async fn agent_calls(&self) -> Result<Vec<AgentCall>, StoreError> {
        match self {
            Store::Sqlite(s) => s.agent_calls().await,
            Store::Postgres(s) => s.agent_calls().await,
        }
    }

    /// Records how the last sync of `connection` ended: `None`, or the failure kind and message.
    pub async fn record_sync(
        &self,
        connection: &str,
        error: Option<(&str, &str)>,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.record_sync(connection, error).await,
            Store::Postgres(s) => s.record_sync(connection, error).await,
        }
    }

    /// Claims the periodic sync of `connection` if it is due at `now` (unix seconds), moving it
    /// `interval` seconds on. Of several servers sharing the store, one claim succeeds.
    pub async fn claim_sync(
        &self,
        connection: &str,
        now: i64,
        interval: i64,
    ) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.claim_sync(connection, now, interval).await,
            Store::Postgres(s) => s.claim_sync(connection, now, interval).await,
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

/// A tool call an agent token made: who, on whose behalf, what, and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentCall {
    pub person_id: String,
    pub agent: String,
    pub token_id: Option<String>,
    pub tool: String,
    pub arguments: serde_json::Value,
    /// `ok`, or the error code.
    pub outcome: String,
}

impl From<StoreError> for crate::error::ApiError {
    fn from(e: StoreError) -> Self {
        // Store messages can carry file paths and SQL: summarised here, in full at debug level
        // (the edge that reports the error logs or prints it once: no second line beside it).
        tracing::debug!(error = %e, "store failure");
        crate::error::ApiError::new(
            crate::error::ErrorCode::Unavailable,
            format!("store unavailable: {}", e.summary()),
        )
    }
}
