//! Requests drafted through the tools: in chat (`POST /v1/chat`, `warden ask --as`), by agent
//! tokens over REST and MCP, and read back with `get_access_request` by whom may read them. Every
//! draft is left `open` for a human reviewer: no tool decides a request.

use crate::binary::{demo_dir, run};
use crate::mcp::{call, connect};
use crate::server::TestServer;
use serde_json::{Value, json};
use warden::model::audit::AuditFilter;
use warden::people::Role;

fn doc(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not one JSON document ({e}): {out}"))
}

/// The one `create_access_request` call of a chat reply, and its result.
fn drafted(reply: &Value) -> &Value {
    let calls: Vec<&Value> = reply["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["tool"] == "create_access_request")
        .collect();
    assert_eq!(calls.len(), 1, "{reply}");
    &calls[0]["result"]
}

#[tokio::test]
async fn a_request_drafted_in_chat_is_stored_open_for_the_asker() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let message = "I need read access to finance.invoices for 2 weeks because of the quarter close";
    let (status, reply) = s
        .post_as(&maya, "/v1/chat", &json!({"message": message}).to_string())
        .await;
    assert_eq!(status, 200, "{reply}");
    let req = drafted(&reply);
    let id = req["id"].as_str().expect("a stored request").to_owned();
    assert_eq!(req["status"], "open");
    assert_eq!(req["requester"], "maya");
    assert_eq!(req["resources"][0]["name"], "prod.finance.invoices");
    assert_eq!(req["resources"][0]["connection"], "warehouse");
    assert_eq!(req["privileges"], json!(["SELECT"]));
    assert_eq!(req["duration"], "2w");
    assert_eq!(req["expires_at"], Value::Null);
    assert_eq!(req["reason"], "the quarter close");
    assert_eq!(
        req["drafted_by"],
        json!({"kind": "ai", "person": "maya", "engine": "embedded"})
    );
    let answer = reply["answer"].as_str().unwrap();
    for part in [
        "drafted",
        id.as_str(),
        &format!("/v1/requests/{id}"),
        "prod.finance.invoices",
        "reviewer",
    ] {
        assert!(answer.contains(part), "{part:?} missing: {answer}");
    }

    // Stored: maya reads it back with its history, through the tool and the service alike.
    let (status, got) = s
        .post_as(
            &maya,
            "/v1/tools/get_access_request",
            &json!({"id": id}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["status"], "open");
    assert_eq!(got["drafted_by"]["kind"], "ai");
    let kinds: Vec<&str> = got["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"created"), "{kinds:?}");
    assert!(kinds.contains(&"drafted_by_ai"), "{kinds:?}");
    let (status, list) = s
        .post_as(&maya, "/v1/tools/list_access_requests", "{}")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["requests"][0]["id"], id.as_str());

    // Drafting grants nothing: maya still cannot read the table.
    let (status, reply) = s
        .post_as(
            &maya,
            "/v1/chat",
            &json!({"message": "can I read finance.invoices?"}).to_string(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        reply["tool_calls"][0]["result"]["allowed"], false,
        "drafting grants nothing: {reply}"
    );
}

/// A draft changed in the same conversation, as people say it: other privileges ("only … not
/// …"), no end date; a name with a segment that exists nowhere drafts nothing.
#[tokio::test]
async fn a_draft_is_changed_in_chat_and_a_name_is_never_trimmed() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let say = |message: &str, conversation: Option<&str>| {
        let mut body = json!({"message": message});
        if let Some(c) = conversation {
            body["conversation_id"] = json!(c);
        }
        body.to_string()
    };
    let (status, reply) = s
        .post_as(
            &maya,
            "/v1/chat",
            &say(
                "i need write on crm.leads for 2 wks bc the dedupe job broke",
                None,
            ),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let id = drafted(&reply)["id"].as_str().unwrap().to_owned();
    assert_eq!(
        drafted(&reply)["privileges"],
        json!(["INSERT", "UPDATE", "DELETE"])
    );
    let conversation = reply["conversation_id"].as_str().unwrap().to_owned();

    for (message, field, want) in [
        (
            "oh wait i only need update, not insert or delete",
            "privileges",
            json!(["UPDATE"]),
        ),
        ("make it permanent, no end date", "duration", Value::Null),
    ] {
        let (status, reply) = s
            .post_as(&maya, "/v1/chat", &say(message, Some(&conversation)))
            .await;
        assert_eq!(status, 200, "{reply}");
        let calls = reply["tool_calls"].as_array().unwrap();
        assert_eq!(calls.len(), 1, "{message}: {reply}");
        assert_eq!(calls[0]["tool"], "change_access_request", "{reply}");
        assert_eq!(calls[0]["arguments"]["id"], id.as_str());
        let (_, got) = s
            .post_as(
                &maya,
                "/v1/tools/get_access_request",
                &json!({"id": id}).to_string(),
            )
            .await;
        assert_eq!(got[field], want, "{message}: {got}");
        assert_eq!(got["status"], "open");
    }
    // Taken back: the guard lets a requester withdraw their own, through the tool.
    let (status, reply) = s
        .post_as(
            &maya,
            "/v1/chat",
            &say(
                "actually cancel my request, sorted it out",
                Some(&conversation),
            ),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["tool_calls"][0]["tool"], "withdraw_access_request",
        "{reply}"
    );
    let (_, got) = s
        .post_as(
            &maya,
            "/v1/tools/get_access_request",
            &json!({"id": id}).to_string(),
        )
        .await;
    assert_eq!(got["status"], "deleted", "{got}");

    let (status, reply) = s
        .post_as(
            &maya,
            "/v1/chat",
            &say("I need read on crm.leads.leads for a day", None),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let made = reply["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["tool"] == "create_access_request")
        .count();
    assert_eq!(
        made, 0,
        "a name that exists nowhere drafts nothing: {reply}"
    );
    assert!(
        reply["answer"]
            .as_str()
            .unwrap()
            .contains("crm.leads.leads"),
        "{reply}"
    );
}

#[test]
fn ask_as_a_person_drafts_for_them() {
    let dir = demo_dir();
    let (code, _, err) = run(
        dir.path(),
        &[
            "user",
            "add",
            "alice",
            "--role",
            "requester",
            "--email",
            "alice@acme.test",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // alice has no identity on Redshift: of the two sales.orders, only the warehouse's can be
    // granted to her.
    let (code, out, err) = run(
        dir.path(),
        &[
            "--json",
            "ask",
            "--as",
            "alice",
            "request SELECT on sales.orders for 8h",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let reply = doc(&out);
    let req = drafted(&reply);
    assert_eq!(req["requester"], "alice");
    assert_eq!(req["status"], "open");
    assert_eq!(req["resources"][0]["name"], "prod.sales.orders");
    assert_eq!(req["duration"], "8h");
    assert_eq!(req["drafted_by"]["kind"], "ai");
    let id = req["id"].as_str().unwrap();

    // Read back by the local operator (who reads every request).
    let (code, out, err) = run(
        dir.path(),
        &[
            "--json",
            "tools",
            "call",
            "get_access_request",
            &json!({"id": id}).to_string(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let got = doc(&out);
    assert_eq!(
        (got["status"].as_str(), got["requester"].as_str()),
        (Some("open"), Some("alice"))
    );

    // Without --as there is nobody to draft for: nothing is created.
    let (code, out, _) = run(
        dir.path(),
        &[
            "--json",
            "ask",
            "I need read access to crm.leads for a week",
        ],
    );
    assert_eq!(code, 0);
    let reply = doc(&out);
    assert!(
        reply["tool_calls"].as_array().unwrap().is_empty(),
        "{reply}"
    );
    assert!(
        reply["answer"].as_str().unwrap().contains("--as"),
        "{reply}"
    );
    let (_, out, _) = run(
        dir.path(),
        &["--json", "tools", "call", "list_access_requests", "{}"],
    );
    assert_eq!(doc(&out)["requests"].as_array().unwrap().len(), 1);

    // `tools call --as` creates one as a person, drafted by that person; the operator cannot.
    let args =
        json!({"resources": ["crm.leads"], "privileges": ["select"], "duration": "1d"}).to_string();
    let (code, out, err) = run(
        dir.path(),
        &[
            "--json",
            "tools",
            "call",
            "create_access_request",
            &args,
            "--as",
            "alice",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let made = doc(&out);
    assert_eq!(
        (
            made["requester"].as_str(),
            made["drafted_by"]["kind"].as_str()
        ),
        (Some("alice"), Some("person"))
    );
    let (code, _, err) = run(
        dir.path(),
        &["tools", "call", "create_access_request", &args],
    );
    assert_eq!(code, 2, "the operator is nobody to grant to: {err}");
    let (code, _, err) = run(
        dir.path(),
        &[
            "tools",
            "call",
            "create_access_request",
            &args,
            "--as",
            "zorro",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--as"), "{err}");
    let (_, out, _) = run(
        dir.path(),
        &["--json", "tools", "call", "list_access_requests", "{}"],
    );
    assert_eq!(
        doc(&out)["requests"].as_array().unwrap().len(),
        2,
        "nothing half-made by the refusals"
    );
}

#[tokio::test]
async fn agent_tokens_draft_for_their_person_and_every_call_is_audited() {
    let s = TestServer::start().await;
    let agent = s
        .token_for("maya", Role::Requester, Some("helpdesk-bot"))
        .await;
    let args = json!({"resources": ["crm.leads"], "privileges": ["SELECT"], "duration": "1w",
                      "reason": "lead scoring"});

    // Over REST.
    let (status, rest) = s
        .post_as(&agent, "/v1/tools/create_access_request", &args.to_string())
        .await;
    assert_eq!(status, 200, "{rest}");
    assert_eq!(rest["status"], "open");
    assert_eq!(rest["requester"], "maya");
    assert_eq!(
        rest["drafted_by"],
        json!({"kind": "agent", "person": "maya", "agent": "helpdesk-bot"})
    );

    // Over MCP.
    let client = connect(&s, Some(&agent)).await.unwrap();
    let result = call(&client, "create_access_request", args.clone()).await;
    assert_eq!(result.is_error, Some(false), "{result:?}");
    let mcp = result
        .structured_content
        .clone()
        .expect("structured content");
    assert_eq!(mcp["drafted_by"]["kind"], "agent");
    assert_eq!(mcp["requester"], "maya");
    assert_ne!(mcp["id"], rest["id"]);
    let listed = call(&client, "list_access_requests", json!({"status": "open"})).await;
    let listed = listed.structured_content.unwrap();
    assert_eq!(listed["requests"].as_array().unwrap().len(), 2);
    client.cancel().await.unwrap();

    // A chat turn with the agent's token: drafted by the AI, with the agent recorded.
    let (status, reply) = s
        .post_as(
            &agent,
            "/v1/chat",
            &json!({"message": "I need read access to crm.contacts for 3 days"}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let req = drafted(&reply);
    assert_eq!(req["requester"], "maya");
    assert_eq!(req["drafted_by"]["kind"], "ai");
    assert_eq!(req["drafted_by"]["engine"], "embedded");
    assert_eq!(req["drafted_by"]["agent"], "helpdesk-bot");

    // Every call the agent made, logged and in the audit log with agent, person and outcome.
    let log = s.app.store.agent_calls().await.unwrap();
    let tools: Vec<&str> = log.iter().map(|c| c.tool.as_str()).collect();
    assert_eq!(
        tools,
        [
            "create_access_request",
            "create_access_request",
            "list_access_requests",
            "create_access_request"
        ]
    );
    let audit = s
        .app
        .store
        .audit(&AuditFilter::every("agent_tool_call"))
        .await
        .unwrap();
    assert_eq!(audit.len(), 4, "{audit:?}");
    for e in &audit {
        assert_eq!(e.data["agent"], "helpdesk-bot");
        assert_eq!(e.data["person"], "maya");
        assert_eq!(e.data["outcome"], "ok");
        assert!(e.actor.contains("helpdesk-bot"), "{}", e.actor);
    }
    assert_eq!(audit[0].data["tool"], "create_access_request");
    assert_eq!(audit[0].data["arguments"], args);

    // A refused call is logged with its outcome too.
    let (status, _) = s
        .post_as(
            &agent,
            "/v1/tools/get_access_request",
            r#"{"id": "req_nope"}"#,
        )
        .await;
    assert_eq!(status, 404);
    let audit = s
        .app
        .store
        .audit(&AuditFilter::every("agent_tool_call"))
        .await
        .unwrap();
    assert_eq!(audit.last().unwrap().data["outcome"], "not_found");
}

#[tokio::test]
async fn only_the_requester_and_reviewers_read_a_request() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let tom = s.token_for("tom", Role::Requester, None).await;
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let (status, req) = s
        .post_as(
            &maya,
            "/v1/tools/create_access_request",
            r#"{"resources": ["finance.ledger"], "privileges": ["SELECT"]}"#,
        )
        .await;
    assert_eq!(status, 200, "{req}");
    assert_eq!(req["drafted_by"]["kind"], "person");
    let get = json!({"id": req["id"]}).to_string();

    let (status, body) = s.post_as(&tom, "/v1/tools/get_access_request", &get).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, body) = s
        .post_as(&tom, "/v1/tools/list_access_requests", "{}")
        .await;
    assert_eq!(status, 200);
    assert!(body["requests"].as_array().unwrap().is_empty(), "{body}");
    let (status, body) = s
        .post_as(
            &tom,
            "/v1/tools/list_access_requests",
            r#"{"requester": "maya"}"#,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );

    let (status, body) = s
        .post_as(&carol, "/v1/tools/get_access_request", &get)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["requester"], "maya");
    let (status, body) = s
        .post_as(
            &carol,
            "/v1/tools/list_access_requests",
            r#"{"requester": "maya", "status": "open"}"#,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["requests"].as_array().unwrap().len(), 1);
    let (status, body) = s
        .post_as(
            &carol,
            "/v1/tools/list_access_requests",
            r#"{"status": "pending"}"#,
        )
        .await;
    assert_eq!(
        (status, body["error"]["path"].as_str()),
        (400, Some("status"))
    );
}

#[test]
fn no_tool_decides_a_request() {
    for t in warden::tools::registry() {
        for verb in [
            "approve", "deny", "revoke", "delete", "grant", "extend", "retry",
        ] {
            assert!(!t.name.contains(verb), "{} decides requests", t.name);
        }
    }
}
