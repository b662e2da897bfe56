//! Group commit for the audit chain. Every append takes the chain's head row, so appends made
//! one transaction each wait for one another and each pays a commit: agent tool calls, each
//! audited, ran at a sixteenth of a person's rate. Here a caller queues its entry and the
//! first caller to find the writer free writes every entry waiting, in one transaction, chained
//! in queue order; each caller is answered once its entry is durable (or with the error that
//! kept it out), and a caller whose entry was written by another stops waiting for the turn.
//!
//! On PostgreSQL the batch is written through sqlx in a task of its own, so that a dropped
//! caller never cuts it in half. Two servers on one database still serialise on the head row,
//! so the chain stays one. On SQLite (one machine) an entry goes to this process's journal
//! instead, and is folded into the chain in larger batches (`audit_journal`).

use super::audit_journal::Journal;
use super::portable::with_pool;
use super::sqlite_writer::SqliteWriter;
use super::{Store, StoreError};
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
    /// SQLite's journal; `None` on PostgreSQL.
    journal: Option<Journal>,
}

impl GroupCommit {
    /// For the SQLite store in `data_dir` that `writer` writes.
    pub(super) fn sqlite(writer: SqliteWriter, data_dir: &std::path::Path) -> Self {
        GroupCommit {
            journal: Some(Journal::new(writer, data_dir)),
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

impl Store {
    /// Appends `entry` to the audit chain (with its conversation, if any), batched with
    /// whatever else is waiting; returns once it is committed (on SQLite: once it is in the
    /// journal, which survives the process as a commit does).
    pub async fn append_grouped(&self, entry: Appended) -> Result<(), StoreError> {
        if let Some(journal) = &self.group_commit().journal {
            return journal.append(entry);
        }
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

    /// Returns once everything this process appended is in the chain (on SQLite, folded from
    /// the journal): a read of the chain, the agent log or a conversation first calls this, so
    /// that a caller reads what it wrote.
    pub(crate) async fn settle_appends(&self) -> Result<(), StoreError> {
        match &self.group_commit().journal {
            Some(journal) => journal.settle().await,
            None => Ok(()),
        }
    }

    /// One batch of what is waiting, written and answered.
    async fn write_waiting(&self, group: &std::sync::Arc<GroupCommit>) {
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
