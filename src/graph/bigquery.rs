//! BigQuery's predefined and basic roles, and which IAM permission a question's privilege needs.

/// The permission a question's privilege stands for on a BigQuery table.
pub fn permission_for(privilege: &str) -> Option<&'static str> {
    match privilege {
        "SELECT" => Some("bigquery.tables.getData"),
        "INSERT" | "UPDATE" | "DELETE" => Some("bigquery.tables.updateData"),
        "bigquery.tables.getData" => Some("bigquery.tables.getData"),
        "bigquery.tables.updateData" => Some("bigquery.tables.updateData"),
        _ => None,
    }
}

/// Data permissions of the predefined BigQuery data roles, each tier holding those before it
/// (dataViewer ⊂ dataEditor ⊂ dataOwner ⊂ admin).
const TIERS: [&[&str]; 4] = [
    &[
        "bigquery.tables.getData",
        "bigquery.tables.get",
        "bigquery.tables.list",
        "bigquery.datasets.get",
    ],
    &[
        "bigquery.tables.updateData",
        "bigquery.tables.create",
        "bigquery.tables.delete",
        "bigquery.tables.update",
    ],
    &["bigquery.datasets.update", "bigquery.tables.setIamPolicy"],
    &["bigquery.jobs.create"],
];

/// Whether `role` holds `permission`; `None` for a role Warden does not know (custom roles).
/// Basic roles hold no data permission directly: they reach data through dataset
/// `specialGroup` entries, as BigQuery applies them.
pub fn role_holds(role: &str, permission: &str) -> Option<bool> {
    let tier = |n: usize| TIERS[..n].iter().any(|t| t.contains(&permission));
    Some(match role {
        "roles/bigquery.dataViewer" | "READER" => tier(1),
        "roles/bigquery.dataEditor" | "WRITER" => tier(2),
        "roles/bigquery.dataOwner" | "OWNER" => tier(3),
        "roles/bigquery.admin" => tier(4),
        "roles/bigquery.user" => matches!(
            permission,
            "bigquery.jobs.create" | "bigquery.datasets.create"
        ),
        "roles/bigquery.jobUser" => permission == "bigquery.jobs.create",
        "roles/bigquery.metadataViewer" => {
            matches!(
                permission,
                "bigquery.tables.get" | "bigquery.tables.list" | "bigquery.datasets.get"
            )
        }
        "roles/bigquery.readSessionUser" => permission == "bigquery.readsessions.create",
        "roles/viewer" | "roles/editor" | "roles/owner" => false,
        _ => return None,
    })
}

/// Whether Warden knows what `role` grants.
pub fn is_known_role(role: &str) -> bool {
    role_holds(role, "").is_some()
}

/// The question words a role answers yes to, for listing who holds what.
pub fn question_privileges() -> &'static [&'static str] {
    &["SELECT", "INSERT", "UPDATE", "DELETE"]
}
