//! `warden drift`: the open drift records (grants Warden made that a sync no longer saw, or
//! revoked ones it saw again); `--all` adds the resolved ones.

use super::Output;
use crate::config::Secret;
use crate::drift::describe;
use crate::error::Problem;
use crate::store::drift::DriftFilter;
use serde_json::json;
use std::path::Path;

pub async fn run(dir: &Path, db: Option<&Secret>, all: bool) -> Result<Output, Problem> {
    let store = super::audit::open(dir, db).await?;
    let records = store
        .drift(&DriftFilter {
            include_resolved: all,
            limit: i64::MAX,
            ..DriftFilter::default()
        })
        .await;
    store.close().await;
    let records = records?;
    let text = if records.is_empty() {
        if all {
            "no drift recorded"
        } else {
            "no open drift"
        }
        .to_string()
    } else {
        records
            .iter()
            .map(|r| {
                let resolved = match &r.resolved_at {
                    Some(at) => format!(", resolved {at}"),
                    None => String::new(),
                };
                format!(
                    "{}  {:<10} {}: {} (request {}; found {}{resolved})",
                    r.id,
                    r.kind.as_str(),
                    r.connection,
                    describe(&r.detail),
                    r.request_id,
                    r.found_at,
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok(Output::ok(json!({ "drift": records }), text))
}
