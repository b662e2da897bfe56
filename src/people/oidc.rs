//! Single sign-on with an OpenID provider, the protocol half: discovery, the authorization URL
//! (PKCE, a nonce and a state), and a code exchanged for an ID token that is verified (signature
//! against the provider's keys, issuer, audience, expiry, nonce) before any claim is read. What a
//! verified person may do in Warden is `sso.rs`'s.

use crate::config::OidcConfig;
use crate::error::{ErrorCode, Problem};
use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The client as discovery leaves it: authorization endpoint set, token and userinfo endpoints
/// as the provider says.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long discovery (endpoints and signing keys) is trusted before it is read again, so that
/// a provider's new signing key is followed without a restart.
const REFRESH: Duration = Duration::from_secs(300);

/// A token that does not verify re-reads the keys (a rotation just happened?) at most this often.
const REREAD: Duration = Duration::from_secs(30);

/// How long one call to the provider may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the browser keeps between leaving for the provider and coming back (a cookie). All of
/// it belongs to that browser's own sign-in: the provider binds the code to the PKCE challenge
/// and the ID token to the nonce, and the state ties the answer to this browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    /// The local page to land on once signed in.
    pub next: String,
}

/// A person as a verified ID token (and the provider's userinfo) describes them.
#[derive(Debug, Clone)]
pub struct Verified {
    pub subject: String,
    pub email: String,
    /// `preferred_username`, else `name`.
    pub name: Option<String>,
    /// The configured groups claim; `None` when the provider sent none (not the same as an
    /// empty list: a role is never taken away for a claim that did not arrive).
    pub groups: Option<Vec<String>>,
}

/// The provider's endpoints and keys, read by discovery.
struct Discovered {
    client: Client,
    userinfo: Option<String>,
}

/// One configured provider.
pub struct Oidc {
    cfg: OidcConfig,
    http: Http,
    discovered: tokio::sync::Mutex<Option<(Instant, Arc<Discovered>)>>,
}

/// Failures of the HTTP client handed to `openidconnect`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpFailure(String);

/// The server's reqwest client as `openidconnect` calls one. A type of its own, not a closure:
/// a closure borrowing the client gives futures that are `Send` for one lifetime only, which an
/// axum handler cannot hold.
struct Http(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpFailure;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(self.0.clone(), request))
    }
}

/// Sends one request of the `openidconnect` crate.
async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpFailure(e.to_string()))?;
    let mut built = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        built = built.header(name, value);
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| HttpFailure(e.to_string()))?;
    built
        .body(bytes.to_vec())
        .map_err(|e| HttpFailure(e.to_string()))
}

/// A sign-in the provider or its token did not vouch for.
fn refused(message: impl Into<String>) -> Problem {
    Problem::new(ErrorCode::Unauthenticated, message)
}

fn unavailable(message: impl Into<String>) -> Problem {
    Problem::new(ErrorCode::Unavailable, message)
}

impl Oidc {
    pub fn new(cfg: OidcConfig) -> Result<Oidc, Problem> {
        // No redirects: a provider's endpoint answers itself (and a redirect could be steered
        // somewhere the server should not reach).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| Problem::internal(format!("cannot build the OIDC client: {e}")))?;
        Ok(Oidc {
            cfg,
            http: Http(http),
            discovered: tokio::sync::Mutex::new(None),
        })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.cfg
    }

    /// The provider's endpoints and keys: read once, again after [`REFRESH`] (or `older_than`
    /// when given). A failed re-read keeps the copy there is.
    async fn discovered(&self, older_than: Option<Duration>) -> Result<Arc<Discovered>, Problem> {
        let mut cached = self.discovered.lock().await;
        if let Some((at, d)) = cached.as_ref()
            && at.elapsed() < older_than.unwrap_or(REFRESH)
        {
            return Ok(d.clone());
        }
        match self.discover().await {
            Ok(d) => {
                *cached = Some((Instant::now(), d.clone()));
                Ok(d)
            }
            Err(e) => match cached.as_ref() {
                Some((_, stale)) => {
                    tracing::warn!(error = %e.line(), "OpenID discovery failed; keeping the last copy");
                    Ok(stale.clone())
                }
                None => Err(e),
            },
        }
    }

    async fn discover(&self) -> Result<Arc<Discovered>, Problem> {
        let issuer = IssuerUrl::new(self.cfg.issuer.clone())
            .map_err(|e| Problem::invalid("oidc.issuer", e.to_string()))?;
        let redirect = RedirectUrl::new(self.cfg.redirect_url.clone())
            .map_err(|e| Problem::invalid("oidc.redirect_url", e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                unavailable(format!(
                    "cannot read the OpenID provider's discovery document at {}: {e}",
                    self.cfg.issuer
                ))
            })?;
        let userinfo = metadata.userinfo_endpoint().map(|u| u.url().to_string());
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.cfg.client_id.clone()),
            Some(ClientSecret::new(
                self.cfg.client_secret.expose().to_string(),
            )),
        )
        .set_redirect_uri(redirect);
        Ok(Arc::new(Discovered { client, userinfo }))
    }

    /// Where to send the browser, and what it must bring back.
    pub async fn begin(&self, next: String) -> Result<(String, Pending), Problem> {
        let d = self.discovered(None).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = d.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.cfg.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = Pending {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next,
        };
        Ok((url.to_string(), pending))
    }

    /// The person behind `code`, once the provider exchanged it (with this browser's PKCE
    /// verifier) for an ID token that verifies and carries this browser's nonce.
    pub async fn finish(&self, pending: &Pending, code: &str) -> Result<Verified, Problem> {
        let d = self.discovered(None).await?;
        let token = d
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| unavailable(format!("the OpenID provider has no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| refused(format!("the OpenID provider refused the sign-in: {e}")))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| refused("the OpenID provider sent no ID token"))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let subject = match id_token.claims(&d.client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.subject().to_string(),
            Err(first) => {
                // Signed with a key published since the keys were read? Read them again (not
                // more often than REREAD) and try once more.
                let again = self.discovered(Some(REREAD)).await?;
                id_token
                    .claims(&again.client.id_token_verifier(), &nonce)
                    .map(|c| c.subject().to_string())
                    .map_err(|_| refused(format!("the ID token does not verify: {first}")))?
            }
        };
        // Verified above: its claims, all of them, read as JSON (the groups claim is named by
        // the config, so it has no field of its own).
        let mut all = payload(&id_token.to_string())?;
        let wants_groups =
            !(self.cfg.reviewer_groups.is_empty() && self.cfg.admin_groups.is_empty());
        let missing = !all.contains_key("email")
            || (wants_groups && !all.contains_key(&self.cfg.groups_claim));
        if missing && let Some(url) = &d.userinfo {
            let more = self
                .userinfo(url, token.access_token().secret(), &subject)
                .await?;
            for (k, v) in more {
                all.entry(k).or_insert(v);
            }
        }
        self.verified(subject, &all)
    }

    /// The userinfo endpoint's claims, which must be about `subject` (OpenID Connect Core 5.3.2).
    async fn userinfo(
        &self,
        url: &str,
        access_token: &str,
        subject: &str,
    ) -> Result<Map<String, Value>, Problem> {
        let failed = |e: String| unavailable(format!("cannot read the provider's userinfo: {e}"));
        let response = self
            .http
            .0
            .get(url)
            .bearer_auth(access_token)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        if !response.status().is_success() {
            return Err(failed(format!("status {}", response.status())));
        }
        let claims: Map<String, Value> =
            response.json().await.map_err(|e| failed(e.to_string()))?;
        if claims.get("sub").and_then(Value::as_str) != Some(subject) {
            return Err(refused("the provider's userinfo is about someone else"));
        }
        Ok(claims)
    }

    fn verified(&self, subject: String, all: &Map<String, Value>) -> Result<Verified, Problem> {
        let email = all
            .get("email")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|e| e.contains('@'))
            .ok_or_else(|| {
                refused("the OpenID provider gave no email for this person (scope `email`)")
            })?;
        // `true`, or the string some providers send; absent or anything else is not verified.
        let verified = matches!(all.get("email_verified"), Some(Value::Bool(true)))
            || all.get("email_verified").and_then(Value::as_str) == Some("true");
        if !verified && !self.cfg.trust_unverified_email {
            return Err(refused(format!(
                "the provider has not verified the email {email} (email_verified)"
            )));
        }
        let name = ["preferred_username", "name"]
            .iter()
            .find_map(|k| all.get(*k).and_then(Value::as_str))
            .map(str::to_string);
        let groups = match all.get(&self.cfg.groups_claim) {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            Some(Value::String(one)) => Some(vec![one.clone()]),
            _ => None,
        };
        Ok(Verified {
            subject,
            email: email.to_string(),
            name,
            groups,
        })
    }
}

/// The claims of a JWT whose signature was already verified.
fn payload(jwt: &str) -> Result<Map<String, Value>, Problem> {
    let body = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| refused("the ID token is not a JWT"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .map_err(|_| refused("the ID token's claims are not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| refused("the ID token's claims are not JSON"))
}
