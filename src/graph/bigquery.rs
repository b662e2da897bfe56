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

const VIEWER: &[&str] = &[
    "bigquery.tables.getData",
    "bigquery.tables.get",
    "bigquery.tables.list",
    "bigquery.datasets.get",
];
const EDITOR: &[&str] = &[
    "bigquery.tables.getData",
    "bigquery.tables.get",
    "bigquery.tables.list",
    "bigquery.datasets.get",
    "bigquery.tables.updateData",
    "bigquery.tables.create",
    "bigquery.tables.delete",
    "bigquery.tables.update",
];
const OWNER: &[&str] = &[
    "bigquery.tables.getData",
    "bigquery.tables.get",
    "bigquery.tables.list",
    "bigquery.datasets.get",
    "bigquery.tables.updateData",
    "bigquery.tables.create",
    "bigquery.tables.delete",
    "bigquery.tables.update",
    "bigquery.datasets.update",
    "bigquery.tables.setIamPolicy",
];
const ADMIN: &[&str] = &[
    "bigquery.tables.getData",
    "bigquery.tables.get",
    "bigquery.tables.list",
    "bigquery.datasets.get",
    "bigquery.tables.updateData",
    "bigquery.tables.create",
    "bigquery.tables.delete",
    "bigquery.tables.update",
    "bigquery.datasets.update",
    "bigquery.tables.setIamPolicy",
    "bigquery.jobs.create",
];

/// The permissions a role holds, or `None` for a role Warden does not know (custom roles).
/// Basic roles hold no data permission directly: they reach data through dataset
/// `specialGroup` entries, as BigQuery applies them.
pub fn role_permissions(role: &str) -> Option<&'static [&'static str]> {
    Some(match role {
        "roles/bigquery.dataViewer" | "READER" => VIEWER,
        "roles/bigquery.dataEditor" | "WRITER" => EDITOR,
        "roles/bigquery.dataOwner" | "OWNER" => OWNER,
        "roles/bigquery.admin" => ADMIN,
        "roles/bigquery.user" => &["bigquery.jobs.create", "bigquery.datasets.create"],
        "roles/bigquery.jobUser" => &["bigquery.jobs.create"],
        "roles/bigquery.metadataViewer" => &[
            "bigquery.tables.get",
            "bigquery.tables.list",
            "bigquery.datasets.get",
        ],
        "roles/bigquery.readSessionUser" => &["bigquery.readsessions.create"],
        "roles/viewer" | "roles/editor" | "roles/owner" => &[],
        _ => return None,
    })
}

/// The question words a role answers yes to, for listing who holds what.
pub fn question_privileges() -> &'static [&'static str] {
    &["SELECT", "INSERT", "UPDATE", "DELETE"]
}
