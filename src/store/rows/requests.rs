//! How requests are listed, and the keys the resource filter matches on.

use crate::model::request::{AccessRequest, Status};

/// Which requests to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub status: Option<Status>,
    pub requester_id: Option<String>,
    /// Only requests asking for a resource this names.
    pub resource: Option<ResourceMatch>,
    /// Deleted requests are left out unless asked for (or their status is).
    pub include_deleted: bool,
    /// The paging cursor: requests created before this `(created_at, id)`.
    pub before: Option<(String, String)>,
    pub limit: i64,
}

/// A resource as typed into a filter, ready to compare with the stored keys
/// ([`resource_keys`]): `sales.orders` matches a resource whose full name is or ends with it
/// (at a dot) on any connection; `warehouse/sales.orders` or `warehouse:sales.orders` only on
/// that connection. Case does not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMatch {
    /// The whole text, as a name on any connection.
    pub name: String,
    /// The text split at its first `/` or `:`, as (connection, name).
    pub qualified: Option<(String, String)>,
}

impl ResourceMatch {
    /// What `text` asks for; none when it is blank.
    pub fn parse(text: &str) -> Option<ResourceMatch> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let qualified = text
            .split_once(['/', ':'])
            .map(|(c, n)| (fold(c.trim()), fold(n.trim())))
            .filter(|(c, n)| !c.is_empty() && !n.is_empty());
        Some(ResourceMatch {
            name: fold(text),
            qualified,
        })
    }
}

/// Case folded the same way on every store (in Rust, not by a database's `lower()`, which folds
/// ASCII only on SQLite and more on a PostgreSQL with a UTF-8 locale).
fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// The `(connection, key)` rows a request is found by: for each resource, its full name and
/// every dotted tail of it (`analytics.sales.orders`, `sales.orders`, `orders`), case folded.
pub fn resource_keys(req: &AccessRequest) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in &req.resources {
        let conn = fold(&r.connection);
        let mut keys = vec![fold(&r.name)];
        // The platform's parts, where a part may itself hold a dot (`"my.schema".orders`).
        for k in 0..r.path.len() {
            keys.push(fold(&r.path[k..].join(".")));
        }
        for key in keys {
            let row = (conn.clone(), key);
            if !row.1.is_empty() && !out.contains(&row) {
                out.push(row);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::request::RequestedResource;

    #[test]
    fn a_typed_resource_is_a_name_anywhere_or_on_one_connection() {
        let m = ResourceMatch::parse("  Sales.Orders ").unwrap();
        assert_eq!(m.name, "sales.orders");
        assert_eq!(m.qualified, None);
        let m = ResourceMatch::parse("Warehouse/prod.CRM.leads").unwrap();
        assert_eq!(m.name, "warehouse/prod.crm.leads");
        assert_eq!(
            m.qualified,
            Some(("warehouse".into(), "prod.crm.leads".into()))
        );
        let m = ResourceMatch::parse("warehouse:leads").unwrap();
        assert_eq!(m.qualified, Some(("warehouse".into(), "leads".into())));
        assert_eq!(ResourceMatch::parse("/x").unwrap().qualified, None);
        assert_eq!(ResourceMatch::parse(" "), None);
    }

    #[test]
    fn a_request_is_found_by_each_dotted_tail_of_each_resource() {
        let mut req: AccessRequest = serde_json::from_value(serde_json::json!({
            "id": "req_1", "status": "open", "requester": "alice",
            "resources": [], "privileges": ["SELECT"], "roles": [],
            "drafted_by": {"kind": "person", "person": "alice"},
            "approvals_required": 1, "approvals": [], "grantees": [], "changes": [],
            "manual": false, "auto_approved": false, "revoking": false, "reminded": false,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        req.resources = vec![RequestedResource {
            connection: "WH".into(),
            name: "Analytics.\"my.s\".Orders".into(),
            kind: "table".into(),
            path: vec!["Analytics".into(), "my.s".into(), "Orders".into()],
        }];
        let keys: Vec<String> = resource_keys(&req).into_iter().map(|(_, k)| k).collect();
        assert_eq!(
            keys,
            [
                "analytics.\"my.s\".orders",
                "analytics.my.s.orders",
                "my.s.orders",
                "orders"
            ]
        );
        assert!(resource_keys(&req).iter().all(|(c, _)| c == "wh"));
    }
}
