//! Shared search for the two search tools: exact keys first, then typo-tolerant matches.

use crate::access::{Access, Resolved};
use crate::error::Problem;
use crate::index::Target;

/// Default and largest number of matches a search returns.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 100;

/// Matches for `query`, best first, each with a score (exact name or alias matches score highest).
pub fn search(
    access: &Access,
    target: Target,
    query: &str,
    limit: Option<usize>,
) -> Result<Vec<(f64, Resolved)>, Problem> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Problem::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    if query.trim().is_empty() {
        return Err(Problem::invalid("query", "query is empty"));
    }
    let mut out: Vec<(f64, Resolved)> = Vec::new();
    out.extend(
        access
            .exact(target, query.trim(), None)?
            .into_iter()
            .map(|h| (100.0, h)),
    );
    // Matches of every word first (cheap: the rarest word drives the search); only when no
    // name holds them all, matches of any word (costly when a word like `db` is in every name).
    let exact = out.len();
    for all_words in [true, false] {
        if out.len() >= limit || (!all_words && out.len() > exact) {
            break;
        }
        let hits = access
            .index
            .fuzzy(target, query, None, all_words, limit * 2)?;
        add_new(&mut out, hits);
    }
    // Nothing yet for a word too short to search within (`a`, `al`): names starting with it,
    // so that a search box lists matches from the first letter typed.
    if out.len() < limit {
        add_new(
            &mut out,
            access.index.prefixed(target, query, None, limit * 2)?,
        );
    }
    out.truncate(limit);
    Ok(out)
}

/// Appends the index's hits not already in `out`, in their order.
fn add_new(out: &mut Vec<(f64, Resolved)>, hits: Vec<(f32, crate::index::Hit)>) {
    for (score, h) in hits {
        let h: Resolved = h.into();
        if !out.iter().any(|(_, x)| *x == h) {
            // Three decimals: enough to rank, and the same number in every JSON encoder.
            out.push(((score as f64 * 1000.0).round() / 1000.0, h));
        }
    }
}
