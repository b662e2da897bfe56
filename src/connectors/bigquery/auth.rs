//! How Warden signs in to Google's APIs: a service-account key (the JSON file Google issues)
//! traded for an access token with the JWT bearer grant (RFC 7523) at the key's `token_uri`, the
//! token kept until five minutes before it expires; or an access token given as it is. The key
//! and the tokens are never printed.

use super::super::http::{self, Patience};
use super::super::jwt::RsaSigner;
use super::super::{ConnectorError, FailureKind};
use serde_json::{Value, json};

/// What the token may be used for: BigQuery and the Resource Manager (cloud-platform), and
/// reading Cloud Identity groups.
pub const SCOPES: &str = "https://www.googleapis.com/auth/cloud-platform \
                          https://www.googleapis.com/auth/cloud-identity.groups.readonly";

/// The assertion's lifetime: Google accepts at most an hour.
const ASSERTION_SECS: i64 = 3600;

/// A token is fetched anew once it has less than this left.
const RENEW_SECS: i64 = 5 * 60;

/// The credential requests carry.
pub enum Auth {
    ServiceAccount(Box<ServiceAccount>),
    /// An access token, sent as it is.
    Token(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::ServiceAccount(_) => "Auth::ServiceAccount(..)",
            Auth::Token(_) => "Auth::Token(..)",
        })
    }
}

/// A service account's key, and the token last obtained with it.
pub struct ServiceAccount {
    /// `client_email`: the account the token is for.
    pub email: String,
    token_uri: String,
    key_id: Option<String>,
    signer: RsaSigner,
    /// The last token and when it expires (Unix seconds).
    token: tokio::sync::Mutex<Option<(i64, String)>>,
}

impl ServiceAccount {
    /// Reads a service-account key file's JSON (`type` `service_account`, `client_email`,
    /// `private_key`, `token_uri`, `private_key_id`).
    pub fn from_json(text: &str) -> Result<ServiceAccount, ConnectorError> {
        let config = |m: String| ConnectorError::new(FailureKind::Config, m);
        let key: Value = serde_json::from_str(text).map_err(|e| {
            config(format!(
                "the BigQuery credentials are not a service-account key file (JSON: line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let field = |name: &str| {
            key.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    config(format!(
                        "the BigQuery credentials have no `{name}` (a service-account key file has one)"
                    ))
                })
        };
        if let Some(kind) = key.get("type").and_then(Value::as_str)
            && kind != "service_account"
        {
            return Err(config(format!(
                "the BigQuery credentials are of type {kind:?}; Warden needs a service-account key (\"service_account\")"
            )));
        }
        let signer =
            RsaSigner::from_pem(field("private_key")?, "the service account's private_key")?;
        Ok(ServiceAccount {
            email: field("client_email")?.to_string(),
            token_uri: field("token_uri")
                .unwrap_or("https://oauth2.googleapis.com/token")
                .to_string(),
            key_id: key
                .get("private_key_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            signer,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The signed assertion for a token asked for at `now` (Unix seconds).
    pub fn assertion(&self, now: i64) -> Result<String, ConnectorError> {
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &self.key_id {
            header["kid"] = json!(kid);
        }
        let claims = json!({
            "iss": self.email,
            "scope": SCOPES,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + ASSERTION_SECS,
        });
        self.signer.sign(&header, &claims)
    }

    /// A token valid at `now`: the last one while it has more than five minutes left, else a
    /// new one from the token endpoint.
    pub async fn token(
        &self,
        client: &reqwest::Client,
        patience: &Patience,
        now: i64,
    ) -> Result<String, ConnectorError> {
        let mut held = self.token.lock().await;
        if let Some((expires, token)) = held.as_ref()
            && now < expires - RENEW_SECS
        {
            return Ok(token.clone());
        }
        let assertion = self.assertion(now)?;
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ];
        let reply = http::send(patience, "google oauth", &|_: bool| {
            Ok(client.post(&self.token_uri).form(&form))
        })
        .await?;
        let body = &reply.body;
        if reply.status != 200 {
            // RFC 6749 §5.2: `error` and `error_description`.
            let error = body["error"].as_str().unwrap_or("");
            let description = body["error_description"].as_str().unwrap_or("");
            let kind = match reply.status {
                400 | 401 | 403 => FailureKind::Authentication,
                s if http::retryable(s) => FailureKind::Unreachable,
                _ => FailureKind::Invalid,
            };
            return Err(ConnectorError::new(
                kind,
                format!(
                    "google oauth: the token endpoint refused the service account {} (HTTP {}{}{}{})",
                    self.email,
                    reply.status,
                    if error.is_empty() { "" } else { ": " },
                    error,
                    if description.is_empty() {
                        String::new()
                    } else {
                        format!(", {description}")
                    }
                ),
            ));
        }
        let token = body["access_token"].as_str().ok_or_else(|| {
            ConnectorError::new(
                FailureKind::Invalid,
                "google oauth: the token endpoint answered without an access_token",
            )
        })?;
        let lifetime = body["expires_in"].as_i64().unwrap_or(3600);
        *held = Some((now + lifetime, token.to_string()));
        Ok(token.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whatever the credentials file holds: a service account or a clear config error.
        #[test]
        fn any_credentials_text_is_read_without_a_panic(text in proptest::prelude::any::<String>()) {
            let doc = json!({"type": "service_account", "client_email": text, "private_key": text}).to_string();
            for t in [text.as_str(), doc.as_str()] {
                let e = ServiceAccount::from_json(t).err();
                proptest::prop_assert!(e.is_some_and(|e| e.kind == FailureKind::Config));
            }
        }
    }

    #[test]
    fn a_file_that_is_not_a_service_account_key_is_refused_by_name() {
        for (text, says) in [
            ("{", "not a service-account key file"),
            (r#"{"type":"authorized_user"}"#, "authorized_user"),
            (
                r#"{"type":"service_account","private_key":"x"}"#,
                "not a PKCS#8 PEM",
            ),
            (
                r#"{"type":"service_account","client_email":"a@b"}"#,
                "no `private_key`",
            ),
        ] {
            let Err(e) = ServiceAccount::from_json(text) else {
                panic!("{text} was accepted");
            };
            assert!(e.message.contains(says), "{text}: {}", e.message);
        }
    }
}
