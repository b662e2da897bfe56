//! `POST /slack/events` and `POST /slack/interactions`: Slack's signature first (401 without a
//! valid one, or more than five minutes off), then the callback read and its work queued once per
//! id, answered at once (Slack wants an answer within 3 seconds and retries otherwise). The one
//! call made before answering is `views.open` for `Deny`, whose trigger lasts 3 seconds.

use super::Slack;
use super::inbound::{self, Inbound};
use super::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::app::App;
use crate::error::{ErrorCode, Problem};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

pub fn routes(slack: Slack) -> axum::Router<App> {
    axum::Router::new()
        .route("/slack/events", post(events))
        .route("/slack/interactions", post(interactions))
        .with_state(slack)
}

fn refuse(status: StatusCode, code: ErrorCode, message: String) -> Response {
    (status, Json(Problem::new(code, message).document())).into_response()
}

impl Slack {
    /// Checks Slack's signature of `body` with the signing secret, at the server's time.
    /// `None` when signed; else the 401 to answer.
    fn unsigned(&self, headers: &HeaderMap, body: &[u8]) -> Option<Response> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let now = self.app().requests.clock().now().timestamp();
        signature::verify(
            self.inner.config.signing_secret.expose(),
            header(TIMESTAMP_HEADER),
            header(SIGNATURE_HEADER),
            body,
            now,
        )
        .err()
        .map(|e| {
            tracing::info!(code = e.code(), "refused a Slack callback");
            refuse(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                format!("slack signature: {e}"),
            )
        })
    }

    /// Queues a callback's jobs unless its id was taken before.
    async fn take(&self, id: &str, jobs: &[super::job::SlackJob]) -> Response {
        let now = self.app().requests.clock().now().timestamp_millis();
        let rows: Vec<_> = jobs.iter().map(|j| j.queued(now)).collect();
        match self.app().store.slack_take(id, &rows).await {
            Ok(new) => {
                if new {
                    self.app().requests.wake().notify_one();
                } else {
                    tracing::debug!(id, "a Slack callback seen before: ignored");
                }
                StatusCode::OK.into_response()
            }
            // Slack retries what it gets no 200 for: the work is not lost.
            Err(e) => {
                let p = Problem::from(e);
                refuse(StatusCode::SERVICE_UNAVAILABLE, p.code, p.message)
            }
        }
    }

    async fn act(&self, inbound: Result<Inbound, String>) -> Response {
        match inbound {
            Err(message) => refuse(StatusCode::BAD_REQUEST, ErrorCode::InvalidArgument, message),
            Ok(Inbound::Challenge(challenge)) => {
                Json(json!({"challenge": challenge})).into_response()
            }
            Ok(Inbound::Take { id, jobs }) => self.take(&id, &jobs).await,
            Ok(Inbound::AskReason {
                trigger_id,
                request,
                channel,
            }) => {
                let modal = inbound::deny_modal(&request, &channel);
                if let Err(e) = self.inner.client.open_view(&trigger_id, &modal).await {
                    // The trigger is gone by the time a retry could run: say so in the log; the
                    // reviewer presses again or denies in Warden.
                    tracing::warn!(error = %e, request, "cannot open the deny modal");
                }
                StatusCode::OK.into_response()
            }
            Ok(Inbound::Ignore) => StatusCode::OK.into_response(),
        }
    }
}

async fn events(State(slack): State<Slack>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = slack.unsigned(&headers, &body) {
        return refused;
    }
    slack.act(inbound::event(&body)).await
}

async fn interactions(State(slack): State<Slack>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = slack.unsigned(&headers, &body) {
        return refused;
    }
    slack.act(payload(body).await).await
}

/// The `payload` field of a form-encoded body.
async fn payload(body: Bytes) -> Result<Inbound, String> {
    let req = Request::builder()
        .method(axum::http::Method::POST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .map_err(|e| e.to_string())?;
    let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(req, &())
        .await
        .map_err(|e| format!("the body is not a form: {}", e.body_text()))?;
    let payload = fields
        .into_iter()
        .find(|(k, _)| k == "payload")
        .map(|(_, v)| v)
        .ok_or("the form has no payload field")?;
    inbound::interaction(&payload)
}
