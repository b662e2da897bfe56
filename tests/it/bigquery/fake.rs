//! A fake of Google's APIs for one BigQuery project, on 127.0.0.1, answering in the documented
//! shapes: the OAuth token endpoint (JWT bearer grant, the assertion checked under the service
//! account's public key: RS256, `iss`, `aud`, `scope`, at most an hour, not expired), BigQuery v2
//! (datasets and tables listed in pages with `nextPageToken`; a dataset with its `access`
//! entries and `etag`, PATCHed whole with `If-Match`, 412 when stale; a table's IAM `Policy`),
//! the Resource Manager (the project's `Policy`; `setIamPolicy` with a stale etag is 409
//! ABORTED), and Cloud Identity (group lookup, memberships in pages). Policies are version 3:
//! a policy with conditions read at a lower version hides them as BigQuery does. Errors are
//! Google's `{"error": {code, message, status}}`. Every write is recorded.

#![allow(dead_code)]

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub use crate::snowflake::fake::TestKey;

/// A table and its IAM policy.
#[derive(Clone)]
struct Table {
    kind: &'static str,
    policy: Value,
}

struct Inner {
    project: String,
    sa_email: String,
    spki: Vec<u8>,
    /// Tokens handed out, and a token accepted without a grant.
    tokens: Vec<String>,
    static_token: Option<String>,
    project_policy: Value,
    datasets: BTreeMap<String, Value>,
    tables: BTreeMap<(String, String), Table>,
    /// Group email → (member email, type).
    groups: BTreeMap<String, Vec<(String, &'static str)>>,
    /// Items per page, whatever `maxResults` asks (so that every list has pages).
    page: usize,
    /// Answers 429 to this many requests from now.
    throttle: u32,
    /// Before this many writes from now, another writer changes the resource first.
    interfere: u32,
    etags: u64,
    writes: Vec<String>,
    requests: usize,
}

#[derive(Clone)]
pub struct FakeGoogle {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

type Answer = (StatusCode, Value);

fn error(code: StatusCode, status: &str, message: &str) -> Answer {
    (
        code,
        json!({"error": {"code": code.as_u16(), "message": message, "status": status,
            "errors": [{"message": message, "domain": "global", "reason": status.to_lowercase()}]}}),
    )
}

impl FakeGoogle {
    /// A project `project` whose service account `sa_email` holds `key`.
    pub async fn start(project: &str, sa_email: &str, key: &TestKey) -> FakeGoogle {
        let inner = Arc::new(Mutex::new(Inner {
            project: project.to_string(),
            sa_email: sa_email.to_string(),
            spki: key.spki.clone(),
            tokens: Vec::new(),
            static_token: None,
            project_policy: json!({"version": 1, "bindings": []}),
            datasets: BTreeMap::new(),
            tables: BTreeMap::new(),
            groups: BTreeMap::new(),
            page: 2,
            throttle: 0,
            interfere: 0,
            etags: 0,
            writes: Vec::new(),
            requests: 0,
        }));
        {
            let mut i = inner.lock().unwrap();
            let etag = i.etag();
            i.project_policy["etag"] = json!(etag);
        }
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeGoogle {
            url: format!("http://{addr}"),
            inner,
        }
    }

    /// The token endpoint a key file names as its `token_uri`.
    pub fn token_uri(&self) -> String {
        format!("{}/token", self.url)
    }

    /// A service-account key file for `key`, as Google issues them.
    pub fn key_file(&self, key: &TestKey) -> String {
        let email = self.inner.lock().unwrap().sa_email.clone();
        json!({
            "type": "service_account",
            "project_id": self.inner.lock().unwrap().project,
            "private_key_id": "k1",
            "private_key": key.pem,
            "client_email": email,
            "client_id": "1",
            "token_uri": self.token_uri(),
        })
        .to_string()
    }

    pub fn accept_token(&self, token: &str) {
        self.inner.lock().unwrap().static_token = Some(token.to_string());
    }

    pub fn project_binding(&self, role: &str, members: &[&str], condition: Option<Value>) {
        let mut i = self.inner.lock().unwrap();
        push_binding(&mut i.project_policy, role, members, condition);
    }

    pub fn dataset(&self, id: &str, access: Value) {
        let mut i = self.inner.lock().unwrap();
        let etag = i.etag();
        let project = i.project.clone();
        i.datasets.insert(
            id.to_string(),
            json!({
                "kind": "bigquery#dataset",
                "id": format!("{project}:{id}"),
                "datasetReference": {"projectId": project, "datasetId": id},
                "location": "US",
                "access": access,
                "etag": etag,
            }),
        );
    }

    pub fn table(&self, dataset: &str, id: &str, kind: &'static str) {
        let mut i = self.inner.lock().unwrap();
        let etag = i.etag();
        i.tables.insert(
            (dataset.to_string(), id.to_string()),
            Table {
                kind,
                policy: json!({"version": 1, "etag": etag}),
            },
        );
    }

    pub fn table_binding(
        &self,
        dataset: &str,
        table: &str,
        role: &str,
        members: &[&str],
        condition: Option<Value>,
    ) {
        let mut i = self.inner.lock().unwrap();
        let t = i
            .tables
            .get_mut(&(dataset.to_string(), table.to_string()))
            .unwrap();
        push_binding(&mut t.policy, role, members, condition);
    }

    /// Someone removes `member` from every binding of `table` (as an admin in the console would).
    pub fn remove_table_member(&self, dataset: &str, table: &str, member: &str) {
        let mut i = self.inner.lock().unwrap();
        let etag = i.etag();
        let t = i
            .tables
            .get_mut(&(dataset.to_string(), table.to_string()))
            .unwrap();
        for b in t.policy["bindings"].as_array_mut().into_iter().flatten() {
            if let Some(m) = b["members"].as_array_mut() {
                m.retain(|x| x != member);
            }
        }
        t.policy["etag"] = json!(etag);
    }

    pub fn group(&self, email: &str, members: &[(&str, &'static str)]) {
        self.inner.lock().unwrap().groups.insert(
            email.to_string(),
            members.iter().map(|(m, t)| (m.to_string(), *t)).collect(),
        );
    }

    /// Items per page of a list (2 unless set).
    pub fn page_size(&self, n: usize) {
        self.inner.lock().unwrap().page = n;
    }

    pub fn throttle(&self, n: u32) {
        self.inner.lock().unwrap().throttle = n;
    }

    /// The next `n` writes each find that someone else changed the resource just before.
    pub fn interfere(&self, n: u32) {
        self.inner.lock().unwrap().interfere = n;
    }

    pub fn writes(&self) -> Vec<String> {
        self.inner.lock().unwrap().writes.clone()
    }

    pub fn dataset_access(&self, id: &str) -> Vec<Value> {
        self.inner.lock().unwrap().datasets[id]["access"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn table_policy(&self, dataset: &str, table: &str) -> Value {
        self.inner.lock().unwrap().tables[&(dataset.to_string(), table.to_string())]
            .policy
            .clone()
    }

    pub fn requests(&self) -> usize {
        self.inner.lock().unwrap().requests
    }
}

fn push_binding(policy: &mut Value, role: &str, members: &[&str], condition: Option<Value>) {
    let mut b = json!({"role": role, "members": members});
    if let Some(c) = condition {
        b["condition"] = c;
        policy["version"] = json!(3);
    }
    match policy["bindings"].as_array_mut() {
        Some(list) => list.push(b),
        None => policy["bindings"] = json!([b]),
    }
}

impl Inner {
    fn etag(&mut self) -> String {
        self.etags += 1;
        format!("BwY{:06}", self.etags)
    }

    /// `policy` as a caller asking for `version` sees it: below 3, conditional bindings lose
    /// their condition and their role names the hidden condition.
    fn policy_at(policy: &Value, version: i64) -> Value {
        let mut p = policy.clone();
        if version < 3 {
            for b in p["bindings"].as_array_mut().into_iter().flatten() {
                if let Some(o) = b.as_object_mut()
                    && o.remove("condition").is_some()
                {
                    let role = o["role"].as_str().unwrap_or("").to_string();
                    o.insert("role".into(), json!(format!("{role}_withcond_1a2b")));
                }
            }
            p["version"] = json!(1);
        }
        p
    }
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (status, value) = answer(&inner, &method, &uri, &query, &headers, &body);
    (status, axum::Json(value)).into_response()
}

fn answer(
    inner: &Mutex<Inner>,
    method: &Method,
    uri: &Uri,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let mut i = inner.lock().unwrap();
    i.requests += 1;
    if i.throttle > 0 {
        i.throttle -= 1;
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Requests'.",
        );
    }
    let path = uri.path().to_string();
    if path == "/token" && method == Method::POST {
        return token(&mut i, body);
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !(i.tokens.iter().any(|t| t == bearer) || i.static_token.as_deref() == Some(bearer)) {
        return error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        );
    }
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let project = i.project.clone();
    let parts: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let version = body["options"]["requestedPolicyVersion"]
        .as_i64()
        .unwrap_or(1);
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["v1", "projects", rest]) => match rest.split_once(':') {
            Some((p, "getIamPolicy")) if p == project => {
                (StatusCode::OK, Inner::policy_at(&i.project_policy, version))
            }
            Some((p, "setIamPolicy")) if p == project => {
                let mut current = i.project_policy.clone();
                let out = set_policy(&mut i, &mut current, &body, "project");
                i.project_policy = current;
                out
            }
            _ => not_found("Project"),
        },
        ("GET", ["bigquery", "v2", "projects", p, "datasets"]) if *p == project => {
            let all: Vec<Value> = i
                .datasets
                .values()
                .map(|d| {
                    json!({"kind": "bigquery#dataset", "id": d["id"], "datasetReference": d["datasetReference"], "location": "US"})
                })
                .collect();
            page(
                &i,
                all,
                query,
                "datasets",
                json!({"kind": "bigquery#datasetList"}),
            )
        }
        ("GET", ["bigquery", "v2", "projects", p, "datasets", d]) if *p == project => {
            match i.datasets.get(*d) {
                Some(ds) => {
                    let v3 = query.get("accessPolicyVersion").map(String::as_str) == Some("3");
                    (StatusCode::OK, dataset_at(ds, v3))
                }
                None => not_found(&format!("Dataset {project}:{d}")),
            }
        }
        ("PATCH" | "PUT", ["bigquery", "v2", "projects", p, "datasets", d]) if *p == project => {
            patch_dataset(&mut i, d, query, headers, &body)
        }
        ("GET", ["bigquery", "v2", "projects", p, "datasets", d, "tables"]) if *p == project => {
            if !i.datasets.contains_key(*d) {
                return not_found(&format!("Dataset {project}:{d}"));
            }
            let all: Vec<Value> = i
                .tables
                .iter()
                .filter(|((ds, _), _)| ds == d)
                .map(|((ds, t), table)| {
                    json!({"kind": "bigquery#table", "id": format!("{project}:{ds}.{t}"),
                        "tableReference": {"projectId": project, "datasetId": ds, "tableId": t},
                        "type": table.kind})
                })
                .collect();
            let total = all.len();
            page(
                &i,
                all,
                query,
                "tables",
                json!({"kind": "bigquery#tableList", "totalItems": total}),
            )
        }
        (
            "POST",
            [
                "bigquery",
                "v2",
                "projects",
                p,
                "datasets",
                d,
                "tables",
                rest,
            ],
        ) if *p == project => {
            let Some((t, verb)) = rest.rsplit_once(':') else {
                return not_found("Method");
            };
            let key = (d.to_string(), t.to_string());
            let Some(table) = i.tables.get(&key).cloned() else {
                return not_found(&format!("Table {project}:{d}.{t}"));
            };
            match verb {
                "getIamPolicy" => (StatusCode::OK, Inner::policy_at(&table.policy, version)),
                "setIamPolicy" => {
                    let mut current = table.policy.clone();
                    let out = set_policy(&mut i, &mut current, &body, &format!("table {d}.{t}"));
                    i.tables.get_mut(&key).unwrap().policy = current;
                    out
                }
                _ => not_found("Method"),
            }
        }
        ("GET", ["v1", "groups:lookup"]) => {
            let email = query.get("groupKey.id").cloned().unwrap_or_default();
            match i.groups.keys().position(|g| g.eq_ignore_ascii_case(&email)) {
                Some(n) => (StatusCode::OK, json!({"name": format!("groups/g{n}")})),
                None => error(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    "Requested entity was not found.",
                ),
            }
        }
        ("GET", ["v1", "groups", id, "memberships"]) => {
            let n: usize = id.trim_start_matches('g').parse().unwrap_or(usize::MAX);
            let Some((_, members)) = i.groups.iter().nth(n) else {
                return error(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    "Requested entity was not found.",
                );
            };
            let all: Vec<Value> = members
                .iter()
                .enumerate()
                .map(|(k, (email, kind))| {
                    json!({"name": format!("groups/{id}/memberships/m{k}"),
                        "preferredMemberKey": {"id": email}, "roles": [{"name": "MEMBER"}], "type": kind})
                })
                .collect();
            page(&i, all, query, "memberships", json!({}))
        }
        _ => not_found("Path"),
    }
}

fn not_found(what: &str) -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("Not found: {what}"),
    )
}

/// One page of `all` under `key`, with `nextPageToken` when more follow.
fn page(
    i: &Inner,
    all: Vec<Value>,
    query: &HashMap<String, String>,
    key: &str,
    mut doc: Value,
) -> Answer {
    let size = query
        .get("maxResults")
        .or_else(|| query.get("pageSize"))
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(50)
        .min(i.page)
        .max(1);
    let start: usize = query
        .get("pageToken")
        .and_then(|t| t.strip_prefix("after-"))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let end = (start + size).min(all.len());
    doc[key] = json!(all[start.min(end)..end]);
    if end < all.len() {
        doc["nextPageToken"] = json!(format!("after-{end}"));
    }
    (StatusCode::OK, doc)
}

/// A dataset as `GET` shows it: without version 3, a conditional entry's condition is hidden
/// and its role names it.
fn dataset_at(ds: &Value, v3: bool) -> Value {
    let mut d = ds.clone();
    if !v3 {
        for e in d["access"].as_array_mut().into_iter().flatten() {
            if let Some(o) = e.as_object_mut()
                && o.remove("condition").is_some()
            {
                let role = o["role"].as_str().unwrap_or("").to_string();
                o.insert(
                    "role".into(),
                    json!(format!("{role}_with_conditionalbinding_1a2b")),
                );
            }
        }
    }
    d
}

fn patch_dataset(
    i: &mut Inner,
    d: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Value,
) -> Answer {
    let project = i.project.clone();
    if !i.datasets.contains_key(d) {
        return not_found(&format!("Dataset {project}:{d}"));
    }
    if i.interfere > 0 {
        i.interfere -= 1;
        let etag = i.etag();
        let ds = i.datasets.get_mut(d).unwrap();
        ds["access"]
            .as_array_mut()
            .unwrap()
            .push(json!({"role": "READER", "userByEmail": "someone-else@acme.test"}));
        ds["etag"] = json!(etag);
    }
    let current = i.datasets[d]["etag"].as_str().unwrap_or("").to_string();
    if let Some(m) = headers.get("if-match").and_then(|v| v.to_str().ok())
        && m != current
    {
        return error(
            StatusCode::PRECONDITION_FAILED,
            "FAILED_PRECONDITION",
            "Precondition check failed.",
        );
    }
    let Some(access) = body["access"].as_array() else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "access is required",
        );
    };
    let v3 = query.get("accessPolicyVersion").map(String::as_str) == Some("3");
    if !v3 && access.iter().any(|e| e.get("condition").is_some()) {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "Conditional access entries need accessPolicyVersion 3",
        );
    }
    let etag = i.etag();
    i.writes
        .push(format!("PATCH dataset {d} {}", json!(access)));
    let ds = i.datasets.get_mut(d).unwrap();
    ds["access"] = json!(access);
    ds["etag"] = json!(etag);
    (StatusCode::OK, dataset_at(ds, v3))
}

/// `setIamPolicy`: the sent policy replaces `current` when its etag is current's.
fn set_policy(i: &mut Inner, current: &mut Value, body: &Value, what: &str) -> Answer {
    if i.interfere > 0 {
        i.interfere -= 1;
        push_binding(
            current,
            "roles/bigquery.metadataViewer",
            &["user:someone-else@acme.test"],
            None,
        );
        current["etag"] = json!(i.etag());
    }
    let policy = &body["policy"];
    if !policy.is_object() {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "policy is required",
        );
    }
    if let Some(etag) = policy["etag"].as_str()
        && Some(etag) != current["etag"].as_str()
    {
        return error(
            StatusCode::CONFLICT,
            "ABORTED",
            "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.",
        );
    }
    let conditional = policy["bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|b| b.get("condition").is_some());
    if conditional && policy["version"].as_i64().unwrap_or(1) < 3 {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "Conditional bindings require policy version 3",
        );
    }
    let mut stored = policy.clone();
    stored["etag"] = json!(i.etag());
    i.writes
        .push(format!("setIamPolicy {what} {}", json!(policy["bindings"])));
    *current = stored.clone();
    (StatusCode::OK, stored)
}

/// The token endpoint: a JWT bearer grant whose assertion the service account signed.
fn token(i: &mut Inner, body: &[u8]) -> Answer {
    let form: HashMap<String, String> = url_form(body);
    let refuse = |d: &str| {
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_grant", "error_description": d}),
        )
    };
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return (
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}),
        );
    }
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    let parts: Vec<&str> = assertion.split('.').collect();
    let [head, claims, signature] = parts.as_slice() else {
        return refuse(
            "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe",
        );
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(signature) else {
        return refuse("Invalid JWT Signature.");
    };
    if UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &i.spki)
        .verify(format!("{head}.{claims}").as_bytes(), &sig)
        .is_err()
    {
        return refuse("Invalid JWT Signature.");
    }
    let decode = |s: &str| -> Value {
        URL_SAFE_NO_PAD
            .decode(s)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null)
    };
    let (head, claims) = (decode(head), decode(claims));
    let now = chrono::Utc::now().timestamp();
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    let scope = claims["scope"].as_str().unwrap_or("");
    if head["alg"] != "RS256"
        || claims["iss"] != i.sa_email.as_str()
        || !claims["aud"]
            .as_str()
            .is_some_and(|a| a.ends_with("/token"))
        || !scope
            .split(' ')
            .any(|s| s == "https://www.googleapis.com/auth/cloud-platform")
        || exp <= now
        || exp - iat > 3600
    {
        return refuse(
            "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe",
        );
    }
    let token = format!("ya29.fake-{}", i.tokens.len() + 1);
    i.tokens.push(token.clone());
    (
        StatusCode::OK,
        json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}),
    )
}

fn url_form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(&v.replace('+', " "))))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        if bytes[k] == b'%'
            && let Some(hex) = bytes.get(k + 1..k + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            k += 3;
        } else {
            out.push(bytes[k]);
            k += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
