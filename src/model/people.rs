//! People, their roles and [`Principal`]: who is asking, which is what every rule on the server
//! is decided by (INTERFACE.md "Who may do what"). Plain data; the service is [`crate::people`].

use crate::error::{ErrorCode, Problem};
use rand::RngCore;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a person may do; each role includes the ones before it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Requester,
    Reviewer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Requester => "requester",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "requester" => Ok(Role::Requester),
            "reviewer" => Ok(Role::Reviewer),
            "admin" => Ok(Role::Admin),
            _ => Err(format!(
                "{s:?} is not a role (requester, reviewer or admin)"
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person who uses Warden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub created_at: String,
}

/// A bearer token as listed (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TokenInfo {
    pub id: String,
    pub person: String,
    /// Set for a token an AI agent uses on the person's behalf.
    pub agent: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Who is asking: a person, or an agent acting for one, or the local operator at the command
/// line (who holds the data dir and so every right already).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub person: Option<Person>,
    pub agent: Option<String>,
    pub token_id: Option<String>,
}

/// How logs and answers name an agent acting for someone: `agent "helpdesk-bot" for alice`.
pub fn agent_for(agent: &str, who: &str) -> String {
    format!("agent {agent:?} for {who}")
}

impl Principal {
    /// The command line without `--as`: whoever can open the data dir.
    pub fn operator() -> Principal {
        Principal {
            person: None,
            agent: None,
            token_id: None,
        }
    }

    pub fn person(person: Person) -> Principal {
        Principal {
            person: Some(person),
            agent: None,
            token_id: None,
        }
    }

    /// The rights in force: an agent never has more than requester rights, whoever its person is.
    pub fn role(&self) -> Role {
        match (&self.person, &self.agent) {
            (None, _) => Role::Admin,
            (Some(_), Some(_)) => Role::Requester,
            (Some(p), None) => p.role,
        }
    }

    /// A short description for logs and answers: `alice`, `agent "helpdesk-bot" for alice`.
    pub fn describe(&self) -> String {
        let who = self
            .person
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "the local operator".into());
        match &self.agent {
            Some(a) => agent_for(a, &who),
            None => who,
        }
    }

    /// Fails with `forbidden` unless the principal holds at least `role`.
    pub fn require(&self, role: Role, action: &str) -> Result<(), Problem> {
        if self.role() >= role {
            return Ok(());
        }
        let why = if self.agent.is_some() {
            "agent tokens have requester rights only".to_string()
        } else {
            format!(
                "{} is {}",
                self.describe(),
                super::words::a(&self.role().to_string())
            )
        };
        Err(Problem::new(
            ErrorCode::Forbidden,
            format!("{action} needs the {role} role; {why}"),
        ))
    }
}

/// An admin's word on one person and one identity: linked (`true`) or not (`false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManualLink {
    pub connection: String,
    /// The identity's name as the platform has it.
    pub identity: String,
    pub linked: bool,
}

/// A fresh opaque id: `prefix_` and 16 random hex digits.
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", super::hex(&bytes))
}
