//! The tokio runtimes the benches run on: two workers each (the machine has two cores), their
//! threads named so that a runtime's CPU time can be told apart from another's
//! (`machine::cpu_threads`).

use tokio::runtime::Runtime;

/// The server's runtime.
pub const SERVER_THREADS: &str = "server";

/// The clients' runtime.
pub const CLIENT_THREADS: &str = "bench-client";

/// A multi-thread runtime of two workers named `threads`.
pub fn runtime(threads: &str) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(threads)
        .enable_all()
        .build()
        .expect("runtime")
}
