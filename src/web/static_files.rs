//! The dashboard's own files, compiled into the binary: htmx (vendored, 2.0.11, unchanged from
//! npm's `htmx.org` package) and the style sheet. Nothing is fetched from another origin.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const HTMX: &[u8] = include_bytes!("static/htmx-2.0.11.min.js");
const CSS: &[u8] = include_bytes!("static/warden.css");

pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "warden.css" => (CSS, "text/css; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // Not immutable: the names carry no version, so a new binary's files must be fetched again.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}
