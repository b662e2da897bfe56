//! The people operations every edge calls (REST, CLI, the demo): adding people, finding them,
//! their tokens and their links to platform identities. Who may do what is decided here, not at
//! the edges.

use super::cache::TokenCache;
use super::links::{self, Link, NewLink};
use super::tokens::{NewToken, hash_token, new_token};
use super::{ManualLink, Person, Principal, Role, TokenInfo};
use crate::access::AccessHandle;
use crate::error::{Candidate, ErrorCode, Problem};
use crate::model::time::stamp;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// People and their tokens over one store, with the current graph for their links.
#[derive(Clone)]
pub struct People {
    pub(super) store: Store,
    access: Arc<AccessHandle>,
    /// Recently checked tokens; cleared when a token is revoked here.
    tokens: Arc<TokenCache>,
}

impl People {
    pub fn new(store: Store, access: Arc<AccessHandle>) -> People {
        People {
            store,
            access,
            tokens: Arc::default(),
        }
    }

    /// The same service over `store` (the same one going by another clock; the token cache is
    /// kept).
    pub fn with_store(mut self, store: Store) -> People {
        self.store = store;
        self
    }

    /// Now, by the store's clock: people, tokens and links are stamped as the store stamps.
    fn now(&self) -> DateTime<Utc> {
        self.store.clock().now()
    }

    /// Adds a person; a taken name or email is refused.
    pub async fn add_person(
        &self,
        name: &str,
        role: Role,
        email: Option<&str>,
    ) -> Result<Person, Problem> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(Problem::invalid("name", "a person needs a printable name"));
        }
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email
            && (!e.contains('@') || e.chars().any(char::is_whitespace))
        {
            return Err(Problem::invalid(
                "email",
                format!("{e:?} is not an email address"),
            ));
        }
        let person = Person {
            id: format!("p_{}", &new_token().id[4..]),
            name: name.to_string(),
            email: email.map(str::to_string),
            role,
            created_at: self.now().to_rfc3339(),
        };
        if !self.store.add_person(&person).await? {
            return Err(Problem::new(
                ErrorCode::InvalidArgument,
                format!("a person named {name:?} or with that email already exists"),
            )
            .at("name"));
        }
        Ok(person)
    }

    /// A person by name or email, or `not_found` listing the people there are.
    pub async fn person(&self, key: &str) -> Result<Person, Problem> {
        if let Some(p) = self.store.find_person(key).await? {
            return Ok(p);
        }
        let people = self.store.people().await?;
        Err(
            Problem::new(ErrorCode::NotFound, format!("no person named {key:?}")).with_candidates(
                people
                    .into_iter()
                    .take(20)
                    .map(|p| Candidate {
                        name: p.name,
                        kind: format!("person ({})", p.role),
                        connection: String::new(),
                    })
                    .collect(),
            ),
        )
    }

    /// Every person, for `who` (reviewers and admins: the list names everyone).
    pub async fn list(&self, who: &Principal) -> Result<Vec<Person>, Problem> {
        who.require(Role::Reviewer, "listing people")?;
        Ok(self.store.people().await?)
    }

    /// Every person with the identities they are linked to (the local operator's view).
    pub async fn list_with_links(&self) -> Result<Vec<(Person, Vec<Link>)>, Problem> {
        let manual = self.store.links(None).await?;
        let access = self.access.load();
        Ok(self
            .store
            .people()
            .await?
            .into_iter()
            .map(|p| {
                let mine: Vec<ManualLink> = manual
                    .iter()
                    .filter(|(id, _)| *id == p.id)
                    .map(|(_, l)| l.clone())
                    .collect();
                let shown = links::shown(&access, &p, &mine);
                (p, shown)
            })
            .collect())
    }

    /// [`People::list_with_links`] for `who`, who must be an admin (the people page).
    pub async fn overview(&self, who: &Principal) -> Result<Vec<(Person, Vec<Link>)>, Problem> {
        who.require(Role::Reviewer, "listing people")?;
        self.list_with_links().await
    }

    /// The people linked to the identity `identity` on `connection` (automatically or by hand),
    /// each with how, for `who` (reviewers and admins: the list names people).
    pub async fn linked_to(
        &self,
        who: &Principal,
        connection: &str,
        identity: &str,
    ) -> Result<Vec<(Person, String)>, Problem> {
        who.require(Role::Reviewer, "listing people")?;
        let access = self.access.load();
        let Some(h) = links::exact_identity(&access, connection, identity) else {
            return Ok(Vec::new());
        };
        let name = &access.conn(h.conn).identity(h.id).name;
        Ok(self
            .list_with_links()
            .await?
            .into_iter()
            .filter_map(|(p, shown)| {
                let l = shown
                    .into_iter()
                    .find(|l| l.connection == connection && l.identity == *name)?;
                Some((p, l.source))
            })
            .collect())
    }

    /// The identities `person` is linked to now, automatic and manual.
    pub async fn links(&self, person: &Person) -> Result<Vec<Link>, Problem> {
        let manual: Vec<ManualLink> = self
            .store
            .links(Some(&person.id))
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        Ok(links::shown(&self.access.load(), person, &manual))
    }

    /// `who` (an admin) links (`linked`) or unlinks `person` and an identity; the person's links
    /// as they are now.
    pub async fn set_link(
        &self,
        who: &Principal,
        person: &str,
        target: &NewLink,
        linked: bool,
    ) -> Result<Vec<Link>, Problem> {
        let at = stamp(self.now());
        let access = self.access.load();
        links::set(&self.store, &access, who, person, target, linked, &at).await
    }

    /// A new bearer token for a person, or for an agent acting for them. The secret is returned
    /// once and only its hash is kept.
    pub async fn create_token(
        &self,
        person: &str,
        agent: Option<&str>,
    ) -> Result<(Person, NewToken), Problem> {
        let person = self.person(person).await?;
        let agent = agent.map(str::trim);
        if agent.is_some_and(|a| a.is_empty() || a.chars().any(char::is_control)) {
            return Err(Problem::invalid("agent", "an agent needs a printable name"));
        }
        let token = new_token();
        self.store
            .add_token(&token.id, &person.id, agent, &token.hash)
            .await?;
        Ok((person, token))
    }

    /// [`People::add_person`] by `who`, who must be an admin.
    pub async fn add_person_by(
        &self,
        who: &Principal,
        name: &str,
        role: Role,
        email: Option<&str>,
    ) -> Result<Person, Problem> {
        who.require(Role::Admin, "adding a person")?;
        self.add_person(name, role, email).await
    }

    /// [`People::create_token`] by `who`, who must be an admin.
    pub async fn create_token_by(
        &self,
        who: &Principal,
        person: &str,
        agent: Option<&str>,
    ) -> Result<(Person, NewToken), Problem> {
        who.require(Role::Admin, "creating a token")?;
        self.create_token(person, agent).await
    }

    /// [`People::tokens`] for `who`, who must be an admin.
    pub async fn tokens_for(&self, who: &Principal) -> Result<Vec<TokenInfo>, Problem> {
        who.require(Role::Admin, "listing tokens")?;
        self.tokens().await
    }

    /// [`People::revoke_token`] by `who`, who must be an admin.
    pub async fn revoke_token_by(&self, who: &Principal, id: &str) -> Result<bool, Problem> {
        who.require(Role::Admin, "revoking a token")?;
        self.revoke_token(id).await
    }

    /// Every token, live or revoked (never the secrets: only their hashes are kept).
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, Problem> {
        Ok(self.store.tokens().await?)
    }

    /// Who a bearer token stands for, if it is live (cached for [`super::cache::TTL`]).
    pub async fn principal_for_token(&self, secret: &str) -> Result<Option<Principal>, Problem> {
        let hash = hash_token(secret);
        if let Some(who) = self.tokens.get(&hash) {
            return Ok(Some(who));
        }
        let who = self.store.principal_for(&hash).await?;
        if let Some(w) = &who {
            self.tokens.put(hash, w.clone());
        }
        Ok(who)
    }

    /// Revokes a token; it stops working here at once (elsewhere within the cache's lifetime).
    /// False when there was no live token with that id.
    pub async fn revoke_token(&self, id: &str) -> Result<bool, Problem> {
        let revoked = self.store.revoke_token(id).await?;
        self.tokens.clear();
        Ok(revoked)
    }
}
