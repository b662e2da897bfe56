//! The Redshift connector: one connection per database, over the PostgreSQL wire protocol.
//! Reads users, groups and their members, RBAC roles and their grants, the database, its schemas
//! and relations with their owners, and the explicit and scoped privileges of the SVV views
//! (PLATFORMS.md §2); [`rows::snapshot`] turns those rows into a snapshot connection, validated
//! like any import. [`Provisioner`] grants and revokes.

mod catalog;
pub mod provision;
pub mod rows;

pub use provision::Provisioner;

use super::postgres::{connect_within, current_database, failure, options};
use super::{ConnectorError, FailureKind};
use crate::model::Connection;
use rows::Rows;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Connection as _, FromRow};

/// How long one catalog query may run (connecting is bounded as for PostgreSQL).
const STATEMENT_TIMEOUT: &str = "SET statement_timeout TO 60000";

/// Reads the database `url` points at (`postgres://user:password@host:5439/database`; the
/// scheme is not checked, so `redshift://` works too) as connection `name`.
pub async fn read(url: &str, name: &str) -> Result<Connection, ConnectorError> {
    let mut conn = connect(url).await?;
    let result = fetch(&mut conn).await;
    let _ = conn.close().await;
    connection(name, &result?)
}

/// The validated connection for rows read (or recorded) from a cluster.
pub fn connection(name: &str, rows: &Rows) -> Result<Connection, ConnectorError> {
    super::validated(rows::snapshot(name, rows))
}

/// One connection to `url`, bounded by the connect timeout.
async fn connect(url: &str) -> Result<PgConnection, ConnectorError> {
    let mut conn = connect_within(&options(url)?).await?;
    // A SET after connecting rather than the `options` startup parameter, which Redshift does not
    // document.
    sqlx::raw_sql(STATEMENT_TIMEOUT)
        .execute(&mut conn)
        .await
        .map_err(failure)?;
    Ok(conn)
}

/// Every catalog query, one after the other on the one connection.
async fn fetch(conn: &mut PgConnection) -> Result<Rows, ConnectorError> {
    let database = sqlx::query(catalog::DATABASE)
        .fetch_one(&mut *conn)
        .await
        .map_err(failure)?;
    Ok(Rows {
        database: decode(&database)?,
        users: all(conn, catalog::USERS).await?,
        groups: all(conn, catalog::GROUPS).await?,
        group_members: all(conn, catalog::GROUP_MEMBERS).await?,
        roles: all(conn, catalog::ROLES).await?,
        role_grants: all(conn, catalog::ROLE_GRANTS).await?,
        user_roles: all(conn, catalog::USER_GRANTS).await?,
        schemas: all(conn, catalog::SCHEMAS).await?,
        relations: all(conn, catalog::RELATIONS).await?,
        relation_privileges: all(conn, catalog::RELATION_PRIVILEGES).await?,
        schema_privileges: all(conn, catalog::SCHEMA_PRIVILEGES).await?,
        database_privileges: all(conn, catalog::DATABASE_PRIVILEGES).await?,
    })
}

async fn all<T>(conn: &mut PgConnection, sql: &'static str) -> Result<Vec<T>, ConnectorError>
where
    T: for<'r> FromRow<'r, PgRow>,
{
    let rows = sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(failure)?;
    rows.iter().map(decode).collect()
}

/// A row as its type; a column of an unexpected type is the platform answering something else.
fn decode<T: for<'r> FromRow<'r, PgRow>>(row: &PgRow) -> Result<T, ConnectorError> {
    T::from_row(row).map_err(|e| {
        ConnectorError::new(FailureKind::Invalid, format!("unexpected catalog row: {e}"))
    })
}
