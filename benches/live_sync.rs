//! Sync of large generated platforms through their live connectors (BENCHMARKS.md, "Live sync:
//! Snowflake and BigQuery"). A plain program: it prints what it measures, as Markdown, and ends.
//!
//! `cargo bench --bench live_sync`. Knobs: `WARDEN_BENCH_RUNS` (timed reads each, default 3).
//!
//! Neither platform can be reached from here: each is the tests' local server speaking its
//! documented wire format (`tests/it/snowflake/fake.rs`: SQL API v2 with key-pair JWTs;
//! `tests/it/bigquery/fake.rs`: OAuth, BigQuery v2, Resource Manager, Cloud Identity), on
//! loopback and on the same runtime as the connector, so its work counts against the figure.
//! A Snowflake account of 10,000 roles and 100,000 grants is read both ways (SHOW GRANTS, two
//! statements a role; the usage views, two statements); a BigQuery project of 1,000 datasets and
//! 20,000 tables, each table with its IAM policy.
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/it/bigquery/fake.rs"]
mod bigquery_fake;
#[path = "../tests/it/snowflake/fake.rs"]
pub mod snowflake_fake;
// The BigQuery fake borrows the Snowflake fake's key maker as `crate::snowflake::fake`.
mod snowflake {
    pub use super::snowflake_fake as fake;
}
mod support;

use bigquery_fake::FakeGoogle;
use serde_json::json;
use snowflake::fake::{FakeSnowflake, GRANT_COLUMNS, Script, TestKey};
use std::time::{Duration, Instant};
use support::knobs::env_usize;
use support::runtime::{SERVER_THREADS, runtime};
use warden::connectors::bigquery::auth::{Auth as BqAuth, ServiceAccount};
use warden::connectors::bigquery::client::Api;
use warden::connectors::http::Patience;
use warden::connectors::snowflake::auth::{Auth as SfAuth, KeyPairAuth};
use warden::connectors::snowflake::client::SqlApi;
use warden::connectors::snowflake::read::{Source, read_from};
use warden::model::Connection;

const ROLES: usize = 10_000;
const USERS: usize = 5_000;
const TABLES: usize = 10_000;
const GRANTS: usize = 100_000;
const DATASETS: usize = 1_000;
const BQ_TABLES: usize = 20_000;
const GROUPS: usize = 100;

/// A small deterministic generator: the same platform every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn rows(columns: &[&'static str], rows: Vec<Vec<String>>) -> Script {
    // Partitions of 10,000 rows, as the SQL API splits a large result.
    let partitions = rows
        .chunks(10_000)
        .map(|p| {
            p.iter()
                .map(|r| r.iter().cloned().map(Some).collect())
                .collect()
        })
        .collect::<Vec<_>>();
    Script::Rows {
        columns: columns.to_vec(),
        partitions: if partitions.is_empty() {
            vec![Vec::new()]
        } else {
            partitions
        },
    }
}

/// 5,000 users, 10,000 roles (each held by a user or a role below it), 20 schemas of 500
/// tables, 100,000 grants of a privilege on a table to a role.
fn script_snowflake(fake: &FakeSnowflake) {
    let mut g = Lcg(7);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    fake.script(
        "SHOW USERS",
        rows(
            &["name", "email"],
            (0..USERS)
                .map(|u| s(&[&format!("U{u}"), &format!("u{u}@acme.test")]))
                .collect(),
        ),
    );
    fake.script(
        "SHOW ROLES",
        rows(
            &["name"],
            (0..ROLES).map(|r| vec![format!("R{r}")]).collect(),
        ),
    );
    fake.script("SHOW WAREHOUSES", rows(&["name"], vec![s(&["WH"])]));
    fake.script(
        "SHOW DATABASES",
        rows(&["name", "kind"], vec![s(&["DB", "STANDARD"])]),
    );
    fake.script(
        "SHOW DATABASE ROLES IN DATABASE \"DB\"",
        rows(&["name"], vec![]),
    );
    fake.script(
        "SHOW SCHEMAS IN ACCOUNT",
        rows(
            &["name", "database_name"],
            (0..20).map(|k| s(&[&format!("S{k}"), "DB"])).collect(),
        ),
    );
    fake.script(
        "SHOW TABLES IN ACCOUNT",
        rows(
            &["name", "database_name", "schema_name"],
            (0..TABLES)
                .map(|t| s(&[&format!("T{t}"), "DB", &format!("S{}", t % 20)]))
                .collect(),
        ),
    );
    fake.script(
        "SHOW VIEWS IN ACCOUNT",
        rows(
            &["name", "database_name", "schema_name", "is_materialized"],
            vec![],
        ),
    );
    let words = ["SELECT", "INSERT", "UPDATE", "DELETE"];
    let mut to_role: Vec<Vec<Vec<String>>> = vec![Vec::new(); ROLES];
    let mut usage = Vec::new();
    for _ in 0..GRANTS {
        let (r, t) = (g.below(ROLES), g.below(TABLES));
        let row = s(&[
            "2024",
            words[g.below(4)],
            "TABLE",
            &format!("DB.S{}.T{t}", t % 20),
            "ROLE",
            &format!("R{r}"),
            "false",
            "SYSADMIN",
        ]);
        usage.push(s(&[
            &row[1],
            "TABLE",
            &format!("T{t}"),
            "DB",
            &format!("S{}", t % 20),
            "ROLE",
            &row[5],
            "false",
        ]));
        to_role[r].push(row);
    }
    let mut of_role: Vec<Vec<Vec<String>>> = vec![Vec::new(); ROLES];
    let mut to_users = Vec::new();
    for (r, holders) in of_role.iter_mut().enumerate() {
        let role = format!("R{r}");
        let holder = if r > 100 && g.below(2) == 0 {
            ("ROLE", format!("R{}", g.below(r)))
        } else {
            ("USER", format!("U{}", g.below(USERS)))
        };
        holders.push(s(&["2024", &role, holder.0, &holder.1, "SECURITYADMIN"]));
        if holder.0 == "USER" {
            to_users.push(s(&[&role, &holder.1]));
        } else {
            usage.push(s(&[
                "USAGE", "ROLE", &role, "", "", "ROLE", &holder.1, "false",
            ]));
        }
    }
    for (r, (to, of)) in to_role.into_iter().zip(of_role).enumerate() {
        fake.script(
            &format!("SHOW GRANTS TO ROLE \"R{r}\""),
            rows(&GRANT_COLUMNS, to),
        );
        fake.script(
            &format!("SHOW GRANTS OF ROLE \"R{r}\""),
            rows(
                &[
                    "created_on",
                    "role",
                    "granted_to",
                    "grantee_name",
                    "granted_by",
                ],
                of,
            ),
        );
    }
    fake.script(
        "SHOW GRANTS TO ROLE \"PUBLIC\"",
        rows(&GRANT_COLUMNS, vec![]),
    );
    for k in 0..20 {
        fake.script(
            &format!("SHOW FUTURE GRANTS IN SCHEMA \"DB\".\"S{k}\""),
            rows(
                &[
                    "privilege",
                    "grant_on",
                    "grant_to",
                    "grantee_name",
                    "grant_option",
                ],
                vec![],
            ),
        );
    }
    fake.script(
        warden::connectors::snowflake::sql::ACCOUNT_USAGE_GRANTS_TO_ROLES,
        rows(
            &[
                "PRIVILEGE",
                "GRANTED_ON",
                "NAME",
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "GRANTED_TO",
                "GRANTEE_NAME",
                "GRANT_OPTION",
            ],
            usage,
        ),
    );
    fake.script(
        warden::connectors::snowflake::sql::ACCOUNT_USAGE_GRANTS_TO_USERS,
        rows(&["ROLE", "GRANTEE_NAME"], to_users),
    );
}

/// 1,000 datasets of 20 tables, each dataset with four access entries, each table a policy of
/// one or two bindings; 100 groups of 20 people in Cloud Identity.
fn script_bigquery(fake: &FakeGoogle) {
    let mut g = Lcg(11);
    fake.page_size(1000);
    fake.project_binding("roles/viewer", &["group:g0@acme.test"], None);
    for d in 0..DATASETS {
        fake.dataset(
            &format!("ds{d}"),
            json!([
                {"role": "OWNER", "specialGroup": "projectOwners"},
                {"role": "READER", "specialGroup": "projectReaders"},
                {"role": "READER", "groupByEmail": format!("g{}@acme.test", g.below(GROUPS))},
                {"role": "WRITER", "userByEmail": format!("p{}@acme.test", g.below(2000))},
            ]),
        );
    }
    for t in 0..BQ_TABLES {
        let (d, name) = (format!("ds{}", t % DATASETS), format!("t{t}"));
        fake.table(&d, &name, "TABLE");
        let member = format!("user:p{}@acme.test", g.below(2000));
        fake.table_binding(&d, &name, "roles/bigquery.dataViewer", &[&member], None);
        if g.below(2) == 0 {
            let group = format!("group:g{}@acme.test", g.below(GROUPS));
            fake.table_binding(&d, &name, "roles/bigquery.dataEditor", &[&group], None);
        }
    }
    for k in 0..GROUPS {
        let members: Vec<(String, &'static str)> = (0..20)
            .map(|_| (format!("p{}@acme.test", g.below(2000)), "USER"))
            .collect();
        let refs: Vec<(&str, &'static str)> =
            members.iter().map(|(m, t)| (m.as_str(), *t)).collect();
        fake.group(&format!("g{k}@acme.test"), &refs);
    }
}

fn counts(c: &Connection) -> String {
    format!(
        "{} identities, {} memberships, {} resources, {} grants",
        c.identities.len(),
        c.memberships.len(),
        c.resources.len(),
        c.grants.len()
    )
}

fn seconds(times: &[Duration]) -> String {
    let s: Vec<String> = times
        .iter()
        .map(|t| format!("{:.2}", t.as_secs_f64()))
        .collect();
    format!("{} s", s.join(", "))
}

fn main() {
    let runs = env_usize("WARDEN_BENCH_RUNS", 3).max(1);
    let rt = runtime(SERVER_THREADS);
    let patience = Patience::default();
    println!("## Live sync: Snowflake and BigQuery\n");
    println!("| platform | read | requests | what was read | wall, each run |");
    println!("|---|---|---|---|---|");

    let key = TestKey::generate();
    let sf = rt.block_on(FakeSnowflake::start("xy12345", "warden", &key));
    script_snowflake(&sf);
    for source in [Source::AccountUsage, Source::Show] {
        let mut times = Vec::new();
        let mut last = None;
        let before = sf.seen().len();
        for _ in 0..runs {
            let auth = KeyPairAuth::from_pem("xy12345", "warden", &key.pem).unwrap();
            let api = SqlApi::new(&sf.url, SfAuth::KeyPair(auth))
                .unwrap()
                .with_patience(patience.clone());
            let started = Instant::now();
            last = Some(rt.block_on(read_from(&api, "snowflake", source)).unwrap());
            times.push(started.elapsed());
        }
        println!(
            "| Snowflake, {ROLES} roles, {GRANTS} grants | {source:?} | {} | {} | {} |",
            (sf.seen().len() - before) / runs,
            counts(&last.unwrap()),
            seconds(&times)
        );
    }

    let bq = rt.block_on(FakeGoogle::start(
        "p1",
        "warden@p1.iam.gserviceaccount.com",
        &key,
    ));
    script_bigquery(&bq);
    let mut times = Vec::new();
    let mut last = None;
    let before = bq.requests();
    for _ in 0..runs {
        let account = ServiceAccount::from_json(&bq.key_file(&key)).unwrap();
        let api = Api::new(
            "p1",
            &bq.url,
            &bq.url,
            BqAuth::ServiceAccount(Box::new(account)),
        )
        .unwrap()
        .with_groups(Some(bq.url.clone()))
        .with_patience(patience.clone());
        let started = Instant::now();
        let read = rt
            .block_on(warden::connectors::bigquery::read::read(&api, "bigquery"))
            .unwrap();
        times.push(started.elapsed());
        last = Some(read.connection);
    }
    println!(
        "| BigQuery, {DATASETS} datasets, {BQ_TABLES} tables | REST | {} | {} | {} |",
        (bq.requests() - before) / runs,
        counts(&last.unwrap()),
        seconds(&times)
    );
}
