//! The SQLite backend: one file, `warden.db`, in the data dir.

use super::StoreError;
use crate::model::{
    Condition, Connection, Grant, Grantee, Identity, IdentityKind, Membership, Platform, Resource,
    ResourceKind,
};
use futures_util::TryStreamExt;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use std::path::Path;
use std::str::FromStr;

/// SQLite allows 32766 bound values per statement; rows per INSERT are sized to stay below.
const MAX_BINDS: usize = 32_000;

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// The data dir holds the store (people, token hashes, the audit log) and the config (which may
/// hold secrets): a new dir is made 0700 and the database file 0600, before SQLite opens it, so
/// that its journal files (which SQLite creates with the database's mode) are private too.
fn private_files(dir: &Path, file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(file)?;
        // A file made by an older Warden (or by hand) is tightened too.
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)?;
    }
    Ok(())
}

impl SqliteStore {
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
        Ok(SqliteStore { pool })
    }

    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn generation(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'generation'")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn replace_connections(&self, connections: &[Connection]) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = chrono::Utc::now().to_rfc3339();
        for c in connections {
            for table in [
                "connections",
                "identities",
                "memberships",
                "resources",
                "grants",
            ] {
                let column = if table == "connections" {
                    "name"
                } else {
                    "connection"
                };
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE {column} = ?"
                )))
                .bind(&c.name)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("INSERT INTO connections (name, platform, server_version, taken_at, imported_at) VALUES (?, ?, ?, ?, ?)")
                .bind(&c.name)
                .bind(c.platform.as_str())
                .bind(&c.server_version)
                .bind(c.taken_at.map(|t| t.to_rfc3339()))
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            insert_identities(&mut tx, c).await?;
            insert_memberships(&mut tx, c).await?;
            insert_resources(&mut tx, c).await?;
            insert_grants(&mut tx, c).await?;
        }
        sqlx::query("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
            .execute(&mut *tx)
            .await?;
        let generation = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'generation'")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(generation)
    }

    pub async fn load(&self) -> Result<Vec<Connection>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, platform, server_version, taken_at FROM connections ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let name: String = row.try_get("name")?;
            let platform: String = row.try_get("platform")?;
            let taken_at: Option<String> = row.try_get("taken_at")?;
            out.push(Connection {
                platform: Platform::parse(&platform)
                    .ok_or_else(|| StoreError::Corrupt(format!("platform {platform:?}")))?,
                server_version: row.try_get("server_version")?,
                taken_at: taken_at
                    .map(|t| chrono::DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("taken_at: {e}")))?,
                identities: self.load_identities(&name).await?,
                memberships: self.load_memberships(&name).await?,
                resources: self.load_resources(&name).await?,
                grants: self.load_grants(&name).await?,
                name,
            });
        }
        Ok(out)
    }

    async fn load_identities(&self, conn: &str) -> Result<Vec<Identity>, StoreError> {
        let mut rows = sqlx::query(
            "SELECT name, kind, email, display_name, superuser, inherit FROM identities WHERE connection = ? ORDER BY id",
        )
        .bind(conn)
        .fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let kind: String = row.try_get(1)?;
            out.push(Identity {
                name: row.try_get(0)?,
                kind: IdentityKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("identity kind {kind:?}")))?,
                email: row.try_get(2)?,
                display_name: row.try_get(3)?,
                superuser: row.try_get(4)?,
                inherit: row.try_get(5)?,
            });
        }
        Ok(out)
    }

    async fn load_memberships(&self, conn: &str) -> Result<Vec<Membership>, StoreError> {
        let mut rows = sqlx::query(
            "SELECT member, role, inherit FROM memberships WHERE connection = ? ORDER BY rowid",
        )
        .bind(conn)
        .fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(Membership {
                member: index(row.try_get(0)?)?,
                role: index(row.try_get(1)?)?,
                inherit: row.try_get(2)?,
            });
        }
        Ok(out)
    }

    async fn load_resources(&self, conn: &str) -> Result<Vec<Resource>, StoreError> {
        let mut rows = sqlx::query(
            "SELECT name, kind, path, owner, owner_privileges, parent FROM resources WHERE connection = ? ORDER BY id",
        )
        .bind(conn)
        .fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let name: String = row.try_get(0)?;
            let kind: String = row.try_get(1)?;
            let path: Option<String> = row.try_get(2)?;
            let owner_privileges: Option<String> = row.try_get(4)?;
            out.push(Resource {
                path: match path {
                    Some(p) => json(&p)?,
                    None => crate::model::split_name(&name),
                },
                name,
                kind: ResourceKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("resource kind {kind:?}")))?,
                owner: row.try_get::<Option<i64>, _>(3)?.map(index).transpose()?,
                owner_privileges: owner_privileges.map(|p| json(&p)).transpose()?,
                parent: row.try_get::<Option<i64>, _>(5)?.map(index).transpose()?,
            });
        }
        Ok(out)
    }

    async fn load_grants(&self, conn: &str) -> Result<Vec<Grant>, StoreError> {
        let mut rows = sqlx::query(
            "SELECT grantee_id, grantee, privilege, resource, grant_option, future, condition FROM grants WHERE connection = ? ORDER BY rowid",
        )
        .bind(conn)
        .fetch(&self.pool);
        let mut out = Vec::new();
        let mut words: std::collections::HashMap<String, std::sync::Arc<str>> =
            std::collections::HashMap::new();
        while let Some(row) = rows.try_next().await? {
            let word: String = row.try_get(2)?;
            let privilege = match words.get(&word) {
                Some(p) => p.clone(),
                None => words
                    .entry(word.clone())
                    .or_insert_with(|| word.into())
                    .clone(),
            };
            let grantee = match row.try_get::<Option<i64>, _>(0)? {
                Some(id) => Grantee::Identity(index(id)?),
                None => {
                    let text: Option<String> = row.try_get(1)?;
                    let text = text.unwrap_or_default();
                    Grantee::parse_pseudo(&text)
                        .ok_or_else(|| StoreError::Corrupt(format!("grantee {text:?}")))?
                }
            };
            let condition: Option<String> = row.try_get(6)?;
            out.push(Grant {
                grantee,
                privilege,
                resource: index(row.try_get(3)?)?,
                grant_option: row.try_get(4)?,
                future: row.try_get(5)?,
                condition: condition
                    .map(|c| json::<Condition>(&c).map(Box::new))
                    .transpose()?,
            });
        }
        Ok(out)
    }
}

fn index(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("index {v} out of range")))
}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("JSON column: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Inserts `items` in multi-row statements sized to SQLite's bound-value limit.
async fn insert_chunked<T>(
    tx: &mut Transaction<'_, Sqlite>,
    head: &'static str,
    columns: usize,
    items: &[T],
    mut push: impl FnMut(sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T),
) -> Result<(), StoreError> {
    for chunk in items.chunks((MAX_BINDS / columns).max(1)) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(head);
        qb.push_values(chunk.iter(), &mut push);
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_identities(
    tx: &mut Transaction<'_, Sqlite>,
    c: &Connection,
) -> Result<(), StoreError> {
    let rows: Vec<(usize, &Identity)> = c.identities.iter().enumerate().collect();
    insert_chunked(
        tx,
        "INSERT INTO identities (connection, id, name, kind, email, display_name, superuser, inherit) ",
        8,
        &rows,
        |mut b, (id, i)| {
            b.push_bind(c.name.clone())
                .push_bind(*id as i64)
                .push_bind(i.name.clone())
                .push_bind(i.kind.as_str())
                .push_bind(i.email.clone())
                .push_bind(i.display_name.clone())
                .push_bind(i.superuser)
                .push_bind(i.inherit);
        },
    )
    .await
}

async fn insert_memberships(
    tx: &mut Transaction<'_, Sqlite>,
    c: &Connection,
) -> Result<(), StoreError> {
    insert_chunked(
        tx,
        "INSERT INTO memberships (connection, member, role, inherit) ",
        4,
        &c.memberships,
        |mut b, m| {
            b.push_bind(c.name.clone())
                .push_bind(m.member as i64)
                .push_bind(m.role as i64)
                .push_bind(m.inherit);
        },
    )
    .await
}

async fn insert_resources(
    tx: &mut Transaction<'_, Sqlite>,
    c: &Connection,
) -> Result<(), StoreError> {
    let rows: Vec<(usize, &Resource)> = c.resources.iter().enumerate().collect();
    insert_chunked(
        tx,
        "INSERT INTO resources (connection, id, name, kind, path, owner, owner_privileges, parent) ",
        8,
        &rows,
        |mut b, (id, r)| {
            let path = (r.path != crate::model::split_name(&r.name)).then(|| to_json(&r.path));
            b.push_bind(c.name.clone())
                .push_bind(*id as i64)
                .push_bind(r.name.clone())
                .push_bind(r.kind.as_str())
                .push_bind(path)
                .push_bind(r.owner.map(i64::from))
                .push_bind(r.owner_privileges.as_ref().map(to_json))
                .push_bind(r.parent.map(i64::from));
        },
    )
    .await
}

async fn insert_grants(tx: &mut Transaction<'_, Sqlite>, c: &Connection) -> Result<(), StoreError> {
    insert_chunked(
        tx,
        "INSERT INTO grants (connection, grantee_id, grantee, privilege, resource, grant_option, future, condition) ",
        8,
        &c.grants,
        |mut b, g| {
            let (id, text) = match &g.grantee {
                Grantee::Identity(i) => (Some(i64::from(*i)), None),
                other => (None, other.pseudo_name()),
            };
            b.push_bind(c.name.clone())
                .push_bind(id)
                .push_bind(text)
                .push_bind(g.privilege.to_string())
                .push_bind(g.resource as i64)
                .push_bind(g.grant_option)
                .push_bind(g.future)
                .push_bind(g.condition.as_ref().map(to_json));
        },
    )
    .await
}
