//! A change Warden makes on a platform for an access request, and undoes at expiry.

/// A change Warden makes on a platform for an access request, and undoes at expiry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A privilege on a resource (its name parts: `[db, schema, table]`, `[db, schema]`, `[db]`).
    Privilege {
        privilege: String,
        resource: Vec<String>,
        grantee: String,
    },
    /// Membership of `member` in `role`.
    Membership { role: String, member: String },
}
