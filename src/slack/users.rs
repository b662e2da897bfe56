//! Who a Slack user is in Warden, and back: the `[slack.users]` map first, else the email Slack
//! has for them (`users.info`, `users.lookupByEmail`), remembered for `user_cache` so that a burst
//! of reactions costs one lookup.

use super::client::{SlackClient, SlackError};
use crate::config::SlackConfig;
use crate::model::people::Person;
use crate::store::Store;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Directory {
    /// Slack user id → person name, from the config.
    named: BTreeMap<String, String>,
    ttl: Duration,
    /// Slack user id → their email (`None`: Slack has none), as of when it was asked.
    emails: Mutex<HashMap<String, (Instant, Option<String>)>>,
    /// Email (lower case) → Slack user id (`None`: Slack has nobody with it).
    ids: Mutex<HashMap<String, (Instant, Option<String>)>>,
}

/// What a lookup failed on: Slack, or the store.
#[derive(Debug)]
pub enum LookupError {
    Slack(SlackError),
    Store(crate::store::StoreError),
}

impl From<SlackError> for LookupError {
    fn from(e: SlackError) -> Self {
        LookupError::Slack(e)
    }
}

impl From<crate::store::StoreError> for LookupError {
    fn from(e: crate::store::StoreError) -> Self {
        LookupError::Store(e)
    }
}

fn fresh<T: Clone>(
    cache: &Mutex<HashMap<String, (Instant, T)>>,
    key: &str,
    ttl: Duration,
) -> Option<T> {
    let cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .get(key)
        .filter(|(at, _)| at.elapsed() < ttl)
        .map(|(_, v)| v.clone())
}

fn remember<T>(cache: &Mutex<HashMap<String, (Instant, T)>>, key: &str, value: T) {
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    cache.insert(key.to_string(), (Instant::now(), value));
}

impl Directory {
    pub fn new(config: &SlackConfig) -> Directory {
        Directory {
            named: config.users.clone(),
            ttl: config.user_cache.std(),
            emails: Mutex::new(HashMap::new()),
            ids: Mutex::new(HashMap::new()),
        }
    }

    /// The Warden person a Slack user is, if any.
    pub async fn person(
        &self,
        client: &SlackClient,
        store: &Store,
        user: &str,
    ) -> Result<Option<Person>, LookupError> {
        if let Some(name) = self.named.get(user) {
            return Ok(store.find_person(name).await?);
        }
        let email = match fresh(&self.emails, user, self.ttl) {
            Some(email) => email,
            None => {
                let email = client.user_email(user).await?;
                remember(&self.emails, user, email.clone());
                email
            }
        };
        match email {
            Some(email) if !email.trim().is_empty() => Ok(store.find_person(&email).await?),
            _ => Ok(None),
        }
    }

    /// The Slack user a person is, if any: named in the map, else found by their email.
    pub async fn slack_id(
        &self,
        client: &SlackClient,
        person: &Person,
    ) -> Result<Option<String>, SlackError> {
        if let Some((id, _)) = self
            .named
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(&person.name))
        {
            return Ok(Some(id.clone()));
        }
        let Some(email) = person.email.as_deref().map(str::to_lowercase) else {
            return Ok(None);
        };
        if let Some(id) = fresh(&self.ids, &email, self.ttl) {
            return Ok(id);
        }
        let id = client.lookup_by_email(&email).await?;
        remember(&self.ids, &email, id.clone());
        Ok(id)
    }
}
