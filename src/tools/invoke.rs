//! Calling a tool as someone: the rights check and the agent log that every edge (REST, MCP,
//! chat, CLI) goes through, so that no edge can forget them.

use super::{ToolInfo, find, unknown_tool};
use crate::access::Access;
use crate::error::ApiError;
use crate::people::Principal;
use crate::store::{AgentCall, Store};
use serde_json::Value;
use std::sync::Arc;

/// Finds `name` and checks that `who` may call it.
pub fn authorize(who: &Principal, name: &str) -> Result<&'static ToolInfo, ApiError> {
    let tool = find(name).ok_or_else(|| unknown_tool(name))?;
    who.require(tool.role, &format!("the tool {name}"))?;
    Ok(tool)
}

/// Calls a tool on JSON arguments as `who`, off the async workers when it can be slow.
pub async fn invoke(
    access: Arc<Access>,
    store: &Store,
    who: &Principal,
    name: &str,
    args: Value,
) -> Result<Value, ApiError> {
    let tool = authorize(who, name)?;
    let logged = who.agent.is_some().then(|| args.clone());
    let result = if tool.slow {
        tokio::task::spawn_blocking(move || tool.call(&access, args))
            .await
            .unwrap_or_else(|e| {
                Err(ApiError::internal(format!(
                    "tool {} failed: {e}",
                    tool.name
                )))
            })
    } else {
        tool.call(&access, args)
    };
    if let Some(arguments) = logged {
        log_agent_call(store, who, name, arguments, &result).await?;
    }
    result
}

/// Records a call made with an agent token: the agent, its person, the tool and the outcome.
/// A call that cannot be recorded fails: an agent's actions must not go unlogged.
pub async fn log_agent_call<T>(
    store: &Store,
    who: &Principal,
    tool: &str,
    arguments: Value,
    result: &Result<T, ApiError>,
) -> Result<(), ApiError> {
    let (Some(agent), Some(person)) = (&who.agent, &who.person) else {
        return Ok(());
    };
    let outcome = match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e.code.as_str().to_string(),
    };
    tracing::info!(agent, person = %person.name, tool, %outcome, "agent tool call");
    store
        .log_agent_call(&AgentCall {
            person_id: person.id.clone(),
            agent: agent.clone(),
            token_id: who.token_id.clone(),
            tool: tool.to_string(),
            arguments,
            outcome,
        })
        .await?;
    Ok(())
}
