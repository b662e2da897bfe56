//! What lets one piece of SQL run on either backend: [`with_pool!`] hands a block the pool of
//! whichever backend the store is (the block is compiled once per backend), and [`WriteTx`]
//! opens a write transaction the way each backend needs. The request, audit and job tables are
//! written this way, in SQL both databases accept (`$1` parameters, TEXT times, BIGINT numbers),
//! so their rules live in one place rather than one copy per backend.

use sqlx::{Database, Transaction};

/// Runs `$body` with `$pool` bound to the backend's pool and `$sql` to the backend's copy of the
/// portable queries ([`super::portable`]).
macro_rules! with_pool {
    ($store:expr, $pool:ident, $sql:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite(s) => {
                let $pool = s.pool();
                use $crate::store::portable::sqlite as $sql;
                $body
            }
            $crate::store::Store::Postgres(s) => {
                let $pool = s.pool();
                use $crate::store::portable::postgres as $sql;
                $body
            }
        }
    };
}
pub(crate) use with_pool;

/// A transaction that will write. SQLite's must take the write lock at `BEGIN` (IMMEDIATE):
/// a deferred one that reads first and writes later fails with `SQLITE_BUSY` when another
/// writer got in between, and the busy timeout does not help it.
pub(crate) trait WriteTx {
    type Db: Database;
    async fn write_tx(&self) -> Result<Transaction<'static, Self::Db>, sqlx::Error>;
}

impl WriteTx for sqlx::SqlitePool {
    type Db = sqlx::Sqlite;
    async fn write_tx(&self) -> Result<Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl WriteTx for sqlx::PgPool {
    type Db = sqlx::Postgres;
    async fn write_tx(&self) -> Result<Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}
