//! `who_has_access`: every identity that holds a privilege (or any) on a resource, a page at a
//! time (a popular table at tier M has thousands of grantees: megabytes in one answer).

use super::{Tool, privilege_arg};
use crate::access::Access;
use crate::error::Problem;
use crate::graph::GranteeEntry;
use crate::index::Target;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// List everyone who can access a resource: every user, role, group and service account that
/// holds the privilege (or, without one, any privilege), each with the paths that give it.
/// Superusers and grants to PUBLIC (everyone) are included.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhoHasAccessArgs {
    /// The resource: a full or partial dotted name (`sales.orders`).
    pub resource: String,
    /// Only this privilege (SELECT, INSERT, ...); all privileges when absent.
    #[serde(default)]
    pub privilege: Option<String>,
    /// Restrict the question to one connection.
    #[serde(default)]
    pub connection: Option<String>,
    /// How many grantees to return (default 100, at most 1000); `total` says how many there are.
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// Where to go on from: the `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Grantees in a page when no `limit` is given.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest page.
pub const MAX_LIMIT: u32 = 1000;

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WhoHasAccessResult {
    /// The resolved, fully qualified resource name.
    pub resource: String,
    pub resource_kind: String,
    pub connection: String,
    /// The privilege asked about, if any.
    pub privilege: Option<String>,
    /// This page of the grantees: people first, then roles and groups, then PUBLIC, each by
    /// name (the same order on every page).
    pub grantees: Vec<GranteeEntry>,
    /// How many grantees there are in all pages.
    pub total: usize,
    /// How many of them are people or service accounts (users); the rest are roles, groups and
    /// PUBLIC.
    pub people: usize,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A cursor is the position of the next grantee, written so that nobody mistakes it for a count
/// to edit: `g` and the position in base 36.
fn encode_cursor(at: usize) -> String {
    let mut digits = Vec::new();
    let mut n = at;
    loop {
        digits.push(std::char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    std::iter::once('g')
        .chain(digits.into_iter().rev())
        .collect()
}

fn decode_cursor(cursor: &str) -> Result<usize, Problem> {
    cursor
        .strip_prefix('g')
        .filter(|d| !d.is_empty() && d.len() <= 12)
        .and_then(|d| usize::from_str_radix(d, 36).ok())
        .ok_or_else(|| {
            Problem::invalid(
                "cursor",
                format!("{cursor:?} is not a cursor of who_has_access (pass a next_cursor back)"),
            )
        })
}

/// Is this grantee a person (or a service account), for the counts?
pub fn is_person(kind: &str) -> bool {
    matches!(kind, "user" | "service_account")
}

pub struct WhoHasAccess;

impl Tool for WhoHasAccess {
    const NAME: &'static str = "who_has_access";
    type Args = WhoHasAccessArgs;
    type Output = WhoHasAccessResult;

    fn run(access: &Access, args: WhoHasAccessArgs) -> Result<WhoHasAccessResult, Problem> {
        let limit = match args.limit.unwrap_or(DEFAULT_LIMIT) {
            l @ 1..=MAX_LIMIT => l as usize,
            l => {
                return Err(Problem::invalid(
                    "limit",
                    format!("limit {l} is out of range (1 to {MAX_LIMIT})"),
                ));
            }
        };
        let start = args.cursor.as_deref().map(decode_cursor).transpose()?;
        let privilege = args.privilege.as_deref().map(privilege_arg).transpose()?;
        let conn = access.connection_arg(args.connection.as_deref(), "connection")?;
        let found = access.resolve(Target::Resource, &args.resource, conn, "resource")?;
        let (c, r) = (access.conn(found.conn), found.resource());
        if let Some(p) = &privilege {
            crate::model::vocabulary::check(
                p,
                c.platform,
                Some(c.resource(r).kind),
                &c.name,
                "privilege",
            )?;
        }
        let all = c.who_has(r, privilege.as_ref().map(|p| p.as_str()));
        let total = all.len();
        let people = all.iter().filter(|g| is_person(&g.kind)).count();
        let start = start.unwrap_or(0).min(total);
        let end = start.saturating_add(limit).min(total);
        let grantees: Vec<GranteeEntry> = all.into_iter().skip(start).take(end - start).collect();
        Ok(WhoHasAccessResult {
            resource: c.resource(r).name.clone(),
            resource_kind: c.resource(r).kind.to_string(),
            connection: c.name.clone(),
            grantees,
            total,
            people,
            next_cursor: (end < total).then(|| encode_cursor(end)),
            privilege: privilege.map(|p| p.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_cursor, encode_cursor};

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        for at in [0, 1, 35, 36, 100, 123_456_789] {
            assert_eq!(decode_cursor(&encode_cursor(at)).unwrap(), at);
        }
        for bad in ["", "g", "100", "gzzzzzzzzzzzzzzz", "g-1", "g\u{130}"] {
            let e = decode_cursor(bad).unwrap_err();
            assert_eq!(e.path.as_deref(), Some("cursor"), "{bad:?}");
        }
    }
}

#[cfg(test)]
mod paging {
    use crate::access::Access;
    use crate::error::ErrorCode;
    use serde_json::{Value, json};

    fn demo() -> Access {
        Access::build(crate::demo::connections().unwrap()).unwrap()
    }

    fn call(a: &Access, args: Value) -> Result<Value, crate::error::Problem> {
        crate::tools::call(a, "who_has_access", args)
    }

    #[test]
    fn pages_walk_every_grantee_once_in_order() {
        let a = demo();
        let args = json!({"resource": "warehouse:sales.orders", "limit": 1000});
        let all = call(&a, args).unwrap();
        let total = all["total"].as_u64().unwrap() as usize;
        assert!(total >= 3, "{all}");
        assert_eq!(all["grantees"].as_array().unwrap().len(), total);
        assert!(all.get("next_cursor").is_none(), "{all}");
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut args = json!({"resource": "warehouse:sales.orders", "limit": 2});
            if let Some(c) = &cursor {
                args["cursor"] = json!(c);
            }
            let page = call(&a, args).unwrap();
            assert_eq!(page["total"], all["total"]);
            assert_eq!(page["people"], all["people"]);
            let g = page["grantees"].as_array().unwrap();
            assert!(g.len() <= 2);
            seen.extend(g.iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(Value::Array(seen), all["grantees"]);
    }

    #[test]
    fn the_default_page_is_bounded_and_bad_paging_is_refused() {
        let a = demo();
        let page = call(&a, json!({"resource": "warehouse:sales.orders"})).unwrap();
        assert!(page["grantees"].as_array().unwrap().len() <= super::DEFAULT_LIMIT as usize);
        for (args, field) in [
            (json!({"resource": "sales.orders", "limit": 0}), "limit"),
            (json!({"resource": "sales.orders", "limit": 1001}), "limit"),
            (
                json!({"resource": "sales.orders", "cursor": "100"}),
                "cursor",
            ),
        ] {
            let e = call(&a, args).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidArgument);
            assert_eq!(e.path.as_deref(), Some(field), "{e:?}");
        }
        // A cursor past the end is an empty last page.
        let page = call(
            &a,
            json!({"resource": "warehouse:sales.orders", "cursor": super::encode_cursor(10_000)}),
        )
        .unwrap();
        assert_eq!(page["grantees"], json!([]));
        assert!(page.get("next_cursor").is_none());
    }
}
