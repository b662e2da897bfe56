//! Calling a tool as someone: the rights check and the agent log that every edge (REST, MCP,
//! chat, CLI) goes through, so that no edge can forget them.

use super::{ContextTool, Tool, ToolContext, ToolInfo, find, parse_args, unknown_tool};
use crate::access::Access;
use crate::error::Problem;
use crate::metrics::caller_of;
use crate::model::audit::http_request_id;
use crate::people::Principal;
use crate::requests::Requests;
use crate::requests::clock::stamp;
use crate::store::AgentCallRecord;
use crate::store::group_commit::Appended;
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::Arc;

/// Finds `name` and checks that `who` may call it.
pub fn authorize(who: &Principal, name: &str) -> Result<&'static ToolInfo, Problem> {
    let tool = find(name).ok_or_else(|| unknown_tool(name))?;
    who.require(tool.role, &format!("the tool {name}"))?;
    Ok(tool)
}

/// Calls a tool on JSON arguments as `who`, off the async workers when it can be slow.
/// `engine` names the chat engine making the call for `who`, if one is (see [`ToolContext`]).
pub async fn invoke(
    access: Arc<Access>,
    requests: &Requests,
    who: &Principal,
    engine: Option<&str>,
    name: &str,
    args: Value,
) -> Result<Value, Problem> {
    let chat = engine.is_some();
    let tool = authorize_counted(requests, who, name, chat)?;
    let logged = agent_arguments(who, &args);
    let result = if tool.slow {
        blocking(tool, move || tool.call(&access, args)).await
    } else {
        let cx = ToolContext {
            requests,
            access: &access,
            who,
            engine,
        };
        tool.call_in(&cx, args).await
    };
    finished(requests, who, chat, tool.name, logged, result).await
}

/// [`invoke`] for a graph tool named by its type, the output typed: for a chat engine, which
/// words the fields (its trace writes them out as [`invoke`] would have). The same rights check,
/// argument limits, blocking pool and agent log.
pub async fn invoke_typed<T: Tool>(
    access: Arc<Access>,
    requests: &Requests,
    who: &Principal,
    engine: Option<&str>,
    args: Value,
) -> Result<T::Output, Problem>
where
    T::Output: Send + 'static,
{
    let chat = engine.is_some();
    let tool = authorize_counted(requests, who, T::NAME, chat)?;
    let logged = agent_arguments(who, &args);
    let run = move || {
        tool.within_limits(&args)?;
        T::run(&access, parse_args(T::NAME, args)?)
    };
    let result = if tool.slow {
        blocking(tool, run).await
    } else {
        run()
    };
    finished(requests, who, chat, T::NAME, logged, result).await
}

/// [`invoke_typed`] for a tool that reads or writes the request store.
pub async fn invoke_context_typed<T: ContextTool>(
    access: Arc<Access>,
    requests: &Requests,
    who: &Principal,
    engine: Option<&str>,
    args: Value,
) -> Result<T::Output, Problem> {
    let chat = engine.is_some();
    let tool = authorize_counted(requests, who, T::NAME, chat)?;
    let logged = agent_arguments(who, &args);
    let cx = ToolContext {
        requests,
        access: &access,
        who,
        engine,
    };
    let result = async {
        tool.within_limits(&args)?;
        T::run(&cx, parse_args(T::NAME, args)?).await
    }
    .await;
    finished(requests, who, chat, T::NAME, logged, result).await
}

/// An agent's call is logged with its arguments, bounded; another caller's is not logged.
fn agent_arguments(who: &Principal, args: &Value) -> Option<Box<RawValue>> {
    who.agent.is_some().then(|| super::logged::text(args))
}

/// The result of a call, once an agent's call (`logged`: its arguments) is in the agent log,
/// and counted for metrics (`chat`: a chat engine made it).
async fn finished<T>(
    requests: &Requests,
    who: &Principal,
    chat: bool,
    name: &'static str,
    logged: Option<Box<RawValue>>,
    result: Result<T, Problem>,
) -> Result<T, Problem> {
    let result = match logged {
        Some(arguments) => match log_agent_call(requests, who, name, arguments, &result).await {
            Ok(()) => result,
            Err(e) => Err(e),
        },
        None => result,
    };
    let outcome = result.as_ref().map_or_else(|e| e.code.as_str(), |_| "ok");
    requests
        .metrics()
        .tool_called(name, caller_of(who, chat), outcome);
    result
}

/// [`authorize`], with a refusal counted for metrics; a tool that does not exist is not (its
/// name is the caller's text, not a label value).
fn authorize_counted(
    requests: &Requests,
    who: &Principal,
    name: &str,
    chat: bool,
) -> Result<&'static ToolInfo, Problem> {
    authorize(who, name).inspect_err(|e| {
        if let Some(tool) = find(name) {
            requests
                .metrics()
                .tool_called(tool.name, caller_of(who, chat), e.code.as_str());
        }
    })
}

/// The same from JSON text to JSON text: the HTTP path. A graph tool reads the bytes directly
/// (no intermediate `Value`); only an agent's call is also parsed, for the log.
pub async fn invoke_bytes<B>(
    access: Arc<Access>,
    requests: &Requests,
    who: &Principal,
    name: &str,
    body: B,
) -> Result<Vec<u8>, Problem>
where
    B: AsRef<[u8]> + Send + 'static,
{
    let tool = authorize_counted(requests, who, name, false)?;
    // Agent calls are logged with their arguments, parsed and bounded.
    let logged = who
        .agent
        .is_some()
        .then(|| super::logged::from_bytes(body.as_ref()));
    // Walks that can take milliseconds go to the blocking pool; a check, a few microseconds, is
    // cheaper to answer here than to hand over.
    let result = if tool.slow {
        blocking(tool, move || tool.call_bytes(&access, body.as_ref())).await
    } else {
        let cx = ToolContext {
            requests,
            access: &access,
            who,
            engine: None,
        };
        tool.call_bytes_in(&cx, body.as_ref()).await
    };
    finished(requests, who, false, tool.name, logged, result).await
}

/// `run` on the blocking pool, for a tool whose walks can take milliseconds; a panic in it is
/// the tool failing, not the server.
async fn blocking<T, F>(tool: &ToolInfo, run: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Problem> + Send + 'static,
{
    tokio::task::spawn_blocking(run)
        .await
        .unwrap_or_else(|e| Err(Problem::internal(format!("tool {} failed: {e}", tool.name))))
}

/// Records a call made with an agent token: the agent, its person, the tool and the outcome, in
/// the agent log and in the hash-chained audit log (where reviewers read everything else an
/// agent did). A call that cannot be recorded fails: an agent's actions must not go unlogged.
pub async fn log_agent_call<T>(
    requests: &Requests,
    who: &Principal,
    tool: &str,
    arguments: Box<RawValue>,
    result: &Result<T, Problem>,
) -> Result<(), Problem> {
    let (Some(agent), Some(person)) = (&who.agent, &who.person) else {
        return Ok(());
    };
    let outcome = match result {
        Ok(_) => "ok",
        Err(e) => e.code.as_str(),
    };
    tracing::info!(agent, person = %person.name, tool, %outcome, "agent tool call");
    let store = requests.store();
    // One record makes the audit event (which the agent log is read from) when the batch is
    // written, so the arguments are carried (and encoded for the journal) once.
    let record = AgentCallRecord {
        actor: who.describe(),
        agent: agent.clone(),
        person: person.name.clone(),
        person_id: person.id.clone(),
        token_id: who.token_id.clone(),
        tool: tool.to_string(),
        arguments,
        outcome: outcome.to_string(),
        http_request_id: http_request_id(),
    };
    // The requests' clock, so that these events are stamped on the requests' own clock (on
    // SQLite they join the chain when the journal is folded, milliseconds after events
    // appended directly: the chain's order is its numbers, the stamps say when); batched with
    // other calls.
    store
        .append_grouped(Appended {
            at: stamp(requests.clock().now()),
            agent_call: Some(record),
            ..Default::default()
        })
        .await?;
    Ok(())
}
