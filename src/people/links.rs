//! Which platform identities a person is linked to: the automatic links (same email, else same
//! name; recomputed from every import) with an admin's manual links added and manual unlinks
//! taken away. The manual words are stored, so they survive re-imports.

use super::{Person, Principal, Role};
use crate::access::{Access, Resolved};
use crate::error::{ErrorCode, Problem};
use crate::index::Target;
use crate::model::audit::NewEvent;
pub use crate::model::people::ManualLink;
use crate::store::Store;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A link as shown on a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Link {
    pub connection: String,
    pub identity: String,
    /// `auto` (same email or name) or `manual` (an admin linked them).
    pub source: String,
}

/// The body of `POST /v1/people/{name}/links`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    pub connection: String,
    pub identity: String,
}

/// The identity named exactly `name` (any case, the exact spelling winning) on `connection`.
pub(crate) fn exact_identity(access: &Access, connection: &str, name: &str) -> Option<Resolved> {
    access.named(Target::Identity, connection, name)
}

/// The identities `person` is linked to, with where each link comes from.
pub fn effective(
    access: &Access,
    person: &Person,
    manual: &[ManualLink],
) -> Vec<(Resolved, &'static str)> {
    let named = |h: &Resolved| {
        let c = access.conn(h.conn);
        (c.name.clone(), c.identity(h.id).name.clone())
    };
    let removed = |h: &Resolved| {
        let (c, i) = named(h);
        manual
            .iter()
            .any(|m| !m.linked && m.connection == c && m.identity.eq_ignore_ascii_case(&i))
    };
    let mut out: Vec<(Resolved, &'static str)> = access
        .linked_identities(&person.name, person.email.as_deref())
        .into_iter()
        .filter(|h| !removed(h))
        .map(|h| (h, "auto"))
        .collect();
    for m in manual.iter().filter(|m| m.linked) {
        // A manual link to an identity the last import no longer has links nothing.
        if let Some(h) = exact_identity(access, &m.connection, &m.identity)
            && !out.iter().any(|(o, _)| *o == h)
        {
            out.push((h, "manual"));
        }
    }
    out.sort_by_key(|(h, _)| (h.conn, h.id));
    out
}

/// [`effective`], as shown on a person.
pub fn shown(access: &Access, person: &Person, manual: &[ManualLink]) -> Vec<Link> {
    effective(access, person, manual)
        .into_iter()
        .map(|(h, source)| {
            let c = access.conn(h.conn);
            Link {
                connection: c.name.clone(),
                identity: c.identity(h.id).name.clone(),
                source: source.into(),
            }
        })
        .collect()
}

/// The identities `person` is linked to, reading their manual links from the store.
pub async fn of(
    store: &Store,
    access: &Access,
    person_id: &str,
    name: &str,
    email: Option<&str>,
) -> Result<Vec<Resolved>, Problem> {
    let manual: Vec<ManualLink> = store
        .links(Some(person_id))
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    let person = Person {
        id: person_id.to_string(),
        name: name.to_string(),
        email: email.map(str::to_string),
        role: Role::Requester,
        created_at: String::new(),
    };
    Ok(effective(access, &person, &manual)
        .into_iter()
        .map(|(h, _)| h)
        .collect())
}

/// An admin links (`linked`) or unlinks a person and an identity. Returns the person's links
/// as they are now.
pub async fn set(
    store: &Store,
    access: &Access,
    who: &Principal,
    person: &str,
    target: &NewLink,
    linked: bool,
    at: &str,
) -> Result<Vec<Link>, Problem> {
    let (connection, identity) = (target.connection.trim(), target.identity.trim());
    let action = if linked { "linking" } else { "unlinking" };
    who.require(Role::Admin, &format!("{action} a person and an identity"))?;
    let person = store.find_person(person.trim()).await?.ok_or_else(|| {
        Problem::new(ErrorCode::NotFound, format!("no person named {person:?}")).at("person")
    })?;
    let Some((c, _)) = access.graph.connection(connection) else {
        let known: Vec<&str> = access
            .graph
            .connections
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        return Err(Problem::new(
            ErrorCode::NotFound,
            format!("no connection {connection:?} (known: {})", known.join(", ")),
        )
        .at("connection"));
    };
    let Some(h) = exact_identity(access, connection, identity) else {
        // The usual not-found error, with the closest names on that connection.
        let e = access
            .resolve(Target::Identity, identity, Some(c as u32), "identity")
            .err()
            .unwrap_or_else(|| Problem::new(ErrorCode::NotFound, "").at("identity"));
        return Err(Problem::new(
            ErrorCode::NotFound,
            format!("no identity named exactly {identity:?} on {connection}"),
        )
        .at("identity")
        .with_candidates(e.candidates));
    };
    let link = ManualLink {
        connection: connection.to_string(),
        identity: access.conn(h.conn).identity(h.id).name.clone(),
        linked,
    };
    let kind = if linked {
        "person_linked"
    } else {
        "person_unlinked"
    };
    let event = NewEvent::new(
        who.describe(),
        kind,
        None,
        json!({"person": person.name, "connection": link.connection, "identity": link.identity}),
    );
    store
        .set_link(&person.id, &link, &who.describe(), at, &event)
        .await?;
    let manual: Vec<ManualLink> = store
        .links(Some(&person.id))
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    Ok(shown(access, &person, &manual))
}
