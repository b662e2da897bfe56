//! `GET /openapi.json` as a client generator reads it: valid by a real validator
//! (openapi-spec-validator), every operation named, tagged and with the schema of its answer, and
//! real answers of the running server valid against those schemas (Python's `jsonschema`, which
//! openapi-spec-validator depends on). `authz.rs` checks that the document covers every route.

use crate::server::TestServer;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// What CI installs (.ci/run); the same pins are the ones to install by hand.
const PACKAGES: &str = "'openapi-spec-validator==0.9.0' 'jsonschema==4.26.0'";

/// Fails, saying how to install it, when `python3` cannot import `module`. CI installs it, so
/// there a missing module is CI's own fault; locally it is one pip command.
fn require_python_module(module: &str) {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI: python3 cannot import {module}; .ci/run should have installed {PACKAGES}");
    }
    panic!(
        "this test runs a real OpenAPI validator: python3 cannot import {module}. Install it with \
         `python3 -m pip install {PACKAGES}` (add --break-system-packages on a system Python), \
         as .ci/run does"
    );
}

async fn document(s: &TestServer) -> Value {
    // No token: the document is public.
    let r = s
        .client
        .get(format!("{}/openapi.json", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

/// Every operation in the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

/// Every `$ref` anywhere in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                out.push(r);
            }
            o.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

fn write_json(dir: &Path, name: &str, v: &Value) -> String {
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    file.to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_real_validator_accepts_the_document() {
    require_python_module("openapi_spec_validator");
    let s = TestServer::start().await;
    let doc = document(&s).await;
    let file = write_json(s.dir.path(), "openapi.json", &doc);
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator", &file])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openapi-spec-validator rejects /openapi.json:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // What the validator may not insist on: every reference points into the components, at a
    // schema that is there (the tools' own `$defs` included).
    let mut all = Vec::new();
    refs(&doc, &mut all);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let dangling: Vec<&&str> = all
        .iter()
        .filter(|r| {
            r.strip_prefix("#/components/schemas/")
                .is_none_or(|name| !schemas.contains_key(name))
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

/// What client generators need: a stable unique name per operation, a tag to group it by, and
/// the schema of what a success answers (204 answers nothing).
#[tokio::test]
async fn every_operation_is_named_tagged_and_typed() {
    let s = TestServer::start().await;
    let doc = document(&s).await;
    let ops = operations(&doc);
    assert_eq!(ops.len(), 27, "the operations documented");
    let mut ids = BTreeSet::new();
    let mut problems = Vec::new();
    for (method, path, op) in &ops {
        let at = format!("{method} {path}");
        match op["operationId"].as_str() {
            Some(id) if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) => {
                if !ids.insert(id.to_string()) {
                    problems.push(format!("{at}: operationId {id} used twice"));
                }
            }
            other => problems.push(format!("{at}: operationId {other:?}")),
        }
        if op["tags"].as_array().is_none_or(|t| t.is_empty()) {
            problems.push(format!("{at}: no tag"));
        }
        let responses = op["responses"].as_object().unwrap();
        let success: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(code, _)| code.starts_with('2'))
            .collect();
        if success.is_empty() {
            problems.push(format!("{at}: no 2xx response"));
        }
        for (code, response) in success {
            if code == "204" {
                continue;
            }
            match &response["content"]["application/json"]["schema"] {
                // `{}` or `true` says nothing of the answer.
                Value::Object(o) if !o.is_empty() => {}
                other => problems.push(format!("{at}: {code} has no schema ({other})")),
            }
        }
        // Errors are the error document on every operation.
        let error = op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_default();
        if !error.ends_with("/ErrorDocument") {
            problems.push(format!("{at}: errors are not the error document"));
        }
        // `limit` is a number wherever it is taken.
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["name"] == "limit" {
                let t = &p["schema"]["type"];
                if !(t == "integer" || t.as_array().is_some_and(|a| a.contains(&json!("integer"))))
                {
                    problems.push(format!("{at}: limit is {}", p["schema"]));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for id in ["createRequest", "approveRequest", "callTool", "getHealth"] {
        assert!(ids.contains(id), "{id} in {ids:?}");
    }

    // A tool call's body is one of the tools' arguments, its answer one of their results.
    let call = &doc["paths"]["/v1/tools/{name}"]["post"];
    let body = resolve(
        &doc,
        &call["requestBody"]["content"]["application/json"]["schema"],
    );
    let answer = resolve(
        &doc,
        &call["responses"]["200"]["content"]["application/json"]["schema"],
    );
    for t in warden::tools::registry() {
        for (schema, suffix) in [(&body, "Args"), (&answer, "Result")] {
            let wanted = json!({"$ref": format!("#/components/schemas/tool_{}_{suffix}", t.name)});
            assert!(
                schema["anyOf"]
                    .as_array()
                    .is_some_and(|a| a.contains(&wanted)),
                "{} {suffix} not in {schema}",
                t.name
            );
        }
    }
}

/// `schema`, or the component it refers to.
fn resolve(doc: &Value, schema: &Value) -> Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => doc["components"]["schemas"][name].clone(),
        None => schema.clone(),
    }
}

/// The schema of `method path`'s `status` answer (the path as documented, with its parameters).
fn answer_schema(doc: &Value, method: &str, path: &str, status: u16) -> Value {
    doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"]
        .clone()
}

/// Checks each `(name, schema, answer)` with Python's jsonschema (JSON Schema 2020-12, the
/// dialect of OpenAPI 3.1), the document's components in reach of every `$ref`.
fn validate_answers(dir: &Path, doc: &Value, cases: &[(String, Value, Value)]) {
    require_python_module("jsonschema");
    let doc_file = write_json(dir, "openapi.json", doc);
    let cases: Vec<Value> = cases
        .iter()
        .map(|(name, schema, answer)| json!({"name": name, "schema": schema, "answer": answer}))
        .collect();
    let cases_file = write_json(dir, "answers.json", &Value::Array(cases));
    const SCRIPT: &str = r#"
import json, sys
import jsonschema
doc = json.load(open(sys.argv[1]))
problems = []
for case in json.load(open(sys.argv[2])):
    schema = dict(case["schema"])
    schema["components"] = doc["components"]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    for e in jsonschema.Draft202012Validator(schema).iter_errors(case["answer"]):
        where = "/".join(str(p) for p in e.absolute_path)
        problems.append(case["name"] + ": at /" + where + ": " + e.message[:300])
print("\n".join(problems))
sys.exit(1 if problems else 0)
"#;
    let out = Command::new("python3")
        .args(["-c", SCRIPT, &doc_file, &cases_file])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "answers that their documented schema rejects:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the server really answers agrees with what the document says it answers, for the
/// routes whose answers were once undocumented and a few more.
#[tokio::test]
async fn real_answers_match_their_schemas() {
    let s = TestServer::start().await;
    let doc = document(&s).await;
    let mut cases = Vec::new();
    let gets = [
        ("/healthz", "/healthz"),
        ("/v1/audit/verify", "/v1/audit/verify"),
        ("/v1/drift", "/v1/drift"),
        ("/v1/drift?all=true&limit=5", "/v1/drift"),
        ("/v1/audit?limit=3", "/v1/audit"),
        ("/v1/tools", "/v1/tools"),
        ("/v1/requests", "/v1/requests"),
        ("/v1/identities?limit=3", "/v1/identities"),
        ("/v1/people", "/v1/people"),
    ];
    let check = json!({"identity": "alice", "privilege": "SELECT", "resource": "sales.orders"});
    let (status, answer) = s.post("/v1/tools/check_access", &check.to_string()).await;
    assert_eq!(status, 200, "{answer}");
    cases.push((
        "POST /v1/tools/check_access".to_string(),
        answer_schema(&doc, "post", "/v1/tools/{name}", 200),
        answer.clone(),
    ));
    // And against that tool's own result, not just any tool's.
    cases.push((
        "check_access as tool_check_access_Result".to_string(),
        json!({"$ref": "#/components/schemas/tool_check_access_Result"}),
        answer,
    ));
    for (path, documented) in gets {
        let (status, answer) = s.get(path).await;
        assert_eq!(status, 200, "{path}: {answer}");
        cases.push((
            format!("GET {path}"),
            answer_schema(&doc, "get", documented, 200),
            answer,
        ));
    }
    // Last: it replaces the demo organisation.
    let snapshot = json!({"version": 1, "connections": [{"name": "lake", "platform": "postgres",
        "identities": [{"name": "zed", "kind": "user"}],
        "resources": [{"kind": "table", "name": "lake.raw.events"}],
        "grants": [{"grantee": "zed", "privilege": "SELECT", "resource": "lake.raw.events"}]}]});
    let (status, answer) = s.post("/v1/import", &snapshot.to_string()).await;
    assert_eq!(status, 200, "{answer}");
    cases.push((
        "POST /v1/import".to_string(),
        answer_schema(&doc, "post", "/v1/import", 200),
        answer,
    ));
    for (name, schema, _) in &cases {
        assert!(
            schema.as_object().is_some_and(|o| !o.is_empty()),
            "{name}: no documented schema ({schema})"
        );
    }
    validate_answers(s.dir.path(), &doc, &cases);
}

/// What a route reads is what the document says it reads: every operation that answers a body
/// that is not JSON with "bad request body" documents a JSON request body, and documents it as
/// required exactly when it refuses an empty one. (`POST /v1/people/{name}/links` once read a
/// JSON body documented as `application/octet-stream`; approve, deny and revoke take an empty
/// body but documented theirs as required.)
#[tokio::test]
async fn every_json_body_a_route_reads_is_the_one_it_documents() {
    let s = TestServer::start().await;
    let doc = document(&s).await;
    let reads_json = |status: u16, answer: &Value| {
        status == 400
            && answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("bad request body"))
    };
    let mut problems = Vec::new();
    let mut bodies = 0;
    for (method, path, op) in operations(&doc) {
        if method != "post" {
            continue;
        }
        // Any value will do for a path parameter: the body is read before the path is looked up.
        let url = path
            .split('/')
            .map(|part| if part.starts_with('{') { "x" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        let (status, answer) = s.post(&url, "[1").await;
        if !reads_json(status, &answer) {
            continue;
        }
        bodies += 1;
        let body = &op["requestBody"];
        let schema = &body["content"]["application/json"]["schema"];
        if schema.as_object().is_none_or(|o| o.is_empty()) {
            problems.push(format!(
                "{path} reads a JSON body it does not document: {body}"
            ));
        }
        let (status, answer) = s.post(&url, "").await;
        let required = body["required"] == json!(true);
        if reads_json(status, &answer) != required {
            problems.push(format!(
                "{path}: body documented as required: {required}; an empty one answers {status} {answer}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(bodies, 7, "the routes that read a JSON body");
}
