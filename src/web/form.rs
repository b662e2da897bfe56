//! A form posted from a page: its fields, and the CSRF check every form passes before a handler
//! sees it. The session's CSRF token (random, stored with the session) must come back in the
//! field `csrf`; a form without it, or with another session's, changes nothing (403).

use super::page::PageError;
use super::session::{NoViewer, Viewer};
use crate::app::App;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The CSRF field's name in every form.
pub const CSRF_FIELD: &str = "csrf";

/// A form's fields in order, repeated names kept (a group of checkboxes).
#[derive(Debug, Default, Clone)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of `name`, trimmed; none when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The value of `name`, or a 400 naming the field.
    pub fn require(&self, name: &str) -> Result<&str, PageError> {
        self.get(name).ok_or_else(|| {
            PageError::new(StatusCode::BAD_REQUEST, format!("the form needs a {name}"))
        })
    }
}

/// A form posted by a signed-in viewer, its CSRF token checked.
pub struct Posted {
    pub viewer: Viewer,
    pub form: FormData,
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Reads a urlencoded body into its fields; a body that is not a form is a 400 (or 415).
pub async fn read_form(req: Request, app: &App) -> Result<FormData, PageError> {
    match axum::Form::<Vec<(String, String)>>::from_request(req, app).await {
        Ok(axum::Form(fields)) => Ok(FormData(fields)),
        Err(e) => Err(PageError::new(e.status(), e.body_text())),
    }
}

impl FromRequest<App> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, app: &App) -> Result<Posted, Response> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, app)
            .await
            .map_err(NoViewer::into_response)?;
        let form = read_form(Request::from_parts(parts, body), app)
            .await
            .map_err(IntoResponse::into_response)?;
        let sent = form.get(CSRF_FIELD).unwrap_or_default();
        if !same_secret(sent, &viewer.csrf) {
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "the form's CSRF token is missing or not this session's: reload the page and try again",
            )
            .into_response());
        }
        Ok(Posted { viewer, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn form_fields_keep_repeats_and_drop_blanks() {
        let f = FormData(vec![
            ("p".into(), "SELECT".into()),
            ("p".into(), " ".into()),
            ("p".into(), "INSERT".into()),
            ("q".into(), "  x ".into()),
        ]);
        assert_eq!(f.all("p"), ["SELECT", "INSERT"]);
        assert_eq!(f.get("q"), Some("x"));
        assert_eq!(f.get("none"), None);
        assert!(f.require("none").is_err());
    }
}
