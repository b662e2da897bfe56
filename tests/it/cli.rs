//! The command line as scripts use it: exit statuses, `--json` documents, one-line errors.

use crate::binary::{demo_dir, run};

#[test]
fn check_exit_status_says_yes_or_no() {
    let dir = demo_dir();
    let (code, out, _) = run(dir.path(), &["check", "maya", "SELECT", "crm.leads"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Yes. maya has SELECT on prod.crm.leads (warehouse)."),
        "{out}"
    );
    assert!(
        out.contains("maya → sales_ops → crm_read → SELECT on prod.crm.leads"),
        "{out}"
    );

    let (code, out, _) = run(
        dir.path(),
        &["check", "tom", "SELECT", "warehouse:crm.leads"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not_inherited"), "{out}");

    let (code, out, _) = run(
        dir.path(),
        &["--json", "check", "tom", "select", "warehouse:crm.leads"],
    );
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("exactly one JSON document");
    assert_eq!(doc["allowed"], false);
    assert_eq!(doc["privilege"], "SELECT");
}

#[test]
fn errors_are_one_line_with_exit_status_two() {
    let dir = demo_dir();
    let (code, out, err) = run(dir.path(), &["check", "zorro", "SELECT", "crm.leads"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: identity: no identity named \"zorro\""),
        "{err}"
    );

    let (code, out, _) = run(
        dir.path(),
        &["--json", "check", "tom", "SELECT", "sales.orders"],
    );
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["error"]["code"], "ambiguous");
    assert_eq!(doc["error"]["candidates"].as_array().unwrap().len(), 2);

    let (code, _, err) = run(dir.path(), &["check", "maya", "", "crm.leads"]);
    assert_eq!(code, 2);
    assert!(err.contains("privilege"), "{err}");

    // A data dir with no store is bad input, not an empty answer.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(empty.path(), &["check", "maya", "SELECT", "crm.leads"]);
    assert_eq!(code, 2);
    assert!(err.contains("no Warden data"), "{err}");

    let (code, _, err) = run(dir.path(), &["frobnicate"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn tools_call_reaches_every_tool() {
    let dir = demo_dir();
    let calls = [
        (
            "check_access",
            r#"{"identity":"priya","privilege":"SELECT","resource":"people.salaries"}"#,
            "allowed",
        ),
        (
            "who_has_access",
            r#"{"resource":"people.salaries","privilege":"SELECT"}"#,
            "grantees",
        ),
        (
            "list_access",
            r#"{"identity":"maya","connection":"warehouse"}"#,
            "access",
        ),
        (
            "get_identity",
            r#"{"identity":"maya@acme.test"}"#,
            "identities",
        ),
        ("search_identities", r#"{"query":"Alice"}"#, "matches"),
        ("search_resources", r#"{"query":"revenue"}"#, "matches"),
    ];
    for (tool, args, field) in calls {
        let (code, out, err) = run(dir.path(), &["--json", "tools", "call", tool, args]);
        assert_eq!(code, 0, "{tool}: {err}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(doc.get(field).is_some(), "{tool}: {doc}");
    }
    let (code, out, _) = run(
        dir.path(),
        &[
            "--json",
            "tools",
            "call",
            "check_access",
            r#"{"identity": 3}"#,
        ],
    );
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["error"]["code"], "invalid_argument");
    assert_eq!(doc["error"]["path"], "identity");

    let (code, _, err) = run(dir.path(), &["tools", "call", "drop_tables", "{}"]);
    assert_eq!(code, 2);
    assert!(err.contains("no tool named \"drop_tables\""), "{err}");

    let (code, out, _) = run(dir.path(), &["--json", "tools"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["tools"].as_array().unwrap().len(),
        warden::tools::registry().len()
    );
}

#[test]
fn who_has_lists_people_and_roles_with_paths() {
    let dir = demo_dir();
    let (code, out, _) = run(
        dir.path(),
        &[
            "--json",
            "who-has",
            "people.salaries",
            "--privilege",
            "SELECT",
        ],
    );
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = doc["grantees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["identity"].as_str().unwrap())
        .collect();
    for who in ["priya", "root", "people_admin"] {
        assert!(names.contains(&who), "{who} missing from {names:?}");
    }
    assert!(!names.contains(&"maya"));
}

#[test]
fn who_has_pages_on_the_command_line() {
    let dir = demo_dir();
    let (code, all, err) = run(dir.path(), &["--json", "who-has", "crm.leads"]);
    assert_eq!(code, 0, "{err}");
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    let total = all["total"].as_u64().unwrap();
    assert!(total > 1, "{all}");
    // One a page, following the cursor printed, visits every grantee once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = vec!["who-has", "crm.leads", "--limit", "1"];
        if let Some(c) = &cursor {
            args.extend(["--cursor", c.as_str()]);
        }
        let (code, out, err) = run(dir.path(), &args);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.starts_with(&format!("{total} identities have")),
            "the headline counts them all: {out}"
        );
        seen.push(out.lines().nth(1).unwrap().to_string());
        cursor = out
            .lines()
            .find_map(|l| l.split("--cursor ").nth(1))
            .map(|c| c.trim_end_matches(')').to_string());
        if cursor.is_none() {
            break;
        }
        assert!(seen.len() <= total as usize, "the pages never end");
    }
    assert_eq!(seen.len() as u64, total);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len() as u64, total, "each grantee once");
}

/// `user add` and `token create` read the identities people are linked to, never the grants:
/// with the grants table gone (so that nothing that reads the whole graph can work), they still
/// answer, with the same links, while a check fails.
#[test]
fn people_and_tokens_do_not_read_the_grants() {
    let dir = demo_dir();
    let db = dir.path().join("warden.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("ALTER TABLE grants RENAME TO grants_elsewhere")
        .unwrap();
    drop(conn);
    let (code, _, err) = run(dir.path(), &["check", "maya", "SELECT", "crm.leads"]);
    assert_ne!(code, 0, "the whole graph cannot be read now: {err}");

    let links = crate::binary::add_maya(dir.path());
    assert_eq!(
        links,
        ["redshift_dw:maya", "snowflake:MAYA", "warehouse:maya"]
    );
    let (code, out, err) = run(dir.path(), &["--json", "token", "create", "maya"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wdn_"), "{out}");
    let (code, _, err) = run(dir.path(), &["user", "list"]);
    assert_eq!(code, 0, "{err}");
}

/// Every subcommand says what it does and shows an example; every argument says what it is.
#[test]
fn every_command_and_argument_has_help_with_an_example() {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for sub in cmd.get_subcommands() {
            let here = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() {
                missing.push(format!("{here}: no description"));
            }
            let example = sub
                .get_after_help()
                .is_some_and(|h| h.to_string().contains("Example: warden"));
            if !example {
                missing.push(format!("{here}: no example"));
            }
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if !matches!(id, "help" | "version") && arg.get_help().is_none() {
                    missing.push(format!("{here} {id}: no help"));
                }
            }
            walk(sub, &here, missing);
        }
    }
    let mut missing = Vec::new();
    walk(&warden::cli::Cli::command(), "warden", &mut missing);
    assert!(missing.is_empty(), "{missing:#?}");
}

/// `warden tools` prints each tool's whole description, not its first line.
#[test]
fn tools_are_listed_with_their_whole_descriptions() {
    let dir = demo_dir();
    let (code, json, err) = run(dir.path(), &["--json", "tools"]);
    assert_eq!(code, 0, "{err}");
    let (code, text, err) = run(dir.path(), &["tools"]);
    assert_eq!(code, 0, "{err}");
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let listed = words(&text);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    for tool in doc["tools"].as_array().unwrap() {
        let whole = format!(
            "{} {}",
            tool["name"].as_str().unwrap(),
            words(tool["description"].as_str().unwrap())
        );
        assert!(listed.contains(&whole), "not whole: {whole}");
    }
    assert!(
        text.lines()
            .all(|l| l.chars().count() <= 100 || !l.trim().contains(' ')),
        "{text}"
    );
}

/// `--log-format json` (here through its variable) or `[log] format = "json"`: every log line is
/// one JSON object, and what a request logs carries that request's id, as does its audit event.
#[tokio::test]
async fn json_logs_carry_the_request_id() {
    let dir = demo_dir();
    crate::binary::add_maya(dir.path());
    let (code, out, err) = run(
        dir.path(),
        &["--json", "token", "create", "maya", "--agent", "bot"],
    );
    assert_eq!(code, 0, "{err}");
    let token: serde_json::Value = serde_json::from_str(&out).unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let by_env = || crate::binary::Launch::serve(dir.path()).env("WARDEN_LOG_FORMAT", "json");
    let by_config = || {
        std::fs::write(dir.path().join("warden.toml"), "[log]\nformat = \"json\"\n").unwrap();
        crate::binary::Launch::serve(dir.path())
    };
    for (how, launch) in [("env", &by_env as &dyn Fn() -> _), ("config", &by_config)] {
        let server = launch().start();
        let id = format!("trace-{how}");
        let r = reqwest::Client::new()
            .post(format!("{}/v1/tools/check_access", server.base))
            .bearer_auth(&token)
            .header("x-request-id", &id)
            .json(&serde_json::json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{how}");
        // The agent's call is logged inside the request's span.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let logged = loop {
            let lines: Vec<serde_json::Value> = server
                .stderr()
                .lines()
                .filter(|l| !l.starts_with("warden listening on"))
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{how}: {e}: {l}")))
                .collect();
            if let Some(l) = lines
                .iter()
                .find(|l| l["fields"]["message"] == "agent tool call")
            {
                break l.clone();
            }
            assert!(std::time::Instant::now() < deadline, "{how}: {lines:?}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert_eq!(logged["span"]["id"], id.as_str(), "{how}: {logged}");
        assert_eq!(logged["fields"]["tool"], "check_access", "{how}: {logged}");
        // And the audit log's record of the call names the same request.
        let store = warden::store::Store::open(dir.path(), None).await.unwrap();
        let filter = warden::model::audit::AuditFilter::every("agent_tool_call");
        let audited = store.audit(&filter).await.unwrap();
        assert!(
            audited
                .iter()
                .any(|e| e.data["http_request_id"] == id.as_str()),
            "{how}: {audited:?}"
        );
        assert!(warden::audit::verify(&store).await.unwrap().ok);
        store.close().await;
    }
}

/// `warden init` writes the commented config (not over one that exists), `config check` reads
/// it back; a wrong key is named with its line, and every unset variable by name.
#[test]
fn init_writes_a_config_that_config_check_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(dir.path(), &["init"]);
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(dir.path().join("warden.toml")).unwrap();
    assert!(written.contains("[[connections]]") && written.contains("[slack]"));
    let (code, _, err) = run(dir.path(), &["init"]);
    assert_eq!((code, err.trim().lines().count()), (2, 1), "{err}");
    assert!(err.contains("--force"), "{err}");
    let (code, out, err) = run(dir.path(), &["config", "check"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok; connections: none"), "{out}");

    std::fs::write(
        dir.path().join("warden.toml"),
        "[server]\nmax_body_size = \"1MiB\"\nmax_bodysize = \"2MiB\"\n",
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["config", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 3") && err.contains("max_bodysize"),
        "{err}"
    );

    std::fs::write(
        dir.path().join("warden.toml"),
        "[[connections]]\nname = \"wh\"\nplatform = \"postgres\"\nurl = \"${WARDEN_T_UNSET_A}\"\n\
         [llm]\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\napi_key = \"${WARDEN_T_UNSET_B}\"\n",
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["config", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("WARDEN_T_UNSET_A (at connections[0].url)")
            && err.contains("WARDEN_T_UNSET_B (at llm.api_key)"),
        "{err}"
    );
}
