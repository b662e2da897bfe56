//! The SQLite audit chain's own writer, for the audit journal's folds (`audit_journal`): a
//! connection of its own on the store's file, written from the folding task (or, at open, from
//! recovery). Through sqlx every statement of a batch was a hop to its worker thread and back
//! (six a batch); here a batch is plain function calls. The write lock is only tried, never
//! waited for on the thread: when another connection holds it the folder waits asynchronously
//! and tries again.

use super::StoreError;
use super::rows::appended::Appended;
use super::rows::chained::chain;
use super::sqlite_checkpoint::Checkpoint;
use super::sqlite_conn::OwnConnection;
use rusqlite::{Connection, ErrorCode, params};
use std::path::PathBuf;

/// The writer's connection, and the checkpoints it leaves to a helper.
pub struct SqliteWriter {
    conn: OwnConnection,
    checkpoint: Checkpoint,
}

/// A journal's record: its number there, and the entry (boxed: an entry is several hundred
/// bytes, and batches of them moved by value made large allocations, each fold new pages).
pub type Record = (u64, Box<Appended>);

/// What one try did.
pub enum Attempt {
    /// Another connection holds the write lock; `take` was not called.
    Busy,
    /// The batch `take` gave, and whether it was committed.
    Done(Vec<Record>, Result<(), StoreError>),
}

impl SqliteWriter {
    pub fn new(file: PathBuf) -> Self {
        SqliteWriter {
            checkpoint: Checkpoint::new(file.clone()),
            conn: OwnConnection::new(file),
        }
    }

    /// Whether the log has grown past what its checkpoints allow (the caller waits before
    /// writing more).
    pub fn behind(&self) -> bool {
        self.checkpoint.behind()
    }

    /// Takes the write lock if it is free, then the records of the journal `journal` that
    /// `take` gives, and commits them in one transaction, chained after the head, with the
    /// journal's mark (`audit_journal`: folded up to the last of them). `take` is called only
    /// once the lock is held, so that records never leave the queue for a write that cannot
    /// happen yet.
    pub fn try_write(&self, journal: &str, take: impl FnOnce() -> Vec<Record>) -> Attempt {
        self.conn.with(open, |conn| {
            let conn = match conn {
                Ok(conn) => conn,
                Err(e) => return (Attempt::Done(take(), Err(e)), false),
            };
            // BEGIN and COMMIT prepared once (rusqlite's `Transaction` parses them every time).
            let (batch, result) = match run(conn, "BEGIN IMMEDIATE") {
                Err(e) if busy(&e) => return (Attempt::Busy, true),
                Err(e) => (take(), Err(e.into())),
                Ok(()) => {
                    let batch = take();
                    let result = commit(conn, journal, &batch);
                    (batch, result)
                }
            };
            // Whatever went wrong, the next write starts from a fresh connection.
            let good = result.is_ok();
            if let Ok(bytes) = result {
                self.checkpoint.committed(pages_written(bytes));
            }
            (Attempt::Done(batch, result.map(|_| ())), good)
        })
    }

    /// How far the journal `name` was folded into the chain (0 if not at all).
    pub fn folded(&self, name: &str) -> Result<u64, StoreError> {
        self.conn.with(open, |conn| {
            let result = conn.and_then(|conn| {
                let folded = conn
                    .prepare_cached("SELECT folded FROM audit_journal WHERE name = ?1")?
                    .query_row([name], |r| r.get::<_, i64>(0))
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(0),
                        e => Err(e),
                    })?;
                Ok(u64::try_from(folded).unwrap_or(0))
            });
            let good = result.is_ok();
            (result, good)
        })
    }
}

/// The batch's rows, the journal's mark, the commit (inside the transaction the caller began);
/// about how many bytes the rows hold.
fn commit(conn: &Connection, journal: &str, batch: &[Record]) -> Result<usize, StoreError> {
    let entries: Vec<&Appended> = batch.iter().map(|(_, e)| &**e).collect();
    let bytes = write(conn, &entries)?;
    mark_folded(conn, journal, batch.last().map(|(seq, _)| *seq))?;
    run(conn, "COMMIT")?;
    Ok(bytes)
}

/// Records that the journal `name` is folded up to `seq` (if any), in the batch's transaction.
fn mark_folded(conn: &Connection, name: &str, seq: Option<u64>) -> rusqlite::Result<()> {
    let Some(seq) = seq else {
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT INTO audit_journal (name, folded) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET folded = excluded.folded",
    )?
    .execute(params![name, i64::try_from(seq).unwrap_or(i64::MAX)])?;
    Ok(())
}

fn open(file: &std::path::Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(file)?;
    // The store's own settings (store/sqlite.rs): WAL is kept in the file; synchronous is per
    // connection. No busy timeout: a held lock is waited for off the thread.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::ZERO)?;
    // Checkpoints (which wait for the disk) are run off the callers' path by `Checkpoint`.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(conn)
}

/// One statement without parameters, prepared once per connection.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Pages a commit of rows holding about `bytes` writes to the log: the rows' leaf pages, and
/// the few every commit writes (the head, the journal's mark, the b-trees' inner pages).
fn pages_written(bytes: usize) -> u64 {
    4 + bytes.div_ceil(4096) as u64
}

/// Bytes a row takes beside its text: its number, stamps, names and (for an event) two hashes.
const ROW_BYTES: usize = 240;

/// The entries' events chained after the head, their agent calls, the new head (inside the
/// transaction the caller began); about how many bytes the rows hold.
fn write(tx: &Connection, entries: &[&Appended]) -> Result<usize, StoreError> {
    let head = tx
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
        .query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let rows = chain(head, entries.iter().flat_map(|e| e.event_rows()));
    let mut bytes = 0;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO audit (seq, at, actor, kind, request_id, data, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for row in &rows {
            let event = &row.event;
            bytes += ROW_BYTES + event.data.len();
            insert.execute(params![
                row.seq,
                event.at,
                event.actor,
                event.kind,
                event.request_id,
                event.data,
                row.prev_hash,
                row.hash
            ])?;
        }
        let mut call = tx.prepare_cached(
            "INSERT INTO agent_calls (at, person_id, agent, token_id, tool, arguments, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for c in entries.iter().flat_map(|e| e.call_rows()) {
            bytes += ROW_BYTES + c.arguments.len();
            call.execute(params![
                c.at,
                c.person_id,
                c.agent,
                c.token_id,
                c.tool,
                c.arguments,
                c.outcome
            ])?;
        }
        let mut save = tx.prepare_cached(super::portable::sqlite::conversations::SAVE)?;
        for c in entries.iter().filter_map(|e| e.conversation.as_ref()) {
            bytes += ROW_BYTES + c.state.len();
            save.execute(params![c.id, c.owner, c.state, c.at])?;
        }
    }
    if let Some(last) = rows.last() {
        tx.prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1")?
            .execute(params![last.seq, last.hash])?;
    }
    Ok(bytes)
}

fn busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}
