//! The chat engines' typed tool calls: `Toolbox::call_typed` records exactly the trace entry the
//! untyped call records (what users and the chat answer show), and its typed output holds every
//! field of the tool's JSON result, so the composer reading fields loses nothing.

use serde_json::{Value, json};
use warden::app::App;
use warden::chat::{EngineKind, ToolCall, Toolbox};
use warden::people::Principal;
use warden::tools::{
    CheckAccess, CreateAccessRequest, GetIdentity, ListAccess, SearchIdentities, SearchResources,
    WhoHasAccess,
};

async fn demo() -> (tempfile::TempDir, App, Principal) {
    let dir = tempfile::tempdir().unwrap();
    let (app, maya) = crate::common::demo_app_with_maya(dir.path()).await;
    (dir, app, maya)
}

fn toolbox(app: &App, who: &Principal) -> Toolbox {
    Toolbox::new(
        app.access.load(),
        app.requests.clone(),
        who.clone(),
        EngineKind::Embedded,
    )
}

/// The one trace entry of an untyped call of `tool`.
async fn untyped(app: &App, who: &Principal, tool: &str, args: &Value) -> ToolCall {
    let mut tb = toolbox(app, who);
    let _ = tb.call(tool, args.clone()).await;
    let calls = tb.into_calls();
    assert_eq!(calls.len(), 1);
    calls.into_iter().next().unwrap()
}

/// Asserts that a typed call traced what the untyped one did, and that its output, written out
/// again, is the recorded result (an error: the error document).
fn same<T: serde::Serialize>(
    typed: Result<T, warden::error::Problem>,
    tb: Toolbox,
    want: ToolCall,
) {
    let calls = tb.into_calls();
    assert_eq!(calls, std::slice::from_ref(&want), "{}", want.tool);
    let got = match typed {
        Ok(out) => serde_json::to_value(out).unwrap(),
        Err(e) => serde_json::to_value(e.document()).unwrap(),
    };
    assert_eq!(got, want.result, "{}", want.tool);
}

#[tokio::test]
async fn typed_calls_trace_what_untyped_calls_trace_and_lose_no_field() {
    let (_dir, app, maya) = demo().await;
    macro_rules! check {
        ($tool:ty, $name:literal, $args:expr) => {{
            let args: Value = $args;
            let want = untyped(&app, &maya, $name, &args).await;
            let mut tb = toolbox(&app, &maya);
            let typed = tb.call_typed::<$tool>(args).await;
            same(typed, tb, want);
        }};
    }
    let check = json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"});
    check!(CheckAccess, "check_access", check);
    // Answers that are errors: a name that means nothing, and one that means several things.
    check!(
        CheckAccess,
        "check_access",
        json!({"identity": "nobody_at_all", "privilege": "SELECT", "resource": "crm.leads"})
    );
    check!(
        WhoHasAccess,
        "who_has_access",
        json!({"resource": "warehouse:sales.orders", "limit": 2})
    );
    check!(
        ListAccess,
        "list_access",
        json!({"identity": "maya", "connection": "warehouse"})
    );
    check!(GetIdentity, "get_identity", json!({"identity": "analyst"}));
    check!(
        SearchIdentities,
        "search_identities",
        json!({"query": "alice", "limit": 10})
    );
    check!(
        SearchResources,
        "search_resources",
        json!({"query": "payroll", "limit": 10})
    );
}

#[tokio::test]
async fn a_typed_request_tool_call_traces_the_stored_request() {
    let (_dir, app, maya) = demo().await;
    let args = json!({"resources": ["warehouse:prod.crm.leads"], "privileges": ["SELECT"], "duration": "2w"});
    let mut tb = toolbox(&app, &maya);
    let typed = tb
        .call_context_typed::<CreateAccessRequest>(args.clone())
        .await
        .unwrap();
    let calls = tb.into_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].tool, "create_access_request");
    assert_eq!(calls[0].arguments, args);
    assert_eq!(serde_json::to_value(&typed).unwrap(), calls[0].result);
    assert_eq!(typed.requester, "maya");
}
