//! Every statement the Snowflake connector sends to read an account, in one place, so that it
//! can be reviewed and tried in a worksheet on its own. Names are quoted by
//! [`crate::connectors::quote`] before they are put in.

/// Users: `name`, `login_name`, `display_name`, `email`, `disabled`.
pub const USERS: &str = "SHOW USERS";
/// Account roles: `name`.
pub const ROLES: &str = "SHOW ROLES";
/// Warehouses: `name` (their USAGE is granted like an object's).
pub const WAREHOUSES: &str = "SHOW WAREHOUSES";
/// Databases: `name`, `kind` (a database shared into the account has `kind` `IMPORTED DATABASE`).
pub const DATABASES: &str = "SHOW DATABASES";
/// Schemas: `database_name`, `name`.
pub const SCHEMAS: &str = "SHOW SCHEMAS IN ACCOUNT";
/// Tables: `database_name`, `schema_name`, `name`.
pub const TABLES: &str = "SHOW TABLES IN ACCOUNT";
/// Views: `database_name`, `schema_name`, `name`, `is_materialized`.
pub const VIEWS: &str = "SHOW VIEWS IN ACCOUNT";

/// Every live grant to a role, from the account's usage views (up to two hours behind, one
/// statement for the whole account): role-to-role grants are `USAGE` on a `ROLE`.
pub const ACCOUNT_USAGE_GRANTS_TO_ROLES: &str = "SELECT PRIVILEGE, GRANTED_ON, NAME, TABLE_CATALOG, TABLE_SCHEMA, GRANTED_TO, GRANTEE_NAME, GRANT_OPTION FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES WHERE DELETED_ON IS NULL";
/// Every live grant of a role to a user, from the usage views.
pub const ACCOUNT_USAGE_GRANTS_TO_USERS: &str = "SELECT ROLE, GRANTEE_NAME FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_USERS WHERE DELETED_ON IS NULL";

/// The privileges granted to a role (quoted): `privilege`, `granted_on`, `name`, `grant_option`.
/// `USAGE` on a `ROLE` is a role granted to it, read from [`grants_of_role`] instead.
pub fn grants_to_role(role: &str) -> String {
    format!("SHOW GRANTS TO ROLE {role}")
}

/// Who holds a role (quoted): `granted_to` (`USER` or `ROLE`), `grantee_name`.
pub fn grants_of_role(role: &str) -> String {
    format!("SHOW GRANTS OF ROLE {role}")
}

/// The privileges granted on one object (its kind and quoted name: `TABLE "DB"."S"."T"`):
/// `privilege`, `granted_to`, `grantee_name`.
pub fn grants_on(object: &str) -> String {
    format!("SHOW GRANTS ON {object}")
}

/// The views of a schema (quoted `DB.SCHEMA`): `name`.
pub fn views_in_schema(schema: &str) -> String {
    format!("SHOW VIEWS IN SCHEMA {schema}")
}

/// The future grants of a schema (quoted `DB.SCHEMA`): `privilege`, `grant_on`, `grant_to`,
/// `grantee_name`, `grant_option`.
pub fn future_grants_in_schema(schema: &str) -> String {
    format!("SHOW FUTURE GRANTS IN SCHEMA {schema}")
}

/// What a user holds directly (quoted): as [`grants_to_role`], roles granted to it among them.
pub fn grants_to_user(user: &str) -> String {
    format!("SHOW GRANTS TO USER {user}")
}

/// The database roles of a database (quoted): `name`.
pub fn database_roles_in(database: &str) -> String {
    format!("SHOW DATABASE ROLES IN DATABASE {database}")
}

/// The privileges granted to a database role (quoted `DB.ROLE`): as [`grants_to_role`].
pub fn grants_to_database_role(role: &str) -> String {
    format!("SHOW GRANTS TO DATABASE ROLE {role}")
}

/// Who holds a database role (quoted `DB.ROLE`): `granted_to` (`ROLE` or `DATABASE_ROLE`),
/// `grantee_name` (a database role qualified by its database).
pub fn grants_of_database_role(role: &str) -> String {
    format!("SHOW GRANTS OF DATABASE ROLE {role}")
}
