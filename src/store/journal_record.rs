//! The audit journal's record format (`audit_journal`): each record is its payload's length
//! (u32), its sequence number (u64), a CRC-32 of both (u32), all little-endian, then the payload.
//! A process killed in the middle of a write leaves a record cut short at the end of the file:
//! reading stops at the first record that is short or whose checksum fails, and what came
//! before it is whole (its writer was answered only after the whole write returned).
//!
//! A journal starts again by writing from its beginning over what it wrote before (its pages
//! stay in the operating system's cache, instead of being freed and made again): records are
//! numbered one after another across restarts, so reading also stops at a record whose number
//! does not follow the one before it, an older record left past the newer ones.

/// Bytes before a record's payload.
const HEADER: usize = 4 + 8 + 4;

/// `payload` as record number `seq`, appended to `out`.
pub fn encode(out: &mut Vec<u8>, seq: u64, payload: &[u8]) {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&checksum(seq, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// The whole records at the start of `bytes`, numbered one after another, in order, and how
/// many bytes they take (the rest is a torn or damaged tail, or older records).
pub fn decode(bytes: &[u8]) -> (Vec<(u64, &[u8])>, usize) {
    let mut records: Vec<(u64, &[u8])> = Vec::new();
    let mut at = 0;
    while let Some((seq, payload, next)) = record_at(bytes, at) {
        if records
            .last()
            .is_some_and(|(last, _)| last.checked_add(1) != Some(seq))
        {
            break;
        }
        records.push((seq, payload));
        at = next;
    }
    (records, at)
}

/// The record starting at `at`, and where the next one starts; `None` if it is not whole.
fn record_at(bytes: &[u8], at: usize) -> Option<(u64, &[u8], usize)> {
    let header = bytes.get(at..at.checked_add(HEADER)?)?;
    let len = u32::from_le_bytes(header[0..4].try_into().ok()?) as usize;
    let seq = u64::from_le_bytes(header[4..12].try_into().ok()?);
    let sum = u32::from_le_bytes(header[12..16].try_into().ok()?);
    let start = at + HEADER;
    let end = start.checked_add(len)?;
    let payload = bytes.get(start..end)?;
    (checksum(seq, payload) == sum).then_some((seq, payload, end))
}

fn checksum(seq: u64, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&seq.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(records: &[(u64, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (seq, payload) in records {
            encode(&mut out, *seq, payload);
        }
        out
    }

    #[test]
    fn records_read_back_in_order() {
        let records = vec![(5, b"{}".to_vec()), (6, Vec::new()), (7, b"x".repeat(300))];
        let bytes = file(&records);
        let (read, used) = decode(&bytes);
        assert_eq!(used, bytes.len());
        let read: Vec<(u64, Vec<u8>)> = read.into_iter().map(|(s, p)| (s, p.to_vec())).collect();
        assert_eq!(read, records);
    }

    proptest! {
        /// A file cut anywhere gives exactly the records wholly before the cut.
        #[test]
        fn a_torn_tail_keeps_every_whole_record(
            payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let records: Vec<(u64, Vec<u8>)> =
                payloads.into_iter().enumerate().map(|(i, p)| (i as u64 + 1, p)).collect();
            let bytes = file(&records);
            let cut = cut.index(bytes.len() + 1);
            let (read, used) = decode(&bytes[..cut]);
            let mut ends = 0;
            let whole = records
                .iter()
                .take_while(|(_, p)| {
                    ends += HEADER + p.len();
                    ends <= cut
                })
                .count();
            prop_assert_eq!(read.len(), whole);
            prop_assert!(used <= cut);
        }

        /// A journal started again over its older records: only the newer ones are read, however
        /// the two line up.
        #[test]
        fn records_written_over_older_ones_end_where_the_newer_end(
            old in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 1..10),
            new in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..10),
            gap in 0u64..3,
        ) {
            let old: Vec<(u64, Vec<u8>)> =
                old.into_iter().enumerate().map(|(i, p)| (i as u64 + 1, p)).collect();
            let first = old.len() as u64 + 1 + gap;
            let new: Vec<(u64, Vec<u8>)> =
                new.into_iter().enumerate().map(|(i, p)| (first + i as u64, p)).collect();
            let mut bytes = file(&old);
            let over = file(&new);
            if over.len() > bytes.len() {
                bytes.resize(over.len(), 0);
            }
            bytes[..over.len()].copy_from_slice(&over);
            let (read, used) = decode(&bytes);
            let read: Vec<(u64, Vec<u8>)> = read.into_iter().map(|(s, p)| (s, p.to_vec())).collect();
            if new.is_empty() {
                prop_assert_eq!(read, old);
            } else {
                prop_assert_eq!(read, new);
                prop_assert_eq!(used, over.len());
            }
        }

        /// Any bytes at all: no panic, and what is read back is a prefix of the input.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let (_, used) = decode(&bytes);
            prop_assert!(used <= bytes.len());
        }

        /// One flipped bit inside a record stops reading at that record.
        #[test]
        fn a_damaged_record_ends_the_reading(
            payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..32), 1..6),
            at in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let records: Vec<(u64, Vec<u8>)> =
                payloads.into_iter().enumerate().map(|(i, p)| (i as u64 + 1, p)).collect();
            let mut bytes = file(&records);
            let at = at.index(bytes.len());
            bytes[at] ^= 1 << bit;
            let (read, _) = decode(&bytes);
            let mut start = 0;
            let damaged = records
                .iter()
                .position(|(_, p)| {
                    let end = start + HEADER + p.len();
                    let hit = at < end;
                    start = end;
                    hit
                })
                .unwrap_or(records.len());
            prop_assert_eq!(read.len(), damaged);
            for (i, (seq, payload)) in read.iter().enumerate() {
                prop_assert_eq!(*seq, records[i].0);
                prop_assert_eq!(payload.to_vec(), records[i].1.clone());
            }
        }
    }
}
