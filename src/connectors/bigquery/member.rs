//! IAM members and dataset access entries, both ways: `user:alice@example.com` read into who it
//! names, a dataset `access` entry read into the member it grants to, and the entry Warden
//! writes for a member. Authorized views, routines and datasets are entries that name no member.

use serde_json::{Value, json};

/// Who an IAM member string or an access entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// A user, group or service account, by email (lower case), and its member text.
    Identity {
        kind: &'static str,
        email: String,
        text: String,
    },
    /// A member standing for many: `allUsers`, `allAuthenticatedUsers`, `domain:NAME`,
    /// `specialGroup:project…`, spelled as a snapshot grantee.
    Everyone(String),
    /// A member a snapshot does not hold, and why.
    Skipped { text: String, why: &'static str },
}

/// Reads an IAM member (`user:EMAIL`, `group:EMAIL`, `serviceAccount:EMAIL`, `domain:NAME`,
/// `allUsers`, `allAuthenticatedUsers`, `deleted:…`, `principal://…`).
pub fn parse(text: &str) -> Member {
    let text = text.trim();
    match text {
        "allUsers" | "allAuthenticatedUsers" => return Member::Everyone(text.to_string()),
        _ => {}
    }
    let skipped = |why| Member::Skipped {
        text: text.to_string(),
        why,
    };
    let Some((prefix, rest)) = text.split_once(':') else {
        return skipped("not an IAM member");
    };
    let kind = match prefix {
        "user" => "user",
        "group" => "group",
        "serviceAccount" => "service_account",
        "domain" if !rest.is_empty() => {
            return Member::Everyone(format!("domain:{}", rest.to_lowercase()));
        }
        "deleted" => return skipped("a deleted principal holds nothing"),
        "principal" | "principalSet" => return skipped("federated identities are not read"),
        _ => return skipped("an IAM member type Warden does not read"),
    };
    if rest.is_empty() || !rest.contains('@') {
        return skipped("no email after the member type");
    }
    let email = rest.to_lowercase();
    Member::Identity {
        kind,
        text: format!("{prefix}:{email}"),
        email,
    }
}

/// The member a dataset `access` entry grants to; `None` for an authorized view, routine or
/// dataset (which grant to no member: see [`authorized_grantee`]).
pub fn of_access_entry(entry: &Value) -> Option<Member> {
    let s = |k: &str| entry[k].as_str().map(str::trim);
    if let Some(email) = s("userByEmail") {
        // Service accounts are listed as users in dataset ACLs.
        let prefix = if is_service_account(email) {
            "serviceAccount"
        } else {
            "user"
        };
        return Some(parse(&format!("{prefix}:{email}")));
    }
    if let Some(email) = s("groupByEmail") {
        return Some(parse(&format!("group:{email}")));
    }
    if let Some(domain) = s("domain") {
        return Some(parse(&format!("domain:{domain}")));
    }
    if let Some(group) = s("specialGroup") {
        return Some(match group {
            "allAuthenticatedUsers" | "allUsers" => Member::Everyone(group.to_string()),
            "projectReaders" | "projectWriters" | "projectOwners" => {
                Member::Everyone(format!("specialGroup:{group}"))
            }
            _ => Member::Skipped {
                text: format!("specialGroup:{group}"),
                why: "a special group Warden does not read",
            },
        });
    }
    if let Some(m) = s("iamMember") {
        return Some(parse(m));
    }
    None
}

/// The snapshot grantee of an authorized entry: `view:p.d.v`, `routine:p.d.r`, `dataset:p.d`;
/// `None` for an entry that is none of these or names nothing.
pub fn authorized_grantee(entry: &Value) -> Option<String> {
    let dotted = |v: &Value, last: &str| {
        let parts: Vec<&str> = [
            v["projectId"].as_str(),
            v["datasetId"].as_str(),
            v[last].as_str(),
        ]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
        (parts.len() >= 2).then(|| parts.join("."))
    };
    if entry["view"].is_object() {
        Some(format!("view:{}", dotted(&entry["view"], "tableId")?))
    } else if entry["routine"].is_object() {
        Some(format!(
            "routine:{}",
            dotted(&entry["routine"], "routineId")?
        ))
    } else if entry["dataset"].is_object() {
        Some(format!(
            "dataset:{}",
            dotted(&entry["dataset"]["dataset"], "")?
        ))
    } else {
        None
    }
}

pub fn is_service_account(email: &str) -> bool {
    email.to_lowercase().ends_with(".gserviceaccount.com")
}

/// The member Warden grants to for a grantee named in a change: an IAM member as it is, or a
/// bare email (a service account by its domain, else a user).
pub fn of_grantee(grantee: &str) -> Member {
    let g = grantee.trim();
    if g.contains(':') || g == "allUsers" || g == "allAuthenticatedUsers" {
        return parse(g);
    }
    let prefix = if is_service_account(g) {
        "serviceAccount"
    } else {
        "user"
    };
    parse(&format!("{prefix}:{g}"))
}

/// The access entry that grants `role` to `member` (unconditionally).
pub fn access_entry(role: &str, member: &Member) -> Option<Value> {
    Some(match member {
        Member::Identity { kind, email, .. } => match *kind {
            "group" => json!({"role": role, "groupByEmail": email}),
            _ => json!({"role": role, "userByEmail": email}),
        },
        Member::Everyone(text) => match text.split_once(':') {
            Some(("domain", d)) => json!({"role": role, "domain": d}),
            Some(("specialGroup", g)) => json!({"role": role, "specialGroup": g}),
            _ => json!({"role": role, "iamMember": text}),
        },
        Member::Skipped { .. } => return None,
    })
}

/// The member's text as a snapshot grantee and an IAM policy spell it.
pub fn text(member: &Member) -> &str {
    match member {
        Member::Identity { text, .. } | Member::Everyone(text) | Member::Skipped { text, .. } => {
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any member text is read into one of the three answers, never a panic; an identity's
        /// text reads back as itself.
        #[test]
        fn any_member_text_is_read(text in proptest::prelude::any::<String>()) {
            if let Member::Identity { text: t, .. } = parse(&text) {
                proptest::prop_assert_eq!(parse(&t), parse(&text));
            }
            let _ = of_grantee(&text);
            let _ = of_access_entry(&json!({"userByEmail": text, "role": "READER"}));
        }
    }

    #[test]
    fn members_and_entries_name_the_same_identities() {
        let alice = parse("user:Alice@Example.com");
        assert_eq!(
            alice,
            Member::Identity {
                kind: "user",
                email: "alice@example.com".into(),
                text: "user:alice@example.com".into()
            }
        );
        assert_eq!(
            of_access_entry(&json!({"role": "READER", "userByEmail": "alice@example.com"})),
            Some(alice.clone())
        );
        assert_eq!(of_grantee("alice@example.com"), alice);
        let sa = of_access_entry(
            &json!({"role": "WRITER", "userByEmail": "etl@p1.iam.gserviceaccount.com"}),
        )
        .unwrap();
        assert_eq!(text(&sa), "serviceAccount:etl@p1.iam.gserviceaccount.com");
        assert_eq!(
            of_access_entry(&json!({"role": "READER", "specialGroup": "projectReaders"})),
            Some(Member::Everyone("specialGroup:projectReaders".into()))
        );
        let view = json!({"view": {"projectId": "p", "datasetId": "d", "tableId": "v"}});
        assert_eq!(of_access_entry(&view), None);
        assert_eq!(authorized_grantee(&view).as_deref(), Some("view:p.d.v"));
        let mangled = json!({"dataset": {"projectId": "", "datasetId": ""}});
        assert_eq!(authorized_grantee(&mangled), None, "names nothing");
        assert!(matches!(
            parse("deleted:user:bob@example.com?uid=1"),
            Member::Skipped { .. }
        ));
        let group = parse("group:analysts@example.com");
        assert_eq!(
            access_entry("READER", &group),
            Some(json!({"role": "READER", "groupByEmail": "analysts@example.com"}))
        );
        assert_eq!(
            of_access_entry(&access_entry("READER", &group).unwrap()),
            Some(group)
        );
    }
}
