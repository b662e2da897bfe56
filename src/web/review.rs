//! The review card on an open request: the identity or role to update on each connection (among
//! those the service accepts), the privileges to keep, a shorter duration, how many approvals
//! remain, and who newly gains access through the chosen grantee. `GET /requests/{id}/gains`
//! answers that last part alone, for htmx to swap in when the choice changes; without
//! JavaScript the card's Preview button re-renders the page with the choice.

use super::form::FormData;
use super::page::{PageError, render, url_encode};
use super::session::Viewer;
use crate::access::Access;
use crate::app::App;
use crate::requests::AccessRequest;
use crate::requests::gains::{Gainer, newly_gains};
use crate::requests::rules::{Action, check_actor};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use std::collections::BTreeMap;

/// The reviewer's choice as the card's fields carry it: `grantee.CONNECTION`, `privileges`
/// (repeated), `duration`, `reason`.
#[derive(Debug, Default, Clone)]
pub struct Choice {
    pub grantee: BTreeMap<String, String>,
    pub privileges: Vec<String>,
    pub duration: Option<String>,
    pub reason: Option<String>,
    /// The fields came with the form's CSRF token (the Preview button sends them all).
    pub carried_csrf: bool,
}

impl Choice {
    pub fn of(form: &FormData) -> Choice {
        let grantee = form
            .0
            .iter()
            .filter_map(|(k, v)| {
                let conn = k.strip_prefix("grantee.")?;
                let v = v.trim();
                (!v.is_empty()).then(|| (conn.to_string(), v.to_string()))
            })
            .collect();
        Choice {
            grantee,
            privileges: form
                .all("privileges")
                .iter()
                .map(|s| s.to_string())
                .collect(),
            duration: form.get("duration").map(str::to_string),
            reason: form.get("reason").map(str::to_string),
            carried_csrf: form.get(super::form::CSRF_FIELD).is_some(),
        }
    }

    /// The choice as a query string (without the CSRF token).
    pub fn query(&self) -> String {
        let mut parts: Vec<String> = self
            .grantee
            .iter()
            .map(|(c, n)| format!("grantee.{}={}", url_encode(c), url_encode(n)))
            .collect();
        parts.extend(
            self.privileges
                .iter()
                .map(|p| format!("privileges={}", url_encode(p))),
        );
        for (k, v) in [("duration", &self.duration), ("reason", &self.reason)] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", url_encode(v)));
            }
        }
        parts.join("&")
    }
}

/// One eligible grantee, as a radio button.
pub struct GranteeOption {
    pub name: String,
    pub kind: String,
    pub checked: bool,
}

/// The grantees of one connection.
pub struct GranteeRadios {
    pub connection: String,
    pub options: Vec<GranteeOption>,
}

/// Who newly gains access through the chosen grantees (or why that cannot be said yet).
pub struct GainsView {
    pub through: String,
    pub gainers: Vec<Gainer>,
    pub error: Option<String>,
}

pub struct ReviewCard {
    pub connections: Vec<GranteeRadios>,
    /// The privileges asked for, and whether each is kept.
    pub privileges: Vec<(String, bool)>,
    pub duration: String,
    pub reason: String,
    pub given: usize,
    pub required: u32,
    pub gains: GainsView,
}

impl ReviewCard {
    /// Approvals still needed, this one included.
    pub fn remaining(&self) -> u32 {
        self.required.saturating_sub(self.given as u32)
    }
}

/// The card for `r`, with `choice` (or the defaults) selected.
pub async fn card(
    app: &App,
    access: &Access,
    r: &AccessRequest,
    choice: &Choice,
) -> Result<ReviewCard, PageError> {
    let options = app.requests.grantee_options(access, r).await?;
    let connections = options
        .into_iter()
        .map(|o| {
            let picked = choice
                .grantee
                .get(&o.connection)
                .cloned()
                .or_else(|| o.default.clone());
            GranteeRadios {
                options: o
                    .eligible
                    .iter()
                    .map(|name| GranteeOption {
                        kind: kind_of(access, &o.connection, name),
                        checked: picked.as_deref() == Some(name.as_str()),
                        name: name.clone(),
                    })
                    .collect(),
                connection: o.connection,
            }
        })
        .collect();
    let kept = kept_privileges(r, choice);
    Ok(ReviewCard {
        connections,
        privileges: r
            .privileges
            .iter()
            .map(|p| (p.as_str().to_string(), kept.contains(p)))
            .collect(),
        duration: choice.duration.clone().unwrap_or_default(),
        reason: choice.reason.clone().unwrap_or_default(),
        given: r.approvals.len(),
        required: r.approvals_required,
        gains: gains(app, access, r, choice).await,
    })
}

/// The privileges the choice keeps: those asked for that it names (all when it names none).
fn kept_privileges(r: &AccessRequest, choice: &Choice) -> Vec<crate::model::Privilege> {
    let kept: Vec<_> = r
        .privileges
        .iter()
        .filter(|p| {
            choice
                .privileges
                .iter()
                .any(|c| c.eq_ignore_ascii_case(p.as_str()))
        })
        .cloned()
        .collect();
    if kept.is_empty() {
        r.privileges.clone()
    } else {
        kept
    }
}

/// `user`, `role`… of the identity `name` on `conn`.
fn kind_of(access: &Access, conn: &str, name: &str) -> String {
    crate::people::links::exact_identity(access, conn, name)
        .map(|h| access.conn(h.conn).identity(h.id).kind.to_string())
        .unwrap_or_default()
}

/// Who newly gains access if `r` is approved with `choice`: the grantees checked as approve
/// checks them, then the service's own count ([`newly_gains`]).
async fn gains(app: &App, access: &Access, r: &AccessRequest, choice: &Choice) -> GainsView {
    let chosen = (!choice.grantee.is_empty()).then_some(&choice.grantee);
    match app.requests.choose_grantees(access, r, chosen).await {
        Ok(grantees) => {
            let mut narrowed = r.clone();
            narrowed.privileges = kept_privileges(r, choice);
            let through: Vec<String> = grantees
                .iter()
                .map(|g| format!("{} on {}", g.identity, g.connection))
                .collect();
            GainsView {
                through: through.join(", "),
                gainers: newly_gains(access, &narrowed, &grantees),
                error: None,
            }
        }
        Err(e) => GainsView {
            through: String::new(),
            gainers: Vec::new(),
            error: Some(e.message),
        },
    }
}

#[derive(Template)]
#[template(path = "request_gains.html")]
struct GainsFragment {
    gains: GainsView,
}

/// `GET /requests/{id}/gains?grantee.CONNECTION=NAME&privileges=…`: the card's "newly gains"
/// part for that choice, for htmx to swap in. Only for a viewer who may approve the request.
pub async fn fragment(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(fields): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = app.requests.get(&viewer.who, &id).await?.request;
    check_actor(&viewer.who, &r, Action::Approve)?;
    let access = app.access.load();
    let choice = Choice::of(&FormData(fields));
    render(&GainsFragment {
        gains: gains(&app, &access, &r, &choice).await,
    })
}
