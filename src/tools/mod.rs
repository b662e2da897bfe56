//! The typed tools: one file each, an args struct (whose doc comment is the description a model
//! reads) and a result struct, both serde + schemars. The registry below is the single list the
//! CLI, HTTP, chat and MCP all call through, with the same JSON in and out.
//!
//! Two kinds share it. A [`Tool`] answers from the access graph alone, synchronously (a check is
//! microseconds; the HTTP path calls it from bytes to bytes). A [`ContextTool`] needs the request
//! store and the caller ([`ToolContext`]) and is async: the request tools.

pub mod browse;
mod change_access_request;
mod check_access;
mod create_access_request;
mod export;
mod get_access_request;
mod get_identity;
pub mod held;
mod invoke;
mod list_access;
mod list_access_requests;
mod logged;
mod search;
mod search_identities;
mod search_resources;
mod who_has_access;

pub use change_access_request::{
    ChangeAccessRequest, ChangeAccessRequestArgs, WithdrawAccessRequest, WithdrawAccessRequestArgs,
};
pub use check_access::{CheckAccess, CheckAccessArgs, CheckAccessResult};
pub use create_access_request::{CreateAccessRequest, CreateAccessRequestArgs};
pub use export::{export_dir, exported_files};
pub use get_access_request::{GetAccessRequest, GetAccessRequestArgs};
pub use get_identity::{GetIdentity, GetIdentityArgs, GetIdentityResult};
pub use invoke::{
    authorize, invoke, invoke_bytes, invoke_context_typed, invoke_typed, log_agent_call,
};
pub use list_access::{ListAccess, ListAccessArgs, ListAccessResult};
pub use list_access_requests::{
    ListAccessRequests, ListAccessRequestsArgs, ListAccessRequestsResult,
};
/// The most matches one search returns (the search tools' `limit`).
pub use search::MAX_LIMIT as SEARCH_MAX_LIMIT;
pub use search_identities::{SearchIdentities, SearchIdentitiesArgs, SearchIdentitiesResult};
pub use search_resources::{SearchResources, SearchResourcesArgs, SearchResourcesResult};
pub use who_has_access::{WhoHasAccess, WhoHasAccessArgs, WhoHasAccessResult};

use crate::access::Access;
use crate::error::Problem;
use crate::people::{Principal, Role};
use crate::requests::Requests;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

/// A tool: typed arguments in, typed result out.
pub trait Tool {
    const NAME: &'static str;
    type Args: DeserializeOwned + JsonSchema;
    type Output: Serialize + JsonSchema;
    /// Whether a call can take long enough (milliseconds, on large snapshots) that a server
    /// should run it on the blocking pool rather than an async worker.
    const SLOW: bool = true;
    /// The least role that may call it (an agent token counts as a requester).
    const ROLE: Role = Role::Requester;
    fn run(access: &Access, args: Self::Args) -> Result<Self::Output, Problem>;
}

/// What a [`ContextTool`] is given besides its arguments: the request workflow, the graph names
/// resolve in, who is calling, and which chat engine is calling for them (if one is).
pub struct ToolContext<'a> {
    pub requests: &'a Requests,
    pub access: &'a Access,
    pub who: &'a Principal,
    /// `embedded` or `llm` when a chat engine makes the call: a request it creates is marked as
    /// drafted by an AI (and so never auto-approved).
    pub engine: Option<&'a str>,
}

/// A tool that reads or writes the request store as its caller: async, typed like [`Tool`].
pub trait ContextTool {
    const NAME: &'static str;
    type Args: DeserializeOwned + JsonSchema + Send;
    type Output: Serialize + JsonSchema;
    /// The least role that may call it (an agent token counts as a requester).
    const ROLE: Role = Role::Requester;
    fn run(
        cx: &ToolContext<'_>,
        args: Self::Args,
    ) -> impl Future<Output = Result<Self::Output, Problem>> + Send;
}

/// A boxed future, as the registry holds a context tool's call.
pub type ToolFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Problem>> + Send + 'a>>;

/// How the registry calls a tool of either kind.
#[derive(Clone, Copy)]
enum Kind {
    Graph {
        call: fn(&Access, Value) -> Result<Value, Problem>,
        call_bytes: fn(&Access, &[u8]) -> Result<Vec<u8>, Problem>,
    },
    Context {
        call: for<'a> fn(&'a ToolContext<'a>, Value) -> ToolFuture<'a, Value>,
        call_bytes: for<'a> fn(&'a ToolContext<'a>, &'a [u8]) -> ToolFuture<'a, Vec<u8>>,
    },
}

/// A tool with its types erased, as the registry holds it.
pub struct ToolInfo {
    pub name: &'static str,
    /// The args struct's doc comment: what the tool does, for people and models.
    pub description: String,
    /// JSON schema of the arguments.
    pub parameters: Value,
    /// JSON schema of the result.
    pub result: Value,
    /// See [`Tool::SLOW`].
    pub slow: bool,
    /// See [`Tool::ROLE`].
    pub role: Role,
    kind: Kind,
}

impl ToolInfo {
    /// Whether the tool needs the request store and the caller (a [`ContextTool`]): such a tool
    /// is called through [`invoke`] or [`invoke_bytes`], never on a graph alone.
    pub fn needs_context(&self) -> bool {
        matches!(self.kind, Kind::Context { .. })
    }

    /// Calls a graph tool on JSON arguments; a bad argument is an error naming its JSON path.
    pub fn call(&self, access: &Access, args: Value) -> Result<Value, Problem> {
        self.within_limits(&args)?;
        match self.kind {
            Kind::Graph { call, .. } => call(access, args),
            Kind::Context { .. } => Err(self.context_needed()),
        }
    }

    /// The same call from JSON text to JSON text, skipping the intermediate `Value`s: the HTTP
    /// path, where a check costs microseconds and every copy shows.
    pub fn call_bytes(&self, access: &Access, args: &[u8]) -> Result<Vec<u8>, Problem> {
        self.within_limits_bytes(args)?;
        match self.kind {
            Kind::Graph { call_bytes, .. } => call_bytes(access, args),
            Kind::Context { .. } => Err(self.context_needed()),
        }
    }

    /// Calls a tool of either kind with its context (a graph tool uses only `cx.access`, on the
    /// calling thread: [`invoke`] sends slow ones to the blocking pool first).
    async fn call_in(&self, cx: &ToolContext<'_>, args: Value) -> Result<Value, Problem> {
        self.within_limits(&args)?;
        match self.kind {
            Kind::Graph { call, .. } => call(cx.access, args),
            Kind::Context { call, .. } => call(cx, args).await,
        }
    }

    /// [`Self::call_in`] from JSON text to JSON text.
    async fn call_bytes_in(&self, cx: &ToolContext<'_>, args: &[u8]) -> Result<Vec<u8>, Problem> {
        self.within_limits_bytes(args)?;
        match self.kind {
            Kind::Graph { call_bytes, .. } => call_bytes(cx.access, args),
            Kind::Context { call_bytes, .. } => call_bytes(cx, args).await,
        }
    }

    /// The one place every call's string arguments are held to the `maxLength` its schema
    /// states ([`bound_strings`]): a longer one is an `invalid_argument` naming the field. Only
    /// the top level and arrays of strings are read: that is where the tools take text.
    fn within_limits(&self, args: &Value) -> Result<(), Problem> {
        let (Some(args), Some(props)) =
            (args.as_object(), self.parameters["properties"].as_object())
        else {
            // Not an object: the typed parse says what is wrong.
            return Ok(());
        };
        let too_long = |path: String, max: u64, s: &str| {
            // Bytes bound characters from above: most strings are decided without counting.
            let long = s.len() as u64 > max && s.chars().count() as u64 > max;
            match long {
                true => Err(Problem::invalid(
                    path.clone(),
                    format!(
                        "bad arguments for {}: {path} is longer than {max} characters",
                        self.name
                    ),
                )),
                false => Ok(()),
            }
        };
        for (field, value) in args {
            let Some(prop) = props.get(field) else {
                continue;
            };
            match value {
                Value::String(s) => {
                    if let Some(max) = prop["maxLength"].as_u64() {
                        too_long(field.clone(), max, s)?;
                    }
                }
                Value::Array(items) => {
                    if let Some(max) = prop["items"]["maxLength"].as_u64() {
                        for (i, item) in items.iter().enumerate() {
                            if let Value::String(s) = item {
                                too_long(format!("{field}[{i}]"), max, s)?;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// [`Self::within_limits`] for JSON text. Text no longer than the smallest limit cannot hold
    /// a string over it, so the fast path (a check of a few hundred bytes) parses nothing twice.
    fn within_limits_bytes(&self, args: &[u8]) -> Result<(), Problem> {
        if args.len() <= MAX_NAME_CHARS {
            return Ok(());
        }
        match serde_json::from_slice::<Value>(args) {
            Ok(v) => self.within_limits(&v),
            // Not JSON: the typed parse says where.
            Err(_) => Ok(()),
        }
    }

    fn context_needed(&self) -> Problem {
        Problem::internal(format!(
            "the tool {} needs the request store and the caller; call it through tools::invoke",
            self.name
        ))
    }
}

/// Arguments from any JSON source, or an error naming the JSON path of the bad one.
fn parse_args<'de, A: DeserializeOwned, D>(tool: &str, de: D) -> Result<A, Problem>
where
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let path = if path == "." { String::new() } else { path };
        Problem::invalid(path, format!("bad arguments for {tool}: {msg}"))
    })
}

/// Arguments from JSON text (blank text is `{}`), all of it.
fn parse_bytes<A: DeserializeOwned>(tool: &str, args: &[u8]) -> Result<A, Problem> {
    let args = if args.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        args
    };
    let mut de = serde_json::Deserializer::from_slice(args);
    let parsed = parse_args(tool, &mut de)?;
    de.end()
        .map_err(|e| Problem::invalid("", format!("bad arguments for {tool}: {e}")))?;
    Ok(parsed)
}

fn encode_value<T: Serialize>(out: T) -> Result<Value, Problem> {
    serde_json::to_value(out).map_err(|e| Problem::internal(format!("cannot encode result: {e}")))
}

fn encode_bytes<T: Serialize>(out: T) -> Result<Vec<u8>, Problem> {
    serde_json::to_vec(&out).map_err(|e| Problem::internal(format!("cannot encode result: {e}")))
}

fn call_typed<T: Tool>(access: &Access, args: Value) -> Result<Value, Problem> {
    encode_value(T::run(access, parse_args(T::NAME, args)?)?)
}

fn call_typed_bytes<T: Tool>(access: &Access, args: &[u8]) -> Result<Vec<u8>, Problem> {
    encode_bytes(T::run(access, parse_bytes(T::NAME, args)?)?)
}

fn call_context<'a, T: ContextTool>(cx: &'a ToolContext<'a>, args: Value) -> ToolFuture<'a, Value> {
    Box::pin(async move { encode_value(T::run(cx, parse_args(T::NAME, args)?).await?) })
}

fn call_context_bytes<'a, T: ContextTool>(
    cx: &'a ToolContext<'a>,
    args: &'a [u8],
) -> ToolFuture<'a, Vec<u8>> {
    Box::pin(async move { encode_bytes(T::run(cx, parse_bytes(T::NAME, args)?).await?) })
}

/// The longest name a tool takes (an identity, a resource, a privilege, a connection, a query,
/// an id): far above any real name, far below what would make a lookup costly. The same bound
/// as a request's names, so a tool never takes what the request would refuse.
pub const MAX_NAME_CHARS: usize = crate::requests::MAX_NAME;

/// The longest free text a tool takes (a request's `reason`, bounded where requests are).
pub const MAX_TEXT_CHARS: usize = crate::requests::MAX_REASON;

/// Fields that hold free text rather than a name.
const TEXT_FIELDS: &[&str] = &["reason"];

/// Writes the limit of every string argument into its schema as `maxLength` (and of every
/// array of strings into `items`), where models, MCP clients and the OpenAPI document read it and
/// where [`ToolInfo::within_limits`] enforces it: one list of limits, not one per tool.
fn bound_strings(parameters: &mut Value) {
    let Some(props) = parameters
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let is = |schema: &Value, ty: &str| match &schema["type"] {
        Value::String(t) => t == ty,
        Value::Array(ts) => ts.iter().any(|t| t == ty),
        _ => false,
    };
    for (field, prop) in props.iter_mut() {
        let max = if TEXT_FIELDS.contains(&field.as_str()) {
            MAX_TEXT_CHARS
        } else {
            MAX_NAME_CHARS
        };
        if is(prop, "string") && prop.get("maxLength").is_none() {
            prop["maxLength"] = max.into();
        }
        if is(prop, "array")
            && let Some(items) = prop.get_mut("items")
            && is(items, "string")
            && items.get("maxLength").is_none()
        {
            items["maxLength"] = max.into();
        }
    }
}

/// The description (the args struct's doc comment, taken out of its schema), the argument
/// schema and the result schema.
fn schemas<A: JsonSchema, O: JsonSchema>() -> (String, Value, Value) {
    let mut parameters = serde_json::to_value(schemars::schema_for!(A)).unwrap_or(Value::Null);
    bound_strings(&mut parameters);
    let description = parameters
        .as_object_mut()
        .and_then(|o| {
            o.remove("title");
            o.remove("description")
        })
        .and_then(|d| d.as_str().map(str::to_owned))
        .unwrap_or_default();
    let result = serde_json::to_value(schemars::schema_for!(O)).unwrap_or(Value::Null);
    (description, parameters, result)
}

fn info<T: Tool>() -> ToolInfo {
    let kind = Kind::Graph {
        call: call_typed::<T>,
        call_bytes: call_typed_bytes::<T>,
    };
    described::<T::Args, T::Output>(T::NAME, T::ROLE, T::SLOW, kind)
}

fn context_info<T: ContextTool>() -> ToolInfo {
    let kind = Kind::Context {
        call: call_context::<T>,
        call_bytes: call_context_bytes::<T>,
    };
    // Async already: nothing to hand to the blocking pool.
    described::<T::Args, T::Output>(T::NAME, T::ROLE, false, kind)
}

/// The entry of a tool whose arguments are `A` and output `O`, with their schemas.
fn described<A: JsonSchema, O: JsonSchema>(
    name: &'static str,
    role: Role,
    slow: bool,
    kind: Kind,
) -> ToolInfo {
    let (description, parameters, result) = schemas::<A, O>();
    ToolInfo {
        name,
        description,
        parameters,
        result,
        slow,
        role,
        kind,
    }
}

static REGISTRY: LazyLock<Vec<ToolInfo>> = LazyLock::new(|| {
    vec![
        info::<CheckAccess>(),
        info::<WhoHasAccess>(),
        info::<ListAccess>(),
        info::<GetIdentity>(),
        info::<SearchIdentities>(),
        info::<SearchResources>(),
        context_info::<CreateAccessRequest>(),
        context_info::<ListAccessRequests>(),
        context_info::<GetAccessRequest>(),
        context_info::<ChangeAccessRequest>(),
        context_info::<WithdrawAccessRequest>(),
    ]
});

/// Every tool, in a stable order.
pub fn registry() -> &'static [ToolInfo] {
    &REGISTRY
}

pub fn find(name: &str) -> Option<&'static ToolInfo> {
    registry().iter().find(|t| t.name == name)
}

/// Calls a graph tool by name, on the graph alone (tests, benchmarks); every edge goes through
/// [`invoke`], which also checks rights, logs agents and serves the request tools.
pub fn call(access: &Access, name: &str, args: Value) -> Result<Value, Problem> {
    match find(name) {
        Some(t) => t.call(access, args),
        None => Err(unknown_tool(name)),
    }
}

/// The error for a tool name that is not in the registry, listing those that are.
pub fn unknown_tool(name: &str) -> Problem {
    Problem::new(
        crate::error::ErrorCode::NotFound,
        format!("no tool named {name:?}"),
    )
    .with_candidates(
        registry()
            .iter()
            .map(|t| crate::error::Candidate {
                name: t.name.into(),
                kind: "tool".into(),
                connection: String::new(),
            })
            .collect(),
    )
}

/// Parses a privilege argument.
pub(crate) fn privilege_arg(p: &str) -> Result<crate::model::Privilege, Problem> {
    crate::model::Privilege::parse(p).map_err(|m| Problem::invalid("privilege", m))
}
