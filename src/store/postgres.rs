//! The PostgreSQL backend: one database that several `warden serve` processes share
//! (DESIGN.md "Scale"), opened, migrated and listened to here (its queries are in `portable/`).
//! The tables mirror SQLite's (`migrations/postgres`).

use super::portable::GENERATION_CHANNEL;
use super::{Backend, PgStore, StoreError};
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// How long opening waits for the server before saying it cannot be reached.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads a `postgres://` URL without connecting. The error is one line that repeats no part of
/// the URL (it may hold a password).
pub fn parse_url(url: &str) -> Result<PgConnectOptions, String> {
    const SHAPE: &str = "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE";
    let scheme = url.split_once("://").map(|(s, _)| s);
    if !matches!(scheme, Some("postgres" | "postgresql")) {
        return Err(format!("not a PostgreSQL URL (expected {SHAPE})"));
    }
    PgConnectOptions::from_str(url)
        .map(|o| o.application_name("warden"))
        .map_err(|e| {
            let why = match &e {
                sqlx::Error::Configuration(inner) => inner.to_string(),
                other => other.to_string(),
            };
            // Some causes come wrapped twice.
            let why = why.trim_start_matches("error with configuration: ");
            format!("not a usable PostgreSQL URL ({why}; expected {SHAPE})")
        })
}

/// `host:port/database`, for messages: never the user's password.
fn describe(o: &PgConnectOptions) -> String {
    let host = match o.get_socket() {
        Some(s) => s.display().to_string(),
        None => format!("{}:{}", o.get_host(), o.get_port()),
    };
    format!("{host}/{}", o.get_database().unwrap_or(o.get_username()))
}

/// Why a first connection failed, in one line without the URL.
fn connect_failure(target: &str, e: &sqlx::Error) -> StoreError {
    let why = match e {
        sqlx::Error::Database(d) => d.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(t) => format!("TLS: {t}"),
        other => other.to_string(),
    };
    StoreError::Connect(format!("cannot connect to PostgreSQL at {target}: {why}"))
}

impl Backend<sqlx::Postgres> {
    /// Connects and migrates. Servers starting together are safe: sqlx holds an advisory lock
    /// while it migrates.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let options = parse_url(url).map_err(StoreError::Connect)?;
        let target = describe(&options);
        // One plain connection first: the pool would retry a refused connection for its whole
        // acquire timeout and then report only that it timed out.
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            Ok(Err(e)) => return Err(connect_failure(&target, &e)),
            Err(_) => {
                return Err(StoreError::Connect(format!(
                    "cannot connect to PostgreSQL at {target}: no answer within {}s",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .connect_with(options)
            .await
            .map_err(|e| connect_failure(&target, &e))?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Backend::new(pool))
    }

    /// A connection listening for new generations (announced by every import's commit).
    pub async fn listen(&self) -> Result<sqlx::postgres::PgListener, StoreError> {
        let mut l = sqlx::postgres::PgListener::connect_with(self.pool()).await?;
        l.listen(GENERATION_CHANNEL).await?;
        Ok(l)
    }
}
