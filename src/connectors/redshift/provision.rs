//! Provisioning on Redshift: grant or revoke a privilege on a table, schema or database to a
//! user, a group or a role, or a membership (a user in a group, a role to a user or a role).
//! Mirrors [`crate::connectors::postgres::Provisioner`]: names are quoted by [`quote`] (which
//! refuses capitals on Redshift), privileges are checked against the object's list before
//! anything is sent, and every lookup binds its names as parameters. Redshift's statements differ
//! by the grantee's kind, so each name is looked up as a user, a group and a role first. Whether a
//! grant holds is read from the SVV views and `pg_group`, never from leader-node functions such
//! as `has_table_privilege` (PLATFORMS.md §2); the SQL is in [`super::catalog`].
//!
//! Not run against a real Redshift (none is reachable from the tests): the statements follow the
//! AWS GRANT, REVOKE and ALTER GROUP pages, the lookups the SVV view pages. tests/it/redshift.rs
//! runs the lookups on PostgreSQL with SVV-shaped views, and the statements PostgreSQL also
//! accepts (`TO GROUP`, `ALTER GROUP`); `TO ROLE` and `GRANT ROLE` are checked as text only.

use super::{catalog, connect, current_database, failure};
use crate::connectors::{
    Applied, Change, ConnectorError, FailureKind, allowed_privilege, normal_privilege, quote,
};
use crate::model::vocabulary::words;
use crate::model::{Platform, ResourceKind};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection as _};

/// Database privileges Warden provisions (r_GRANT.html, r_REVOKE.html); tables and schemas take
/// the words of [`crate::model::vocabulary`]. Database USAGE is left out here: it applies only to
/// databases created from a datashare. (The request vocabulary still takes it, and lacks ALTER.)
const DATABASE: &[&str] = &["CREATE", "TEMPORARY", "ALTER"];

/// What a name is on Redshift: users, groups and roles are separate name spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    /// As the SVV views' `identity_type` spells it.
    fn name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Object<'a> {
    Table(&'a str, &'a str),
    Schema(&'a str),
    Database(&'a str),
}

/// A change with the kind of each of its names decided: what to send and what to read back.
#[derive(Debug, PartialEq, Eq)]
enum Plan<'a> {
    Privilege {
        privilege: &'static str,
        object: Object<'a>,
        grantee: &'a str,
        kind: Kind,
    },
    /// Groups hold users only (r_Groups.html).
    UserInGroup {
        group: &'a str,
        user: &'a str,
    },
    RoleToUser {
        role: &'a str,
        user: &'a str,
    },
    RoleToRole {
        role: &'a str,
        member: &'a str,
    },
}

fn refuse(message: String) -> ConnectorError {
    ConnectorError::new(FailureKind::Config, message)
}

fn q(name: &str) -> Result<String, ConnectorError> {
    quote::ident(Platform::Redshift, name)
}

/// The object `resource` names; it must be in `database`, the one this connection reaches.
fn object<'a>(resource: &'a [String], database: &str) -> Result<Object<'a>, ConnectorError> {
    quote::path(Platform::Redshift, resource)?;
    let object = match resource {
        [_, schema, table] => Object::Table(schema, table),
        [_, schema] => Object::Schema(schema),
        [db] => Object::Database(db),
        _ => {
            return Err(refuse(format!(
                "{:?} is not a database, schema or table name",
                resource.join(".")
            )));
        }
    };
    if resource[0] != database {
        return Err(refuse(format!(
            "{:?} is not in database {database:?}, which this connection reaches",
            resource.join(".")
        )));
    }
    Ok(object)
}

/// The privilege keyword, if the object's kind has it.
fn privilege(privilege: &str, object: &Object) -> Result<&'static str, ConnectorError> {
    let (allowed, kind) = match object {
        Object::Table(..) => (words(Platform::Redshift, ResourceKind::Table), "a table"),
        Object::Schema(_) => (words(Platform::Redshift, ResourceKind::Schema), "a schema"),
        Object::Database(_) => (DATABASE, "a database"),
    };
    allowed_privilege(privilege, allowed, &format!("{kind} on Redshift"))
}

/// The names a change holds, each of which must be looked up.
fn names(change: &Change) -> Vec<&str> {
    match change {
        Change::Privilege { grantee, .. } => vec![grantee],
        Change::Membership { role, member } => vec![role, member],
    }
}

/// Refuses what cannot be quoted or granted before anything, even a lookup, is sent.
fn check(change: &Change, database: &str) -> Result<(), ConnectorError> {
    for name in names(change) {
        q(name)?;
    }
    if let Change::Privilege {
        privilege: p,
        resource,
        ..
    } = change
    {
        privilege(p, &object(resource, database)?)?;
    }
    Ok(())
}

/// The one kind of `name` that may stand where it stands (`allowed`), given the kinds it was
/// found as. A name that is both a user and a group where either may stand is refused: a grant to
/// the wrong one would give access to other people.
fn pick(name: &str, found: &[Kind], allowed: &[Kind], place: &str) -> Result<Kind, ConnectorError> {
    let fits: Vec<Kind> = found
        .iter()
        .copied()
        .filter(|k| allowed.contains(k))
        .collect();
    match (fits.as_slice(), found) {
        ([one], _) => Ok(*one),
        ([], []) => Err(refuse(format!("no user, group or role named {name:?}"))),
        ([], _) => Err(refuse(format!(
            "{name:?} is a {}, which cannot be {place} on Redshift",
            kinds(found)
        ))),
        _ => Err(refuse(format!(
            "{name:?} names both a {}; Warden cannot tell which is meant",
            kinds(&fits)
        ))),
    }
}

fn kinds(list: &[Kind]) -> String {
    let names: Vec<&str> = list.iter().map(|k| k.name()).collect();
    names.join(" and a ")
}

/// Decides what `change` means, given the kinds each name was found as (`found`).
fn plan<'a>(
    change: &'a Change,
    database: &str,
    found: &dyn Fn(&str) -> Vec<Kind>,
) -> Result<Plan<'a>, ConnectorError> {
    check(change, database)?;
    use Kind::*;
    Ok(match change {
        Change::Privilege {
            privilege: p,
            resource,
            grantee,
        } => {
            let object = object(resource, database)?;
            Plan::Privilege {
                privilege: privilege(p, &object)?,
                object,
                kind: pick(grantee, &found(grantee), &[User, Group, Role], "a grantee")?,
                grantee,
            }
        }
        Change::Membership { role, member } => {
            // Roles are granted to users and roles; the pages name no role-to-group grant.
            match pick(role, &found(role), &[Group, Role], "given members")? {
                Group => {
                    pick(member, &found(member), &[User], "a group member")?;
                    Plan::UserInGroup {
                        group: role,
                        user: member,
                    }
                }
                _ => match pick(member, &found(member), &[User, Role], "granted a role")? {
                    User => Plan::RoleToUser { role, user: member },
                    _ => Plan::RoleToRole { role, member },
                },
            }
        }
    })
}

impl Plan<'_> {
    /// The GRANT, REVOKE or ALTER GROUP statement, every name quoted.
    fn statement(&self, grant: bool) -> Result<String, ConnectorError> {
        let (verb, to) = if grant {
            ("GRANT", "TO")
        } else {
            ("REVOKE", "FROM")
        };
        Ok(match self {
            Plan::Privilege {
                privilege,
                object,
                grantee,
                kind,
            } => {
                let object = match object {
                    Object::Table(schema, table) => format!("TABLE {}.{}", q(schema)?, q(table)?),
                    Object::Schema(schema) => format!("SCHEMA {}", q(schema)?),
                    Object::Database(db) => format!("DATABASE {}", q(db)?),
                };
                let keyword = match kind {
                    Kind::User => "",
                    Kind::Group => "GROUP ",
                    Kind::Role => "ROLE ",
                };
                format!(
                    "{verb} {privilege} ON {object} {to} {keyword}{}",
                    q(grantee)?
                )
            }
            Plan::UserInGroup { group, user } => {
                let op = if grant { "ADD" } else { "DROP" };
                format!("ALTER GROUP {} {op} USER {}", q(group)?, q(user)?)
            }
            Plan::RoleToUser { role, user } => {
                format!("{verb} ROLE {} {to} {}", q(role)?, q(user)?)
            }
            Plan::RoleToRole { role, member } => {
                format!("{verb} ROLE {} {to} ROLE {}", q(role)?, q(member)?)
            }
        })
    }
}

/// Whether grant rows `(privilege_type, identity_type, privilege_scope)` hold `privilege` for an
/// identity of `kind`; `scope` keeps only grants on the object itself, not scoped ones.
fn any_grant(
    rows: &[(Option<String>, Option<String>, Option<String>)],
    privilege: &str,
    kind: Kind,
    scope: Option<&str>,
) -> bool {
    rows.iter().any(|(p, t, s)| {
        p.as_deref().map(normal_privilege).as_deref() == Some(privilege)
            && t.as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(kind.name()))
            && match (scope, s) {
                (Some(want), Some(s)) => s.eq_ignore_ascii_case(want),
                _ => true,
            }
    })
}

/// A connection to one database, for grants and revokes on it.
pub struct Provisioner {
    conn: PgConnection,
    database: String,
}

impl Provisioner {
    pub async fn connect(url: &str) -> Result<Provisioner, ConnectorError> {
        let mut conn = connect(url).await?;
        let database = current_database(&mut conn, catalog::CURRENT_DATABASE).await?;
        Ok(Provisioner { conn, database })
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }

    /// Makes `change` true on the platform.
    pub async fn grant(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        self.apply(change, true).await
    }

    /// Undoes `change` on the platform.
    pub async fn revoke(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        self.apply(change, false).await
    }

    /// Whether `change` holds now as a direct grant: an SVV row of that identity, kind and
    /// privilege on that object (owners' implicit privileges are not listed there), or that
    /// membership. Access through groups, roles or PUBLIC is not a direct grant.
    pub async fn holds(&mut self, change: &Change) -> Result<bool, ConnectorError> {
        let found = self.kinds(change).await?;
        let plan = plan(change, &self.database, &|n| lookup(&found, n))?;
        self.holds_plan(&plan).await
    }

    async fn apply(&mut self, change: &Change, grant: bool) -> Result<Applied, ConnectorError> {
        let found = self.kinds(change).await?;
        let plan = plan(change, &self.database, &|n| lookup(&found, n))?;
        let pre_existing = self.holds_plan(&plan).await?;
        let statement = plan.statement(grant)?;
        self.run(&statement).await?;
        let holds_after = self.holds_plan(&plan).await?;
        Ok(Applied {
            pre_existing,
            statement,
            holds_after,
        })
    }

    /// Each name of `change` with the kinds it exists as, after [`check`] passed.
    async fn kinds(&mut self, change: &Change) -> Result<Vec<(String, Vec<Kind>)>, ConnectorError> {
        check(change, &self.database)?;
        let mut out = Vec::new();
        for name in names(change) {
            let mut found = Vec::new();
            for (sql, kind) in [
                (catalog::USER_NAMED, Kind::User),
                (catalog::GROUP_NAMED, Kind::Group),
                (catalog::ROLE_NAMED, Kind::Role),
            ] {
                if self.count(sql, &[name]).await? > 0 {
                    found.push(kind);
                }
            }
            out.push((name.to_owned(), found));
        }
        Ok(out)
    }

    async fn holds_plan(&mut self, plan: &Plan<'_>) -> Result<bool, ConnectorError> {
        let (privilege, object, grantee, kind) = match *plan {
            Plan::UserInGroup { group, user } => {
                return Ok(self.count(catalog::GROUP_HAS_USER, &[group, user]).await? > 0);
            }
            Plan::RoleToUser { role, user } => {
                return Ok(self.count(catalog::USER_HAS_ROLE, &[role, user]).await? > 0);
            }
            Plan::RoleToRole { role, member } => {
                return Ok(self.count(catalog::ROLE_HAS_ROLE, &[role, member]).await? > 0);
            }
            Plan::Privilege {
                privilege,
                ref object,
                grantee,
                kind,
            } => (privilege, object, grantee, kind),
        };
        let (sql, names, scope) = match *object {
            Object::Table(schema, table) => {
                self.exists(catalog::TABLE_NAMED, &[schema, table], "table")
                    .await?;
                (
                    catalog::RELATION_GRANTS_TO,
                    vec![schema, table, grantee],
                    None,
                )
            }
            Object::Schema(schema) => {
                self.exists(catalog::SCHEMA_NAMED, &[schema], "schema")
                    .await?;
                (
                    catalog::SCHEMA_GRANTS_TO,
                    vec![schema, grantee],
                    Some("SCHEMA"),
                )
            }
            Object::Database(db) => (
                catalog::DATABASE_GRANTS_TO,
                vec![db, grantee],
                Some("DATABASE"),
            ),
        };
        let mut query = sqlx::query_as(sql);
        for n in names {
            query = query.bind(n);
        }
        let rows: Vec<(Option<String>, Option<String>, Option<String>)> =
            query.fetch_all(&mut self.conn).await.map_err(failure)?;
        Ok(any_grant(&rows, privilege, kind, scope))
    }

    /// Refuses an object that is not there, as the PostgreSQL provisioner does.
    async fn exists(
        &mut self,
        sql: &'static str,
        names: &[&str],
        what: &str,
    ) -> Result<(), ConnectorError> {
        if self.count(sql, names).await? > 0 {
            return Ok(());
        }
        Err(refuse(format!(
            "no {what} named {:?} in database {:?}",
            names.join("."),
            self.database
        )))
    }

    async fn count(&mut self, sql: &'static str, names: &[&str]) -> Result<i64, ConnectorError> {
        let mut query = sqlx::query_scalar(sql);
        for n in names {
            query = query.bind(*n);
        }
        query.fetch_one(&mut self.conn).await.map_err(failure)
    }

    async fn run(&mut self, statement: &str) -> Result<(), ConnectorError> {
        tracing::info!(statement, "provisioning");
        sqlx::raw_sql(AssertSqlSafe(statement.to_string()))
            .execute(&mut self.conn)
            .await
            .map_err(failure)?;
        Ok(())
    }
}

/// The kinds `name` was found as.
fn lookup(found: &[(String, Vec<Kind>)], name: &str) -> Vec<Kind> {
    found
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, k)| k.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::*;

    fn privilege(p: &str, resource: &[&str], grantee: &str) -> Change {
        Change::Privilege {
            privilege: p.into(),
            resource: resource.iter().map(|s| s.to_string()).collect(),
            grantee: grantee.into(),
        }
    }

    fn member(role: &str, member: &str) -> Change {
        Change::Membership {
            role: role.into(),
            member: member.into(),
        }
    }

    /// The cluster's names: `sales` is both a user and a group, `both` a user and a role.
    fn found(name: &str) -> Vec<Kind> {
        match name {
            "analysts" => vec![Group],
            "reader" | "analyst_role" => vec![Role],
            "sales" => vec![User, Group],
            "both" => vec![User, Role],
            "nobody" => vec![],
            _ => vec![User],
        }
    }

    /// The GRANT and the REVOKE for `change`.
    fn both(change: &Change) -> (String, String) {
        let plan = plan(change, "dev", &found).unwrap_or_else(|e| panic!("{change:?}: {e}"));
        (
            plan.statement(true).unwrap(),
            plan.statement(false).unwrap(),
        )
    }

    fn refused(change: &Change) -> String {
        // A lookup would be a query: none may run for a change refused by its text alone.
        let e = plan(change, "dev", &|n| panic!("looked up {n:?}")).unwrap_err();
        assert_eq!(e.kind, FailureKind::Config, "{e}");
        e.message
    }

    fn refused_after_lookup(change: &Change) -> String {
        let e = plan(change, "dev", &found).unwrap_err();
        assert_eq!(e.kind, FailureKind::Config, "{e}");
        e.message
    }

    #[test]
    fn grantees_are_users_groups_or_roles() {
        let orders = ["dev", "sales", "orders"];
        assert_eq!(
            both(&privilege("select", &orders, "alice")),
            (
                r#"GRANT SELECT ON TABLE "sales"."orders" TO "alice""#.into(),
                r#"REVOKE SELECT ON TABLE "sales"."orders" FROM "alice""#.into()
            )
        );
        assert_eq!(
            both(&privilege("TRUNCATE", &orders, "analysts")),
            (
                r#"GRANT TRUNCATE ON TABLE "sales"."orders" TO GROUP "analysts""#.into(),
                r#"REVOKE TRUNCATE ON TABLE "sales"."orders" FROM GROUP "analysts""#.into()
            )
        );
        assert_eq!(
            both(&privilege("usage", &["dev", "sales"], "reader")),
            (
                r#"GRANT USAGE ON SCHEMA "sales" TO ROLE "reader""#.into(),
                r#"REVOKE USAGE ON SCHEMA "sales" FROM ROLE "reader""#.into()
            )
        );
        assert_eq!(
            both(&privilege("temp", &["dev"], "alice")).0,
            r#"GRANT TEMPORARY ON DATABASE "dev" TO "alice""#
        );
    }

    #[test]
    fn memberships_follow_what_the_role_names() {
        assert_eq!(
            both(&member("analysts", "alice")),
            (
                r#"ALTER GROUP "analysts" ADD USER "alice""#.into(),
                r#"ALTER GROUP "analysts" DROP USER "alice""#.into()
            )
        );
        assert_eq!(
            both(&member("reader", "alice")),
            (
                r#"GRANT ROLE "reader" TO "alice""#.into(),
                r#"REVOKE ROLE "reader" FROM "alice""#.into()
            )
        );
        assert_eq!(
            both(&member("reader", "analyst_role")),
            (
                r#"GRANT ROLE "reader" TO ROLE "analyst_role""#.into(),
                r#"REVOKE ROLE "reader" FROM ROLE "analyst_role""#.into()
            )
        );
        // Only a user can be in a group: `sales`, a user and a group, is the user there.
        assert_eq!(
            both(&member("analysts", "sales")).0,
            r#"ALTER GROUP "analysts" ADD USER "sales""#
        );
        assert_eq!(
            both(&member("reader", "sales")).0,
            r#"GRANT ROLE "reader" TO "sales""#
        );
    }

    #[test]
    fn names_reach_the_sql_only_as_quoted_names() {
        let hostile = r#"x"; drop table sales.orders; --"#;
        assert_eq!(
            both(&privilege(
                "SELECT",
                &["dev", "sales", "t; drop table t"],
                hostile
            ))
            .0,
            r#"GRANT SELECT ON TABLE "sales"."t; drop table t" TO "x""; drop table sales.orders; --""#
        );
        assert_eq!(
            both(&member("analysts", hostile)).1,
            r#"ALTER GROUP "analysts" DROP USER "x""; drop table sales.orders; --""#
        );
        assert_eq!(
            both(&privilege("CREATE", &["dev", "a\"b;c"], "reader")).0,
            r#"GRANT CREATE ON SCHEMA "a""b;c" TO ROLE "reader""#
        );
    }

    #[test]
    fn what_cannot_be_sent_is_refused_before_any_lookup() {
        let orders = ["dev", "sales", "orders"];
        for (change, why) in [
            (privilege("SELECT", &orders, "Alice"), "capitals"),
            (
                privilege("SELECT", &["dev", "Sales", "orders"], "alice"),
                "capitals",
            ),
            (member("Reader", "alice"), "capitals"),
            (member("reader", "aLice"), "capitals"),
            (privilege("SELECT", &orders, "a\0b"), "NUL"),
            // Upper-case SQL in a name is refused for its capitals before it could be quoted.
            (
                privilege("SELECT", &orders, "x\"; DROP TABLE t; --"),
                "capitals",
            ),
            (privilege("TRIGGER", &orders, "alice"), "TRIGGER"),
            (privilege("USAGE", &orders, "alice"), "a table"),
            (
                privilege("SELECT; DROP TABLE t", &orders, "alice"),
                "DROP TABLE",
            ),
            (privilege("ALL", &orders, "alice"), "ALL"),
            (privilege("CONNECT", &["dev"], "alice"), "a database"),
            (
                privilege("SELECT", &["other", "sales", "orders"], "alice"),
                "other",
            ),
            (
                privilege("SELECT", &["dev", "a", "b", "c"], "alice"),
                "not a database",
            ),
        ] {
            let message = refused(&change);
            assert!(message.contains(why), "{change:?}: {message}");
        }
    }

    #[test]
    fn names_of_the_wrong_kind_are_refused() {
        for (change, why) in [
            (
                privilege("SELECT", &["dev", "s", "t"], "nobody"),
                "no user, group or role",
            ),
            (
                privilege("SELECT", &["dev", "s", "t"], "sales"),
                "both a user and a group",
            ),
            (member("reader", "both"), "both a user and a role"),
            (
                member("alice", "bob"),
                "is a user, which cannot be given members",
            ),
            (
                member("reader", "analysts"),
                "is a group, which cannot be granted a role",
            ),
            (
                member("analysts", "reader"),
                "is a role, which cannot be a group member",
            ),
            (
                member("nobody", "alice"),
                "no user, group or role named \"nobody\"",
            ),
        ] {
            let message = refused_after_lookup(&change);
            assert!(message.contains(why), "{change:?}: {message}");
        }
    }

    #[test]
    fn grant_rows_match_on_privilege_kind_and_scope() {
        let row = |p: &str, t: &str, s: Option<&str>| {
            (
                Some(p.to_string()),
                Some(t.to_string()),
                s.map(str::to_string),
            )
        };
        let rows = [
            row("TEMP", "user", Some("DATABASE")),
            row("select", "GROUP", None),
            row("ALTER", "role", Some("TABLES")),
        ];
        assert!(any_grant(&rows, "TEMPORARY", User, Some("DATABASE")));
        assert!(!any_grant(&rows, "TEMPORARY", Group, Some("DATABASE")));
        assert!(any_grant(&rows, "SELECT", Group, None));
        assert!(!any_grant(&rows, "SELECT", User, None));
        // ALTER FOR TABLES IN SCHEMA is not ALTER on the schema.
        assert!(!any_grant(&rows, "ALTER", Role, Some("SCHEMA")));
        assert!(!any_grant(&[(None, None, None)], "SELECT", User, None));
    }
}
