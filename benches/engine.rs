//! Criterion micro-benchmarks of the engine on the synthetic tiers (BENCHMARKS.md).
//!
//! For tier S and tier M (seed 1): `check_access` through the tool registry (JSON in and out,
//! name resolution included), the engine's `check` alone, `who_has_access` (registry and engine),
//! exact name resolution, and fuzzy resolution (`search_resources` and `check_access` with a
//! typo'd table name). Questions cycle through a seeded pool so that caches see many targets.
//! Registry timings include cloning the small JSON arguments (well under 1 µs) and dropping the
//! answer, as a server would.
//!
//! `cargo bench --bench engine`; `WARDEN_BENCH_TIERS=S cargo bench --bench engine` builds and
//! measures tier S only (a criterion filter such as `-- tier_S` still builds tier M).
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::questions::{Question, questions};
use warden::access::Access;
use warden::index::Target;
use warden::synth::{self, Tier};

const SEED: u64 = 1;
const POOL: usize = 4096;

struct World {
    access: Access,
    questions: Vec<Question>,
    /// Table names with one typo each (never another table's exact name).
    typos: Vec<String>,
}

fn world(tier: Tier) -> World {
    let t0 = Instant::now();
    let mut text = Vec::new();
    synth::write(tier, SEED, &mut text).expect("generate snapshot");
    let connections = warden::snapshot::parse_reader(&text[..]).expect("valid snapshot");
    drop(text);
    let access = Access::build(connections).expect("build access");
    eprintln!(
        "built tier with {} grants in {:.1?}",
        access.graph.grant_count(),
        t0.elapsed()
    );
    let mut rng = SmallRng::seed_from_u64(42);
    let questions = questions(&access, tier, POOL, &mut rng);
    let typos = (0..POOL)
        .map(|_| {
            let t = rng.random_range(0..tier.tables);
            synth::misspelled_table_name(&mut rng, t)
        })
        .collect();
    World {
        access,
        questions,
        typos,
    }
}

fn bench_tier(c: &mut Criterion, label: &str, tier: Tier) {
    let wanted = std::env::var("WARDEN_BENCH_TIERS").unwrap_or_else(|_| "S,M".into());
    if !wanted
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(label))
    {
        return;
    }
    let w = world(tier);
    let access = &w.access;
    let conn = &access.graph.connections[0];
    let n = w.questions.len();
    let mut g = c.benchmark_group(format!("tier_{label}"));
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    let check_args: Vec<Value> = w
        .questions
        .iter()
        .map(|q| json!({"identity": q.user, "privilege": q.privilege, "resource": q.table}))
        .collect();
    let mut k = 0;
    g.bench_function("check_access/registry", |b| {
        b.iter(|| {
            k += 1;
            warden::tools::call(access, "check_access", check_args[k % n].clone()).expect("answer")
        })
    });
    let mut k = 0;
    g.bench_function("check/engine", |b| {
        b.iter(|| {
            k += 1;
            let q = &w.questions[k % n];
            conn.check(black_box(q.i), q.privilege, black_box(q.r))
        })
    });
    let mut k = 0;
    g.bench_function("resolve_pair/exact", |b| {
        b.iter(|| {
            k += 1;
            let q = &w.questions[k % n];
            access
                .resolve_pair(&q.user, &q.table, None)
                .expect("resolves")
        })
    });

    let who_args: Vec<Value> = w
        .questions
        .iter()
        .map(|q| json!({"resource": q.table, "privilege": "SELECT"}))
        .collect();
    let mut k = 0;
    g.bench_function("who_has_access/registry", |b| {
        b.iter(|| {
            k += 1;
            warden::tools::call(access, "who_has_access", who_args[k % n].clone()).expect("answer")
        })
    });
    let mut k = 0;
    g.bench_function("who_has/engine", |b| {
        b.iter(|| {
            k += 1;
            conn.who_has(black_box(w.questions[k % n].r), Some("SELECT"))
        })
    });

    let search_args: Vec<Value> = w.typos.iter().map(|t| json!({"query": t})).collect();
    let mut k = 0;
    g.bench_function("search_resources/typo", |b| {
        b.iter(|| {
            k += 1;
            warden::tools::call(access, "search_resources", search_args[k % n].clone())
                .expect("answer")
        })
    });
    let typo_checks: Vec<Value> = w
        .questions
        .iter()
        .zip(&w.typos)
        .map(|(q, t)| json!({"identity": q.user, "privilege": q.privilege, "resource": t}))
        .collect();
    let mut k = 0;
    g.bench_function("check_access/typo", |b| {
        b.iter(|| {
            k += 1;
            // A typo may resolve to one table or be ambiguous (an error listing candidates):
            // both are answers, both are timed.
            warden::tools::call(access, "check_access", typo_checks[k % n].clone())
        })
    });
    let mut k = 0;
    g.bench_function("resolve/typo", |b| {
        b.iter(|| {
            k += 1;
            access.candidates(Target::Resource, &w.typos[k % n], None, "resource")
        })
    });
    g.finish();
}

fn tier_s(c: &mut Criterion) {
    bench_tier(c, "S", Tier::S);
}

fn tier_m(c: &mut Criterion) {
    bench_tier(c, "M", Tier::M);
}

criterion_group!(benches, tier_s, tier_m);
criterion_main!(benches);
