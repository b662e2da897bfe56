//! `/mcp`: the tool registry over the Model Context Protocol (streamable HTTP).
//!
//! The tools are the registry's ([`crate::tools::registry`]), listed with their argument and
//! result schemas and called through [`App::call_tool`], so an MCP call is checked and logged
//! exactly like `POST /v1/tools/{name}`. The caller is the [`Principal`] the bearer-token
//! middleware put into the request's extensions; rmcp hands the HTTP request parts to the
//! handler, and a call without a principal is refused rather than run as anyone.
//!
//! A tool that fails answers `isError: true` with Warden's error document as JSON text (not a
//! JSON-RPC error), so an agent reads the `not_found` candidates and can try again.
//!
//! Allowed hosts: rmcp checks the `Host` header against a list to stop DNS-rebinding attacks on
//! a server on localhost, and by default accepts only loopback names (`localhost`, `127.0.0.1`,
//! `::1`, any port). [`service`] keeps that default when given `None`; a deployment reached
//! under another name passes its host names (`"warden.example.com"`, or with a port), and
//! `Some(vec![])` turns the check off altogether.
//!
//! Ending a session: a `DELETE` with the `Mcp-Session-Id` header answers 200 when the session
//! existed and is now closed, 404 when there was no such session (as for any other request
//! naming an unknown session). rmcp answers 202 to every such DELETE, which the MCP SDKs take
//! for a failure (the Python SDK accepts 200 or 204 and logs "Session termination failed: 202"),
//! so [`service`] wraps rmcp's service to give that answer.

use crate::app::App;
use crate::people::Principal;
use crate::tools::{ToolInfo, registry};
use axum::Router;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::common::http_header::HEADER_SESSION_ID;
use rmcp::transport::common::server_side_http::SessionId;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;
use std::sync::Arc;

/// The service mounted at `/mcp`. `allowed_hosts`: see the module doc.
pub fn service(app: App, allowed_hosts: Option<Vec<String>>) -> Router {
    // A message is bounded like every other body (server.max_body_size), not by rmcp's 4 MiB.
    let mut config = StreamableHttpServerConfig::default()
        .with_max_request_body_bytes(app.config.server.max_body_size.as_usize());
    if let Some(hosts) = allowed_hosts {
        config = config.with_allowed_hosts(hosts);
    }
    // rmcp builds a handler per session (and to look up a tool's schema), so the tool list is
    // converted once and shared.
    let handler = WardenMcp {
        app,
        tools: registry().iter().map(mcp_tool).collect(),
    };
    let sessions = Arc::new(LocalSessionManager::default());
    let rmcp = StreamableHttpService::new(move || Ok(handler.clone()), sessions.clone(), config);
    Router::new().fallback(move |request: Request| {
        let (rmcp, sessions) = (rmcp.clone(), sessions.clone());
        async move { answer(&rmcp, &sessions, request).await }
    })
}

type Rmcp = StreamableHttpService<WardenMcp, LocalSessionManager>;

/// rmcp's answer, but for a session DELETE: 200 when the session was there, 404 when not.
async fn answer(rmcp: &Rmcp, sessions: &LocalSessionManager, request: Request) -> Response {
    let ending = (request.method() == Method::DELETE)
        .then(|| request.headers().get(HEADER_SESSION_ID)?.to_str().ok())
        .flatten()
        .map(SessionId::from);
    // Whether the session exists is read before rmcp closes it; rmcp still makes every other
    // check (host, protocol version) and answers those itself.
    let existed = match &ending {
        Some(id) => sessions.has_session(id).await.unwrap_or(false),
        None => false,
    };
    let response = rmcp.handle(request).await.into_response();
    if ending.is_none() || response.status() != StatusCode::ACCEPTED {
        return response;
    }
    if existed {
        StatusCode::OK.into_response()
    } else {
        super::HttpError(crate::error::Problem::new(
            crate::error::ErrorCode::NotFound,
            "no such MCP session (ended, or never begun)",
        ))
        .into_response()
    }
}

/// The MCP server: the registry's tools, called as whoever the request's token stands for.
#[derive(Clone)]
pub struct WardenMcp {
    app: App,
    tools: Arc<[Tool]>,
}

/// A registry tool as MCP lists it.
fn mcp_tool(info: &ToolInfo) -> Tool {
    let tool = Tool::new(
        info.name,
        info.description.clone(),
        schema_object(&info.parameters),
    );
    // MCP wants an output schema rooted at an object (rmcp strips others for older peers); the
    // registry's results are all structs, but a result that is not gets no output schema.
    if info.result.get("type").and_then(Value::as_str) == Some("object") {
        tool.with_raw_output_schema(Arc::new(schema_object(&info.result)))
    } else {
        tool
    }
}

fn schema_object(schema: &Value) -> JsonObject {
    schema.as_object().cloned().unwrap_or_default()
}

/// The caller, from the HTTP request parts rmcp puts into the request context.
fn principal(context: &RequestContext<RoleServer>) -> Option<&Principal> {
    context
        .extensions
        .get::<Parts>()
        .and_then(|parts| parts.extensions.get::<Principal>())
}

fn error_result(error: &crate::error::Problem) -> CallToolResult {
    let text = serde_json::to_string(&error.document()).unwrap_or_else(|_| {
        r#"{"error":{"code":"internal","message":"cannot encode error"}}"#.into()
    });
    CallToolResult::error(vec![ContentBlock::text(text)])
}

impl ServerHandler for WardenMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("warden", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Warden answers who can access which data, and why: find names with \
                 search_identities and search_resources, then ask check_access, who_has_access \
                 or list_access; every answer carries the grant paths that explain it.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(who) = principal(&context) else {
            // Only reachable if the route lost its token middleware: refuse, never default.
            tracing::error!(tool = %request.name, "MCP call without a principal refused");
            let error = crate::error::Problem::new(
                crate::error::ErrorCode::Unauthenticated,
                "no caller identity on this MCP request",
            );
            return Ok(error_result(&error).into());
        };
        let args = Value::Object(request.arguments.unwrap_or_default());
        let result = match self.app.call_tool(who, &request.name, args).await {
            // `structured` also puts the same JSON in a text block, for clients that read only
            // text content.
            Ok(value) => CallToolResult::structured(value),
            Err(e) => error_result(&e),
        };
        Ok(result.into())
    }
}
