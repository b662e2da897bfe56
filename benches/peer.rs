//! Import, memory and latency figures on tier M, and Warden side by side with PostgreSQL on
//! tier S (BENCHMARKS.md). A plain program: it prints what it measures and ends.
//!
//! `cargo bench --bench peer`. Knobs (environment):
//! - `WARDEN_BENCH_PART`: `a` (tier M only), `b` (the peer only); both when unset.
//! - `WARDEN_BENCH_QUESTIONS`: questions per latency series and per peer run (default 100000).
//! - `WARDEN_BENCH_CONCURRENCY`: comma-separated client concurrencies (default `4,16`).
//! - `WARDEN_BENCH_PG_PASSES`: passes over the questions per PostgreSQL run, the last timed
//!   (default 2; the extra ones print their rates, to watch PostgreSQL's caches settle).
//!
//! Part A (in process, tier M): generate, parse + validate, store write, store load, graph and
//! index builds, memory (RSS before/after building the `Access`, `Graph::heap_bytes`), and
//! latency percentiles of `check_access` (tool registry and engine alone), `who_has_access` and
//! fuzzy resolution.
//!
//! Part B (tier S): the snapshot loaded into a throwaway PostgreSQL as real roles, memberships,
//! schemas, tables, owners and grants; the same random questions asked of PostgreSQL
//! (`has_table_privilege`, prepared, over loopback), of the real Warden server
//! (`POST /v1/tools/check_access`) and of a bare axum endpoint (the HTTP ceiling), each with C
//! concurrent clients; every answer of Warden is compared with PostgreSQL's. Diagnostic
//! endpoints (the tool called inline or through `spawn_blocking` in a bare handler, and a
//! prototype of a cheaper `check_access`) show what each layer costs. Every run reports CPU per
//! check on each side, and what the rest of the machine (and the hypervisor) took meanwhile.
//!
//! Threads: the Warden server and the other endpoints run on one tokio runtime (2 workers plus
//! tokio's blocking pool); the clients (reqwest, sqlx) on another (2 workers). Both share the
//! machine's cores with each other and with the PostgreSQL backends.
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::body::Bytes;
use axum::response::IntoResponse;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Connection as _;
use sqlx::postgres::PgConnection;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::knobs::{env_usize, env_usizes};
use support::machine::{
    self, cpu_pids, cpu_process, cpu_steal, cpu_system, cpu_threads, hwm, reset_hwm, rss, trim,
};
use support::percentiles::{Percentiles, percentiles};
use support::postgres::{self, PgCluster, ident};
use support::questions::{Question, questions};
use support::report::{Report, mb, secs, us};
use support::runtime::{CLIENT_THREADS, SERVER_THREADS, runtime};
use support::server::loopback;
use warden::access::Access;
use warden::index::Target;
use warden::model::{Connection, Grantee, IdentityKind, ResourceKind};
use warden::synth::{self, Tier};

const SEED: u64 = 1;
/// Samples for the slower series (who_has_access, fuzzy resolution).
const FEW: usize = 2_000;
const MB: f64 = 1e6;

fn main() {
    let part = std::env::var("WARDEN_BENCH_PART").unwrap_or_default();
    let n = env_usize("WARDEN_BENCH_QUESTIONS", 100_000);
    let concurrency = env_usizes("WARDEN_BENCH_CONCURRENCY", "4,16");
    let mut report = Report::default();
    machine::describe(
        &mut report,
        &format!(", {:.1} GiB memory", machine::memory_gib()),
    );
    if part.is_empty() || part.eq_ignore_ascii_case("a") {
        tier_m(&mut report, n);
    }
    if part.is_empty() || part.eq_ignore_ascii_case("b") {
        peer(&mut report, n, &concurrency);
    }
    println!("{}", report.text);
}

// ---------------------------------------------------------------- questions and percentiles

impl Question {
    fn args(&self) -> Value {
        json!({"identity": self.user, "privilege": self.privilege, "resource": self.table})
    }
}

fn latency_row(report: &mut Report, what: &str, p: &Percentiles, goal: &str) {
    let mut cells = vec![what.to_owned()];
    cells.extend(p.cells(us));
    cells.push(goal.into());
    report.row(&cells);
}

/// Times `f` once per item; `keep` takes what is worth keeping of each result after the clock
/// stops, and the result is dropped then (untimed, and never held all at once).
fn time_each<T, R, K>(
    items: &[T],
    mut f: impl FnMut(&T) -> R,
    mut keep: impl FnMut(R) -> K,
) -> (Vec<Duration>, Vec<K>) {
    let mut lat = Vec::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let t = Instant::now();
        let r = f(it);
        lat.push(t.elapsed());
        out.push(keep(r));
    }
    (lat, out)
}

// ---------------------------------------------------------------- part A: tier M in process

fn tier_m(report: &mut Report, n: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("tier-m.json");
    let rt = runtime(SERVER_THREADS);

    eprintln!("generating tier M ...");
    let t = Instant::now();
    let stats = synth::write(
        Tier::M,
        SEED,
        File::create(&file).expect("create snapshot file"),
    )
    .expect("generate");
    let gen_time = t.elapsed();
    let file_size = std::fs::metadata(&file).map_or(0, |m| m.len());

    trim();
    let hwm_resets = reset_hwm();
    let rss_start = rss();
    let (import_sys0, import_all0, import_wall0) = (cpu_system(), cpu_process(), Instant::now());
    eprintln!("parsing ...");
    let t = Instant::now();
    let conns = warden::snapshot::parse_reader(File::open(&file).expect("open snapshot"))
        .expect("valid snapshot");
    let parse_time = t.elapsed();
    let hwm_parse = hwm();
    let rss_parsed = rss();
    let grants: usize = conns.iter().map(|c| c.grants.len()).sum();

    if hwm_resets {
        reset_hwm();
    }
    eprintln!("writing the store ...");
    let store = rt
        .block_on(warden::store::Store::open_data_dir(
            &dir.path().join("data"),
        ))
        .expect("open store");
    let t = Instant::now();
    rt.block_on(store.replace_connections(&conns))
        .expect("store write");
    let store_time = t.elapsed();
    let hwm_store = hwm();
    drop(conns);
    trim();
    let db_size = std::fs::read_dir(dir.path().join("data"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum::<u64>()
        })
        .unwrap_or(0);

    // What `warden serve` does at startup: load the store, build the graph, build the index.
    let rss_before = rss();
    eprintln!("loading the store and building ...");
    let t = Instant::now();
    let loaded = rt.block_on(store.load()).expect("store load");
    let load_time = t.elapsed();
    rt.block_on(store.close());
    let t = Instant::now();
    let graph = warden::graph::Graph::build(loaded);
    let graph_time = t.elapsed();
    let t = Instant::now();
    let index = warden::index::NameIndex::build(&graph).expect("index");
    let index_time = t.elapsed();
    let access = Access { graph, index };
    trim();
    let rss_after = rss();
    let heap = access.graph.heap_bytes();
    let import_other = cpu_system()
        .saturating_sub(import_sys0)
        .saturating_sub(cpu_process().saturating_sub(import_all0));
    let import_other = 100.0 * import_other.as_secs_f64()
        / (import_wall0.elapsed().as_secs_f64()
            * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64);
    let held = rss_after.saturating_sub(rss_before);
    let per_m = held as f64 / (grants as f64 / 1e6);

    report.heading(&format!(
        "Tier M import and memory ({} identities, {} memberships, {} resources, {} grants; seed {SEED})",
        stats.identities, stats.memberships, stats.resources, grants
    ));
    report.table(&["figure", "value", "goal"]);
    let rate = |d: Duration| format!("{:.0} grants/s", grants as f64 / d.as_secs_f64());
    report.row(&[
        "generate (synth::write to a file)".into(),
        format!("{} ({:.0} MB file)", secs(gen_time), file_size as f64 / MB),
        String::new(),
    ]);
    report.row(&[
        "parse + validate (snapshot::parse_reader)".into(),
        format!("{}, {}", secs(parse_time), rate(parse_time)),
        String::new(),
    ]);
    report.row(&[
        "store write (replace_connections, SQLite)".into(),
        format!("{}, {}", secs(store_time), rate(store_time)),
        String::new(),
    ]);
    let import = parse_time + store_time;
    report.row(&[
        "import = parse + store write".into(),
        format!("{}, {}", secs(import), rate(import)),
        String::new(),
    ]);
    let peak_note = if hwm_resets {
        "VmHWM reset per phase via /proc/self/clear_refs"
    } else {
        "VmHWM since process start (clear_refs refused)"
    };
    report.row(&[
        format!("peak RSS while parsing ({peak_note})"),
        format!("{} (RSS before: {})", mb(hwm_parse), mb(rss_start)),
        String::new(),
    ]);
    report.row(&[
        "peak RSS while writing the store (parsed connections held)".into(),
        format!("{} (RSS after parse: {})", mb(hwm_store), mb(rss_parsed)),
        String::new(),
    ]);
    report.row(&[
        "store size on disk (warden.db + WAL)".into(),
        mb(db_size),
        String::new(),
    ]);
    report.row(&[
        "store load (Store::load, startup)".into(),
        secs(load_time),
        String::new(),
    ]);
    report.row(&[
        "graph build (Graph::build)".into(),
        secs(graph_time),
        String::new(),
    ]);
    report.row(&[
        "index build (NameIndex::build)".into(),
        secs(index_time),
        String::new(),
    ]);
    report.row(&[
        "RSS before load + build (parsed connections dropped, malloc_trim)".into(),
        mb(rss_before),
        String::new(),
    ]);
    report.row(&[
        "RSS after build (loaded connections consumed, malloc_trim)".into(),
        mb(rss_after),
        String::new(),
    ]);
    report.row(&[
        "Access held (RSS after - before)".into(),
        format!("{} = {:.0} MB per million grants", mb(held), per_m / MB),
        "<= 150 MB per million grants".into(),
    ]);
    report.row(&[
        "Graph::heap_bytes() (graph only, no index)".into(),
        format!(
            "{} = {:.0} MB per million grants",
            mb(heap as u64),
            heap as f64 / (grants as f64 / 1e6) / MB
        ),
        String::new(),
    ]);
    report.note(&format!(
        "Other CPU on the machine from parse to index build: {import_other:.0}% of all cores. \
         The store is a SQLite file in a temporary directory under $TMPDIR."
    ));

    // Latency, one call at a time on this thread.
    let qs = questions(&access, Tier::M, n, &mut SmallRng::seed_from_u64(7));
    let (sys0, all0, wall0) = (cpu_system(), cpu_process(), Instant::now());
    let conn = &access.graph.connections[0];
    eprintln!("latency: {n} checks through the registry ...");
    // The JSON arguments are built before the clock starts; the answer is dropped after it stops.
    let (reg_lat, reg_allowed): (Vec<Duration>, Vec<bool>) = qs
        .iter()
        .map(|q| {
            let args = q.args();
            let t = Instant::now();
            let v = warden::tools::call(&access, "check_access", args).expect("check_access");
            let e = t.elapsed();
            (e, v["allowed"].as_bool().expect("allowed"))
        })
        .unzip();
    let (eng_lat, eng_allowed) =
        time_each(&qs, |q| conn.check(q.i, q.privilege, q.r), |a| a.allowed);
    // Name resolution alone: both names together, then each name alone.
    let (resolve_lat, _) = time_each(
        &qs,
        |q| access.resolve_pair(&q.user, &q.table, None),
        |r| assert!(r.is_ok()),
    );
    let (lookup_id_lat, _) = time_each(
        &qs,
        |q| access.resolve(Target::Identity, &q.user, None, "identity"),
        |r| assert!(r.is_ok()),
    );
    let (lookup_res_lat, _) = time_each(
        &qs,
        |q| access.resolve(Target::Resource, &q.table, None, "resource"),
        |r| assert!(r.is_ok()),
    );
    let differ = reg_allowed
        .iter()
        .zip(&eng_allowed)
        .filter(|(a, b)| a != b)
        .count();
    let yes = eng_allowed.iter().filter(|a| **a).count();

    let who_qs = &qs[..FEW.min(qs.len())];
    eprintln!("latency: who_has_access ...");
    // A first pass warms the caches; the second is measured.
    for q in who_qs {
        let args = json!({"resource": q.table, "privilege": "SELECT"});
        black_box(warden::tools::call(&access, "who_has_access", args).expect("who_has_access"));
    }
    let mut who_bytes = Vec::new();
    let (who_reg, who_sizes): (Vec<Duration>, Vec<usize>) = who_qs
        .iter()
        .map(|q| {
            let args = json!({"resource": q.table, "privilege": "SELECT"});
            let t = Instant::now();
            let v = warden::tools::call(&access, "who_has_access", args).expect("who_has_access");
            let e = t.elapsed();
            who_bytes.push(serde_json::to_vec(&v).map_or(0, |b| b.len()));
            (e, v["grantees"].as_array().map_or(0, Vec::len))
        })
        .unzip();
    let (who_eng, _) = time_each(who_qs, |q| conn.who_has(q.r, Some("SELECT")), drop);

    eprintln!("latency: fuzzy resolution ...");
    let mut rng = SmallRng::seed_from_u64(99);
    let typos: Vec<(String, &Question)> = who_qs
        .iter()
        .map(|q| {
            let t = rng.random_range(0..Tier::M.tables);
            (synth::misspelled_table_name(&mut rng, t), q)
        })
        .collect();
    let mut resolved = 0;
    let mut ambiguous = 0;
    let fuzzy_check: Vec<Duration> = typos
        .iter()
        .map(|(t, q)| {
            let args = json!({"identity": q.user, "privilege": q.privilege, "resource": t});
            let start = Instant::now();
            let v = warden::tools::call(&access, "check_access", args);
            let e = start.elapsed();
            match v {
                Ok(_) => resolved += 1,
                Err(_) => ambiguous += 1,
            }
            e
        })
        .collect();
    let fuzzy_search: Vec<Duration> = typos
        .iter()
        .map(|(t, _)| {
            let args = json!({"query": t});
            let start = Instant::now();
            let v = warden::tools::call(&access, "search_resources", args).expect("search");
            let e = start.elapsed();
            drop(v);
            e
        })
        .collect();
    // Diagnostic: the same searches without the `db.` every resource shares.
    let fuzzy_search_nodb: Vec<Duration> = typos
        .iter()
        .map(|(t, _)| {
            let args = json!({"query": t.strip_prefix("db.").unwrap_or(t)});
            let start = Instant::now();
            let v = warden::tools::call(&access, "search_resources", args).expect("search");
            let e = start.elapsed();
            drop(v);
            e
        })
        .collect();

    // Diagnostic: exact names looked up in plain hash maps instead of the tantivy index (the
    // same keys NameIndex::build indexes), with the memory they take.
    trim();
    let rss_maps0 = rss();
    let maps = ExactKeys::build(conn);
    trim();
    let maps_bytes = rss().saturating_sub(rss_maps0);
    let (map_lat, _) = time_each(
        &qs,
        |q| {
            (
                maps.lookup(&maps.identity, &q.user),
                maps.lookup(&maps.resource, &q.table),
            )
        },
        |(i, r)| assert!(i.len() == 1 && r.len() == 1),
    );
    let proto_bodies: Vec<Vec<u8>> = qs
        .iter()
        .map(|q| serde_json::to_vec(&q.args()).expect("json"))
        .collect();
    let (proto_lat, proto_allowed) = time_each(
        &proto_bodies,
        |b| proto_check(&access, &maps, b),
        |r| r.map(|(allowed, _)| allowed),
    );
    let proto_differ = proto_allowed
        .iter()
        .zip(&reg_allowed)
        .filter(|(p, r)| **p != Some(**r))
        .count();
    drop(proto_bodies);
    drop(maps);

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let other = cpu_system()
        .saturating_sub(sys0)
        .saturating_sub(cpu_process().saturating_sub(all0));
    let other = 100.0 * other.as_secs_f64() / (wall0.elapsed().as_secs_f64() * cores as f64);
    report.heading("Tier M latency, in process, one call at a time");
    report.table(&[
        "series", "n", "mean", "p50", "p90", "p99", "p99.9", "max", "goal",
    ]);
    latency_row(
        report,
        "check_access via tools::call (JSON in/out, name resolution)",
        &percentiles(reg_lat),
        "p50 <= 20 µs, p99 <= 200 µs",
    );
    latency_row(
        report,
        "check alone (ConnGraph::check, indices given)",
        &percentiles(eng_lat),
        "",
    );
    latency_row(
        report,
        "resolve_pair alone (user and table names, exact)",
        &percentiles(resolve_lat),
        "",
    );
    latency_row(
        report,
        "resolve of the user name alone (Access::resolve)",
        &percentiles(lookup_id_lat),
        "",
    );
    latency_row(
        report,
        "resolve of the table name alone (Access::resolve)",
        &percentiles(lookup_res_lat),
        "",
    );
    latency_row(
        report,
        &format!(
            "diagnostic: both names in std HashMaps instead ({:.0} MB of maps)",
            maps_bytes as f64 / MB
        ),
        &percentiles(map_lat),
        "",
    );
    latency_row(
        report,
        "diagnostic: prototype check_access (JSON bytes in/out, names from the maps)",
        &percentiles(proto_lat),
        "p50 <= 20 µs, p99 <= 200 µs",
    );
    latency_row(
        report,
        "who_has_access via tools::call (SELECT)",
        &percentiles(who_reg),
        "",
    );
    latency_row(
        report,
        "who_has alone (ConnGraph::who_has, SELECT)",
        &percentiles(who_eng),
        "",
    );
    latency_row(
        report,
        "check_access with a typo'd table name (fuzzy resolution)",
        &percentiles(fuzzy_check),
        "p99 <= 5 ms",
    );
    latency_row(
        report,
        "search_resources with a typo'd table name",
        &percentiles(fuzzy_search),
        "p99 <= 5 ms",
    );
    latency_row(
        report,
        "diagnostic: the same searches without the leading `db.`",
        &percentiles(fuzzy_search_nodb),
        "",
    );
    let spread = |mut v: Vec<usize>| {
        v.sort_unstable();
        let at = |q: usize| v.get((v.len() * q / 100).min(v.len().saturating_sub(1)));
        format!(
            "median {} / p99 {} / max {}",
            at(50).copied().unwrap_or(0),
            at(99).copied().unwrap_or(0),
            v.last().copied().unwrap_or(0)
        )
    };
    report.note(&format!(
        "Questions: uniform random user x {{SELECT, INSERT, UPDATE}} x table, seed 7; {yes} of {} \
         allowed ({:.1}%). Registry and engine disagree on {differ}; registry and prototype on \
         {proto_differ}. who_has_access (first \
         {FEW} questions' tables) returns {} grantees, {} bytes of JSON. Typo'd checks: \
         {resolved} resolved to one table, {ambiguous} ambiguous or not found (an error listing \
         candidates; also timed). Other CPU on the machine during these series: {other:.0}% of \
         all cores.",
        qs.len(),
        100.0 * yes as f64 / qs.len().max(1) as f64,
        spread(who_sizes),
        spread(who_bytes),
    ));
    drop(access);
}

/// Exact-name lookup tables holding the keys the tantivy index resolves exactly: lower-cased
/// names, emails, email local parts and display names of identities; full names and dotted
/// suffixes of resources. A name key is tried before an alias key, as `NameIndex::lookup` does.
struct ExactKeys {
    identity: [HashMap<String, Vec<u32>>; 2],
    resource: [HashMap<String, Vec<u32>>; 2],
}

impl ExactKeys {
    fn build(conn: &warden::graph::ConnGraph) -> ExactKeys {
        let mut identity: [HashMap<String, Vec<u32>>; 2] = Default::default();
        let mut resource: [HashMap<String, Vec<u32>>; 2] = Default::default();
        for (k, i) in conn.identities.iter().enumerate() {
            let k = k as u32;
            identity[0]
                .entry(i.name.to_lowercase())
                .or_default()
                .push(k);
            let mut alias = |key: &str| identity[1].entry(key.to_lowercase()).or_default().push(k);
            if let Some(e) = &i.email {
                alias(e);
                if let Some((local, _)) = e.split_once('@') {
                    alias(local);
                }
            }
            if let Some(d) = &i.display_name {
                alias(d);
            }
        }
        for (k, r) in conn.resources.iter().enumerate() {
            let k = k as u32;
            resource[0]
                .entry(r.name.to_lowercase())
                .or_default()
                .push(k);
            for s in 1..r.path.len() {
                resource[1]
                    .entry(r.path[s..].join(".").to_lowercase())
                    .or_default()
                    .push(k);
            }
        }
        for m in identity.iter_mut().chain(resource.iter_mut()) {
            m.shrink_to_fit();
        }
        ExactKeys { identity, resource }
    }

    fn lookup<'a>(&self, maps: &'a [HashMap<String, Vec<u32>>; 2], key: &str) -> &'a [u32] {
        let key = key.trim().to_lowercase();
        maps.iter()
            .find_map(|m| m.get(&key))
            .map_or(&[], Vec::as_slice)
    }
}

/// A prototype of a cheaper `check_access` (a diagnostic, not Warden's code): typed arguments
/// parsed straight from the body, both names from [`ExactKeys`] (first connection only, no
/// ambiguity handling), the engine's check, and the same result type serialised to bytes.
/// Returns `allowed` and the body, or None where Warden would answer with an error.
fn proto_check(access: &Access, keys: &ExactKeys, body: &[u8]) -> Option<(bool, Vec<u8>)> {
    let args: warden::tools::CheckAccessArgs = serde_json::from_slice(body).ok()?;
    let privilege = warden::model::Privilege::parse(&args.privilege).ok()?;
    let (&[i], &[r]) = (
        keys.lookup(&keys.identity, &args.identity),
        keys.lookup(&keys.resource, &args.resource),
    ) else {
        return None;
    };
    let conn = access.conn(0);
    let (i, r) = (
        warden::model::IdentityId::new(i),
        warden::model::ResourceId::new(r),
    );
    let answer = conn.check(i, privilege.as_str(), r);
    let result = warden::tools::CheckAccessResult {
        allowed: answer.allowed,
        identity: conn.identity(i).name.clone(),
        identity_kind: conn.identity(i).kind.to_string(),
        privilege: privilege.to_string(),
        resource: conn.resource(r).name.clone(),
        resource_kind: conn.resource(r).kind.to_string(),
        connection: conn.name.clone(),
        platform: conn.platform,
        paths: answer.paths,
        caveats: answer.caveats,
        paths_truncated: answer.truncated,
    };
    Some((result.allowed, serde_json::to_vec(&result).ok()?))
}

// ---------------------------------------------------------------- part B: the peer

/// What loading a connection into PostgreSQL did, and what it could not express.
#[derive(Default)]
struct PgLoad {
    roles: usize,
    memberships: usize,
    schemas: usize,
    tables: usize,
    grant_statements: usize,
    /// Distinct (table, grantee, privilege) triples, grants to the table's owner left out.
    table_acl_entries: usize,
    skipped: Vec<String>,
}

/// The SQL that builds `c` in a database, in transactions of bounded size (PostgreSQL's lock
/// table holds a few thousand locks; every new table takes one until commit).
fn pg_batches(c: &Connection, load: &mut PgLoad) -> Vec<String> {
    const STATEMENTS: usize = 2_000;
    const TABLES: usize = 400;
    let mut batches = Vec::new();
    let mut cur = String::new();
    let mut count = 0;
    let flush = |cur: &mut String, count: &mut usize, batches: &mut Vec<String>| {
        if !cur.is_empty() {
            batches.push(format!("BEGIN;\n{cur}COMMIT;"));
            cur.clear();
        }
        *count = 0;
    };

    for i in &c.identities {
        if i.name.starts_with("pg_") {
            continue; // predefined roles exist already
        }
        let login = if i.kind == IdentityKind::User {
            "LOGIN"
        } else {
            "NOLOGIN"
        };
        let inherit = if i.inherit { "INHERIT" } else { "NOINHERIT" };
        let sup = if i.superuser { " SUPERUSER" } else { "" };
        let _ = writeln!(
            cur,
            "CREATE ROLE {} {login} {inherit}{sup};",
            ident(&i.name)
        );
        load.roles += 1;
        count += 1;
        if count >= STATEMENTS {
            flush(&mut cur, &mut count, &mut batches);
        }
    }
    flush(&mut cur, &mut count, &mut batches);
    for m in &c.memberships {
        if !m.inherit {
            // PostgreSQL 16's GRANT ... WITH INHERIT FALSE; this server may be older.
            load.skipped.push(format!(
                "membership {} -> {} without INHERIT",
                c.identities[m.member as usize].name, c.identities[m.role as usize].name
            ));
        }
        let _ = writeln!(
            cur,
            "GRANT {} TO {};",
            ident(&c.identities[m.role as usize].name),
            ident(&c.identities[m.member as usize].name)
        );
        load.memberships += 1;
        count += 1;
        if count >= STATEMENTS {
            flush(&mut cur, &mut count, &mut batches);
        }
    }
    flush(&mut cur, &mut count, &mut batches);

    let grantee = |g: &Grantee| match g {
        Grantee::Identity(i) => Some(ident(&c.identities[*i as usize].name)),
        Grantee::Public => Some("PUBLIC".to_owned()),
        _ => None,
    };
    // Grants by resource, then privilege and grant option: one GRANT to many grantees.
    let mut by_resource: Vec<BTreeMap<(String, bool), BTreeSet<String>>> =
        vec![BTreeMap::new(); c.resources.len()];
    let mut acl: BTreeSet<(u32, String, String)> = BTreeSet::new();
    for g in &c.grants {
        let r = &c.resources[g.resource as usize];
        let Some(who) = grantee(&g.grantee) else {
            load.skipped.push(format!("grant to {:?}", g.grantee));
            continue;
        };
        if g.future || g.condition.is_some() {
            load.skipped
                .push(format!("future or conditional grant on {}", r.name));
            continue;
        }
        let is_owner = matches!(g.grantee, Grantee::Identity(i) if Some(i) == r.owner);
        if r.kind == ResourceKind::Table && !is_owner {
            acl.insert((g.resource, who.clone(), g.privilege.to_string()));
        }
        by_resource[g.resource as usize]
            .entry((g.privilege.to_string(), g.grant_option))
            .or_default()
            .insert(who);
    }
    load.table_acl_entries = acl.len();
    let grants_sql = |cur: &mut String, on: &str, load: &mut PgLoad, r: usize| {
        for ((privilege, option), who) in &by_resource[r] {
            let who: Vec<&str> = who.iter().map(String::as_str).collect();
            let with = if *option { " WITH GRANT OPTION" } else { "" };
            let _ = writeln!(
                cur,
                "GRANT {privilege} ON {on} TO {}{with};",
                who.join(", ")
            );
            load.grant_statements += 1;
        }
    };
    let owner_sql = |cur: &mut String, what: &str, on: &str, owner: Option<u32>| {
        if let Some(o) = owner {
            let _ = writeln!(
                cur,
                "ALTER {what} {on} OWNER TO {};",
                ident(&c.identities[o as usize].name)
            );
        }
    };

    let mut tables_in_batch = 0;
    for (k, r) in c.resources.iter().enumerate() {
        match (r.kind, r.path.as_slice()) {
            (ResourceKind::Database, [db]) => {
                owner_sql(&mut cur, "DATABASE", &ident(db), r.owner);
                grants_sql(&mut cur, &format!("DATABASE {}", ident(db)), load, k);
            }
            (ResourceKind::Schema, [_, s]) => {
                let _ = writeln!(cur, "CREATE SCHEMA {};", ident(s));
                owner_sql(&mut cur, "SCHEMA", &ident(s), r.owner);
                grants_sql(&mut cur, &format!("SCHEMA {}", ident(s)), load, k);
                load.schemas += 1;
            }
            (ResourceKind::Table, [_, s, t]) => {
                let on = format!("{}.{}", ident(s), ident(t));
                let _ = writeln!(cur, "CREATE TABLE {on} ();");
                owner_sql(&mut cur, "TABLE", &on, r.owner);
                grants_sql(&mut cur, &format!("TABLE {on}"), load, k);
                load.tables += 1;
                tables_in_batch += 1;
                if tables_in_batch >= TABLES {
                    flush(&mut cur, &mut count, &mut batches);
                    tables_in_batch = 0;
                }
            }
            _ => load
                .skipped
                .push(format!("{} {} (not loaded)", r.kind, r.name)),
        }
    }
    flush(&mut cur, &mut count, &mut batches);
    batches
}

fn bodies_for_proto(qs: &[Question]) -> Vec<Vec<u8>> {
    qs.iter()
        .map(|q| serde_json::to_vec(&q.args()).expect("json"))
        .collect()
}

/// The table name PostgreSQL is asked about: `"s3"."t345"` for Warden's `db.s3.t345`.
fn pg_table(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    format!("{}.{}", ident(parts[1]), ident(parts[2]))
}

#[derive(Deserialize)]
struct Answer {
    allowed: bool,
}

/// The bare endpoint's arguments: the same fields `check_access` takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct BareArgs {
    identity: String,
    privilege: String,
    resource: String,
    #[serde(default)]
    connection: Option<String>,
}

/// One load run: wall time, per-request latencies, answers (None for an error) by question.
struct Run {
    wall: Duration,
    /// CPU spent by the client side (sqlx or reqwest threads) and by the server side
    /// (PostgreSQL backends, or this process's other threads) during the run.
    client_cpu: Duration,
    server_cpu: Duration,
    /// Checks per second of the untimed warm-up pass over the same questions.
    first_pass: f64,
    /// CPU the machine spent on anything else during the run (other processes, the kernel's
    /// own threads, PostgreSQL's background processes): a disturbance when large.
    other_cpu: Duration,
    /// Steal time during the run (all cores): the hypervisor running someone else.
    steal: Duration,
    /// PostgreSQL only: the backends' private memory (RssAnon) after the run.
    server_private: u64,
    lat: Vec<Duration>,
    answers: Vec<Option<bool>>,
    errors: usize,
}

impl Run {
    fn rate(&self) -> f64 {
        self.answers.len() as f64 / self.wall.as_secs_f64()
    }
}

/// Runs `c` workers that take questions from a shared counter until none are left.
async fn drive<W, F, Fut>(n: usize, workers: &[Arc<W>], ask: F) -> Run
where
    W: Send + Sync + 'static,
    F: Fn(Arc<W>, usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Option<bool>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = workers
        .iter()
        .map(|w| {
            let next = next.clone();
            let ask = ask.clone();
            let w = w.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= n {
                        break;
                    }
                    let t = Instant::now();
                    let a = ask(w.clone(), k).await;
                    out.push((k, t.elapsed(), a));
                }
                out
            })
        })
        .collect();
    let mut lat = Vec::with_capacity(n);
    let mut answers = vec![None; n];
    for t in tasks {
        for (k, d, a) in t.await.expect("worker") {
            lat.push(d);
            answers[k] = a;
        }
    }
    let wall = start.elapsed();
    let errors = answers.iter().filter(|a| a.is_none()).count();
    Run {
        wall,
        client_cpu: Duration::ZERO,
        server_cpu: Duration::ZERO,
        first_pass: 0.0,
        other_cpu: Duration::ZERO,
        steal: Duration::ZERO,
        server_private: 0,
        lat,
        answers,
        errors,
    }
}

async fn pg_run(url: &str, qs: Arc<Vec<(String, String, &'static str)>>, c: usize) -> Run {
    let mut conns = Vec::new();
    let mut backends = Vec::new();
    for _ in 0..c {
        let mut conn = PgConnection::connect(url).await.expect("connect");
        backends.push(
            sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()")
                .fetch_one(&mut conn)
                .await
                .expect("backend pid"),
        );
        conns.push(Arc::new(tokio::sync::Mutex::new(conn)));
    }
    let n = qs.len();
    let ask = move |conn: Arc<tokio::sync::Mutex<PgConnection>>, k: usize| {
        let qs = qs.clone();
        async move {
            let mut conn = conn.lock().await;
            pg_ask(&mut conn, &qs[k]).await
        }
    };
    // A first pass over the same questions prepares the statement on every connection and
    // fills each backend's catalog caches; the second pass is measured.
    let warm = drive(n, &conns, ask.clone()).await;
    for pass in 2..env_usize("WARDEN_BENCH_PG_PASSES", 2) {
        let s0 = cpu_pids(&backends);
        let r = drive(n, &conns, ask.clone()).await;
        eprintln!(
            "   extra PostgreSQL pass {pass}: {:.0} checks/s, server CPU {} per check",
            r.rate(),
            us(cpu_pids(&backends).saturating_sub(s0) / n as u32)
        );
    }
    let (client0, server0) = (cpu_threads(CLIENT_THREADS), cpu_pids(&backends));
    let (sys0, all0, steal0) = (cpu_system(), cpu_process(), cpu_steal());
    let mut run = drive(n, &conns, ask).await;
    run.client_cpu = cpu_threads(CLIENT_THREADS).saturating_sub(client0);
    run.server_cpu = cpu_pids(&backends).saturating_sub(server0);
    run.other_cpu = cpu_system()
        .saturating_sub(sys0)
        .saturating_sub(cpu_process().saturating_sub(all0))
        .saturating_sub(run.server_cpu);
    run.steal = cpu_steal().saturating_sub(steal0);
    run.first_pass = warm.rate();
    run.server_private = backends
        .iter()
        .map(|p| {
            let s = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
            machine::status_bytes_of(&s, "RssAnon")
        })
        .sum();
    run
}

async fn pg_ask(conn: &mut PgConnection, q: &(String, String, &'static str)) -> Option<bool> {
    sqlx::query_scalar::<_, bool>("SELECT has_table_privilege($1::name, $2, $3)")
        .bind(&q.0)
        .bind(&q.1)
        .bind(q.2)
        .fetch_one(conn)
        .await
        .ok()
}

/// The bearer token every HTTP request carries (the bare endpoint ignores it; Warden checks it).
static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn http_run(url: &str, bodies: Arc<Vec<Bytes>>, c: usize) -> Run {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {}", TOKEN.get().map(String::as_str).unwrap_or(""))
            .parse()
            .expect("header"),
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .no_proxy()
        .pool_max_idle_per_host(c * 2)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let url: Arc<str> = url.into();
    let n = bodies.len();
    let workers: Vec<Arc<()>> = (0..c).map(|_| Arc::new(())).collect();
    let ask = move |_, k: usize| http_ask(client.clone(), url.clone(), bodies[k].clone());
    // A first pass over the same questions opens the connections and warms up; the second pass
    // is measured.
    let warm = drive(n, &workers, ask.clone()).await;
    assert_eq!(warm.errors, 0, "warm-up requests failed");
    let (client0, all0, sys0, steal0) = (
        cpu_threads(CLIENT_THREADS),
        cpu_process(),
        cpu_system(),
        cpu_steal(),
    );
    let mut run = drive(n, &workers, ask).await;
    run.client_cpu = cpu_threads(CLIENT_THREADS).saturating_sub(client0);
    run.server_cpu = cpu_process()
        .saturating_sub(all0)
        .saturating_sub(run.client_cpu);
    run.other_cpu = cpu_system()
        .saturating_sub(sys0)
        .saturating_sub(run.client_cpu + run.server_cpu);
    run.steal = cpu_steal().saturating_sub(steal0);
    run.first_pass = warm.rate();
    run
}

async fn http_ask(client: reqwest::Client, url: Arc<str>, body: Bytes) -> Option<bool> {
    let resp = client
        .post(&*url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let bytes = resp.bytes().await.ok()?;
    serde_json::from_slice::<Answer>(&bytes)
        .ok()
        .map(|a| a.allowed)
}

fn peer(report: &mut Report, n: usize, concurrency: &[usize]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("tier-s.json");
    synth::write(Tier::S, SEED, File::create(&file).expect("create")).expect("generate");
    let conns = warden::snapshot::parse_reader(File::open(&file).expect("open")).expect("valid");
    let grants: usize = conns.iter().map(|c| c.grants.len()).sum();

    let cluster = match PgCluster::try_start() {
        Ok(c) => c,
        Err(e) => {
            report.heading("Peer comparison (tier S)");
            report.note(&format!("SKIPPED: no PostgreSQL cluster: {e}"));
            return;
        }
    };
    let server_rt = runtime(SERVER_THREADS);
    let client_rt = runtime(CLIENT_THREADS);

    // PostgreSQL: the database, roles, memberships, schemas, tables, owners and grants.
    eprintln!("loading tier S into PostgreSQL ...");
    let mut load = PgLoad::default();
    let batches = pg_batches(&conns[0], &mut load);
    let db = conns[0]
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::Database)
        .map_or_else(|| "db".to_owned(), |r| r.name.clone());
    let url = cluster.url_for(&db);
    let (pg_load_time, pg_vacuum_time, pg_version, pg_acl) = client_rt.block_on(async {
        postgres::create_database(&cluster, &db).await;
        let mut admin = PgConnection::connect(&cluster.url).await.expect("connect");
        let version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&mut admin)
            .await
            .expect("version");
        let mut conn = PgConnection::connect(&url).await.expect("connect");
        let t = Instant::now();
        postgres::run_batches(&mut conn, &batches, &cluster, "loading PostgreSQL").await;
        let took = t.elapsed();
        // Steady state before measuring (the catalogs took hundreds of thousands of updates).
        let vacuum = postgres::vacuum(&mut conn).await;
        // The ACL entries PostgreSQL holds on tables, the owners' own entries left out.
        let acl: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
             AND a.grantee <> c.relowner",
        )
        .fetch_one(&mut conn)
        .await
        .expect("count acl");
        (took, vacuum, version, acl)
    });

    // Warden: the real server on a fresh data dir.
    eprintln!("starting Warden ...");
    let (app, warden_addr, bare_addr, import_time) = server_rt.block_on(async {
        let app = warden::app::App::open(&dir.path().join("data"))
            .await
            .expect("open app");
        let t = Instant::now();
        app.import(conns.clone()).await.expect("import");
        let import_time = t.elapsed();
        app.people
            .add_person("bench", warden::people::Role::Requester, None)
            .await
            .expect("person");
        let (_, token) = app.people.create_token("bench", None).await.expect("token");
        TOKEN.set(token.secret).expect("one token");
        let addr = support::server::serve(app.clone()).await;
        (app, addr, loopback().await, import_time)
    });
    let (bare_listener, bare_addr) = bare_addr;
    drop(conns);

    let access = app.access.load();
    let qs = questions(&access, Tier::S, n, &mut SmallRng::seed_from_u64(11));

    // In-process figures on the same questions.
    eprintln!("in process ...");
    let t = Instant::now();
    let mut bodies_len = 0usize;
    let mut samples: Vec<Vec<u8>> = Vec::new();
    let inproc: Vec<bool> = qs
        .iter()
        .enumerate()
        .map(|(k, q)| {
            let v = warden::tools::call(&access, "check_access", q.args()).expect("check");
            if k < 1000 {
                let body = serde_json::to_vec(&v).expect("json");
                bodies_len += body.len();
                samples.push(body);
            }
            v["allowed"].as_bool().expect("allowed")
        })
        .collect();
    let inproc_registry = t.elapsed();
    let conn = &access.graph.connections[0];
    let t = Instant::now();
    for q in &qs {
        black_box(conn.check(q.i, q.privilege, q.r));
    }
    let inproc_engine = t.elapsed();
    let inproc_2threads = {
        let t = Instant::now();
        std::thread::scope(|s| {
            for half in qs.chunks(qs.len().div_ceil(2)) {
                let access = &access;
                s.spawn(move || {
                    for q in half {
                        black_box(
                            warden::tools::call(access, "check_access", q.args()).expect("check"),
                        );
                    }
                });
            }
        });
        t.elapsed()
    };

    // The bare endpoint answers with a real response of about the mean size.
    let mean = bodies_len / samples.len().max(1);
    let fixed: Bytes = samples
        .into_iter()
        .min_by_key(|b| b.len().abs_diff(mean))
        .unwrap_or_default()
        .into();
    let fixed_len = fixed.len();
    server_rt.spawn(async move {
        let router = axum::Router::new()
            .route(
                "/v1/tools/check_access",
                axum::routing::post(
                    |axum::extract::State(body): axum::extract::State<Bytes>,
                     axum::Json(args): axum::Json<BareArgs>| async move {
                        black_box(&args);
                        ([("content-type", "application/json")], body)
                    },
                ),
            )
            .with_state(fixed);
        axum::serve(bare_listener, router).await
    });
    // Diagnostics: the same tool call made in a bare axum handler (no middleware, no
    // ConnectInfo), inline or through spawn_blocking as Warden's handler does, to tell the cost
    // of each layer of Warden's HTTP edge from the cost of the answer.
    let diagnostic = |blocking: bool| {
        server_rt.block_on(async {
            let (listener, addr) = loopback().await;
            let router = axum::Router::new()
                .route(
                    "/v1/tools/check_access",
                    axum::routing::post(
                        move |axum::extract::State(access): axum::extract::State<Arc<Access>>,
                              body: Bytes| async move {
                            let args: Value = serde_json::from_slice(&body).unwrap_or_default();
                            let answer = if blocking {
                                tokio::task::spawn_blocking(move || {
                                    warden::tools::call(&access, "check_access", args)
                                })
                                .await
                                .expect("tool task")
                            } else {
                                warden::tools::call(&access, "check_access", args)
                            };
                            match answer {
                                Ok(v) => axum::Json(v).into_response(),
                                Err(e) => warden::http::HttpError(e).into_response(),
                            }
                        },
                    ),
                )
                .with_state(access.clone());
            tokio::spawn(async move { axum::serve(listener, router).await });
            addr
        })
    };
    let inline_addr = diagnostic(false);
    let blocking_addr = diagnostic(true);
    let keys = Arc::new(ExactKeys::build(access.conn(0)));
    let proto_addr = server_rt.block_on(async {
        let (listener, addr) = loopback().await;
        let router = axum::Router::new()
            .route(
                "/v1/tools/check_access",
                axum::routing::post(
                    |axum::extract::State((access, keys)): axum::extract::State<(
                        Arc<Access>,
                        Arc<ExactKeys>,
                    )>,
                     body: Bytes| async move {
                        match proto_check(&access, &keys, &body) {
                            Some((_, out)) => {
                                ([("content-type", "application/json")], out).into_response()
                            }
                            None => axum::http::StatusCode::NOT_FOUND.into_response(),
                        }
                    },
                ),
            )
            .with_state((access.clone(), keys.clone()));
        tokio::spawn(async move { axum::serve(listener, router).await });
        addr
    });
    let proto_bodies = bodies_for_proto(&qs);
    let t = Instant::now();
    for b in &proto_bodies {
        black_box(proto_check(&access, &keys, b));
    }
    let inproc_proto = t.elapsed();

    let pg_qs: Arc<Vec<(String, String, &'static str)>> = Arc::new(
        qs.iter()
            .map(|q| (q.user.clone(), pg_table(&q.table), q.privilege))
            .collect(),
    );
    let bodies: Arc<Vec<Bytes>> = Arc::new(
        qs.iter()
            .map(|q| Bytes::from(serde_json::to_vec(&q.args()).expect("json")))
            .collect(),
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let url_of = |a: std::net::SocketAddr| format!("http://{a}/v1/tools/check_access");

    struct Runs {
        c: usize,
        pg: Run,
        warden: Run,
        bare: Run,
        inline: Run,
        blocking: Run,
        proto: Run,
    }
    let mut runs: Vec<Runs> = Vec::new();
    for &c in concurrency {
        eprintln!("C = {c}: PostgreSQL ...");
        let pg = client_rt.block_on(pg_run(&url, pg_qs.clone(), c));
        eprintln!("C = {c}: Warden ...");
        let warden = client_rt.block_on(http_run(&url_of(warden_addr), bodies.clone(), c));
        eprintln!("C = {c}: bare axum ...");
        let bare = client_rt.block_on(http_run(&url_of(bare_addr), bodies.clone(), c));
        eprintln!("C = {c}: tool inline in axum ...");
        let inline = client_rt.block_on(http_run(&url_of(inline_addr), bodies.clone(), c));
        eprintln!("C = {c}: tool via spawn_blocking in axum ...");
        let blocking = client_rt.block_on(http_run(&url_of(blocking_addr), bodies.clone(), c));
        eprintln!("C = {c}: prototype ...");
        let proto = client_rt.block_on(http_run(&url_of(proto_addr), bodies.clone(), c));
        runs.push(Runs {
            c,
            pg,
            warden,
            bare,
            inline,
            blocking,
            proto,
        });
    }

    // Agreement.
    let mut disagreements = Vec::new();
    let mut pg_inconsistent = 0;
    let mut warden_inconsistent = 0;
    let mut inproc_vs_http = 0;
    let yes = inproc.iter().filter(|a| **a).count();
    if let Some(first) = runs.first() {
        for (k, here) in inproc.iter().enumerate() {
            if first.pg.answers[k] != first.warden.answers[k] {
                disagreements.push(k);
            }
            if first.warden.answers[k] != Some(*here) {
                inproc_vs_http += 1;
            }
        }
        for r in &runs[1..] {
            pg_inconsistent += (0..qs.len())
                .filter(|&k| r.pg.answers[k] != first.pg.answers[k])
                .count();
            warden_inconsistent += (0..qs.len())
                .filter(|&k| r.warden.answers[k] != first.warden.answers[k])
                .count();
        }
    }

    report.heading(&format!(
        "Peer comparison, tier S ({grants} grants, seed {SEED}), {n} random checks per run, loopback"
    ));
    report.note(&format!(
        "PostgreSQL {pg_version}: loaded {} roles, {} memberships, {} schemas, {} tables with \
         owners, {} GRANT statements in {} (then VACUUM ANALYZE: {}); it holds {pg_acl} table \
         ACL entries (snapshot: {} distinct table grants to non-owners){}. Warden import (store \
         write + graph + index) took {}.",
        load.roles,
        load.memberships,
        load.schemas,
        load.tables,
        load.grant_statements,
        secs(pg_load_time),
        secs(pg_vacuum_time),
        load.table_acl_entries,
        if load.skipped.is_empty() {
            String::new()
        } else {
            format!(
                "; NOT loaded: {} items, e.g. {:?}",
                load.skipped.len(),
                &load.skipped[..load.skipped.len().min(3)]
            )
        },
        secs(import_time),
    ));
    report.table(&[
        "C",
        "system",
        "checks/s",
        "vs PostgreSQL",
        "goal",
        "p50",
        "p99",
        "errors",
        "client CPU/check",
        "server CPU/check",
        "first pass checks/s",
        "other CPU, steal",
    ]);
    let per_check = |d: Duration, r: &Run| us(d / r.answers.len().max(1) as u32);
    for r in &runs {
        let base = r.pg.rate();
        for (name, run, goal) in [
            ("PostgreSQL has_table_privilege (prepared)", &r.pg, ""),
            ("Warden POST /v1/tools/check_access", &r.warden, ">= 3x"),
            ("bare axum endpoint (HTTP ceiling)", &r.bare, ""),
            (
                "diagnostic: tools::call inline in a bare axum handler",
                &r.inline,
                "",
            ),
            (
                "diagnostic: tools::call via spawn_blocking in a bare axum handler",
                &r.blocking,
                "",
            ),
            (
                "diagnostic: prototype check_access inline (typed args, names from hash maps)",
                &r.proto,
                "",
            ),
        ] {
            let p = percentiles(run.lat.clone());
            report.row(&[
                r.c.to_string(),
                name.into(),
                format!("{:.0}", run.rate()),
                format!("{:.2}x", run.rate() / base),
                goal.into(),
                us(p.p50),
                us(p.p99),
                run.errors.to_string(),
                per_check(run.client_cpu, run),
                per_check(run.server_cpu, run),
                format!("{:.0}", run.first_pass),
                {
                    let share = |d: Duration| {
                        100.0 * d.as_secs_f64() / (run.wall.as_secs_f64() * cores as f64).max(1e-9)
                    };
                    format!("{:.0}%, {:.0}%", share(run.other_cpu), share(run.steal))
                },
            ]);
        }
    }
    let per_s = |d: Duration| format!("{:.0}", qs.len() as f64 / d.as_secs_f64());
    let per_q = |d: Duration| us(d / qs.len().max(1) as u32);
    for (threads, name, d) in [
        (
            "1 thread",
            "Warden in process, tools::call (JSON in/out)",
            inproc_registry,
        ),
        (
            "2 threads",
            "Warden in process, tools::call (JSON in/out)",
            inproc_2threads,
        ),
        (
            "1 thread",
            "Warden in process, ConnGraph::check alone",
            inproc_engine,
        ),
        (
            "1 thread",
            "prototype check_access in process (JSON bytes in/out)",
            inproc_proto,
        ),
    ] {
        report.row(&[
            threads.into(),
            name.into(),
            per_s(d),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "0".into(),
            String::new(),
            if threads == "1 thread" {
                per_q(d)
            } else {
                String::new()
            },
            String::new(),
            String::new(),
        ]);
    }
    report.note(&format!(
        "Bare endpoint body: {fixed_len} bytes, a real check_access answer of about the mean \
         size ({mean} bytes over the first 1000 answers). {yes} of {} questions are allowed \
         ({:.1}%). CPU per check: client = this process's client-runtime threads (sqlx or \
         reqwest); server = the PostgreSQL backends serving the run, or every other thread of \
         this process (Warden's runtime and blocking pool), from /proc .../stat (10 ms ticks). \
         Other CPU: what the machine spent on anything else during the timed pass, and steal: \
         what the hypervisor gave to other guests, each as a share of all cores (disturbances \
         when large).",
        qs.len(),
        100.0 * yes as f64 / qs.len().max(1) as f64
    ));
    report.note(&format!(
        "PostgreSQL backends' private memory (RssAnon, catalog caches mostly) after each run: {}.",
        runs.iter()
            .map(|r| format!("C={}: {}", r.c, mb(r.pg.server_private)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    report.note(&format!(
        "Agreement: Warden (HTTP) and PostgreSQL disagree on {} of {} questions; Warden over \
         HTTP differs from Warden in process on {inproc_vs_http}; answers changed between \
         concurrency levels: PostgreSQL {pg_inconsistent}, Warden {warden_inconsistent}.",
        disagreements.len(),
        qs.len()
    ));
    if let Some(first) = runs.first() {
        for &k in disagreements.iter().take(20) {
            let q = &qs[k];
            let detail = warden::tools::call(&access, "check_access", q.args())
                .map(|v| json!({"paths": v["paths"], "caveats": v["caveats"]}))
                .unwrap_or_else(|e| json!({"error": e.to_string()}));
            report.note(&format!(
                "- DISAGREE role {} table {} privilege {}: PostgreSQL {:?}, Warden {:?}; \
                 Warden says {detail}",
                q.user,
                pg_table(&q.table),
                q.privilege,
                first.pg.answers[k],
                first.warden.answers[k]
            ));
        }
    }

    drop(access);
    drop(app);
    server_rt.shutdown_background();
    client_rt.shutdown_background();
    drop(cluster);
}
