//! The command line: argument parsing, dispatch, and the one place where errors become a line
//! on stderr (or the error document with `--json`) and an exit status (INTERFACE.md).

mod ask;
mod audit;
mod commands;
mod demo;
mod drift;
mod init;
mod people;
mod render;
mod request;

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
    /// Logs on stderr as `text` (for people) or `json` (one object a line, each with the
    /// request's id and span fields); default: `[log] format` in warden.toml, else text.
    #[arg(long, global = true, env = "WARDEN_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<crate::config::LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load the built-in demo organisation into a fresh data dir (default ./warden-demo) and serve it.
    #[command(after_help = "Example: warden demo --listen 127.0.0.1:9000 --reset")]
    Demo {
        /// The address to serve on (HOST:PORT; port 0 takes a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Empty a non-empty data dir first.
        #[arg(long)]
        reset: bool,
    },
    /// Run the server on the configured store.
    #[command(
        after_help = "Example: warden --data-dir /var/lib/warden serve --listen 0.0.0.0:8080"
    )]
    Serve {
        /// The address to serve on (HOST:PORT; port 0 takes a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Load snapshot files (SNAPSHOT.md); `-` reads standard input. All or nothing.
    #[command(after_help = "Example: warden import warehouse.json snowflake.json")]
    Import {
        /// Snapshot files (JSON), or `-` for standard input.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Does IDENTITY hold PRIVILEGE on RESOURCE? Exit 0 yes, 1 no.
    #[command(after_help = "Example: warden check maya SELECT sales.orders --connection warehouse")]
    Check {
        /// A user, role, group or service account: name, email or display name.
        identity: String,
        /// SELECT, INSERT, UPDATE, DELETE, USAGE, ... (BigQuery: a role too).
        privilege: String,
        /// A full or partial dotted name (`sales.orders`), or `CONNECTION:NAME`.
        resource: String,
        /// Ask one connection only (as named in the snapshot or warden.toml).
        #[arg(long)]
        connection: Option<String>,
    },
    /// Who holds privileges on RESOURCE.
    #[command(after_help = "Example: warden who-has crm.leads --privilege SELECT --limit 20")]
    WhoHas {
        /// A full or partial dotted name (`crm.leads`), or `CONNECTION:NAME`.
        resource: String,
        /// Only this privilege (default: every privilege).
        #[arg(long)]
        privilege: Option<String>,
        /// Ask one connection only.
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
    #[command(after_help = "Example: warden tools --export ./schemas")]
    Tools {
        /// Write one JSON schema per tool and an OpenAI-style tools.json into DIR.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<ToolsAction>,
    },
    /// Read the live connections in warden.toml (or one) and import them. Exit 3 if any failed.
    #[command(after_help = "Example: warden sync warehouse")]
    Sync {
        /// Only this connection (a `[[connections]]` name in warden.toml).
        connection: Option<String>,
    },
    /// Ask a question in plain language (one chat turn).
    #[command(after_help = "Example: warden ask \"can I read crm.leads?\" --as maya")]
    Ask {
        /// The question, in quotes.
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
    #[command(
        after_help = "Example: warden user add carol --role reviewer --email carol@acme.test"
    )]
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Bearer tokens: `token create NAME [--agent AGENT]`, `token list`, `token revoke ID`.
    #[command(after_help = "Example: warden token create maya --agent reporting-bot")]
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// The request workflow as a person (`--as`, with exactly their rights over REST):
    /// `request list|show|approve|deny|revoke|extend|delete`.
    #[command(after_help = "Example: warden request approve req_3f9a0c1d2e4b5a68 --as carol")]
    Request {
        #[command(subcommand)]
        action: request::RequestAction,
    },
    /// The audit log: `audit verify` checks its hash chain (exit 1 if broken), `audit export
    /// [--format jsonl|csv] [--request ID]` writes it to standard output.
    #[command(
        after_help = "Example: warden audit export --format csv --kind approved > approved.csv"
    )]
    Audit {
        #[command(subcommand)]
        action: audit::AuditAction,
    },
    /// Open drift: grants Warden made that a sync no longer saw, or revoked ones it saw again.
    #[command(after_help = "Example: warden --json drift --all")]
    Drift {
        /// Resolved records too.
        #[arg(long)]
        all: bool,
    },
    /// Write a commented warden.toml into the data dir: every section, each line explained.
    #[command(after_help = "Example: warden --data-dir /var/lib/warden init")]
    Init {
        /// Replace an existing warden.toml.
        #[arg(long)]
        force: bool,
    },
    /// The configuration: `config check` reads warden.toml as a start would and says what is
    /// wrong (with its line, or every unset variable), without starting anything.
    #[command(after_help = "Example: warden --config /etc/warden/warden.toml config check")]
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Write a seeded synthetic snapshot (tier S or M) for benchmarks.
    #[command(after_help = "Example: warden gen --tier M --seed 7 --out tier-m.json")]
    Gen {
        /// S (5,000 users, 200,000 grants) or M (two million grants).
        #[arg(long, default_value = "S")]
        tier: String,
        /// The random seed: the same seed writes the same snapshot.
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
    #[command(after_help = "Example: warden user add maya --role requester --email maya@acme.test")]
    Add {
        /// The person's name in Warden (unique).
        name: String,
        /// requester, reviewer or admin.
        #[arg(long)]
        role: String,
        /// Their email: links them to platform identities with the same email or name.
        #[arg(long)]
        email: Option<String>,
    },
    /// List people with their role and linked platform identities.
    #[command(after_help = "Example: warden --json user list")]
    List,
    /// Link a person and a platform identity by hand (kept across re-imports).
    #[command(after_help = "Example: warden user link maya snowflake MAYA_SVC")]
    Link {
        /// The person (name or email).
        person: String,
        /// The connection the identity is on.
        connection: String,
        /// The identity's exact name there.
        identity: String,
    },
    /// Unlink a person and a platform identity, automatic links included (kept across
    /// re-imports).
    #[command(after_help = "Example: warden user unlink maya redshift_dw maya")]
    Unlink {
        /// The person (name or email).
        person: String,
        /// The connection the identity is on.
        connection: String,
        /// The identity's exact name there.
        identity: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Read the config and report what it sets, or the first thing wrong.
    #[command(after_help = "Example: warden config check")]
    Check,
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    /// Make a token for a person, or for an agent acting for them (printed once).
    #[command(after_help = "Example: warden token create maya --agent reporting-bot")]
    Create {
        /// The person the token stands for (name or email).
        person: String,
        /// The agent's name: the token is an agent's, with requester rights at most and every
        /// call logged.
        #[arg(long)]
        agent: Option<String>,
    },
    /// List tokens (never their secrets).
    #[command(after_help = "Example: warden --json token list")]
    List,
    /// Revoke a token by id.
    #[command(after_help = "Example: warden token revoke tok_3f9a0c1d2e4b5a68")]
    Revoke {
        /// The token's id, as `token list` shows it (`tok_…`).
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ToolsAction {
    /// Call tool NAME with JSON arguments.
    #[command(
        after_help = "Example: warden tools call check_access '{\"identity\":\"maya\",\"privilege\":\"SELECT\",\"resource\":\"crm.leads\"}'"
    )]
    Call {
        /// The tool's name (`warden tools` lists them).
        name: String,
        /// Its arguments, one JSON object (the tool's schema: `warden tools --export DIR`).
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
