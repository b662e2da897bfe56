//! The grant snapshot format (SNAPSHOT.md): parsing from any reader and validation into
//! [`Connection`]s, with errors that name the JSON path of the offending value.

mod intern;
mod raw;
mod validate;

pub use raw::RawSnapshot;

use crate::model::Connection;
use std::io::Read;

/// A rejected snapshot: what is wrong, and where in the document.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.render())]
pub struct SnapshotError {
    /// JSON path of the offending value (`connections[0].grants[3].resource`), when known.
    pub path: Option<String>,
    pub message: String,
}

impl SnapshotError {
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        SnapshotError {
            path: Some(path.into()),
            message: message.into(),
        }
    }

    fn render(&self) -> String {
        match &self.path {
            Some(p) if !p.is_empty() => format!("{p}: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

/// Reads a snapshot document from `reader` (streamed: the text is never held whole) and validates it.
pub fn parse_reader(reader: impl Read) -> Result<Vec<Connection>, SnapshotError> {
    let reader = std::io::BufReader::with_capacity(1 << 16, reader);
    let (raw, names) = intern::with_interner(|| {
        let mut de = serde_json::Deserializer::from_reader(reader);
        let raw: RawSnapshot = deserialize(&mut de)?;
        de.end().map_err(|e| SnapshotError {
            path: None,
            message: json_message(&e),
        })?;
        Ok(raw)
    });
    validate::validate(raw?, &names)
}

/// Parses a snapshot held in memory.
pub fn parse_str(text: &str) -> Result<Vec<Connection>, SnapshotError> {
    parse_reader(text.as_bytes())
}

/// Parses an already decoded JSON value (the HTTP import endpoint and tests).
pub fn parse_value(value: serde_json::Value) -> Result<Vec<Connection>, SnapshotError> {
    let (raw, names) = intern::with_interner(|| deserialize(value));
    validate::validate(raw?, &names)
}

fn deserialize<'de, D>(de: D) -> Result<RawSnapshot, SnapshotError>
where
    D: serde::Deserializer<'de, Error: Into<serde_json::Error>>,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner: serde_json::Error = e.into_inner().into();
        SnapshotError {
            path: (path != ".").then_some(path),
            message: json_message(&inner),
        }
    })
}

/// serde_json's message, with the kind of failure made plain for truncated input.
fn json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let base = e.to_string();
    match e.classify() {
        Category::Eof => format!("truncated JSON: {base}"),
        Category::Syntax => format!("invalid JSON: {base}"),
        Category::Io => format!("cannot read input: {base}"),
        Category::Data => base,
    }
}

impl From<SnapshotError> for crate::error::Problem {
    fn from(e: SnapshotError) -> Self {
        crate::error::Problem {
            code: crate::error::ErrorCode::InvalidSnapshot,
            message: e.message,
            candidates: Vec::new(),
            path: e.path,
            request_id: None,
        }
    }
}
