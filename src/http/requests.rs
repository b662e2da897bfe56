//! `/v1/requests…`: the request workflow over REST (INTERFACE.md "HTTP"). Each handler parses
//! its input (a bad body or parameter is a 400 naming it) and calls the one request service, which
//! decides who may do what in which state; nothing is checked only here.

use super::answer::{Created, NoContent};
use super::error::HttpError;
use super::json_body::{JsonBody, OptionalJsonBody};
use super::query::{Params, PathParams, given, limit};
use crate::app::App;
use crate::error::Problem;
use crate::people::Principal;
use crate::requests::{AccessRequest, Approval, NewRequest, RequestWithHistory, Status};
use aide::axum::ApiRouter;
use aide::axum::routing::{get_with, post_with};
use axum::extract::State;
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub fn routes() -> ApiRouter<App> {
    ApiRouter::new()
        .api_route(
            "/requests",
            post_with(create, |op| {
                op.id("createRequest")
                    .tag("requests")
                    .summary("Create a request for the token's person")
            })
            .get_with(list, |op| {
                op.id("listRequests")
                    .tag("requests")
                    .summary("Requests the caller may see, newest first (requesters: their own)")
            }),
        )
        .api_route(
            "/requests/{id}",
            get_with(one, |op| {
                op.id("getRequest")
                    .tag("requests")
                    .summary("One request with its history")
            })
            .delete_with(delete, |op| {
                op.id("deleteRequest")
                    .tag("requests")
                    .summary("Delete an open request (kept as `deleted`)")
            })
            .patch_with(change, |op| {
                op.id("changeRequest")
                    .tag("requests")
                    .summary("Change an open request no one has approved yet (its requester: duration, reason, privileges)")
            }),
        )
        .api_route(
            "/requests/{id}/approve",
            post_with(approve, |op| {
                op.id("approveRequest")
                    .tag("requests")
                    .summary("Approve (reviewers; never one's own); may narrow, never widen (422)")
            }),
        )
        .api_route(
            "/requests/{id}/deny",
            post_with(deny, |op| {
                op.id("denyRequest")
                    .tag("requests")
                    .summary("Deny an open or failed request (reviewers)")
            }),
        )
        .api_route(
            "/requests/{id}/revoke",
            post_with(revoke, |op| {
                op.id("revokeRequest")
                    .tag("requests")
                    .summary("Revoke an active request now (reviewers)")
            }),
        )
        .api_route(
            "/requests/{id}/extend",
            post_with(extend, |op| {
                op.id("extendRequest")
                    .tag("requests")
                    .summary("Ask for more time: a new linked request, reviewed like any other")
            }),
        )
        .api_route(
            "/requests/{id}/retry",
            post_with(retry, |op| {
                op.id("retryRequest")
                    .tag("requests")
                    .summary("Run a failed request's provisioning again (admins)")
            }),
        )
        .api_route(
            "/requests/{id}/provisioned",
            post_with(provisioned, |op| {
                op.id("markRequestProvisioned")
                    .tag("requests")
                    .summary("Say an approved request was granted by hand (admins)")
            }),
        )
}

/// The request named in the path.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RequestId {
    /// The request's id (`req_…`).
    pub id: String,
}

/// `{"reason"?}`, for deny and revoke.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: Option<String>,
}

/// `{"duration", "reason"?}`, for extend.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendBody {
    /// More time: `8h`, `7d`, `2w`.
    pub duration: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A page of requests.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestPage {
    pub items: Vec<AccessRequest>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `GET /v1/requests` parameters, as text (parsed below, so that a bad one is named).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListQuery {
    /// `open`, `approved`, `active`, `closed`, `denied`, `deleted` or `failed`. Absent: all
    /// but `deleted`.
    pub status: Option<String>,
    /// One person's requests (name or email); requesters may only name themselves.
    pub requester: Option<String>,
    /// Only requests asking for this resource: its full name or a dotted tail of it
    /// (`sales.orders` matches `analytics.sales.orders`), any case, on any connection, or on
    /// one as `CONNECTION/NAME`.
    pub resource: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    #[schemars(with = "Option<u32>", range(min = 1, max = 1000))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

async fn create(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    JsonBody(input): JsonBody<NewRequest>,
) -> Result<Created<AccessRequest>, HttpError> {
    let access = app.access.load();
    Ok(Created(
        app.requests.create(&access, &who, input, None).await?,
    ))
}

async fn list(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    Params(q): Params<ListQuery>,
) -> Result<Json<RequestPage>, HttpError> {
    let status = given(&q.status)
        .map(|s| Status::parse(&s).map_err(|m| Problem::invalid("status", m)))
        .transpose()?;
    let (items, next_cursor) = app
        .requests
        .list(
            &who,
            status,
            given(&q.requester).as_deref(),
            given(&q.resource).as_deref(),
            given(&q.cursor).as_deref(),
            limit(&q.limit)?,
        )
        .await?;
    Ok(Json(RequestPage { items, next_cursor }))
}

async fn one(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
) -> Result<Json<RequestWithHistory>, HttpError> {
    Ok(Json(app.requests.get(&who, &id).await?))
}

async fn approve(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
    OptionalJsonBody(input): OptionalJsonBody<Approval>,
) -> Result<Json<AccessRequest>, HttpError> {
    let access = app.access.load();
    Ok(Json(app.requests.approve(&access, &who, &id, input).await?))
}

async fn deny(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
    OptionalJsonBody(input): OptionalJsonBody<ReasonBody>,
) -> Result<Json<AccessRequest>, HttpError> {
    Ok(Json(app.requests.deny(&who, &id, input.reason).await?))
}

async fn revoke(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
    OptionalJsonBody(input): OptionalJsonBody<ReasonBody>,
) -> Result<Json<AccessRequest>, HttpError> {
    Ok(Json(app.requests.revoke(&who, &id, input.reason).await?))
}

async fn extend(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
    JsonBody(input): JsonBody<ExtendBody>,
) -> Result<Created<AccessRequest>, HttpError> {
    let access = app.access.load();
    let extended = app
        .requests
        .extend(&access, &who, &id, &input.duration, input.reason)
        .await?;
    Ok(Created(extended))
}

async fn change(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
    JsonBody(input): JsonBody<crate::requests::RequestChange>,
) -> Result<Json<AccessRequest>, HttpError> {
    let access = app.access.load();
    Ok(Json(app.requests.change(&access, &who, &id, input).await?))
}

async fn delete(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
) -> Result<NoContent, HttpError> {
    app.requests.delete(&who, &id).await?;
    Ok(NoContent)
}

async fn retry(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
) -> Result<Json<AccessRequest>, HttpError> {
    Ok(Json(app.requests.retry(&who, &id).await?))
}

async fn provisioned(
    State(app): State<App>,
    Extension(who): Extension<Principal>,
    PathParams(RequestId { id }): PathParams<RequestId>,
) -> Result<Json<AccessRequest>, HttpError> {
    Ok(Json(app.requests.mark_provisioned(&who, &id).await?))
}
