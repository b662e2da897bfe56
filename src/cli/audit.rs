//! `warden audit verify` (the hash chain checked: exit 0 intact, 1 broken, one line per break)
//! and `warden audit export` (the log as JSON lines or CSV on standard output).

use super::Output;
use crate::audit::{Export, Format};
use crate::config::Secret;
use crate::error::Problem;
use crate::model::words::count;
use crate::store::Store;
use clap::Subcommand;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Check the hash chain: exit 0 when intact, 1 with one line per break when not.
    #[command(after_help = "Example: warden audit verify")]
    Verify,
    /// Write the log to standard output.
    #[command(
        after_help = "Example: warden audit export --request req_5c2e9a01d4f37b86 > req.jsonl"
    )]
    Export {
        /// `jsonl` (one JSON object per line) or `csv`.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Only the events of this request.
        #[arg(long)]
        request: Option<String>,
        /// Only events of this kind (`created`, `approved`, `sync`, `drift`, …).
        #[arg(long)]
        kind: Option<String>,
    },
}

pub async fn run(dir: &Path, db: Option<&Secret>, action: AuditAction) -> Result<Output, Problem> {
    let store = open(dir, db).await?;
    let out = match action {
        AuditAction::Verify => verify(&store).await,
        AuditAction::Export {
            format,
            request,
            kind,
        } => export(&store, &format, request, kind).await,
    };
    store.close().await;
    out
}

/// The store: PostgreSQL when `--database-url` names it, else the data dir's, which must already
/// exist (verifying a log that was never written would create an empty one and call it intact).
pub(super) async fn open(dir: &Path, db: Option<&Secret>) -> Result<Store, Problem> {
    if let Some(url) = db {
        crate::store::check_database_url(url.expose())
            .map_err(|m| Problem::invalid("--database-url", m))?;
    } else if !dir.join("warden.db").exists() {
        return Err(Problem::invalid(
            "--data-dir",
            format!("no Warden data in {} (pass --data-dir)", dir.display()),
        ));
    }
    Ok(Store::open(dir, db.map(Secret::expose)).await?)
}

async fn verify(store: &Store) -> Result<Output, Problem> {
    let v = crate::audit::verify(store).await?;
    let text = if v.ok {
        format!("audit log intact: {}", count(v.events, "event", "events"))
    } else {
        // The breaks are the answer (stdout); the verdict goes with the logs.
        eprintln!(
            "the audit log's hash chain is broken: {} in {}",
            count(v.breaks.len(), "problem", "problems"),
            count(v.events, "event", "events")
        );
        v.breaks
            .iter()
            .map(|b| format!("seq {}: {}", b.seq, b.problem))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok(Output {
        status: if v.ok { 0 } else { 1 },
        json: serde_json::to_value(&v).unwrap_or(Value::Null),
        text,
    })
}

async fn export(
    store: &Store,
    format: &str,
    request: Option<String>,
    kind: Option<String>,
) -> Result<Output, Problem> {
    let format = Format::parse(format).map_err(|m| Problem::invalid("--format", m))?;
    let mut export = Export::new(store.clone(), format, request, kind, 0, None);
    while let Some(chunk) = export.next_chunk().await? {
        // The lock is taken per chunk: it may not be held across the next page's read.
        let mut out = std::io::stdout().lock();
        match out.write_all(chunk.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            // A reader that stopped early (`| head`) is not a failure of the export.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
            Err(e) => return Err(Problem::internal(format!("cannot write the export: {e}"))),
        }
    }
    // The file is the output: nothing more on stdout, even with --json.
    Ok(Output {
        json: Value::Null,
        text: String::new(),
        status: 0,
    })
}
