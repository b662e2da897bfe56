//! `search_identities`: find people, roles and groups by name, email or display name.

use super::{Tool, search};
use crate::access::Access;
use crate::error::Problem;
use crate::index::Target;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Search identities (users, roles, groups, service accounts) across all connections by name,
/// email or display name; tolerant of typos and partial words. Use it to find the exact name
/// before asking another tool, or to list everyone called "Alice".
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchIdentitiesArgs {
    /// Words to look for: `alice`, `Alice Liddell`, `alice@acme.test`.
    pub query: String,
    /// At most this many matches (1-100, default 10).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SearchIdentitiesResult {
    pub matches: Vec<IdentityMatch>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct IdentityMatch {
    pub name: String,
    pub kind: String,
    pub connection: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// Higher is better; exact matches score 100.
    pub score: f64,
}

pub struct SearchIdentities;

impl Tool for SearchIdentities {
    const NAME: &'static str = "search_identities";
    type Args = SearchIdentitiesArgs;
    type Output = SearchIdentitiesResult;

    fn run(access: &Access, args: SearchIdentitiesArgs) -> Result<SearchIdentitiesResult, Problem> {
        let matches = search::search(access, Target::Identity, &args.query, args.limit)?
            .into_iter()
            .map(|(score, h)| {
                let c = access.conn(h.conn);
                let i = c.identity(h.id);
                IdentityMatch {
                    name: i.name.clone(),
                    kind: i.kind.to_string(),
                    connection: c.name.clone(),
                    email: i.email.clone(),
                    display_name: i.display_name.clone(),
                    score,
                }
            })
            .collect();
        Ok(SearchIdentitiesResult { matches })
    }
}
