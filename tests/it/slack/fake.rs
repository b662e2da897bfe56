//! A fake of Slack's Web API for the tests: an axum server on 127.0.0.1 that answers
//! `POST /api/{method}` with Slack's documented request and response shapes (JSON or
//! form-encoded bodies, `Authorization: Bearer`, `{"ok": false, "error": …}` with HTTP 200),
//! records every call, keeps the messages posted and can answer 500s and 429s on demand.
//!
//! Methods: `auth.test`, `chat.postMessage`, `chat.update`, `chat.postEphemeral`, `users.info`,
//! `users.lookupByEmail`, `views.open`; anything else is `unknown_method`.

#![allow(dead_code)]

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `auth.test`'s answer: the bot's identity in the fake workspace.
pub const BOT_USER_ID: &str = "U0WARDENBOT";
pub const BOT_ID: &str = "B0WARDENBOT";
pub const TEAM_ID: &str = "T0FAKETEAM";

/// One call as the fake received and answered it.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    /// The JSON body, or the form fields (and query string) as a JSON object of strings.
    pub args: Value,
    /// The HTTP status answered.
    pub status: u16,
    /// The request's `Content-Type` (`application/json; charset=utf-8`,
    /// `application/x-www-form-urlencoded`…), empty when none.
    pub content_type: String,
    /// The answer's `ok` (false for every non-200 answer).
    pub ok: bool,
    /// The JSON answered (`Null` for a 500 or a 429).
    pub answer: Value,
}

/// A message posted with `chat.postMessage` (thread replies and DMs included), as last updated.
#[derive(Clone, Debug)]
pub struct Message {
    /// As Slack answers it: a DM posted to a user id `U…` lands in that user's DM channel, see
    /// [`FakeSlack::dm_channel`].
    pub channel: String,
    pub ts: String,
    pub thread_ts: Option<String>,
    pub text: String,
    /// The Block Kit blocks (`Null` when none).
    pub blocks: Value,
    /// How many `chat.update`s changed it.
    pub updates: usize,
}

/// What the next calls answer instead of doing their work.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Status(u16),
    RateLimited(u64),
}

struct User {
    id: String,
    email: String,
}

struct Inner {
    token: String,
    users: Vec<User>,
    calls: Vec<Call>,
    messages: Vec<Message>,
    ephemerals: Vec<Call>,
    faults: VecDeque<Fault>,
    down: bool,
    /// The number of timestamps handed out, for unique increasing `ts`.
    clock: u64,
    views: u64,
}

pub struct FakeSlack {
    /// The fake's API root, e.g. `http://127.0.0.1:PORT/api`: the client's `api_url`.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeSlack {
    /// Starts the fake on a free port; calls must carry `Authorization: Bearer {token}`.
    pub async fn start(token: &str) -> FakeSlack {
        let inner = Arc::new(Mutex::new(Inner {
            token: token.to_owned(),
            users: Vec::new(),
            calls: Vec::new(),
            messages: Vec::new(),
            ephemerals: Vec::new(),
            faults: VecDeque::new(),
            down: false,
            clock: 0,
            views: 0,
        }));
        let app = axum::Router::new()
            .route("/api/{method}", axum::routing::any(handle))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeSlack {
            url: format!("http://{addr}/api"),
            inner,
        }
    }

    /// A workspace member, for `users.info` and `users.lookupByEmail`; an empty `email` is a
    /// profile without one (no `users:read.email`, or a bot).
    pub fn add_user(&self, id: &str, email: &str) {
        let mut inner = self.inner.lock().unwrap();
        inner.users.retain(|u| u.id != id);
        inner.users.push(User {
            id: id.to_owned(),
            email: email.to_owned(),
        });
    }

    /// A message a person posted (a mention of the bot, a direct message): Slack has it, so a
    /// reply in its thread is accepted. Not counted among the calls.
    pub fn person_posts(&self, channel: &str, ts: &str, text: &str) {
        self.inner.lock().unwrap().messages.push(Message {
            channel: channel.to_owned(),
            ts: ts.to_owned(),
            thread_ts: None,
            text: text.to_owned(),
            blocks: Value::Null,
            updates: 0,
        });
    }

    /// The DM channel a message posted to user `user` lands in (`U0ALICE` -> `D0ALICE`), as
    /// Slack answers a `chat.postMessage` whose `channel` is a user id.
    pub fn dm_channel(user: &str) -> String {
        format!("D{}", user.get(1..).unwrap_or_default())
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Every call to `method`, whatever it was answered.
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// The calls to `method` answered 200 with `"ok": true`.
    pub fn ok_calls_to(&self, method: &str) -> Vec<Call> {
        self.calls_to(method).into_iter().filter(|c| c.ok).collect()
    }

    /// The messages posted, in order, as last updated.
    pub fn messages(&self) -> Vec<Message> {
        self.inner.lock().unwrap().messages.clone()
    }

    /// The messages of one channel (a DM: [`FakeSlack::dm_channel`]) that are not thread replies.
    pub fn top_level_in(&self, channel: &str) -> Vec<Message> {
        self.messages()
            .into_iter()
            .filter(|m| m.channel == channel && m.thread_ts.is_none())
            .collect()
    }

    /// The replies in the thread of `ts`.
    pub fn replies_to(&self, ts: &str) -> Vec<Message> {
        self.messages()
            .into_iter()
            .filter(|m| m.thread_ts.as_deref() == Some(ts))
            .collect()
    }

    /// The direct messages to user `user` (posted with the user id or its DM channel).
    pub fn dms_to(&self, user: &str) -> Vec<Message> {
        self.top_level_in(&FakeSlack::dm_channel(user))
    }

    /// The `chat.postEphemeral` calls that succeeded.
    pub fn ephemerals(&self) -> Vec<Call> {
        self.inner.lock().unwrap().ephemerals.clone()
    }

    /// The next `n` calls answer `status` (e.g. 500) and change nothing.
    pub fn fail_next(&self, n: usize, status: u16) {
        let mut inner = self.inner.lock().unwrap();
        inner
            .faults
            .extend(std::iter::repeat_n(Fault::Status(status), n));
    }

    /// The next `n` calls answer 429 with `Retry-After: {retry_after_secs}` and change nothing.
    pub fn rate_limit_next(&self, n: usize, retry_after_secs: u64) {
        let mut inner = self.inner.lock().unwrap();
        inner
            .faults
            .extend(std::iter::repeat_n(Fault::RateLimited(retry_after_secs), n));
    }

    /// While on, every call answers 500 and changes nothing.
    pub fn down(&self, on: bool) {
        self.inner.lock().unwrap().down = on;
    }

    /// Waits until `f` holds, looking every 20 ms; after 30 s, panics naming `what`. For work
    /// done asynchronously (jobs); assertions themselves never depend on timing.
    pub async fn wait_until(&self, what: &str, f: impl Fn(&FakeSlack) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if f(self) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "fake Slack: still not {what} after 30 s; calls: {:#?}",
                    self.calls()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Every call: faults first (a server failing before the app looks), then the token, then the
/// method.
async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(method): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let args = read_args(&headers, query, request).await;
    let mut inner = inner.lock().unwrap();
    let fault = if inner.down {
        Some(Fault::Status(500))
    } else {
        inner.faults.pop_front()
    };
    let (status, answer, response) = match fault {
        Some(Fault::Status(status)) => (
            status,
            Value::Null,
            (
                StatusCode::from_u16(status).unwrap(),
                "fake Slack: failing on purpose",
            )
                .into_response(),
        ),
        Some(Fault::RateLimited(secs)) => (
            429,
            Value::Null,
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, secs.to_string())],
                "",
            )
                .into_response(),
        ),
        None => {
            let answer = match args {
                Err(e) => json!({"ok": false, "error": e}),
                Ok(ref args) => match authorized(&inner.token, &headers) {
                    Err(e) => json!({"ok": false, "error": e}),
                    Ok(()) => answer(&mut inner, &method, args),
                },
            };
            (200, answer.clone(), axum::Json(answer).into_response())
        }
    };
    let ok = status == 200 && answer["ok"] == json!(true);
    let call = Call {
        method,
        args: args.unwrap_or(Value::Null),
        status,
        content_type,
        ok,
        answer,
    };
    if ok && call.method == "chat.postEphemeral" {
        inner.ephemerals.push(call.clone());
    }
    inner.calls.push(call);
    response
}

/// The call's arguments: a JSON body, or form fields merged with the query string (Slack takes
/// both), as a JSON object. An unreadable body is Slack's `invalid_json` / `invalid_form_data`.
async fn read_args(
    headers: &HeaderMap,
    query: Vec<(String, String)>,
    request: Request,
) -> Result<Value, &'static str> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut fields: Map<String, Value> = query
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if content_type.starts_with("application/json") {
        let body = axum::body::Bytes::from_request(request, &())
            .await
            .map_err(|_| "invalid_json")?;
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(json)) => fields.extend(json),
            _ => return Err("invalid_json"),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let axum::Form(form) = axum::Form::<Vec<(String, String)>>::from_request(request, &())
            .await
            .map_err(|_| "invalid_form_data")?;
        fields.extend(form.into_iter().map(|(k, v)| (k, Value::String(v))));
    }
    Ok(Value::Object(fields))
}

/// `Authorization: Bearer {token}`: none is `not_authed`, another token `invalid_auth`.
fn authorized(token: &str, headers: &HeaderMap) -> Result<(), &'static str> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        None => Err("not_authed"),
        Some(given) if given == token => Ok(()),
        Some(_) => Err("invalid_auth"),
    }
}

fn fail(error: &str) -> Value {
    json!({"ok": false, "error": error})
}

/// A string argument, present and not empty.
fn arg<'a>(args: &'a Value, name: &str) -> Option<&'a str> {
    args.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A JSON argument: as is in a JSON body, JSON text in a form field.
fn json_arg(args: &Value, name: &str) -> Option<Value> {
    match args.get(name)? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => serde_json::from_str(s).ok(),
        Value::Null => None,
        v => Some(v.clone()),
    }
}

fn answer(inner: &mut Inner, method: &str, args: &Value) -> Value {
    match method {
        "auth.test" => json!({
            "ok": true,
            "url": "https://fake-warden.slack.com/",
            "team": "Fake Team",
            "user": "warden",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": false,
        }),
        "chat.postMessage" => post_message(inner, args),
        "chat.update" => update(inner, args),
        "chat.postEphemeral" => {
            let (Some(_), Some(_)) = (arg(args, "channel"), arg(args, "user")) else {
                return fail("invalid_arguments");
            };
            if arg(args, "text").is_none() && json_arg(args, "blocks").is_none() {
                return fail("invalid_arguments");
            }
            json!({"ok": true, "message_ts": next_ts(inner)})
        }
        "users.info" => {
            let Some(id) = arg(args, "user") else {
                return fail("invalid_arguments");
            };
            match inner.users.iter().find(|u| u.id == id) {
                Some(user) => json!({"ok": true, "user": user_doc(user)}),
                None => fail("user_not_found"),
            }
        }
        "users.lookupByEmail" => {
            let Some(email) = arg(args, "email") else {
                return fail("invalid_arguments");
            };
            match inner
                .users
                .iter()
                .find(|u| !u.email.is_empty() && u.email.eq_ignore_ascii_case(email))
            {
                Some(user) => json!({"ok": true, "user": user_doc(user)}),
                None => fail("users_not_found"),
            }
        }
        "views.open" => {
            let (Some(_), Some(Value::Object(mut view))) =
                (arg(args, "trigger_id"), json_arg(args, "view"))
            else {
                return fail("invalid_arguments");
            };
            inner.views += 1;
            view.insert("id".into(), format!("V{:08}", inner.views).into());
            json!({"ok": true, "view": view})
        }
        _ => fail("unknown_method"),
    }
}

fn user_doc(user: &User) -> Value {
    let name = user.email.split('@').next().filter(|n| !n.is_empty());
    let name = name.unwrap_or(&user.id).to_owned();
    let mut profile = json!({"real_name": name, "display_name": name});
    if !user.email.is_empty() {
        profile["email"] = user.email.clone().into();
    }
    json!({"id": user.id, "team_id": TEAM_ID, "name": name, "deleted": false,
           "is_bot": false, "profile": profile})
}

/// Unique and increasing, in Slack's `seconds.micros` form.
fn next_ts(inner: &mut Inner) -> String {
    inner.clock += 1;
    let n = inner.clock;
    format!("{}.{:06}", 1_700_000_000 + n / 10_000, (n % 10_000) * 100)
}

/// A `channel` that is a user id (`U…`, `W…`) posts to that user's DM.
fn resolve_channel(channel: &str) -> String {
    if channel.starts_with('U') || channel.starts_with('W') {
        FakeSlack::dm_channel(channel)
    } else {
        channel.to_owned()
    }
}

fn post_message(inner: &mut Inner, args: &Value) -> Value {
    let Some(channel) = arg(args, "channel") else {
        return fail("invalid_arguments");
    };
    let text = arg(args, "text").unwrap_or_default().to_owned();
    let blocks = json_arg(args, "blocks").unwrap_or(Value::Null);
    if text.is_empty() && blocks.is_null() {
        return fail("invalid_arguments");
    }
    let channel = resolve_channel(channel);
    let thread_ts = arg(args, "thread_ts").map(str::to_owned);
    if let Some(parent) = &thread_ts
        && !inner
            .messages
            .iter()
            .any(|m| m.channel == channel && &m.ts == parent)
    {
        // Slack answers a reply to an unknown parent with a top-level message; a test posting
        // one is surely wrong, so the fake refuses it instead.
        return fail("thread_not_found");
    }
    let ts = next_ts(inner);
    let message = Message {
        channel: channel.clone(),
        ts: ts.clone(),
        thread_ts: thread_ts.clone(),
        text: text.clone(),
        blocks: blocks.clone(),
        updates: 0,
    };
    inner.messages.push(message);
    let mut doc = json!({"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID,
                         "text": text, "ts": ts});
    if !blocks.is_null() {
        doc["blocks"] = blocks;
    }
    if let Some(thread_ts) = thread_ts {
        doc["thread_ts"] = thread_ts.into();
    }
    json!({"ok": true, "channel": channel, "ts": ts, "message": doc})
}

fn update(inner: &mut Inner, args: &Value) -> Value {
    let (Some(channel), Some(ts)) = (arg(args, "channel"), arg(args, "ts")) else {
        return fail("invalid_arguments");
    };
    let text = arg(args, "text").map(str::to_owned);
    let blocks = json_arg(args, "blocks");
    if text.is_none() && blocks.is_none() {
        return fail("invalid_arguments");
    }
    let Some(message) = inner
        .messages
        .iter_mut()
        .find(|m| m.channel == channel && m.ts == ts)
    else {
        return fail("message_not_found");
    };
    if let Some(text) = text {
        message.text = text;
    }
    if let Some(blocks) = blocks {
        message.blocks = blocks;
    }
    message.updates += 1;
    json!({"ok": true, "channel": message.channel, "ts": message.ts, "text": message.text,
           "message": {"type": "message", "text": message.text, "blocks": message.blocks,
                       "user": BOT_USER_ID, "bot_id": BOT_ID}})
}
