//! Every query of the store, written once in SQL that SQLite and PostgreSQL both accept (`$1`
//! parameters, TEXT times, BIGINT numbers) and compiled once per backend: each file under
//! `portable/` names its database only as `super::Db`, and is included twice, by
//! [`sqlite`] and [`postgres`], which also hold the few fragments the dialects spell
//! differently. (sqlx's runtime queries are generic in name only: a function generic over the
//! database needs a bound for every type it binds or reads.)
//!
//! [`with_pool!`] hands a block the pool of whichever backend the store is, with that backend's
//! copy of the queries; [`WriteTx`] opens a write transaction the way each backend needs.

/// Declares the query modules in a backend's module: each file is compiled once per backend,
/// on purpose (the SQL is written once; the types are the backend's).
macro_rules! query_modules {
    () => {
        #[allow(clippy::duplicate_mod)]
        #[path = "agent_calls.rs"]
        pub(crate) mod agent_calls;
        #[allow(clippy::duplicate_mod)]
        #[path = "audit.rs"]
        pub(crate) mod audit;
        #[allow(clippy::duplicate_mod)]
        #[path = "conversations.rs"]
        pub(crate) mod conversations;
        #[allow(clippy::duplicate_mod)]
        #[path = "drift.rs"]
        pub(crate) mod drift;
        #[allow(clippy::duplicate_mod)]
        #[path = "gauges.rs"]
        pub(crate) mod gauges;
        #[allow(clippy::duplicate_mod)]
        #[path = "jobs.rs"]
        pub(crate) mod jobs;
        #[allow(clippy::duplicate_mod)]
        #[path = "links.rs"]
        pub(crate) mod links;
        #[allow(clippy::duplicate_mod)]
        #[path = "people.rs"]
        pub(crate) mod people;
        #[allow(clippy::duplicate_mod)]
        #[path = "requests.rs"]
        pub(crate) mod requests;
        #[allow(clippy::duplicate_mod)]
        #[path = "sessions.rs"]
        pub(crate) mod sessions;
        #[allow(clippy::duplicate_mod)]
        #[path = "slack.rs"]
        pub(crate) mod slack;
        #[allow(clippy::duplicate_mod)]
        #[path = "snapshots.rs"]
        pub(crate) mod snapshots;
        #[allow(clippy::duplicate_mod)]
        #[path = "sync.rs"]
        pub(crate) mod sync;
    };
}
use query_modules;

pub(crate) mod columns;
pub(crate) mod postgres;
pub(crate) mod sqlite;

use sqlx::{Database, Transaction};

/// The channel an import announces its generation on, where the backend announces
/// (`ANNOUNCE`, PostgreSQL's NOTIFY).
pub(crate) const GENERATION_CHANNEL: &str = "warden_generation";

/// Runs `$body` with `$pool` bound to the backend's pool and `$sql` to the backend's copy of the
/// portable queries.
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
