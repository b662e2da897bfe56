//! The command line: argument parsing, dispatch, and the one place where errors become a line
//! on stderr (or the error document with `--json`) and an exit status (INTERFACE.md).

mod ask;
mod audit;
mod commands;
mod demo;
mod drift;
mod people;
mod render;

use crate::config::Secret;
use crate::error::{ErrorCode, Problem};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "warden",
    version,
    about = "Who can touch which data, and why",
    max_term_width = 100
)]
pub struct Cli {
    /// Data directory: warden.toml, the SQLite store and the search index.
    #[arg(long, global = true, env = "WARDEN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The config file (default: DATA_DIR/warden.toml).
    #[arg(long, global = true, env = "WARDEN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Keep the store in PostgreSQL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE) instead of
    /// SQLite in the data dir, which still holds warden.toml and the search index.
    // `hide_env_values`: `--help` would otherwise print the URL, password and all.
    #[arg(long, global = true, env = "WARDEN_DATABASE_URL", value_name = "URL",
          hide_env_values = true, value_parser = secret)]
    pub database_url: Option<Secret>,
    /// Print exactly one JSON document on stdout (the error document on failure).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load the built-in demo organisation into a fresh data dir (default ./warden-demo) and serve it.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Empty a non-empty data dir first.
        #[arg(long)]
        reset: bool,
    },
    /// Run the server on the configured store.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Load snapshot files (SNAPSHOT.md); `-` reads standard input. All or nothing.
    Import {
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Does IDENTITY hold PRIVILEGE on RESOURCE? Exit 0 yes, 1 no.
    Check {
        identity: String,
        privilege: String,
        resource: String,
        #[arg(long)]
        connection: Option<String>,
    },
    /// Who holds privileges on RESOURCE.
    WhoHas {
        resource: String,
        #[arg(long)]
        privilege: Option<String>,
        #[arg(long)]
        connection: Option<String>,
        /// Grantees per page (default 100, at most 1000).
        #[arg(long)]
        limit: Option<u32>,
        /// The page after the one that gave this cursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// List the tools; `tools call NAME 'JSON'` calls one; `--export DIR` writes their schemas.
    Tools {
        /// Write one JSON schema per tool and an OpenAI-style tools.json into DIR.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<ToolsAction>,
    },
    /// Read the live connections in warden.toml (or one) and import them. Exit 3 if any failed.
    Sync { connection: Option<String> },
    /// Ask a question in plain language (one chat turn).
    Ask {
        question: String,
        /// The person asking (name or email); needed for "I", "me" and requests.
        #[arg(long = "as", value_name = "PERSON")]
        as_person: Option<String>,
        /// `embedded` or `llm` (default: llm when warden.toml has an [llm] section).
        #[arg(long)]
        engine: Option<String>,
        /// Continue a conversation (to answer a question Warden asked back).
        #[arg(long)]
        conversation: Option<String>,
    },
    /// People: `user add NAME --role ROLE [--email E]`, `user list`.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Bearer tokens: `token create NAME [--agent AGENT]`, `token list`, `token revoke ID`.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// The audit log: `audit verify` checks its hash chain (exit 1 if broken), `audit export
    /// [--format jsonl|csv] [--request ID]` writes it to standard output.
    Audit {
        #[command(subcommand)]
        action: audit::AuditAction,
    },
    /// Open drift: grants Warden made that a sync no longer saw, or revoked ones it saw again.
    Drift {
        /// Resolved records too.
        #[arg(long)]
        all: bool,
    },
    /// Write a seeded synthetic snapshot (tier S or M) for benchmarks.
    Gen {
        #[arg(long, default_value = "S")]
        tier: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (`-` for standard output).
        #[arg(long, default_value = "-")]
        out: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Add a person.
    Add {
        name: String,
        /// requester, reviewer or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// List people with their role and linked platform identities.
    List,
    /// Link a person and a platform identity by hand (kept across re-imports).
    Link {
        person: String,
        connection: String,
        identity: String,
    },
    /// Unlink a person and a platform identity, automatic links included (kept across
    /// re-imports).
    Unlink {
        person: String,
        connection: String,
        identity: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    /// Make a token for a person, or for an agent acting for them (printed once).
    Create {
        person: String,
        #[arg(long)]
        agent: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: String },
}

#[derive(Subcommand, Debug)]
pub enum ToolsAction {
    /// Call tool NAME with JSON arguments.
    Call {
        name: String,
        arguments: String,
        /// Call it as this person (name or email): their rights, and the person a
        /// `create_access_request` is for. Default: the local operator.
        #[arg(long = "as", value_name = "PERSON")]
        as_person: Option<String>,
    },
}

/// Keeps a value that may hold a password out of `Debug` output. Checked where it is used, not
/// here: clap's own error would quote the value.
fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

/// What a command produced: a JSON document and its human rendering, and the exit status.
pub struct Output {
    pub json: serde_json::Value,
    pub text: String,
    pub status: i32,
}

impl Output {
    pub fn ok(json: serde_json::Value, text: String) -> Output {
        Output {
            json,
            text,
            status: 0,
        }
    }
}

impl Cli {
    /// Does this command run the server (where a bug must fail one request, never the process)?
    pub fn serves(&self) -> bool {
        matches!(self.command, Command::Serve { .. } | Command::Demo { .. })
    }
}

/// Runs the command line and returns the process exit status.
pub async fn run(cli: Cli) -> i32 {
    let json = cli.json;
    match commands::dispatch(cli).await {
        Ok(out) => {
            if json && !out.json.is_null() {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&out.json).unwrap_or_default()
                );
            } else if !out.text.is_empty() {
                println!("{}", out.text.trim_end());
            }
            out.status
        }
        Err(e) => report(&e, json),
    }
}

/// Prints an error the way the interface promises and returns its exit status.
pub fn report(e: &Problem, json: bool) -> i32 {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&e.document()).unwrap_or_default()
        );
    } else {
        eprintln!("error: {}", e.line());
    }
    exit_code(e.code)
}

/// The exit status for an error (INTERFACE.md): 2 bad input or an unresolved name, 3 a failure
/// that is not the input's (internal, unavailable, timed out).
pub fn exit_code(code: ErrorCode) -> i32 {
    match code {
        ErrorCode::Internal | ErrorCode::Unavailable | ErrorCode::Timeout => 3,
        _ => 2,
    }
}

/// The listening socket for `serve` and `demo`: a bad address is the `--listen` argument's fault.
async fn bind(listen: &str) -> Result<tokio::net::TcpListener, Problem> {
    let addr: std::net::SocketAddr = listen.parse().map_err(|_| {
        Problem::invalid(
            "--listen",
            format!("{listen:?} is not an address like 127.0.0.1:8080"),
        )
    })?;
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Problem::new(
            crate::error::ErrorCode::Unavailable,
            format!("cannot listen on {addr}: {e}"),
        )
    })
}
