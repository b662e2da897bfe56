//! Folders in the data dir made private to their user: the SQLite store's and its audit
//! journal's (`sqlite`, `audit_journal`).

use std::path::Path;

/// `dir` made with its parents if missing; one it makes is 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
