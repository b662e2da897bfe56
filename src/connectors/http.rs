//! One exchange with a platform's HTTP API, retried as those APIs ask: a connection refused, a
//! timeout, 429 and 5xx are tried again with backoff (honouring `Retry-After`); whatever status
//! comes last is the caller's to read. Shared by the Snowflake and BigQuery clients.

use super::{ConnectorError, FailureKind};
use reqwest::header::RETRY_AFTER;
use serde_json::Value;
use std::time::Duration;

/// How hard to try: attempts per HTTP call on 429/5xx, the first and the longest wait between
/// them, how often a running statement is polled, and how long one statement may take.
#[derive(Debug, Clone)]
pub struct Patience {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    pub poll_every: Duration,
    pub statement_timeout: Duration,
}

impl Default for Patience {
    fn default() -> Patience {
        Patience {
            attempts: 5,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            poll_every: Duration::from_millis(500),
            statement_timeout: Duration::from_secs(600),
        }
    }
}

/// The last answer: its status, its JSON body (`null` when it had none), and how many attempts
/// it took.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub attempts: u32,
}

/// The statuses worth another try.
pub fn retryable(status: u16) -> bool {
    status == 429 || matches!(status, 500 | 502 | 503 | 504)
}

/// An HTTP client with Warden's user agent and the timeouts every platform call shares.
pub fn client() -> Result<reqwest::Client, ConnectorError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .connect_timeout(Duration::from_secs(15))
        .user_agent(concat!("warden/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConnectorError::new(FailureKind::Config, format!("HTTP client: {e}")))
}

/// An `Authorization` header value (`Bearer …`), marked sensitive so that a header printed in a
/// debug log shows `Sensitive`, not the token; `api` names the platform in the error.
pub fn authorization(
    value: &str,
    api: &str,
) -> Result<reqwest::header::HeaderValue, ConnectorError> {
    let mut header = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        ConnectorError::new(
            FailureKind::Config,
            format!("{api}: the token has characters a header cannot carry"),
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// Sends the request `build` makes (afresh for each attempt; `true` on a retry), retrying what
/// [`retryable`] says and connections that failed. `api` names the platform in errors.
pub async fn send(
    patience: &Patience,
    api: &str,
    // A trait object, not `impl Fn`: a closure type in the future's type trips the compiler's
    // check that the future is `Send` for every lifetime (rust-lang/rust#102211).
    build: &(dyn Fn(bool) -> Result<reqwest::RequestBuilder, ConnectorError> + Sync),
) -> Result<Reply, ConnectorError> {
    let mut wait = patience.first_backoff;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let more = attempts < patience.attempts;
        let response = match build(attempts > 1)?.send().await {
            Ok(r) => r,
            Err(e) if more && (e.is_connect() || e.is_timeout()) => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(patience.max_backoff);
                continue;
            }
            Err(e) if e.is_timeout() => {
                return Err(ConnectorError::new(
                    FailureKind::Timeout,
                    format!("{api}: no answer in time"),
                ));
            }
            Err(e) => {
                return Err(ConnectorError::new(
                    FailureKind::Unreachable,
                    format!("{api}: {}", without_url(&e, api)),
                ));
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.unwrap_or_default();
        if retryable(status) && more {
            tokio::time::sleep(retry_after.unwrap_or(wait).min(patience.max_backoff)).await;
            wait = (wait * 2).min(patience.max_backoff);
            continue;
        }
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        return Ok(Reply {
            status,
            body,
            attempts,
        });
    }
}

/// A reqwest error's text without its URL (which may carry an account name and parameters).
fn without_url(e: &reqwest::Error, api: &str) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), &format!("the {api} API"));
    }
    s
}

/// `" (after N attempts)"` when it took more than one, for an error message.
pub fn after(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}
