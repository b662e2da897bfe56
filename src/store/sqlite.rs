//! The SQLite backend: one file, `warden.db`, in the data dir, opened and migrated here (its
//! queries are in `portable/`).

use super::audit_journal;
use super::group_commit::GroupCommit;
use super::private_dir::private_dir;
use super::sqlite_writer::SqliteWriter;
use super::{Backend, SqliteStore, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;

/// The data dir holds the store (people, token hashes, the audit log) and the config (which may
/// hold secrets): a new dir is made 0700 and the database file 0600, before SQLite opens it, so
/// that its journal files (which SQLite creates with the database's mode) are private too.
fn private_files(dir: &Path, file: &Path) -> std::io::Result<()> {
    private_dir(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(file)?;
        // A file made by an older Warden (or by hand) is tightened too.
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

impl Backend<sqlx::Sqlite> {
    pub async fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        let file = data_dir.join("warden.db");
        private_files(data_dir, &file).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(&file)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        // A journal left by a killed server is folded into the chain before anything else.
        let writer = SqliteWriter::new(file);
        let dir = data_dir.to_path_buf();
        let writer = tokio::task::spawn_blocking(move || {
            audit_journal::recover(&dir, &writer).map(|_| writer)
        })
        .await
        .map_err(|e| StoreError::Busy(format!("recovering the audit journal failed: {e}")))??;
        let mut store = Backend::new(pool);
        store.group_commit = std::sync::Arc::new(GroupCommit::sqlite(writer, data_dir));
        Ok(store)
    }
}
