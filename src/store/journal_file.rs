//! The audit journal's file, written through a shared mapping of its first megabytes: a record
//! is a memory copy instead of a `write` (the system call, the filesystem's write path and its
//! copy were most of an agent call's append). The mapped pages are the file's own pages in the
//! operating system's cache, so a record copied there survives a killed process exactly as a
//! written one does. Space is allocated by `write` (zeros, ahead of the records) before any page
//! of it is touched through the mapping: a full disk is an error here, never a fault at
//! write-back, and no mapped page lies past the end of the file. Past the mapping, or where no
//! mapping could be made, records are written with `write`.

use memmap2::{MmapMut, MmapOptions};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Bytes mapped: the journal starts again past `RESTART_PAST` (4 MiB), so under steady load
/// every record lands in the mapping.
const MAPPED: usize = 6 << 20;

/// Zeros allocated ahead at a time.
const AHEAD: u64 = 256 << 10;

pub struct JournalFile {
    file: File,
    map: Option<MmapMut>,
    /// Bytes of the file allocated (written): the mapping is touched only below this.
    filled: u64,
}

impl JournalFile {
    /// `file`, new and empty, opened for reading and writing and locked by this process for its
    /// life (no other process truncates it, which would make the mapped pages past its end fault).
    pub fn new(file: File) -> Self {
        // SAFETY: the mapping is of a file this process made and holds locked (recovery skips a
        // locked journal, and nothing else opens it); its bytes are only written here, through
        // `&mut self`, and only below `filled`, which never passes the file's length.
        let map = unsafe { MmapOptions::new().len(MAPPED).map_mut(&file) }.ok();
        JournalFile {
            file,
            map,
            filled: 0,
        }
    }

    /// Writes `bytes` at `offset`; all of them, or an error (a part may have reached the file).
    pub fn write_all_at(&mut self, bytes: &[u8], offset: u64) -> io::Result<()> {
        let end = offset + bytes.len() as u64;
        let Some(map) = self.map.as_mut().filter(|_| end <= MAPPED as u64) else {
            return self.file.write_all_at(bytes, offset);
        };
        if end > self.filled {
            let to = end.div_ceil(AHEAD).saturating_mul(AHEAD).min(MAPPED as u64);
            let zeros = vec![0u8; (to - self.filled) as usize];
            self.file.write_all_at(&zeros, self.filled)?;
            self.filled = to;
        }
        map[offset as usize..end as usize].copy_from_slice(bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        /// Whatever is written, wherever (from the start again, across the mapping's end, past
        /// it), the file holds it, read back as another process reads it; what lies past it was
        /// allocated ahead (zeros).
        #[test]
        fn the_file_holds_what_was_written(
            writes in prop::collection::vec((1usize..400_000, any::<u8>(), any::<bool>()), 1..40)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("j.log");
            let file = std::fs::OpenOptions::new()
                .create_new(true).read(true).write(true).open(&path).unwrap();
            let mut journal = JournalFile::new(file);
            let mut model: Vec<u8> = Vec::new();
            let mut at = 0usize;
            for (len, byte, restart) in writes {
                if restart {
                    at = 0;
                }
                // Mostly near the mapping's end, so that writes cross it.
                if at == 0 && byte % 3 == 0 {
                    at = MAPPED - len / 2;
                }
                let bytes = vec![byte; len];
                journal.write_all_at(&bytes, at as u64).unwrap();
                if model.len() < at + len {
                    model.resize(at + len, 0);
                }
                model[at..at + len].copy_from_slice(&bytes);
                at += len;
            }
            let read = std::fs::read(&path).unwrap();
            prop_assert!(read.len() >= model.len());
            prop_assert!(read[..model.len()] == model[..], "the file differs from what was sent");
            prop_assert!(read[model.len()..].iter().all(|&b| b == 0));
        }
    }
}
