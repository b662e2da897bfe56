//! The log of tool calls agent tokens made: the rows of the `agent_calls` table (calls logged
//! before the log was read from the chain), then the calls' audit events.

use super::Db;
use crate::store::StoreError;
use crate::store::rows::agent_calls::{AGENT_TOOL_CALL, AgentCall, CallRow, LoggedCall};
use sqlx::{Pool, Row, Transaction};

/// Appends each row inside `tx` (rows from a journal written before the log was read from the
/// chain), in one INSERT a few hundred at a time.
pub(crate) async fn insert_all(
    tx: &mut Transaction<'static, Db>,
    calls: &[CallRow<'_>],
) -> Result<(), StoreError> {
    for chunk in calls.chunks(1000) {
        let mut insert = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO agent_calls (at, person_id, agent, token_id, tool, arguments, outcome) ",
        );
        insert.push_values(chunk, |mut b, call| {
            b.push_bind(call.at.to_string())
                .push_bind(call.person_id.to_string())
                .push_bind(call.agent.to_string())
                .push_bind(call.token_id.map(str::to_string))
                .push_bind(call.tool.to_string())
                .push_bind(call.arguments.clone())
                .push_bind(call.outcome.to_string());
        });
        insert.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Every logged call, oldest first.
pub(crate) async fn list(pool: &Pool<Db>) -> Result<Vec<AgentCall>, StoreError> {
    let mut calls = rows(pool).await?;
    let events = sqlx::query("SELECT seq, data FROM audit WHERE kind = $1 ORDER BY seq")
        .bind(AGENT_TOOL_CALL)
        .fetch_all(pool)
        .await?;
    for event in events {
        let (seq, data): (i64, String) = (event.try_get("seq")?, event.try_get("data")?);
        let logged: LoggedCall = serde_json::from_str(&data).map_err(|e| {
            StoreError::Corrupt(format!("audit event {seq}: not an agent call: {e}"))
        })?;
        calls.extend(logged.entry());
    }
    Ok(calls)
}

/// The table's rows, oldest first.
async fn rows(pool: &Pool<Db>) -> Result<Vec<AgentCall>, StoreError> {
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
