//! The audit log as people and scripts read it: the hash chain verified, and the log written
//! out as JSON lines or CSV, a page at a time. `warden audit …` and `/v1/audit…` share these.

use crate::error::Problem;
use crate::model::audit::{AuditEvent, AuditFilter, Break, ChainCheck, NewEvent};
use crate::people::{Principal, Role};
use crate::store::Store;
use chrono::{Days, NaiveDate};
use schemars::JsonSchema;
use serde::Serialize;
use std::borrow::Cow;

/// Events read from the store per page while exporting.
const PAGE: i64 = 1000;

/// The CSV columns, in order (README "Audit log").
pub const CSV_COLUMNS: [&str; 8] = [
    "seq",
    "at",
    "actor",
    "kind",
    "request_id",
    "data",
    "prev_hash",
    "hash",
];

/// What `audit verify` found.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Verification {
    /// True when the chain holds from the first event to the recorded head.
    pub ok: bool,
    /// Events read.
    pub events: usize,
    pub breaks: Vec<Break>,
}

/// Reading the log, checking it and what was found against it (drift) are for reviewers and
/// admins (INTERFACE.md "Who may do what"); every edge asks here.
pub fn may_read(who: &Principal, what: &str) -> Result<(), Problem> {
    who.require(Role::Reviewer, what)
}

/// A page of the log, for `who`.
pub async fn page(
    store: &Store,
    who: &Principal,
    filter: &AuditFilter,
) -> Result<Vec<AuditEvent>, Problem> {
    may_read(who, "reading the audit log")?;
    Ok(store.audit(filter).await?)
}

/// [`verify`], for `who`.
pub async fn verify_for(store: &Store, who: &Principal) -> Result<Verification, Problem> {
    may_read(who, "verifying the audit log")?;
    verify(store).await
}

/// What the dashboard shows of the chain: the check, and the head it checked up to.
#[derive(Debug, Clone)]
pub struct ChainStatus {
    pub verification: Verification,
    /// The last event's sequence number and hash, as the head row records them.
    pub head_seq: i64,
    pub head_hash: String,
}

/// [`verify`] with the head it checked against, for `who`.
pub async fn status_for(store: &Store, who: &Principal) -> Result<ChainStatus, Problem> {
    may_read(who, "verifying the audit log")?;
    check(store).await
}

/// Checks the chain a page at a time (a log of any length, in bounded memory), hashing off the
/// async threads. Events appended while it runs are past the head it read first, and left for
/// the next check.
pub async fn verify(store: &Store) -> Result<Verification, Problem> {
    Ok(check(store).await?.verification)
}

async fn check(store: &Store) -> Result<ChainStatus, Problem> {
    let (head_seq, head_hash) = store.audit_head().await?;
    let mut check = ChainCheck::default();
    loop {
        let page = store
            .audit_raw_page(check.last_seq(), head_seq, PAGE)
            .await?;
        if page.is_empty() {
            break;
        }
        check = tokio::task::spawn_blocking(move || {
            for e in &page {
                check.feed(e);
            }
            check
        })
        .await
        .map_err(|e| Problem::internal(format!("audit verification failed: {e}")))?;
    }
    let events = check.seen();
    let breaks = check.finish(head_seq, &head_hash);
    Ok(ChainStatus {
        verification: Verification {
            ok: breaks.is_empty(),
            events,
            breaks,
        },
        head_seq,
        head_hash,
    })
}

/// One `import` event: who loaded a snapshot, and what it held per connection.
pub async fn record_import(
    store: &Store,
    at: &str,
    actor: &str,
    summary: &[crate::model::ImportedConnection],
    generation: i64,
) -> Result<(), Problem> {
    let event = NewEvent::new(
        actor,
        "import",
        None,
        serde_json::json!({"connections": summary, "generation": generation}),
    );
    store.append_audit(at, &[event]).await?;
    Ok(())
}

/// A time filter (`since`, `until`) as the stored timestamps compare: a date is its day's start (for `until`, the
/// next day's, so the day itself is included); a full time is written as the store writes times.
pub fn time_bound(field: &str, value: &str, end_of_day: bool) -> Result<Option<String>, Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(day) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let day = if end_of_day {
            day.checked_add_days(Days::new(1)).unwrap_or(day)
        } else {
            day
        };
        return Ok(Some(day.format("%Y-%m-%d").to_string()));
    }
    match crate::model::time::parse_stamp(v) {
        Some(t) => Ok(Some(crate::model::time::stamp(t))),
        None => Err(Problem::invalid(
            field,
            format!("{v:?} is not a date (2026-12-06) or an RFC 3339 time"),
        )),
    }
}

/// How the log is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line, as `GET /v1/audit` shows each event.
    Jsonl,
    /// A header row, then one row per event; `data` holds the event's JSON text.
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("{s:?} is not an export format (jsonl or csv)")),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jsonl => "application/x-ndjson",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }

    /// One event as a line (ending in a newline).
    pub fn line(self, e: &AuditEvent) -> String {
        match self {
            Format::Jsonl => {
                let mut s = serde_json::to_string(e).unwrap_or_default();
                s.push('\n');
                s
            }
            Format::Csv => {
                let seq = e.seq.to_string();
                // The data column is the text the hash covers, so that the chain can be checked
                // from the file alone.
                let data = e.data.to_string();
                let fields = [
                    seq.as_str(),
                    &e.at,
                    &e.actor,
                    &e.kind,
                    e.request_id.as_deref().unwrap_or(""),
                    &data,
                    &e.prev_hash,
                    &e.hash,
                ];
                let mut s = fields.map(csv_field).join(",");
                s.push('\n');
                s
            }
        }
    }
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break. Values are
/// written as stored, never altered: this is evidence, not a spreadsheet.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// An export under way: the matching events, a page of text at a time.
pub struct Export {
    store: Store,
    filter: AuditFilter,
    format: Format,
    /// Events still to write, when a limit was given.
    remaining: Option<i64>,
    started: bool,
    done: bool,
}

impl Export {
    /// Events of `request_id` and `kind` (when given) after sequence number `after`, at most
    /// `limit` of them (all when none).
    pub fn new(
        store: Store,
        format: Format,
        request_id: Option<String>,
        kind: Option<String>,
        after: i64,
        limit: Option<i64>,
    ) -> Export {
        let filter = AuditFilter {
            after,
            request_id,
            kind,
            ..AuditFilter::default()
        };
        Export::filtered(store, format, filter, limit)
    }

    /// The events `filter` selects, oldest first (the order the chain is checked in, whatever
    /// order the filter asked for), at most `limit` of them (all when none).
    pub fn filtered(
        store: Store,
        format: Format,
        filter: AuditFilter,
        limit: Option<i64>,
    ) -> Export {
        Export {
            store,
            filter: AuditFilter {
                newest_first: false,
                limit: PAGE,
                ..filter
            },
            format,
            remaining: limit.map(|l| l.max(0)),
            started: false,
            done: false,
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The next piece of the file (the CSV header comes with the first), or `None` at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<String>, Problem> {
        if self.done {
            return Ok(None);
        }
        let mut out = String::new();
        if !self.started {
            self.started = true;
            if self.format == Format::Csv {
                out.push_str(&CSV_COLUMNS.join(","));
                out.push('\n');
            }
        }
        self.filter.limit = self.remaining.map_or(PAGE, |r| r.min(PAGE));
        let events = if self.filter.limit > 0 {
            self.store.audit(&self.filter).await?
        } else {
            Vec::new()
        };
        if (events.len() as i64) < self.filter.limit || events.is_empty() {
            self.done = true;
        }
        if let Some(r) = &mut self.remaining {
            *r -= events.len() as i64;
        }
        if let Some(last) = events.last() {
            self.filter.after = last.seq;
        }
        for e in &events {
            out.push_str(&self.format.line(e));
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_its_whole_day_and_a_time_is_written_as_stored() {
        assert_eq!(
            time_bound("since", "2026-12-06", false).unwrap().as_deref(),
            Some("2026-12-06")
        );
        assert_eq!(
            time_bound("until", "2026-12-31", true).unwrap().as_deref(),
            Some("2027-01-01")
        );
        assert_eq!(
            time_bound("since", "2026-12-06T10:00:00+01:00", false)
                .unwrap()
                .as_deref(),
            Some("2026-12-06T09:00:00.000000Z")
        );
        assert_eq!(time_bound("until", " ", true).unwrap(), None);
        let bad = time_bound("until", "last week", true).unwrap_err();
        assert_eq!(bad.path.as_deref(), Some("until"));
    }
}
