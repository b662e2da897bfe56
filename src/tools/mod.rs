//! The typed tools: one file each, an args struct (whose doc comment is the description a model
//! reads) and a result struct, both serde + schemars. The registry below is the single list the
//! CLI, HTTP, chat and MCP all call through, with the same JSON in and out.

mod check_access;
mod export;
mod get_identity;
mod invoke;
mod list_access;
mod search;
mod search_identities;
mod search_resources;
mod who_has_access;

pub use check_access::{CheckAccess, CheckAccessArgs, CheckAccessResult};
pub use export::{export_dir, exported_files};
pub use get_identity::{GetIdentity, GetIdentityArgs, GetIdentityResult};
pub use invoke::{authorize, invoke, log_agent_call};
pub use list_access::{ListAccess, ListAccessArgs, ListAccessResult};
pub use search_identities::{SearchIdentities, SearchIdentitiesArgs, SearchIdentitiesResult};
pub use search_resources::{SearchResources, SearchResourcesArgs, SearchResourcesResult};
pub use who_has_access::{WhoHasAccess, WhoHasAccessArgs, WhoHasAccessResult};

use crate::access::Access;
use crate::error::ApiError;
use crate::people::Role;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
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
    fn run(access: &Access, args: Self::Args) -> Result<Self::Output, ApiError>;
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
    call: fn(&Access, Value) -> Result<Value, ApiError>,
    call_bytes: fn(&Access, &[u8]) -> Result<Vec<u8>, ApiError>,
}

impl ToolInfo {
    /// Calls the tool on JSON arguments; a bad argument is an error naming its JSON path.
    pub fn call(&self, access: &Access, args: Value) -> Result<Value, ApiError> {
        (self.call)(access, args)
    }

    /// The same call from JSON text to JSON text, skipping the intermediate `Value`s: the HTTP
    /// path, where a check costs microseconds and every copy shows.
    pub fn call_bytes(&self, access: &Access, args: &[u8]) -> Result<Vec<u8>, ApiError> {
        (self.call_bytes)(access, args)
    }
}

/// Arguments from any JSON source, or an error naming the JSON path of the bad one.
fn parse_args<'de, T: Tool, D>(de: D) -> Result<T::Args, ApiError>
where
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let path = if path == "." { String::new() } else { path };
        ApiError::invalid(path, format!("bad arguments for {}: {msg}", T::NAME))
    })
}

fn call_typed<T: Tool>(access: &Access, args: Value) -> Result<Value, ApiError> {
    let out = T::run(access, parse_args::<T, _>(args)?)?;
    serde_json::to_value(out).map_err(|e| ApiError::internal(format!("cannot encode result: {e}")))
}

fn call_typed_bytes<T: Tool>(access: &Access, args: &[u8]) -> Result<Vec<u8>, ApiError> {
    let args = if args.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        args
    };
    let mut de = serde_json::Deserializer::from_slice(args);
    let parsed = parse_args::<T, _>(&mut de)?;
    de.end()
        .map_err(|e| ApiError::invalid("", format!("bad arguments for {}: {e}", T::NAME)))?;
    let out = T::run(access, parsed)?;
    serde_json::to_vec(&out).map_err(|e| ApiError::internal(format!("cannot encode result: {e}")))
}

fn info<T: Tool>() -> ToolInfo {
    let mut parameters =
        serde_json::to_value(schemars::schema_for!(T::Args)).unwrap_or(Value::Null);
    let description = parameters
        .as_object_mut()
        .and_then(|o| {
            o.remove("title");
            o.remove("description")
        })
        .and_then(|d| d.as_str().map(str::to_owned))
        .unwrap_or_default();
    let result = serde_json::to_value(schemars::schema_for!(T::Output)).unwrap_or(Value::Null);
    ToolInfo {
        name: T::NAME,
        description,
        parameters,
        result,
        slow: T::SLOW,
        role: T::ROLE,
        call: call_typed::<T>,
        call_bytes: call_typed_bytes::<T>,
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
    ]
});

/// Every tool, in a stable order.
pub fn registry() -> &'static [ToolInfo] {
    &REGISTRY
}

pub fn find(name: &str) -> Option<&'static ToolInfo> {
    registry().iter().find(|t| t.name == name)
}

/// Calls a tool by name: the one entry point for every edge.
pub fn call(access: &Access, name: &str, args: Value) -> Result<Value, ApiError> {
    match find(name) {
        Some(t) => t.call(access, args),
        None => Err(unknown_tool(name)),
    }
}

/// The error for a tool name that is not in the registry, listing those that are.
pub fn unknown_tool(name: &str) -> ApiError {
    ApiError::new(
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
pub(crate) fn privilege_arg(p: &str) -> Result<crate::model::Privilege, ApiError> {
    crate::model::Privilege::parse(p).map_err(|m| ApiError::invalid("privilege", m))
}
