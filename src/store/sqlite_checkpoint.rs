//! Checkpoints for the SQLite group commit's connection, off the async workers. SQLite's own
//! automatic checkpoint runs inside the commit that crosses its threshold and waits for the
//! disk twice (the log, then the database), on the thread that committed: here a tokio worker,
//! which would stop answering anyone meanwhile. So the writer counts the pages its commits write
//! to the log (estimated from what they hold) and, past SQLite's own threshold, a connection of
//! its own checkpoints on the blocking pool: first PASSIVE (copies what is in the log without
//! holding writers up), then RESTART (the few pages written since, holding writers for that
//! long, so that the next commit starts the log from its beginning; without it a log written
//! to without pause is never reset and grows by every commit). Writers held up by it wait asynchronously (`group_commit`), workers stay free; and
//! when the disk is slower than the writers, the writer waits for the running checkpoint once
//! the log holds twice the usual number of pages, so the log stays bounded. Pages, not commits:
//! a fold's commit holds from one entry to thousands.
//! Durability is unchanged: a commit is in the write-ahead log before it is answered, and the
//! log is synced when it is checkpointed, as before.

use super::sqlite_conn::OwnConnection;
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Pages written to the log between checkpoints: SQLite's default threshold.
const EVERY: u64 = 1000;

/// Pages past the last finished checkpoint's start after which the writer waits for the
/// running one: the log's length stays bounded however slow the disk is.
const AT_MOST: u64 = 2 * EVERY;

pub struct Checkpoint {
    /// Pages written to the log, estimated.
    pages: AtomicU64,
    shared: Arc<Shared>,
}

struct Shared {
    running: AtomicBool,
    /// The page count when the last finished checkpoint started: what it covered.
    covered: AtomicU64,
    conn: OwnConnection,
}

impl Checkpoint {
    pub fn new(file: PathBuf) -> Self {
        Checkpoint {
            pages: AtomicU64::new(0),
            shared: Arc::new(Shared {
                running: AtomicBool::new(false),
                covered: AtomicU64::new(0),
                conn: OwnConnection::new(file),
            }),
        }
    }

    /// Counts a commit of about `pages` pages; starts a checkpoint when one is due and none is
    /// running.
    pub fn committed(&self, pages: u64) {
        self.pages.fetch_add(pages.max(1), Ordering::Relaxed);
        if self.uncovered() >= EVERY {
            self.start();
        }
    }

    /// Too many pages since the last checkpoint: the writer waits (asynchronously) until
    /// this is false. Starts one if none is running.
    pub fn behind(&self) -> bool {
        let behind = self.uncovered() > AT_MOST;
        if behind {
            self.start();
        }
        behind
    }

    fn uncovered(&self) -> u64 {
        let covered = self.shared.covered.load(Ordering::Acquire);
        self.pages.load(Ordering::Relaxed).saturating_sub(covered)
    }

    fn start(&self) {
        if self.shared.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = self.shared.clone();
        let now = self.pages.load(Ordering::Relaxed);
        let run = move || {
            if let Err(e) = shared.checkpoint() {
                // Not fatal: the next one (or any sqlx connection's own) catches up. Counted
                // as covered all the same, so that a failing disk does not stop every write.
                tracing::warn!(error = %e, "audit log checkpoint failed");
            }
            shared.covered.store(now, Ordering::Release);
            shared.running.store(false, Ordering::Release);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(run)),
            Err(_) => run(),
        }
    }
}

impl Shared {
    fn checkpoint(&self) -> rusqlite::Result<()> {
        let open = |file: &std::path::Path| {
            let conn = Connection::open(file)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            Ok(conn)
        };
        self.conn.with(open, |conn| {
            let result = conn.and_then(|conn| {
                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
                conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
            });
            let good = result.is_ok();
            (result, good)
        })
    }
}
