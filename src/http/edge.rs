//! What every HTTP request passes through before its handler: a request id (on the response,
//! in the logs and in every error document), a time limit, a catch for panics (a bug fails one
//! request with a 500, never the process), and the error document for every error answer,
//! including the plain-text ones that axum and hyper produce (413, 405, 408, 415...).

use super::HttpError;
use crate::config::ServerConfig;
use crate::error::{ErrorCode, Problem};
use crate::metrics::Metrics;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tracing::Instrument;

/// The header that carries a request's id, both ways.
pub const REQUEST_ID: &str = "x-request-id";
/// Error bodies larger than this are not rewritten (none of ours comes near it).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The id for one request: the caller's own `x-request-id` when it is a sane token (so a
/// caller can follow its request through the logs), else a new one.
fn request_id(req: &Request) -> String {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map(str::to_string)
        .unwrap_or_else(|| {
            let n: u64 = rand::random();
            format!("{n:016x}")
        })
}

/// What the outermost layer needs: the server's limits, and the metrics it counts requests in.
#[derive(Clone)]
pub struct Edge {
    pub limits: Arc<ServerConfig>,
    pub metrics: Metrics,
}

/// The route template a request matched (`/v1/requests/{id}`), carried out on its response to
/// the outermost layer, which runs before routing and so cannot see it on the request.
#[derive(Clone)]
struct Route(String);

/// Inside routing: marks the response with the template of the route that answered it.
pub async fn mark_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| Route(m.as_str().to_string()));
    let mut resp = next.run(req).await;
    if let Some(route) = route {
        resp.extensions_mut().insert(route);
    }
    resp
}

/// The outermost layer: names the request, runs the rest inside its log span, makes every
/// error answer the error document with that name in it, and counts it for metrics.
pub async fn outer(State(edge): State<Edge>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let limits = &edge.limits;
    let id = request_id(&req);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("request", id = %id, %method, path = %path);
    let limit = time_limit(limits, &path);
    let streaming = path == "/mcp" || path.starts_with("/mcp/");
    let inner = async move {
        let caught = AssertUnwindSafe(next.run(req)).catch_unwind();
        let answer = match limit {
            Some(limit) => tokio::time::timeout(limit, caught).await.ok(),
            None => Some(caught.await),
        };
        match answer {
            Some(Ok(resp)) => resp,
            Some(Err(panic)) => {
                tracing::error!(panic = %crate::fault::panic_message(&*panic), "handler panicked");
                HttpError(Problem::internal(
                    "internal error: the request failed; the server logged why",
                ))
                .into_response()
            }
            None => HttpError(Problem::new(
                ErrorCode::Timeout,
                format!(
                    "the request took longer than {} (server.{})",
                    crate::model::Duration::from_secs(limit.map_or(0, |l| l.as_secs())),
                    limit_key(&path)
                ),
            ))
            .into_response(),
        }
    }
    .instrument(span.clone());
    let inner = crate::model::audit::HTTP_REQUEST_ID.scope(id.clone(), inner);
    let mut resp = inner.await;
    // A page's error is a page (web::page); everything else answers with the error document.
    let is_page = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !streaming && !is_page && resp.status().as_u16() >= 400 {
        resp = as_error_document(resp, &id, limits).instrument(span).await;
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    // A path no route matched is counted under one name: paths are the caller's text.
    let route = resp
        .extensions()
        .get::<Route>()
        .map_or("unmatched", |r| r.0.as_str());
    edge.metrics.http_answered(
        route,
        method_label(&method),
        resp.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}

/// A method as a metric label: the standard ones by name, any other as `other` (a method is a
/// token the caller chooses, and every label value is a series kept for the life of the server).
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(m, _)| m == method)
        .map_or("other", |(_, name)| name)
}

/// How long a request to `path` may take: none for MCP's event streams.
fn time_limit(limits: &ServerConfig, path: &str) -> Option<std::time::Duration> {
    match limit_key(path) {
        "" => None,
        "import_timeout" => Some(limits.import_timeout.std()),
        "chat_timeout" => Some(limits.chat_timeout.std()),
        _ => Some(limits.request_timeout.std()),
    }
}

/// The config key that sets the time limit of `path`.
fn limit_key(path: &str) -> &'static str {
    match path {
        "/mcp" => "",
        p if p.starts_with("/mcp/") => "",
        "/v1/import" => "import_timeout",
        "/v1/chat" | "/chat" => "chat_timeout",
        _ => "request_timeout",
    }
}

/// Turns any error answer into the error document, with the request id in it; a server error
/// is logged here, once.
async fn as_error_document(resp: Response, id: &str, limits: &ServerConfig) -> Response {
    let (mut parts, body) = resp.into_parts();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let bytes = axum::body::to_bytes(body, MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let parsed = is_json
        .then(|| serde_json::from_slice::<crate::error::ErrorDocument>(&bytes).ok())
        .flatten();
    let mut error = match parsed {
        Some(doc) => doc.error,
        None => from_status(parts.status, &bytes, limits),
    };
    if parts.status.is_server_error() {
        tracing::error!(status = parts.status.as_u16(), code = error.code.as_str(), message = %error.message, "request failed");
    }
    error.request_id = Some(id.to_string());
    let body = serde_json::to_vec(&error.document()).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// The error behind a plain-text answer from axum or hyper, by its status.
fn from_status(status: StatusCode, body: &[u8], limits: &ServerConfig) -> Problem {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            ErrorCode::TooLarge,
            format!(
                "the request body is larger than {} (server.max_body_size)",
                limits.max_body_size
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            ErrorCode::MethodNotAllowed,
            "this route does not take that method",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::new(
            ErrorCode::UnsupportedMediaType,
            format!("unsupported media type: {text}"),
        ),
        StatusCode::REQUEST_TIMEOUT => {
            Problem::new(ErrorCode::Timeout, "the request took too long")
        }
        s if s.is_server_error() => Problem::internal("internal error"),
        s => {
            let message = if text.is_empty() {
                s.canonical_reason().unwrap_or("bad request").to_lowercase()
            } else {
                text.chars().take(500).collect()
            };
            Problem::new(super::status::code_for(s), message)
        }
    }
}
