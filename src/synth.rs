//! A seeded generator of large, realistic Postgres snapshots for benchmarks: users in nested
//! roles (up to 8 deep), NOINHERIT members, owners, PUBLIC grants and a predefined role.
//! The snapshot is written as it is generated, so tier M never sits in memory as text.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::json;
use std::io::{BufWriter, Write};

/// Benchmark sizes from the core issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub users: usize,
    pub roles: usize,
    pub tables: usize,
    pub grants: usize,
}

impl Tier {
    pub const S: Tier = Tier {
        users: 5_000,
        roles: 500,
        tables: 20_000,
        grants: 200_000,
    };
    pub const M: Tier = Tier {
        users: 50_000,
        roles: 5_000,
        tables: 200_000,
        grants: 2_000_000,
    };

    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "S" | "s" => Some(Tier::S),
            "M" | "m" => Some(Tier::M),
            _ => None,
        }
    }
}

/// Role nesting depth: a user can sit 8 roles below the top.
pub const LEVELS: usize = 8;
const TABLES_PER_SCHEMA: usize = 100;
const PRIVILEGES: [&str; 4] = ["SELECT", "SELECT", "INSERT", "UPDATE"];

/// What was written.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Stats {
    pub identities: usize,
    pub memberships: usize,
    pub resources: usize,
    pub grants: usize,
}

pub fn user_name(i: usize) -> String {
    format!("u{i}")
}

pub fn role_name(i: usize) -> String {
    format!("r{i}")
}

pub fn table_name(i: usize) -> String {
    format!("db.s{}.t{i}", i / TABLES_PER_SCHEMA)
}

/// Table `t`'s name (`db.sS.tN`) with one typo in the table part: a substituted letter, an inserted letter or a
/// dropped digit (none of which spells another table's full name).
pub fn misspelled_table_name(rng: &mut SmallRng, t: usize) -> String {
    let name = table_name(t);
    let (schema, table) = name.rsplit_once('.').unwrap_or(("db", &name));
    let digits = &table[1..];
    let bad = match rng.random_range(0..3) {
        0 => format!("y{digits}"),
        1 => {
            let at = rng.random_range(1..=digits.len());
            format!("t{}q{}", &digits[..at], &digits[at..])
        }
        _ if digits.len() > 1 => {
            let at = rng.random_range(0..digits.len());
            format!("t{}{}", &digits[..at], &digits[at + 1..])
        }
        _ => format!("y{digits}"),
    };
    format!("{schema}.{bad}")
}

/// The level of role `i`: roles are split evenly over [`LEVELS`]; level 0 is the top.
fn level(tier: Tier, role: usize) -> usize {
    role * LEVELS / tier.roles
}

/// A random role of `level`.
fn role_at(tier: Tier, rng: &mut SmallRng, level: usize) -> usize {
    let per = tier.roles / LEVELS;
    level * per + rng.random_range(0..per.max(1))
}

/// Writes a tier snapshot for connection `gen` (platform postgres) to `out`.
pub fn write(tier: Tier, seed: u64, out: impl Write) -> std::io::Result<Stats> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut w = BufWriter::with_capacity(1 << 20, out);
    let mut stats = Stats::default();
    let schemas = tier.tables.div_ceil(TABLES_PER_SCHEMA);
    w.write_all(
        br#"{"version":1,"connections":[{"name":"gen","platform":"postgres","identities":["#,
    )?;
    let mut first = true;
    let mut item = |w: &mut BufWriter<_>, v: serde_json::Value| -> std::io::Result<()> {
        // `Value::Null` marks the start of the next array.
        if v.is_null() {
            first = true;
            return Ok(());
        }
        if !std::mem::take(&mut first) {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut *w, &v)?;
        Ok(())
    };
    for u in 0..tier.users {
        // 1% NOINHERIT, a handful of superusers.
        let inherit = rng.random_range(0..100) != 0;
        let superuser = u % 10_000 == 9_999;
        let name = user_name(u);
        item(
            &mut w,
            json!({"name": name, "kind": "user", "email": format!("{name}@gen.test"), "inherit": inherit, "superuser": superuser}),
        )?;
    }
    for r in 0..tier.roles {
        item(
            &mut w,
            json!({"name": role_name(r), "kind": "role", "inherit": rng.random_range(0..50) != 0}),
        )?;
    }
    item(&mut w, json!({"name": "pg_read_all_data", "kind": "role"}))?;
    stats.identities = tier.users + tier.roles + 1;

    w.write_all(br#"],"memberships":["#)?;
    item(&mut w, serde_json::Value::Null)?;
    let mut memberships = 0;
    // Each role below the top belongs to one or two roles one level up.
    for r in 0..tier.roles {
        let l = level(tier, r);
        if l == 0 {
            continue;
        }
        let mut parents = vec![role_at(tier, &mut rng, l - 1)];
        if rng.random_range(0..3) == 0 {
            parents.push(role_at(tier, &mut rng, l - 1));
        }
        parents.sort();
        parents.dedup();
        for p in parents {
            item(
                &mut w,
                json!({"member": role_name(r), "role": role_name(p)}),
            )?;
            memberships += 1;
        }
    }
    // Users sit in one to three roles, mostly deep in the hierarchy.
    for u in 0..tier.users {
        let mut roles: Vec<usize> = (0..rng.random_range(1..=3))
            .map(|_| {
                let depth = LEVELS - 1 - rng.random_range(0..3usize);
                role_at(tier, &mut rng, depth)
            })
            .collect();
        roles.sort();
        roles.dedup();
        for r in roles {
            item(
                &mut w,
                json!({"member": user_name(u), "role": role_name(r)}),
            )?;
            memberships += 1;
        }
        if u % 2_000 == 7 {
            item(
                &mut w,
                json!({"member": user_name(u), "role": "pg_read_all_data"}),
            )?;
            memberships += 1;
        }
    }
    stats.memberships = memberships;

    w.write_all(br#"],"resources":["#)?;
    item(&mut w, serde_json::Value::Null)?;
    item(&mut w, json!({"kind": "database", "name": "db"}))?;
    for s in 0..schemas {
        item(
            &mut w,
            json!({"kind": "schema", "name": format!("db.s{s}")}),
        )?;
    }
    for t in 0..tier.tables {
        let owner = role_name(rng.random_range(0..tier.roles));
        item(
            &mut w,
            json!({"kind": "table", "name": table_name(t), "owner": owner}),
        )?;
    }
    stats.resources = 1 + schemas + tier.tables;

    w.write_all(br#"],"grants":["#)?;
    item(&mut w, serde_json::Value::Null)?;
    item(
        &mut w,
        json!({"grantee": "PUBLIC", "privilege": "CONNECT", "resource": "db"}),
    )?;
    for s in 0..schemas {
        item(
            &mut w,
            json!({"grantee": "PUBLIC", "privilege": "USAGE", "resource": format!("db.s{s}")}),
        )?;
    }
    let mut grants = 1 + schemas;
    while grants < tier.grants {
        let t = rng.random_range(0..tier.tables);
        let privilege = PRIVILEGES[rng.random_range(0..PRIVILEGES.len())];
        let grantee = match rng.random_range(0..100) {
            0 => "PUBLIC".to_owned(),
            1..=10 => user_name(rng.random_range(0..tier.users)),
            _ => role_name(rng.random_range(0..tier.roles)),
        };
        item(
            &mut w,
            json!({"grantee": grantee, "privilege": privilege, "resource": table_name(t)}),
        )?;
        grants += 1;
    }
    stats.grants = grants;
    w.write_all(b"]}]}\n")?;
    w.flush()?;
    Ok(stats)
}
