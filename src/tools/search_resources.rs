//! `search_resources`: find tables, views, schemas and datasets by any part of their name.

use super::{Tool, search};
use crate::access::Access;
use crate::error::Problem;
use crate::index::Target;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Search resources (tables, views, schemas, datasets, projects, ...) across all connections by
/// any part of their dotted name (`orders`, `sales.orders`, `the payroll table`); tolerant of
/// typos and case.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchResourcesArgs {
    /// Words or a partial dotted name to look for.
    pub query: String,
    /// At most this many matches (1-100, default 10).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SearchResourcesResult {
    pub matches: Vec<ResourceMatch>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ResourceMatch {
    /// The fully qualified name.
    pub name: String,
    pub kind: String,
    pub connection: String,
    /// Higher is better; exact matches score 100.
    pub score: f64,
}

pub struct SearchResources;

impl Tool for SearchResources {
    const NAME: &'static str = "search_resources";
    type Args = SearchResourcesArgs;
    type Output = SearchResourcesResult;

    fn run(access: &Access, args: SearchResourcesArgs) -> Result<SearchResourcesResult, Problem> {
        let matches = search::search(access, Target::Resource, &args.query, args.limit)?
            .into_iter()
            .map(|(score, h)| {
                let c = access.conn(h.conn);
                let r = c.resource(h.id);
                ResourceMatch {
                    name: r.name.clone(),
                    kind: r.kind.to_string(),
                    connection: c.name.clone(),
                    score,
                }
            })
            .collect();
        Ok(SearchResourcesResult { matches })
    }
}
