//! Helpers shared by the test modules: building an `Access` from JSON, calling tools.

#![allow(dead_code)]

use serde_json::Value;
use warden::access::Access;

/// The graph and index for a snapshot document given as JSON.
pub fn access_from(doc: Value) -> Access {
    let conns = warden::snapshot::parse_value(doc).expect("snapshot is valid");
    Access::build(conns).expect("access builds")
}

/// The demo organisation.
pub fn demo() -> Access {
    Access::build(warden::demo::connections().expect("demo is valid")).expect("access builds")
}

/// Calls a tool and returns its result, or the error document.
pub fn call(access: &Access, tool: &str, args: Value) -> Result<Value, Value> {
    warden::tools::call(access, tool, args).map_err(|e| serde_json::to_value(e.document()).unwrap())
}

/// The path texts of a check_access result.
pub fn path_texts(result: &Value) -> Vec<String> {
    let mut v: Vec<String> = result["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// The caveat codes of a check_access result.
pub fn caveat_codes(result: &Value) -> Vec<String> {
    let mut v: Vec<String> = result["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The app in `dir` over the demo organisation, with maya (a requester) as a person, and her.
pub async fn demo_app_with_maya(
    dir: &std::path::Path,
) -> (warden::app::App, warden::people::Principal) {
    let app = warden::app::App::open(dir).await.unwrap();
    app.import(warden::demo::connections().unwrap())
        .await
        .unwrap();
    let maya = app
        .people
        .add_person(
            "maya",
            warden::people::Role::Requester,
            Some("maya@acme.test"),
        )
        .await
        .unwrap();
    (app, warden::people::Principal::person(maya))
}
