//! The checked-in tool schemas under tools/ must be exactly what the code generates.

use std::path::Path;

#[test]
fn checked_in_tool_schemas_match_the_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools");
    let mut stale = Vec::new();
    for (name, content) in warden::tools::exported_files() {
        match std::fs::read_to_string(dir.join(&name)) {
            Ok(on_disk) if on_disk == content => {}
            Ok(_) => stale.push(format!("{name} differs")),
            Err(_) => stale.push(format!("{name} is missing")),
        }
    }
    assert!(
        stale.is_empty(),
        "tools/ is stale ({}); run `cargo run -- tools --export tools/`",
        stale.join(", ")
    );
}

#[test]
fn every_tool_has_a_description_and_object_schemas() {
    let tools = warden::tools::registry();
    let names: Vec<&str> = tools.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "check_access",
            "who_has_access",
            "list_access",
            "get_identity",
            "search_identities",
            "search_resources",
            "create_access_request",
            "list_access_requests",
            "get_access_request",
            "change_access_request",
            "withdraw_access_request"
        ]
    );
    for t in tools {
        assert!(
            t.description.len() > 40,
            "{}: description too short",
            t.name
        );
        assert_eq!(t.parameters["type"], "object", "{}", t.name);
        assert_eq!(t.result["type"], "object", "{}", t.name);
        // Every argument of list_access_requests narrows the list; every other tool needs one.
        if t.name != "list_access_requests" {
            assert!(
                t.parameters["required"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty()),
                "{}: required args",
                t.name
            );
        }
    }
    let openai: serde_json::Value = serde_json::from_str(
        &warden::tools::exported_files()
            .into_iter()
            .find(|(n, _)| n == "tools.json")
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(openai.as_array().unwrap().len(), tools.len());
    assert_eq!(openai[0]["type"], "function");
    assert_eq!(openai[0]["function"]["name"], "check_access");
}
