//! What every page shares: the frame ([`Layout`]), rendering a template into an answer, errors as
//! pages, and the headers every page carries (no inline script may run, no framing, no caching
//! of pages that show data).

use crate::error::Problem;
use crate::people::Role;
use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// The person signed in, as the frame shows them.
pub struct Me {
    pub name: String,
    pub role: Role,
}

/// The frame a page is drawn in.
pub struct Layout {
    pub title: String,
    /// The menu entry to mark: `requests`, `new`, `identities`, `resources`, `audit`, `drift`,
    /// `chat`, `people`, or empty.
    pub nav: &'static str,
    /// Who is signed in; none on the sign-in and error pages.
    pub me: Option<Me>,
    /// The CSRF token every form on the page carries.
    pub csrf: String,
}

impl Layout {
    /// The frame of a page shown to nobody in particular (sign-in, errors).
    pub fn anonymous(title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            nav: "",
            me: None,
            csrf: String::new(),
        }
    }

    pub fn is_reviewer(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.role >= Role::Reviewer)
    }

    pub fn is_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.role >= Role::Admin)
    }
}

/// A rendered page (askama escapes every value put into HTML: a role named `<script>` is text).
pub fn render(t: &impl Template) -> Result<Response, PageError> {
    let html = t
        .render()
        .map_err(|e| PageError::from(Problem::internal(format!("rendering a page failed: {e}"))))?;
    Ok(Html(html).into_response())
}

/// A page that could not be shown: its status and a one-line reason, shown as a page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> PageError {
        PageError::new(StatusCode::NOT_FOUND, what)
    }
}

/// The service's errors become pages with the status the API would answer.
impl<E: Into<Problem>> From<E> for PageError {
    fn from(e: E) -> PageError {
        let p: Problem = e.into();
        let message = match &p.path {
            Some(path) => format!("{} ({path})", p.message),
            None => p.message.clone(),
        };
        PageError::new(crate::http::status::of(p.code), message)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = self.status.as_u16(), message = %self.message, "page failed");
        }
        let page = ErrorPage {
            layout: Layout::anonymous(self.status.canonical_reason().unwrap_or("Error")),
            status: self.status.as_u16(),
            message: &self.message,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {}", self.status.as_u16(), self.message));
        (self.status, Html(body)).into_response()
    }
}

/// The headers of every page: a Content-Security-Policy that lets only our own files run (no
/// inline script or style, no other origin), no framing, no sniffing, and no caching of anything
/// but the static files.
pub async fn headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
             object-src 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The longest `next` followed (it travels in a cookie during single sign-on).
const MAX_NEXT: usize = 1024;

/// Where to go after signing in: only a path on this server (`/requests/…`), never another site
/// (`//evil.example`, `https://…`, nor `/\t/evil.example`, which a browser reads as
/// `//evil.example` once it drops the tab); anything else goes to the requests list.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.len() <= MAX_NEXT
                && !p.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            p.to_string()
        }
        _ => "/requests".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/requests/req_1")), "/requests/req_1");
        assert_eq!(local_path(Some("//evil.example/x")), "/requests");
        assert_eq!(local_path(Some("https://evil.example")), "/requests");
        assert_eq!(local_path(Some("/\\evil.example")), "/requests");
        assert_eq!(local_path(Some("/\t/evil.example")), "/requests");
        assert_eq!(local_path(Some("/\n")), "/requests");
        assert_eq!(
            local_path(Some(&format!("/{}", "a".repeat(2000)))),
            "/requests"
        );
        assert_eq!(local_path(None), "/requests");
    }

    proptest::proptest! {
        /// Whatever is typed or forged into `next`, sign-in lands on a path of this server.
        #[test]
        fn any_next_lands_on_a_local_path(next in "\\PC{0,64}") {
            let p = local_path(Some(&next));
            proptest::prop_assert!(p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'));
            // What a browser makes of it once it drops tabs and newlines is still local.
            let seen: String = p.chars().filter(|c| !c.is_control()).collect();
            proptest::prop_assert!(!seen.starts_with("//"));
        }

        /// Any text (curly quotes, combining marks, emoji) encodes to unreserved ASCII and `%XX`.
        #[test]
        fn any_text_encodes_to_safe_ascii(s in "\\PC{0,64}") {
            let e = url_encode(&s);
            proptest::prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_encode("a b&c=é"), "a%20b%26c%3D%C3%A9");
    }
}
