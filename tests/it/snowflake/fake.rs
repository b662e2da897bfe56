//! A fake of Snowflake's SQL API v2 for the tests: an axum server on 127.0.0.1 answering
//! `POST /api/v2/statements` and `GET /api/v2/statements/{handle}` in the documented shapes
//! (`resultSetMetaData` with `rowType`, `partitionInfo` and `numRows`, `data` as rows of strings,
//! 202 with `statementStatusUrl`, 422 with `code`, `message` and `sqlState`). Every request's
//! JWT is checked as Snowflake checks it: RS256 under the user's registered public key, `iss`
//! `ACCOUNT.USER.SHA256:<fingerprint>`, `sub` `ACCOUNT.USER`, not expired, at most an hour long.
//! What a statement answers is scripted by its text; every statement run is recorded.

#![allow(dead_code)]

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// An RSA key as Snowflake users make one: its PKCS#8 PEM, and its public key's fingerprint.
pub struct TestKey {
    pub pem: String,
    pub spki: Vec<u8>,
    pub fingerprint: String,
}

impl TestKey {
    pub fn generate() -> TestKey {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let pkcs8 = key.as_der().unwrap();
        let body = STANDARD.encode(pkcs8.as_ref());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        );
        let spki = key.public_key().as_der().unwrap().as_ref().to_vec();
        let fingerprint = format!("SHA256:{}", STANDARD.encode(Sha256::digest(&spki)));
        TestKey {
            pem,
            spki,
            fingerprint,
        }
    }
}

/// What a statement answers, by its text.
#[derive(Clone, Debug)]
pub enum Script {
    /// Rows, split into partitions (the first comes with the 200; the others by `?partition=`).
    Rows {
        columns: Vec<&'static str>,
        partitions: Vec<Vec<Vec<Option<String>>>>,
    },
    /// 202 `polls` times (at the status URL), then these rows.
    Slow { polls: usize, then: Box<Script> },
    /// 422: a SQL error.
    SqlError { code: &'static str, message: String },
    /// 429 `times` times for its `requestId`, then these rows.
    Busy { times: usize, then: Box<Script> },
}

/// A request as received: method, path, query, token type, and whether its JWT was accepted.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub token_type: String,
    pub accepted: bool,
    pub claims: Value,
}

struct Inner {
    /// `ACCOUNT.USER`, and the user's registered key.
    qualified_user: String,
    spki: Vec<u8>,
    fingerprint: String,
    oauth_token: Option<String>,
    scripts: HashMap<String, Script>,
    /// Statements started, by handle: what is left to answer.
    running: HashMap<String, (Script, usize)>,
    /// Statements run (one entry per statement executed, not per retry).
    executed: Vec<String>,
    /// 429s answered per requestId.
    busy: HashMap<String, usize>,
    request_ids: HashSet<String>,
    seen: Vec<Seen>,
    next: u64,
    /// Grants in force: (what, granted_to, grantee): `SELECT ON TABLE "A"."B"."C"` or `ROLE "R"`,
    /// `ROLE` or `USER`, the grantee unquoted. GRANT and REVOKE change it; `SHOW GRANTS ON` and
    /// `SHOW GRANTS OF ROLE` read it when not scripted.
    granted: Vec<(String, String, String)>,
    /// Every GRANT and REVOKE received, as sent.
    changes: Vec<String>,
}

#[derive(Clone)]
pub struct FakeSnowflake {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeSnowflake {
    /// A server for `account` and `user` whose registered public key is `key`'s.
    pub async fn start(account: &str, user: &str, key: &TestKey) -> FakeSnowflake {
        let inner = Arc::new(Mutex::new(Inner {
            qualified_user: format!("{}.{}", account.to_uppercase(), user.to_uppercase()),
            spki: key.spki.clone(),
            fingerprint: key.fingerprint.clone(),
            oauth_token: None,
            scripts: HashMap::new(),
            running: HashMap::new(),
            executed: Vec::new(),
            busy: HashMap::new(),
            request_ids: HashSet::new(),
            seen: Vec::new(),
            next: 0,
            granted: Vec::new(),
            changes: Vec::new(),
        }));
        let app = axum::Router::new()
            .route("/api/v2/statements", axum::routing::post(submit))
            .route("/api/v2/statements/{handle}", axum::routing::get(status))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeSnowflake {
            url: format!("http://{addr}"),
            inner,
        }
    }

    pub fn script(&self, statement: &str, script: Script) {
        self.inner
            .lock()
            .unwrap()
            .scripts
            .insert(statement.to_string(), script);
    }

    pub fn accept_oauth(&self, token: &str) {
        self.inner.lock().unwrap().oauth_token = Some(token.to_string());
    }

    pub fn executed(&self) -> Vec<String> {
        self.inner.lock().unwrap().executed.clone()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// A grant already in force (made by someone else).
    pub fn seed_grant(&self, what: &str, granted_to: &str, grantee: &str) {
        self.inner
            .lock()
            .unwrap()
            .granted
            .push((what.into(), granted_to.into(), grantee.into()));
    }

    /// Every GRANT and REVOKE statement received, in order.
    pub fn changes(&self) -> Vec<String> {
        self.inner.lock().unwrap().changes.clone()
    }
}

/// The columns of `SHOW GRANTS TO ROLE` and `SHOW GRANTS ON`.
pub const GRANT_COLUMNS: [&str; 8] = [
    "created_on",
    "privilege",
    "granted_on",
    "name",
    "granted_to",
    "grantee_name",
    "grant_option",
    "granted_by",
];

/// A quoted identifier's name: `"sales ""ops"""` is `sales "ops"`.
fn unquote(q: &str) -> String {
    q.strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .map_or(q.to_string(), |inner| inner.replace("\"\"", "\""))
}

/// A finished statement's rows, answered as any scripted result is.
fn rows_of(inner: &mut Inner, columns: &[&'static str], rows: Vec<Vec<String>>) -> Response {
    let handle = new_handle(inner);
    let rows = rows
        .into_iter()
        .map(|r| r.into_iter().map(Some).collect())
        .collect();
    let script = Script::Rows {
        columns: columns.to_vec(),
        partitions: vec![rows],
    };
    answer(inner, &handle, script, 0)
}

/// GRANT, REVOKE and the SHOW GRANTS that read what they did, on the fake's grant table.
fn grants_engine(inner: &mut Inner, statement: &str) -> Option<Response> {
    let change = statement
        .strip_prefix("GRANT ")
        .map(|r| (true, r, " TO "))
        .or_else(|| {
            statement
                .strip_prefix("REVOKE ")
                .map(|r| (false, r, " FROM "))
        });
    if let Some((grant, rest, sep)) = change {
        let (what, to) = rest.rsplit_once(sep)?;
        let entry = match to.strip_prefix("DATABASE ROLE ") {
            // Shown as Snowflake shows a database role: `DB.ROLE`.
            Some(q) => (
                what.to_string(),
                "DATABASE_ROLE".to_string(),
                q.split('.').map(unquote).collect::<Vec<_>>().join("."),
            ),
            None => {
                let (granted_to, grantee) = to.split_once(' ')?;
                (what.to_string(), granted_to.to_string(), unquote(grantee))
            }
        };
        inner.changes.push(statement.to_string());
        if grant {
            if !inner.granted.contains(&entry) {
                inner.granted.push(entry);
            }
        } else {
            inner.granted.retain(|g| *g != entry);
        }
        return Some(rows_of(
            inner,
            &["status"],
            vec![vec!["Statement executed successfully.".into()]],
        ));
    }
    if let Some(object) = statement.strip_prefix("SHOW GRANTS ON ") {
        let (kind, name) = object.split_once(' ')?;
        let rows = inner
            .granted
            .iter()
            .filter_map(|(what, to, who)| {
                let (privilege, on) = what.split_once(" ON ")?;
                (on == object).then(|| {
                    vec![
                        "2024-01-01".into(),
                        privilege.to_string(),
                        kind.to_string(),
                        name.to_string(),
                        to.clone(),
                        who.clone(),
                        "false".into(),
                        "SECURITYADMIN".into(),
                    ]
                })
            })
            .collect();
        return Some(rows_of(inner, &GRANT_COLUMNS, rows));
    }
    if let Some(user) = statement.strip_prefix("SHOW GRANTS TO USER ") {
        let user = unquote(user);
        let rows = inner
            .granted
            .iter()
            .filter(|(_, to, who)| to == "USER" && *who == user)
            .filter_map(|(what, _, _)| {
                let (privilege, on) = what.split_once(" ON ")?;
                let (kind, name) = on.split_once(' ')?;
                Some(vec![
                    "2024-01-01".into(),
                    privilege.to_string(),
                    kind.to_string(),
                    name.to_string(),
                    "USER".into(),
                    user.clone(),
                    "false".into(),
                    "SECURITYADMIN".into(),
                ])
            })
            .collect();
        return Some(rows_of(inner, &GRANT_COLUMNS, rows));
    }
    let of = statement
        .strip_prefix("SHOW GRANTS OF ROLE ")
        .map(|r| (r, format!("ROLE {r}")))
        .or_else(|| {
            statement
                .strip_prefix("SHOW GRANTS OF DATABASE ROLE ")
                .map(|r| (r, format!("DATABASE ROLE {r}")))
        });
    if let Some((role, what)) = of {
        let rows = inner
            .granted
            .iter()
            .filter(|(w, _, _)| *w == what)
            .map(|(_, to, who)| {
                vec![
                    "2024-01-01".into(),
                    unquote(role),
                    to.clone(),
                    who.clone(),
                    "SECURITYADMIN".into(),
                ]
            })
            .collect();
        return Some(rows_of(
            inner,
            &[
                "created_on",
                "role",
                "granted_to",
                "grantee_name",
                "granted_by",
            ],
            rows,
        ));
    }
    None
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(
            json!({"code": code, "message": message, "sqlState": "", "statementHandle": null}),
        ),
    )
        .into_response()
}

/// Why a request was refused: the status, Snowflake's code and its message.
type Refused = (StatusCode, &'static str, &'static str);

fn refused((status, code, message): Refused) -> Response {
    error(status, code, message)
}

/// Checks the `Authorization` header as Snowflake does; the claims when accepted.
fn authorized(inner: &Inner, headers: &HeaderMap) -> Result<(String, Value), Refused> {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let token_type = header("x-snowflake-authorization-token-type");
    let bearer = header("authorization");
    let Some(token) = bearer.strip_prefix("Bearer ") else {
        return Err((
            StatusCode::UNAUTHORIZED,
            "390101",
            "Authorization header not found.",
        ));
    };
    let invalid = || (StatusCode::UNAUTHORIZED, "390144", "JWT token is invalid.");
    if token_type == "OAUTH" {
        return match &inner.oauth_token {
            Some(t) if t == token => Ok((token_type, Value::Null)),
            _ => Err((
                StatusCode::UNAUTHORIZED,
                "390303",
                "Invalid OAuth access token.",
            )),
        };
    }
    if token_type != "KEYPAIR_JWT" {
        return Err(invalid());
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [head, claims, signature] = parts.as_slice() else {
        return Err(invalid());
    };
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid())?;
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &inner.spki)
        .verify(format!("{head}.{claims}").as_bytes(), &signature)
        .map_err(|_| invalid())?;
    let head: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).map_err(|_| invalid())?)
        .map_err(|_| invalid())?;
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).map_err(|_| invalid())?)
            .map_err(|_| invalid())?;
    let now = chrono::Utc::now().timestamp();
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    let iss = format!("{}.{}", inner.qualified_user, inner.fingerprint);
    if head["alg"] != "RS256"
        || claims["iss"] != iss.as_str()
        || claims["sub"] != inner.qualified_user.as_str()
        || exp <= now
        || exp - iat > 3600
    {
        return Err(invalid());
    }
    Ok((token_type, claims))
}

fn record(
    inner: &mut Inner,
    method: &str,
    path: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    auth: &Result<(String, Value), Refused>,
) {
    let token_type = headers
        .get("x-snowflake-authorization-token-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    inner.seen.push(Seen {
        method: method.into(),
        path: path.into(),
        query: query.clone(),
        token_type,
        accepted: auth.is_ok(),
        claims: auth.as_ref().map(|(_, c)| c.clone()).unwrap_or(Value::Null),
    });
}

async fn submit(
    State(inner): State<Arc<Mutex<Inner>>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    let mut inner = inner.lock().unwrap();
    let auth = authorized(&inner, &headers);
    record(
        &mut inner,
        "POST",
        "/api/v2/statements",
        &query,
        &headers,
        &auth,
    );
    if let Err(why) = auth {
        return refused(why);
    }
    let Some(statement) = body["statement"].as_str() else {
        return error(StatusCode::BAD_REQUEST, "391903", "statement is missing");
    };
    let request_id = query.get("requestId").cloned().unwrap_or_default();
    if !inner.scripts.contains_key(statement)
        && let Some(answered) = grants_engine(&mut inner, statement)
    {
        return answered;
    }
    let Some(script) = inner.scripts.get(statement).cloned() else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "001003",
            &format!("SQL compilation error: syntax error line 1 at position 0 in {statement:?}"),
        );
    };
    if let Script::Busy { times, then } = &script {
        let n = inner.busy.entry(request_id.clone()).or_default();
        if *n < *times {
            *n += 1;
            return StatusCode::TOO_MANY_REQUESTS.into_response();
        }
        return start(&mut inner, statement, (**then).clone(), &request_id);
    }
    start(&mut inner, statement, script, &request_id)
}

/// Runs a statement (once per requestId): its first answer.
fn start(inner: &mut Inner, statement: &str, script: Script, request_id: &str) -> Response {
    if inner.request_ids.insert(request_id.to_string()) {
        inner.executed.push(statement.to_string());
    }
    let handle = new_handle(inner);
    answer(inner, &handle, script, 0)
}

/// A statement handle, new for each statement.
fn new_handle(inner: &mut Inner) -> String {
    inner.next += 1;
    format!(
        "01b2c3d4-0000-{:04}-0000-0000000{:05}",
        inner.next, inner.next
    )
}

fn answer(inner: &mut Inner, handle: &str, script: Script, partition: usize) -> Response {
    match script {
        Script::Slow { polls, then } if polls > 0 => {
            inner.running.insert(
                handle.to_string(),
                (
                    Script::Slow {
                        polls: polls - 1,
                        then,
                    },
                    0,
                ),
            );
            (
                StatusCode::ACCEPTED,
                axum::Json(json!({
                    "code": "333334",
                    "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
                    "statementHandle": handle,
                    "statementStatusUrl": format!("/api/v2/statements/{handle}"),
                })),
            )
                .into_response()
        }
        Script::Slow { then, .. } | Script::Busy { then, .. } => {
            answer(inner, handle, *then, partition)
        }
        Script::SqlError { code, message } => {
            error(StatusCode::UNPROCESSABLE_ENTITY, code, &message)
        }
        Script::Rows {
            columns,
            partitions,
        } => {
            inner.running.insert(
                handle.to_string(),
                (
                    Script::Rows {
                        columns: columns.clone(),
                        partitions: partitions.clone(),
                    },
                    0,
                ),
            );
            let num_rows: usize = partitions.iter().map(Vec::len).sum();
            let data = partitions.get(partition).cloned().unwrap_or_default();
            if partition > 0 {
                return axum::Json(json!({"data": data})).into_response();
            }
            axum::Json(json!({
                "resultSetMetaData": {
                    "numRows": num_rows,
                    "format": "jsonv2",
                    "partitionInfo": partitions.iter().map(|p| json!({"rowCount": p.len(), "uncompressedSize": 100})).collect::<Vec<_>>(),
                    "rowType": columns.iter().map(|c| json!({"name": c, "type": "text", "nullable": true})).collect::<Vec<_>>(),
                },
                "data": data,
                "code": "090001",
                "statementStatusUrl": format!("/api/v2/statements/{handle}"),
                "sqlState": "00000",
                "statementHandle": handle,
                "message": "Statement executed successfully.",
                "createdOn": 1_700_000_000_000_i64,
            }))
            .into_response()
        }
    }
}

async fn status(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(handle): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut inner = inner.lock().unwrap();
    let auth = authorized(&inner, &headers);
    record(
        &mut inner,
        "GET",
        &format!("/api/v2/statements/{handle}"),
        &query,
        &headers,
        &auth,
    );
    if let Err(why) = auth {
        return refused(why);
    }
    let Some((script, _)) = inner.running.get(&handle).cloned() else {
        return error(StatusCode::NOT_FOUND, "000709", "Statement not found.");
    };
    let partition = query
        .get("partition")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    answer(&mut inner, &handle, script, partition)
}
