//! Reads a Snowflake account into a snapshot through the SQL API ([`super::client`]): users,
//! account roles, warehouses, databases, schemas, tables and views, what each role holds
//! (`SHOW GRANTS TO ROLE`, OWNERSHIP included), who holds each role (`SHOW GRANTS OF ROLE`) and
//! each schema's future grants. The statements are in [`super::sql`].
//!
//! Database roles (`DB.ROLE`, kind `database_role`) are listed per database, with what each
//! holds and who holds it (account roles, or database roles of the same database); what each
//! user holds directly is read with SHOW GRANTS TO USER.
//!
//! With `source = "account_usage"` the grants come from the `SNOWFLAKE.ACCOUNT_USAGE` views in two
//! statements instead of two a role; database roles are then listed but what they hold is not
//! read (the views do not say which database a grantee database role is in), nor are privileges
//! granted directly to users (GRANTS_TO_USERS lists roles only). Grants on kinds of object a
//! snapshot has no kind for (functions, stages, integrations, the account) are left out.

use super::client::{Rows, SqlApi};
use super::sql;
use crate::connectors::{ConnectorError, quote, resource_doc, validated};
use crate::model::{Connection, Platform};
use futures_util::future::try_join_all;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Where grants are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// SHOW GRANTS, two statements a role: current, and as slow as the roles are many.
    Show,
    /// The `SNOWFLAKE.ACCOUNT_USAGE` views: two statements for the account, up to two hours
    /// behind.
    AccountUsage,
}

/// Reads the account `api` signs in to as connection `name`, its grants from SHOW GRANTS.
pub async fn read(api: &SqlApi, name: &str) -> Result<Connection, ConnectorError> {
    read_from(api, name, Source::Show).await
}

/// Reads the account, its grants from `source`.
pub async fn read_from(
    api: &SqlApi,
    name: &str,
    source: Source,
) -> Result<Connection, ConnectorError> {
    validated(snapshot(api, name, source).await?)
}

/// The snapshot document of the account, before validation.
pub async fn snapshot(api: &SqlApi, name: &str, source: Source) -> Result<Value, ConnectorError> {
    let mut identities = Vec::new();
    let mut users = BTreeSet::new();
    let listed = api.query(sql::USERS).await?;
    for r in &listed.rows {
        let Some(user) = listed.get(r, "name") else {
            continue;
        };
        let mut id = Map::new();
        id.insert("name".into(), json!(user));
        id.insert("kind".into(), json!("user"));
        if let Some(e) = listed.get(r, "email") {
            id.insert("email".into(), json!(e));
        }
        if let Some(d) = listed.get(r, "display_name") {
            id.insert("display_name".into(), json!(d));
        }
        users.insert(user.to_string());
        identities.push(Value::Object(id));
    }
    // PUBLIC is every user's: grants to it are the snapshot's `PUBLIC` pseudo-grantee.
    let listed = api.query(sql::ROLES).await?;
    let roles: Vec<String> = listed
        .rows
        .iter()
        .filter_map(|r| listed.get(r, "name"))
        .filter(|n| *n != "PUBLIC")
        .map(str::to_string)
        .collect();
    for role in &roles {
        identities.push(json!({"name": role, "kind": "role"}));
    }

    let mut resources: BTreeMap<String, Value> = BTreeMap::new();
    let mut add = |kind: &str, parts: Vec<String>| {
        resources
            .entry(parts.join("."))
            .or_insert_with(|| resource_doc(kind, &parts));
    };
    let listed = api.query(sql::WAREHOUSES).await?;
    for r in &listed.rows {
        if let Some(n) = listed.get(r, "name") {
            add("warehouse", vec![n.to_string()]);
        }
    }
    let listed = api.query(sql::DATABASES).await?;
    let mut db_roles: Vec<(String, String)> = Vec::new();
    for r in &listed.rows {
        if let Some(n) = listed.get(r, "name") {
            add("database", vec![n.to_string()]);
            // A database shared into the account brings the provider's roles, not its own.
            if listed.get(r, "kind") == Some("IMPORTED DATABASE") {
                continue;
            }
            let quoted = quote::ident(Platform::Snowflake, n)?;
            let roles = api.query(&sql::database_roles_in(&quoted)).await?;
            for role in roles.values("name") {
                identities.push(json!({"name": format!("{n}.{role}"), "kind": "database_role"}));
                db_roles.push((n.to_string(), role));
            }
        }
    }
    let listed = api.query(sql::SCHEMAS).await?;
    let mut schemas = Vec::new();
    for r in &listed.rows {
        if let (Some(db), Some(s)) = (listed.get(r, "database_name"), listed.get(r, "name")) {
            // INFORMATION_SCHEMA is every database's, and holds no grants of its own.
            if s != "INFORMATION_SCHEMA" {
                schemas.push(vec![db.to_string(), s.to_string()]);
                add("schema", vec![db.to_string(), s.to_string()]);
            }
        }
    }
    for (statement, kind) in [(sql::TABLES, "table"), (sql::VIEWS, "view")] {
        let listed = api.query(statement).await?;
        for r in &listed.rows {
            let parts = ["database_name", "schema_name", "name"].map(|c| listed.get(r, c));
            if let [Some(db), Some(s), Some(t)] = parts {
                let materialized = listed.get(r, "is_materialized") == Some("true");
                let kind = if materialized {
                    "materialized_view"
                } else {
                    kind
                };
                add(kind, vec![db.into(), s.into(), t.into()]);
            }
        }
    }

    let known = Known {
        users: &users,
        roles: roles.iter().map(String::as_str).collect(),
        db_roles: db_roles.iter().map(|(d, r)| format!("{d}.{r}")).collect(),
        resources: &resources,
    };
    let mut found = Found::default();
    match source {
        Source::Show => shown(api, &roles, &db_roles, &known, &mut found).await?,
        Source::AccountUsage => in_usage_views(api, &known, &mut found).await?,
    }
    future_grants(api, &schemas, &known, &mut found).await?;
    let (memberships, grants) = found.into_json();
    Ok(json!({
        "version": 1,
        "taken_at": chrono::Utc::now().to_rfc3339(),
        "connections": [{
            "name": name,
            "platform": "snowflake",
            "identities": identities,
            "memberships": memberships,
            "resources": resources.into_values().collect::<Vec<_>>(),
            "grants": grants,
        }],
    }))
}

/// What the account lists, that grants and memberships may name.
struct Known<'a> {
    users: &'a BTreeSet<String>,
    /// Account roles (PUBLIC is not among them).
    roles: BTreeSet<&'a str>,
    /// Database roles, `DB.ROLE`.
    db_roles: BTreeSet<String>,
    resources: &'a BTreeMap<String, Value>,
}

/// The memberships and grants read, each once (SHOW output may repeat a row).
#[derive(Default)]
struct Found {
    /// (member, its kind, role, the role's kind).
    memberships: BTreeSet<(String, &'static str, String, &'static str)>,
    /// (grantee role or PUBLIC, its kind, privilege, resource, grant option, future).
    grants: BTreeSet<(String, &'static str, String, String, bool, bool)>,
}

/// A grantee role: an account role (or PUBLIC) or a database role.
#[derive(Clone, Copy)]
struct Holder<'a> {
    name: &'a str,
    kind: &'static str,
}

impl<'a> Holder<'a> {
    fn role(name: &'a str) -> Holder<'a> {
        Holder { name, kind: "role" }
    }
}

impl Found {
    fn member(&mut self, who: &str, kind: &'static str, role: Holder<'_>) {
        self.memberships
            .insert((who.to_string(), kind, role.name.to_string(), role.kind));
    }

    fn grant(
        &mut self,
        to: Holder<'_>,
        privilege: &str,
        resource: &str,
        option: bool,
        future: bool,
    ) {
        self.grants.insert((
            to.name.to_string(),
            to.kind,
            privilege.to_uppercase(),
            resource.to_string(),
            option,
            future,
        ));
    }

    /// As the snapshot writes them. `PUBLIC` is the snapshot's pseudo-grantee, which has no kind.
    fn into_json(self) -> (Vec<Value>, Vec<Value>) {
        let memberships = self
            .memberships
            .into_iter()
            .map(|(who, kind, role, role_kind)| {
                json!({"member": who, "member_kind": kind, "role": role, "role_kind": role_kind})
            })
            .collect();
        let grants = self
            .grants
            .into_iter()
            .map(|(grantee, kind, privilege, resource, option, future)| {
                let mut g =
                    json!({"grantee": grantee, "privilege": privilege, "resource": resource});
                if grantee != "PUBLIC" {
                    g["grantee_kind"] = json!(kind);
                }
                if option {
                    g["grant_option"] = json!(true);
                }
                if future {
                    g["future"] = json!(true);
                }
                g
            })
            .collect();
        (memberships, grants)
    }
}

/// How many SHOW statements are in flight at once: each is a round trip, and an account needs
/// two a role and one a user.
const STATEMENTS_AT_ONCE: usize = 8;

/// A SHOW statement and what its rows say.
struct Question<'a> {
    statement: String,
    ask: Ask<'a>,
}

enum Ask<'a> {
    /// SHOW GRANTS TO …: what the holder holds.
    Holds(Holder<'a>),
    /// SHOW GRANTS OF …: who holds the role (in database `db`, for a database role).
    HeldBy(Holder<'a>, Option<&'a str>),
}

/// SHOW GRANTS TO ROLE for each role and PUBLIC (whose own privileges are every user's), SHOW
/// GRANTS OF ROLE for who holds each role, SHOW GRANTS TO USER for what each user holds directly
/// (as Warden grants to a requester's own user), and for each database role what it holds and
/// who holds it (account roles, and database roles of the same database). The statements run a
/// few at a time.
async fn shown(
    api: &SqlApi,
    roles: &[String],
    db_roles: &[(String, String)],
    known: &Known<'_>,
    found: &mut Found,
) -> Result<(), ConnectorError> {
    let sf = Platform::Snowflake;
    let db_names: Vec<String> = db_roles.iter().map(|(d, r)| format!("{d}.{r}")).collect();
    let mut questions = Vec::new();
    for role in roles.iter().map(String::as_str).chain(["PUBLIC"]) {
        let quoted = quote::ident(sf, role)?;
        let holder = Holder::role(role);
        questions.push(Question {
            statement: sql::grants_to_role(&quoted),
            ask: Ask::Holds(holder),
        });
        if role != "PUBLIC" {
            questions.push(Question {
                statement: sql::grants_of_role(&quoted),
                ask: Ask::HeldBy(holder, None),
            });
        }
    }
    for user in known.users {
        questions.push(Question {
            statement: sql::grants_to_user(&quote::ident(sf, user)?),
            ask: Ask::Holds(Holder {
                name: user,
                kind: "user",
            }),
        });
    }
    for ((db, role), name) in db_roles.iter().zip(&db_names) {
        let quoted = quote::path(sf, &[db.clone(), role.clone()])?;
        let holder = Holder {
            name,
            kind: "database_role",
        };
        questions.push(Question {
            statement: sql::grants_to_database_role(&quoted),
            ask: Ask::Holds(holder),
        });
        questions.push(Question {
            statement: sql::grants_of_database_role(&quoted),
            ask: Ask::HeldBy(holder, Some(db)),
        });
    }
    for group in questions.chunks(STATEMENTS_AT_ONCE) {
        let answers = try_join_all(group.iter().map(|q| api.query(&q.statement))).await?;
        for (q, rows) in group.iter().zip(answers) {
            match q.ask {
                Ask::Holds(h) => privileges_held(&rows, h, known, found),
                Ask::HeldBy(h, db) => holders_of(&rows, h, db, known, found),
            }
        }
    }
    Ok(())
}

/// The rows of a SHOW GRANTS TO (DATABASE) ROLE: privileges on objects the snapshot lists. A
/// role granted to this one is read from the other side (SHOW GRANTS OF), with its kind.
fn privileges_held(held: &Rows, to: Holder<'_>, known: &Known<'_>, found: &mut Found) {
    for r in &held.rows {
        let (Some(privilege), Some(on), Some(object)) = (
            held.get(r, "privilege"),
            held.get(r, "granted_on"),
            held.get(r, "name"),
        ) else {
            continue;
        };
        if !listed_kind(on) {
            continue;
        }
        let object = object_name(object);
        if known.resources.contains_key(&object) {
            let option = held.get(r, "grant_option") == Some("true");
            found.grant(to, privilege, &object, option, false);
        }
    }
}

/// The rows of a SHOW GRANTS OF (DATABASE) ROLE: the users, account roles and database roles
/// (named `DB.ROLE`; `db` qualifies one shown unqualified) that hold `role`.
fn holders_of(
    holders: &Rows,
    role: Holder<'_>,
    db: Option<&str>,
    known: &Known<'_>,
    found: &mut Found,
) {
    for r in &holders.rows {
        match (holders.get(r, "granted_to"), holders.get(r, "grantee_name")) {
            (Some("USER"), Some(who)) if known.users.contains(who) => {
                found.member(who, "user", role)
            }
            (Some("ROLE"), Some(who)) if known.roles.contains(who) => {
                found.member(who, "role", role)
            }
            (Some("DATABASE_ROLE"), Some(who)) => {
                let who = match (who.contains('.'), db) {
                    (false, Some(db)) => format!("{db}.{who}"),
                    _ => object_name(who),
                };
                if known.db_roles.contains(&who) {
                    found.member(&who, "database_role", role)
                }
            }
            _ => {}
        }
    }
}

/// GRANTS_TO_ROLES (a role granted to a role is USAGE on a ROLE) and GRANTS_TO_USERS: the whole
/// account in two statements.
async fn in_usage_views(
    api: &SqlApi,
    known: &Known<'_>,
    found: &mut Found,
) -> Result<(), ConnectorError> {
    let held = api.query(sql::ACCOUNT_USAGE_GRANTS_TO_ROLES).await?;
    for r in &held.rows {
        let c = |name: &str| held.get(r, name);
        let (Some(privilege), Some(on), Some(name), Some("ROLE"), Some(grantee)) = (
            c("privilege"),
            c("granted_on"),
            c("name"),
            c("granted_to"),
            c("grantee_name"),
        ) else {
            continue;
        };
        if on == "ROLE" {
            // USAGE on role NAME granted to role GRANTEE: GRANTEE holds NAME.
            if privilege == "USAGE" && known.roles.contains(grantee) && known.roles.contains(name) {
                found.member(grantee, "role", Holder::role(name));
            }
            continue;
        }
        let parts: Vec<&str> = match on {
            "DATABASE" | "WAREHOUSE" => vec![name],
            "SCHEMA" => vec![c("table_catalog").unwrap_or_default(), name],
            _ => vec![
                c("table_catalog").unwrap_or_default(),
                c("table_schema").unwrap_or_default(),
                name,
            ],
        };
        let object = parts.join(".");
        let grantee_known = grantee == "PUBLIC" || known.roles.contains(grantee);
        if listed_kind(on) && grantee_known && known.resources.contains_key(&object) {
            let option = c("grant_option") == Some("true");
            found.grant(Holder::role(grantee), privilege, &object, option, false);
        }
    }
    let held = api.query(sql::ACCOUNT_USAGE_GRANTS_TO_USERS).await?;
    for r in &held.rows {
        if let (Some(role), Some(user)) = (held.get(r, "role"), held.get(r, "grantee_name"))
            && known.users.contains(user)
            && known.roles.contains(role)
        {
            found.member(user, "user", Holder::role(role));
        }
    }
    Ok(())
}

/// Each schema's future grants to roles: kept, marked `future` (they give nothing on objects
/// that exist).
async fn future_grants(
    api: &SqlApi,
    schemas: &[Vec<String>],
    known: &Known<'_>,
    found: &mut Found,
) -> Result<(), ConnectorError> {
    for schema in schemas {
        let quoted = quote::path(Platform::Snowflake, schema)?;
        let future = api.query(&sql::future_grants_in_schema(&quoted)).await?;
        for r in &future.rows {
            let (Some(privilege), Some(to), Some(who)) = (
                future.get(r, "privilege"),
                future.get(r, "grant_to"),
                future.get(r, "grantee_name"),
            ) else {
                continue;
            };
            // A database role is shown `DB.ROLE`, its parts quoted when they need it.
            let db_role = object_name(who);
            let holder = match to {
                "ROLE" if known.roles.contains(who) => Holder {
                    name: who,
                    kind: "role",
                },
                "DATABASE_ROLE" if known.db_roles.contains(&db_role) => Holder {
                    name: &db_role,
                    kind: "database_role",
                },
                _ => continue,
            };
            let option = future.get(r, "grant_option") == Some("true");
            found.grant(holder, privilege, &schema.join("."), option, true);
        }
    }
    Ok(())
}

/// Whether a snapshot lists objects of this `granted_on` kind (functions, stages, integrations
/// and the account it does not).
fn listed_kind(granted_on: &str) -> bool {
    matches!(
        granted_on,
        "DATABASE" | "SCHEMA" | "TABLE" | "VIEW" | "MATERIALIZED_VIEW" | "WAREHOUSE"
    )
}

/// An object's name as `SHOW GRANTS` prints it (`ANALYTICS.CORE."Revenue ""Q1"""`), as the
/// snapshot names it: the parts unquoted, joined with dots.
pub fn object_name(shown: &str) -> String {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = false;
    let mut chars = shown.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                part.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut part)),
            c => part.push(c),
        }
    }
    parts.push(part);
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::object_name;
    use proptest::prelude::*;

    proptest! {
        /// Any text Snowflake prints as a name is read without a panic, and a name of plain
        /// parts, each quoted as SHOW GRANTS quotes it, comes back as its parts joined.
        #[test]
        fn any_shown_name_is_read(shown in any::<String>(), parts in prop::collection::vec("[^.\"]{1,8}", 1..4)) {
            let _ = object_name(&shown);
            let quoted: Vec<String> = parts.iter().map(|p| format!("\"{p}\"")).collect();
            prop_assert_eq!(object_name(&quoted.join(".")), parts.join("."));
        }
    }

    #[test]
    fn names_as_show_grants_prints_them_are_unquoted() {
        assert_eq!(
            object_name("ANALYTICS.CORE.REVENUE"),
            "ANALYTICS.CORE.REVENUE"
        );
        assert_eq!(
            object_name("ANALYTICS.CORE.\"Revenue \"\"Q1\"\"\""),
            "ANALYTICS.CORE.Revenue \"Q1\""
        );
        assert_eq!(object_name("\"a.b\".S.T"), "a.b.S.T");
        assert_eq!(object_name("WH"), "WH");
    }
}
