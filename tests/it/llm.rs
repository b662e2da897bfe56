//! The LLM engine end to end: the real server's `POST /v1/chat` against a local fake
//! OpenAI-compatible server that speaks the chat-completions wire format, records every request
//! and plays a script of replies.

use crate::server::TestServer;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The system prompt as shipped: the first message of every request must be it.
const SYSTEM_PROMPT: &str = include_str!("../../prompts/system.md");

/// What the fake server does for one request.
#[derive(Clone)]
enum Step {
    /// A final text answer.
    Text(&'static str),
    /// Tool calls `(name, arguments as JSON text)`; ids are `call_<request>_<k>`.
    Calls(Vec<(&'static str, &'static str)>),
    /// An HTTP error whose body echoes the request's Authorization header.
    Status(u16),
    /// A 200 whose body is this JSON, as is.
    Raw(Value),
    /// Never answers.
    Hang,
}

/// One request as the fake server received it.
#[derive(Clone, Debug)]
struct Seen {
    body: Value,
    authorization: Option<String>,
}

#[derive(Default)]
struct FakeState {
    /// Played in order; the last step repeats once the script runs out.
    script: Vec<Step>,
    seen: Mutex<Vec<Seen>>,
}

struct FakeLlm {
    base_url: String,
    state: Arc<FakeState>,
}

impl FakeLlm {
    async fn start(script: Vec<Step>) -> FakeLlm {
        let state = Arc::new(FakeState {
            script,
            seen: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(completions))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeLlm {
            base_url: format!("http://{addr}/v1"),
            state,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// The `[llm]` section pointing at this server.
    fn config(&self, key: &str, extra: &str) -> String {
        format!(
            "[llm]\nbase_url = \"{}\"\nmodel = \"fake-model\"\napi_key = \"{key}\"\n{extra}\n",
            self.base_url
        )
    }
}

async fn completions(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let n = {
        let mut seen = state.seen.lock().unwrap();
        seen.push(Seen {
            body: body.clone(),
            authorization: authorization.clone(),
        });
        seen.len() - 1
    };
    let step = state.script[n.min(state.script.len() - 1)].clone();
    let (message, finish) = match step {
        Step::Text(t) => (json!({"role": "assistant", "content": t}), "stop"),
        Step::Calls(calls) => {
            let calls: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(k, (name, args))| {
                    json!({"id": format!("call_{n}_{k}"), "type": "function",
                           "function": {"name": name, "arguments": args}})
                })
                .collect();
            (
                json!({"role": "assistant", "content": null, "tool_calls": calls}),
                "tool_calls",
            )
        }
        Step::Status(code) => {
            let echo = format!(
                "internal failure; you sent {}",
                authorization.unwrap_or_default()
            );
            return (StatusCode::from_u16(code).unwrap(), echo).into_response();
        }
        Step::Raw(v) => return axum::Json(v).into_response(),
        Step::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
    };
    axum::Json(json!({
        "id": format!("chatcmpl-{n}"),
        "object": "chat.completion",
        "created": 1_760_000_000u32,
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    }))
    .into_response()
}

/// One chat turn through the real server.
async fn chat(server: &TestServer, message: &str, conversation: Option<&str>) -> (u16, Value) {
    let mut body = json!({"message": message});
    if let Some(id) = conversation {
        body["conversation_id"] = json!(id);
    }
    server.post("/v1/chat", &body.to_string()).await
}

/// The tool messages of a request, in order.
fn tool_messages(request: &Value) -> Vec<Value> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .cloned()
        .collect()
}

/// A tool message's content, parsed back into JSON.
fn content_json(m: &Value) -> Value {
    serde_json::from_str(m["content"].as_str().unwrap()).unwrap()
}

fn assert_no_key(reply: &Value, key: &str) {
    assert!(
        !reply.to_string().contains(key),
        "the API key leaked into the reply: {reply}"
    );
}

const MAYA_CHECK: &str = r#"{"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"}"#;

#[tokio::test]
async fn a_single_tool_call_reaches_the_tool_and_comes_back_to_the_model() {
    let key = "sk-llm-single-6d1f0c";
    let fake = FakeLlm::start(vec![
        Step::Calls(vec![("check_access", MAYA_CHECK)]),
        Step::Text("Yes. maya has SELECT on prod.crm.leads (warehouse)."),
    ])
    .await;
    let server = TestServer::start_with_config(&fake.config(key, "")).await;
    let (status, reply) = chat(&server, "Does maya have SELECT on crm.leads?", None).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["engine"], "llm");
    assert!(
        reply["conversation_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(
        reply["answer"],
        "Yes. maya has SELECT on prod.crm.leads (warehouse)."
    );
    assert_no_key(&reply, key);

    // The trace holds the call as the model made it, with the real tool's result.
    let calls = reply["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1, "{reply}");
    assert_eq!(calls[0]["tool"], "check_access");
    assert_eq!(
        calls[0]["arguments"],
        serde_json::from_str::<Value>(MAYA_CHECK).unwrap()
    );
    let expected = crate::common::call(
        &crate::common::demo(),
        "check_access",
        serde_json::from_str(MAYA_CHECK).unwrap(),
    )
    .unwrap();
    assert_eq!(calls[0]["result"], expected);
    assert_eq!(calls[0]["result"]["allowed"], true);
    assert_eq!(calls[0]["result"]["resource"], "prod.crm.leads");
    assert_eq!(calls[0]["result"]["connection"], "warehouse");

    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    // First request: the bearer key, the system prompt, the question, the tools with schemas.
    let first = &seen[0];
    assert_eq!(
        first.authorization.as_deref(),
        Some(&*format!("Bearer {key}"))
    );
    assert_eq!(first.body["model"], "fake-model");
    assert_ne!(first.body["stream"], true);
    let messages = first.body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    assert!(
        messages[0]["content"]
            .as_str()
            .unwrap()
            .starts_with(SYSTEM_PROMPT.trim_end()),
        "{}",
        messages[0]
    );
    assert_eq!(
        messages.last().unwrap(),
        &json!({"role": "user", "content": "Does maya have SELECT on crm.leads?"})
    );
    let tools = first.body["tools"].as_array().unwrap();
    for info in warden::tools::registry() {
        let offered = tools
            .iter()
            .find(|t| t["function"]["name"] == info.name)
            .unwrap_or_else(|| panic!("{} is not offered", info.name));
        assert_eq!(offered["type"], "function");
        assert_eq!(
            offered["function"]["description"],
            info.description.as_str()
        );
        let mut schema = info.parameters.clone();
        schema.as_object_mut().unwrap().remove("$schema");
        assert_eq!(offered["function"]["parameters"], schema);
    }
    let check = tools
        .iter()
        .find(|t| t["function"]["name"] == "check_access")
        .unwrap();
    let required = check["function"]["parameters"]["required"]
        .as_array()
        .unwrap();
    for field in ["identity", "privilege", "resource"] {
        assert!(required.contains(&json!(field)), "{check}");
    }

    // Second request: the assistant's call and the tool message with its id and the result.
    let second = &seen[1].body;
    let assistant = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "assistant")
        .unwrap();
    assert_eq!(assistant["tool_calls"][0]["id"], "call_0_0");
    assert_eq!(
        assistant["tool_calls"][0]["function"]["name"],
        "check_access"
    );
    let tool = tool_messages(second);
    assert_eq!(tool.len(), 1);
    assert_eq!(tool[0]["tool_call_id"], "call_0_0");
    assert_eq!(content_json(&tool[0]), expected);
}

#[tokio::test]
async fn several_calls_are_traced_in_order() {
    let fake = FakeLlm::start(vec![
        // Two calls in one reply, then one more in the next reply.
        Step::Calls(vec![
            ("check_access", MAYA_CHECK),
            ("who_has_access", r#"{"resource": "crm.leads"}"#),
        ]),
        Step::Calls(vec![("search_identities", r#"{"query": "maya"}"#)]),
        Step::Text("maya can read prod.crm.leads through sales_ops → crm_read."),
    ])
    .await;
    let server = TestServer::start_with_config(&fake.config("sk-llm-several-19b2", "")).await;
    let (status, reply) = chat(&server, "Who can read crm.leads, and can maya?", None).await;
    assert_eq!(status, 200, "{reply}");
    let tools: Vec<&str> = reply["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        ["check_access", "who_has_access", "search_identities"]
    );
    assert_eq!(
        reply["tool_calls"][1]["result"]["resource"],
        "prod.crm.leads"
    );
    assert!(reply["tool_calls"][1]["result"]["grantees"].is_array());
    assert_eq!(
        reply["answer"],
        "maya can read prod.crm.leads through sales_ops → crm_read."
    );

    let seen = fake.seen();
    assert_eq!(seen.len(), 3);
    // The second request answers both calls of the first reply, in order.
    let second = tool_messages(&seen[1].body);
    let ids: Vec<&str> = second
        .iter()
        .map(|m| m["tool_call_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["call_0_0", "call_0_1"]);
    assert_eq!(content_json(&second[1]), reply["tool_calls"][1]["result"]);
    // The third repeats them and adds the answer to the third call.
    let third = tool_messages(&seen[2].body);
    assert_eq!(third.len(), 3);
    assert_eq!(third[2]["tool_call_id"], "call_1_0");
    assert_eq!(content_json(&third[2]), reply["tool_calls"][2]["result"]);
}

#[tokio::test]
async fn bad_arguments_go_back_to_the_model_as_error_documents() {
    let fake = FakeLlm::start(vec![
        Step::Calls(vec![
            (
                "check_access",
                r#"{"identity": 5, "privilege": "SELECT", "resource": "crm.leads"}"#,
            ),
            (
                "check_access",
                r#"{"identity": "maya", "resource": "crm.leads"}"#,
            ),
            ("check_access", r#"{"identity": "maya", "privilege"#),
        ]),
        Step::Text("I could not run the check; which identity did you mean?"),
    ])
    .await;
    let server = TestServer::start_with_config(&fake.config("sk-llm-badargs-77aa", "")).await;
    let (status, reply) = chat(&server, "Can maya read crm.leads?", None).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["answer"],
        "I could not run the check; which identity did you mean?"
    );
    let calls = reply["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3, "{reply}");
    for c in calls {
        assert_eq!(c["result"]["error"]["code"], "invalid_argument", "{c}");
    }
    // The path names the bad field; a missing field is reported at the top.
    assert_eq!(calls[0]["result"]["error"]["path"], "identity");
    assert!(
        calls[1]["result"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("privilege"),
        "{}",
        calls[1]
    );
    // Text that is not JSON is traced as the model wrote it, and the error says what is wrong.
    assert_eq!(calls[2]["arguments"], r#"{"identity": "maya", "privilege"#);
    assert!(
        calls[2]["result"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{}",
        calls[2]
    );

    let tool = tool_messages(&fake.seen()[1].body);
    assert_eq!(tool.len(), 3);
    for (m, c) in tool.iter().zip(calls) {
        assert_eq!(content_json(m), c["result"]);
    }
}

#[tokio::test]
async fn an_unknown_tool_is_answered_with_not_found() {
    let fake = FakeLlm::start(vec![
        Step::Calls(vec![(
            "grant_access",
            r#"{"identity": "maya", "resource": "crm.leads"}"#,
        )]),
        Step::Text("I cannot change access; a reviewer decides requests."),
    ])
    .await;
    let server = TestServer::start_with_config(&fake.config("sk-llm-unknown-0e4d", "")).await;
    let (status, reply) = chat(&server, "Can maya read crm.leads?", None).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["answer"],
        "I cannot change access; a reviewer decides requests."
    );
    let calls = reply["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["tool"], "grant_access");
    assert_eq!(calls[0]["result"]["error"]["code"], "not_found");
    let tool = tool_messages(&fake.seen()[1].body);
    assert_eq!(tool.len(), 1);
    assert_eq!(tool[0]["tool_call_id"], "call_0_0");
    let doc = content_json(&tool[0]);
    assert_eq!(doc["error"]["code"], "not_found");
    // The model learns which tools do exist.
    assert!(
        doc["error"]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "check_access"),
        "{doc}"
    );
}

#[tokio::test]
async fn a_model_that_never_stops_is_cut_off_after_max_steps() {
    let fake = FakeLlm::start(vec![Step::Calls(vec![("check_access", MAYA_CHECK)])]).await;
    let server =
        TestServer::start_with_config(&fake.config("sk-llm-loop-5c3e", "max_steps = 3")).await;
    let (status, reply) = chat(&server, "Can maya read crm.leads?", None).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(fake.seen().len(), 3);
    let answer = reply["answer"].as_str().unwrap();
    assert!(
        answer.starts_with("The model did not finish within 3 steps"),
        "{answer}"
    );
    // What the calls found is listed, with the resolved name from the tool.
    assert!(answer.contains("check_access"), "{answer}");
    assert!(answer.contains("prod.crm.leads"), "{answer}");
    assert_eq!(reply["tool_calls"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_server_error_becomes_a_clear_answer() {
    let key = "sk-llm-500-a93b";
    let fake = FakeLlm::start(vec![Step::Status(500)]).await;
    let server = TestServer::start_with_config(&fake.config(key, "")).await;
    let (status, reply) = chat(&server, "Can maya read crm.leads?", None).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["engine"], "llm");
    let answer = reply["answer"].as_str().unwrap();
    assert!(
        answer.starts_with(&format!(
            "The language model at {} failed: HTTP 500",
            fake.base_url
        )),
        "{answer}"
    );
    assert!(answer.ends_with("no answer was produced."), "{answer}");
    assert_eq!(reply["tool_calls"], json!([]));
    // The server echoed the Authorization header in its error body; the key must not pass.
    assert!(!fake.seen().is_empty());
    assert_eq!(
        fake.seen()[0].authorization.as_deref(),
        Some(&*format!("Bearer {key}"))
    );
    assert_no_key(&reply, key);
}

#[tokio::test]
async fn an_unreachable_server_becomes_a_clear_answer() {
    // A port that was just free: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}/v1");
    let config = format!("[llm]\nbase_url = \"{base}\"\nmodel = \"m\"\n");
    let server = TestServer::start_with_config(&config).await;
    let (status, reply) = chat(&server, "Can maya read crm.leads?", None).await;
    assert_eq!(status, 200, "{reply}");
    let answer = reply["answer"].as_str().unwrap();
    assert!(
        answer.starts_with(&format!(
            "The language model at {base} failed: cannot connect"
        )),
        "{answer}"
    );
}

#[tokio::test]
async fn a_reply_that_is_not_a_chat_completion_becomes_a_clear_answer() {
    // `object` and `created` are missing: not the chat-completions format.
    let fake = FakeLlm::start(vec![Step::Raw(json!({
        "id": "x", "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}]
    }))])
    .await;
    let server = TestServer::start_with_config(&fake.config("sk-llm-raw-3f81", "")).await;
    let (status, reply) = chat(&server, "Can maya read crm.leads?", None).await;
    assert_eq!(status, 200, "{reply}");
    let answer = reply["answer"].as_str().unwrap();
    assert!(
        answer.starts_with(&format!(
            "The language model at {} failed: its reply is not a chat completion",
            fake.base_url
        )),
        "{answer}"
    );
}

#[tokio::test]
async fn a_server_that_hangs_times_out() {
    let fake = FakeLlm::start(vec![Step::Hang]).await;
    let server =
        TestServer::start_with_config(&fake.config("sk-llm-hang-8e20", "timeout = \"1s\"")).await;
    let started = Instant::now();
    let (status, reply) = chat(&server, "Can maya read crm.leads?", None).await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{reply}");
    let answer = reply["answer"].as_str().unwrap();
    assert_eq!(
        answer,
        format!(
            "The language model at {} timed out after 1s; no answer was produced.",
            fake.base_url
        )
    );
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn a_follow_up_turn_carries_the_first_turn() {
    let fake = FakeLlm::start(vec![
        Step::Calls(vec![("check_access", MAYA_CHECK)]),
        Step::Text("Yes. maya has SELECT on prod.crm.leads."),
        Step::Text("Through sales_ops → crm_read."),
    ])
    .await;
    let server = TestServer::start_with_config(&fake.config("sk-llm-follow-c4d7", "")).await;
    let (status, first) = chat(&server, "Can maya read crm.leads?", None).await;
    assert_eq!(status, 200, "{first}");
    let id = first["conversation_id"].as_str().unwrap();
    let (status, second) = chat(&server, "Through which roles?", Some(id)).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["conversation_id"], id);
    assert_eq!(second["answer"], "Through sales_ops → crm_read.");
    assert_eq!(second["tool_calls"], json!([]));

    let seen = fake.seen();
    assert_eq!(seen.len(), 3);
    let messages = seen[2].body["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["system", "user", "assistant", "tool", "assistant", "user"]
    );
    assert_eq!(messages[1]["content"], "Can maya read crm.leads?");
    assert_eq!(messages[2]["tool_calls"][0]["id"], "call_0_0");
    assert_eq!(
        messages[2]["tool_calls"][0]["function"]["arguments"],
        MAYA_CHECK
    );
    assert_eq!(messages[3]["tool_call_id"], "call_0_0");
    assert_eq!(content_json(&messages[3]), first["tool_calls"][0]["result"]);
    assert_eq!(
        messages[4]["content"],
        "Yes. maya has SELECT on prod.crm.leads."
    );
    assert_eq!(messages[5]["content"], "Through which roles?");
    // The system prompt is sent each time, not stored: it appears once.
    assert_eq!(roles.iter().filter(|r| **r == "system").count(), 1);
}

/// A request the model drafts goes through `create_access_request` as the person asking, and
/// is marked as drafted by the AI (engine `llm`): open, for a human reviewer.
#[tokio::test]
async fn the_model_drafts_requests_as_the_person_asking() {
    let fake = FakeLlm::start(vec![
        Step::Calls(vec![(
            "create_access_request",
            r#"{"resources": ["finance.invoices"], "privileges": ["SELECT"], "duration": "2w", "reason": "quarter close"}"#,
        )]),
        Step::Text("I drafted the request; a reviewer decides."),
    ])
    .await;
    let server = TestServer::start_with_config(&fake.config("sk-llm-draft", "")).await;
    let maya = server
        .token_for("maya", warden::people::Role::Requester, None)
        .await;
    let message = json!({"message": "I need read access to finance.invoices for 2 weeks"});
    let (status, reply) = server
        .post_as(&maya, "/v1/chat", &message.to_string())
        .await;
    assert_eq!(status, 200, "{reply}");
    let seen = fake.seen();
    let offered: Vec<&str> = seen[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(offered.contains(&"create_access_request"), "{offered:?}");
    let req = &reply["tool_calls"][0]["result"];
    assert_eq!(req["status"], "open", "{reply}");
    assert_eq!(req["requester"], "maya");
    assert_eq!(req["resources"][0]["name"], "prod.finance.invoices");
    assert_eq!(
        req["drafted_by"],
        json!({"kind": "ai", "person": "maya", "engine": "llm"})
    );
    // The model was given the stored request, id and all.
    let tool = &tool_messages(&seen[1].body)[0];
    assert_eq!(content_json(tool)["id"], req["id"]);
}
