//! `warden demo`: the built-in organisation in a fresh data dir, served, with questions to try.

use super::Output;
use crate::app::App;
use crate::error::{ErrorCode, Problem};
use std::io::Write;
use std::path::PathBuf;

pub const DEFAULT_DIR: &str = "./warden-demo";

pub async fn run(dir: PathBuf, listen: &str, reset: bool) -> Result<Output, Problem> {
    let non_empty = std::fs::read_dir(&dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty {
        if !reset {
            return Err(Problem::invalid(
                "--data-dir",
                format!(
                    "{} is not empty; pass --reset to load the demo there afresh",
                    dir.display()
                ),
            ));
        }
        std::fs::remove_dir_all(&dir).map_err(|e| {
            Problem::new(
                ErrorCode::Internal,
                format!("cannot empty {}: {e}", dir.display()),
            )
        })?;
    }
    // Bind first: a busy port should fail before anything is written.
    let listener = super::bind(listen).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| Problem::internal(e.to_string()))?;
    let app = App::open(&dir).await?;
    // Its own config, every setting commented, to explore and change.
    let config = crate::config::Config::path(&dir, None);
    if !config.exists() {
        super::init::write(&config)?;
    }
    let connections = crate::demo::connections()?;
    let summary = crate::app::import_summary(&connections);
    app.import(connections).await?;
    let mut tokens = Vec::new();
    let mut links = Vec::new();
    for (name, role) in crate::demo::PEOPLE {
        let person = app
            .people
            .add_person(name, role, Some(&format!("{name}@acme.test")))
            .await?;
        let (_, token) = app.people.create_token(name, None).await?;
        tokens.push(format!("  token {name} ({role}): {}", token.secret));
        let link = app.people.sign_in_link(&person).await?;
        links.push(format!(
            "  {name} ({role}): http://{addr}/login/link/{link}"
        ));
    }
    let (person, agent) = crate::demo::AGENT;
    let (_, token) = app.people.create_token(person, Some(agent)).await?;
    tokens.push(format!(
        "  token {person} via agent {agent}: {}",
        token.secret
    ));
    // The server must outlive its terminal: a closed stdout is no reason to stop serving.
    let maya = tokens[1].rsplit(' ').next().unwrap_or_default().to_string();
    let text = banner(
        &addr.to_string(),
        &links.join("\n"),
        &dir.display().to_string(),
        summary.len(),
        &tokens.join("\n"),
        &maya,
    );
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    drop(out);
    crate::server::serve(app, listener)
        .await
        .map_err(|e| Problem::internal(format!("server failed: {e}")))?;
    Ok(Output::ok(
        serde_json::json!({"stopped": true}),
        String::new(),
    ))
}

fn banner(
    addr: &str,
    links: &str,
    dir: &str,
    connections: usize,
    tokens: &str,
    token: &str,
) -> String {
    let base = format!("http://{addr}");
    let call = |tool: &str, args: &str| {
        format!(
            "  curl -s {base}/v1/tools/{tool} -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{args}'"
        )
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
    let minutes = crate::people::sessions::LINK_TTL.as_secs() / 60;
    let mut out = format!(
        "Warden demo: {connections} connections (postgres, redshift, snowflake, bigquery) loaded into {dir}\n\nPeople and their bearer tokens (shown once):\n{tokens}\n\nThe dashboard: {base}/ (sign in with a token above, or with one click: each link works once, within {minutes} minutes)\n{links}\n\n  health:  {base}/healthz\n  tools:   {base}/v1/tools\n  chat:    {base}/v1/chat\n  mcp:     {base}/mcp\n\nAs maya:\n  export TOKEN={token}\n\nAsk in plain language:\n  curl -s {base}/v1/chat -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"message\":\"can maya read crm.leads?\"}}'\n\nOr call the tools directly:\n"
    );
    for (q, c) in tries {
        out.push_str(&format!("# {q}\n{c}\n"));
    }
    out.push_str(&format!(
        "\nAsk for access, then review it with a reviewer's token (carol or priya above). The demo's platforms are snapshots, so an approved request waits for an admin (victor) to mark it granted by hand:\n  curl -s {base}/v1/requests -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"resources\":[\"billing.refunds\"],\"privileges\":[\"SELECT\"],\"duration\":\"7d\",\"reason\":\"refund audit\"}}'\n  curl -s -X POST {base}/v1/requests/REQUEST_ID/approve -H \"authorization: Bearer REVIEWER_TOKEN\"\n  or in chat: {{\"message\":\"I need read access to billing.refunds for a week because of the refund audit\"}}\n\n  every route: {base}/openapi.json\n"
    ));
    out.push_str("\nOr from another terminal: cargo run --release -- --data-dir ");
    out.push_str(dir);
    out.push_str(
        " ask \"does maya have SELECT on crm.leads?\" --as maya\n\nCtrl-C stops the server.",
    );
    out
}
