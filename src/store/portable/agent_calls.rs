//! The log of tool calls agent tokens made.

use super::Db;
use crate::store::StoreError;
use crate::store::rows::agent_calls::{AgentCall, CallRow};
use sqlx::{Pool, Row, Transaction};

/// Appends each row inside `tx` (beside the audit events that record them), in one INSERT a
/// few hundred at a time.
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
                .push_bind(call.arguments.to_string())
                .push_bind(call.outcome.to_string());
        });
        insert.build().execute(&mut **tx).await?;
    }
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
