//! Walks membership edges: every chain from an identity up to the holders it reaches, or from a
//! holder down to every member that inherits from it.

use super::{ConnGraph, Csr, Edge};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

impl ConnGraph {
    /// Every chain `start → … → t` up through memberships where `is_target(t)`, at most `limit`.
    /// Only edges that pass privileges are taken, unless `any_edge` (used to explain a NOINHERIT
    /// miss). Branches that cannot reach a target are pruned before chains are listed, so a
    /// dense role hierarchy costs its size, not its number of chains.
    pub(crate) fn chains_up(
        &self,
        start: u32,
        any_edge: bool,
        is_target: &dyn Fn(u32) -> bool,
        limit: usize,
    ) -> Vec<Vec<u32>> {
        let reach = self.reachability(start, any_edge, is_target);
        if !reach.get(&start).copied().unwrap_or(false) {
            return Vec::new();
        }
        let take = |e: &Edge| (any_edge || e.flows) && reach.get(&e.to).copied().unwrap_or(false);
        let ends_at_target = |chain: &[u32]| is_target(*chain.last()?).then(|| chain.to_vec());
        chains(&self.up, start, limit, take, ends_at_target)
    }

    /// Is there a chain from `start` (itself included) up to a target, along edges that pass
    /// privileges? Yes or no only: stops at the first target, lists nothing.
    pub(crate) fn reaches_up(&self, start: u32, is_target: &dyn Fn(u32) -> bool) -> bool {
        let mut seen: HashSet<u32> = HashSet::default();
        let mut stack = vec![start];
        seen.insert(start);
        while let Some(node) = stack.pop() {
            if is_target(node) {
                return true;
            }
            for e in self.up.get(node) {
                if e.flows && seen.insert(e.to) {
                    stack.push(e.to);
                }
            }
        }
        false
    }

    /// For every identity above `start`: can it reach a target?
    fn reachability(
        &self,
        start: u32,
        any_edge: bool,
        is_target: &dyn Fn(u32) -> bool,
    ) -> HashMap<u32, bool> {
        let mut memo: HashMap<u32, bool> =
            HashMap::with_capacity_and_hasher(32, Default::default());
        let mut stack = vec![(start, 0usize)];
        memo.insert(start, false);
        while let Some((node, k)) = stack.last_mut() {
            let node = *node;
            let edges = self.up.get(node);
            if *k < edges.len() {
                let e = edges[*k];
                *k += 1;
                if (any_edge || e.flows) && !memo.contains_key(&e.to) {
                    memo.insert(e.to, false);
                    stack.push((e.to, 0));
                }
            } else {
                let ok = is_target(node)
                    || edges.iter().any(|e| {
                        (any_edge || e.flows) && memo.get(&e.to).copied().unwrap_or(false)
                    });
                memo.insert(node, ok);
                stack.pop();
            }
        }
        memo
    }

    /// Every identity that inherits from `holder` (itself included), with the chains from it
    /// down to `holder` written member first. Stops after `limit` chains.
    pub(crate) fn chains_down(&self, holder: u32, limit: usize) -> Vec<Vec<u32>> {
        // Every chain down is an answer, written member first.
        let member_first = |chain: &[u32]| Some(chain.iter().rev().copied().collect());
        chains(&self.down, holder, limit, |e: &Edge| e.flows, member_first)
    }
}

/// Depth first along `edges` from `start`, taking the edges `take` allows: each chain `keep`
/// turns into an answer, until there are `limit`. An explicit stack, so a deep hierarchy cannot
/// overflow the thread's.
fn chains(
    edges: &Csr<Edge>,
    start: u32,
    limit: usize,
    take: impl Fn(&Edge) -> bool,
    keep: impl Fn(&[u32]) -> Option<Vec<u32>>,
) -> Vec<Vec<u32>> {
    let mut chain = vec![start];
    let mut out: Vec<Vec<u32>> = keep(&chain).into_iter().collect();
    let mut next = vec![0usize];
    while let Some(&node) = chain.last() {
        if out.len() >= limit {
            break;
        }
        let from = edges.get(node);
        // `next` grows and shrinks with `chain`, so it is never empty here.
        let Some(k) = next.last_mut() else {
            break;
        };
        if *k < from.len() {
            let e = from[*k];
            *k += 1;
            if take(&e) {
                chain.push(e.to);
                next.push(0);
                out.extend(keep(&chain));
            }
        } else {
            chain.pop();
            next.pop();
        }
    }
    out
}
