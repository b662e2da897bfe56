//! The SQL the PostgreSQL connector sends, in one place (PLATFORMS.md §1). Every query reads
//! `pg_catalog` (never `information_schema`, which hides rows from non-superusers), and NULL ACLs
//! are read as the defaults they stand for (`acldefault`).

/// Version, database and whether memberships carry their own INHERIT (PostgreSQL 16+).
pub const SERVER: &str = "SELECT current_setting('server_version') AS version,
        current_setting('server_version_num')::int4 AS num,
        current_database()::text AS db";

pub const ROLES: &str = "SELECT oid::int8 AS oid, rolname::text AS name, rolcanlogin AS login,
        rolsuper AS superuser, rolinherit AS inherit FROM pg_catalog.pg_roles";

pub const MEMBERS_16: &str = "SELECT member::int8 AS member, roleid::int8 AS role,
        inherit_option AS inherit FROM pg_catalog.pg_auth_members";

/// Before 16 the member's own INHERIT attribute decides (read from the role).
pub const MEMBERS_15: &str = "SELECT member::int8 AS member, roleid::int8 AS role,
        true AS inherit FROM pg_catalog.pg_auth_members";

pub const DATABASE: &str = "SELECT d.datdba::int8 AS owner, a.grantee::int8 AS grantee,
        a.privilege_type::text AS privilege, a.is_grantable AS grantable
    FROM pg_catalog.pg_database d
    LEFT JOIN LATERAL aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a ON true
    WHERE d.datname = current_database()";

pub const SCHEMAS: &str = "SELECT n.nspname::text AS schema, n.nspowner::int8 AS owner,
        a.grantee::int8 AS grantee, a.privilege_type::text AS privilege, a.is_grantable AS grantable
    FROM pg_catalog.pg_namespace n
    LEFT JOIN LATERAL aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a ON true
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

pub const RELATIONS: &str = "SELECT n.nspname::text AS schema, c.relname::text AS name,
        c.relkind::text AS relkind, c.relowner::int8 AS owner,
        a.grantee::int8 AS grantee, a.privilege_type::text AS privilege, a.is_grantable AS grantable
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN LATERAL aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) a ON true
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";
