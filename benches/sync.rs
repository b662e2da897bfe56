//! The PostgreSQL sync of a large cluster (BENCHMARKS.md, "Sync (PostgreSQL connector)"): a
//! generated cluster of 10,000 roles and 100,000 table grants is read with
//! `connectors::postgres::read` and imported with `App::import`. A plain program: it prints what
//! it measures, as Markdown on stdout (progress on stderr), and ends.
//!
//! `cargo bench --bench sync`. Needs PostgreSQL's server binaries (`tests/it/pg.rs`); without them
//! it prints `SKIPPED` and the reason. Knobs (environment):
//! - `WARDEN_BENCH_RUNS`: timed runs of every series (default 3).
//! - `WARDEN_BENCH_USERS`, `WARDEN_BENCH_ROLES`: LOGIN users and NOLOGIN roles (8000, 2000).
//! - `WARDEN_BENCH_SCHEMAS`, `WARDEN_BENCH_TABLES`: schemas, tables per schema (200, 50).
//! - `WARDEN_BENCH_PART`: letters of the parts to run after the generation and the timed reads:
//!   `p` (the read's phases), `i` (the import); default `pi`. `WARDEN_BENCH_PART=-` runs the reads
//!   alone (for a profiler).
//!
//! The cluster (seeded, the same every run): NOLOGIN roles in four groups (1 % owners, 2.5 %
//! departments, 16.5 % teams, the rest functional roles); teams are members of 1-2 departments,
//! functional roles of 1-2 teams, users of 1-3 functional roles or teams. Every schema belongs to
//! an owner role, which creates its tables (`id bigint PRIMARY KEY, name text, created_at
//! timestamptz`) and grants on them: SELECT to 3-5 functional roles, SELECT/INSERT/UPDATE/DELETE
//! to a team, and with some probability SELECT to a user, SELECT/INSERT/UPDATE to another user,
//! ALL to a department (a third of those WITH GRANT OPTION) and SELECT to PUBLIC; USAGE on the
//! schema to 5 teams.
//!
//! Measured: the generation (not the figure asked for), the read end to end (wall, CPU of this
//! process, of the PostgreSQL server and of the rest of the machine, peak RSS), the read's phases
//! timed from outside (a fresh connection, the connector's catalog queries in its order, their
//! server-side execution time from `EXPLAIN (ANALYZE, TIMING OFF)` on another fresh connection,
//! and `snapshot::parse_value` on an equivalent document), then `App::import` into a fresh
//! store and into the populated one (the steady state of a periodic sync), its parts
//! (`Store::replace_connections`, `Store::load`, `Graph::build`, `NameIndex::build`), and
//! `App::open` on the populated store.
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rand::rngs::SmallRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection as _, Row};
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};
use support::knobs::env_usize;
use support::machine::{
    self, cpu_process, cpu_steal, cpu_system, cpu_tree, hwm, reset_hwm, rss, trim,
};
use support::postgres::{self, PgCluster, ident};
use support::report::{Report, mb, secs_ms};
use support::runtime::{SERVER_THREADS, runtime};
use warden::model::{Connection, Grantee, ResourceKind};

const SEED: u64 = 1;
const MB: f64 = 1e6;
const DB: &str = "big";

// The connector's catalog queries, copied from src/connectors/postgres/catalog.rs (a private
// module); `catalog_matches_the_connector` below fails the bench when they drift apart.
const SERVER: &str = "SELECT current_setting('server_version') AS version,
        current_setting('server_version_num')::int4 AS num,
        current_database()::text AS db";

const ROLES: &str = "SELECT oid::int8 AS oid, rolname::text AS name, rolcanlogin AS login,
        rolsuper AS superuser, rolinherit AS inherit FROM pg_catalog.pg_roles";

const MEMBERS_16: &str = "SELECT member::int8 AS member, roleid::int8 AS role,
        inherit_option AS inherit FROM pg_catalog.pg_auth_members";

const MEMBERS_15: &str = "SELECT member::int8 AS member, roleid::int8 AS role,
        true AS inherit FROM pg_catalog.pg_auth_members";

const DATABASE: &str = "SELECT d.datdba::int8 AS owner, a.grantee::int8 AS grantee,
        a.privilege_type::text AS privilege, a.is_grantable AS grantable
    FROM pg_catalog.pg_database d
    LEFT JOIN LATERAL aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a ON true
    WHERE d.datname = current_database()";

const SCHEMAS: &str = "SELECT n.nspname::text AS schema, n.nspowner::int8 AS owner,
        a.grantee::int8 AS grantee, a.privilege_type::text AS privilege, a.is_grantable AS grantable
    FROM pg_catalog.pg_namespace n
    LEFT JOIN LATERAL aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a ON true
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

const RELATIONS: &str = "SELECT n.nspname::text AS schema, c.relname::text AS name,
        c.relkind::text AS relkind, c.relowner::int8 AS owner,
        a.grantee::int8 AS grantee, a.privilege_type::text AS privilege, a.is_grantable AS grantable
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN LATERAL aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) a ON true
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

/// The size of the generated cluster.
#[derive(Clone, Copy)]
struct Shape {
    users: usize,
    roles: usize,
    schemas: usize,
    tables: usize,
}

fn main() {
    let runs = env_usize("WARDEN_BENCH_RUNS", 3).max(1);
    let parts = std::env::var("WARDEN_BENCH_PART").unwrap_or_else(|_| "pi".into());
    let shape = Shape {
        users: env_usize("WARDEN_BENCH_USERS", 8_000),
        roles: env_usize("WARDEN_BENCH_ROLES", 2_000).max(10),
        schemas: env_usize("WARDEN_BENCH_SCHEMAS", 200).max(1),
        tables: env_usize("WARDEN_BENCH_TABLES", 50).max(1),
    };
    catalog_matches_the_connector();
    let mut report = Report::default();
    describe_machine(&mut report);
    let cluster = match PgCluster::try_start() {
        Ok(c) => c,
        Err(e) => {
            report.note(&format!("SKIPPED: no PostgreSQL cluster: {e}"));
            println!("{}", report.text);
            return;
        }
    };
    let rt = runtime(SERVER_THREADS);
    let url = cluster.url_for(DB);
    let server = rt.block_on(generate(&cluster, shape, &mut report));
    let conn = read_series(&rt, &url, &server, shape, runs, &mut report);
    if parts.contains('p') {
        phase_series(&rt, &url, &conn, runs, &mut report);
    }
    if parts.contains('i') {
        import_series(&rt, conn, runs, &mut report);
    }
    report.note(&format!("Load average at the end: {}.", machine::loadavg()));
    drop(cluster);
    println!("{}", report.text);
}

/// Fails when the SQL copied above no longer matches the connector's.
fn catalog_matches_the_connector() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/connectors/postgres/catalog.rs");
    let Ok(src) = std::fs::read_to_string(&path) else {
        eprintln!("note: cannot read {} to compare the SQL", path.display());
        return;
    };
    for (name, sql) in [
        ("SERVER", SERVER),
        ("ROLES", ROLES),
        ("MEMBERS_16", MEMBERS_16),
        ("MEMBERS_15", MEMBERS_15),
        ("DATABASE", DATABASE),
        ("SCHEMAS", SCHEMAS),
        ("RELATIONS", RELATIONS),
    ] {
        let needle = format!(
            "pub const {name}: &str = \"{}\";",
            sql.replace('\\', "\\\\")
        );
        assert!(
            src.contains(&needle),
            "benches/sync.rs: the copy of catalog::{name} differs from {}; copy it again",
            path.display()
        );
    }
}

// ---------------------------------------------------------------- the machine and the process

/// The machine, and the commit measured (the figures belong to it).
fn describe_machine(report: &mut Report) {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // Cargo.toml is left out: it holds this bench's own entry until that is committed.
    let dirty =
        git(&["status", "--porcelain", "--", "src", "Cargo.lock"]).is_some_and(|s| !s.is_empty());
    machine::describe(
        report,
        &format!(
            "; commit {commit}{}",
            if dirty {
                " (the working tree has uncommitted changes under src/ or in Cargo.lock)"
            } else {
                ""
            }
        ),
    );
}

/// CPU spent by this process, the PostgreSQL server, the whole machine (busy, steal left out)
/// and the hypervisor's steal, at one moment.
#[derive(Clone, Copy)]
struct Cpu {
    at: Instant,
    process: Duration,
    server: Duration,
    machine: Duration,
    steal: Duration,
}

impl Cpu {
    fn now(postmaster: i32) -> Cpu {
        Cpu {
            at: Instant::now(),
            process: cpu_process(),
            server: cpu_tree(postmaster),
            machine: cpu_system(),
            steal: cpu_steal(),
        }
    }

    /// What happened since `self`.
    fn since(&self, postmaster: i32) -> Spent {
        let end = Cpu::now(postmaster);
        let process = end.process.saturating_sub(self.process);
        let server = end.server.saturating_sub(self.server);
        Spent {
            wall: end.at - self.at,
            process,
            server,
            other: end
                .machine
                .saturating_sub(self.machine)
                .saturating_sub(process + server),
            steal: end.steal.saturating_sub(self.steal),
        }
    }
}

/// Wall and CPU time of one timed part.
#[derive(Clone, Copy)]
struct Spent {
    wall: Duration,
    process: Duration,
    server: Duration,
    /// The rest of the machine: other processes, kernel threads.
    other: Duration,
    steal: Duration,
}

/// "median (min-max)" of some durations.
fn spread(v: &[Duration]) -> String {
    let mut v = v.to_vec();
    v.sort();
    match v.len() {
        0 => "-".into(),
        1 => secs_ms(v[0]),
        n => format!(
            "{} ({}-{})",
            secs_ms(v[n / 2]),
            secs_ms(v[0]),
            secs_ms(v[n - 1])
        ),
    }
}

fn spread_mb(v: &[u64]) -> String {
    let mut v = v.to_vec();
    v.sort();
    let f = |b: u64| format!("{:.0}", b as f64 / MB);
    match v.len() {
        0 => "-".into(),
        1 => mb(v[0]),
        n => format!("{} MB ({}-{} MB)", f(v[n / 2]), f(v[0]), f(v[n - 1])),
    }
}

fn spent_row(label: String, s: &Spent, peak: Option<u64>) -> Vec<String> {
    vec![
        label,
        secs_ms(s.wall),
        secs_ms(s.process),
        secs_ms(s.server),
        format!("{} / {}", secs_ms(s.other), secs_ms(s.steal)),
        peak.map_or_else(String::new, mb),
    ]
}

// ---------------------------------------------------------------- the generated cluster

/// The server and what was generated.
struct Server {
    version: String,
    postmaster: i32,
}

struct Roles {
    owners: Vec<String>,
    depts: Vec<String>,
    teams: Vec<String>,
    funcs: Vec<String>,
    users: Vec<String>,
}

impl Roles {
    fn new(shape: Shape) -> Roles {
        let owners = (shape.roles / 100).max(1);
        let depts = (shape.roles * 25 / 1000).max(1);
        let teams = (shape.roles * 165 / 1000).max(1);
        let funcs = shape.roles - owners - depts - teams;
        Roles {
            owners: (0..owners).map(|i| format!("own_{i:02}")).collect(),
            depts: (0..depts).map(|i| format!("dept_{i:03}")).collect(),
            teams: (0..teams).map(|i| format!("team_{i:03}")).collect(),
            funcs: (0..funcs).map(|i| format!("func_{i:04}")).collect(),
            users: (0..shape.users).map(|i| format!("user_{i:05}")).collect(),
        }
    }
}

/// Statements, and batches of them (one transaction each, sent with `raw_sql`).
#[derive(Default)]
struct Batches {
    batches: Vec<String>,
    current: String,
    in_current: usize,
    statements: usize,
}

impl Batches {
    fn push(&mut self, sql: String) {
        self.current.push_str(&sql);
        self.current.push_str(";\n");
        self.in_current += 1;
        self.statements += 1;
    }

    fn flush(&mut self) {
        if self.in_current > 0 {
            self.batches.push(format!(
                "BEGIN;\n{}COMMIT;",
                std::mem::take(&mut self.current)
            ));
            self.in_current = 0;
        }
    }
}

/// CREATE ROLE and GRANT role TO role, in batches of 2,000 statements.
fn role_sql(roles: &Roles, rng: &mut SmallRng) -> (Batches, usize) {
    const STATEMENTS: usize = 2_000;
    let mut b = Batches::default();
    let all_nologin = roles
        .owners
        .iter()
        .chain(&roles.depts)
        .chain(&roles.teams)
        .chain(&roles.funcs);
    for r in all_nologin {
        b.push(format!("CREATE ROLE {} NOLOGIN", ident(r)));
        if b.in_current >= STATEMENTS {
            b.flush();
        }
    }
    for u in &roles.users {
        b.push(format!("CREATE ROLE {} LOGIN", ident(u)));
        if b.in_current >= STATEMENTS {
            b.flush();
        }
    }
    b.flush();
    let mut memberships = 0;
    let mut grant = |b: &mut Batches, role: &str, member: &str| {
        b.push(format!("GRANT {} TO {}", ident(role), ident(member)));
        memberships += 1;
        if b.in_current >= STATEMENTS {
            b.flush();
        }
    };
    let pick = |rng: &mut SmallRng, pool: &[String], k: usize| -> Vec<usize> {
        sample(rng, pool.len(), k.min(pool.len())).into_vec()
    };
    // Teams in 1-2 departments, functional roles in 1-2 teams.
    for t in &roles.teams {
        let k = if rng.random_bool(0.3) { 2 } else { 1 };
        for d in pick(rng, &roles.depts, k) {
            grant(&mut b, &roles.depts[d], t);
        }
    }
    for f in &roles.funcs {
        let k = if rng.random_bool(0.5) { 2 } else { 1 };
        for t in pick(rng, &roles.teams, k) {
            grant(&mut b, &roles.teams[t], f);
        }
    }
    // Users in 1-3 roles: functional roles mostly, now and then a team.
    for u in &roles.users {
        let x: f64 = rng.random();
        let k = if x < 0.6 {
            1
        } else if x < 0.9 {
            2
        } else {
            3
        };
        let mut chosen: Vec<&String> = Vec::new();
        while chosen.len() < k {
            let r = if rng.random_bool(0.8) || roles.teams.is_empty() {
                &roles.funcs[rng.random_range(0..roles.funcs.len())]
            } else {
                &roles.teams[rng.random_range(0..roles.teams.len())]
            };
            if !chosen.contains(&r) {
                chosen.push(r);
            }
        }
        for r in chosen {
            grant(&mut b, r, u);
        }
    }
    b.flush();
    (b, memberships)
}

/// Schemas, tables and their grants, each schema's created by its owner role (`SET ROLE`), a
/// few schemas per transaction (every new relation holds a lock until commit).
fn table_sql(shape: Shape, roles: &Roles, rng: &mut SmallRng) -> (Batches, usize) {
    const SCHEMAS_PER_BATCH: usize = 4;
    let mut b = Batches::default();
    let mut acl_entries = 0;
    let pick = |rng: &mut SmallRng, pool: &[String], k: usize| -> Vec<String> {
        sample(rng, pool.len(), k.min(pool.len()))
            .into_iter()
            .map(|i| ident(&pool[i]))
            .collect()
    };
    for s in 0..shape.schemas {
        let schema = format!("s{s:03}");
        let owner = ident(&roles.owners[s % roles.owners.len()]);
        b.push(format!("CREATE SCHEMA {schema} AUTHORIZATION {owner}"));
        b.push(format!("SET ROLE {owner}"));
        let teams = pick(rng, &roles.teams, 5);
        b.push(format!(
            "GRANT USAGE ON SCHEMA {schema} TO {}",
            teams.join(", ")
        ));
        for t in 0..shape.tables {
            let table = format!("{schema}.t{t:02}");
            b.push(format!(
                "CREATE TABLE {table} (id bigint PRIMARY KEY, name text, created_at timestamptz)"
            ));
            let k = rng.random_range(3..=5);
            let readers = pick(rng, &roles.funcs, k);
            acl_entries += readers.len();
            b.push(format!("GRANT SELECT ON {table} TO {}", readers.join(", ")));
            let writer = pick(rng, &roles.teams, 1);
            acl_entries += 4 * writer.len();
            b.push(format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {}",
                writer.join(", ")
            ));
            let users = pick(rng, &roles.users, 2);
            if rng.random_bool(0.5) && !users.is_empty() {
                acl_entries += 1;
                b.push(format!("GRANT SELECT ON {table} TO {}", users[0]));
            }
            if rng.random_bool(0.3) && users.len() > 1 {
                acl_entries += 3;
                b.push(format!(
                    "GRANT SELECT, INSERT, UPDATE ON {table} TO {}",
                    users[1]
                ));
            }
            if rng.random_bool(0.15) {
                let dept = pick(rng, &roles.depts, 1);
                let option = if rng.random_bool(1.0 / 3.0) {
                    " WITH GRANT OPTION"
                } else {
                    ""
                };
                // ALL on a table is 7 privileges up to PostgreSQL 16 (8 with MAINTAIN in 17).
                acl_entries += 7 * dept.len();
                b.push(format!(
                    "GRANT ALL ON {table} TO {}{option}",
                    dept.join(", ")
                ));
            }
            if rng.random_bool(0.1) {
                acl_entries += 1;
                b.push(format!("GRANT SELECT ON {table} TO PUBLIC"));
            }
        }
        b.push("RESET ROLE".into());
        if (s + 1) % SCHEMAS_PER_BATCH == 0 {
            b.flush();
        }
    }
    b.flush();
    (b, acl_entries)
}

/// Builds the cluster, reports how long it took, and returns the server's version and pid.
async fn generate(cluster: &PgCluster, shape: Shape, report: &mut Report) -> Server {
    let mut rng = SmallRng::seed_from_u64(SEED);
    let roles = Roles::new(shape);
    let t = Instant::now();
    let (role_batches, memberships) = role_sql(&roles, &mut rng);
    let (table_batches, acl_entries) = table_sql(shape, &roles, &mut rng);
    let sql_time = t.elapsed();

    let mut admin = PgConnection::connect(&cluster.url).await.expect("connect");
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut admin)
        .await
        .expect("version");
    let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut admin)
        .await
        .expect("backend pid");
    let postmaster = machine::parent_of(backend);
    admin.close().await.ok();
    let url = postgres::create_database(cluster, DB).await;

    let mut conn = PgConnection::connect(&url).await.expect("connect");
    eprintln!(
        "generating: {} roles, {memberships} memberships ...",
        shape.roles + shape.users
    );
    let cpu = Cpu::now(postmaster);
    postgres::run_batches(
        &mut conn,
        &role_batches.batches,
        cluster,
        "generating the cluster",
    )
    .await;
    let roles_spent = cpu.since(postmaster);
    eprintln!(
        "generating: {} schemas x {} tables, {acl_entries} grants ...",
        shape.schemas, shape.tables
    );
    let cpu = Cpu::now(postmaster);
    postgres::run_batches(
        &mut conn,
        &table_batches.batches,
        cluster,
        "generating the cluster",
    )
    .await;
    let tables_spent = cpu.since(postmaster);
    // Steady state before measuring (the catalogs took hundreds of thousands of inserts and
    // updates).
    let cpu = Cpu::now(postmaster);
    postgres::vacuum(&mut conn).await;
    let vacuum_spent = cpu.since(postmaster);
    let sizes: (i64, i64, i64, i64) = {
        let r = sqlx::query(
            "SELECT (SELECT count(*) FROM pg_roles), (SELECT count(*) FROM pg_auth_members),
                    (SELECT count(*) FROM pg_class),
                    (SELECT count(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
                     WHERE c.relkind = 'r' AND a.grantee <> c.relowner
                       AND c.relnamespace NOT IN ('pg_catalog'::regnamespace,
                                                  'information_schema'::regnamespace))",
        )
        .fetch_one(&mut conn)
        .await
        .expect("count");
        (r.get(0), r.get(1), r.get(2), r.get(3))
    };
    conn.close().await.ok();

    report.heading("The generated cluster");
    report.note(&format!(
        "PostgreSQL {version}, a throwaway cluster (`tests/it/pg.rs`), database `{DB}`. \
         {} LOGIN users and {} NOLOGIN roles ({} owners, {} departments, {} teams, {} functional \
         roles), {memberships} memberships; {} schemas x {} tables; catalogs after generation: \
         pg_roles {} rows, pg_auth_members {}, pg_class {}; table ACL entries not held by the \
         owner: {} (generator's count {acl_entries}).",
        shape.users,
        shape.roles,
        roles.owners.len(),
        roles.depts.len(),
        roles.teams.len(),
        roles.funcs.len(),
        shape.schemas,
        shape.tables,
        sizes.0,
        sizes.1,
        sizes.2,
        sizes.3,
    ));
    report.table(&[
        "generation step",
        "statements",
        "wall",
        "bench CPU",
        "server CPU",
        "other CPU / steal",
    ]);
    let gen_row = |label: &str, n: usize, s: &Spent| -> Vec<String> {
        vec![
            label.to_owned(),
            n.to_string(),
            secs_ms(s.wall),
            secs_ms(s.process),
            secs_ms(s.server),
            format!("{} / {}", secs_ms(s.other), secs_ms(s.steal)),
        ]
    };
    report.row(&[
        "SQL text (in process)".into(),
        (role_batches.statements + table_batches.statements).to_string(),
        secs_ms(sql_time),
        String::new(),
        String::new(),
        String::new(),
    ]);
    report.row(&gen_row(
        &format!(
            "roles + memberships ({} transactions)",
            role_batches.batches.len()
        ),
        role_batches.statements,
        &roles_spent,
    ));
    report.row(&gen_row(
        &format!(
            "schemas, tables, grants ({} transactions)",
            table_batches.batches.len()
        ),
        table_batches.statements,
        &tables_spent,
    ));
    report.row(&gen_row(
        "VACUUM ANALYZE, autovacuum done",
        1,
        &vacuum_spent,
    ));
    Server {
        version,
        postmaster,
    }
}

// ---------------------------------------------------------------- the read

async fn read(url: &str) -> Connection {
    warden::connectors::postgres::read(url, DB)
        .await
        .unwrap_or_else(|e| panic!("connectors::postgres::read failed: {e}"))
}

/// One untimed read, then `runs` timed ones; returns the last connection read.
fn read_series(
    rt: &tokio::runtime::Runtime,
    url: &str,
    server: &Server,
    shape: Shape,
    runs: usize,
    report: &mut Report,
) -> Connection {
    eprintln!("reading ...");
    let hwm_resets = reset_hwm();
    let cpu = Cpu::now(server.postmaster);
    let first = rt.block_on(read(url));
    let first_spent = cpu.since(server.postmaster);
    let first_peak = hwm();
    drop(first);
    trim();

    let mut spent = Vec::new();
    let mut peaks = Vec::new();
    let mut rss_before = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        drop(last.take());
        trim();
        rss_before.push(rss());
        reset_hwm();
        let cpu = Cpu::now(server.postmaster);
        let c = rt.block_on(read(url));
        spent.push(cpu.since(server.postmaster));
        peaks.push(hwm());
        last = Some(c);
    }
    let conn = last.expect("at least one run");
    trim();
    let rss_held = rss();

    // Sanity: what was read.
    let kind_of = |g: &warden::model::Grant| conn.resources[g.resource as usize].kind;
    let table_grants = conn
        .grants
        .iter()
        .filter(|g| kind_of(g) == ResourceKind::Table)
        .count();
    let public = conn
        .grants
        .iter()
        .filter(|g| g.grantee == Grantee::Public)
        .count();
    let tables = conn
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Table)
        .count();
    report.heading("What the read returns");
    report.table(&["", "count"]);
    for (label, n) in [
        ("identities", conn.identities.len()),
        ("memberships", conn.memberships.len()),
        ("resources", conn.resources.len()),
        ("of which tables", tables),
        ("grants", conn.grants.len()),
        ("of which on tables", table_grants),
        ("of which to PUBLIC", public),
    ] {
        report.row(&[label.into(), n.to_string()]);
    }
    // The brief's floor (10,000 identities, 100,000 grants), scaled down with smaller knobs.
    let want_identities = (shape.users + shape.roles).min(10_000);
    let want_grants = (shape.schemas * shape.tables * 10).min(100_000);
    assert!(
        conn.identities.len() >= want_identities,
        "only {} identities read (want {want_identities})",
        conn.identities.len()
    );
    assert!(
        table_grants >= want_grants,
        "only {table_grants} table grants read (want {want_grants})"
    );
    report.heading("Sync read: `connectors::postgres::read`, end to end");
    report.note(&format!(
        "PostgreSQL {}, over loopback (TCP, trust authentication). Wall time of the call on a \
         2-worker tokio runtime; CPU from /proc: this process (the \
         bench), the PostgreSQL server (postmaster and backends) and the rest of the machine. \
         Peak RSS: VmHWM {} before each read. RSS before the timed reads: {}; holding the \
         `Connection` read: {} (after `malloc_trim`).",
        server.version,
        if hwm_resets {
            "reset (/proc/self/clear_refs)"
        } else {
            "since process start (clear_refs refused)"
        },
        spread_mb(&rss_before),
        mb(rss_held),
    ));
    report.table(&[
        "run",
        "wall",
        "bench CPU",
        "server CPU",
        "other CPU / steal",
        "peak RSS",
    ]);
    report.row(&spent_row(
        "first read (untimed warm-up)".into(),
        &first_spent,
        Some(first_peak),
    ));
    for (i, (s, p)) in spent.iter().zip(&peaks).enumerate() {
        report.row(&spent_row(format!("{}", i + 1), s, Some(*p)));
    }
    report.row(&[
        format!("**median (range), {runs} runs**"),
        format!(
            "**{}**",
            spread(&spent.iter().map(|s| s.wall).collect::<Vec<_>>())
        ),
        spread(&spent.iter().map(|s| s.process).collect::<Vec<_>>()),
        spread(&spent.iter().map(|s| s.server).collect::<Vec<_>>()),
        String::new(),
        spread_mb(&peaks),
    ]);
    conn
}

/// The read's phases, timed from outside with the connector's SQL.
fn phase_series(
    rt: &tokio::runtime::Runtime,
    url: &str,
    conn: &Connection,
    runs: usize,
    report: &mut Report,
) {
    eprintln!("timing the read's phases ...");
    let mut phases: Vec<(String, usize, Vec<Duration>, Vec<Duration>)> = Vec::new();
    let mut validate = Vec::new();
    let mut total = Vec::new();
    let (mut rows_mem, mut doc_mem, mut parse_peak) = (Vec::new(), Vec::new(), Vec::new());
    let mut json_copy = Vec::new();
    for _ in 0..runs {
        trim();
        let rss_start = rss();
        let (timed, explained, rows_rss) = rt.block_on(async {
            let options = PgConnectOptions::from_str(url)
                .expect("url")
                .application_name("warden")
                .options([("statement_timeout", "60000")]);
            // The connector's order, on a fresh connection (a new backend's catalog caches are
            // cold, as they are for every sync).
            let t = Instant::now();
            let mut c = PgConnection::connect_with(&options).await.expect("connect");
            let mut timed = vec![("connect".to_owned(), 0, t.elapsed())];
            let t = Instant::now();
            let server = sqlx::query(SERVER).fetch_one(&mut c).await.expect("server");
            timed.push(("SERVER".to_owned(), 1, t.elapsed()));
            let pg16 = server.get::<i32, _>("num") >= 160_000;
            let queries = queries(pg16);
            let mut held = vec![vec![server]];
            for (name, sql) in &queries[1..] {
                let t = Instant::now();
                let rows = sqlx::query(*sql).fetch_all(&mut c).await.expect("query");
                timed.push((name.to_string(), rows.len(), t.elapsed()));
                held.push(rows);
            }
            c.close().await.ok();
            // What the rows take while all are held, as in the connector until it is done.
            trim();
            let rows_rss = rss();
            drop(held);
            // Server-side execution, on another fresh connection in the same order.
            let mut c = PgConnection::connect_with(&options).await.expect("connect");
            let mut explained = Vec::new();
            for (_, sql) in &queries {
                let plan: Value = sqlx::query_scalar(AssertSqlSafe(format!(
                    "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}"
                )))
                .fetch_one(&mut c)
                .await
                .expect("explain");
                let ms = plan[0]["Execution Time"].as_f64().unwrap_or(0.0)
                    + plan[0]["Planning Time"].as_f64().unwrap_or(0.0);
                explained.push(Duration::from_secs_f64(ms / 1e3));
            }
            c.close().await.ok();
            (timed, explained, rows_rss)
        });
        rows_mem.push(rows_rss.saturating_sub(rss_start));
        trim();
        let before_doc = rss();
        let doc = document(conn);
        trim();
        let with_doc = rss();
        doc_mem.push(with_doc.saturating_sub(before_doc));
        // What `json!` does with the four arrays in the connector's `snapshot()`: it serializes
        // them (`to_value(&vec)`, a deep copy) and drops the originals.
        let t = Instant::now();
        let copy = serde_json::to_value(&doc).expect("copy");
        drop(std::hint::black_box(copy));
        json_copy.push(t.elapsed());
        trim();
        reset_hwm();
        let t = Instant::now();
        let parsed = warden::snapshot::parse_value(doc).expect("the rebuilt document is valid");
        validate.push(t.elapsed());
        parse_peak.push(hwm().saturating_sub(with_doc));
        drop(parsed);
        trim();
        let t = Instant::now();
        drop(rt.block_on(read(url)));
        total.push(t.elapsed());
        for (i, (name, rows, d)) in timed.into_iter().enumerate() {
            if phases.len() <= i {
                phases.push((name, rows, Vec::new(), Vec::new()));
            }
            phases[i].2.push(d);
            if i > 0 {
                phases[i].3.push(explained[i - 1]);
            }
        }
    }
    report.heading("Sync read: where the time goes");
    report.note(
        "Timed from outside with the connector's own SQL: a fresh connection (same options), the \
         catalog queries in the connector's order with `fetch_all` (wall: the query, the \
         transfer and sqlx's row decoding), and their planning + execution time on the server \
         from `EXPLAIN (ANALYZE, TIMING OFF)` on another fresh connection. `parse_value` is \
         timed on a document with the connector's shape rebuilt from the connection read. The \
         rest of a read (`read` wall minus the others) is reading the rows into maps and \
         building the JSON document; the row under it times `serde_json::to_value` on the \
         rebuilt document plus dropping one copy, which is what `json!` does with the four \
         arrays it is handed in the connector's `snapshot()`.",
    );
    report.table(&[
        "phase",
        "rows",
        "wall, median (range)",
        "server planning + execution",
    ]);
    let mut sum_median = Duration::ZERO;
    let median = |v: &[Duration]| {
        let mut v = v.to_vec();
        v.sort();
        v[v.len() / 2]
    };
    for (name, rows, d, e) in &phases {
        sum_median += median(d);
        report.row(&[
            if name == "connect" {
                "connect (TCP, startup, trust auth)".into()
            } else {
                format!("`catalog::{name}`")
            },
            if name == "connect" {
                String::new()
            } else {
                rows.to_string()
            },
            spread(d),
            if e.is_empty() {
                String::new()
            } else {
                spread(e)
            },
        ]);
    }
    sum_median += median(&validate);
    report.row(&[
        "`snapshot::parse_value` (validate, build the `Connection`)".into(),
        String::new(),
        spread(&validate),
        String::new(),
    ]);
    let read_median = median(&total);
    report.row(&[
        "rest: rows into maps, the JSON document".into(),
        String::new(),
        secs_ms(read_median.saturating_sub(sum_median)),
        String::new(),
    ]);
    report.row(&[
        "of which (estimate): `json!` deep-copying the arrays, the originals dropped".into(),
        String::new(),
        spread(&json_copy),
        String::new(),
    ]);
    report.row(&[
        "**`read`, end to end (in the same runs)**".into(),
        String::new(),
        format!("**{}**", spread(&total)),
        String::new(),
    ]);
    report.note(
        "Memory of the read's intermediate forms, timed runs of the split above (RSS after \
         `malloc_trim`, differences):",
    );
    report.table(&["intermediate", "RSS, median (range)"]);
    report.row(&[
        "all catalog rows held (sqlx `PgRow`s of the six queries)".into(),
        spread_mb(&rows_mem),
    ]);
    report.row(&[
        "the JSON document (`serde_json::Value`, the connector's shape)".into(),
        spread_mb(&doc_mem),
    ]);
    report.row(&[
        "peak during `parse_value`, above the document".into(),
        spread_mb(&parse_peak),
    ]);
}

fn queries(pg16: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("SERVER", SERVER),
        ("ROLES", ROLES),
        if pg16 {
            ("MEMBERS_16", MEMBERS_16)
        } else {
            ("MEMBERS_15", MEMBERS_15)
        },
        ("DATABASE", DATABASE),
        ("SCHEMAS", SCHEMAS),
        ("RELATIONS", RELATIONS),
    ]
}

/// A snapshot document with the shape the connector builds (SNAPSHOT.md), from a connection.
fn document(c: &Connection) -> Value {
    let name = |i: u32| c.identities[i as usize].name.as_str();
    let identities: Vec<Value> = c
        .identities
        .iter()
        .map(|i| {
            json!({"name": i.name, "kind": i.kind.as_str(), "superuser": i.superuser,
                   "inherit": i.inherit})
        })
        .collect();
    let memberships: Vec<Value> = c
        .memberships
        .iter()
        .map(|m| json!({"member": name(m.member), "role": name(m.role), "inherit": m.inherit}))
        .collect();
    let resources: Vec<Value> = c
        .resources
        .iter()
        .map(|r| {
            let mut v = json!({
                "kind": r.kind.as_str(),
                "name": r.name,
                "owner": r.owner.map_or("PUBLIC", name),
                "owner_privileges": r.owner_privileges.clone().unwrap_or_default(),
            });
            if r.path.iter().any(|p| p.contains('.')) {
                v["path"] = json!(r.path);
            }
            v
        })
        .collect();
    let grants: Vec<Value> = c
        .grants
        .iter()
        .map(|g| {
            json!({
                "grantee": match &g.grantee {
                    Grantee::Identity(i) => name(*i).to_owned(),
                    other => other.pseudo_name().unwrap_or_default(),
                },
                "privilege": &*g.privilege,
                "resource": c.resources[g.resource as usize].name,
                "grant_option": g.grant_option,
            })
        })
        .collect();
    json!({
        "version": 1,
        "connections": [{
            "name": c.name,
            "platform": "postgres",
            "server_version": c.server_version,
            "identities": identities,
            "memberships": memberships,
            "resources": resources,
            "grants": grants,
        }],
    })
}

// ---------------------------------------------------------------- the import

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum::<u64>()
        })
        .unwrap_or(0)
}

fn import_series(rt: &tokio::runtime::Runtime, conn: Connection, runs: usize, report: &mut Report) {
    eprintln!("importing ...");
    let mut fresh = Vec::new();
    let mut again = Vec::new();
    let mut open_empty = Vec::new();
    let mut peaks = Vec::new();
    let mut above = Vec::new();
    let mut rss_before = Vec::new();
    let mut rss_after = Vec::new();
    let mut reopen = Vec::new();
    let mut reopen_peaks = Vec::new();
    let mut reopen_above = Vec::new();
    let mut store_size = 0;
    let (mut write, mut load, mut graph, mut index) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        // App::import into a fresh data dir, then again into the populated one (a periodic
        // sync replaces the connection it read).
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let t = Instant::now();
        let app = rt
            .block_on(warden::app::App::open(&data))
            .expect("open an empty store");
        open_empty.push(t.elapsed());
        let c = conn.clone();
        trim();
        rss_before.push(rss());
        eprintln!(
            "   import run {}: RSS before {}",
            rss_before.len(),
            mb(rss())
        );
        reset_hwm();
        let t = Instant::now();
        rt.block_on(app.import(vec![c])).expect("import");
        fresh.push(t.elapsed());
        peaks.push(hwm());
        above.push(hwm().saturating_sub(*rss_before.last().unwrap_or(&0)));
        trim();
        rss_after.push(rss());
        let c = conn.clone();
        let t = Instant::now();
        rt.block_on(app.import(vec![c])).expect("import again");
        again.push(t.elapsed());
        rt.block_on(app.store.close());
        drop(app);
        store_size = dir_size(&data);
        trim();

        // App::open on the populated store: load, graph, index.
        let base = rss();
        reset_hwm();
        let t = Instant::now();
        let app = rt
            .block_on(warden::app::App::open(&data))
            .expect("open the populated store");
        reopen.push(t.elapsed());
        reopen_peaks.push(hwm());
        reopen_above.push(hwm().saturating_sub(base));
        rt.block_on(app.store.close());
        drop(app);
        trim();

        // The parts, on another fresh store.
        let dir2 = tempfile::tempdir().expect("temp dir");
        let store = rt
            .block_on(warden::store::Store::open_data_dir(
                &dir2.path().join("data"),
            ))
            .expect("open store");
        let t = Instant::now();
        rt.block_on(store.replace_connections(std::slice::from_ref(&conn)))
            .expect("store write");
        write.push(t.elapsed());
        let t = Instant::now();
        let loaded = rt.block_on(store.load()).expect("store load");
        load.push(t.elapsed());
        rt.block_on(store.close());
        let t = Instant::now();
        let g = warden::graph::Graph::build(loaded);
        graph.push(t.elapsed());
        let t = Instant::now();
        let i = warden::index::NameIndex::build(&g).expect("index");
        index.push(t.elapsed());
        drop((g, i));
        trim();
    }
    report.heading("Import: `App::import` of what was read");
    report.note(&format!(
        "A fresh data dir each run (`App::open` on it: {}), the connection read above imported \
         with `App::import` (SQLite write in one transaction, then the rebuild: `Store::load`, \
         `Graph::build`, `NameIndex::build` on tokio's blocking pool), then imported again into \
         the now populated store, as every later sync does. The parts were timed on another \
         fresh store. Store on disk after the imports: {}. RSS before `App::import` (the read \
         connection and a clone held): {}; after (the `Access` built, `malloc_trim`): {}.",
        spread(&open_empty),
        mb(store_size),
        spread_mb(&rss_before),
        spread_mb(&rss_after),
    ));
    report.table(&["step", "median (range)", "peak RSS (VmHWM reset before)"]);
    report.row(&[
        "**`App::import`, fresh store**".into(),
        format!("**{}**", spread(&fresh)),
        format!(
            "{}; above the RSS before: {}",
            spread_mb(&peaks),
            spread_mb(&above)
        ),
    ]);
    report.row(&[
        "`App::import`, store already holding the connection".into(),
        spread(&again),
        String::new(),
    ]);
    report.row(&[
        "part: `Store::replace_connections` (SQLite write)".into(),
        spread(&write),
        String::new(),
    ]);
    report.row(&["part: `Store::load`".into(), spread(&load), String::new()]);
    report.row(&["part: `Graph::build`".into(), spread(&graph), String::new()]);
    report.row(&[
        "part: `NameIndex::build` (tantivy, exact keys)".into(),
        spread(&index),
        String::new(),
    ]);
    report.row(&[
        "`App::open` on the populated store (load, graph, index)".into(),
        spread(&reopen),
        format!(
            "{}; above the RSS before: {}",
            spread_mb(&reopen_peaks),
            spread_mb(&reopen_above)
        ),
    ]);
}
