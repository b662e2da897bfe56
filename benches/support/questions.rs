//! Random check questions over a `warden::synth` tier, shared by the benchmarks: a user, a
//! privilege and a table, by name (for the tools) and by index (for the engine).

use rand::Rng;
use rand::rngs::SmallRng;
use std::collections::HashMap;
use warden::access::Access;
use warden::model::{IdentityId, ResourceId};
use warden::synth::{self, Tier};

pub const PRIVILEGES: [&str; 3] = ["SELECT", "INSERT", "UPDATE"];

/// One random question.
#[derive(Clone)]
pub struct Question {
    pub user: String,
    pub privilege: &'static str,
    pub table: String,
    pub i: IdentityId,
    pub r: ResourceId,
}

/// `n` uniform random questions drawn from `rng` over the tier's single connection.
pub fn questions(access: &Access, tier: Tier, n: usize, rng: &mut SmallRng) -> Vec<Question> {
    let conn = &access.graph.connections[0];
    let ids: HashMap<&str, u32> = conn
        .identities
        .iter()
        .enumerate()
        .map(|(k, i)| (i.name.as_str(), k as u32))
        .collect();
    let res: HashMap<&str, u32> = conn
        .resources
        .iter()
        .enumerate()
        .map(|(k, r)| (r.name.as_str(), k as u32))
        .collect();
    (0..n)
        .map(|_| {
            let user = synth::user_name(rng.random_range(0..tier.users));
            let table = synth::table_name(rng.random_range(0..tier.tables));
            Question {
                i: IdentityId::new(ids[user.as_str()]),
                r: ResourceId::new(res[table.as_str()]),
                privilege: PRIVILEGES[rng.random_range(0..PRIVILEGES.len())],
                user,
                table,
            }
        })
        .collect()
}
