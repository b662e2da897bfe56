//! The requester's access now to what a request asks for, with the paths behind it
//! (`maya → analyst → reporting → SELECT on …`): the same `check_access` and `get_identity`
//! answers the tools give, asked for each of the requester's linked identities. Shown on a
//! request's page and in its Slack message.

use super::{CheckAccess, CheckAccessArgs, GetIdentity, GetIdentityArgs, Tool};
use crate::access::Access;
use crate::error::Problem;
use crate::requests::AccessRequest;
use crate::store::Store;

/// Whether one of the requester's identities holds one asked-for thing now.
pub struct Held {
    pub connection: String,
    /// The requester's identity on that connection (empty when they have none).
    pub identity: String,
    /// `SELECT on prod.crm.leads`, `member of analyst`.
    pub what: String,
    pub held: bool,
    /// Every path that gives it.
    pub paths: Vec<String>,
    /// Caveats, or why it could not be checked.
    pub notes: Vec<String>,
}

/// One row per asked-for privilege and role, per identity of the requester on its connection.
pub async fn of(store: &Store, access: &Access, r: &AccessRequest) -> Result<Vec<Held>, Problem> {
    let linked = crate::people::links::of(
        store,
        access,
        &r.requester_id,
        &r.requester,
        r.requester_email.as_deref(),
    )
    .await?;
    let mine = |conn: &str| -> Vec<String> {
        linked
            .iter()
            .filter(|h| access.conn(h.conn).name == conn)
            .map(|h| access.conn(h.conn).identity(h.id).name.clone())
            .collect()
    };
    let none = |conn: &str, what: String| Held {
        connection: conn.to_string(),
        identity: String::new(),
        what,
        held: false,
        paths: Vec::new(),
        notes: vec![format!("{} has no identity on {conn}", r.requester)],
    };
    let mut out = Vec::new();
    for res in &r.resources {
        let ids = mine(&res.connection);
        for p in &r.privileges {
            let what = format!("{} on {}", p.as_str(), res.name);
            if ids.is_empty() {
                out.push(none(&res.connection, what.clone()));
            }
            for identity in &ids {
                let args = CheckAccessArgs {
                    identity: identity.clone(),
                    privilege: p.as_str().to_string(),
                    resource: res.name.clone(),
                    connection: Some(res.connection.clone()),
                };
                out.push(match CheckAccess::run(access, args) {
                    Ok(a) => Held {
                        connection: a.connection,
                        identity: a.identity,
                        what: what.clone(),
                        held: a.allowed,
                        paths: a.paths.into_iter().map(|p| p.text).collect(),
                        notes: a.caveats.into_iter().map(|c| c.text).collect(),
                    },
                    Err(e) => Held {
                        connection: res.connection.clone(),
                        identity: identity.clone(),
                        what: what.clone(),
                        held: false,
                        paths: Vec::new(),
                        notes: vec![e.message],
                    },
                });
            }
        }
    }
    for role in &r.roles {
        let ids = mine(&role.connection);
        let what = format!("member of {}", role.name);
        if ids.is_empty() {
            out.push(none(&role.connection, what.clone()));
        }
        for identity in &ids {
            let args = GetIdentityArgs {
                identity: identity.clone(),
                connection: Some(role.connection.clone()),
            };
            let mut row = Held {
                connection: role.connection.clone(),
                identity: identity.clone(),
                what: what.clone(),
                held: false,
                paths: Vec::new(),
                notes: Vec::new(),
            };
            match GetIdentity::run(access, args) {
                Ok(found) => {
                    let info = found.identities.into_iter().next();
                    if let Some(m) = info
                        .iter()
                        .flat_map(|i| &i.roles)
                        .find(|m| m.name == role.name)
                    {
                        row.held = true;
                        row.paths.push(m.via.clone());
                        if !m.inherited {
                            row.notes.push(format!(
                                "a member, but without inheriting {}'s privileges (NOINHERIT on the way)",
                                role.name
                            ));
                        }
                    }
                }
                Err(e) => row.notes.push(e.message),
            }
            out.push(row);
        }
    }
    Ok(out)
}
