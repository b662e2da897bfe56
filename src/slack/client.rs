//! A small client of Slack's Web API (`POST {api_url}/{method}`, `Authorization: Bearer`): write
//! methods take a JSON body, read methods a form-encoded one (Slack reads JSON only on writes),
//! and every answer is sorted into ok, Slack's `error`, a rate limit, an HTTP status or a failure
//! to reach Slack, so that the job queue knows what to retry and when.

use crate::config::Secret;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde_json::{Value, json};
use std::time::Duration;

/// The longest `Retry-After` taken as given; a longer (or absurd) one is capped to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);
/// Waited when a 429 has no `Retry-After`, or one that is not whole seconds.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Slack's Web API, as one bot token sees it. Debug shows the URL, never the token.
#[derive(Clone)]
pub struct SlackClient {
    http: reqwest::Client,
    /// Without a trailing slash: `https://slack.com/api`.
    api_url: String,
    token: Secret,
}

impl std::fmt::Debug for SlackClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackClient")
            .field("api_url", &self.api_url)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Where `chat.postMessage` put a message: the channel (a DM's `D…` id when posted to a user) and
/// its `ts`, which `chat.update` and thread replies (`thread_ts`) name it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

/// `auth.test`: who the bot token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthTest {
    pub user_id: String,
    pub team_id: String,
    pub bot_id: Option<String>,
}

/// Why a call to Slack did not succeed. The Display is one line naming the method; it never holds
/// the token.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// HTTP 429: try again after `retry_after` (from `Retry-After`).
    #[error("slack {method}: rate limited, retry after {} s", retry_after.as_secs())]
    RateLimited {
        method: String,
        retry_after: Duration,
    },
    /// HTTP 200 with `"ok": false`: Slack's `error` code (`channel_not_found`, `invalid_auth`…).
    #[error("slack {method}: {error}")]
    Api { method: String, error: String },
    /// Another HTTP status than 200 or 429 (a 5xx while Slack is down).
    #[error("slack {method}: HTTP status {status}")]
    Status { method: String, status: u16 },
    /// Slack could not be reached, did not answer in time, or answered something that is not its
    /// JSON.
    #[error("slack {method}: {message}")]
    Transport { method: String, message: String },
    /// The client cannot be built or the call cannot be made as asked (a bad `api_url`).
    #[error("slack: {0}")]
    Config(String),
}

/// Slack `error` codes its docs call transient: the same call may succeed later.
const TRANSIENT_API_ERRORS: &[&str] = &[
    "ratelimited",
    "rate_limited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

impl SlackError {
    /// Whether the same call may succeed if made again later (the job queue retries it).
    pub fn retryable(&self) -> bool {
        match self {
            SlackError::RateLimited { .. } | SlackError::Transport { .. } => true,
            SlackError::Status { status, .. } => *status >= 500 || *status == 408,
            SlackError::Api { error, .. } => TRANSIENT_API_ERRORS.contains(&error.as_str()),
            SlackError::Config(_) => false,
        }
    }

    /// A stable machine code for logs and job records.
    pub fn code(&self) -> &'static str {
        match self {
            SlackError::RateLimited { .. } => "slack_rate_limited",
            SlackError::Api { .. } => "slack_api_error",
            SlackError::Status { .. } => "slack_http_status",
            SlackError::Transport { .. } => "slack_unreachable",
            SlackError::Config(_) => "slack_config",
        }
    }

    /// How long to wait before trying again, when Slack said so (a 429's `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SlackError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// Slack's `error` code, for an `"ok": false` answer.
    pub fn api_error(&self) -> Option<&str> {
        match self {
            SlackError::Api { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// How a call's arguments travel.
enum Body<'a> {
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
}

impl SlackClient {
    /// A client of the Web API at `api_url` (`https://slack.com/api`; tests give a local server),
    /// each call bounded by `timeout`. Refuses a URL that is not http(s) and a token that cannot be
    /// sent in a header, naming neither the token nor its text.
    pub fn new(api_url: &str, token: Secret, timeout: Duration) -> Result<SlackClient, SlackError> {
        let api_url = api_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&api_url)
            .map_err(|e| SlackError::Config(format!("api_url {api_url:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(SlackError::Config(format!(
                "api_url {api_url:?} is not an http(s) URL"
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(SlackError::Config(format!(
                "api_url {api_url:?} must not have a query or fragment"
            )));
        }
        if token.expose().is_empty() {
            return Err(SlackError::Config("the bot token is empty".into()));
        }
        bearer(&token)?;
        if timeout.is_zero() {
            return Err(SlackError::Config("the timeout is zero".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // Slack's API does not redirect; following one could hand the token to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SlackError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(SlackClient {
            http,
            api_url,
            token,
        })
    }

    /// The API URL calls go to, without a trailing slash.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// `POST {api_url}/{method}` with `args` as a JSON body (Slack's write methods); the whole
    /// answer when its `ok` is true.
    pub async fn call(&self, method: &str, args: &Value) -> Result<Value, SlackError> {
        self.send(method, Body::Json(args)).await
    }

    /// `POST {api_url}/{method}` with form-encoded `args`, for the read methods (`users.info`,
    /// `users.lookupByEmail`, `auth.test`), which do not read JSON bodies.
    pub async fn call_form(
        &self,
        method: &str,
        args: &[(&str, &str)],
    ) -> Result<Value, SlackError> {
        self.send(method, Body::Form(args)).await
    }

    /// `chat.postMessage`: `message` holds `channel`, `text`, `blocks`, `thread_ts`… as Slack
    /// documents them. Answers where the message is (a user id as `channel` posts to the DM).
    pub async fn post_message(&self, message: &Value) -> Result<Posted, SlackError> {
        const METHOD: &str = "chat.postMessage";
        let answer = self.call(METHOD, message).await?;
        let channel = text_at(&answer, "/channel");
        let ts = text_at(&answer, "/ts");
        match (channel, ts) {
            (Some(channel), Some(ts)) => Ok(Posted { channel, ts }),
            _ => Err(bad_answer(METHOD, "no channel or ts")),
        }
    }

    /// `chat.update` of the message `ts` in `channel` (the `Posted` of its `chat.postMessage`):
    /// `message` (`text`, `blocks`…) replaces its content.
    pub async fn update(&self, channel: &str, ts: &str, message: &Value) -> Result<(), SlackError> {
        let mut args = match message {
            Value::Object(fields) => fields.clone(),
            Value::Null => serde_json::Map::new(),
            _ => {
                return Err(SlackError::Config(
                    "chat.update: the message is not a JSON object".into(),
                ));
            }
        };
        args.insert("channel".into(), channel.into());
        args.insert("ts".into(), ts.into());
        self.call("chat.update", &Value::Object(args)).await?;
        Ok(())
    }

    /// `chat.postEphemeral`: `text` shown only to `user` in `channel` (in the thread `thread_ts`).
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> Result<(), SlackError> {
        let mut args = json!({"channel": channel, "user": user, "text": text});
        if let Some(thread_ts) = thread_ts {
            args["thread_ts"] = thread_ts.into();
        }
        self.call("chat.postEphemeral", &args).await?;
        Ok(())
    }

    /// `users.info`: the user's `profile.email` (needs `users:read.email`); `None` when the
    /// profile shows none or the user does not exist.
    pub async fn user_email(&self, user: &str) -> Result<Option<String>, SlackError> {
        match self.call_form("users.info", &[("user", user)]).await {
            Ok(answer) => Ok(text_at(&answer, "/user/profile/email").filter(|e| !e.is_empty())),
            Err(e) if e.api_error() == Some("user_not_found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `users.lookupByEmail`: the id of the user with this email, `None` when there is none.
    pub async fn lookup_by_email(&self, email: &str) -> Result<Option<String>, SlackError> {
        const METHOD: &str = "users.lookupByEmail";
        match self.call_form(METHOD, &[("email", email)]).await {
            Ok(answer) => text_at(&answer, "/user/id")
                .map(Some)
                .ok_or_else(|| bad_answer(METHOD, "no user.id")),
            Err(e) if e.api_error() == Some("users_not_found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `views.open`: shows `view` (a modal) for the interaction that gave `trigger_id`.
    pub async fn open_view(&self, trigger_id: &str, view: &Value) -> Result<(), SlackError> {
        self.call(
            "views.open",
            &json!({"trigger_id": trigger_id, "view": view}),
        )
        .await?;
        Ok(())
    }

    /// `auth.test`: the bot's own user id (to ignore its own events) and team.
    pub async fn auth_test(&self) -> Result<AuthTest, SlackError> {
        const METHOD: &str = "auth.test";
        let answer = self.call_form(METHOD, &[]).await?;
        let user_id =
            text_at(&answer, "/user_id").ok_or_else(|| bad_answer(METHOD, "no user_id"))?;
        let team_id =
            text_at(&answer, "/team_id").ok_or_else(|| bad_answer(METHOD, "no team_id"))?;
        Ok(AuthTest {
            user_id,
            team_id,
            bot_id: text_at(&answer, "/bot_id"),
        })
    }

    async fn send(&self, method: &str, body: Body<'_>) -> Result<Value, SlackError> {
        // Method names are Slack's (`chat.postMessage`); anything else would change the path.
        if method.is_empty()
            || !method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        {
            return Err(SlackError::Config(format!(
                "{method:?} is not a Slack method name"
            )));
        }
        let url = format!("{}/{method}", self.api_url);
        let request = self
            .http
            .post(&url)
            .header(AUTHORIZATION, bearer(&self.token)?);
        let request = match body {
            Body::Json(args) => {
                let bytes = serde_json::to_vec(args)
                    .map_err(|e| SlackError::Config(format!("{method}: {e}")))?;
                // Slack asks for the charset; without it a JSON call gets a `missing_charset` warning.
                request
                    .header(CONTENT_TYPE, "application/json; charset=utf-8")
                    .body(bytes)
            }
            Body::Form(args) => request.form(args),
        };
        let response = request
            .send()
            .await
            .map_err(|e| self.transport(method, &e))?;
        let status = response.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let retry_after = retry_after(response.headers().get(RETRY_AFTER));
            return Err(SlackError::RateLimited {
                method: method.to_owned(),
                retry_after,
            });
        }
        if !status.is_success() {
            // The body is not read: a proxy's error page may echo the request, Authorization included.
            return Err(SlackError::Status {
                method: method.to_owned(),
                status: status.as_u16(),
            });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport(method, &e))?;
        let answer: Value = serde_json::from_slice(&bytes)
            .map_err(|e| bad_answer(method, &format!("the answer is not JSON: {e}")))?;
        match answer.get("ok").and_then(Value::as_bool) {
            Some(true) => Ok(answer),
            Some(false) => {
                let error = answer
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown_error");
                Err(SlackError::Api {
                    method: method.to_owned(),
                    error: self.scrub(&truncate(error, 200)),
                })
            }
            None => Err(bad_answer(method, "the answer has no boolean \"ok\"")),
        }
    }

    /// A reqwest failure as one line: the error and its causes (reqwest's own text alone says
    /// only "error sending request").
    fn transport(&self, method: &str, e: &reqwest::Error) -> SlackError {
        let mut message = if e.is_timeout() {
            "no answer in time".to_owned()
        } else {
            e.to_string()
        };
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        SlackError::Transport {
            method: method.to_owned(),
            message: self.scrub(&message),
        }
    }

    /// The token never reaches an error message, whatever a server or a library puts there.
    fn scrub(&self, text: &str) -> String {
        let token = self.token.expose();
        if token.is_empty() {
            text.to_owned()
        } else {
            text.replace(token, "***")
        }
    }
}

/// The `Authorization` header, marked sensitive so that no Debug of the request prints it.
fn bearer(token: &Secret) -> Result<HeaderValue, SlackError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        SlackError::Config("the bot token has characters a header cannot carry".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// `Retry-After` in whole seconds, capped; a missing or garbled one waits the default.
fn retry_after(header: Option<&HeaderValue>) -> Duration {
    header
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs).min(MAX_RETRY_AFTER))
        .unwrap_or(DEFAULT_RETRY_AFTER)
}

fn text_at(doc: &Value, pointer: &str) -> Option<String> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn bad_answer(method: &str, what: &str) -> SlackError {
    SlackError::Transport {
        method: method.to_owned(),
        message: format!("unexpected answer: {what}"),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_whole_seconds_capped_with_a_default() {
        let h = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(retry_after(Some(&h("30"))), Duration::from_secs(30));
        assert_eq!(retry_after(Some(&h(" 7 "))), Duration::from_secs(7));
        assert_eq!(retry_after(Some(&h("0"))), Duration::ZERO);
        assert_eq!(retry_after(Some(&h("999999999999"))), MAX_RETRY_AFTER);
        for garbled in ["", "soon", "-3", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            assert_eq!(
                retry_after(Some(&h(garbled))),
                DEFAULT_RETRY_AFTER,
                "{garbled:?}"
            );
        }
        assert_eq!(retry_after(None), DEFAULT_RETRY_AFTER);
    }

    #[test]
    fn a_bad_api_url_or_token_is_a_config_error_without_the_token() {
        let t = Duration::from_secs(5);
        for url in [
            "",
            "slack.com/api",
            "ftp://slack.com/api",
            "http://",
            "https://slack.com/api?x=1",
        ] {
            let e = SlackClient::new(url, Secret::new("xoxb-1"), t).unwrap_err();
            assert!(matches!(e, SlackError::Config(_)), "{url:?}: {e}");
            assert!(!e.retryable());
            assert_eq!(e.code(), "slack_config");
        }
        let e = SlackClient::new("https://slack.com/api", Secret::new(""), t).unwrap_err();
        assert!(matches!(e, SlackError::Config(_)), "{e}");
        let e = SlackClient::new("https://slack.com/api", Secret::new("xoxb-bad\ntoken"), t)
            .unwrap_err();
        assert!(matches!(e, SlackError::Config(_)), "{e}");
        assert!(!e.to_string().contains("xoxb-bad"), "{e}");
    }

    #[test]
    fn the_api_url_loses_its_trailing_slash_and_debug_hides_the_token() {
        let c = SlackClient::new(
            "http://127.0.0.1:9/api/",
            Secret::new("xoxb-very-secret-token"),
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(c.api_url(), "http://127.0.0.1:9/api");
        let debug = format!("{c:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
        assert!(debug.contains("127.0.0.1:9"), "{debug}");
    }

    #[test]
    fn retryable_errors_are_the_transient_ones() {
        let api = |e: &str| SlackError::Api {
            method: "chat.postMessage".into(),
            error: e.into(),
        };
        let status = |s: u16| SlackError::Status {
            method: "chat.postMessage".into(),
            status: s,
        };
        for e in [
            "ratelimited",
            "internal_error",
            "fatal_error",
            "service_unavailable",
            "request_timeout",
        ] {
            assert!(api(e).retryable(), "{e}");
        }
        for e in [
            "invalid_auth",
            "channel_not_found",
            "message_not_found",
            "not_in_channel",
            "invalid_arguments",
        ] {
            assert!(!api(e).retryable(), "{e}");
        }
        assert!(status(500).retryable());
        assert!(status(503).retryable());
        assert!(!status(404).retryable());
        assert!(!status(400).retryable());
        let limited = SlackError::RateLimited {
            method: "chat.update".into(),
            retry_after: Duration::from_secs(3),
        };
        assert!(limited.retryable());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(
            limited.to_string(),
            "slack chat.update: rate limited, retry after 3 s"
        );
        assert!(
            SlackError::Transport {
                method: "auth.test".into(),
                message: "refused".into()
            }
            .retryable()
        );
    }
}
