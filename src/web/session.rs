//! Who is looking at a page: the session cookie `warden_session` read into a [`Viewer`]. The
//! cookie holds a random secret; the store holds its hash, the person and the session's CSRF
//! token (people::sessions). A page without a live session sends the browser to `/login`.

use super::page::{Layout, Me, PageError};
use crate::app::App;
use crate::people::sessions::Session;
use crate::people::{Principal, Role};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::time::Duration;

/// The session cookie's name (INTERFACE.md "Web pages").
pub const COOKIE: &str = "warden_session";

/// A signed-in person looking at a page, with the CSRF token their forms carry.
#[derive(Clone)]
pub struct Viewer {
    pub who: Principal,
    pub csrf: String,
    /// The cookie's secret, to end the session on sign-out.
    pub secret: String,
}

impl Viewer {
    pub fn name(&self) -> &str {
        self.who.person.as_ref().map_or("", |p| p.name.as_str())
    }

    pub fn role(&self) -> Role {
        self.who.role()
    }

    pub fn is_reviewer(&self) -> bool {
        self.role() >= Role::Reviewer
    }

    pub fn is_admin(&self) -> bool {
        self.role() >= Role::Admin
    }

    /// The frame every page is drawn in: the title, the menu with `nav` marked, who is signed in.
    pub fn layout(&self, title: impl Into<String>, nav: &'static str) -> Layout {
        Layout {
            title: title.into(),
            nav,
            me: Some(Me {
                name: self.name().to_string(),
                role: self.role(),
            }),
            csrf: self.csrf.clone(),
        }
    }
}

/// The value of cookie `name` in the request's `Cookie` headers (RFC 6265: `a=b; c=d`).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, for every path; `Secure` when the browser came
/// over TLS (directly or through a proxy that says so); `max_age` zero deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: Duration, headers: &HeaderMap) -> HeaderValue {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        max_age.as_secs()
    );
    // Our values are hex and our names ASCII, so this cannot fail; an empty cookie if it did.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether the browser reached us over TLS: a reverse proxy in front says so with
/// `X-Forwarded-Proto: https` (or `Forwarded: proto=https`).
fn over_tls(headers: &HeaderMap) -> bool {
    let says = |name: &str, needle: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains(needle))
    };
    says("x-forwarded-proto", "https") || says("forwarded", "proto=https")
}

/// Why a page could not find its viewer: no session, so sign in (a GET is sent to `/login` and
/// back), or the store failed.
pub enum NoViewer {
    SignIn { method: Method, back_to: String },
    Failed(PageError),
}

impl IntoResponse for NoViewer {
    fn into_response(self) -> Response {
        match self {
            NoViewer::SignIn { method, back_to } if method == Method::GET => Redirect::to(
                &format!("/login?next={}", super::page::url_encode(&back_to)),
            )
            .into_response(),
            // A form posted without a session does nothing: say so, never redirect a POST.
            NoViewer::SignIn { .. } => PageError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "you are not signed in (or your session ended): sign in and try again",
            )
            .into_response(),
            NoViewer::Failed(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<App> for Viewer {
    type Rejection = NoViewer;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Viewer, NoViewer> {
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(v.clone());
        }
        let sign_in = || NoViewer::SignIn {
            method: parts.method.clone(),
            back_to: parts
                .uri
                .path_and_query()
                .map_or("/requests".to_string(), |p| p.to_string()),
        };
        let Some(secret) = cookie(&parts.headers, COOKIE) else {
            return Err(sign_in());
        };
        let found = app
            .people
            .session(&secret)
            .await
            .map_err(|e| NoViewer::Failed(e.into()))?;
        let Some(Session { who, csrf }) = found else {
            return Err(sign_in());
        };
        let viewer = Viewer { who, csrf, secret };
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

/// A viewer if signed in, else none (the login page, `/`).
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<App> for MaybeViewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<MaybeViewer, PageError> {
        match Viewer::from_request_parts(parts, app).await {
            Ok(v) => Ok(MaybeViewer(Some(v))),
            Err(NoViewer::SignIn { .. }) => Ok(MaybeViewer(None)),
            Err(NoViewer::Failed(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others_and_in_several_headers() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; warden_sessionx=no"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static(" b=2 ;warden_session=abc"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "a").as_deref(), Some("1"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    proptest::proptest! {
        /// Any `Cookie` header a browser or a forger sends is read without a panic, and a value
        /// found is never blank.
        #[test]
        fn any_cookie_header_is_read_safely(raw in "\\PC{0,80}") {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&raw) {
                h.insert(header::COOKIE, v);
            }
            if let Some(v) = cookie(&h, COOKIE) {
                proptest::prop_assert!(!v.is_empty());
            }
        }
    }

    #[test]
    fn the_cookie_is_secure_only_behind_tls() {
        let mut h = HeaderMap::new();
        let plain = set_cookie(COOKIE, "s", Duration::from_secs(60), &h);
        assert!(!plain.to_str().unwrap().contains("Secure"));
        assert!(plain.to_str().unwrap().contains("HttpOnly; SameSite=Lax"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let tls = set_cookie(COOKIE, "s", Duration::from_secs(60), &h);
        assert!(tls.to_str().unwrap().ends_with("; Secure"));
    }
}
