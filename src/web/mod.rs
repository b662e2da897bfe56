//! The dashboard (INTERFACE.md "Web pages"): server-rendered pages over the same services as the
//! REST API, signed in with a session cookie, every form CSRF-checked, every rule the services'.
//! htmx (vendored, served from the binary) makes some parts live; every action is also a plain
//! form post that works without JavaScript.

mod form;
mod login;
pub mod page;
mod requests_list;
pub mod session;
mod static_files;

use crate::app::App;
use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

pub use form::{FormData, Posted};
pub use session::Viewer;

/// `?next=` on the sign-in page: where to go once signed in (a local path).
#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    pub next: Option<String>,
}

/// Every page's route, with the headers every page carries.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(login::home))
        .route("/login", get(login::form).post(login::submit))
        .route("/login/link/{secret}", get(login::link))
        .route("/logout", post(login::logout))
        .route("/requests", get(requests_list::page))
        .route("/static/{file}", get(static_files::serve))
        .layer(axum::middleware::from_fn(page::headers))
}
