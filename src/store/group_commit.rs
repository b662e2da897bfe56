//! Group commit for the audit chain. Every append takes the chain's head row, so appends made
//! one transaction each wait for one another and each pays a commit: agent tool calls, each
//! audited, ran at a sixteenth of a person's rate. Here a caller queues its entry and the
//! first caller to find the writer free writes every entry waiting, in one transaction, chained
//! in queue order; each caller is answered once its entry is durable (or with the error that
//! kept it out). The write runs in a task of its own, so a caller that goes away (a client
//! hanging up) cannot cut a batch in half; two servers on one database still serialise on the
//! head row, so the chain stays one.

use super::portable::with_pool;
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
}

/// How many entries one transaction takes at most (the rest wait for the next).
const MAX_BATCH: usize = 512;

impl Store {
    /// Appends `entry` to the audit chain (and its agent call to the agent log), batched with
    /// whatever else is waiting; returns once it is committed.
    pub async fn append_grouped(&self, entry: Appended) -> Result<(), StoreError> {
        let group = self.group_commit();
        let (done, mut answer) = oneshot::channel();
        lock(&group.queue).push(Pending { entry, done });
        let turn = group.writer.lock().await;
        // Written by the writer before us while we waited for the turn.
        if let Ok(result) = answer.try_recv() {
            return result;
        }
        let batch: Vec<Pending> = {
            let mut queue = lock(&group.queue);
            let take = queue.len().min(MAX_BATCH);
            queue.drain(..take).collect()
        };
        if !batch.is_empty() {
            let store = self.clone();
            // A task of its own: the batch is written and answered even if this caller is
            // dropped meanwhile. Awaited, so the next writer starts after it.
            let _ = tokio::spawn(async move { store.write_batch(batch).await }).await;
        }
        drop(turn);
        // Ours was in that batch, in an earlier one, or (past MAX_BATCH) is the next writer's.
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Busy(
                "the audit write was interrupted; it may not have been stored".into(),
            ))
        })
    }

    /// One transaction for the batch; if it fails, each entry alone, so that one bad entry
    /// fails only its own caller.
    async fn write_batch(&self, batch: Vec<Pending>) {
        let entries: Vec<&Appended> = batch.iter().map(|p| &p.entry).collect();
        let together =
            with_pool!(self, pool, sql => sql::audit::append_batch(pool, &entries).await);
        match together {
            Ok(()) => {
                for p in batch {
                    let _ = p.done.send(Ok(()));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some(p) = batch.into_iter().next() {
                    let _ = p.done.send(Err(e));
                }
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

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
