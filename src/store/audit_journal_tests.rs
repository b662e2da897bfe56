//! The audit journal against real SQLite files: a journal left by a killed process folded once
//! (and its torn tail dropped; started again, only its newer records), a live process's journal
//! left alone, a long one started again
//! under steady appends, an unreadable record kept for an operator, the folder back after its
//! runtime ended. On two worker threads, so that folds run between appends.

use super::*;
use crate::model::audit::{AuditFilter, NewEvent};
use crate::store::Store;
use serde_json::json;

fn entry(n: usize, padding: usize) -> Appended {
    Appended {
        at: "2026-12-07T10:00:00Z".into(),
        events: vec![NewEvent::new(
            "agent \"bot\" for maya",
            "agent_tool_call",
            None,
            json!({"n": n, "padding": "x".repeat(padding)}),
        )],
        ..Appended::default()
    }
}

/// The `n` of every event in the chain, in chain order; and whether the chain verifies.
async fn chain(store: &Store) -> (Vec<u64>, bool) {
    let filter = AuditFilter::every("agent_tool_call");
    let mut events = store.audit(&filter).await.unwrap();
    events.sort_by_key(|e| e.seq);
    let ns = events
        .iter()
        .map(|e| e.data["n"].as_u64().unwrap())
        .collect();
    let (head_seq, head_hash) = store.audit_head().await.unwrap();
    let all = store.audit_raw_page(0, head_seq, i64::MAX).await.unwrap();
    let breaks = crate::model::audit::verify(&all, head_seq, &head_hash);
    (ns, breaks.is_empty())
}

/// Entry `n` as journal record number `n`.
fn record(n: u64, padding: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    let payload = serde_json::to_vec(&entry(n as usize, padding)).unwrap();
    journal_record::encode(&mut bytes, n, &payload);
    bytes
}

/// A store in `data_dir` whose journal `name`, holding `bytes`, was left by a killed process
/// after it had folded `folded` (their rows and the mark in one transaction).
async fn left_by_a_killed_process(
    data_dir: &Path,
    name: &str,
    folded: Vec<(u64, Appended)>,
    bytes: &[u8],
) {
    drop(Store::open_data_dir(data_dir).await.unwrap());
    let writer = SqliteWriter::new(data_dir.join("warden.db"));
    let folded: Vec<Record> = folded.into_iter().map(|(n, e)| (n, Box::new(e))).collect();
    let done = writer.try_write(name, || folded);
    assert!(matches!(done, Attempt::Done(_, Ok(()))));
    drop(writer);
    private_journal_dir(&data_dir.join(DIR)).unwrap();
    std::fs::write(data_dir.join(DIR).join(name), bytes).unwrap();
}

fn journal_files(data_dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(data_dir.join(DIR)) {
        Ok(listing) => listing.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_left_by_a_killed_process_is_folded_once_without_its_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    // Records 1-5 written, 1-2 folded before the kill, record 6 cut short by it.
    let mut bytes: Vec<u8> = (1..=6).flat_map(|n| record(n, 0)).collect();
    bytes.truncate(bytes.len() - 7);
    let folded = vec![(1, entry(1, 0)), (2, entry(2, 0))];
    left_by_a_killed_process(dir.path(), "4242-00000000deadbeef.log", folded, &bytes).await;

    let store = Store::open_data_dir(dir.path()).await.unwrap();
    assert_eq!(chain(&store).await, (vec![1, 2, 3, 4, 5], true));
    assert!(
        journal_files(dir.path()).is_empty(),
        "the folded journal is removed"
    );
    drop(store);

    let store = Store::open_data_dir(dir.path()).await.unwrap();
    assert_eq!(chain(&store).await, (vec![1, 2, 3, 4, 5], true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_journal_started_again_gives_only_its_newer_records() {
    let dir = tempfile::tempdir().unwrap();
    // Records 1-5 (large) written and folded, the journal started again: records 6-7 (small)
    // written over the start of record 1, not yet folded at the kill.
    let mut bytes: Vec<u8> = (1..=5).flat_map(|n| record(n, 300)).collect();
    let newer: Vec<u8> = (6..=7).flat_map(|n| record(n, 0)).collect();
    assert!(newer.len() < bytes.len());
    bytes[..newer.len()].copy_from_slice(&newer);
    let folded = (1..=5).map(|n| (n, entry(n as usize, 300))).collect();
    left_by_a_killed_process(dir.path(), "4242-00000000feedface.log", folded, &bytes).await;

    let store = Store::open_data_dir(dir.path()).await.unwrap();
    assert_eq!(chain(&store).await, (vec![1, 2, 3, 4, 5, 6, 7], true));
    assert!(journal_files(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_journal_is_left_to_its_process_and_read_back_once_folded() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open_data_dir(dir.path()).await.unwrap();
    for n in 1..=3 {
        first.append_grouped(entry(n, 0)).await.unwrap();
    }
    // A second process opening the store meanwhile (another handle here: the lock is per open
    // file) must not fold the first one's journal.
    let second = Store::open_data_dir(dir.path()).await.unwrap();
    assert_eq!(journal_files(dir.path()).len(), 1);
    // The writer reads what it wrote.
    assert_eq!(chain(&first).await, (vec![1, 2, 3], true));
    first.append_grouped(entry(4, 0)).await.unwrap();
    drop(first);
    // The folder task is a handle too while it folds (it may be folding record 4 now): the
    // journal goes when it lets go.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !journal_files(dir.path()).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        journal_files(dir.path()).is_empty(),
        "the last handle folds what is left and removes its journal"
    );
    assert_eq!(chain(&second).await, (vec![1, 2, 3, 4], true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_journal_starts_again_once_folded_and_numbering_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_data_dir(dir.path()).await.unwrap();
    // About 5 MiB, past the restart length.
    let count = 80;
    for n in 1..=count {
        store.append_grouped(entry(n, 64 << 10)).await.unwrap();
    }
    store.audit_head().await.unwrap();
    let files = journal_files(dir.path());
    assert_eq!(files.len(), 1);
    let before = std::fs::metadata(&files[0]).unwrap().len();
    assert!(before > RESTART_PAST, "{before} bytes");
    store.append_grouped(entry(count + 1, 0)).await.unwrap();
    // Written over its start, not grown.
    assert_eq!(std::fs::metadata(&files[0]).unwrap().len(), before);
    let expected: Vec<u64> = (1..=count as u64 + 1).collect();
    assert_eq!(chain(&store).await, (expected.clone(), true));
    // The records since the last restart are numbered on from the ones before it; the older
    // ones past them are not read.
    let bytes = std::fs::read(&files[0]).unwrap();
    let (records, _) = journal_record::decode(&bytes);
    let seqs: Vec<u64> = records.iter().map(|r| r.0).collect();
    assert!(seqs[0] > 1, "started again: {seqs:?}");
    assert_eq!(*seqs.last().unwrap(), count as u64 + 1);
    assert_eq!(seqs, (seqs[0]..=count as u64 + 1).collect::<Vec<_>>());
    // Put back as a killed process would have left it (the last handle removed it): its
    // records are already folded, and the mark says so.
    drop(store);
    std::fs::write(&files[0], &bytes).unwrap();
    let store = Store::open_data_dir(dir.path()).await.unwrap();
    assert!(journal_files(dir.path()).is_empty());
    assert_eq!(chain(&store).await, (expected, true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_under_steady_appends_starts_again_as_it_is_folded() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_data_dir(dir.path()).await.unwrap();
    // About 18 MB from four writers that pause for a millisecond every 16 entries (a steady
    // load the database absorbs; appends copied into the mapped file outrun any folding, and
    // past what the checkpoints allow the folds wait: then the file can only grow): there is
    // always something written during a fold, and still the file must start again (it grows
    // to the furthest point written before a restart: past 4 MiB by what was written while a
    // fold waited).
    let (writers, each) = (4, 4000);
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..each {
                    store
                        .append_grouped(entry(w * each + i, 1 << 10))
                        .await
                        .unwrap();
                    if i % 16 == 15 {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    store.audit_head().await.unwrap();
    let files = journal_files(dir.path());
    let bytes = std::fs::read(&files[0]).unwrap();
    let written = (writers * each) as u64;
    assert!(
        (bytes.len() as u64) < written * (1 << 10),
        "the journal grew to {} bytes",
        bytes.len()
    );
    // What is read back from it is the records since it last started again, numbered on.
    let (records, _) = journal_record::decode(&bytes);
    let first = records.first().map_or(written + 1, |r| r.0);
    assert!(first > 1, "never started again");
    assert_eq!(first + records.len() as u64 - 1, written);
    let (mut ns, verified) = chain(&store).await;
    assert!(verified);
    ns.sort_unstable();
    assert_eq!(ns, (0..(writers * each) as u64).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_record_keeps_its_journal_for_an_operator() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open_data_dir(dir.path()).await.unwrap());
    let journal = dir.path().join(DIR);
    private_journal_dir(&journal).unwrap();
    let mut bytes = record(1, 0);
    journal_record::encode(&mut bytes, 2, b"{\"events\": 7}");
    bytes.extend(record(3, 0));
    std::fs::write(journal.join("7-0000000000000007.log"), &bytes).unwrap();
    // A journal being made by a live process (locked, not yet named) is not touched.
    std::fs::write(journal.join("8-0000000000000008.new"), b"").unwrap();

    let store = Store::open_data_dir(dir.path()).await.unwrap();
    assert_eq!(chain(&store).await, (vec![1, 3], true));
    let mut left: Vec<String> = journal_files(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["7-0000000000000007.unreadable", "8-0000000000000008.new"]
    );
}

#[test]
fn the_folder_comes_back_after_its_runtime_ends() {
    let dir = tempfile::tempdir().unwrap();
    // The first folder is spawned on a runtime that ends before it ever runs.
    let first = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = first.block_on(async {
        let store = Store::open_data_dir(dir.path()).await.unwrap();
        store.append_grouped(entry(1, 0)).await.unwrap();
        store
    });
    drop(first);
    let second = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    second.block_on(async {
        store.append_grouped(entry(2, 0)).await.unwrap();
        let settled = tokio::time::timeout(Duration::from_secs(10), chain(&store)).await;
        assert_eq!(settled.unwrap(), (vec![1, 2], true));
    });
}

proptest::proptest! {
    /// Any text people or agents send (any Unicode, control characters included) comes back
    /// from a journal record exactly as it went in.
    #[test]
    fn any_text_survives_a_journal_record(actor in ".*", text in ".*", seq in 1u64..u64::MAX) {
        let entry = Appended {
            at: "2026-12-07T10:00:00Z".into(),
            events: vec![NewEvent::new(actor, "agent_tool_call", None, json!({"arguments": {"identity": text}}))],
            ..Appended::default()
        };
        let mut bytes = Vec::new();
        journal_record::encode(&mut bytes, seq, &serde_json::to_vec(&entry).unwrap());
        let (records, used) = journal_record::decode(&bytes);
        proptest::prop_assert_eq!(used, bytes.len());
        let back: Appended = serde_json::from_slice(records[0].1).unwrap();
        proptest::prop_assert_eq!(records[0].0, seq);
        proptest::prop_assert_eq!(&back.events, &entry.events);
        proptest::prop_assert_eq!(back.at, entry.at);
    }
}
