//! The authorisation table: every route × every kind of caller (anonymous, requester, reviewer,
//! admin, agent token) against the status INTERFACE.md's "Who may do what" implies. Each cell
//! runs on a fresh request in the state the route needs: another person's (maya's), or the
//! caller's own (the `Own…` rows), since the rules differ for the two.

use crate::server::TestServer;
use serde_json::json;
use warden::people::Role;

/// The callers, in the table's column order.
pub const WHO: [&str; 5] = ["anonymous", "requester", "reviewer", "admin", "agent"];

/// The state a route's request must be in before the call, and whose it is: maya's, or (`Own…`)
/// made with the caller's own token (alice's for the anonymous column, which never gets past
/// the token check anyway).
#[derive(Clone, Copy, Debug)]
pub enum Setup {
    None,
    Open,
    Approved,
    Active,
    OwnOpen,
    OwnActive,
}

pub struct Row {
    pub method: &'static str,
    pub path: &'static str,
    pub body: &'static str,
    pub setup: Setup,
    pub expect: [u16; 5],
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

pub const NEW: &str = r#"{"resources": ["crm.leads"], "privileges": ["SELECT"], "duration": "8h"}"#;
const LINK: &str = r#"{"connection": "warehouse", "identity": "alice"}"#;
const CHECK: &str = r#"{"identity": "alice", "privilege": "SELECT", "resource": "crm.leads"}"#;

#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    //                                                                      anon requester reviewer admin agent
    row("GET",    "/healthz",                      "",       Setup::None,     [200, 200, 200, 200, 200]),
    row("GET",    "/v1/tools",                     "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("POST",   "/v1/tools/check_access",        CHECK,    Setup::None,     [401, 200, 200, 200, 200]),
    row("POST",   "/v1/chat",                      r#"{"message": "who can read crm.leads?"}"#, Setup::None, [401, 200, 200, 200, 200]),
    row("POST",   "/v1/import",                    "{}",     Setup::None,     [401, 403, 403, 400, 403]),
    row("GET",    "/v1/requests",                  "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("POST",   "/v1/requests",                  NEW,      Setup::None,     [401, 201, 201, 201, 201]),
    // Another person's request: a requester (or their agent) is told it does not exist, whatever
    // the action (a 403 would confirm the id is real).
    row("GET",    "/v1/requests/{id}",             "",       Setup::Open,     [401, 404, 200, 200, 404]),
    row("POST",   "/v1/requests/{id}/approve",     "",       Setup::Open,     [401, 404, 200, 200, 404]),
    row("POST",   "/v1/requests/{id}/deny",        "",       Setup::Open,     [401, 404, 200, 200, 404]),
    row("DELETE", "/v1/requests/{id}",             "",       Setup::Open,     [401, 404, 403, 204, 404]),
    // Only its requester changes an open request; anyone else who may see it gets 403.
    row("PATCH",  "/v1/requests/{id}",             r#"{"duration": "2d"}"#, Setup::Open, [401, 404, 403, 403, 404]),
    row("POST",   "/v1/requests/{id}/revoke",      "",       Setup::Active,   [401, 404, 200, 200, 404]),
    // Only the requester extends; anyone else who may see it gets 403.
    row("POST",   "/v1/requests/{id}/extend",      r#"{"duration": "1d"}"#, Setup::Active, [401, 404, 403, 403, 404]),
    // Admin only; an open request is in no state to retry (409, after the rights check).
    row("POST",   "/v1/requests/{id}/retry",       "",       Setup::Open,     [401, 404, 403, 409, 404]),
    row("POST",   "/v1/requests/{id}/provisioned", "",       Setup::Approved, [401, 404, 403, 200, 404]),
    // One's own request: read, delete (never by an agent) and extend it; never decide on it.
    row("GET",    "/v1/requests/{id}",             "",       Setup::OwnOpen,  [401, 200, 200, 200, 200]),
    row("POST",   "/v1/requests/{id}/approve",     "",       Setup::OwnOpen,  [401, 403, 403, 403, 403]),
    row("POST",   "/v1/requests/{id}/deny",        "",       Setup::OwnOpen,  [401, 403, 403, 403, 403]),
    row("PATCH",  "/v1/requests/{id}",             r#"{"duration": "2d"}"#, Setup::OwnOpen, [401, 200, 200, 200, 200]),
    row("DELETE", "/v1/requests/{id}",             "",       Setup::OwnOpen,  [401, 204, 204, 204, 403]),
    row("POST",   "/v1/requests/{id}/revoke",      "",       Setup::OwnActive, [401, 403, 403, 403, 403]),
    row("POST",   "/v1/requests/{id}/extend",      r#"{"duration": "1d"}"#, Setup::OwnActive, [401, 201, 201, 201, 201]),
    row("GET",    "/v1/identities",                "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("GET",    "/v1/identities/alice",          "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("GET",    "/v1/resources?q=leads",         "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("GET",    "/v1/resources/crm.leads",       "",       Setup::None,     [401, 200, 200, 200, 200]),
    row("GET",    "/v1/people",                    "",       Setup::None,     [401, 403, 200, 200, 403]),
    row("GET",    "/v1/audit",                     "",       Setup::None,     [401, 403, 200, 200, 403]),
    row("GET",    "/v1/audit/verify",              "",       Setup::None,     [401, 403, 200, 200, 403]),
    row("GET",    "/v1/drift",                     "",       Setup::None,     [401, 403, 200, 200, 403]),
    row("GET",    "/openapi.json",                 "",       Setup::None,     [200, 200, 200, 200, 200]),
    // Linking people and identities by hand is the admins'. Last, unlink then link again, so
    // that no row above runs without alice's link.
    row("DELETE", "/v1/people/alice/links/warehouse/alice", "", Setup::None,  [401, 403, 403, 200, 403]),
    row("POST",   "/v1/people/alice/links",        LINK,     Setup::None,     [401, 403, 403, 200, 403]),
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
            let own = token.as_deref().or(tokens[1].as_deref()).unwrap();
            let id = match r.setup {
                Setup::None => String::new(),
                Setup::Open => request_in(&s, &maya, &priya, Setup::Open).await,
                Setup::Approved => request_in(&s, &maya, &priya, Setup::Approved).await,
                Setup::Active => request_in(&s, &maya, &priya, Setup::Active).await,
                Setup::OwnOpen => request_in(&s, own, &priya, Setup::Open).await,
                Setup::OwnActive => request_in(&s, own, &priya, Setup::Active).await,
            };
            let path = r.path.replace("{id}", &id);
            let url = format!("{}{path}", s.base);
            let mut req = match r.method {
                "GET" => s.client.get(&url),
                "POST" => s
                    .client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(r.body),
                "DELETE" => s.client.delete(&url),
                "PATCH" => s
                    .client
                    .patch(&url)
                    .header("content-type", "application/json")
                    .body(r.body),
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

/// A request made with `owner`'s token in `state` (approved and active through the REST routes
/// themselves).
pub async fn request_in(s: &TestServer, owner: &str, priya: &str, state: Setup) -> String {
    let (status, r) = s.post_as(owner, "/v1/requests", NEW).await;
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
            path.replace("/warehouse/alice", "/{connection}/{identity}")
                .replace("/alice", "/{name}")
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
    assert!(
        paths["/v1/requests/{id}"]["delete"]["responses"]
            .get("204")
            .is_some()
    );

    // Every /v1/requests… path, with exactly its methods, and nothing undocumented beside them.
    let requests: &[(&str, &[&str])] = &[
        ("/v1/requests", &["get", "post"]),
        ("/v1/requests/{id}", &["delete", "get", "patch"]),
        ("/v1/requests/{id}/approve", &["post"]),
        ("/v1/requests/{id}/deny", &["post"]),
        ("/v1/requests/{id}/extend", &["post"]),
        ("/v1/requests/{id}/provisioned", &["post"]),
        ("/v1/requests/{id}/retry", &["post"]),
        ("/v1/requests/{id}/revoke", &["post"]),
    ];
    let documented: Vec<&String> = paths
        .keys()
        .filter(|p| p.starts_with("/v1/requests"))
        .collect();
    assert_eq!(documented.len(), requests.len(), "{documented:?}");
    for (path, methods) in requests {
        let item = paths[*path].as_object().unwrap();
        let mut got: Vec<&str> = item
            .keys()
            .map(String::as_str)
            .filter(|m| ["get", "post", "put", "patch", "delete"].contains(m))
            .collect();
        got.sort();
        assert_eq!(&got, methods, "{path}");
        if path.contains("{id}") {
            for m in *methods {
                let params = item[*m]["parameters"].as_array().unwrap();
                assert!(
                    params
                        .iter()
                        .any(|p| p["name"] == "id" && p["in"] == "path"),
                    "{m} {path}: {params:?}"
                );
            }
        }
    }
    let list = paths["/v1/requests"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for name in ["status", "requester", "limit", "cursor"] {
        assert!(list.iter().any(|p| p["name"] == name), "{name}");
    }

    // A token on every /v1 route, none on /healthz and this document; any route may answer
    // with the error document.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let security = op.get("security").and_then(|s| s.as_array());
            if path.starts_with("/v1/") {
                assert_eq!(
                    security.map(|s| s.len()),
                    Some(1),
                    "{method} {path} needs a token"
                );
                assert!(security.unwrap()[0].get("bearer").is_some());
            } else {
                assert!(security.is_none(), "{method} {path} needs no token");
            }
            let error = op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap_or_default();
            assert!(error.ends_with("/ErrorDocument"), "{method} {path}: {op}");
        }
    }
    // Each tool's schemas are components too.
    for t in warden::tools::registry() {
        assert!(
            schemas.contains_key(&format!("tool_{}_Args", t.name)),
            "{}",
            t.name
        );
    }
}
