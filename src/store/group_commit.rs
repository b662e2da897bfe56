//! Group commit for the audit chain. Every append takes the chain's head row, so appends made
//! one transaction each wait for one another and each pays a commit: agent tool calls, each
//! audited, ran at a sixteenth of a person's rate. Here a caller queues its entry and the
//! first caller to find the writer free writes every entry waiting, in one transaction, chained
//! in queue order; each caller is answered once its entry is durable (or with the error that
//! kept it out), and a caller whose entry was written by another stops waiting for the turn.
//!
//! On SQLite the batch is written by the store's own connection from the calling task
//! (`sqlite_writer`), after the database's write lock is taken and before anything else is
//! awaited, so no batch is ever cut in half; on PostgreSQL through sqlx, in a task of its own
//! for the same reason. Two servers on one database still serialise on the head row, so the
//! chain stays one.

use super::portable::with_pool;
use super::sqlite_writer::{Attempt, SqliteWriter};
use super::{Store, StoreError};
use std::time::Duration;
use tokio::sync::oneshot;

pub use super::rows::appended::Appended;

struct Pending {
    entry: Appended,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The queue and the writer's turn, shared by every clone of a store.
#[derive(Default)]
pub struct GroupCommit {
    queue: std::sync::Mutex<Vec<Pending>>,
    writer: tokio::sync::Mutex<()>,
    /// SQLite's own writer; `None` on PostgreSQL.
    sqlite: Option<SqliteWriter>,
}

impl GroupCommit {
    /// For the SQLite store in `file`.
    pub(super) fn sqlite(file: std::path::PathBuf) -> Self {
        GroupCommit {
            sqlite: Some(SqliteWriter::new(file)),
            ..GroupCommit::default()
        }
    }

    /// Up to [`MAX_BATCH`] entries, oldest first.
    fn take(&self) -> Vec<Pending> {
        let mut queue = lock(&self.queue);
        let take = queue.len().min(MAX_BATCH);
        queue.drain(..take).collect()
    }
}

/// How many entries one transaction takes at most (the rest wait for the next).
const MAX_BATCH: usize = 512;

/// How long to wait before trying SQLite's write lock again, at most: another connection (a
/// request's transition, another server) holds it for about a millisecond.
const BUSY_WAIT_MAX: Duration = Duration::from_millis(8);

/// How long a batch waits for SQLite's write lock before its callers are told it is busy, as
/// sqlx's own connections do.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    /// Appends `entry` to the audit chain (and its agent call to the agent log), batched with
    /// whatever else is waiting; returns once it is committed.
    pub async fn append_grouped(&self, entry: Appended) -> Result<(), StoreError> {
        let group = self.group_commit().clone();
        let (done, mut answer) = oneshot::channel();
        lock(&group.queue).push(Pending { entry, done });
        loop {
            tokio::select! {
                biased;
                written = &mut answer => return written.unwrap_or_else(|_| Err(interrupted())),
                turn = group.writer.lock() => {
                    // Ours may have been written by the writer before us.
                    match answer.try_recv() {
                        Ok(written) => return written,
                        Err(oneshot::error::TryRecvError::Closed) => return Err(interrupted()),
                        Err(oneshot::error::TryRecvError::Empty) => {}
                    }
                    self.write_waiting(&group).await;
                    drop(turn);
                    // Ours was in that batch, or (past MAX_BATCH) waits for the next turn.
                }
            }
        }
    }

    /// One batch of what is waiting, written and answered.
    async fn write_waiting(&self, group: &std::sync::Arc<GroupCommit>) {
        if let Some(sqlite) = &group.sqlite {
            return write_sqlite(group, sqlite).await;
        }
        let batch = group.take();
        if batch.is_empty() {
            return;
        }
        let store = self.clone();
        // A task of its own: the batch is written and answered even if this caller is
        // dropped meanwhile. Awaited, so the next writer starts after it.
        let _ = tokio::spawn(async move { store.write_batch(batch).await }).await;
    }

    /// One transaction for the batch; if it fails, each entry alone, so that one bad entry
    /// fails only its own caller.
    async fn write_batch(&self, batch: Vec<Pending>) {
        let entries: Vec<&Appended> = batch.iter().map(|p| &p.entry).collect();
        let together =
            with_pool!(self, pool, sql => sql::audit::append_batch(pool, &entries).await);
        match together {
            Ok(()) => answer(batch, || Ok(())),
            Err(e) if batch.len() == 1 => {
                let mut e = Some(e);
                answer(batch, || Err(e.take().unwrap_or_else(interrupted)));
            }
            Err(_) => {
                for p in batch {
                    let alone = [&p.entry];
                    let result =
                        with_pool!(self, pool, sql => sql::audit::append_batch(pool, &alone).await);
                    let _ = p.done.send(result);
                }
            }
        }
    }
}

/// SQLite: the write lock tried until it is free (waiting off the thread between tries), then
/// the batch written and answered without an await in between.
async fn write_sqlite(group: &GroupCommit, sqlite: &SqliteWriter) {
    let started = tokio::time::Instant::now();
    let mut wait = Duration::from_micros(250);
    while sqlite.behind() && started.elapsed() < BUSY_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    loop {
        match sqlite.try_write(|| group.take(), |p: &Pending| &p.entry) {
            Attempt::Done(batch, Ok(())) => return answer(batch, || Ok(())),
            Attempt::Done(batch, Err(e)) if batch.len() <= 1 => {
                let mut e = Some(e);
                return answer(batch, || Err(e.take().unwrap_or_else(interrupted)));
            }
            Attempt::Done(batch, Err(_)) => {
                // Each alone, so that one bad entry fails only its own caller.
                for p in batch {
                    let result = match sqlite.try_write(|| vec![p], |p: &Pending| &p.entry) {
                        Attempt::Done(mut one, result) => one.pop().map(|p| (p, result)),
                        Attempt::Busy => None,
                    };
                    if let Some((p, result)) = result {
                        let _ = p.done.send(result);
                    }
                }
                return;
            }
            Attempt::Busy if started.elapsed() >= BUSY_TIMEOUT => {
                let batch = group.take();
                return answer(batch, || {
                    Err(StoreError::Busy("the audit log is busy".into()))
                });
            }
            Attempt::Busy => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(BUSY_WAIT_MAX);
            }
        }
    }
}

/// Each caller of `batch` told `result()`.
fn answer(batch: Vec<Pending>, mut result: impl FnMut() -> Result<(), StoreError>) {
    for p in batch {
        let _ = p.done.send(result());
    }
}

fn interrupted() -> StoreError {
    StoreError::Busy("the audit write was interrupted; it may not have been stored".into())
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
