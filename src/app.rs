//! Wiring: a store, the access graph built from it, and keeping that graph fresh.

use crate::access::{Access, AccessHandle};
use crate::chat::{ChatContext, EngineKind, Reply};
use crate::config::Config;
use crate::error::Problem;
use crate::metrics::Metrics;
use crate::model::{Connection, ImportedConnection};
use crate::people::oidc::Oidc;
use crate::people::{People, Principal, Role};
use crate::requests::Requests;
use crate::requests::clock::{Clock, SystemClock, stamp};
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Set to `true` when the server stops: background workers finish their step and return.
pub type Stop = tokio::sync::watch::Receiver<bool>;

/// How often a server checks the store's generation when nothing tells it of imports.
const POLL: std::time::Duration = std::time::Duration::from_secs(2);
/// The same while it listens for them (PostgreSQL), as a safety net.
const POLL_LISTENING: std::time::Duration = std::time::Duration::from_secs(30);

/// What every command and the server share. One `Arc`: every HTTP request clones the app (its
/// state extractors), and a clone of the parts themselves was a dozen atomic counts bounced
/// between the cores, 9% of a check's server time.
#[derive(Clone)]
pub struct App(Arc<AppParts>);

/// The app's parts, read through [`App`].
#[derive(Clone)]
pub struct AppParts {
    pub store: Store,
    pub access: Arc<AccessHandle>,
    pub config: Arc<Config>,
    /// The request workflow (REST, tools, chat and the job runner share it).
    pub requests: Requests,
    /// People, their tokens and links (REST, CLI and the demo share it).
    pub people: People,
    /// What the edges and workers count, for `GET /metrics`.
    pub metrics: Metrics,
    /// Single sign-on for the pages, when `[oidc]` is configured.
    pub oidc: Option<Arc<Oidc>>,
    /// The store generation the current graph was built from.
    generation: Arc<AtomicI64>,
}

/// Builds the graph and index off the async threads (it takes seconds on large snapshots).
pub async fn build_access(connections: Vec<Connection>) -> Result<Access, Problem> {
    tokio::task::spawn_blocking(move || Access::build(connections))
        .await
        .map_err(|e| Problem::internal(format!("graph build failed: {e}")))?
}

impl App {
    /// Reads the config, opens the store in `data_dir` and builds the graph from what it holds.
    pub async fn open(data_dir: &Path) -> Result<App, Problem> {
        let config = Config::load(data_dir, None)?;
        App::open_with(data_dir, config).await
    }

    pub async fn open_with(data_dir: &Path, config: Config) -> Result<App, Problem> {
        App::open_loading(data_dir, config, false).await
    }

    /// [`App::open_with`] for commands about people and tokens: the graph holds the platforms'
    /// identities only (how people are linked to them), not their resources, memberships or
    /// grants, so that adding a person or a token takes the same time with two grants or two
    /// million. Not for answering questions, nor for serving.
    pub async fn open_for_people(data_dir: &Path, config: Config) -> Result<App, Problem> {
        App::open_loading(data_dir, config, true).await
    }

    async fn open_loading(
        data_dir: &Path,
        config: Config,
        identities_only: bool,
    ) -> Result<App, Problem> {
        let store = Store::open(data_dir, config.database_url.as_ref().map(|u| u.expose())).await?;
        let generation = store.generation().await?;
        let connections = match identities_only {
            true => store.load_identities().await?,
            false => store.load().await?,
        };
        let access = build_access(connections).await?;
        let config = Arc::new(config);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let access = Arc::new(AccessHandle::new(access));
        let metrics = Metrics::new();
        let oidc = match &config.oidc {
            Some(cfg) => Some(Arc::new(Oidc::new(cfg.clone())?)),
            None => None,
        };
        Ok(App(Arc::new(AppParts {
            oidc,
            requests: Requests::new(
                store.clone(),
                config.clone(),
                clock.clone(),
                metrics.clone(),
            ),
            metrics,
            people: People::new(store.clone(), access.clone()),
            store,
            access,
            config,
            generation: Arc::new(AtomicI64::new(generation)),
        })))
    }

    /// Imports validated connections and swaps in a graph that includes them.
    pub async fn import(&self, connections: Vec<Connection>) -> Result<i64, Problem> {
        let generation = self.store.replace_connections(&connections).await?;
        self.rebuild(generation).await?;
        Ok(generation)
    }

    /// [`App::import`] by `actor` (a person, or `warden` for a sync), written to the audit log
    /// with what was imported.
    pub async fn import_as(
        &self,
        actor: &str,
        connections: Vec<Connection>,
    ) -> Result<(Vec<ImportedConnection>, i64), Problem> {
        let summary = import_summary(&connections);
        let generation = self.import(connections).await?;
        let at = stamp(self.requests.clock().now());
        crate::audit::record_import(&self.store, &at, actor, &summary, generation).await?;
        Ok((summary, generation))
    }

    /// Whether `who` may import a snapshot: admins only. Asked before a snapshot is read, so
    /// that a refused caller costs no parsing.
    pub fn may_import(who: &Principal) -> Result<(), Problem> {
        who.require(Role::Admin, "importing a snapshot")
    }

    /// [`App::import_as`] by `who`, who must be an admin.
    pub async fn import_by(
        &self,
        who: &Principal,
        connections: Vec<Connection>,
    ) -> Result<(Vec<ImportedConnection>, i64), Problem> {
        App::may_import(who)?;
        self.import_as(&who.describe(), connections).await
    }

    /// Rebuilds when another process (a `warden import`) changed the store. Readers keep the
    /// old graph until the new one is ready.
    pub async fn refresh_if_stale(&self) -> Result<bool, Problem> {
        let current = self.store.generation().await?;
        if current == self.generation.load(Ordering::Acquire) {
            return Ok(false);
        }
        self.rebuild(current).await?;
        Ok(true)
    }

    /// Keeps the graph in step with the store for as long as the server runs: on PostgreSQL it
    /// rebuilds when an import anywhere announces itself (LISTEN/NOTIFY), and checks the
    /// generation every [`POLL_LISTENING`] in case a notice was lost with a connection; on SQLite
    /// it checks the generation (one indexed read) every [`POLL`]. Readers keep the old graph
    /// until the new one is built.
    pub async fn keep_fresh(self, stop: Stop) {
        let listener = self.store.listener().await;
        self.follow(listener, stop).await
    }

    /// [`App::keep_fresh`] with the listener already connected (so that a caller knows no
    /// import can slip in before it listens). A refresh under way finishes before it stops.
    pub async fn follow(self, mut listener: Option<sqlx::postgres::PgListener>, mut stop: Stop) {
        loop {
            let wait = async {
                match listener.as_mut() {
                    Some(l) => {
                        tokio::select! {
                            got = l.recv() => if let Err(e) = got {
                                tracing::warn!(error = %e, "lost the LISTEN connection; polling instead");
                                listener = None;
                            },
                            _ = tokio::time::sleep(POLL_LISTENING) => {}
                        }
                    }
                    None => tokio::time::sleep(POLL).await,
                }
            };
            tokio::select! {
                _ = wait => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            if let Err(e) = self.refresh_if_stale().await {
                tracing::warn!(error = %e, "graph refresh failed; still answering from the previous one");
            }
        }
    }

    async fn rebuild(&self, generation: i64) -> Result<(), Problem> {
        let access = build_access(self.store.load().await?).await?;
        self.access.swap(access);
        self.generation.store(generation, Ordering::Release);
        tracing::info!(generation, "graph rebuilt");
        Ok(())
    }

    /// Calls a tool as `who` (rights checked, agent calls logged).
    pub async fn call_tool(
        &self,
        who: &Principal,
        name: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, Problem> {
        crate::tools::invoke(self.access.load(), &self.requests, who, None, name, args).await
    }

    /// One chat turn as `who`.
    pub async fn chat(
        &self,
        who: &Principal,
        message: &str,
        conversation_id: Option<&str>,
        engine: Option<EngineKind>,
    ) -> Result<Reply, Problem> {
        let turn = crate::chat::ask(self.chat_context(), who, message, conversation_id, engine);
        self.counted(engine, turn).await
    }

    /// One chat turn as `who` in the conversation the caller names by `key` (a Slack thread),
    /// started by the first message that names it.
    pub async fn chat_in(
        &self,
        who: &Principal,
        message: &str,
        key: &str,
    ) -> Result<Reply, Problem> {
        let turn = crate::chat::ask_in(self.chat_context(), who, message, key, None);
        self.counted(None, turn).await
    }

    /// A chat turn, counted for metrics by the engine that answered (or, when it failed, the
    /// one that was asked for or would have been).
    async fn counted(
        &self,
        engine: Option<EngineKind>,
        turn: impl std::future::Future<Output = Result<Reply, Problem>>,
    ) -> Result<Reply, Problem> {
        let started = std::time::Instant::now();
        let result = turn.await;
        let (engine, outcome) = match &result {
            Ok(reply) => (reply.engine, "ok"),
            Err(e) => (
                engine.unwrap_or(EngineKind::default_for(self.config.llm.as_ref())),
                e.code.as_str(),
            ),
        };
        let seconds = started.elapsed().as_secs_f64();
        self.metrics.chat_turn(engine.as_str(), outcome, seconds);
        result
    }

    fn chat_context(&self) -> ChatContext<'_> {
        ChatContext {
            access: self.access.load(),
            store: &self.store,
            requests: &self.requests,
            llm: self.config.llm.as_ref(),
        }
    }

    /// The same app going by another clock (tests move time instead of waiting).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> App {
        let mut parts = Arc::unwrap_or_clone(self.0);
        parts.store = parts.store.with_clock(clock.clone());
        parts.requests = Requests::new(
            parts.store.clone(),
            parts.config.clone(),
            clock,
            parts.metrics.clone(),
        );
        parts.people = parts.people.with_store(parts.store.clone());
        App(Arc::new(parts))
    }

    pub fn generation(&self) -> i64 {
        self.generation.load(Ordering::Acquire)
    }
}

impl std::ops::Deref for App {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// Counts per imported connection.
pub fn import_summary(connections: &[Connection]) -> Vec<ImportedConnection> {
    connections.iter().map(Connection::counts).collect()
}
