//! A throwaway PostgreSQL for the benches (the tests' cluster, `tests/it/pg.rs`), its
//! databases, and SQL run in batches.

#[path = "../../tests/it/pg.rs"]
mod pg;

pub use pg::PgCluster;

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection as _};
use std::time::{Duration, Instant};

/// A quoted SQL identifier.
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Creates the database `name` on `cluster` (dropping one left by an earlier part of the run)
/// and returns its URL.
pub async fn create_database(cluster: &PgCluster, name: &str) -> String {
    let mut admin = PgConnection::connect(&cluster.url).await.expect("connect");
    for sql in [
        format!("DROP DATABASE IF EXISTS {}", ident(name)),
        format!("CREATE DATABASE {}", ident(name)),
    ] {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .expect("create database");
    }
    admin.close().await.ok();
    cluster.url_for(name)
}

/// `VACUUM ANALYZE` (a generated catalog took many thousands of inserts and updates), then waits
/// until no autovacuum worker is left running (two minutes at most): the steady state to
/// measure in. Returns how long the VACUUM took.
pub async fn vacuum(conn: &mut PgConnection) -> Duration {
    let t = Instant::now();
    sqlx::raw_sql("VACUUM ANALYZE")
        .execute(&mut *conn)
        .await
        .expect("vacuum");
    let took = t.elapsed();
    for _ in 0..120 {
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("activity");
        if busy == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    took
}

/// Runs each batch of SQL on `conn`; on an error, panics with `what`, the start of the batch
/// and the server's log.
pub async fn run_batches(
    conn: &mut PgConnection,
    batches: &[String],
    cluster: &PgCluster,
    what: &str,
) {
    for sql in batches {
        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql.clone()))
            .execute(&mut *conn)
            .await
        {
            panic!(
                "{what} failed: {e}\nbatch starts: {}\nserver log:\n{}",
                &sql[..sql.len().min(400)],
                cluster.log()
            );
        }
    }
}
