//! Plain, validated types shared by every layer: platforms, identities, resources, grants.
//!
//! Identities and resources are addressed by their index in their connection (`u32`), which keeps the
//! in-memory graph small; names are resolved to indices once, at import. Outside the graph's own
//! arrays an index travels as an [`IdentityId`] or a [`ResourceId`], so that the two cannot be
//! swapped in a question.

pub mod audit;
pub mod change;
pub mod clock;
mod duration;
mod hex;
mod ids;
pub mod people;
mod privilege;
pub mod request;
mod size;
pub mod time;
pub mod vocabulary;
pub mod words;

pub use duration::Duration;
pub use hex::hex;
pub use ids::{IdentityId, IdentityIndex, ResourceId, ResourceIndex};
pub use privilege::{Privilege, table_privileges};
pub use size::ByteSize;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The data platform a connection reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Postgres,
    Redshift,
    Snowflake,
    Bigquery,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Postgres,
        Platform::Redshift,
        Platform::Snowflake,
        Platform::Bigquery,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Postgres => "postgres",
            Platform::Redshift => "redshift",
            Platform::Snowflake => "snowflake",
            Platform::Bigquery => "bigquery",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Postgres and Redshift share one privilege model (roles, INHERIT, owners, PUBLIC).
    pub fn is_postgres_like(self) -> bool {
        matches!(self, Platform::Postgres | Platform::Redshift)
    }

    /// Warden has a live connector for it: `warden sync` reads it. Every platform has one now;
    /// kept as the one place that says so, equal to what `connectors::read` does (a test there).
    pub fn can_sync(self) -> bool {
        true
    }

    /// Warden can grant and revoke on it itself (else an admin provisions by hand). Every
    /// platform can now; kept equal to what `connectors::provisioner` opens (a test there).
    pub fn can_provision(self) -> bool {
        true
    }

    /// Every platform's name, for an error about a word that is none: `postgres, redshift,
    /// snowflake or bigquery`.
    pub fn names() -> String {
        let names: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// What an identity is on its platform.
    IdentityKind {
        User = "user",
        Role = "role",
        Group = "group",
        ServiceAccount = "service_account",
        DatabaseRole = "database_role",
    }
);

string_enum!(
    /// What a resource is on its platform.
    ResourceKind {
        Organization = "organization",
        Folder = "folder",
        Account = "account",
        Project = "project",
        Database = "database",
        Dataset = "dataset",
        Schema = "schema",
        Table = "table",
        View = "view",
        MaterializedView = "materialized_view",
        ForeignTable = "foreign_table",
        Sequence = "sequence",
        Function = "function",
        Warehouse = "warehouse",
    }
);

impl ResourceKind {
    /// Relations whose reading needs USAGE on their schema (and which predefined roles cover).
    pub fn is_table_like(self) -> bool {
        matches!(
            self,
            ResourceKind::Table
                | ResourceKind::View
                | ResourceKind::MaterializedView
                | ResourceKind::ForeignTable
                | ResourceKind::Sequence
        )
    }
}

/// A user, role, group or service account on one platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub name: String,
    pub kind: IdentityKind,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub superuser: bool,
    /// Postgres role attribute INHERIT (15 and older semantics).
    pub inherit: bool,
}

/// `member` belongs to `role` (indices into the connection's identities).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub member: u32,
    pub role: u32,
    /// The membership's own INHERIT option (PostgreSQL 16+).
    pub inherit: bool,
}

/// A database object, dataset, project or anything else privileges are granted on.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Fully qualified, dot separated.
    pub name: String,
    /// The name's parts (differs from splitting `name` on dots when a part holds a dot).
    pub path: Vec<String>,
    pub kind: ResourceKind,
    pub owner: Option<u32>,
    /// What the owner holds by owning it; `None` means every privilege.
    pub owner_privileges: Option<Vec<String>>,
    /// The resource this one lives in (by name prefix, or the snapshot's `parent`).
    pub parent: Option<u32>,
}

/// Who a grant goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Grantee {
    Identity(u32),
    /// Every identity of the connection (the Snowflake PUBLIC role every user holds).
    Public,
    /// BigQuery `domain:NAME`.
    Domain(String),
    /// BigQuery `allAuthenticatedUsers`.
    AllAuthenticatedUsers,
    /// BigQuery `allUsers`.
    AllUsers,
    /// BigQuery `specialGroup:projectReaders|projectWriters|projectOwners`.
    SpecialGroup(SpecialGroup),
    /// A BigQuery dataset's authorized view, routine or dataset (`view:p.d.v`,
    /// `routine:p.d.r`, `dataset:p.d`): it reads the dataset's data for whoever can query it,
    /// so it gives no identity anything here; answers about the dataset name it.
    Authorized(String),
}

/// The BigQuery dataset ACL groups standing for holders of a basic role on the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialGroup {
    ProjectReaders,
    ProjectWriters,
    ProjectOwners,
}

impl SpecialGroup {
    pub fn parse(s: &str) -> Option<SpecialGroup> {
        match s {
            "projectReaders" => Some(SpecialGroup::ProjectReaders),
            "projectWriters" => Some(SpecialGroup::ProjectWriters),
            "projectOwners" => Some(SpecialGroup::ProjectOwners),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SpecialGroup::ProjectReaders => "projectReaders",
            SpecialGroup::ProjectWriters => "projectWriters",
            SpecialGroup::ProjectOwners => "projectOwners",
        }
    }

    /// The basic project role whose holders make up the group.
    pub fn basic_role(self) -> &'static str {
        match self {
            SpecialGroup::ProjectReaders => "roles/viewer",
            SpecialGroup::ProjectWriters => "roles/editor",
            SpecialGroup::ProjectOwners => "roles/owner",
        }
    }
}

impl Grantee {
    /// Reads back the spelling [`Grantee::pseudo_name`] writes.
    pub fn parse_pseudo(s: &str) -> Option<Grantee> {
        Some(match s {
            "PUBLIC" => Grantee::Public,
            "allUsers" => Grantee::AllUsers,
            "allAuthenticatedUsers" => Grantee::AllAuthenticatedUsers,
            _ => match s.split_once(':')? {
                ("domain", d) => Grantee::Domain(d.to_owned()),
                ("specialGroup", g) => Grantee::SpecialGroup(SpecialGroup::parse(g)?),
                ("view" | "routine" | "dataset", what) if !what.is_empty() => {
                    Grantee::Authorized(s.to_owned())
                }
                _ => return None,
            },
        })
    }

    /// The snapshot spelling of a grantee that is not an identity.
    pub fn pseudo_name(&self) -> Option<String> {
        match self {
            Grantee::Identity(_) => None,
            Grantee::Public => Some("PUBLIC".into()),
            Grantee::Domain(d) => Some(format!("domain:{d}")),
            Grantee::AllAuthenticatedUsers => Some("allAuthenticatedUsers".into()),
            Grantee::AllUsers => Some("allUsers".into()),
            Grantee::SpecialGroup(g) => Some(format!("specialGroup:{}", g.as_str())),
            Grantee::Authorized(text) => Some(text.clone()),
        }
    }
}

/// A BigQuery IAM condition on a binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub expression: Option<String>,
}

/// One privilege (or BigQuery role) granted on one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub grantee: Grantee,
    /// Shared between the grants that name the same word (millions of grants, a dozen words).
    pub privilege: std::sync::Arc<str>,
    pub resource: u32,
    pub grant_option: bool,
    pub future: bool,
    pub condition: Option<Box<Condition>>,
}

/// Everything known about one connection, validated: every index points inside its vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub name: String,
    pub platform: Platform,
    pub server_version: Option<String>,
    pub taken_at: Option<chrono::DateTime<chrono::Utc>>,
    pub identities: Vec<Identity>,
    pub memberships: Vec<Membership>,
    pub resources: Vec<Resource>,
    pub grants: Vec<Grant>,
}

/// Splits a dotted resource name into its parts (no part may hold a dot; use `path` for those).
pub fn split_name(name: &str) -> Vec<String> {
    name.split('.').map(str::to_owned).collect()
}

/// What one connection holds, counted: what an import reports and the audit log keeps.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ImportedConnection {
    pub connection: String,
    pub platform: Platform,
    pub identities: usize,
    pub memberships: usize,
    pub resources: usize,
    pub grants: usize,
}

impl Connection {
    pub fn counts(&self) -> ImportedConnection {
        ImportedConnection {
            connection: self.name.clone(),
            platform: self.platform,
            identities: self.identities.len(),
            memberships: self.memberships.len(),
            resources: self.resources.len(),
            grants: self.grants.len(),
        }
    }
}
