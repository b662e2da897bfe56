//! Recently checked tokens, so that a busy API does not read the store on every request. An entry
//! lives [`TTL`]: a token revoked by another process stops working within that time; one revoked
//! through this process stops at once.

use super::Principal;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a checked token is trusted without asking the store again.
pub const TTL: Duration = Duration::from_secs(2);

/// Entries kept at most; past it the cache starts over (a flood of bad tokens is not cached).
const MAX: usize = 10_000;

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl TokenCache {
    /// The principal for a token hash checked less than [`TTL`] ago.
    pub fn get(&self, hash: &str) -> Option<Principal> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(p, _)| p.clone())
    }

    pub fn put(&self, hash: String, who: Principal) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX {
            entries.clear();
        }
        entries.insert(hash, (who, Instant::now()));
    }

    /// Forgets every entry (a token was revoked here).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
