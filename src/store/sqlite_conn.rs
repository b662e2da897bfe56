//! A rusqlite connection of its own on the store's file, opened when first needed and opened
//! again after an error: the group commit's writer and its checkpoints each hold one.

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct OwnConnection {
    file: PathBuf,
    slot: Mutex<Option<Connection>>,
}

impl OwnConnection {
    pub fn new(file: PathBuf) -> Self {
        OwnConnection {
            file,
            slot: Mutex::new(None),
        }
    }

    /// `f` on the connection, opened by `open` first if there is none (or `f` on the error
    /// that kept it closed); `f` returns its result and whether the connection is still good
    /// (if not, it is closed, which rolls back anything it began).
    pub fn with<R, E>(
        &self,
        open: impl FnOnce(&Path) -> Result<Connection, E>,
        f: impl FnOnce(Result<&mut Connection, E>) -> (R, bool),
    ) -> R {
        let mut guard = self
            .slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let conn = match &mut *guard {
            Some(conn) => conn,
            empty => match open(&self.file) {
                Ok(conn) => empty.insert(conn),
                Err(e) => return f(Err(e)).0,
            },
        };
        let (result, good) = f(Ok(conn));
        if !good {
            *guard = None;
        }
        result
    }
}
