//! The rows the Redshift catalog queries return ([`super::catalog`]), as plain types, and the pure
//! mapping from them to a snapshot document (SNAPSHOT.md). The live reader and the tests, which
//! load recorded rows from JSON, share the mapping, so it is checked without a cluster.
//!
//! Redshift keeps users, groups and roles in three namespaces (a user and a group may both be
//! called `sales`), so every reference in the document says the kind of identity it names.

use crate::connectors::normal_privilege;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The current database: [`super::catalog::DATABASE`].
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct DatabaseRow {
    pub database_name: String,
    /// `version()`: `PostgreSQL 8.0.2 on i686-pc-linux-gnu, …, Redshift 1.0.74097`.
    pub version: String,
    #[serde(default)]
    pub owner_name: Option<String>,
}

/// `pg_user`: [`super::catalog::USERS`].
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct UserRow {
    pub usename: String,
    #[serde(default)]
    pub usesuper: bool,
}

/// `pg_group`: [`super::catalog::GROUPS`].
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct GroupRow {
    pub groname: String,
}

/// A user in a group (`pg_group.grolist`): [`super::catalog::GROUP_MEMBERS`].
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct GroupMemberRow {
    pub groname: String,
    pub usename: String,
}

/// `SVV_ROLES`: [`super::catalog::ROLES`].
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct RoleRow {
    pub role_name: String,
}

/// `SVV_ROLE_GRANTS`: role `role_name` received role `granted_role_name`.
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct RoleGrantRow {
    pub role_name: String,
    pub granted_role_name: String,
}

/// `SVV_USER_GRANTS`: user `user_name` holds role `role_name`.
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct UserRoleRow {
    pub user_name: String,
    pub role_name: String,
    #[serde(default)]
    pub admin_option: bool,
}

/// A schema and its owner: [`super::catalog::SCHEMAS`].
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct SchemaRow {
    pub schema_name: String,
    #[serde(default)]
    pub owner_name: Option<String>,
}

/// A table or view and its owner: [`super::catalog::RELATIONS`].
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct RelationRow {
    pub schema_name: String,
    pub relation_name: String,
    /// `r` table, `v` view, `m` materialized view.
    pub relkind: String,
    #[serde(default)]
    pub owner_name: Option<String>,
}

/// `SVV_RELATION_PRIVILEGES`: an explicit grant on a table or view.
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct RelationPrivilegeRow {
    pub namespace_name: String,
    pub relation_name: String,
    pub privilege_type: String,
    #[serde(default)]
    pub identity_name: Option<String>,
    /// `user`, `role`, `group` or `public`.
    pub identity_type: String,
    /// For a user: WITH GRANT OPTION (always false for roles and groups).
    #[serde(default)]
    pub admin_option: bool,
}

/// `SVV_SCHEMA_PRIVILEGES`: a grant on a schema, or a scoped grant on all its tables.
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct SchemaPrivilegeRow {
    pub namespace_name: String,
    pub privilege_type: String,
    #[serde(default)]
    pub identity_name: Option<String>,
    pub identity_type: String,
    #[serde(default)]
    pub admin_option: bool,
    /// `SCHEMA`, `TABLES` or `FUNCTIONS`; absent means `SCHEMA`.
    #[serde(default)]
    pub privilege_scope: Option<String>,
}

/// `SVV_DATABASE_PRIVILEGES`: a grant on a database, or a scoped grant on all its schemas or
/// tables. Lists every database of the cluster.
#[derive(Debug, Clone, Deserialize, sqlx::FromRow)]
pub struct DatabasePrivilegeRow {
    pub database_name: String,
    pub privilege_type: String,
    #[serde(default)]
    pub identity_name: Option<String>,
    pub identity_type: String,
    #[serde(default)]
    pub admin_option: bool,
    /// `DATABASE`, `SCHEMAS`, `TABLES`, `FUNCTIONS` or `LANGUAGES`; absent means `DATABASE`.
    #[serde(default)]
    pub privilege_scope: Option<String>,
}

/// Everything one read returns, one field per catalog query. As JSON (recorded rows), each field
/// is the list of rows that query returned; a missing list is empty.
#[derive(Debug, Clone, Deserialize)]
pub struct Rows {
    pub database: DatabaseRow,
    #[serde(default)]
    pub users: Vec<UserRow>,
    #[serde(default)]
    pub groups: Vec<GroupRow>,
    #[serde(default)]
    pub group_members: Vec<GroupMemberRow>,
    #[serde(default)]
    pub roles: Vec<RoleRow>,
    #[serde(default)]
    pub role_grants: Vec<RoleGrantRow>,
    #[serde(default)]
    pub user_roles: Vec<UserRoleRow>,
    #[serde(default)]
    pub schemas: Vec<SchemaRow>,
    #[serde(default)]
    pub relations: Vec<RelationRow>,
    #[serde(default)]
    pub relation_privileges: Vec<RelationPrivilegeRow>,
    #[serde(default)]
    pub schema_privileges: Vec<SchemaPrivilegeRow>,
    #[serde(default)]
    pub database_privileges: Vec<DatabasePrivilegeRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
        }
    }
}

/// An identity: names are unique within a kind only.
type Id = (Kind, String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Grantee {
    Public,
    Identity(Id),
}

struct Resource {
    kind: &'static str,
    owner: Option<String>,
}

/// The grants being gathered: (grantee, privilege, resource path) → WITH GRANT OPTION. One key
/// per grant, so that a privilege granted both explicitly and by a scoped grant is one path.
type Grants = BTreeMap<(Grantee, String, Vec<String>), bool>;

/// The snapshot document (SNAPSHOT.md, platform `redshift`) for connection `name`.
///
/// Users come from `pg_user` (superuser from `usesuper`), groups from `pg_group`, roles from
/// `SVV_ROLES`. System identities (`sys:*` and `ds:*` roles and users, the internal `rdsdb`) are
/// kept only when a grant, an owner or a membership of a kept identity refers to them. An
/// identity that a membership or grant names but no list holds (rows the views hid) is added with
/// the kind the row gives it, rather than dropping the edge. The database, its schemas and
/// relations are resources; owners hold every privilege (`owner_privileges` is left out), so a
/// grant row for the owning user itself adds nothing and is left out. Scoped grants (`FOR TABLES
/// IN SCHEMA`, `FOR SCHEMAS | TABLES IN DATABASE`) become one grant per existing object; grants on
/// objects not read (catalog schemas, other databases) are left out.
pub fn snapshot(name: &str, rows: &Rows) -> Value {
    let db = rows.database.database_name.clone();

    let mut known: BTreeMap<Id, bool> = BTreeMap::new();
    for u in &rows.users {
        known.insert((Kind::User, u.usename.clone()), u.usesuper);
    }
    for g in &rows.groups {
        known.insert((Kind::Group, g.groname.clone()), false);
    }
    for r in &rows.roles {
        known.insert((Kind::Role, r.role_name.clone()), false);
    }

    let mut memberships: BTreeSet<(Id, Id)> = BTreeSet::new();
    for m in &rows.group_members {
        memberships.insert((
            (Kind::User, m.usename.clone()),
            (Kind::Group, m.groname.clone()),
        ));
    }
    for m in &rows.user_roles {
        memberships.insert((
            (Kind::User, m.user_name.clone()),
            (Kind::Role, m.role_name.clone()),
        ));
    }
    for m in &rows.role_grants {
        memberships.insert((
            (Kind::Role, m.role_name.clone()),
            (Kind::Role, m.granted_role_name.clone()),
        ));
    }

    let mut resources: BTreeMap<Vec<String>, Resource> = BTreeMap::new();
    resources.insert(
        vec![db.clone()],
        Resource {
            kind: "database",
            owner: rows.database.owner_name.clone(),
        },
    );
    for s in &rows.schemas {
        resources.insert(
            vec![db.clone(), s.schema_name.clone()],
            Resource {
                kind: "schema",
                owner: s.owner_name.clone(),
            },
        );
    }
    for r in &rows.relations {
        let kind = match r.relkind.as_str() {
            "v" => "view",
            "m" => "materialized_view",
            _ => "table",
        };
        resources.insert(
            vec![db.clone(), r.schema_name.clone(), r.relation_name.clone()],
            Resource {
                kind,
                owner: r.owner_name.clone(),
            },
        );
    }

    let grants = collect_grants(&db, rows, &resources);

    // The identities to write: every non-system one, and whatever a grant or owner names; then,
    // until nothing changes, both ends of every membership that touches one of them.
    let mut included: BTreeSet<Id> = known
        .keys()
        .filter(|(k, n)| !is_system(*k, n))
        .cloned()
        .collect();
    included.extend(grants.keys().filter_map(|(g, _, _)| match g {
        Grantee::Identity(id) => Some(id.clone()),
        Grantee::Public => None,
    }));
    included.extend(
        resources
            .values()
            .filter_map(|r| r.owner.clone().map(|o| (Kind::User, o))),
    );
    loop {
        let before = included.len();
        for (m, r) in &memberships {
            if included.contains(m) || included.contains(r) {
                included.insert(m.clone());
                included.insert(r.clone());
            }
        }
        if included.len() == before {
            break;
        }
    }

    let identities: Vec<Value> = included
        .iter()
        .map(|id| {
            let superuser = known.get(id).copied().unwrap_or(false);
            json!({"name": id.1, "kind": id.0.as_str(), "superuser": superuser})
        })
        .collect();
    let memberships: Vec<Value> = memberships
        .iter()
        .filter(|(m, r)| included.contains(m) && included.contains(r))
        .map(|(m, r)| {
            json!({
                "member": m.1, "member_kind": m.0.as_str(),
                "role": r.1, "role_kind": r.0.as_str(),
            })
        })
        .collect();
    let resource_docs: Vec<Value> = resources
        .iter()
        .map(|(path, r)| {
            let mut doc = json!({"kind": r.kind, "name": path.join(".")});
            // A part with a dot in it would split into two parts: say where the parts are.
            if path.iter().any(|p| p.contains('.')) {
                doc["path"] = json!(path);
            }
            if let Some(o) = &r.owner {
                doc["owner"] = json!(o);
                doc["owner_kind"] = json!("user");
            }
            doc
        })
        .collect();
    let grant_docs: Vec<Value> = grants
        .iter()
        .map(|((grantee, privilege, path), option)| {
            let mut doc = json!({
                "privilege": privilege,
                "resource": path.join("."),
                "grant_option": option,
            });
            match grantee {
                Grantee::Public => doc["grantee"] = json!("PUBLIC"),
                Grantee::Identity((k, n)) => {
                    doc["grantee"] = json!(n);
                    // Also what keeps a user called "PUBLIC" from reading as everyone.
                    doc["grantee_kind"] = json!(k.as_str());
                }
            }
            doc
        })
        .collect();

    // Value::Array moves each vector in; `json!` would serialize it again (a deep copy of
    // ~100k grants that doubled the read's peak memory, BENCHMARKS.md "Sync").
    json!({
        "version": 1,
        "connections": [{
            "name": name,
            "platform": "redshift",
            "server_version": server_version(&rows.database.version),
            "identities": Value::Array(identities),
            "memberships": Value::Array(memberships),
            "resources": Value::Array(resource_docs),
            "grants": Value::Array(grant_docs),
        }],
    })
}

/// The grants of the three privilege views on the objects that were read.
fn collect_grants(db: &str, rows: &Rows, resources: &BTreeMap<Vec<String>, Resource>) -> Grants {
    let mut out = Grants::new();
    let mut add = |g: &dyn PrivilegeRow, path: Vec<String>| {
        let (privilege, option) = (g.privilege_type(), g.admin_option());
        let (Some(grantee), Some(r)) = (g.grantee(), resources.get(&path)) else {
            return;
        };
        if let (Grantee::Identity((Kind::User, n)), Some(o)) = (&grantee, &r.owner)
            && n == o
        {
            return;
        }
        // Redshift reports TEMP; questions and SNAPSHOT.md say TEMPORARY.
        let privilege = normal_privilege(privilege);
        *out.entry((grantee, privilege, path)).or_insert(false) |= option;
    };
    // Every resource path of one kind below `prefix`, for a scoped grant.
    let below = |prefix: &[String], kind: &str| -> Vec<Vec<String>> {
        resources
            .iter()
            .filter(|(p, r)| r.kind_is(kind) && p.len() > prefix.len() && p.starts_with(prefix))
            .map(|(p, _)| p.clone())
            .collect()
    };

    for g in &rows.relation_privileges {
        let path = vec![
            db.to_owned(),
            g.namespace_name.clone(),
            g.relation_name.clone(),
        ];
        add(g, path);
    }
    for g in &rows.schema_privileges {
        let schema = vec![db.to_owned(), g.namespace_name.clone()];
        let targets = match scope(g.privilege_scope.as_deref(), "SCHEMA").as_str() {
            "SCHEMA" => vec![schema],
            "TABLES" => below(&schema, "relation"),
            // Functions are not resources here.
            _ => Vec::new(),
        };
        for path in targets {
            add(g, path);
        }
    }
    let database = vec![db.to_owned()];
    for g in rows
        .database_privileges
        .iter()
        .filter(|g| g.database_name == db)
    {
        let targets = match scope(g.privilege_scope.as_deref(), "DATABASE").as_str() {
            "DATABASE" => vec![database.clone()],
            "SCHEMAS" => below(&database, "schema"),
            "TABLES" => below(&database, "relation"),
            _ => Vec::new(),
        };
        for path in targets {
            add(g, path);
        }
    }
    out
}

impl Resource {
    /// `relation` stands for any table-like kind.
    fn kind_is(&self, kind: &str) -> bool {
        match kind {
            "relation" => matches!(self.kind, "table" | "view" | "materialized_view"),
            k => self.kind == k,
        }
    }
}

/// What the three privilege views share: who is granted what, and whether with the option to
/// grant it on.
trait PrivilegeRow {
    fn identity(&self) -> (&str, Option<&str>);
    fn privilege_type(&self) -> &str;
    fn admin_option(&self) -> bool;

    fn grantee(&self) -> Option<Grantee> {
        let (identity_type, identity_name) = self.identity();
        grantee(identity_type, identity_name)
    }
}

/// One impl per view row: the fields have the same names, the types are distinct.
macro_rules! privilege_row {
    ($($row:ty),*) => {$(
        impl PrivilegeRow for $row {
            fn identity(&self) -> (&str, Option<&str>) {
                (&self.identity_type, self.identity_name.as_deref())
            }
            fn privilege_type(&self) -> &str {
                &self.privilege_type
            }
            fn admin_option(&self) -> bool {
                self.admin_option
            }
        }
    )*};
}
privilege_row!(
    RelationPrivilegeRow,
    SchemaPrivilegeRow,
    DatabasePrivilegeRow
);

fn scope(scope: Option<&str>, default: &str) -> String {
    scope.map_or_else(|| default.to_owned(), |s| s.trim().to_ascii_uppercase())
}

/// The grantee an `identity_type` / `identity_name` pair names; `None` for a type Warden does not
/// know (kept out rather than guessed).
fn grantee(identity_type: &str, identity_name: Option<&str>) -> Option<Grantee> {
    let kind = match identity_type.trim().to_ascii_lowercase().as_str() {
        "public" => return Some(Grantee::Public),
        "user" => Kind::User,
        "group" => Kind::Group,
        "role" => Kind::Role,
        _ => return None,
    };
    identity_name.map(|n| Grantee::Identity((kind, n.to_owned())))
}

/// Redshift's own identities: system roles (`sys:dba`…), data-sharing roles and users (`ds:…`,
/// r_roles-default.html) and the internal superuser `rdsdb`.
fn is_system(kind: Kind, name: &str) -> bool {
    name.starts_with("sys:") || name.starts_with("ds:") || (kind == Kind::User && name == "rdsdb")
}

/// `Redshift 1.0.74097` out of `version()`; the whole string when it has no such part.
fn server_version(version: &str) -> String {
    match version.split_once("Redshift ") {
        Some((_, rest)) => rest.split_whitespace().next().unwrap_or(rest).to_owned(),
        None => version.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_redshift_release_out_of_version() {
        assert_eq!(
            server_version(
                "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.74097"
            ),
            "1.0.74097"
        );
        assert_eq!(server_version("PostgreSQL 15.6"), "PostgreSQL 15.6");
    }

    #[test]
    fn knows_the_identity_types_of_the_views() {
        assert_eq!(grantee("public", Some("public")), Some(Grantee::Public));
        assert_eq!(
            grantee("group", Some("sales")),
            Some(Grantee::Identity((Kind::Group, "sales".into())))
        );
        assert_eq!(grantee("datashare", Some("x")), None);
    }
}
