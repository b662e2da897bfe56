//! The `warden` binary: parse the command line, set up logging, run.

use clap::Parser;

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
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, never in a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WARDEN_LOG")
                .unwrap_or_else(|_| "warn,warden=info".into()),
        )
        .init();
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
