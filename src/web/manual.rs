//! The statements an admin runs by hand for an approved request on a connection Warden cannot
//! provision (imported from a file): one per change the request records, in the platform's own
//! SQL, every name quoted by the platform's rules. Shown on the request's page beside
//! `Mark provisioned`.

use crate::access::Access;
use crate::connectors::quote;
use crate::model::Platform;
use crate::model::change::Change;
use crate::requests::AccessRequest;

/// A statement an admin runs by hand on a connection Warden cannot provision.
pub struct ManualStep {
    pub connection: String,
    pub statement: String,
}

/// The statements for every change of `r`, in order.
pub fn steps(access: &Access, r: &AccessRequest) -> Vec<ManualStep> {
    r.changes
        .iter()
        .map(|c| {
            let platform = access
                .graph
                .connection(&c.connection)
                .map(|(_, g)| g.platform);
            let kind = |name: &str| {
                crate::people::links::exact_identity(access, &c.connection, name)
                    .map(|h| access.conn(h.conn).identity(h.id).kind.as_str())
                    .unwrap_or("user")
            };
            let object = |path: &[String]| {
                r.resources
                    .iter()
                    .find(|res| res.connection == c.connection && res.path == path)
                    .map(|res| res.kind.clone())
                    .unwrap_or_else(|| "table".into())
            };
            let email = |name: &str| {
                crate::people::links::exact_identity(access, &c.connection, name)
                    .and_then(|h| access.conn(h.conn).identity(h.id).email.clone())
                    .unwrap_or_else(|| name.to_string())
            };
            let statement = match platform {
                Some(p) => statement(p, &c.change, &kind, &object, &email)
                    .unwrap_or_else(|e| format!("-- cannot be written as a statement: {e}")),
                None => format!("-- connection {} is no longer known", c.connection),
            };
            ManualStep {
                connection: c.connection.clone(),
                statement,
            }
        })
        .collect()
}

/// One GRANT on `platform`. `kind` gives an identity's kind (`user`, `role`…), `object` a
/// resource's kind (`table`, `schema`…), `email` an identity's email (BigQuery members).
fn statement(
    platform: Platform,
    change: &Change,
    kind: &dyn Fn(&str) -> &'static str,
    object: &dyn Fn(&[String]) -> String,
    email: &dyn Fn(&str) -> String,
) -> Result<String, String> {
    let q = |name: &str| quote_for(platform, name);
    match (platform, change) {
        (Platform::Postgres | Platform::Redshift, Change::Membership { role, member }) => {
            Ok(format!("GRANT {} TO {};", q(role)?, q(member)?))
        }
        (
            Platform::Postgres | Platform::Redshift,
            Change::Privilege {
                privilege,
                resource,
                grantee,
            },
        ) => {
            let on = match resource.as_slice() {
                [db, schema, table] => format!(
                    "-- in database {db}\nGRANT {privilege} ON TABLE {}.{} TO {};",
                    q(schema)?,
                    q(table)?,
                    q(grantee)?
                ),
                [db, schema] => format!(
                    "-- in database {db}\nGRANT {privilege} ON SCHEMA {} TO {};",
                    q(schema)?,
                    q(grantee)?
                ),
                [db] => format!(
                    "GRANT {privilege} ON DATABASE {} TO {};",
                    q(db)?,
                    q(grantee)?
                ),
                _ => return Err(format!("{:?} is not an object name", resource.join("."))),
            };
            Ok(on)
        }
        (Platform::Snowflake, Change::Membership { role, member }) => Ok(format!(
            "GRANT ROLE {} TO {} {};",
            q(role)?,
            snowflake_grantee(kind(member)),
            q(member)?
        )),
        (
            Platform::Snowflake,
            Change::Privilege {
                privilege,
                resource,
                grantee,
            },
        ) => {
            let what = object(resource).to_ascii_uppercase().replace('_', " ");
            let path = quote_path(platform, resource)?;
            let to = kind(grantee);
            let head = if to == "user" {
                format!(
                    "-- Snowflake grants privileges to roles, not to users: grant it to a role {grantee} has, or choose that role as the grantee\n"
                )
            } else {
                String::new()
            };
            Ok(format!(
                "{head}GRANT {privilege} ON {what} {path} TO {} {};",
                snowflake_grantee(to),
                q(grantee)?
            ))
        }
        (Platform::Bigquery, Change::Membership { role, member }) => Err(format!(
            "BigQuery has no role membership to grant ({member} in {role}): add the member in IAM"
        )),
        (
            Platform::Bigquery,
            Change::Privilege {
                privilege,
                resource,
                grantee,
            },
        ) => {
            let what = match object(resource).as_str() {
                "dataset" => "SCHEMA",
                "table" | "view" => "TABLE",
                other => {
                    return Err(format!(
                        "BigQuery's GRANT statement does not reach a {other}: bind {} to {grantee} in IAM",
                        bigquery_role(privilege)
                    ));
                }
            };
            let member = match kind(grantee) {
                "service_account" => "serviceAccount",
                "group" => "group",
                _ => "user",
            };
            Ok(format!(
                "GRANT `{}` ON {what} `{}` TO \"{member}:{}\";",
                bigquery_role(privilege),
                resource.join("."),
                email(grantee).replace('"', "")
            ))
        }
    }
}

fn snowflake_grantee(kind: &str) -> &'static str {
    match kind {
        "user" => "USER",
        "database_role" => "DATABASE ROLE",
        _ => "ROLE",
    }
}

/// The predefined BigQuery role a privilege word stands for (a role is kept as written).
fn bigquery_role(privilege: &str) -> String {
    match privilege.to_ascii_uppercase().as_str() {
        "SELECT" | "READER" => "roles/bigquery.dataViewer".into(),
        "INSERT" | "UPDATE" | "DELETE" | "WRITER" => "roles/bigquery.dataEditor".into(),
        "OWNER" => "roles/bigquery.dataOwner".into(),
        _ => privilege.to_string(),
    }
}

/// Quotes one name: PostgreSQL's and Redshift's rules from [`quote`]; Snowflake's are the same
/// double quotes (a quoted name keeps its case, as the snapshot spells it).
fn quote_for(platform: Platform, name: &str) -> Result<String, String> {
    match platform {
        Platform::Snowflake => {
            if name.is_empty() || name.contains('\0') {
                return Err(format!("{name:?} cannot be quoted"));
            }
            Ok(format!("\"{}\"", name.replace('"', "\"\"")))
        }
        _ => quote::ident(platform, name).map_err(|e| e.message),
    }
}

fn quote_path(platform: Platform, parts: &[String]) -> Result<String, String> {
    parts
        .iter()
        .map(|p| quote_for(platform, p))
        .collect::<Result<Vec<_>, _>>()
        .map(|q| q.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(_: &str) -> &'static str {
        "user"
    }
    fn role(_: &str) -> &'static str {
        "role"
    }
    fn table(_: &[String]) -> String {
        "table".into()
    }
    fn same(n: &str) -> String {
        n.to_string()
    }

    fn grant(privilege: &str, resource: &[&str], grantee: &str) -> Change {
        Change::Privilege {
            privilege: privilege.into(),
            resource: resource.iter().map(|s| s.to_string()).collect(),
            grantee: grantee.into(),
        }
    }

    #[test]
    fn postgres_statements_quote_every_name() {
        let c = grant("SELECT", &["prod", "crm", "lea\"ds"], "al;ice");
        let s = statement(Platform::Postgres, &c, &user, &table, &same).unwrap();
        assert_eq!(
            s,
            "-- in database prod\nGRANT SELECT ON TABLE \"crm\".\"lea\"\"ds\" TO \"al;ice\";"
        );
        let m = Change::Membership {
            role: "analyst".into(),
            member: "maya".into(),
        };
        let s = statement(Platform::Redshift, &m, &user, &table, &same).unwrap();
        assert_eq!(s, "GRANT \"analyst\" TO \"maya\";");
    }

    #[test]
    fn snowflake_grants_to_roles_and_bigquery_to_members() {
        let c = grant("SELECT", &["ANALYTICS", "SALES", "ORDERS"], "ANALYST");
        let s = statement(Platform::Snowflake, &c, &role, &table, &same).unwrap();
        assert_eq!(
            s,
            "GRANT SELECT ON TABLE \"ANALYTICS\".\"SALES\".\"ORDERS\" TO ROLE \"ANALYST\";"
        );
        let c = grant(
            "SELECT",
            &["acme-prod", "marketing", "spend"],
            "alice@acme.test",
        );
        let s = statement(Platform::Bigquery, &c, &user, &table, &same).unwrap();
        assert_eq!(
            s,
            "GRANT `roles/bigquery.dataViewer` ON TABLE `acme-prod.marketing.spend` TO \"user:alice@acme.test\";"
        );
    }
}
