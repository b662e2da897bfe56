//! Audit events chained onto the log's head: the rows both writers of the chain insert (the
//! sqlx one in `portable/audit.rs`, the SQLite group commit's own in `sqlite_writer.rs`).

use crate::model::audit::{NewEvent, chain_hash};

/// An event to chain: its fields as stored, its data as JSON text.
pub struct EventRow<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub request_id: Option<&'a str>,
    pub data: String,
}

impl<'a> EventRow<'a> {
    /// `event`, stamped `at`.
    pub fn of(at: &'a str, event: &'a NewEvent) -> Self {
        EventRow {
            at,
            actor: &event.actor,
            kind: &event.kind,
            request_id: event.request_id.as_deref(),
            data: event.data.to_string(),
        }
    }
}

/// One `audit` row, ready to insert.
pub struct ChainedRow<'a> {
    pub seq: i64,
    pub event: EventRow<'a>,
    pub prev_hash: String,
    pub hash: String,
}

/// The events, chained in order after `head` (the last sequence number and hash written); the
/// new head is the last row's.
pub fn chain<'a>(
    head: (i64, String),
    events: impl IntoIterator<Item = EventRow<'a>>,
) -> Vec<ChainedRow<'a>> {
    let (mut seq, mut prev) = head;
    let events = events.into_iter();
    let mut rows = Vec::with_capacity(events.size_hint().0);
    for event in events {
        seq += 1;
        let hash = chain_hash(
            seq,
            event.at,
            event.actor,
            event.kind,
            event.request_id,
            &event.data,
            &prev,
        );
        let prev_hash = std::mem::replace(&mut prev, hash.clone());
        rows.push(ChainedRow {
            seq,
            event,
            prev_hash,
            hash,
        });
    }
    rows
}
