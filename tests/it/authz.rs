//! The authorisation table: every route × every kind of caller (anonymous, requester, reviewer,
//! admin, agent token) against the status INTERFACE.md's "Who may do what" implies. Each cell
//! runs on a fresh request in the state the route needs, made by a fourth person (maya), so that
//! "own request" rules do not blur the table; the own-request rules are tested in
//! `requests_http` and `lifecycle`.

use crate::server::TestServer;
use serde_json::json;
use warden::people::Role;

/// The callers, in the table's column order.
const WHO: [&str; 5] = ["anonymous", "requester", "reviewer", "admin", "agent"];

/// The state a route's request must be in before the call.
#[derive(Clone, Copy, Debug)]
enum Setup {
    None,
    Open,
    Approved,
    Active,
}

struct Row {
    method: &'static str,
    path: &'static str,
    body: &'static str,
    setup: Setup,
    expect: [u16; 5],
}

const fn row(
    method: &'static str,
    path: &'static str,
    body: &'static str,
    setup: Setup,
    expect: [u16; 5],
) -> Row {
    Row {
        method,
        path,
        body,
        setup,
        expect,
    }
}

const NEW: &str = r#"{"resources": ["crm.leads"], "privileges": ["SELECT"], "duration": "8h"}"#;
const CHECK: &str = r#"{"identity": "alice", "privilege": "SELECT", "resource": "crm.leads"}"#;

#[rustfmt::skip]
const TABLE: &[Row] = &[
    //                                                                      anon requester reviewer admin agent
    row("GET",    "/healthz",                      "",       Setup::None,     [200, 200, 200, 200, 200]),
    row("GET",    "/v1/tools",                     "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("POST",   "/v1/tools/check_access",        CHECK,    Setup::None,     [401, 200, 200, 200, 200]),
    row("POST",   "/v1/chat",                      r#"{"message": "who can read crm.leads?"}"#, Setup::None, [401, 200, 200, 200, 200]),
    row("POST",   "/v1/import",                    "{}",     Setup::None,     [401, 403, 403, 400, 403]),
    row("GET",    "/v1/requests",                  "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("POST",   "/v1/requests",                  NEW,      Setup::None,     [401, 201, 201, 201, 201]),
    // Another person's request: a requester (or their agent) is told it does not exist.
    row("GET",    "/v1/requests/{id}",             "",       Setup::Open,     [401, 404, 200, 200, 404]),
    row("POST",   "/v1/requests/{id}/approve",     "",       Setup::Open,     [401, 403, 200, 200, 403]),
    row("POST",   "/v1/requests/{id}/deny",        "",       Setup::Open,     [401, 403, 200, 200, 403]),
    row("DELETE", "/v1/requests/{id}",             "",       Setup::Open,     [401, 404, 403, 204, 404]),
    row("POST",   "/v1/requests/{id}/revoke",      "",       Setup::Active,   [401, 403, 200, 200, 403]),
    // Only the requester extends; anyone else who may see it gets 403.
    row("POST",   "/v1/requests/{id}/extend",      r#"{"duration": "1d"}"#, Setup::Active, [401, 404, 403, 403, 404]),
    // Admin only; an open request is in no state to retry (409, after the rights check).
    row("POST",   "/v1/requests/{id}/retry",       "",       Setup::Open,     [401, 403, 403, 409, 403]),
    row("POST",   "/v1/requests/{id}/provisioned", "",       Setup::Approved, [401, 403, 403, 200, 403]),
    row("GET",    "/v1/identities",                "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("GET",    "/v1/identities/alice",          "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("GET",    "/v1/resources?q=leads",         "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("GET",    "/v1/resources/crm.leads",       "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("GET",    "/v1/people",                    "",       Setup::None,     [401, 403, 200, 200, 403]),
    row("GET",    "/v1/audit",                     "",       Setup::None,     [401, 403, 200, 200, 403]),
    row("GET",    "/v1/audit/verify",              "",       Setup::None,     [401, 403, 200, 200, 403]),
    row("GET",    "/v1/drift",                     "",       Setup::None,     [401, 403, 200, 200, 403]),
];

#[tokio::test]
async fn every_route_for_every_caller() {
    let s = TestServer::start().await;
    let tokens = [
        None,
        Some(s.token_for("alice", Role::Requester, None).await),
        Some(s.token_for("carol", Role::Reviewer, None).await),
        Some(s.token_for("victor", Role::Admin, None).await),
        Some(
            s.token_for("alice", Role::Requester, Some("helpdesk-bot"))
                .await,
        ),
    ];
    let maya = s.token_for("maya", Role::Requester, None).await;
    let priya = s.token_for("priya", Role::Reviewer, None).await;
    let mut wrong = Vec::new();
    for r in TABLE {
        for (k, token) in tokens.iter().enumerate() {
            let path = match r.setup {
                Setup::None => r.path.to_string(),
                state => {
                    let id = request_in(&s, &maya, &priya, state).await;
                    r.path.replace("{id}", &id)
                }
            };
            let url = format!("{}{path}", s.base);
            let mut req = match r.method {
                "GET" => s.client.get(&url),
                "POST" => s
                    .client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(r.body),
                "DELETE" => s.client.delete(&url),
                m => panic!("{m}"),
            };
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let got = req.send().await.unwrap().status().as_u16();
            if got != r.expect[k] {
                wrong.push(format!(
                    "{} {} as {}: {got}, expected {}",
                    r.method, r.path, WHO[k], r.expect[k]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A request of maya's in `state` (approved and active through the REST routes themselves).
async fn request_in(s: &TestServer, maya: &str, priya: &str, state: Setup) -> String {
    let (status, r) = s.post_as(maya, "/v1/requests", NEW).await;
    assert_eq!(status, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    if matches!(state, Setup::Approved | Setup::Active) {
        let (status, r) = s
            .post_as(priya, &format!("/v1/requests/{id}/approve"), "")
            .await;
        assert_eq!(status, 200, "{r}");
    }
    if matches!(state, Setup::Active) {
        let (status, r) = s
            .post(
                &format!("/v1/requests/{id}/provisioned"),
                &json!({}).to_string(),
            )
            .await;
        assert_eq!((status, r["status"].as_str()), (200, Some("active")), "{r}");
    }
    id
}

/// `GET /openapi.json` needs no token, parses, and documents every route of the table above
/// with its method, with the request schema built from the same types the service uses.
#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let s = TestServer::start().await;
    let r = s
        .client
        .get(format!("{}/openapi.json", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut missing = Vec::new();
    for row in TABLE {
        let path = row.path.split('?').next().unwrap();
        let method = row.method.to_lowercase();
        // The documented form of a literal name is the route's parameter.
        let documented = [
            path.to_string(),
            path.replace("/alice", "/{name}")
                .replace("/crm.leads", "/{name}")
                .replace("check_access", "{name}"),
        ];
        if !documented
            .iter()
            .any(|p| paths.get(p).is_some_and(|m| m.get(&method).is_some()))
        {
            missing.push(format!("{} {path}", row.method));
        }
    }
    assert!(missing.is_empty(), "not documented: {missing:?}");
    assert!(
        paths.get("/mcp").is_none(),
        "MCP is described by MCP itself"
    );

    // The request schema comes from `AccessRequest`: its fields are there.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let request = &schemas["AccessRequest"]["properties"];
    for field in [
        "id",
        "status",
        "requester",
        "resources",
        "privileges",
        "roles",
        "reason",
        "duration",
        "expires_at",
        "drafted_by",
    ] {
        assert!(
            request.get(field).is_some(),
            "AccessRequest.{field} missing"
        );
    }
    let create = &paths["/v1/requests"]["post"];
    assert!(create["requestBody"].is_object(), "{create}");
    assert!(create["responses"].get("201").is_some(), "{create}");
    // Each tool's schemas are components too.
    for t in warden::tools::registry() {
        assert!(
            schemas.contains_key(&format!("tool_{}_Args", t.name)),
            "{}",
            t.name
        );
    }
}
