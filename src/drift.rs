//! Drift: after a connection is synced, what Warden provisioned is compared with what the
//! platform now shows. A grant Warden made for an active request that is gone (`missing`), or
//! one it revoked for a closed request that is back (`reappeared`), becomes a drift record with
//! an audit event; the record is resolved when a later sync agrees with Warden again.
//!
//! Only Warden's own changes are compared (granted by Warden, or handed over to the request by
//! another of Warden's): a grant that was there before Warden came is not Warden's to account
//! for. A failed request's grants count as held (what Warden granted before the failure stays
//! until the request is denied), and a denied one's as ended.

use crate::app::App;
use crate::connectors::Change;
use crate::error::Problem;
use crate::graph::{ConnGraph, DirectNames};
use crate::people::Principal;
use crate::requests::{AccessRequest, Status};
use crate::store::Store;
use crate::store::drift::{DriftFilter, NewDrift};
use crate::store::requests::RequestFilter;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

pub use crate::store::drift::{DriftKind, DriftRecord};

/// Requests read from the store per page.
const PAGE: i64 = 500;

/// What one comparison changed, and what stays open, for the sync's report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub found: usize,
    pub resolved: usize,
    pub open: usize,
}

/// Compares Warden's record with the graph just imported for `connection`, and writes the
/// differences (new and resolved) to the store.
/// The drift found so far, for `who` (reviewers and admins, as for the audit log).
pub async fn list(
    store: &Store,
    who: &Principal,
    filter: &DriftFilter,
) -> Result<Vec<DriftRecord>, Problem> {
    crate::audit::may_read(who, "reading drift")?;
    Ok(store.drift(filter).await?)
}

pub async fn check(app: &App, connection: &str) -> Result<Outcome, Problem> {
    let mut active = requests(&app.store, Status::Active).await?;
    active.extend(requests(&app.store, Status::Failed).await?);
    let mut closed = requests(&app.store, Status::Closed).await?;
    closed.extend(requests(&app.store, Status::Denied).await?);
    let found = {
        let access = app.access.load();
        match access.graph.connection(connection) {
            Some((_, g)) => differences(g, &active, &closed),
            // Not imported after all: nothing to compare it with.
            None => return Ok(Outcome::default()),
        }
    };
    let open = app
        .store
        .drift(&DriftFilter {
            connection: Some(connection.to_string()),
            limit: i64::MAX,
            ..DriftFilter::default()
        })
        .await?;
    // The usual sync changes nothing: skip the write transaction then.
    let open_keys: BTreeSet<_> = open
        .iter()
        .map(|o| key(&o.request_id, o.kind, &o.detail))
        .collect();
    let found_keys: BTreeSet<_> = found
        .iter()
        .map(|f| key(&f.request_id, f.kind, &f.detail))
        .collect();
    if open_keys == found_keys {
        return Ok(Outcome {
            open: open.len(),
            ..Outcome::default()
        });
    }
    let at = crate::requests::clock::stamp(app.requests.clock().now());
    let changes = app.store.reconcile_drift(connection, &found, &at).await?;
    for r in &changes.found {
        tracing::warn!(connection, request = %r.request_id, kind = r.kind.as_str(), change = %describe(&r.detail), "drift found");
    }
    Ok(Outcome {
        found: changes.found.len(),
        resolved: changes.resolved.len(),
        open: found_keys.len(),
    })
}

/// What makes two differences the same one.
fn key(request_id: &str, kind: DriftKind, detail: &Value) -> (String, DriftKind, String) {
    (request_id.to_string(), kind, detail.to_string())
}

/// Every request in `status`, a page at a time.
async fn requests(store: &Store, status: Status) -> Result<Vec<AccessRequest>, Problem> {
    let mut out = Vec::new();
    let mut filter = RequestFilter {
        status: Some(status),
        limit: PAGE,
        ..RequestFilter::default()
    };
    loop {
        let page = store.requests(&filter).await?;
        let full = page.len() as i64 == PAGE;
        filter.before = page
            .last()
            .map(|r| (crate::model::time::stamp(r.created_at), r.id.clone()));
        out.extend(page);
        if !full {
            return Ok(out);
        }
    }
}

/// The differences between Warden's changes on `g`'s connection and `g` itself.
pub fn differences<'a>(
    g: &ConnGraph,
    active: &'a [AccessRequest],
    closed: &'a [AccessRequest],
) -> Vec<NewDrift> {
    let on_conn = |r: &'a AccessRequest| r.changes.iter().filter(|c| c.connection == g.name);
    // A change some active request holds now is expected to be there, whoever revoked it before.
    let held: Vec<&Change> = active
        .iter()
        .flat_map(on_conn)
        .filter(|c| c.relies())
        .map(|c| &c.change)
        .collect();
    let mut names: Option<DirectNames> = None;
    // The name tables cost a pass over the connection: built only when a change is compared.
    let mut present = |change: &Change| {
        let names = names.get_or_insert_with(|| g.direct_names());
        holds(g, names, change)
    };
    let mut out = Vec::new();
    for r in active {
        // A revoke under way removes the grants on purpose.
        if r.is_revoking() {
            continue;
        }
        for c in on_conn(r) {
            if c.relies() && c.is_wardens() && !present(&c.change) {
                out.push(drift(r, DriftKind::Missing, &c.change));
            }
        }
    }
    for r in closed {
        for c in on_conn(r) {
            if c.revoked
                && c.is_wardens()
                && c.handed_over_to.is_none()
                && !held.contains(&&c.change)
                && present(&c.change)
            {
                out.push(drift(r, DriftKind::Reappeared, &c.change));
            }
        }
    }
    out
}

fn drift(r: &AccessRequest, kind: DriftKind, change: &Change) -> NewDrift {
    NewDrift {
        request_id: r.id.clone(),
        kind,
        detail: serde_json::to_value(change).unwrap_or_default(),
    }
}

/// Whether `change` holds on the graph as the direct grant or membership Warden made.
fn holds(g: &ConnGraph, names: &DirectNames, change: &Change) -> bool {
    match change {
        Change::Privilege {
            privilege,
            resource,
            grantee,
        } => {
            // BigQuery's provisioner grants a role to an IAM member; the snapshot lists the
            // member's identity and the role (a dataset's by its legacy name).
            let (grantee, words) = if g.platform == crate::model::Platform::Bigquery {
                crate::connectors::bigquery::provision::granted_as(grantee, privilege)
            } else {
                (grantee.clone(), vec![privilege.clone()])
            };
            match (names.identity(&grantee), names.resource(resource)) {
                (Some(i), Some(r)) => words.iter().any(|w| g.has_direct_grant(i, w, r)),
                // A dropped role or table holds nothing.
                _ => false,
            }
        }
        Change::Membership { role, member } => {
            match (names.identity(member), names.identity(role)) {
                (Some(m), Some(r)) => g.is_direct_member(m, r),
                _ => false,
            }
        }
    }
}

/// A change in words: `SELECT on shop.sales.orders to alice`, `alice in role analyst`.
pub fn describe(detail: &Value) -> String {
    match serde_json::from_value::<Change>(detail.clone()) {
        Ok(Change::Privilege {
            privilege,
            resource,
            grantee,
        }) => format!("{privilege} on {} to {grantee}", resource.join(".")),
        Ok(Change::Membership { role, member }) => format!("{member} in role {role}"),
        Err(_) => detail.to_string(),
    }
}
