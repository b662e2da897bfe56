//! The PostgreSQL backend's people, tokens, conversations, agent-call log and sync bookkeeping.
//! Each query says what SQLite's does; where SQLite leans on `COLLATE NOCASE` these compare
//! `lower(...)`, which the unique indexes of migration 0002 also cover.

use super::postgres::PgStore;
use super::{AgentCall, StoreError};
use crate::model::people::{Person, Principal, Role, TokenInfo};
use sqlx::FromRow;

#[derive(FromRow)]
struct PersonRow {
    id: String,
    name: String,
    email: Option<String>,
    role: String,
    created_at: String,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;
    fn try_from(r: PersonRow) -> Result<Person, StoreError> {
        Ok(Person {
            role: Role::parse(&r.role).map_err(StoreError::Corrupt)?,
            id: r.id,
            name: r.name,
            email: r.email,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct PrincipalRow {
    #[sqlx(flatten)]
    person: PersonRow,
    token_id: String,
    agent: Option<String>,
}

#[derive(FromRow)]
struct TokenRow {
    id: String,
    person: String,
    agent: Option<String>,
    created_at: String,
    revoked_at: Option<String>,
}

#[derive(FromRow)]
struct AgentCallRow {
    person_id: String,
    agent: String,
    token_id: Option<String>,
    tool: String,
    arguments: String,
    outcome: String,
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

const PERSON_COLUMNS: &str = "p.id, p.name, p.email, p.role, p.created_at";

impl PgStore {
    pub async fn add_person(&self, p: &Person) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO people (id, name, email, role, created_at) VALUES ($1, $2, $3, $4, $5)",
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
        // SQLite sorts the NOCASE column case-blind (and the names differ in more than case).
        let rows: Vec<PersonRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people p ORDER BY lower(p.name)"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(Person::try_from).collect()
    }

    /// A person by name or email, any case.
    pub async fn find_person(&self, key: &str) -> Result<Option<Person>, StoreError> {
        // The key folds as the columns do (ASCII only), whatever the database's locale.
        let row: Option<PersonRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            r#"SELECT {PERSON_COLUMNS} FROM people p
                WHERE lower(p.name) = lower($1 COLLATE "C") OR lower(p.email) = lower($1 COLLATE "C")
                LIMIT 1"#
        )))
        .bind(key.trim())
        .fetch_optional(self.pool())
        .await?;
        row.map(Person::try_from).transpose()
    }

    pub async fn add_token(
        &self,
        id: &str,
        person_id: &str,
        agent: Option<&str>,
        hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO tokens (id, person_id, agent, hash, created_at) VALUES ($1, $2, $3, $4, $5)",
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
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT t.id, p.name AS person, t.agent, t.created_at, t.revoked_at
                 FROM tokens t JOIN people p ON p.id = t.person_id
                ORDER BY t.created_at, t.id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| TokenInfo {
                id: r.id,
                person: r.person,
                agent: r.agent,
                created_at: r.created_at,
                revoked_at: r.revoked_at,
            })
            .collect())
    }

    /// Marks a token revoked; false when there is no live token with that id.
    pub async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        let r =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(chrono::Utc::now().to_rfc3339())
                .bind(id)
                .execute(self.pool())
                .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The principal a live token stands for.
    pub async fn principal_for(&self, hash: &str) -> Result<Option<Principal>, StoreError> {
        let row: Option<PrincipalRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS}, t.id AS token_id, t.agent
               FROM tokens t JOIN people p ON p.id = t.person_id
              WHERE t.hash = $1 AND t.revoked_at IS NULL"
        )))
        .bind(hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Principal {
            person: Some(row.person.try_into()?),
            agent: row.agent,
            token_id: Some(row.token_id),
        }))
    }

    pub async fn conversation(&self, id: &str, owner: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT state FROM conversations WHERE id = $1 AND owner = $2")
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
            "INSERT INTO conversations (id, owner, state, updated_at) VALUES ($1, $2, $3, $4)
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
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
        let rows: Vec<AgentCallRow> = sqlx::query_as(
            "SELECT person_id, agent, token_id, tool, arguments, outcome FROM agent_calls ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AgentCall {
                    arguments: serde_json::from_str(&r.arguments)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    person_id: r.person_id,
                    agent: r.agent,
                    token_id: r.token_id,
                    tool: r.tool,
                    outcome: r.outcome,
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
             VALUES ($1, $2, $3, $4, $5, CASE WHEN $3 THEN $2 END)
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

    /// One statement, so the compare and set needs no transaction: of servers racing on the
    /// same row, the first moves `next_due` on and the others, re-checking the row after its
    /// lock is released, find it no longer due (an insert race ends the same way through
    /// `ON CONFLICT`).
    pub async fn claim_sync(
        &self,
        connection: &str,
        now: i64,
        interval: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO sync_schedule (connection, next_due) VALUES ($1, $3)
             ON CONFLICT (connection) DO UPDATE SET next_due = excluded.next_due
             WHERE sync_schedule.next_due <= $2",
        )
        .bind(connection)
        .bind(now)
        .bind(now + interval)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
