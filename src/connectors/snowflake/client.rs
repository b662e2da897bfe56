//! A client of Snowflake's SQL API v2: `POST {api_url}/api/v2/statements` with a key-pair JWT or
//! an OAuth token; a statement still running answers 202 and is polled at its
//! `statementStatusUrl`; a large result comes in partitions, fetched one by one; 429 and 5xx are
//! retried with backoff (the retry carries the same `requestId`, so Snowflake runs the statement
//! once); every other failure is one of the connector error kinds, with Snowflake's own message.

use super::super::http::{self, after, retryable};
use super::super::{ConnectorError, FailureKind};
use super::auth::Auth;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};

pub use crate::connectors::http::Patience;

/// One statement's rows, every partition included, as the SQL API gives them: strings or nulls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl Rows {
    /// Where column `name` is (Snowflake names result columns in upper case unless quoted).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    /// The cell of `row` in column `name`, `None` when the column is missing, or the cell null
    /// or empty.
    pub fn get<'a>(&self, row: &'a [Option<String>], name: &str) -> Option<&'a str> {
        self.column(name)
            .and_then(|i| row.get(i))
            .and_then(|c| c.as_deref())
            .filter(|c| !c.is_empty())
    }

    /// Every row's cell in column `name` that has a value.
    pub fn values(&self, name: &str) -> Vec<String> {
        self.rows
            .iter()
            .filter_map(|r| self.get(r, name))
            .map(str::to_string)
            .collect()
    }
}

/// The SQL API of one account, as one user (with an optional role and warehouse).
pub struct SqlApi {
    http: reqwest::Client,
    /// Without a trailing slash: `https://xy12345.snowflakecomputing.com`.
    api_url: String,
    auth: Auth,
    role: Option<String>,
    warehouse: Option<String>,
    patience: Patience,
    /// Unix seconds now, for the JWT's `iat` (a parameter so that tests can sign as if elsewhen).
    clock: fn() -> i64,
}

impl std::fmt::Debug for SqlApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlApi")
            .field("api_url", &self.api_url)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

fn system_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The default `api_url` of an account: `https://{account}.snowflakecomputing.com`.
pub fn default_api_url(account: &str) -> String {
    format!("https://{}.snowflakecomputing.com", account.trim())
}

impl SqlApi {
    pub fn new(api_url: &str, auth: Auth) -> Result<SqlApi, ConnectorError> {
        Ok(SqlApi {
            http: http::client()?,
            api_url: api_url.trim_end_matches('/').to_string(),
            auth,
            role: None,
            warehouse: None,
            patience: Patience::default(),
            clock: system_now,
        })
    }

    /// The role and warehouse statements run with (the user's defaults when `None`).
    pub fn with_context(mut self, role: Option<String>, warehouse: Option<String>) -> SqlApi {
        self.role = role;
        self.warehouse = warehouse;
        self
    }

    pub fn with_patience(mut self, patience: Patience) -> SqlApi {
        self.patience = patience;
        self
    }

    pub fn with_clock(mut self, clock: fn() -> i64) -> SqlApi {
        self.clock = clock;
        self
    }

    /// Runs one statement and returns all its rows.
    pub async fn query(&self, sql: &str) -> Result<Rows, ConnectorError> {
        let request_id = request_id();
        let mut body = json!({
            "statement": sql,
            "timeout": self.patience.statement_timeout.as_secs(),
        });
        if let Some(r) = &self.role {
            body["role"] = json!(r);
        }
        if let Some(w) = &self.warehouse {
            body["warehouse"] = json!(w);
        }
        let url = format!("{}/api/v2/statements", self.api_url);
        let mut answer = self
            .send(|retry| {
                let mut q = vec![("requestId", request_id.clone())];
                if retry {
                    q.push(("retry", "true".into()));
                }
                self.http.post(&url).query(&q).json(&body)
            })
            .await?;
        // Still running: poll its status URL until it has a result.
        let started = std::time::Instant::now();
        while answer.status == 202 {
            if started.elapsed() > self.patience.statement_timeout {
                return Err(ConnectorError::new(
                    FailureKind::Timeout,
                    format!(
                        "snowflake: the statement was still running after {} s",
                        self.patience.statement_timeout.as_secs()
                    ),
                ));
            }
            let status_url = answer.body["statementStatusUrl"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| {
                    answer.body["statementHandle"]
                        .as_str()
                        .map(|h| format!("/api/v2/statements/{h}"))
                })
                .ok_or_else(|| invalid("a 202 answer without a statementStatusUrl"))?;
            tokio::time::sleep(self.patience.poll_every).await;
            let url = format!("{}{status_url}", self.api_url);
            answer = self.send(|_| self.http.get(&url)).await?;
        }
        self.rows(answer.body).await
    }

    /// The rows of a finished statement: the first partition's, then every other partition's.
    async fn rows(&self, first: Value) -> Result<Rows, ConnectorError> {
        let meta = &first["resultSetMetaData"];
        let columns: Vec<String> = meta["rowType"]
            .as_array()
            .ok_or_else(|| invalid("a result without resultSetMetaData.rowType"))?
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
            .collect();
        let mut rows = data(&first, columns.len())?;
        let partitions = meta["partitionInfo"].as_array().map_or(1, Vec::len);
        if partitions > 1 {
            let handle = first["statementHandle"]
                .as_str()
                .ok_or_else(|| invalid("a partitioned result without a statementHandle"))?;
            for p in 1..partitions {
                let url = format!("{}/api/v2/statements/{handle}", self.api_url);
                let part = self
                    .send(|_| self.http.get(&url).query(&[("partition", p.to_string())]))
                    .await?;
                rows.extend(data(&part.body, columns.len())?);
            }
        }
        if let Some(n) = meta["numRows"].as_u64()
            && n != rows.len() as u64
        {
            return Err(invalid(&format!(
                "numRows says {n}, the partitions held {}",
                rows.len()
            )));
        }
        Ok(Rows { columns, rows })
    }

    /// Sends one request (built afresh for each attempt; `true`: a retry), retrying 429 and 5xx
    /// with backoff, and sorts the answer: 200 and 202 come back, the rest are errors.
    async fn send(
        &self,
        build: impl Fn(bool) -> reqwest::RequestBuilder + Sync,
    ) -> Result<Answer, ConnectorError> {
        let reply = http::send(&self.patience, "snowflake", &|retry: bool| {
            let (authorization, token_type) = self.auth.header((self.clock)())?;
            Ok(build(retry)
                .header(
                    AUTHORIZATION,
                    http::authorization(&authorization, "snowflake")?,
                )
                .header("X-Snowflake-Authorization-Token-Type", token_type)
                .header("Accept", "application/json"))
        })
        .await?;
        match reply.status {
            200 | 202 => Ok(Answer {
                status: reply.status,
                body: reply.body,
            }),
            status => Err(refusal(status, &reply.body, reply.attempts)),
        }
    }
}

/// A 200 or 202 answer's status and JSON body.
struct Answer {
    status: u16,
    body: Value,
}

/// A `requestId` for one statement: random, in the UUID form the SQL API documents.
fn request_id() -> String {
    let b: [u8; 16] = rand::random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
        (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]]),
    )
}

/// The `data` rows of an answer, each as wide as the columns.
fn data(body: &Value, width: usize) -> Result<Vec<Vec<Option<String>>>, ConnectorError> {
    let Some(rows) = body["data"].as_array() else {
        return Ok(Vec::new());
    };
    rows.iter()
        .map(|r| {
            let cells = r
                .as_array()
                .ok_or_else(|| invalid("a row that is not an array"))?;
            if cells.len() != width {
                return Err(invalid(&format!(
                    "a row of {} cells under {width} columns",
                    cells.len()
                )));
            }
            Ok(cells
                .iter()
                .map(|c| match c {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                })
                .collect())
        })
        .collect()
}

/// The error for a status other than 200 and 202, with Snowflake's code and message.
fn refusal(status: u16, body: &Value, attempts: u32) -> ConnectorError {
    let code = body["code"].as_str().unwrap_or("");
    let message = body["message"].as_str().unwrap_or("").trim();
    let said = if message.is_empty() {
        format!("HTTP {status}")
    } else if code.is_empty() {
        format!("HTTP {status}: {message}")
    } else {
        format!("HTTP {status}, code {code}: {message}")
    };
    let kind = match status {
        401 => FailureKind::Authentication,
        403 => FailureKind::PermissionDenied,
        // 003001: insufficient privileges, as a SQL error.
        422 if code == "003001" || message.to_lowercase().contains("insufficient privileges") => {
            FailureKind::PermissionDenied
        }
        408 => FailureKind::Timeout,
        s if retryable(s) => FailureKind::Unreachable,
        _ => FailureKind::Invalid,
    };
    ConnectorError::new(kind, format!("snowflake: {said}{}", after(attempts)))
}

fn invalid(what: &str) -> ConnectorError {
    ConnectorError::new(
        FailureKind::Invalid,
        format!("snowflake: the SQL API answered {what}"),
    )
}
