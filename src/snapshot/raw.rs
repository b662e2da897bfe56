//! The snapshot document as written on the wire; unknown fields are ignored.

use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize)]
pub struct RawSnapshot {
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
    pub connections: Vec<RawConnection>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct RawConnection {
    pub name: String,
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Deserialize, Serialize)]
pub struct RawIdentity {
    pub name: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub superuser: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub inherit: bool,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct RawMembership {
    pub member: String,
    pub role: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub inherit: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_kind: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct RawResource {
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_privileges: Option<Vec<String>>,
    /// Warden's extension: the containing resource when the name does not show it (a BigQuery
    /// project's folder or organization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct RawGrant {
    pub grantee: String,
    pub privilege: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grantee_kind: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub grant_option: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub future: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<crate::model::Condition>,
}
