//! One function per command; each returns an [`Output`] or the error to report.

use super::{Cli, Command, Output, ToolsAction, render};
use crate::app::App;
use crate::config::{Config, Secret};
use crate::error::{ErrorCode, Problem};
use crate::model::Connection;
use crate::model::words::count;
use crate::tools;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const DEFAULT_DATA_DIR: &str = "./warden-data";

pub async fn dispatch(cli: Cli) -> Result<Output, Problem> {
    let data_dir = cli.data_dir.clone();
    let config = cli.config.clone();
    let db = cli.database_url.clone();
    let db = db.as_ref();
    let dir = || {
        data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
    };
    match cli.command {
        Command::Demo { .. } if db.is_some() => Err(Problem::invalid(
            "--database-url",
            "the demo keeps its own SQLite store in its data dir; to serve from PostgreSQL, \
             `warden import` a snapshot and `warden serve` with --database-url",
        )),
        Command::Demo { listen, reset } => {
            super::demo::run(
                data_dir.unwrap_or_else(|| PathBuf::from(super::demo::DEFAULT_DIR)),
                &listen,
                reset,
            )
            .await
        }
        Command::Serve { listen } => serve(&dir(), config.as_deref(), db, &listen).await,
        Command::Init { force } => super::init::init(&dir(), config.as_deref(), force),
        Command::Config {
            action: super::ConfigAction::Check,
        } => super::init::check(&dir(), config.as_deref()),
        Command::Import { files } => import(&dir(), db, &files).await,
        Command::Check {
            identity,
            privilege,
            resource,
            connection,
        } => {
            let args = json!({"identity": identity, "privilege": privilege, "resource": resource, "connection": connection});
            let result = call_tool(&dir(), db, "check_access", args, None).await?;
            let allowed = result["allowed"].as_bool().unwrap_or(false);
            Ok(Output {
                text: render::check(&result),
                json: result,
                status: if allowed { 0 } else { 1 },
            })
        }
        Command::WhoHas {
            resource,
            privilege,
            connection,
            limit,
            cursor,
        } => {
            let mut args =
                json!({"resource": resource, "privilege": privilege, "connection": connection});
            // Given only when set: the tool's own defaults otherwise.
            if let Some(l) = limit {
                args["limit"] = json!(l);
            }
            if let Some(c) = cursor {
                args["cursor"] = json!(c);
            }
            let result = call_tool(&dir(), db, "who_has_access", args, None).await?;
            Ok(Output::ok(result.clone(), render::who_has(&result)))
        }
        Command::Tools { export, action } => match (export, action) {
            (Some(out), None) => {
                let written = tools::export_dir(&out).map_err(|e| {
                    Problem::new(
                        ErrorCode::Internal,
                        format!("cannot write {}: {e}", out.display()),
                    )
                })?;
                let text = format!("wrote {} files to {}", written.len(), out.display());
                Ok(Output::ok(
                    json!({"directory": out.display().to_string(), "files": written}),
                    text,
                ))
            }
            (
                None,
                Some(ToolsAction::Call {
                    name,
                    arguments,
                    as_person,
                }),
            ) => {
                let args: Value = serde_json::from_str(&arguments)
                    .map_err(|e| Problem::invalid("arguments", format!("not valid JSON: {e}")))?;
                let result = call_tool(&dir(), db, &name, args, as_person.as_deref()).await?;
                Ok(Output::ok(
                    result.clone(),
                    serde_json::to_string_pretty(&result).unwrap_or_default(),
                ))
            }
            (None, None) => {
                let list: Vec<Value> = tools::registry()
                    .iter()
                    .map(|t| json!({"name": t.name, "description": t.description}))
                    .collect();
                let described: Vec<(&str, &str)> = tools::registry()
                    .iter()
                    .map(|t| (t.name, t.description.as_str()))
                    .collect();
                let text = super::render::tools(&described, 100);
                Ok(Output::ok(json!({"tools": list}), text))
            }
            (Some(_), Some(_)) => Err(Problem::invalid(
                "--export",
                "give either --export DIR or a subcommand, not both",
            )),
        },
        Command::Gen { tier, seed, out } => gen_snapshot(&tier, seed, &out),
        Command::Ask {
            question,
            as_person,
            engine,
            conversation,
        } => {
            let config = with_database(Config::load(&dir(), config.as_deref())?, db)?;
            let app = open_existing(&dir(), config).await?;
            super::ask::run(&app, &question, as_person, engine, conversation).await
        }
        Command::Sync { connection } => {
            let app = open_store(&dir(), config.as_deref(), db).await?;
            let results = crate::sync::sync(&app, connection.as_deref()).await?;
            let failed = results.iter().filter(|r| !r.ok).count();
            let text = results
                .iter()
                .map(|r| match &r.error {
                    None => format!(
                        "{}: ok in {:.1}s ({}, {}, {}){}",
                        r.connection,
                        r.seconds,
                        count(r.identities.unwrap_or(0), "identity", "identities"),
                        count(r.resources.unwrap_or(0), "resource", "resources"),
                        count(r.grants.unwrap_or(0), "grant", "grants"),
                        r.notes
                            .iter()
                            .map(|n| format!("\n  note: {n}"))
                            .collect::<String>()
                    ),
                    Some(e) => format!(
                        "{}: failed ({}): {}; its last good snapshot stays",
                        r.connection, e.kind, e.message
                    ),
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output {
                json: json!({ "connections": results }),
                text,
                status: if failed > 0 { 3 } else { 0 },
            })
        }
        // People and tokens need no connection settings: an unset ${VAR} there is no reason
        // to refuse them.
        // Nor do they need the grants: only the identities people are linked to.
        Command::User { action } => {
            let app = App::open_for_people(&dir(), with_database(Config::default(), db)?).await?;
            super::people::user(&app, action).await
        }
        Command::Token { action } => {
            let app = App::open_for_people(&dir(), with_database(Config::default(), db)?).await?;
            super::people::token(&app, action).await
        }
        Command::Request { action } => {
            let config = with_database(Config::load(&dir(), config.as_deref())?, db)?;
            let app = open_existing(&dir(), config).await?;
            let out = super::request::run(&app, action).await;
            app.store.close().await;
            out
        }
        Command::Audit { action } => super::audit::run(&dir(), db, action).await,
        Command::Drift { all } => super::drift::run(&dir(), db, all).await,
    }
}

async fn call_tool(
    dir: &Path,
    db: Option<&Secret>,
    name: &str,
    args: Value,
    as_person: Option<&str>,
) -> Result<Value, Problem> {
    let tool = tools::find(name).ok_or_else(|| tools::unknown_tool(name))?;
    // A question about the graph needs no config (connection URLs may name unset variables).
    let app = open_existing(dir, with_database(Config::default(), db)?).await?;
    if tool.needs_context() || as_person.is_some() {
        // Through the same rights check and logs as every edge: as the person named, or as the
        // local operator (who may read every request but cannot make one: that is for a person).
        let who = match as_person {
            Some(p) => match app.people.person(p).await {
                Ok(person) => crate::people::Principal::person(person),
                Err(e) => {
                    app.store.close().await;
                    return Err(e.at("--as"));
                }
            },
            None => crate::people::Principal::operator(),
        };
        let result = app.call_tool(&who, name, args).await;
        app.store.close().await;
        return result;
    }
    let access = app.access.load();
    app.store.close().await;
    tokio::task::spawn_blocking(move || tool.call(&access, args))
        .await
        .map_err(|e| Problem::internal(format!("tool failed: {e}")))?
}

/// `config` with the store's `--database-url`, checked first: a malformed URL is bad input
/// (exit 2); one that cannot be reached fails when the store opens (exit 3).
fn with_database(mut config: Config, db: Option<&Secret>) -> Result<Config, Problem> {
    if let Some(url) = db {
        crate::store::check_database_url(url.expose())
            .map_err(|m| Problem::invalid("--database-url", m))?;
    }
    config.database_url = db.cloned();
    Ok(config)
}

/// Opens the store (creating it if needed) with the config.
async fn open_store(
    dir: &Path,
    config: Option<&Path>,
    db: Option<&Secret>,
) -> Result<App, Problem> {
    let config = with_database(Config::load(dir, config)?, db)?;
    App::open_with(dir, config).await
}

/// Opens a data dir that must already hold a store (questions about an empty one are mistakes).
/// A PostgreSQL store is not in the data dir: it is opened as it is.
async fn open_existing(dir: &Path, config: Config) -> Result<App, Problem> {
    if config.database_url.is_none() && !dir.join("warden.db").exists() {
        return Err(Problem::invalid(
            "--data-dir",
            format!(
                "no Warden data in {} (run `warden import FILE` first, or pass --data-dir)",
                dir.display()
            ),
        ));
    }
    App::open_with(dir, config).await
}

/// Who ran a command, for the audit log: the operating-system user.
fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Reads and validates every file first, then imports them in one go: a bad file changes nothing.
async fn import(dir: &Path, db: Option<&Secret>, files: &[String]) -> Result<Output, Problem> {
    let mut all = Vec::new();
    for f in files {
        let f2 = f.clone();
        let parsed = tokio::task::spawn_blocking(move || -> Result<Vec<Connection>, Problem> {
            if f2 == "-" {
                Ok(crate::snapshot::parse_reader(std::io::stdin().lock())?)
            } else {
                let file = std::fs::File::open(&f2).map_err(|e| {
                    Problem::invalid(f2.clone(), format!("cannot read snapshot: {e}"))
                })?;
                Ok(crate::snapshot::parse_reader(file)?)
            }
        })
        .await
        .map_err(|e| Problem::internal(format!("import failed: {e}")))?;
        let conns = parsed.map_err(|mut e| {
            let source = if f == "-" {
                "standard input"
            } else {
                f.as_str()
            };
            e.message = format!("{} (in {source})", e.message);
            e
        })?;
        all.extend(conns);
    }
    let url = with_database(Config::default(), db)?.database_url;
    let store = crate::store::Store::open(dir, url.as_ref().map(Secret::expose)).await?;
    let summary = crate::app::import_summary(&all);
    let generation = store.replace_connections(&all).await?;
    let at = crate::requests::clock::stamp(store.clock().now());
    let recorded =
        crate::audit::record_import(&store, &at, &cli_actor(), &summary, generation).await;
    store.close().await;
    recorded?;
    let text = summary
        .iter()
        .map(|s| {
            format!(
                "imported {} ({}): {}, {}, {}, {}",
                s.connection,
                s.platform.as_str(),
                count(s.identities, "identity", "identities"),
                count(s.memberships, "membership", "memberships"),
                count(s.resources, "resource", "resources"),
                count(s.grants, "grant", "grants")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Output::ok(
        json!({"imported": summary, "generation": generation}),
        text,
    ))
}

async fn serve(
    dir: &Path,
    config: Option<&Path>,
    db: Option<&Secret>,
    listen: &str,
) -> Result<Output, Problem> {
    let app = open_store(dir, config, db).await?;
    let listener = super::bind(listen).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| Problem::internal(e.to_string()))?;
    eprintln!("warden listening on http://{addr}");
    crate::server::serve(app, listener)
        .await
        .map_err(|e| Problem::internal(format!("server failed: {e}")))?;
    Ok(Output::ok(json!({"stopped": true}), String::new()))
}

fn gen_snapshot(tier: &str, seed: u64, out: &str) -> Result<Output, Problem> {
    let tier = crate::synth::Tier::parse(tier).ok_or_else(|| {
        Problem::invalid("--tier", format!("unknown tier {tier:?} (expected S or M)"))
    })?;
    let stats = if out == "-" {
        crate::synth::write(tier, seed, std::io::stdout().lock())
    } else {
        let file = std::fs::File::create(out)
            .map_err(|e| Problem::invalid("--out", format!("cannot create {out}: {e}")))?;
        crate::synth::write(tier, seed, file)
    }
    .map_err(|e| Problem::internal(format!("cannot write snapshot: {e}")))?;
    let json = serde_json::to_value(&stats).unwrap_or_default();
    // The snapshot itself may be on stdout: say nothing more there.
    if out == "-" {
        return Ok(Output {
            json: Value::Null,
            text: String::new(),
            status: 0,
        });
    }
    Ok(Output::ok(json, format!("wrote {out}: {stats:?}")))
}
