//! The buttons on a request's page, as plain form posts (`/requests/{id}/approve|deny|delete|
//! revoke|extend|retry|provisioned`, CSRF-checked by [`Posted`]). Each calls the same service
//! method as the REST API and goes back to the request's page (303); a refused action is shown
//! as an error page with the status the API would answer, and changes nothing.

use super::form::Posted;
use super::page::{PageError, url_encode};
use super::review::Choice;
use crate::app::App;
use crate::requests::Approval;
use axum::extract::{Path, State};
use axum::response::Redirect;

/// The field the review card adds when it shows privilege checkboxes, so that unticking them
/// all is sent as "none kept" (refused by the service) rather than read as "no narrowing".
pub const PRIVILEGES_SHOWN: &str = "privileges_shown";

fn back(id: &str) -> Redirect {
    Redirect::to(&format!("/requests/{}", url_encode(id)))
}

pub async fn approve(
    State(app): State<App>,
    Path(id): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Redirect, PageError> {
    let choice = Choice::of(&form);
    let privileges = if choice.privileges.is_empty() && form.get(PRIVILEGES_SHOWN).is_none() {
        None
    } else {
        Some(choice.privileges)
    };
    let input = Approval {
        grantee: (!choice.grantee.is_empty()).then_some(choice.grantee),
        privileges,
        duration: choice.duration,
        reason: choice.reason,
    };
    let access = app.access.load();
    app.requests
        .approve(&access, &viewer.who, &id, input)
        .await?;
    Ok(back(&id))
}

pub async fn deny(
    State(app): State<App>,
    Path(id): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Redirect, PageError> {
    let reason = form.get("reason").map(str::to_string);
    app.requests.deny(&viewer.who, &id, reason).await?;
    Ok(back(&id))
}

pub async fn delete(
    State(app): State<App>,
    Path(id): Path<String>,
    Posted { viewer, .. }: Posted,
) -> Result<Redirect, PageError> {
    app.requests.delete(&viewer.who, &id).await?;
    Ok(back(&id))
}

pub async fn revoke(
    State(app): State<App>,
    Path(id): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Redirect, PageError> {
    let reason = form.get("reason").map(str::to_string);
    app.requests.revoke(&viewer.who, &id, reason).await?;
    Ok(back(&id))
}

/// Asks for more time: a new request linked to this one, whose page is shown next.
pub async fn extend(
    State(app): State<App>,
    Path(id): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Redirect, PageError> {
    let access = app.access.load();
    let duration = form.get("duration").unwrap_or_default();
    let reason = form.get("reason").map(str::to_string);
    let extension = app
        .requests
        .extend(&access, &viewer.who, &id, duration, reason)
        .await?;
    Ok(back(&extension.id))
}

pub async fn retry(
    State(app): State<App>,
    Path(id): Path<String>,
    Posted { viewer, .. }: Posted,
) -> Result<Redirect, PageError> {
    app.requests.retry(&viewer.who, &id).await?;
    Ok(back(&id))
}

pub async fn provisioned(
    State(app): State<App>,
    Path(id): Path<String>,
    Posted { viewer, .. }: Posted,
) -> Result<Redirect, PageError> {
    app.requests.mark_provisioned(&viewer.who, &id).await?;
    Ok(back(&id))
}
