//! The SQLite backend's people, tokens, conversations and agent-call log.

use super::sqlite::SqliteStore;
use super::{AgentCall, StoreError};
use crate::model::people::{Person, Principal, Role, TokenInfo};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

fn person(row: &SqliteRow) -> Result<Person, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(Person {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).map_err(StoreError::Corrupt)?,
        created_at: row.try_get("created_at")?,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl SqliteStore {
    pub async fn add_person(&self, p: &Person) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO people (id, name, email, role, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.email)
        .bind(p.role.as_str())
        .bind(&p.created_at)
        .execute(self.pool())
        .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn people(&self) -> Result<Vec<Person>, StoreError> {
        let rows = sqlx::query("SELECT * FROM people ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(person).collect()
    }

    /// A person by name or email, any case.
    pub async fn find_person(&self, key: &str) -> Result<Option<Person>, StoreError> {
        let row = sqlx::query("SELECT * FROM people WHERE name = ?1 OR email = ?1 LIMIT 1")
            .bind(key.trim())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(person).transpose()
    }

    pub async fn add_token(
        &self,
        id: &str,
        person_id: &str,
        agent: Option<&str>,
        hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO tokens (id, person_id, agent, hash, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(person_id)
        .bind(agent)
        .bind(hash)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.id, p.name, t.agent, t.created_at, t.revoked_at
               FROM tokens t JOIN people p ON p.id = t.person_id ORDER BY t.created_at, t.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.try_get(0)?,
                    person: r.try_get(1)?,
                    agent: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    revoked_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Marks a token revoked; false when there is no live token with that id.
    pub async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(chrono::Utc::now().to_rfc3339())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The principal a live token stands for.
    pub async fn principal_for(&self, hash: &str) -> Result<Option<Principal>, StoreError> {
        let row = sqlx::query(
            "SELECT p.*, t.id AS token_id, t.agent FROM tokens t JOIN people p ON p.id = t.person_id
              WHERE t.hash = ? AND t.revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Principal {
            person: Some(person(&row)?),
            agent: row.try_get("agent")?,
            token_id: row.try_get("token_id")?,
        }))
    }

    pub async fn conversation(&self, id: &str, owner: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT state FROM conversations WHERE id = ? AND owner = ?")
                .bind(id)
                .bind(owner)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn save_conversation(
        &self,
        id: &str,
        owner: &str,
        state: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO conversations (id, owner, state, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
             WHERE conversations.owner = excluded.owner",
        )
        .bind(id)
        .bind(owner)
        .bind(state)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn log_agent_call(&self, call: &AgentCall) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO agent_calls (at, person_id, agent, token_id, tool, arguments, outcome)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(&call.person_id)
        .bind(&call.agent)
        .bind(&call.token_id)
        .bind(&call.tool)
        .bind(call.arguments.to_string())
        .bind(&call.outcome)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn agent_calls(&self) -> Result<Vec<AgentCall>, StoreError> {
        let rows = sqlx::query(
            "SELECT person_id, agent, token_id, tool, arguments, outcome FROM agent_calls ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let args: String = r.try_get(4)?;
                Ok(AgentCall {
                    person_id: r.try_get(0)?,
                    agent: r.try_get(1)?,
                    token_id: r.try_get(2)?,
                    tool: r.try_get(3)?,
                    arguments: serde_json::from_str(&args)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    outcome: r.try_get(5)?,
                })
            })
            .collect()
    }

    pub async fn record_sync(
        &self,
        connection: &str,
        error: Option<(&str, &str)>,
    ) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339();
        sqlx::query(
            "INSERT INTO sync_status (connection, attempted_at, ok, error_kind, error, last_success)
             VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?3 THEN ?2 END)
             ON CONFLICT (connection) DO UPDATE SET attempted_at = excluded.attempted_at,
                 ok = excluded.ok, error_kind = excluded.error_kind, error = excluded.error,
                 last_success = COALESCE(excluded.last_success, sync_status.last_success)",
        )
        .bind(connection)
        .bind(&now)
        .bind(error.is_none())
        .bind(error.map(|e| e.0))
        .bind(error.map(|e| e.1))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn claim_sync(
        &self,
        connection: &str,
        now: i64,
        interval: i64,
    ) -> Result<bool, StoreError> {
        sqlx::query("INSERT OR IGNORE INTO sync_schedule (connection, next_due) VALUES (?, ?)")
            .bind(connection)
            .bind(now)
            .execute(self.pool())
            .await?;
        let r = sqlx::query(
            "UPDATE sync_schedule SET next_due = ?3 WHERE connection = ?1 AND next_due <= ?2",
        )
        .bind(connection)
        .bind(now)
        .bind(now + interval)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
