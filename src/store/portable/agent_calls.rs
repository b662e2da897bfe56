//! The log of tool calls agent tokens made.

use super::Db;
use crate::store::StoreError;
use crate::store::rows::agent_calls::AgentCall;
use sqlx::{Pool, Row, Transaction};

/// Appends `call`, made `at`, inside `tx` (beside the audit event that records it).
pub(crate) async fn insert(
    tx: &mut Transaction<'static, Db>,
    call: &AgentCall,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO agent_calls (at, person_id, agent, token_id, tool, arguments, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(&call.person_id)
    .bind(&call.agent)
    .bind(&call.token_id)
    .bind(&call.tool)
    .bind(call.arguments.to_string())
    .bind(&call.outcome)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every logged call, oldest first.
pub(crate) async fn list(pool: &Pool<Db>) -> Result<Vec<AgentCall>, StoreError> {
    let rows = sqlx::query(
        "SELECT person_id, agent, token_id, tool, arguments, outcome FROM agent_calls ORDER BY seq",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let args: String = r.try_get("arguments")?;
            Ok(AgentCall {
                person_id: r.try_get("person_id")?,
                agent: r.try_get("agent")?,
                token_id: r.try_get("token_id")?,
                tool: r.try_get("tool")?,
                arguments: serde_json::from_str(&args)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                outcome: r.try_get("outcome")?,
            })
        })
        .collect()
}
