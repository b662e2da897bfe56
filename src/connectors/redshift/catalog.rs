//! The SQL the Redshift connector sends, in one place (PLATFORMS.md §2), so that it can be tried
//! against a real cluster on its own. Each query reads one catalog table or one SVV view and
//! nothing else: Redshift runs `pg_*` catalog tables on the leader node and refuses some mixes
//! with system views, and leader-node functions such as `has_table_privilege` are never used.
//!
//! Column names are the views' documented ones (AWS "Amazon Redshift Database Developer Guide",
//! one page per view, linked above each query); every column is aliased to the field of the
//! matching row type in [`super::rows`]. Text is cast to `varchar` because catalog columns are
//! of type `name` and views of type `text`, and the driver decodes `varchar` the same on both.
//! The SVV views hide other identities' rows from a user that is neither a superuser nor holds
//! ACCESS SYSTEM TABLE / SYSLOG ACCESS UNRESTRICTED: read with such a user.

/// The current database, its owner and the server's version string. `pg_database` is a
/// leader-node catalog; `current_database()` and `version()` may be joined with it.
pub const DATABASE: &str = "SELECT current_database()::varchar AS database_name,
        version()::varchar AS version, u.usename::varchar AS owner_name
    FROM pg_catalog.pg_database d
    LEFT JOIN pg_catalog.pg_user u ON u.usesysid = d.datdba
    WHERE d.datname = current_database()";

/// Users and the superuser flag (docs.aws.amazon.com/redshift/latest/dg/
/// r_Users-creatingaltering-and-deleting-users.html: `pg_user` with usename, usesysid, usesuper;
/// its sample shows the internal superuser `rdsdb`).
pub const USERS: &str = "SELECT usename::varchar AS usename, usesuper
    FROM pg_catalog.pg_user";

/// Groups (docs.aws.amazon.com/redshift/latest/dg/r_Groups.html: `pg_group` with groname,
/// grosysid, grolist). Members come from `grolist` in [`GROUP_MEMBERS`].
pub const GROUPS: &str = "SELECT groname::varchar AS groname FROM pg_catalog.pg_group";

/// One row per user in a group: `grolist` is an array of `usesysid`, joined as r_Groups.html
/// does it rather than sent as an array, which Redshift cannot return from every context.
pub const GROUP_MEMBERS: &str =
    "SELECT g.groname::varchar AS groname, u.usename::varchar AS usename
    FROM pg_catalog.pg_group g
    JOIN pg_catalog.pg_user u ON u.usesysid = ANY(g.grolist)";

/// RBAC roles, system ones (`sys:*`, `ds:*`) included
/// (docs.aws.amazon.com/redshift/latest/dg/r_SVV_ROLES.html: role_id, role_name, role_owner,
/// external_id).
pub const ROLES: &str = "SELECT role_name::varchar AS role_name FROM svv_roles";

/// Role-to-role grants: `role_name` is the role that received `granted_role_name`
/// (docs.aws.amazon.com/redshift/latest/dg/r_SVV_ROLE_GRANTS.html: role_id, role_name,
/// granted_role_id, granted_role_name; sample: `GRANT ROLE role1 TO ROLE role2` shows
/// `role2 | role1`).
pub const ROLE_GRANTS: &str = "SELECT role_name::varchar AS role_name,
        granted_role_name::varchar AS granted_role_name
    FROM svv_role_grants";

/// Roles granted to users (docs.aws.amazon.com/redshift/latest/dg/r_SVV_USER_GRANTS.html:
/// user_id, user_name, role_id, role_name, admin_option).
pub const USER_GRANTS: &str = "SELECT user_name::varchar AS user_name,
        role_name::varchar AS role_name, COALESCE(admin_option, false) AS admin_option
    FROM svv_user_grants";

/// Schemas of the current database with their owners; catalog schemas (`pg_*`,
/// `information_schema`) are left out.
pub const SCHEMAS: &str =
    "SELECT n.nspname::varchar AS schema_name, u.usename::varchar AS owner_name
    FROM pg_catalog.pg_namespace n
    LEFT JOIN pg_catalog.pg_user u ON u.usesysid = n.nspowner
    WHERE n.nspname NOT LIKE 'pg!_%' ESCAPE '!' AND n.nspname <> 'information_schema'";

/// Tables and views of the current database with their owners (`relkind` r, v, m). Owners come
/// from the catalog because no SVV view carries them.
pub const RELATIONS: &str = "SELECT n.nspname::varchar AS schema_name,
        c.relname::varchar AS relation_name, c.relkind::varchar AS relkind,
        u.usename::varchar AS owner_name
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_user u ON u.usesysid = c.relowner
    WHERE c.relkind IN ('r', 'v', 'm')
      AND n.nspname NOT LIKE 'pg!_%' ESCAPE '!' AND n.nspname <> 'information_schema'";

/// Explicit grants on tables and views of the current database
/// (docs.aws.amazon.com/redshift/latest/dg/r_SVV_RELATION_PRIVILEGES.html: namespace_name,
/// relation_name, privilege_type, identity_id, identity_name, identity_type ∈ user | role |
/// group | public, admin_option). Owners' implicit privileges are not listed.
pub const RELATION_PRIVILEGES: &str = "SELECT namespace_name::varchar AS namespace_name,
        relation_name::varchar AS relation_name, privilege_type::varchar AS privilege_type,
        identity_name::varchar AS identity_name, identity_type::varchar AS identity_type,
        COALESCE(admin_option, false) AS admin_option
    FROM svv_relation_privileges";

/// Explicit grants on schemas of the current database, and scoped grants `FOR TABLES IN SCHEMA`
/// (docs.aws.amazon.com/redshift/latest/dg/r_SVV_SCHEMA_PRIVILEGES.html: namespace_name,
/// privilege_type, identity_id, identity_name, identity_type, admin_option, privilege_scope ∈
/// SCHEMA | TABLES | FUNCTIONS).
pub const SCHEMA_PRIVILEGES: &str = "SELECT namespace_name::varchar AS namespace_name,
        privilege_type::varchar AS privilege_type, identity_name::varchar AS identity_name,
        identity_type::varchar AS identity_type, COALESCE(admin_option, false) AS admin_option,
        privilege_scope::varchar AS privilege_scope
    FROM svv_schema_privileges";

/// Explicit grants on databases, and scoped grants `FOR SCHEMAS | TABLES IN DATABASE`, for every
/// database of the cluster: the mapping keeps the current one
/// (docs.aws.amazon.com/redshift/latest/dg/r_SVV_DATABASE_PRIVILEGES.html: database_name,
/// privilege_type, identity_id, identity_name, identity_type, admin_option, privilege_scope ∈
/// DATABASE | SCHEMAS | TABLES | FUNCTIONS | LANGUAGES).
pub const DATABASE_PRIVILEGES: &str = "SELECT database_name::varchar AS database_name,
        privilege_type::varchar AS privilege_type, identity_name::varchar AS identity_name,
        identity_type::varchar AS identity_type, COALESCE(admin_option, false) AS admin_option,
        privilege_scope::varchar AS privilege_scope
    FROM svv_database_privileges";

// Provisioning ([`super::provision`]). Each lookup reads one catalog table or one SVV view, as
// above, and binds every name as a parameter (sent as text). A plain COUNT(*) rather than
// `SELECT EXISTS (…)`, so as not to depend on EXISTS as a value on the leader node; none of these
// has run on a real Redshift.

/// The database a connection reaches, which a provisioned resource must be in.
pub const CURRENT_DATABASE: &str = "SELECT current_database()::varchar";

/// Whether `$1` is a user, a group, a role: three name spaces, looked up one at a time
/// (r_Users-creatingaltering-and-deleting-users.html, r_Groups.html, r_SVV_ROLES.html).
pub const USER_NAMED: &str = "SELECT COUNT(*) FROM pg_catalog.pg_user WHERE usename = $1";
pub const GROUP_NAMED: &str = "SELECT COUNT(*) FROM pg_catalog.pg_group WHERE groname = $1";
pub const ROLE_NAMED: &str = "SELECT COUNT(*) FROM svv_roles WHERE role_name = $1";

/// Whether table or view `$1.$2`, or schema `$1`, exists in the current database: the SVV views
/// list grants only, so an empty answer there cannot tell a missing object from no grant.
pub const TABLE_NAMED: &str = "SELECT COUNT(*) FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'v', 'm')";
pub const SCHEMA_NAMED: &str = "SELECT COUNT(*) FROM pg_catalog.pg_namespace WHERE nspname = $1";

/// Explicit grants on table `$1.$2` to the identity named `$3` (r_SVV_RELATION_PRIVILEGES.html).
/// The identity's kind and the privilege are matched by the caller: the pages show upper-case
/// privileges and lower-case kinds, and matching in Rust does not depend on that.
pub const RELATION_GRANTS_TO: &str = "SELECT privilege_type::varchar AS privilege_type,
        identity_type::varchar AS identity_type, NULL::varchar AS privilege_scope
    FROM svv_relation_privileges
    WHERE namespace_name = $1 AND relation_name = $2 AND identity_name = $3";

/// Grants on schema `$1` to `$2`; only privilege_scope SCHEMA rows are grants on the schema
/// itself, the others being scoped grants `FOR TABLES IN SCHEMA` (r_SVV_SCHEMA_PRIVILEGES.html).
pub const SCHEMA_GRANTS_TO: &str = "SELECT privilege_type::varchar AS privilege_type,
        identity_type::varchar AS identity_type, privilege_scope::varchar AS privilege_scope
    FROM svv_schema_privileges
    WHERE namespace_name = $1 AND identity_name = $2";

/// Grants on database `$1` to `$2`; privilege_scope DATABASE rows only, and the page lists both
/// TEMPORARY and TEMP as privilege types (r_SVV_DATABASE_PRIVILEGES.html).
pub const DATABASE_GRANTS_TO: &str = "SELECT privilege_type::varchar AS privilege_type,
        identity_type::varchar AS identity_type, privilege_scope::varchar AS privilege_scope
    FROM svv_database_privileges
    WHERE database_name = $1 AND identity_name = $2";

/// Whether user `$2` is in group `$1`, joined on grolist as [`GROUP_MEMBERS`] does.
pub const GROUP_HAS_USER: &str = "SELECT COUNT(*) FROM pg_catalog.pg_group g
    JOIN pg_catalog.pg_user u ON u.usesysid = ANY(g.grolist)
    WHERE g.groname = $1 AND u.usename = $2";

/// Whether role `$1` is granted to user `$2` (r_SVV_USER_GRANTS.html).
pub const USER_HAS_ROLE: &str =
    "SELECT COUNT(*) FROM svv_user_grants WHERE role_name = $1 AND user_name = $2";

/// Whether role `$1` is granted to role `$2`: `role_name` is the role that received
/// `granted_role_name` (r_SVV_ROLE_GRANTS.html).
pub const ROLE_HAS_ROLE: &str =
    "SELECT COUNT(*) FROM svv_role_grants WHERE granted_role_name = $1 AND role_name = $2";
