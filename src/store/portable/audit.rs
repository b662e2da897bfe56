//! Appending to the hash-chained audit log, and reading it back.

use super::Db;
use crate::model::audit::{AuditEvent, AuditFilter, NewEvent};
use crate::store::rows::chained::{EventRow, chain};
use crate::store::StoreError;
use sqlx::{Pool, Row, Transaction};

/// Appends `events` inside `tx`, each chained to the one before. Updating the head row first
/// makes concurrent appenders wait for this transaction.
pub(crate) async fn append(
    tx: &mut Transaction<'static, Db>,
    at: &str,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    append_rows(tx, events.iter().map(|e| EventRow::of(at, e)).collect()).await
}

/// Appends the events in order: one read and one update of the head row, and the rows in one
/// INSERT.
async fn append_rows(
    tx: &mut Transaction<'static, Db>,
    events: Vec<EventRow<'_>>,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let rows = chain((head.try_get("seq")?, head.try_get("hash")?), events);
    let Some(last) = rows.last() else {
        return Ok(());
    };
    let (seq, prev) = (last.seq, last.hash.clone());
    // At most 8 parameters a row: well under either database's limit per statement, a
    // thousand rows at a time.
    for chunk in rows.chunks(1000) {
        let mut insert = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO audit (seq, at, actor, kind, request_id, data, prev_hash, hash) ",
        );
        insert.push_values(chunk, |mut b, row| {
            let event = &row.event;
            b.push_bind(row.seq)
                .push_bind(event.at.to_string())
                .push_bind(event.actor.to_string())
                .push_bind(event.kind.to_string())
                .push_bind(event.request_id.map(str::to_string))
                .push_bind(event.data.clone())
                .push_bind(row.prev_hash.clone())
                .push_bind(row.hash.clone());
        });
        insert.build().execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&prev)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn event(row: &<Db as sqlx::Database>::Row) -> Result<AuditEvent, StoreError> {
    let data: String = row.try_get("data")?;
    Ok(AuditEvent {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        kind: row.try_get("kind")?,
        request_id: row.try_get("request_id")?,
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data)),
        data_text: None,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Events after `filter.after` (and before `filter.before`) matching its other fields, at most
/// `filter.limit`, in order of `seq` (newest first when asked).
pub(crate) async fn list(pool: &Pool<Db>, f: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(list_sql(f)))
        .bind(f.after)
        .bind(f.before)
        .bind(&f.request_id)
        .bind(&f.kind)
        .bind(&f.actor)
        .bind(&f.since)
        .bind(&f.until)
        .bind(f.limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(event).collect()
}

/// [`list`]'s query for `f`'s shape (its values are bound). A request's events are asked for
/// as `request_id = $3`, the form the partial index `audit_by_request` serves (`$3 IS NULL OR
/// …` is served by none: a request's history was a scan of the whole log).
pub(crate) fn list_sql(f: &AuditFilter) -> String {
    let order = if f.newest_first { "DESC" } else { "ASC" };
    let request = if f.request_id.is_some() {
        "request_id = $3"
    } else {
        "$3 IS NULL"
    };
    format!(
        "SELECT seq, at, actor, kind, request_id, data, prev_hash, hash FROM audit
          WHERE seq > $1 AND ($2 IS NULL OR seq < $2)
            AND {request} AND ($4 IS NULL OR kind = $4)
            AND ($5 IS NULL OR actor = $5) AND ($6 IS NULL OR at >= $6)
            AND ($7 IS NULL OR at < $7)
          ORDER BY seq {order} LIMIT $8"
    )
}

/// Up to `limit` events after `after` and up to `upto`, each with its stored text exactly as
/// written (for verification, a page at a time).
pub(crate) async fn raw_page(
    pool: &Pool<Db>,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<AuditEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, kind, request_id, data, prev_hash, hash FROM audit
          WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
    )
    .bind(after)
    .bind(upto)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut e = event(row)?;
        e.data_text = Some(row.try_get("data")?);
        out.push(e);
    }
    Ok(out)
}

/// The head row: the last sequence number written and its hash.
pub(crate) async fn head(pool: &Pool<Db>) -> Result<(i64, String), StoreError> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok((head.try_get("seq")?, head.try_get("hash")?))
}

/// Appends each entry's events (and writes its agent call) in one transaction, chained in
/// order: the group commit's write.
pub(crate) async fn append_batch(
    pool: &Pool<Db>,
    entries: &[&crate::store::rows::appended::Appended],
) -> Result<(), StoreError> {
    use crate::store::portable::WriteTx;
    let mut tx = pool.write_tx().await?;
    let calls: Vec<_> = entries.iter().flat_map(|e| e.call_rows()).collect();
    super::agent_calls::insert_all(&mut tx, &calls).await?;
    for c in entries.iter().filter_map(|e| e.conversation.as_ref()) {
        super::conversations::save(&mut tx, c).await?;
    }
    append_rows(&mut tx, entries.iter().flat_map(|e| e.event_rows()).collect()).await?;
    tx.commit().await?;
    Ok(())
}

/// Appends outside any other change (sync results).
pub(crate) async fn append_alone(
    pool: &Pool<Db>,
    at: &str,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    use crate::store::portable::WriteTx;
    let mut tx = pool.write_tx().await?;
    append(&mut tx, at, events).await?;
    tx.commit().await?;
    Ok(())
}
