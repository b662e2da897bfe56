//! A client of Google's REST APIs for one BigQuery project: BigQuery v2 (datasets, tables and
//! their IAM policies), the Resource Manager (the project's IAM policy) and, when configured,
//! Cloud Identity (group members). Lists are followed page by page; 429 and 5xx are retried with
//! backoff; a 409 or 412 on a write is a [`Written::Conflict`] for the caller to read again;
//! every other failure is one of the connector error kinds, with Google's own message.

use super::super::http::{self, Patience, after};
use super::super::{ConnectorError, FailureKind, quote};
use super::auth::Auth;
use crate::model::Platform;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, IF_MATCH};
use serde_json::Value;

/// The default addresses of the APIs.
pub const BIGQUERY_URL: &str = "https://bigquery.googleapis.com";
pub const RESOURCE_MANAGER_URL: &str = "https://cloudresourcemanager.googleapis.com";

/// How a write ended: done (with the written document), or refused because what it was based
/// on changed meanwhile (409 ABORTED or 412 on the etag).
pub enum Written {
    Done(Value),
    Conflict,
}

/// The APIs of one project.
pub struct Api {
    http: reqwest::Client,
    /// `…/bigquery/v2`, without a trailing slash.
    bigquery: String,
    resource_manager: String,
    groups: Option<String>,
    pub project: String,
    auth: Auth,
    patience: Patience,
    /// Unix seconds now, for the token's lifetime (a parameter so tests can move it).
    clock: fn() -> i64,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("bigquery", &self.bigquery)
            .field("project", &self.project)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

fn system_now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Api {
    /// The APIs at `api_url` (BigQuery's host, `/bigquery/v2` added) and `resource_manager_url`.
    pub fn new(
        project: &str,
        api_url: &str,
        resource_manager_url: &str,
        auth: Auth,
    ) -> Result<Api, ConnectorError> {
        Ok(Api {
            http: http::client()?,
            bigquery: format!("{}/bigquery/v2", api_url.trim_end_matches('/')),
            resource_manager: resource_manager_url.trim_end_matches('/').to_string(),
            groups: None,
            project: project.to_string(),
            auth,
            patience: Patience::default(),
            clock: system_now,
        })
    }

    /// Cloud Identity's address, where group members are read.
    pub fn with_groups(mut self, groups_url: Option<String>) -> Api {
        self.groups = groups_url.map(|g| g.trim_end_matches('/').to_string());
        self
    }

    pub fn with_patience(mut self, patience: Patience) -> Api {
        self.patience = patience;
        self
    }

    pub fn with_clock(mut self, clock: fn() -> i64) -> Api {
        self.clock = clock;
        self
    }

    pub fn reads_groups(&self) -> bool {
        self.groups.is_some()
    }

    /// `…/bigquery/v2/projects/{project}` and each of `parts`, every one a quoted path segment.
    pub fn bigquery_url(&self, parts: &[&str]) -> Result<String, ConnectorError> {
        let mut url = format!("{}/projects/{}", self.bigquery, segment(&self.project)?);
        for p in parts {
            url.push('/');
            url.push_str(p);
        }
        Ok(url)
    }

    /// `…/v1/projects/{project}:{verb}` of the Resource Manager.
    pub fn project_url(&self, verb: &str) -> Result<String, ConnectorError> {
        Ok(format!(
            "{}/v1/projects/{}:{verb}",
            self.resource_manager,
            segment(&self.project)?
        ))
    }

    /// `{groups_url}/v1/{path}`, when Cloud Identity is configured.
    pub fn groups_url(&self, path: &str) -> Option<String> {
        self.groups.as_ref().map(|g| format!("{g}/v1/{path}"))
    }

    pub async fn get(&self, url: &str, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
        ok(self.exchange(Method::GET, url, query, None, None).await?)
    }

    /// As [`Api::get`], with `None` for a 404.
    pub async fn get_found(
        &self,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<Option<Value>, ConnectorError> {
        let reply = self.exchange(Method::GET, url, query, None, None).await?;
        match reply.status {
            404 => Ok(None),
            _ => ok(reply).map(Some),
        }
    }

    pub async fn post(&self, url: &str, body: &Value) -> Result<Value, ConnectorError> {
        ok(self
            .exchange(Method::POST, url, &[], Some(body), None)
            .await?)
    }

    /// A write that may conflict: `PATCH` with `If-Match`, or `setIamPolicy` carrying its etag.
    pub async fn write(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<Written, ConnectorError> {
        let reply = self
            .exchange(method, url, query, Some(body), if_match)
            .await?;
        match reply.status {
            409 | 412 => Ok(Written::Conflict),
            _ => ok(reply).map(Written::Done),
        }
    }

    /// Every item under `key` of a list, following `nextPageToken` (`pageToken` on the next).
    pub async fn pages(
        &self,
        url: &str,
        query: &[(&str, String)],
        key: &str,
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = query.to_vec();
            if let Some(t) = token.take() {
                q.push(("pageToken", t));
            }
            let mut page = self.get(url, &q).await?;
            if let Some(Value::Array(list)) = page.get_mut(key).map(Value::take) {
                items.extend(list);
            }
            match page["nextPageToken"].as_str().filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t.to_string()),
                None => return Ok(items),
            }
        }
    }

    /// One request, retried as [`http::send`] does; the last answer, whatever its status.
    async fn exchange(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<http::Reply, ConnectorError> {
        let token = match &self.auth {
            Auth::Token(t) => t.clone(),
            Auth::ServiceAccount(sa) => {
                sa.token(&self.http, &self.patience, (self.clock)()).await?
            }
        };
        let authorization = http::authorization(&format!("Bearer {token}"), "bigquery")?;
        http::send(&self.patience, "bigquery", &|_: bool| {
            let mut r = self
                .http
                .request(method.clone(), url)
                .query(query)
                .header(AUTHORIZATION, authorization.clone())
                .header("Accept", "application/json");
            if let Some(b) = body {
                r = r.json(b);
            }
            if let Some(etag) = if_match {
                r = r.header(IF_MATCH, etag);
            }
            Ok(r)
        })
        .await
    }
}

/// A 2xx answer's body, or the refusal.
fn ok(reply: http::Reply) -> Result<Value, ConnectorError> {
    match reply.status {
        200..=299 => Ok(reply.body),
        status => Err(refusal(status, &reply.body, reply.attempts)),
    }
}

/// One quoted path segment.
pub fn segment(name: &str) -> Result<String, ConnectorError> {
    quote::ident(Platform::Bigquery, name)
}

/// The error for a status other than 2xx, with Google's `error.status` and `error.message`.
fn refusal(status: u16, body: &Value, attempts: u32) -> ConnectorError {
    let error = &body["error"];
    let message = error["message"].as_str().unwrap_or("").trim();
    let code = error["status"].as_str().unwrap_or("");
    let said = match (code.is_empty(), message.is_empty()) {
        (_, true) => format!("HTTP {status}"),
        (true, false) => format!("HTTP {status}: {message}"),
        (false, false) => format!("HTTP {status} {code}: {message}"),
    };
    let (kind, note) = match status {
        401 => (FailureKind::Authentication, ""),
        403 => (FailureKind::PermissionDenied, ""),
        404 => (FailureKind::Invalid, " (not found)"),
        408 => (FailureKind::Timeout, ""),
        409 | 412 => (FailureKind::Invalid, " (the resource changed meanwhile)"),
        s if http::retryable(s) => (FailureKind::Unreachable, ""),
        _ => (FailureKind::Invalid, ""),
    };
    ConnectorError::new(kind, format!("bigquery: {said}{note}{}", after(attempts)))
}
