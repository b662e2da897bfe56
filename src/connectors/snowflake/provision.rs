//! Provisioning on Snowflake through the SQL API: a privilege on a table, view, schema, database
//! or warehouse granted to (or revoked from) a role, a database role (`DB.ROLE`) or a user, and a
//! role or database role granted to a user or a role. Names are quoted by [`quote`]; a privilege is checked against the object kind's words
//! ([`crate::model::vocabulary`]) before anything is sent. Whether a grant holds is read back
//! with `SHOW GRANTS ON <object>` and `SHOW GRANTS OF ROLE` (the receipt), before and after.
//!
//! Not provisioned: OWNERSHIP (which moves an object, and is refused).

use super::client::SqlApi;
use super::sql;
use crate::connectors::{Applied, Change, ConnectorError, FailureKind, allowed_privilege, quote};
use crate::model::vocabulary::words;
use crate::model::{Platform, ResourceKind};

const SF: Platform = Platform::Snowflake;

pub struct Provisioner {
    api: SqlApi,
}

/// A change worked out against the account: the statement's parts, and how to find it.
struct Plan {
    /// `SELECT ON TABLE "A"."B"."C"` or `ROLE "R"`.
    what: String,
    /// `ROLE "R"` or `USER "U"`.
    to: String,
    /// How the receipt is read, and the row that shows the grant.
    show: String,
    find: Find,
}

enum Find {
    /// A row of `SHOW GRANTS ON …` with this privilege, `granted_to` and `grantee_name`.
    Privilege {
        privilege: String,
        granted_to: &'static str,
        grantee: String,
    },
    /// A row of `SHOW GRANTS OF ROLE …` with this `granted_to` and `grantee_name`.
    Holder {
        granted_to: &'static str,
        grantee: String,
    },
}

impl Provisioner {
    pub fn new(api: SqlApi) -> Provisioner {
        Provisioner { api }
    }

    pub async fn close(self) {}

    /// Makes `change` true on the account.
    pub async fn grant(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        self.apply(change, true).await
    }

    /// Undoes `change` on the account.
    pub async fn revoke(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        self.apply(change, false).await
    }

    /// Whether `change` holds now as a direct grant.
    pub async fn holds(&mut self, change: &Change) -> Result<bool, ConnectorError> {
        let plan = self.plan(change).await?;
        self.holds_plan(&plan).await
    }

    async fn apply(&mut self, change: &Change, grant: bool) -> Result<Applied, ConnectorError> {
        let plan = self.plan(change).await?;
        let pre_existing = self.holds_plan(&plan).await?;
        let statement = if grant {
            format!("GRANT {} TO {}", plan.what, plan.to)
        } else {
            format!("REVOKE {} FROM {}", plan.what, plan.to)
        };
        self.api.query(&statement).await?;
        let holds_after = self.holds_plan(&plan).await?;
        Ok(Applied {
            pre_existing,
            statement,
            holds_after,
        })
    }

    async fn holds_plan(&self, plan: &Plan) -> Result<bool, ConnectorError> {
        let rows = self.api.query(&plan.show).await?;
        Ok(rows.rows.iter().any(|r| {
            let cell = |c: &str| rows.get(r, c).unwrap_or_default();
            match &plan.find {
                Find::Privilege {
                    privilege,
                    granted_to,
                    grantee,
                } => {
                    cell("privilege") == privilege
                        && cell("granted_to") == *granted_to
                        && same_grantee(cell("grantee_name"), granted_to, grantee)
                }
                Find::Holder {
                    granted_to,
                    grantee,
                } => {
                    cell("granted_to") == *granted_to
                        && same_grantee(cell("grantee_name"), granted_to, grantee)
                }
            }
        }))
    }

    /// What `change` names on the account: each name's kind looked up, the privilege checked.
    async fn plan(&self, change: &Change) -> Result<Plan, ConnectorError> {
        match change {
            Change::Membership { role, member } => {
                let roles = self.names(sql::ROLES).await?;
                let (to, granted_to) = self.principal(member, &roles).await?;
                let (what, show) = if roles.contains(role) {
                    let role_q = quote::ident(SF, role)?;
                    (format!("ROLE {role_q}"), sql::grants_of_role(&role_q))
                } else if let Some(q) = self.database_role(role).await? {
                    (
                        format!("DATABASE ROLE {q}"),
                        sql::grants_of_database_role(&q),
                    )
                } else {
                    return Err(not_found(format!("no role or database role {role:?}")));
                };
                Ok(Plan {
                    what,
                    to,
                    show,
                    find: Find::Holder {
                        granted_to,
                        grantee: member.clone(),
                    },
                })
            }
            Change::Privilege {
                privilege,
                resource,
                grantee,
            } => {
                let roles = self.names(sql::ROLES).await?;
                let (to, granted_to) = self.principal(grantee, &roles).await?;
                let kind = self.object_kind(resource).await?;
                let allowed: Vec<&'static str> = words(SF, kind)
                    .iter()
                    .copied()
                    .filter(|w| *w != "OWNERSHIP")
                    .collect();
                let word = kind.as_str().replace('_', " ");
                let privilege = allowed_privilege(privilege, &allowed, &format!("a {word}"))?;
                let object = format!("{} {}", word.to_uppercase(), quote::path(SF, resource)?);
                Ok(Plan {
                    what: format!("{privilege} ON {object}"),
                    to,
                    show: sql::grants_on(&object),
                    find: Find::Privilege {
                        privilege: privilege.to_string(),
                        granted_to,
                        grantee: grantee.clone(),
                    },
                })
            }
        }
    }

    /// `ROLE "R"` or `USER "U"` for a grantee (one of the account's `roles`, else a user), and
    /// its `granted_to` word.
    async fn principal(
        &self,
        name: &str,
        roles: &[String],
    ) -> Result<(String, &'static str), ConnectorError> {
        let q = quote::ident(SF, name)?;
        if roles.iter().any(|r| r == name) {
            return Ok((format!("ROLE {q}"), "ROLE"));
        }
        if let Some(db_role) = self.database_role(name).await? {
            return Ok((format!("DATABASE ROLE {db_role}"), "DATABASE_ROLE"));
        }
        if self.names(sql::USERS).await?.iter().any(|u| u == name) {
            return Ok((format!("USER {q}"), "USER"));
        }
        Err(not_found(format!("no role or user {name:?}")))
    }

    /// The kind of the object named by `parts`: a warehouse or database, a schema, a table or a
    /// view (looked up in its schema).
    async fn object_kind(&self, parts: &[String]) -> Result<ResourceKind, ConnectorError> {
        match parts {
            [one] if self.names(sql::WAREHOUSES).await?.contains(one) => {
                Ok(ResourceKind::Warehouse)
            }
            [_] => Ok(ResourceKind::Database),
            [_, _] => Ok(ResourceKind::Schema),
            [db, schema, name] => {
                let schema_q = quote::path(SF, &[db.clone(), schema.clone()])?;
                let is_view = self
                    .names(&sql::views_in_schema(&schema_q))
                    .await?
                    .contains(name);
                Ok(if is_view {
                    ResourceKind::View
                } else {
                    ResourceKind::Table
                })
            }
            _ => Err(ConnectorError::new(
                FailureKind::Config,
                format!("{:?} is not a Snowflake object name", parts.join(".")),
            )),
        }
    }

    /// `"DB"."ROLE"` when `name` is `DB.ROLE`, a database role of database DB (each dot tried,
    /// for names that hold one).
    async fn database_role(&self, name: &str) -> Result<Option<String>, ConnectorError> {
        for (i, _) in name.match_indices('.') {
            let (db, role) = (&name[..i], &name[i + 1..]);
            if db.is_empty() || role.is_empty() {
                continue;
            }
            let db_q = quote::ident(SF, db)?;
            let listed = match self.api.query(&sql::database_roles_in(&db_q)).await {
                Ok(rows) => rows.values("name"),
                // No such database: not this split.
                Err(e) if e.kind == FailureKind::Invalid => continue,
                Err(e) => return Err(e),
            };
            if listed.iter().any(|r| r == role) {
                return Ok(Some(quote::path(SF, &[db.to_string(), role.to_string()])?));
            }
        }
        Ok(None)
    }

    /// The `name` column of what `statement` lists.
    async fn names(&self, statement: &str) -> Result<Vec<String>, ConnectorError> {
        Ok(self.api.query(statement).await?.values("name"))
    }
}

/// Whether SHOW GRANTS's `grantee_name` is `grantee`: a database role is shown `DB.ROLE`, its
/// parts quoted where they need it.
fn same_grantee(shown: &str, granted_to: &str, grantee: &str) -> bool {
    shown == grantee
        || (granted_to == "DATABASE_ROLE" && super::read::object_name(shown) == grantee)
}

fn not_found(what: String) -> ConnectorError {
    ConnectorError::new(FailureKind::Config, format!("snowflake: {what}"))
}
