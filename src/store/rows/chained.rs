//! Audit events chained onto the log's head: the rows both writers of the chain insert (the
//! sqlx one in `portable/audit.rs`, the SQLite group commit's own in `sqlite_writer.rs`).

use crate::model::audit::{NewEvent, chain_hash};

/// One `audit` row, ready to insert.
pub struct ChainedRow<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub event: &'a NewEvent,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Each group's events, stamped with its time, chained in order after `head` (the last sequence
/// number and hash written); the new head is the last row's.
pub fn chain<'a>(head: (i64, String), groups: &[(&'a str, &'a [NewEvent])]) -> Vec<ChainedRow<'a>> {
    let (mut seq, mut prev) = head;
    let mut rows = Vec::with_capacity(groups.iter().map(|(_, e)| e.len()).sum());
    for (at, events) in groups {
        for event in *events {
            seq += 1;
            let data = event.data.to_string();
            let hash = chain_hash(
                seq,
                at,
                &event.actor,
                &event.kind,
                event.request_id.as_deref(),
                &data,
                &prev,
            );
            let prev_hash = std::mem::replace(&mut prev, hash.clone());
            rows.push(ChainedRow {
                seq,
                at,
                event,
                data,
                prev_hash,
                hash,
            });
        }
    }
    rows
}
