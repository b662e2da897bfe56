//! Drift records: listed, and reconciled with what a sync found, each new or resolved record
//! written with its audit event.

use super::Db;
use super::audit::append;
use crate::model::audit::NewEvent;
use crate::store::StoreError;
use crate::store::portable::WriteTx;
use crate::store::rows::drift::{DriftChanges, DriftFilter, DriftKind, DriftRecord, NewDrift};
use serde_json::{Value, json};
use sqlx::{Pool, Row, Transaction};

const COLUMNS: &str = "id, request_id, connection, kind, detail, found_at, resolved_at";

fn record(row: &<Db as sqlx::Database>::Row) -> Result<DriftRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let detail: String = row.try_get("detail")?;
    Ok(DriftRecord {
        id: row.try_get("id")?,
        request_id: row.try_get("request_id")?,
        connection: row.try_get("connection")?,
        kind: DriftKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("drift kind {kind:?}")))?,
        detail: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
        found_at: row.try_get("found_at")?,
        resolved_at: row.try_get("resolved_at")?,
    })
}

/// Records in order of `(found_at, id)`, after the cursor.
pub(crate) async fn list(pool: &Pool<Db>, f: &DriftFilter) -> Result<Vec<DriftRecord>, StoreError> {
    let (after_at, after_id) = match &f.after {
        Some((at, id)) => (Some(at.clone()), Some(id.clone())),
        None => (None, None),
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM drift
          WHERE ($1 OR resolved_at IS NULL)
            AND ($2 IS NULL OR connection = $2)
            AND ($3 IS NULL OR request_id = $3)
            AND ($4 IS NULL OR found_at > $4 OR (found_at = $4 AND id > $5))
          ORDER BY found_at, id LIMIT $6"
    )))
    .bind(f.include_resolved)
    .bind(&f.connection)
    .bind(&f.request_id)
    .bind(after_at)
    .bind(after_id)
    .bind(f.limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(record).collect()
}

/// What identifies a difference: the same request, kind and change is the same drift.
fn key(request_id: &str, kind: DriftKind, detail: &Value) -> (String, DriftKind, String) {
    (request_id.to_string(), kind, detail.to_string())
}

fn event(kind: &str, r: &DriftRecord) -> NewEvent {
    NewEvent::new(
        "warden",
        kind,
        Some(&r.request_id),
        json!({
            "drift_id": r.id,
            "connection": r.connection,
            "kind": r.kind,
            "change": r.detail,
            "found_at": r.found_at,
        }),
    )
}

async fn open_in(
    tx: &mut Transaction<'static, Db>,
    connection: &str,
) -> Result<Vec<DriftRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM drift WHERE connection = $1 AND resolved_at IS NULL ORDER BY found_at, id"
    )))
    .bind(connection)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(record).collect()
}

/// Adds the differences not yet open and resolves the open ones not found, with their events.
pub(crate) async fn reconcile(
    pool: &Pool<Db>,
    connection: &str,
    found: &[NewDrift],
    at: &str,
) -> Result<DriftChanges, StoreError> {
    let mut tx = pool.write_tx().await?;
    // The audit head's row lock, taken before reading, makes two servers reconciling the same
    // connection at once take turns on PostgreSQL too (SQLite's write lock already does), so
    // neither adds a record the other just added.
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let open = open_in(&mut tx, connection).await?;
    let mut changes = DriftChanges::default();
    let mut seen = std::collections::HashSet::new();
    for d in found {
        let k = key(&d.request_id, d.kind, &d.detail);
        let already = open
            .iter()
            .any(|o| key(&o.request_id, o.kind, &o.detail) == k);
        if already || !seen.insert(k) {
            continue;
        }
        let r = DriftRecord {
            id: crate::model::people::new_id("drift"),
            request_id: d.request_id.clone(),
            connection: connection.to_string(),
            kind: d.kind,
            detail: d.detail.clone(),
            found_at: at.to_string(),
            resolved_at: None,
        };
        sqlx::query(
            "INSERT INTO drift (id, request_id, connection, kind, detail, found_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&r.id)
        .bind(&r.request_id)
        .bind(&r.connection)
        .bind(r.kind.as_str())
        .bind(r.detail.to_string())
        .bind(&r.found_at)
        .execute(&mut *tx)
        .await?;
        changes.found.push(r);
    }
    for mut o in open {
        let k = key(&o.request_id, o.kind, &o.detail);
        if found
            .iter()
            .any(|d| key(&d.request_id, d.kind, &d.detail) == k)
        {
            continue;
        }
        sqlx::query("UPDATE drift SET resolved_at = $1 WHERE id = $2")
            .bind(at)
            .bind(&o.id)
            .execute(&mut *tx)
            .await?;
        o.resolved_at = Some(at.to_string());
        changes.resolved.push(o);
    }
    if changes.found.is_empty() && changes.resolved.is_empty() {
        tx.rollback().await?;
        return Ok(changes);
    }
    let events: Vec<NewEvent> = changes
        .found
        .iter()
        .map(|r| event("drift", r))
        .chain(changes.resolved.iter().map(|r| event("drift_resolved", r)))
        .collect();
    append(&mut tx, at, &events).await?;
    tx.commit().await?;
    Ok(changes)
}
