//! What the benchmarks share: the Markdown report and its cell formats, percentiles, the
//! machine and this process as `/proc` shows them, a throwaway PostgreSQL, the environment
//! knobs and the random check questions. Each bench declares `mod support;` and uses what it
//! needs (hence `dead_code` is allowed here: no bench uses all of it).

#![allow(dead_code)]

pub mod knobs;
pub mod machine;
pub mod percentiles;
pub mod postgres;
pub mod questions;
pub mod report;
pub mod runtime;
pub mod server;

/// The allocator the `warden` binary runs with (src/main.rs), so that what a bench measures in
/// process is what the binary does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
