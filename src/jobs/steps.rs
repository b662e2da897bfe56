//! The steps of each job, ordered so that a crash between any two leaves a state the next
//! attempt finishes correctly:
//!
//! - provision: for each change, read whether it already holds and **write that down** before
//!   the GRANT; then GRANT (idempotent on the platform), read it back, and write `active` with the
//!   receipts, the expiry job and the audit event in one transaction. A crash after the GRANT and
//!   before that write re-runs the GRANT, which changes nothing, and keeps the first reading of
//!   `pre_existing`, so a grant Warden made is never mistaken for one it found.
//!   Each change's result is written as soon as it is known, so a later failure never hides a
//!   grant Warden made.
//! - expire / revoke: REVOKE only what Warden added (`pre_existing == false`, or handed over by
//!   another request), read back, then write `closed` with the receipts. A crash in between
//!   re-runs REVOKE, which changes nothing. A grant another live request still relies on is
//!   handed over to it instead of revoked.

use super::{JobError, Outcome, crash_point, panic_point};
use crate::connectors::provisioner::Provisioner;
use crate::model::audit::NewEvent;
use crate::requests::clock::stamp;
use crate::requests::{AccessRequest, Ending, Requests, Status};
use crate::store::jobs::{Job, JobKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;

async fn load(requests: &Requests, id: &str) -> Result<Option<(AccessRequest, i64)>, JobError> {
    Ok(requests.store().request(id).await?)
}

/// Writes `req` at `version`; someone else's write in between means another runner has it.
async fn write(
    requests: &Requests,
    req: &AccessRequest,
    version: &mut i64,
    events: &[NewEvent],
    jobs: &[crate::store::jobs::NewJob],
) -> Result<(), JobError> {
    if !requests
        .store()
        .update_request(req, *version, events, jobs)
        .await?
    {
        return Err(JobError::transient(format!(
            "request {} changed while its job ran",
            req.id
        )));
    }
    *version += 1;
    if !jobs.is_empty() {
        requests.wake().notify_one();
    }
    Ok(())
}

/// One open provisioner per connection the request touches.
async fn provisioners(
    requests: &Requests,
    req: &AccessRequest,
) -> Result<BTreeMap<String, Provisioner>, JobError> {
    let mut out = BTreeMap::new();
    for c in req.connections() {
        let cfg = requests
            .config()
            .connections
            .iter()
            .find(|k| k.name == c)
            .ok_or_else(|| JobError::permanent(format!("connection {c:?} is not configured")))?;
        out.insert(c, Provisioner::connect(cfg).await?);
    }
    Ok(out)
}

async fn close_all(p: BTreeMap<String, Provisioner>) {
    for (_, p) in p {
        p.close().await;
    }
}

pub(super) async fn provision(requests: &Requests, job: &Job) -> Result<Outcome, JobError> {
    let Some((mut req, mut version)) = load(requests, &job.request_id).await? else {
        return Ok(Outcome::Done);
    };
    if req.status() != Status::Approved || req.is_manual() {
        return Ok(Outcome::Done);
    }
    crash_point("provision:claimed");
    panic_point("provision:claimed", &req.id);
    let mut provs = provisioners(requests, &req).await?;
    let result = grant_all(requests, &mut req, &mut version, &mut provs).await;
    close_all(provs).await;
    let receipts = result?;
    crash_point("provision:before_write");
    let jobs = requests.activate(&mut req)?;
    let event = NewEvent::new(
        "warden",
        "provisioned",
        Some(&req.id),
        json!({"receipts": receipts, "expires_at": req.expires_at.map(stamp), "grantees": req.grantees}),
    );
    write(requests, &req, &mut version, &[event], &jobs).await?;
    tracing::info!(request = %req.id, "provisioned");
    Ok(Outcome::Done)
}

async fn grant_all(
    requests: &Requests,
    req: &mut AccessRequest,
    version: &mut i64,
    provs: &mut BTreeMap<String, Provisioner>,
) -> Result<Vec<Value>, JobError> {
    let mut receipts = Vec::new();
    for i in 0..req.changes.len() {
        let conn = req.changes[i].connection.clone();
        let p = provs
            .get_mut(&conn)
            .ok_or_else(|| JobError::permanent(format!("no provisioner for {conn}")))?;
        let change = req.changes[i].change.clone();
        if req.changes[i].granted {
            // Done and written by an earlier attempt.
            receipts.push(json!({"connection": conn, "change": change, "pre_existing": req.changes[i].pre_existing, "holds": true}));
            continue;
        }
        if req.changes[i].pre_existing.is_none() {
            let before = p.holds(&change).await?;
            req.changes[i].pre_existing = Some(before);
            // Written before the GRANT: after it, the platform can no longer say whether the
            // grant was there before Warden. Found held, the request relies on it from this
            // write on; the store refuses it while another request's revoke of it is under way
            // (retried after that revoke, which this reading may have come before).
            write(requests, req, version, &[], &[]).await?;
            if before && !p.holds(&change).await? {
                // Gone between the reading and the write (a revoke that finished in between):
                // not there after all, so it is Warden's to grant.
                req.changes[i].pre_existing = Some(false);
                write(requests, req, version, &[], &[]).await?;
            }
        }
        if req.changes[i].pre_existing == Some(true) {
            receipts.push(
                json!({"connection": conn, "change": change, "pre_existing": true, "holds": true}),
            );
            req.changes[i].granted = true;
            write(requests, req, version, &[], &[]).await?;
            continue;
        }
        let applied = p.grant(&change).await?;
        crash_point("provision:granted");
        if !applied.holds_after {
            return Err(JobError::transient(format!(
                "{} ran on {conn} but the grant does not show in the catalog",
                applied.statement
            )));
        }
        req.changes[i].statements.push(applied.statement.clone());
        req.changes[i].granted = true;
        // Written as soon as it is done: if a later change fails for good, the request is
        // `failed` with this grant on record, and denying it revokes the grant.
        write(requests, req, version, &[], &[]).await?;
        receipts.push(json!({"connection": conn, "change": change, "pre_existing": false, "statement": applied.statement, "holds": true}));
    }
    Ok(receipts)
}

pub(super) async fn unprovision(requests: &Requests, job: &Job) -> Result<Outcome, JobError> {
    let Some((mut req, mut version)) = load(requests, &job.request_id).await? else {
        return Ok(Outcome::Done);
    };
    // A denied request that had failed half-way is revoked too: what Warden granted before the
    // failure must not outlive it.
    let denied = req.status() == Status::Denied && req.is_revoking();
    if req.status() != Status::Active && !denied {
        return Ok(Outcome::Done);
    }
    let ending = match job.kind {
        JobKind::Revoke if req.is_revoking() => Ending::Revoked,
        JobKind::Revoke => return Ok(Outcome::Done),
        _ if req.is_revoking() => return Ok(Outcome::Done),
        _ => {
            let Some(at) = req.expires_at else {
                return Ok(Outcome::Done);
            };
            if at > requests.clock().now() {
                // An extension moved it.
                return Ok(Outcome::Later(at.timestamp_millis()));
            }
            Ending::Expired
        }
    };
    crash_point("expire:claimed");
    let mut receipts = Vec::new();
    let mut remaining = Vec::new();
    if !req.is_manual() {
        let mut provs = provisioners(requests, &req).await?;
        let result = revoke_all(
            requests,
            &mut req,
            &mut version,
            &mut provs,
            &mut receipts,
            &mut remaining,
        )
        .await;
        close_all(provs).await;
        result?;
    }
    crash_point("expire:before_write");
    let now = requests.clock().now();
    let kind = if denied {
        req.finish_denial(now)?;
        "revoked"
    } else {
        req.close(ending, now)?
    };
    let event = NewEvent::new(
        "warden",
        kind,
        Some(&req.id),
        json!({"receipts": receipts, "still_held": remaining, "manual": req.is_manual()}),
    );
    write(requests, &req, &mut version, &[event], &[]).await?;
    tracing::info!(request = %req.id, kind, "closed");
    Ok(Outcome::Done)
}

/// Removes what the request holds of Warden's, change by change. A grant another request of
/// Warden's still relies on is handed over to it instead (it revokes it when it ends); one
/// nobody else relies on is first marked `releasing` (from then on no request may come to rely
/// on it), then revoked.
async fn revoke_all(
    requests: &Requests,
    req: &mut AccessRequest,
    version: &mut i64,
    provs: &mut BTreeMap<String, Provisioner>,
    receipts: &mut Vec<Value>,
    remaining: &mut Vec<Value>,
) -> Result<(), JobError> {
    for i in 0..req.changes.len() {
        let rec = &req.changes[i];
        if rec.revoked {
            continue;
        }
        if !rec.relies() || !rec.is_wardens() {
            // Not Warden's: it was there before, or never granted.
            receipts.push(json!({"connection": rec.connection, "change": rec.change, "left": "pre-existing or never granted"}));
            req.changes[i].revoked = true;
            continue;
        }
        if !rec.releasing {
            let key = rec.key();
            if let Some(heir) = requests.store().relying(&key, &req.id).await?.first() {
                receipts.push(hand_over(requests, req, version, i, heir).await?);
                continue;
            }
            req.changes[i].releasing = true;
            // Refused (retried) if another request came to rely on it meanwhile: the next
            // attempt hands it over.
            write(requests, req, version, &[], &[]).await?;
        }
        let rec = &mut req.changes[i];
        let p = provs
            .get_mut(&rec.connection)
            .ok_or_else(|| JobError::permanent(format!("no provisioner for {}", rec.connection)))?;
        let applied = p.revoke(&rec.change).await?;
        crash_point("expire:revoked");
        rec.statements.push(applied.statement.clone());
        rec.revoked = true;
        rec.releasing = false;
        let receipt = json!({"connection": rec.connection, "change": rec.change, "statement": applied.statement, "holds": applied.holds_after});
        if applied.holds_after {
            // Someone else granted the same thing too (PostgreSQL 16 keeps one row per grantor):
            // Warden's part is gone, theirs stays.
            remaining.push(receipt.clone());
        }
        receipts.push(receipt);
    }
    Ok(())
}

/// Leaves change `i` of `req` in place for `heir`, which relies on the same grant: the heir's
/// change becomes Warden's to revoke, and both requests are written in one transaction (a
/// change to either meanwhile, and the job is retried).
async fn hand_over(
    requests: &Requests,
    req: &mut AccessRequest,
    version: &mut i64,
    i: usize,
    heir: &str,
) -> Result<Value, JobError> {
    let (mut other, other_version) = load(requests, heir).await?.ok_or_else(|| {
        JobError::transient(format!("request {heir} that relies on the grant is gone"))
    })?;
    let key = req.changes[i].key();
    let now = requests.clock().now();
    let mut took = false;
    for c in other
        .changes
        .iter_mut()
        .filter(|c| c.key() == key && c.relies())
    {
        if !c.is_wardens() {
            c.inherited_from = Some(req.id.clone());
        }
        took = true;
    }
    if !took {
        return Err(JobError::transient(format!(
            "request {heir} no longer relies on the grant"
        )));
    }
    other.updated_at = now;
    let rec = &mut req.changes[i];
    rec.revoked = true;
    rec.handed_over_to = Some(other.id.clone());
    let detail = json!({"connection": rec.connection, "change": rec.change});
    let events = [
        NewEvent::new(
            "warden",
            "handed_over",
            Some(&req.id),
            json!({"to": other.id, "grant": detail}),
        ),
        NewEvent::new(
            "warden",
            "taken_over",
            Some(&other.id),
            json!({"from": req.id, "grant": detail}),
        ),
    ];
    if !requests
        .store()
        .update_requests(&[(req, *version), (&other, other_version)], &events, &[])
        .await?
    {
        return Err(JobError::transient(format!(
            "request {} or {heir} changed while the grant was handed over",
            req.id
        )));
    }
    *version += 1;
    tracing::info!(request = %req.id, to = %heir, "grant handed over");
    Ok(
        json!({"connection": detail["connection"], "change": detail["change"], "handed_over_to": heir}),
    )
}

pub(super) async fn remind(requests: &Requests, job: &Job) -> Result<Outcome, JobError> {
    let Some((mut req, mut version)) = load(requests, &job.request_id).await? else {
        return Ok(Outcome::Done);
    };
    if req.status() != Status::Active || req.was_reminded() || req.is_revoking() {
        return Ok(Outcome::Done);
    }
    req.reminded()?;
    // The notice itself goes to the log and the audit trail; Slack delivery hooks in here.
    tracing::info!(request = %req.id, requester = %req.requester, expires_at = ?req.expires_at, "access expires soon");
    let event = NewEvent::new(
        "warden",
        "expiry_reminder",
        Some(&req.id),
        json!({"requester": req.requester, "expires_at": req.expires_at.map(stamp)}),
    );
    write(requests, &req, &mut version, &[event], &[]).await?;
    Ok(Outcome::Done)
}

/// A job out of attempts. Provisioning: the request becomes `failed` with the platform's error
/// (an admin retries or denies it), and the job ends. Revoking: access must not outlive its
/// request, so the job keeps retrying at the longest backoff; the error is recorded once.
/// Returns whether the job should end.
pub(super) async fn give_up(
    requests: &Requests,
    job: &Job,
    error: &str,
) -> Result<bool, crate::error::Problem> {
    let Some((mut req, version)) = requests.store().request(&job.request_id).await? else {
        return Ok(true);
    };
    let now = requests.clock().now();
    let (kind, end) = match job.kind {
        JobKind::Provision if req.status() == Status::Approved => {
            req.fail(error.to_string(), now)?;
            ("failed", true)
        }
        JobKind::Expire | JobKind::Revoke
            if req.status() == Status::Active
                || (req.status() == Status::Denied && req.is_revoking()) =>
        {
            if req.error.as_deref() == Some(error) {
                return Ok(false);
            }
            req.error = Some(error.to_string());
            req.updated_at = now;
            ("revoke_failed", false)
        }
        _ => return Ok(true),
    };
    let event = NewEvent::new(
        "warden",
        kind,
        Some(&req.id),
        json!({"error": error, "attempts": job.attempts}),
    );
    // A lost race here only means another runner recorded it first.
    requests
        .store()
        .update_request(&req, version, &[event], &[])
        .await?;
    Ok(end)
}
