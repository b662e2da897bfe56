//! Where imported connections live. One face ([`Store`]) over the backends; SQLite in the data
//! dir today, PostgreSQL as a second variant run through the same conformance tests.

mod sqlite;

pub use sqlite::SqliteStore;

use crate::model::Connection;
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
}

impl StoreError {
    /// A short, safe description (no SQL, no file contents).
    pub fn summary(&self) -> String {
        match self {
            StoreError::Database(_) => "database error (see server log)".into(),
            StoreError::Migrate(_) => "migration failed (see server log)".into(),
            StoreError::DataDir { path, source } => format!("cannot use data dir {path}: {source}"),
            StoreError::Corrupt(m) => format!("stored data is corrupt: {m}"),
        }
    }
}

/// The store, whichever backend holds it.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
}

impl Store {
    /// Opens (creating and migrating if needed) the SQLite store in `data_dir`.
    pub async fn open_data_dir(data_dir: &Path) -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open(data_dir).await?))
    }

    /// Replaces what is known about each of `connections` (others untouched), all or nothing.
    /// Returns the new generation.
    pub async fn replace_connections(&self, connections: &[Connection]) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(s) => s.replace_connections(connections).await,
        }
    }

    /// Every stored connection.
    pub async fn load(&self) -> Result<Vec<Connection>, StoreError> {
        match self {
            Store::Sqlite(s) => s.load().await,
        }
    }

    /// A number that changes with every import: cheap to poll.
    pub async fn generation(&self) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(s) => s.generation().await,
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
        }
    }
}
