//! `warden demo`: the built-in organisation in a fresh data dir, served, with questions to try.

use super::Output;
use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use std::io::Write;
use std::path::PathBuf;

pub const DEFAULT_DIR: &str = "./warden-demo";

pub async fn run(dir: PathBuf, listen: &str, reset: bool) -> Result<Output, ApiError> {
    let non_empty = std::fs::read_dir(&dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty {
        if !reset {
            return Err(ApiError::invalid(
                "--data-dir",
                format!(
                    "{} is not empty; pass --reset to load the demo there afresh",
                    dir.display()
                ),
            ));
        }
        std::fs::remove_dir_all(&dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("cannot empty {}: {e}", dir.display()),
            )
        })?;
    }
    // Bind first: a busy port should fail before anything is written.
    let listener = super::commands::bind(listen).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let app = App::open(&dir).await?;
    let connections = crate::demo::connections()?;
    let summary = super::import_summary(&connections);
    app.import(connections).await?;
    // The server must outlive its terminal: a closed stdout is no reason to stop serving.
    let text = banner(&addr.to_string(), &dir.display().to_string(), summary.len());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    drop(out);
    crate::http::serve(app, listener)
        .await
        .map_err(|e| ApiError::internal(format!("server failed: {e}")))?;
    Ok(Output::ok(
        serde_json::json!({"stopped": true}),
        String::new(),
    ))
}

fn banner(addr: &str, dir: &str, connections: usize) -> String {
    let base = format!("http://{addr}");
    let call = |tool: &str, args: &str| {
        format!("  curl -s {base}/v1/tools/{tool} -H 'content-type: application/json' -d '{args}'")
    };
    let tries = [
        (
            "Does maya have SELECT on crm.leads?",
            call(
                "check_access",
                r#"{"identity":"maya","privilege":"SELECT","resource":"crm.leads"}"#,
            ),
        ),
        (
            "Can tom read crm.leads? (NOINHERIT)",
            call(
                "check_access",
                r#"{"identity":"tom","privilege":"SELECT","resource":"crm.leads"}"#,
            ),
        ),
        (
            "Who can read people.salaries?",
            call(
                "who_has_access",
                r#"{"resource":"people.salaries","privilege":"SELECT"}"#,
            ),
        ),
        (
            "Snowflake: can Alice read ANALYTICS.CORE.REVENUE?",
            call(
                "check_access",
                r#"{"identity":"Alice Liddell","privilege":"select","resource":"analytics.core.revenue"}"#,
            ),
        ),
        (
            "BigQuery: what does uma hold?",
            call(
                "list_access",
                r#"{"identity":"uma","connection":"bigquery"}"#,
            ),
        ),
        (
            "Find the payroll table",
            call("search_resources", r#"{"query":"the payroll table"}"#),
        ),
    ];
    let mut out = format!(
        "Warden demo: {connections} connections (postgres, redshift, snowflake, bigquery) loaded into {dir}\n\n  health:  {base}/healthz\n  tools:   {base}/v1/tools\n\nQuestions to try:\n"
    );
    for (q, c) in tries {
        out.push_str(&format!("# {q}\n{c}\n"));
    }
    out.push_str("\nOr from another terminal: cargo run --release -- --data-dir ");
    out.push_str(dir);
    out.push_str(" check maya SELECT crm.leads\n\nCtrl-C stops the server.");
    out
}
