//! Provisioning on PostgreSQL: grant or revoke a privilege on a table, schema or database, or a
//! membership in a role. Names are quoted by [`crate::connectors::quote`], privileges checked
//! against the object's list, and every lookup binds its names as parameters. Each operation says
//! whether the grant was there before it ran, so that expiry removes only what Warden added.

use super::{connect, current_database, failure};
use crate::connectors::{Applied, Change, ConnectorError, FailureKind, allowed_privilege, quote};
use crate::model::vocabulary::words;
use crate::model::{Platform, ResourceKind};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection as _, Row};

/// A connection to one database, for grants and revokes on it.
pub struct Provisioner {
    conn: PgConnection,
    database: String,
}

fn refuse(message: String) -> ConnectorError {
    ConnectorError::new(FailureKind::Config, message)
}

impl Provisioner {
    pub async fn connect(url: &str) -> Result<Provisioner, ConnectorError> {
        let mut conn = connect(url).await?;
        let database = current_database(&mut conn, "SELECT current_database()::text").await?;
        Ok(Provisioner { conn, database })
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }

    /// Makes `change` true on the platform.
    pub async fn grant(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        let pre_existing = self.holds(change).await?;
        let statement = self.statement(change, true)?;
        self.run(change, &statement).await?;
        self.receipt(change, pre_existing, statement).await
    }

    /// Undoes `change` on the platform.
    pub async fn revoke(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        let pre_existing = self.holds(change).await?;
        let statement = self.statement(change, false)?;
        self.run(change, &statement).await?;
        self.receipt(change, pre_existing, statement).await
    }

    /// What was done, with the state read back after it.
    async fn receipt(
        &mut self,
        change: &Change,
        pre_existing: bool,
        statement: String,
    ) -> Result<Applied, ConnectorError> {
        let holds_after = self.holds(change).await?;
        Ok(Applied {
            pre_existing,
            statement,
            holds_after,
        })
    }

    /// Whether `change` holds now as a direct grant: an ACL entry of that grantee and privilege
    /// on that object (the owner's implicit privileges count), or that membership row.
    pub async fn holds(&mut self, change: &Change) -> Result<bool, ConnectorError> {
        // Every name and the privilege are checked before any of them is sent, even as a parameter.
        self.statement(change, true)?;
        match change {
            Change::Membership { role, member } => {
                self.role_oid(role).await?;
                self.role_oid(member).await?;
                sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                       JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
                       JOIN pg_catalog.pg_roles u ON u.oid = m.member
                      WHERE r.rolname = $1 AND u.rolname = $2)",
                )
                .bind(role)
                .bind(member)
                .fetch_one(&mut self.conn)
                .await
                .map_err(failure)
            }
            Change::Privilege {
                privilege,
                resource,
                grantee,
            } => {
                let privilege = self.privilege(privilege, resource)?;
                let grantee = self.role_oid(grantee).await?;
                let (sql, names): (&'static str, Vec<&str>) = match resource.as_slice() {
                    [_, schema, table] => (
                        "SELECT a.grantee, a.privilege_type FROM pg_catalog.pg_class c
                           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
                           aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) a
                          WHERE n.nspname = $1 AND c.relname = $2",
                        vec![schema, table],
                    ),
                    [_, schema] => (
                        "SELECT a.grantee, a.privilege_type FROM pg_catalog.pg_namespace n,
                           aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a
                          WHERE n.nspname = $1",
                        vec![schema],
                    ),
                    _ => (
                        "SELECT a.grantee, a.privilege_type FROM pg_catalog.pg_database d,
                           aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a
                          WHERE d.datname = current_database()",
                        vec![],
                    ),
                };
                let mut q = sqlx::query(sql);
                for n in &names {
                    q = q.bind(*n);
                }
                let rows = q.fetch_all(&mut self.conn).await.map_err(failure)?;
                if rows.is_empty() && !names.is_empty() {
                    // aclexplode always yields the owner's entries: no row means no object.
                    return Err(refuse(format!(
                        "no {} named {:?} in database {:?}",
                        if names.len() == 2 { "table" } else { "schema" },
                        resource.join("."),
                        self.database
                    )));
                }
                Ok(rows.iter().any(|r| {
                    r.get::<sqlx::postgres::types::Oid, _>(0).0 == grantee
                        && r.get::<String, _>(1) == privilege
                }))
            }
        }
    }

    async fn role_oid(&mut self, name: &str) -> Result<u32, ConnectorError> {
        let oid: Option<sqlx::postgres::types::Oid> =
            sqlx::query_scalar("SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1")
                .bind(name)
                .fetch_optional(&mut self.conn)
                .await
                .map_err(failure)?;
        oid.map(|o| o.0)
            .ok_or_else(|| refuse(format!("no role named {name:?}")))
    }

    /// The privilege keyword, if the object's kind has it.
    fn privilege(
        &self,
        privilege: &str,
        resource: &[String],
    ) -> Result<&'static str, ConnectorError> {
        let (allowed, kind) = match resource.len() {
            3 => (words(Platform::Postgres, ResourceKind::Table), "a table"),
            2 => (words(Platform::Postgres, ResourceKind::Schema), "a schema"),
            1 => (
                words(Platform::Postgres, ResourceKind::Database),
                "a database",
            ),
            _ => {
                return Err(refuse(format!(
                    "{:?} is not a database, schema or table name",
                    resource.join(".")
                )));
            }
        };
        if resource[0] != self.database {
            return Err(refuse(format!(
                "{:?} is not in database {:?}, which this connection reaches",
                resource.join("."),
                self.database
            )));
        }
        allowed_privilege(privilege, allowed, kind)
    }

    /// The GRANT or REVOKE statement, every name quoted.
    fn statement(&self, change: &Change, grant: bool) -> Result<String, ConnectorError> {
        let q = |name: &str| quote::ident(Platform::Postgres, name);
        let (verb, to) = if grant {
            ("GRANT", "TO")
        } else {
            ("REVOKE", "FROM")
        };
        Ok(match change {
            Change::Membership { role, member } => {
                format!("{verb} {} {to} {}", q(role)?, q(member)?)
            }
            Change::Privilege {
                privilege,
                resource,
                grantee,
            } => {
                let p = self.privilege(privilege, resource)?;
                let object = match resource.as_slice() {
                    [_, schema, table] => format!("TABLE {}.{}", q(schema)?, q(table)?),
                    [_, schema] => format!("SCHEMA {}", q(schema)?),
                    [db] => format!("DATABASE {}", q(db)?),
                    _ => {
                        return Err(refuse(format!(
                            "{:?} is not an object name",
                            resource.join(".")
                        )));
                    }
                };
                format!("{verb} {p} ON {object} {to} {}", q(grantee)?)
            }
        })
    }

    /// Runs one GRANT or REVOKE while holding a transaction-scoped advisory lock on the object
    /// it changes. PostgreSQL updates an object's ACL (or a role's memberships) without waiting
    /// for another session doing the same, and the loser fails with "tuple concurrently
    /// updated"; Warden servers sharing a queue would otherwise collide whenever two requests
    /// touch one table. (Changes made outside Warden can still collide: the job retries.)
    async fn run(&mut self, change: &Change, statement: &str) -> Result<(), ConnectorError> {
        tracing::info!(statement, "provisioning");
        let key = match change {
            Change::Privilege { resource, .. } => format!("warden acl {}", resource.join(".")),
            Change::Membership { role, .. } => format!("warden role {role}"),
        };
        let mut tx = self.conn.begin().await.map_err(failure)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&key)
            .execute(&mut *tx)
            .await
            .map_err(failure)?;
        sqlx::raw_sql(AssertSqlSafe(statement.to_string()))
            .execute(&mut *tx)
            .await
            .map_err(failure)?;
        tx.commit().await.map_err(failure)?;
        Ok(())
    }
}
