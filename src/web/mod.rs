//! The dashboard (INTERFACE.md "Web pages"): server-rendered pages over the same services as the
//! REST API, signed in with a session cookie, every form CSRF-checked, every rule the services'.
//! htmx (vendored, served from the binary) makes some parts live; every action is also a plain
//! form post that works without JavaScript.

mod audit;
mod chat;
mod drift;
mod form;
mod hrefs;
mod identities;
mod identity;
mod login;
mod manual;
mod new_request;
mod oidc;
pub mod page;
mod people;
mod request_actions;
mod request_page;
mod requests_list;
mod resource;
mod resources;
mod review;
mod search;
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
        .route("/login/oidc", get(oidc::start))
        .route("/login/oidc/callback", get(oidc::callback))
        .route("/logout", post(login::logout))
        .route("/requests", get(requests_list::page))
        .route("/audit", get(audit::page))
        .route("/audit/export.jsonl", get(audit::export_jsonl))
        .route("/audit/export.csv", get(audit::export_csv))
        .route("/drift", get(drift::page))
        .route("/drift/retry/{id}", post(drift::retry))
        .route("/chat", get(chat::page).post(chat::ask))
        .route("/requests/{id}", get(request_page::page))
        .route("/requests/{id}/gains", get(review::fragment))
        .route("/requests/{id}/approve", post(request_actions::approve))
        .route("/requests/{id}/deny", post(request_actions::deny))
        .route("/requests/{id}/delete", post(request_actions::delete))
        .route("/requests/{id}/revoke", post(request_actions::revoke))
        .route("/requests/{id}/extend", post(request_actions::extend))
        .route("/requests/{id}/retry", post(request_actions::retry))
        .route(
            "/requests/{id}/provisioned",
            post(request_actions::provisioned),
        )
        .route(
            "/requests/new",
            get(new_request::page).post(new_request::create),
        )
        .route("/requests/new/search", get(search::fragment))
        .route("/identities", get(identities::page))
        .route(
            "/identities/{connection}/{*name}",
            get(identity::page).post(identity::link),
        )
        .route("/people", get(people::page).post(people::add))
        .route("/people/tokens", post(people::create_token))
        .route("/people/tokens/revoke", post(people::revoke_token))
        .route("/resources", get(resources::page))
        .route("/resources/{connection}/{*name}", get(resource::page))
        .route("/static/{file}", get(static_files::serve))
        .layer(axum::middleware::from_fn(page::headers))
}
