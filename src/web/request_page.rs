//! `/requests/{id}`: one request as its reader may see it (what was asked, why, for how long, who
//! drafted it, its decisions, changes and history), the requester's current access to what was
//! asked with the paths behind it, and the buttons of exactly the actions the service would let
//! this viewer take now ([`crate::requests::rules::permitted`]).

use super::manual::ManualStep;
use super::page::{Layout, PageError, render, url_encode};
use super::review::{self, ReviewCard};
use super::session::Viewer;
use crate::app::App;
use crate::model::audit::AuditEvent;
use crate::model::change::Change;
use crate::requests::AccessRequest;
use crate::requests::rules::{Action, permitted};
use crate::tools::held::{self, Held};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

/// One line of the request's history.
pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub kind: String,
    /// The event's data, as compact JSON (escaped when shown).
    pub detail: String,
}

/// One change Warden makes (or made) on a platform for the request.
pub struct ChangeRow {
    pub connection: String,
    /// `SELECT on prod.crm.leads to maya`, `maya into analyst`.
    pub text: String,
    pub granted: bool,
    pub held_before: bool,
    pub revoked: bool,
    pub statements: Vec<String>,
}

fn changes(r: &AccessRequest) -> Vec<ChangeRow> {
    r.changes
        .iter()
        .map(|c| ChangeRow {
            connection: c.connection.clone(),
            text: match &c.change {
                Change::Privilege {
                    privilege,
                    resource,
                    grantee,
                } => format!("{privilege} on {} to {grantee}", resource.join(".")),
                Change::Membership { role, member } => format!("{member} into {role}"),
            },
            granted: c.granted,
            held_before: c.pre_existing == Some(true),
            revoked: c.revoked,
            statements: c.statements.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    layout: Layout,
    r: AccessRequest,
    drafted: String,
    history: Vec<HistoryRow>,
    current: Vec<Held>,
    changes: Vec<ChangeRow>,
    can: Can,
    review: Option<ReviewCard>,
    manual: Vec<ManualStep>,
}

/// The actions the viewer may take, one flag each (the buttons shown).
#[derive(Default)]
struct Can {
    approve: bool,
    deny: bool,
    delete: bool,
    revoke: bool,
    extend: bool,
    retry: bool,
    provisioned: bool,
}

impl Can {
    fn of(actions: &[Action]) -> Can {
        let has = |a| actions.contains(&a);
        Can {
            approve: has(Action::Approve),
            deny: has(Action::Deny),
            delete: has(Action::Delete),
            revoke: has(Action::Revoke),
            extend: has(Action::Extend),
            retry: has(Action::Retry),
            provisioned: has(Action::MarkProvisioned),
        }
    }

    fn any(&self) -> bool {
        self.approve
            || self.deny
            || self.delete
            || self.revoke
            || self.extend
            || self.retry
            || self.provisioned
    }
}

/// Who wrote the request down, in words.
pub fn drafted_by(r: &AccessRequest) -> String {
    r.drafted_by.describe()
}

fn history(events: Vec<AuditEvent>) -> Vec<HistoryRow> {
    events
        .into_iter()
        .map(|e| HistoryRow {
            detail: match &e.data {
                // Empty, or the whole request as created: the page above shows it already.
                serde_json::Value::Object(m)
                    if m.is_empty() || (m.len() == 1 && m.contains_key("request")) =>
                {
                    String::new()
                }
                serde_json::Value::Null => String::new(),
                d => d.to_string(),
            },
            at: e.at,
            actor: e.actor,
            kind: e.kind,
        })
        .collect()
}

/// `GET /requests/{id}` (with `?grantee.CONNECTION=NAME&privileges=…` from the review card's
/// Preview button: the card shown with that choice).
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(fields): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let choice = review::Choice::of(&super::form::FormData(fields));
    if choice.carried_csrf {
        // The Preview button submits the whole card, CSRF field included: keep that token out
        // of the address bar and the history.
        let clean = choice.query();
        let to = if clean.is_empty() {
            format!("/requests/{}", url_encode(&id))
        } else {
            format!("/requests/{}?{clean}", url_encode(&id))
        };
        return Ok(Redirect::to(&to).into_response());
    }
    let access = app.access.load();
    let got = app.requests.get(&viewer.who, &id).await?;
    let r = got.request;
    let can = Can::of(&permitted(&viewer.who, &r));
    let review = if can.approve {
        Some(review::card(&app, &access, &r, &choice).await?)
    } else {
        None
    };
    let manual = if can.provisioned {
        super::manual::steps(&access, &r)
    } else {
        Vec::new()
    };
    let current = held::of(&app.store, &access, &r).await?;
    render(&RequestPage {
        layout: viewer.layout(format!("Request {}", r.id), "requests"),
        drafted: drafted_by(&r),
        history: history(got.history),
        current,
        changes: changes(&r),
        can,
        review,
        manual,
        r,
    })
}
