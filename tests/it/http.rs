//! The real server on port 0 with a real HTTP client: health, the tool list, every tool, and
//! errors with their statuses.

use serde_json::json;

use crate::server::TestServer;

#[tokio::test]
async fn health_and_tool_list() {
    let s = TestServer::start().await;
    let (status, body) = s.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["connections"], 4);
    let (status, body) = s.get("/v1/tools").await;
    assert_eq!(status, 200);
    let tools = body["tools"].as_array().unwrap();
    assert_eq!(tools.len(), warden::tools::registry().len());
    assert!(tools.iter().all(|t| t["parameters"]["type"] == "object"));
}

#[tokio::test]
async fn every_tool_answers_over_http_as_in_process() {
    let s = TestServer::start().await;
    let access = crate::common::demo();
    let calls = [
        (
            "check_access",
            json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"}),
        ),
        ("who_has_access", json!({"resource": "people.salaries"})),
        (
            "list_access",
            json!({"identity": "priya", "connection": "warehouse"}),
        ),
        ("get_identity", json!({"identity": "tom"})),
        ("search_identities", json!({"query": "maya"})),
        ("search_resources", json!({"query": "the payroll table"})),
    ];
    for (tool, args) in calls {
        let (status, body) = s
            .post(&format!("/v1/tools/{tool}"), &args.to_string())
            .await;
        assert_eq!(status, 200, "{tool}: {body}");
        assert_eq!(
            body,
            warden::tools::call(&access, tool, args).unwrap(),
            "{tool}: HTTP and in-process agree"
        );
    }
}

#[tokio::test]
async fn bad_requests_name_the_problem() {
    let s = TestServer::start().await;
    let (status, body) = s
        .post(
            "/v1/tools/check_access",
            r#"{"identity": "maya", "privilege": "SELECT"}"#,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_argument");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("resource"),
        "{body}"
    );

    let (status, body) = s
        .post(
            "/v1/tools/check_access",
            r#"{"identity": ["maya"], "privilege": "SELECT", "resource": "x"}"#,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["path"], "identity");

    let (status, body) = s
        .post(
            "/v1/tools/check_access",
            r#"{"identity": "maya", "privilege": "SELECT", "resource": "crm.leads", "extra": 1}"#,
        )
        .await;
    assert_eq!(status, 400, "{body}");

    let (status, body) = s.post("/v1/tools/check_access", "{not json").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_argument");

    let (status, body) = s.post("/v1/tools/grant_everything", "{}").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");

    let (status, body) = s
        .post(
            "/v1/tools/check_access",
            r#"{"identity": "zorro", "privilege": "SELECT", "resource": "crm.leads"}"#,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["path"], "identity");

    let (status, body) = s
        .post(
            "/v1/tools/check_access",
            r#"{"identity": "tom", "privilege": "SELECT", "resource": "sales.orders"}"#,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "ambiguous");
}

#[tokio::test]
async fn import_over_http_swaps_the_graph() {
    let s = TestServer::start().await;
    let doc = json!({"version": 1, "connections": [{"name": "lake", "platform": "postgres",
        "identities": [{"name": "zed", "kind": "user"}],
        "resources": [{"kind": "table", "name": "lake.raw.events"}],
        "grants": [{"grantee": "zed", "privilege": "SELECT", "resource": "lake.raw.events"}]}]});
    let (status, body) = s.post("/v1/import", &doc.to_string()).await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = s
        .post(
            "/v1/tools/check_access",
            r#"{"identity": "zed", "privilege": "SELECT", "resource": "raw.events"}"#,
        )
        .await;
    assert_eq!(body["allowed"], true, "{body}");

    let (status, body) = s
        .post(
            "/v1/import",
            r#"{"version": 1, "connections": [{"name": "lake", "platform": "oracle"}]}"#,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["path"], "connections[0].platform");
    let (_, body) = s
        .post(
            "/v1/tools/check_access",
            r#"{"identity": "zed", "privilege": "SELECT", "resource": "raw.events"}"#,
        )
        .await;
    assert_eq!(body["allowed"], true, "a rejected import changes nothing");
}

#[tokio::test]
async fn every_tool_names_the_bad_argument() {
    let s = TestServer::start().await;
    for tool in warden::tools::registry() {
        let none = Vec::new();
        let required = tool.parameters["required"].as_array().unwrap_or(&none);
        // A well-formed value for a field, and one of the wrong type.
        let is_list = |f: &str| tool.parameters["properties"][f]["type"].as_str() == Some("array");
        let good = |f: &str| if is_list(f) { json!(["x"]) } else { json!("x") };
        let bad = |f: &str| if is_list(f) { json!(5) } else { json!([1]) };
        for field in required {
            let field = field.as_str().unwrap();
            // Every other required field well-formed, this one of the wrong type.
            let mut args = serde_json::Map::new();
            for f in required {
                let f = f.as_str().unwrap();
                args.insert(f.into(), good(f));
            }
            args.insert(field.into(), bad(field));
            let (status, body) = s
                .post(
                    &format!("/v1/tools/{}", tool.name),
                    &json!(args).to_string(),
                )
                .await;
            assert_eq!(status, 400, "{}.{field}: {body}", tool.name);
            assert_eq!(body["error"]["code"], "invalid_argument");
            assert_eq!(body["error"]["path"], field, "{}: {body}", tool.name);
        }
        let (status, body) = s
            .post(
                &format!("/v1/tools/{}", tool.name),
                r#"{"unexpected": true}"#,
            )
            .await;
        assert_eq!(status, 400, "{}: {body}", tool.name);
    }
}
