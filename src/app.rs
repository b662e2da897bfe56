//! Wiring: a store, the access graph built from it, and keeping that graph fresh.

use crate::access::{Access, AccessHandle};
use crate::error::ApiError;
use crate::model::Connection;
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// What every command and the server share.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub access: Arc<AccessHandle>,
    /// The store generation the current graph was built from.
    generation: Arc<AtomicI64>,
}

/// Builds the graph and index off the async threads (it takes seconds on large snapshots).
pub async fn build_access(connections: Vec<Connection>) -> Result<Access, ApiError> {
    tokio::task::spawn_blocking(move || Access::build(connections))
        .await
        .map_err(|e| ApiError::internal(format!("graph build failed: {e}")))?
}

impl App {
    /// Opens the store in `data_dir` and builds the graph from what it holds.
    pub async fn open(data_dir: &Path) -> Result<App, ApiError> {
        let store = Store::open_data_dir(data_dir).await?;
        let generation = store.generation().await?;
        let access = build_access(store.load().await?).await?;
        Ok(App {
            store,
            access: Arc::new(AccessHandle::new(access)),
            generation: Arc::new(AtomicI64::new(generation)),
        })
    }

    /// Imports validated connections and swaps in a graph that includes them.
    pub async fn import(&self, connections: Vec<Connection>) -> Result<i64, ApiError> {
        let generation = self.store.replace_connections(&connections).await?;
        self.rebuild(generation).await?;
        Ok(generation)
    }

    /// Rebuilds when another process (a `warden import`) changed the store. Readers keep the
    /// old graph until the new one is ready.
    pub async fn refresh_if_stale(&self) -> Result<bool, ApiError> {
        let current = self.store.generation().await?;
        if current == self.generation.load(Ordering::Acquire) {
            return Ok(false);
        }
        self.rebuild(current).await?;
        Ok(true)
    }

    async fn rebuild(&self, generation: i64) -> Result<(), ApiError> {
        let access = build_access(self.store.load().await?).await?;
        self.access.swap(access);
        self.generation.store(generation, Ordering::Release);
        tracing::info!(generation, "graph rebuilt");
        Ok(())
    }

    pub fn generation(&self) -> i64 {
        self.generation.load(Ordering::Acquire)
    }
}
