//! The `warden` binary: parse the command line, set up logging, run.

use clap::Parser;
use warden::config::{Config, LogFormat};

/// mimalloc, not glibc's malloc: a check allocates small strings and maps by the dozen, and with
/// glibc 15% of the server's time under load was malloc and free (perf, `agents` bench); with
/// mimalloc an audited agent call is answered 17-25% faster (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The flag (or its variable), else `[log] format` in the config when it can be read (a broken
/// config is the command's to report, in the format chosen so far), else text.
fn log_format(cli: &warden::cli::Cli) -> LogFormat {
    if let Some(f) = cli.log_format {
        return f;
    }
    let dir = cli.data_dir.clone().unwrap_or_else(|| ".".into());
    Config::load(&dir, cli.config.as_deref())
        .map(|c| c.log.format)
        .unwrap_or_default()
}

fn main() {
    let cli = match warden::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    install_panic_hook(cli.serves());
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARDEN_LOG")
        .unwrap_or_else(|_| "warn,warden=info".into());
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match log_format(&cli) {
        // One object a line; the request's span (its id, method and path) on every event.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        // Colour codes only for a terminal, never in a log file.
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(3);
        }
    };
    let status = runtime.block_on(warden::cli::run(cli));
    std::process::exit(status);
}

/// One-shot commands end on a bug with one line and exit status 3, not a backtrace. The server
/// only logs it: the panic is caught where it happened (the request or job step fails, with a
/// 500 or a retry) and the process serves on.
fn install_panic_hook(serving: bool) {
    std::panic::set_hook(Box::new(move |info| {
        let msg = warden::fault::panic_message(info.payload());
        if serving {
            let at = info.location().map(|l| l.to_string()).unwrap_or_default();
            tracing::error!(panic = %msg, at = %at, "panic");
        } else {
            eprintln!("error: internal error: {msg}");
            std::process::exit(3);
        }
    }));
}
