//! The audit journal (SQLite): what an agent call or a chat turn must have stored before it is
//! answered is written to a file of this process's own (copied into its mapped pages,
//! `journal_file`), and folded into the hash chain (with the conversations) in batches soon
//! after: at once when the server is idle, every 10 milliseconds under load. A written entry
//! is as durable as SQLite's own commit with `synchronous = NORMAL`: in the operating system's
//! cache, so it survives a killed process, and on disk after the kernel's write-back.
//!
//! Why: a SQLite commit for every one or two calls (its pages written twice, to the log and at
//! the checkpoint: about 15 KB a call) held audited agent calls to a third of a person's rate.
//!
//! Reading the chain, the agent log or a conversation in this process folds first
//! ([`Journal::settle`]), so a caller reads what it wrote; another process sees an entry once
//! it is folded. A journal left by a killed process is folded by the next one to open the store
//! ([`recover`]); each fold's transaction records how far it went (table `audit_journal`), so
//! no entry is folded twice, and a record cut short by the kill (never answered) is dropped.

use super::StoreError;
use super::journal_file::JournalFile;
use super::journal_record;
use super::rows::appended::Appended;
use super::sqlite_writer::{Attempt, Record, SqliteWriter};
use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// Entries one fold writes at most.
const FOLD_AT_MOST: usize = 2048;

/// The pause between folds under load, so that each folds many entries (a reader asking for
/// a fold does not wait for it). Measured (BENCHMARKS.md): at 1 ms a fold's commit held about
/// 15 agent calls and folding took 7% of the machine under agent load, at 10 ms about 150 and
/// 3.6% (each commit writes the b-trees' last pages again, whatever it holds); 30 ms gained
/// nothing more.
const FOLD_GAP: Duration = Duration::from_millis(10);

/// A journal wholly folded and longer than this starts again from its beginning, writing over
/// what it wrote before (`journal_record`: the older records past the newer ones are not read).
/// Not emptied: a page freed and made again costs far more than one written over (measured
/// here: the kernel zeroing each new page took more time than the write itself).
const RESTART_PAST: u64 = 4 << 20;

/// Folds at most in a row while appends are held back for a long journal to start again (each
/// a few milliseconds at most): past them, the workers are let go and the next fold tries again.
const HELD_FOLDS_AT_MOST: usize = 8;

/// How long a fold waits for SQLite's write lock (or a checkpoint) before its readers are told
/// the log is busy, as sqlx's own connections do.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Entries written and not yet folded past which an append is refused as busy: folding has
/// stopped (the database refuses writes, or another process holds its lock), and memory is not
/// spent without bound on entries that wait.
const PENDING_AT_MOST: usize = 200_000;

/// The journal's folder name in the data dir.
pub const DIR: &str = "audit-journal";

/// This process's journal on one store; shared by every clone of the store.
pub struct Journal {
    inner: Arc<Inner>,
}

struct Inner {
    writer: SqliteWriter,
    dir: PathBuf,
    /// The file, made on the first entry.
    file: Mutex<Option<Open>>,
    /// Its name, once made.
    name: OnceLock<String>,
    /// Written, not yet folded, oldest first.
    pending: Mutex<VecDeque<Record>>,
    /// The last record written (0: none).
    written: AtomicU64,
    /// The last record folded.
    folded: watch::Sender<u64>,
    /// Something to fold.
    wake: Arc<Notify>,
    /// A reader waits for a fold: skip the pause.
    urgent: Arc<Notify>,
    /// A folder task is running.
    folding: AtomicBool,
    /// One fold at a time, so that marks and the folded count only go forward.
    fold: Mutex<()>,
}

struct Open {
    file: JournalFile,
    /// The next record's number.
    next: u64,
    /// Where the next record is written: the end of the records written since the journal last
    /// started again (the file may be longer, with older records past it).
    len: u64,
}

impl Journal {
    /// The journal for the store `writer` writes, in `data_dir`.
    pub fn new(writer: SqliteWriter, data_dir: &Path) -> Self {
        Journal {
            inner: Arc::new(Inner {
                writer,
                dir: data_dir.join(DIR),
                file: Mutex::new(None),
                name: OnceLock::new(),
                pending: Mutex::new(VecDeque::new()),
                written: AtomicU64::new(0),
                folded: watch::Sender::new(0),
                wake: Arc::new(Notify::new()),
                urgent: Arc::new(Notify::new()),
                folding: AtomicBool::new(false),
                fold: Mutex::new(()),
            }),
        }
    }

    /// Writes `entry` to the journal; once this returns `Ok` it survives the process.
    pub fn append(&self, entry: Appended) -> Result<(), StoreError> {
        let inner = &self.inner;
        let payload = serde_json::to_vec(&entry)
            .map_err(|e| StoreError::Corrupt(format!("an audit entry cannot be written: {e}")))?;
        if u32::try_from(payload.len()).is_err() {
            return Err(StoreError::Corrupt("an audit entry is over 4 GiB".into()));
        }
        if lock(&inner.pending).len() >= PENDING_AT_MOST {
            self.start_folder();
            return Err(StoreError::Busy(
                "the audit log is busy: entries are waiting to be folded into it".into(),
            ));
        }
        let mut record = Vec::with_capacity(payload.len() + 16);
        {
            let mut file = lock(&inner.file);
            let open = match &mut *file {
                Some(open) => open,
                none => none.insert(inner.create()?),
            };
            let seq = open.next;
            journal_record::encode(&mut record, seq, &payload);
            // At the end of the records written since the journal last started again. A write
            // that fails leaves `len` and the number as they were: the next record is written
            // over whatever part of this one reached the file.
            if let Err(source) = open.file.write_all_at(&record, open.len) {
                return Err(inner.io_error(source));
            }
            open.next += 1;
            let was = open.len;
            open.len += record.len() as u64;
            let mut pending = lock(&inner.pending);
            pending.push_back((seq, Box::new(entry)));
            // A whole batch waits, or the file is long enough to start again: folded now, not
            // after the pause (appends faster than the pause allows would otherwise grow the
            // file past its mapping, and the queue, without bound).
            if pending.len() == FOLD_AT_MOST || (was <= RESTART_PAST && open.len > RESTART_PAST) {
                inner.urgent.notify_one();
            }
            drop(pending);
            inner.written.store(seq, Ordering::Release);
        }
        self.start_folder();
        inner.wake.notify_one();
        Ok(())
    }

    /// Returns once everything this process wrote before the call is in the chain.
    pub async fn settle(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        let target = inner.written.load(Ordering::Acquire);
        if *inner.folded.borrow() >= target {
            return Ok(());
        }
        let mut folded = inner.folded.subscribe();
        self.start_folder();
        inner.wake.notify_one();
        inner.urgent.notify_one();
        match tokio::time::timeout(BUSY_TIMEOUT, folded.wait_for(|f| *f >= target)).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(StoreError::Busy(
                "the audit log is busy: recent entries are not in it yet".into(),
            )),
        }
    }

    /// The folder task, unless one is running; without a runtime, a fold here and now.
    fn start_folder(&self) {
        if self.inner.folding.swap(true, Ordering::AcqRel) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let (wake, urgent) = (self.inner.wake.clone(), self.inner.urgent.clone());
                // Made here, not in the task: a task dropped before it first runs (its runtime
                // shutting down) still marks the folder stopped.
                let running = Running(Arc::downgrade(&self.inner));
                drop(runtime.spawn(fold_loop(running, wake, urgent)));
            }
            Err(_) => {
                self.inner.folding.store(false, Ordering::Release);
                self.inner.fold_blocking();
            }
        }
    }
}

/// Folds while the journal lives; idle, it waits to be woken (and looks every so often whether
/// the journal is gone). Holds the journal only while folding, so that dropping the store ends it.
async fn fold_loop(running: Running, wake: Arc<Notify>, urgent: Arc<Notify>) {
    loop {
        let Some(inner) = running.0.upgrade() else {
            return;
        };
        if lock(&inner.pending).is_empty() {
            drop(inner);
            let _ = tokio::time::timeout(Duration::from_millis(200), wake.notified()).await;
            continue;
        }
        inner.fold_some().await;
        drop(inner);
        tokio::select! {
            () = tokio::time::sleep(FOLD_GAP) => {}
            () = urgent.notified() => {}
        }
    }
}

/// Marks the folder stopped when its task ends, however it ends (its runtime shut down too).
struct Running(Weak<Inner>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(inner) = self.0.upgrade() {
            inner.folding.store(false, Ordering::Release);
        }
    }
}

/// What one try at a fold did.
enum Folded {
    Done,
    Busy,
    Failed(StoreError),
}

impl Inner {
    /// A new file, locked for this process's life (so that no other process recovers it).
    fn create(&self) -> Result<Open, StoreError> {
        private_journal_dir(&self.dir).map_err(|e| self.io_error(e))?;
        let stem = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        let name = format!("{stem}.log");
        let mut options = OpenOptions::new();
        // Read too: a shared mapping that is written needs both.
        options.create_new(true).read(true).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // Made and locked under a name recovery skips, then named: another process's recovery
        // must never find it unlocked (it would remove it, and this process would write to a
        // file that no longer has a name).
        let made = self.dir.join(format!("{stem}.new"));
        let file = options.open(&made).map_err(|e| self.io_error(e))?;
        file.try_lock().map_err(|e| self.io_error(e.into()))?;
        std::fs::rename(&made, self.dir.join(&name)).map_err(|e| self.io_error(e))?;
        let _ = self.name.set(name);
        Ok(Open {
            file: JournalFile::new(file),
            next: 1,
            len: 0,
        })
    }

    /// One batch folded, waiting (asynchronously) for SQLite's write lock and checkpoints; a
    /// batch that fails is put back and tried again after a pause.
    async fn fold_some(&self) {
        let started = Instant::now();
        while self.writer.behind() && started.elapsed() < BUSY_TIMEOUT {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let mut wait = Duration::from_micros(250);
        loop {
            match self.fold_once() {
                Folded::Done => return,
                Folded::Busy if started.elapsed() < BUSY_TIMEOUT => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_millis(8));
                }
                Folded::Busy => return,
                Folded::Failed(e) => {
                    tracing::warn!(error = %e, "folding the audit journal failed; trying again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    return;
                }
            }
        }
    }

    /// Everything pending folded from this thread, for a while at most (no runtime, or the
    /// last handle dropped).
    fn fold_blocking(&self) {
        let started = Instant::now();
        while !lock(&self.pending).is_empty() && started.elapsed() < Duration::from_secs(5) {
            match self.fold_once() {
                Folded::Done => {}
                Folded::Busy => std::thread::sleep(Duration::from_millis(2)),
                Folded::Failed(e) => {
                    tracing::warn!(error = %e, "folding the audit journal failed; the next start folds it");
                    return;
                }
            }
        }
    }

    /// One transaction of the oldest pending entries, if SQLite's write lock is free. A long
    /// journal is folded with appends held back (usually one fold, about a millisecond; a few
    /// when many entries wait, [`HELD_FOLDS_AT_MOST`] at most), so that the folds take
    /// everything written and the file can start again: under steady load there is otherwise
    /// always something written during a fold, and the file would only grow.
    fn fold_once(&self) -> Folded {
        let _one = lock(&self.fold);
        let Some(name) = self.name.get() else {
            return Folded::Done;
        };
        let file = lock(&self.file);
        let long = file.as_ref().is_some_and(|open| open.len > RESTART_PAST);
        // Held through the fold only when long.
        let mut held = if long {
            Some(file)
        } else {
            drop(file);
            None
        };
        // Held: everything waiting is folded (more than one batch, when many are), so that
        // the file can start again now; appending workers wait meanwhile, so not for long.
        let rounds = if held.is_some() {
            HELD_FOLDS_AT_MOST
        } else {
            1
        };
        let (mut folded, mut last) = (Folded::Done, None);
        for _ in 0..rounds {
            let (this, this_last) = self.fold_taken(name);
            (folded, last) = (this, this_last.or(last));
            if !matches!(folded, Folded::Done) || lock(&self.pending).is_empty() {
                break;
            }
        }
        if let (Some(file), Some(last)) = (held.as_mut(), last)
            && let Some(open) = file.as_mut()
            && last + 1 == open.next
        {
            open.len = 0;
        }
        // Readers waiting for these entries are let go only now.
        if let Some(last) = last {
            self.advance(last);
        }
        folded
    }

    /// Folds the oldest pending entries of the journal `name`; and the last one folded (not
    /// yet counted: the caller does that).
    fn fold_taken(&self, name: &str) -> (Folded, Option<u64>) {
        match self.writer.try_write(name, || self.take()) {
            Attempt::Busy => (Folded::Busy, None),
            Attempt::Done(batch, Ok(())) => (Folded::Done, batch.last().map(|(seq, _)| *seq)),
            Attempt::Done(batch, Err(e)) => {
                // A commit that failed may still have landed (an error reported after the log
                // was written): what the mark covers is not folded again.
                let mark = self.writer.folded(name).unwrap_or(0);
                if mark > 0 {
                    self.advance(mark);
                }
                let mut pending = lock(&self.pending);
                for p in batch.into_iter().rev().filter(|(seq, _)| *seq > mark) {
                    pending.push_front(p);
                }
                (Folded::Failed(e), None)
            }
        }
    }

    /// Records `seq` folded; the count only goes forward.
    fn advance(&self, seq: u64) {
        self.folded.send_if_modified(|folded| {
            let forward = seq > *folded;
            if forward {
                *folded = seq;
            }
            forward
        });
    }

    fn take(&self) -> Vec<Record> {
        let mut pending = lock(&self.pending);
        let n = pending.len().min(FOLD_AT_MOST);
        pending.drain(..n).collect()
    }

    fn io_error(&self, source: std::io::Error) -> StoreError {
        StoreError::DataDir {
            path: self.dir.display().to_string(),
            source,
        }
    }
}

/// The last handle is gone: what is left is folded now, and a journal with nothing left in
/// it removed (what cannot be folded now is folded at the next start).
impl Drop for Inner {
    fn drop(&mut self) {
        self.fold_blocking();
        if lock(&self.pending).is_empty()
            && let Some(name) = self.name.get()
        {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
    }
}

/// Folds every journal in `data_dir` that no live process holds (left by one that was
/// killed), then removes it; returns how many entries it folded. Blocking: run at open.
pub fn recover(data_dir: &Path, writer: &SqliteWriter) -> Result<usize, StoreError> {
    let dir = data_dir.join(DIR);
    let io = |source| StoreError::DataDir {
        path: dir.display().to_string(),
        source,
    };
    let listing = match std::fs::read_dir(&dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(e)),
    };
    let mut folded = 0;
    for item in listing {
        let path = item.map_err(io)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".log") {
            continue;
        }
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            // A live process's own.
            Err(std::fs::TryLockError::WouldBlock) => continue,
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let (count, whole) = fold_file(name, &bytes, writer)?;
        folded += count;
        let gone = if whole {
            std::fs::remove_file(&path)
        } else {
            // Kept for an operator (the log says which records): never removed unread.
            std::fs::rename(&path, path.with_extension("unreadable"))
        };
        match gone {
            // Another process's recovery got there first (it took the lock after ours ended).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other.map_err(io)?,
        }
    }
    Ok(folded)
}

/// The records of the journal `name` past its mark, folded; how many, and whether every one
/// could be read (a record whose checksum holds but whose entry does not parse is left out and
/// logged, and the file kept).
fn fold_file(name: &str, bytes: &[u8], writer: &SqliteWriter) -> Result<(usize, bool), StoreError> {
    let (records, whole) = journal_record::decode(bytes);
    if whole < bytes.len() {
        tracing::info!(
            journal = name,
            bytes = bytes.len() - whole,
            "the rest of the audit journal is a record cut short (never answered) or older records written over: not read"
        );
    }
    let mark = writer.folded(name)?;
    let mut entries = Vec::new();
    let mut whole = true;
    for (seq, payload) in records.into_iter().filter(|(seq, _)| *seq > mark) {
        match serde_json::from_slice::<Appended>(payload) {
            Ok(entry) => entries.push((seq, Box::new(entry))),
            Err(e) => {
                tracing::error!(journal = name, record = seq, error = %e, "an audit journal record cannot be read; the file is kept as .unreadable");
                whole = false;
            }
        }
    }
    let count = entries.len();
    let mut rest = entries.into_iter().peekable();
    let started = Instant::now();
    while rest.peek().is_some() {
        let mut chunk = Some(rest.by_ref().take(FOLD_AT_MOST).collect::<Vec<_>>());
        loop {
            match writer.try_write(name, || chunk.take().unwrap_or_default()) {
                Attempt::Done(_, Ok(())) => break,
                Attempt::Done(_, Err(e)) => return Err(e),
                Attempt::Busy if started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Attempt::Busy => {
                    return Err(StoreError::Busy(
                        "the audit log is busy: a journal left by a stopped server cannot be folded".into(),
                    ));
                }
            }
        }
    }
    if count > 0 {
        tracing::info!(
            journal = name,
            entries = count,
            "folded an audit journal left by a stopped process"
        );
    }
    Ok((count, whole))
}

/// The journal's folder, private like the data dir; one made by hand (or restored from a
/// backup) is tightened too.
fn private_journal_dir(dir: &Path) -> std::io::Result<()> {
    super::private_dir::private_dir(dir)?;
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
#[path = "audit_journal_tests.rs"]
mod tests;
