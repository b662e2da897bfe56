//! Audit events as stored: each carries the hash of the one before it, so that an edited or
//! deleted row breaks the chain where it was touched.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

tokio::task_local! {
    /// The id of the HTTP request being answered (`http::edge` sets it for the request's
    /// task), so that what a request changes names it in the audit log as in the logs.
    pub static HTTP_REQUEST_ID: String;
}

/// An event to append; the store gives it its number, time and hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Who did it: a person's name, `agent "bot" for alice`, `warden` for jobs and rules.
    pub actor: String,
    /// `created`, `approved`, `provisioned`, … (README "Audit log").
    pub kind: String,
    pub request_id: Option<String>,
    pub data: Value,
}

/// The id of the HTTP request being answered, if this runs for one.
pub fn http_request_id() -> Option<String> {
    HTTP_REQUEST_ID.try_with(Clone::clone).ok()
}

impl NewEvent {
    pub fn new(
        actor: impl Into<String>,
        kind: &str,
        request_id: Option<&str>,
        data: Value,
    ) -> NewEvent {
        let mut data = data;
        // Made while an HTTP request is answered: its id, beside what the event says.
        if let (Some(id), Value::Object(fields)) = (http_request_id(), &mut data) {
            fields.insert("http_request_id".into(), Value::String(id));
        }
        NewEvent {
            actor: actor.into(),
            kind: kind.to_string(),
            request_id: request_id.map(str::to_string),
            data,
        }
    }
}

/// An event as stored and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub request_id: Option<String>,
    pub data: Value,
    /// The stored text of `data`, byte for byte (what the hash covers); only for verification.
    #[serde(skip)]
    pub data_text: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events after this sequence number (the paging cursor).
    pub after: i64,
    pub request_id: Option<String>,
    pub kind: Option<String>,
    /// Only this actor's events (exactly as recorded).
    pub actor: Option<String>,
    /// Only events at or after this time (a stored timestamp, or a prefix of one: a date).
    pub since: Option<String>,
    /// Only events before this time (compared as `since`).
    pub until: Option<String>,
    /// Newest first, and only events before this sequence number (its paging cursor); the
    /// dashboard reads the log this way, exports and the API oldest first with `after`.
    pub newest_first: bool,
    pub before: Option<i64>,
    pub limit: i64,
}

impl AuditFilter {
    /// Every event of one kind, oldest first.
    pub fn every(kind: &str) -> Self {
        AuditFilter {
            kind: Some(kind.into()),
            limit: i64::MAX,
            ..AuditFilter::default()
        }
    }
}

/// The hash of an event: SHA-256 over its fields, each length-prefixed so that no text can
/// move from one field into the next, and the previous event's hash.
pub fn chain_hash(
    seq: i64,
    at: &str,
    actor: &str,
    kind: &str,
    request_id: Option<&str>,
    data: &str,
    prev: &str,
) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    for field in [
        seq.as_str(),
        at,
        actor,
        kind,
        request_id.unwrap_or("\u{0}"),
        data,
        prev,
    ] {
        h.update(field.len().to_string().as_bytes());
        h.update(b":");
        h.update(field.as_bytes());
    }
    super::hex(&h.finalize())
}

/// A place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Break {
    /// The event's sequence number (or where one is missing).
    pub seq: i64,
    pub problem: String,
}

/// Checks every event against its stored hash and its predecessor, and the last against the
/// head. Returns every break found (empty: the log is intact).
pub fn verify(events: &[AuditEvent], head_seq: i64, head_hash: &str) -> Vec<Break> {
    let mut check = ChainCheck::default();
    for e in events {
        check.feed(e);
    }
    check.finish(head_seq, head_hash)
}

/// The chain checked one event at a time, in order, so that a log of any length is verified a
/// page at a time without holding it whole.
#[derive(Debug, Clone, Default)]
pub struct ChainCheck {
    prev: String,
    /// The last sequence number seen (0 before the first).
    last: i64,
    seen: usize,
    breaks: Vec<Break>,
}

impl ChainCheck {
    /// Events checked so far.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The sequence number of the last event checked (0 before the first): the next page's cursor.
    pub fn last_seq(&self) -> i64 {
        self.last
    }

    pub fn feed(&mut self, e: &AuditEvent) {
        let expected = self.last + 1;
        if e.seq != expected {
            self.breaks.push(Break {
                seq: expected,
                problem: format!("events {expected}..{} are missing (deleted)", e.seq - 1),
            });
        }
        if e.prev_hash != self.prev {
            self.breaks.push(Break {
                seq: e.seq,
                problem: "its prev_hash is not the hash of the event before it".into(),
            });
        }
        let data = e.data_text.clone().unwrap_or_else(|| e.data.to_string());
        let hash = chain_hash(
            e.seq,
            &e.at,
            &e.actor,
            &e.kind,
            e.request_id.as_deref(),
            &data,
            &e.prev_hash,
        );
        if hash != e.hash {
            self.breaks.push(Break {
                seq: e.seq,
                problem: format!(
                    "its content does not match its hash (edited: {} event by {})",
                    super::words::a(&e.kind),
                    e.actor
                ),
            });
        }
        self.prev = e.hash.clone();
        self.last = e.seq;
        self.seen += 1;
    }

    /// The breaks found, after checking the last event against the head row.
    pub fn finish(mut self, head_seq: i64, head_hash: &str) -> Vec<Break> {
        let expected = self.last + 1;
        if head_seq != self.last {
            self.breaks.push(Break {
                seq: expected,
                problem: format!(
                    "the log ends at event {} but {head_seq} events were written (the last ones were deleted)",
                    self.last
                ),
            });
        } else if head_hash != self.prev {
            self.breaks.push(Break {
                seq: head_seq,
                problem:
                    "the last event's hash is not the one the log recorded when it was written"
                        .into(),
            });
        }
        self.breaks
    }
}
