//! `/mcp` with the real rmcp client against the real server: the tool list, a call that agrees
//! with `POST /v1/tools`, tool errors as `isError` documents, bearer tokens, and the agent log.

use rmcp::model::{CallToolRequestParams, CallToolResult, JsonObject};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use std::time::Duration;
use warden::people::Role;

use crate::server::TestServer;

pub type Client = RunningService<RoleClient, ()>;

/// An MCP session on `s` with `token` (or none); the error as text if the handshake fails.
pub async fn connect(s: &TestServer, token: Option<&str>) -> Result<Client, String> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", s.base));
    if let Some(token) = token {
        // rmcp adds the `Bearer ` prefix itself.
        config = config.auth_header(token);
    }
    let transport = StreamableHttpClientTransport::from_config(config);
    // A refused handshake must fail, not hang: bound it.
    match tokio::time::timeout(Duration::from_secs(20), ().serve(transport)).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("handshake timed out".into()),
    }
}

pub async fn call(client: &Client, name: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("arguments must be an object")
    };
    client
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{name}: protocol error instead of a tool result: {e}"))
}

/// The JSON in the result's only text block.
fn text_json(result: &CallToolResult) -> Value {
    assert_eq!(result.content.len(), 1, "{result:?}");
    let text = &result.content[0].as_text().expect("a text block").text;
    serde_json::from_str(text).unwrap_or_else(|e| panic!("text is not JSON ({e}): {text}"))
}

#[tokio::test]
async fn lists_every_registry_tool_with_its_schemas() {
    let s = TestServer::start().await;
    let client = connect(&s, Some(&s.token)).await.unwrap();
    let info = client.peer_info().expect("server info after initialize");
    let server = info.server_info.as_ref().expect("server identity");
    assert_eq!(server.name, "warden");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    let tools = client.list_all_tools().await.unwrap();
    let registry = warden::tools::registry();
    assert_eq!(registry.len(), 11);
    let names: Vec<&str> = tools.iter().map(|t| &*t.name).collect();
    let expected: Vec<&str> = registry.iter().map(|t| t.name).collect();
    assert_eq!(names, expected);
    for (tool, info) in tools.iter().zip(registry) {
        assert_eq!(
            Value::Object(JsonObject::clone(&tool.input_schema)),
            info.parameters,
            "{}: input schema",
            info.name
        );
        assert_eq!(
            tool.output_schema.as_deref().cloned().map(Value::Object),
            Some(info.result.clone()),
            "{}: output schema",
            info.name
        );
        assert_eq!(tool.description.as_deref(), Some(info.description.as_str()));
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn check_access_agrees_with_the_rest_endpoint() {
    let s = TestServer::start().await;
    let args = json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"});
    let (status, rest) = s.post("/v1/tools/check_access", &args.to_string()).await;
    assert_eq!(status, 200, "{rest}");
    let client = connect(&s, Some(&s.token)).await.unwrap();
    let result = call(&client, "check_access", args).await;
    assert_eq!(result.is_error, Some(false), "{result:?}");
    let structured = result
        .structured_content
        .clone()
        .expect("structured content");
    assert_eq!(structured, rest);
    assert_eq!(structured["allowed"], true);
    assert_eq!(structured["resource"], "prod.crm.leads");
    assert_eq!(
        text_json(&result),
        structured,
        "the text block is the same JSON"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn tool_errors_come_back_as_error_documents() {
    let s = TestServer::start().await;
    let client = connect(&s, Some(&s.token)).await.unwrap();

    let result = call(
        &client,
        "check_access",
        json!({"identity": "maya", "resource": "crm.leads"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true), "{result:?}");
    let doc = text_json(&result);
    assert_eq!(doc["error"]["code"], "invalid_argument", "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("privilege")),
        "{doc}"
    );

    let result = call(&client, "zorro", json!({})).await;
    assert_eq!(result.is_error, Some(true), "{result:?}");
    let doc = text_json(&result);
    assert_eq!(doc["error"]["code"], "not_found", "{doc}");
    let candidates = doc["error"]["candidates"].as_array().expect("candidates");
    assert!(!candidates.is_empty(), "{doc}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn without_a_valid_token_mcp_is_refused() {
    let s = TestServer::start().await;
    let initialize = json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "curl", "version": "1"}
        }
    });
    let post = |token: Option<&str>| {
        let mut req = s
            .client
            .post(format!("{}/mcp", s.base))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(initialize.to_string());
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    // The same request with the admin token is accepted, so a 401 below is the token's doing.
    assert_eq!(post(Some(&s.token)).await.unwrap().status().as_u16(), 200);
    assert_eq!(post(None).await.unwrap().status().as_u16(), 401);
    assert_eq!(post(Some("wrd_nope")).await.unwrap().status().as_u16(), 401);

    // The client sees the 401 as such, not as some other failure (a timeout, a refused host).
    let Err(err) = connect(&s, None).await else {
        panic!("no token, yet an MCP session")
    };
    assert!(err.contains("Auth required"), "{err}");
    let Err(err) = connect(&s, Some("wrd_nope")).await else {
        panic!("a wrong token, yet an MCP session")
    };
    assert!(err.contains("Auth required"), "{err}");
}

#[tokio::test]
async fn agent_calls_over_mcp_are_logged() {
    let s = TestServer::start().await;
    let token = s
        .token_for("maya", Role::Requester, Some("helpdesk-bot"))
        .await;
    assert!(s.app.store.agent_calls().await.unwrap().is_empty());
    let client = connect(&s, Some(&token)).await.unwrap();
    let result = call(
        &client,
        "check_access",
        json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"}),
    )
    .await;
    assert_eq!(result.is_error, Some(false), "{result:?}");
    let calls = s.app.store.agent_calls().await.unwrap();
    assert!(
        calls
            .iter()
            .any(|c| c.agent == "helpdesk-bot" && c.tool == "check_access" && c.outcome == "ok"),
        "{calls:?}"
    );
    client.cancel().await.unwrap();
}

/// The test of done: the question asked in chat, its tool call repeated over REST and
/// MCP, gives one result three ways.
#[tokio::test]
async fn chat_rest_and_mcp_give_the_same_tool_result() {
    let s = TestServer::start().await;
    let (status, chat) = s
        .post(
            "/v1/chat",
            &json!({"message": "does alice have SELECT on sales.orders?"}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{chat}");
    let call_made = &chat["tool_calls"][0];
    assert_eq!(call_made["tool"], "check_access");
    assert_eq!(call_made["result"]["allowed"], true, "{chat}");
    assert_eq!(call_made["result"]["identity"], "alice");
    let path = call_made["result"]["paths"][0]["text"].as_str().unwrap();
    assert!(chat["answer"].as_str().unwrap().contains(path), "{chat}");

    let (_, rest) = s
        .post(
            "/v1/tools/check_access",
            &call_made["arguments"].to_string(),
        )
        .await;
    let client = connect(&s, Some(&s.token)).await.expect("MCP handshake");
    let over_mcp = call(&client, "check_access", call_made["arguments"].clone()).await;
    assert_eq!(over_mcp.is_error, Some(false));
    assert_eq!(call_made["result"], rest);
    assert_eq!(over_mcp.structured_content.as_ref(), Some(&rest));
    client.cancel().await.ok();
}

/// `[mcp] allowed_hosts` in warden.toml decides which `Host` names /mcp answers.
#[tokio::test]
async fn allowed_hosts_come_from_the_config() {
    let s = TestServer::start_with_config("[mcp]\nallowed_hosts = [\"warden.test\"]\n").await;
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"}}});
    let post = |host: &str| {
        s.client
            .post(format!("{}/mcp", s.base))
            .bearer_auth(&s.token)
            .header("host", host)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(initialize.to_string())
            .send()
    };
    assert_eq!(post("warden.test").await.unwrap().status().as_u16(), 200);
    let refused = post("evil.example").await.unwrap().status().as_u16();
    assert!(
        refused >= 400,
        "a host not in the list is refused: {refused}"
    );
}

/// Ending a session with `DELETE /mcp` (what the MCP SDKs do on close): 200 when it existed,
/// after which the session is gone, and 404 for a session that does not exist (the Python SDK
/// logs "Session termination failed" for anything but 200 or 204).
#[tokio::test]
async fn deleting_a_session_answers_as_the_sdks_expect() {
    let s = TestServer::start().await;
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "python-sdk-like", "version": "1"}}});
    let r = s
        .client
        .post(format!("{}/mcp", s.base))
        .bearer_auth(&s.token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(initialize.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let session = r
        .headers()
        .get("mcp-session-id")
        .expect("a session id")
        .to_str()
        .unwrap()
        .to_string();
    let body = r.text().await.unwrap();
    assert!(body.contains("\"warden\""), "{body}");

    let delete = |id: &str| {
        s.client
            .delete(format!("{}/mcp", s.base))
            .bearer_auth(&s.token)
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", "2025-06-18")
            .send()
    };
    let ended = delete(&session).await.unwrap();
    assert_eq!(ended.status().as_u16(), 200, "{:?}", ended.text().await);

    // It is gone: using it again, or ending it again, is a 404.
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let r = s
        .client
        .post(format!("{}/mcp", s.base))
        .bearer_auth(&s.token)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(list.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let again = delete(&session).await.unwrap();
    assert_eq!(again.status().as_u16(), 404);
    let doc: Value = again.json().await.unwrap();
    assert_eq!(doc["error"]["code"], "not_found", "{doc}");
    assert_eq!(
        delete("no-such-session").await.unwrap().status().as_u16(),
        404
    );
    // Without a session id it is rmcp's own 400-class refusal, not a 200.
    let r = s
        .client
        .delete(format!("{}/mcp", s.base))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // And without a token, nobody's session can be ended.
    let r = s
        .client
        .delete(format!("{}/mcp", s.base))
        .header("mcp-session-id", "anything")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // The rmcp client ends its session the same way, and sees no error.
    let client = connect(&s, Some(&s.token)).await.unwrap();
    client.cancel().await.unwrap();
}
