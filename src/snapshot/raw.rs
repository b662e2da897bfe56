//! The snapshot document as written on the wire; unknown fields are ignored. Names repeated
//! across memberships and grants are interned ([`Name`]).

use super::intern::Name;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct RawSnapshot {
    pub version: u32,
    #[serde(default)]
    pub taken_at: Option<String>,
    pub connections: Vec<RawConnection>,
}

#[derive(Debug, Deserialize)]
pub struct RawConnection {
    pub name: String,
    pub platform: String,
    #[serde(default)]
    pub server_version: Option<String>,
    #[serde(default)]
    pub identities: Vec<RawIdentity>,
    #[serde(default)]
    pub memberships: Vec<RawMembership>,
    #[serde(default)]
    pub resources: Vec<RawResource>,
    #[serde(default)]
    pub grants: Vec<RawGrant>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
pub struct RawIdentity {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub superuser: bool,
    #[serde(default = "yes")]
    pub inherit: bool,
}

#[derive(Debug, Deserialize)]
pub struct RawMembership {
    pub member: Name,
    pub role: Name,
    #[serde(default = "yes")]
    pub inherit: bool,
    #[serde(default)]
    pub member_kind: Option<Name>,
    #[serde(default)]
    pub role_kind: Option<Name>,
}

#[derive(Debug, Deserialize)]
pub struct RawResource {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub path: Option<Vec<String>>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub owner_kind: Option<String>,
    #[serde(default)]
    pub owner_privileges: Option<Vec<String>>,
    /// Warden's extension: the containing resource when the name does not show it (a BigQuery
    /// project's folder or organization).
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawGrant {
    pub grantee: Name,
    pub privilege: Name,
    pub resource: Name,
    #[serde(default)]
    pub grantee_kind: Option<Name>,
    #[serde(default)]
    pub grant_option: bool,
    #[serde(default)]
    pub future: bool,
    #[serde(default)]
    pub condition: Option<Box<crate::model::Condition>>,
}
