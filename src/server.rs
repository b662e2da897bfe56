//! The running server: accepts connections (bounded in number, headers read within a time
//! limit), serves the HTTP router on each, runs the background workers, and stops gracefully on
//! SIGTERM or Ctrl-C: no new connections; in-flight requests, the current job step, graph refresh
//! and sync finish (within `server.shutdown_grace`). This is the one place that starts them.

use crate::app::App;
use crate::config::ServerConfig;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Serves `app` on `listener` until SIGTERM or Ctrl-C.
pub async fn serve(app: App, listener: TcpListener) -> std::io::Result<()> {
    serve_until(app, listener, stop_signal()).await
}

/// Serves `app` on `listener` until `stop` completes, then shuts down gracefully.
pub async fn serve_until(
    app: App,
    listener: TcpListener,
    stop: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let limits = app.config.server.clone();
    tracing::info!("{}", describe(&limits));
    let (stopping, stopped) = watch::channel(false);
    // The background workers: each finishes its current step when told to stop.
    let mut workers = JoinSet::new();
    workers.spawn(app.clone().keep_fresh(stopped.clone()));
    workers.spawn(crate::sync::periodic(app.clone(), stopped.clone()));
    let mut pages = crate::web::routes();
    let mut handlers = None;
    if let Some(config) = &app.config.slack {
        let dashboard = format!("http://{}", listener.local_addr()?);
        let slack = crate::slack::Slack::new(app.clone(), config, &dashboard)
            .map_err(|e| std::io::Error::other(e.line()))?;
        // Before the first request is served, so that none is missed: the notifier starts at
        // the log's end the first time Slack is configured.
        app.store
            .slack_start()
            .await
            .map_err(|e| std::io::Error::other(e.summary()))?;
        workers.spawn(slack.clone().follow(stopped.clone()));
        pages = pages.merge(slack.routes());
        handlers = Some(slack.handler());
        tracing::info!(channel = %config.channel, "Slack: notifying the reviewers' channel");
    }
    workers.spawn(crate::jobs::run_until(
        app.requests.clone(),
        handlers,
        stopped,
    ));
    let router = crate::http::router(app, pages);

    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout.std());
    tokio::pin!(stop);
    loop {
        // A slot first: at the limit, clients wait in the kernel's listen queue, not in memory.
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            _ = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("stopping: finishing in-flight requests and the current job step");
    let grace = limits.shutdown_grace.std();
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            ?grace,
            "requests still running at the end of the grace period"
        );
    }
    let _ = stopping.send(true);
    let finished = tokio::time::timeout(grace, async {
        while let Some(done) = workers.join_next().await {
            if let Err(e) = done {
                tracing::warn!(error = %e, "a background worker ended abnormally");
            }
        }
    });
    if finished.await.is_err() {
        tracing::warn!(
            ?grace,
            "background work still running at the end of the grace period"
        );
        workers.abort_all();
    }
    Ok(())
}

/// SIGTERM (what service managers and `kill` send) or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The limits in force, for the start-up line.
pub fn describe(limits: &ServerConfig) -> String {
    format!(
        "limits: {} connections, {} per body ({} per import), {} per request",
        limits.max_connections,
        limits.max_body_size,
        limits.max_import_size,
        limits.request_timeout
    )
}
