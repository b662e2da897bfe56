//! Agents at speed (BENCHMARKS.md, "Agent tokens"): `POST /v1/tools/check_access` with a
//! person's token and with an agent's (every agent call audited and logged, through the audit
//! chain's group commit), side by side in one run, at 4 and 16 clients. A plain program: it
//! prints Markdown and ends.
//!
//! `cargo bench --bench agents`. Knobs: `WARDEN_BENCH_SECONDS` per measurement (default 5),
//! `WARDEN_BENCH_CLIENTS` (default `4,16`).
//!
//! The real server (`warden::server::serve`) over a SQLite store holding a tier-S snapshot
//! (`synth`, seed 7), on one runtime of two workers; the clients (closed loop, keep-alive) on
//! another; 2 cores shared. After the runs the log is read back: the agent calls audited must
//! equal the agent calls answered, and the chain must verify. Beside the rates, the CPU time an
//! answer took: the server's threads, and the whole machine's (clients and kernel included),
//! since with two cores shared what an agent call costs beyond a person's is what slows it.
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::knobs::{env_usize, env_usizes};
use support::machine::{cpu_system, cpu_threads};
use support::percentiles::percentiles;
use support::report::ms;
use support::runtime::{CLIENT_THREADS, SERVER_THREADS, runtime};
use warden::app::App;
use warden::model::audit::AuditFilter;

/// What one measurement gave: answers, their latencies, and CPU time spent meanwhile (the
/// server's threads, the whole machine's).
struct Measured {
    answers: usize,
    times: Vec<Duration>,
    server_cpu: Duration,
    machine_cpu: Duration,
}

impl Measured {
    /// CPU microseconds an answer took: the server's, the machine's.
    fn cpu_per_answer(&self) -> (f64, f64) {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / self.answers.max(1) as f64;
        (per(self.server_cpu), per(self.machine_cpu))
    }
}

/// [`load`], with the CPU time it took.
fn measure(
    rt: &tokio::runtime::Runtime,
    url: &str,
    token: &str,
    clients: usize,
    seconds: u64,
) -> Measured {
    let (server, machine) = (cpu_threads(SERVER_THREADS), cpu_system());
    let (answers, times) = rt.block_on(load(url, token, clients, seconds));
    Measured {
        answers,
        times,
        server_cpu: cpu_threads(SERVER_THREADS).saturating_sub(server),
        machine_cpu: cpu_system().saturating_sub(machine),
    }
}

/// Runs `clients` closed-loop clients for `seconds`, each asking a different question in turn;
/// the answers counted and their latencies.
async fn load(url: &str, token: &str, clients: usize, seconds: u64) -> (usize, Vec<Duration>) {
    let stop = Arc::new(AtomicBool::new(false));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (http, url, token, stop) = (http.clone(), url.to_string(), token.to_string(), stop.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                let mut n = c;
                while !stop.load(Ordering::Relaxed) {
                    let body = json!({"identity": warden::synth::user_name(n % 5000), "privilege": "SELECT",
                        "resource": warden::synth::table_name((n * 7) % 20_000)});
                    let t = Instant::now();
                    let r = http.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                    let status = r.status();
                    let _ = r.bytes().await.unwrap();
                    assert!(status.is_success(), "{status}");
                    times.push(t.elapsed());
                    n += clients;
                }
                times
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all.len(), all)
}

fn main() {
    let seconds = env_usize("WARDEN_BENCH_SECONDS", 5).max(1) as u64;
    let client_counts = env_usizes("WARDEN_BENCH_CLIENTS", "4,16");
    let dir = tempfile::tempdir().unwrap();
    let server = runtime(SERVER_THREADS);
    let (app, url, person, agent) = server.block_on(async {
        let mut text = Vec::new();
        warden::synth::write(warden::synth::Tier::S, 7, &mut text).unwrap();
        let conns = warden::snapshot::parse_reader(&text[..]).unwrap();
        let app = App::open(dir.path()).await.unwrap();
        app.import(conns).await.unwrap();
        app.people
            .add_person("maya", warden::people::Role::Requester, None)
            .await
            .unwrap();
        let (_, person) = app.people.create_token("maya", None).await.unwrap();
        let (_, agent) = app.people.create_token("maya", Some("bot")).await.unwrap();
        let addr = support::server::serve(app.clone()).await;
        (
            app,
            format!("http://{addr}/v1/tools/check_access"),
            person.secret,
            agent.secret,
        )
    });
    let clients_rt = runtime(CLIENT_THREADS);
    println!("## Agent tokens\n");
    println!(
        "| clients | token | answers/s | p50 | p99 | agent / person | CPU µs an answer: server | machine |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut agent_answers = 0;
    for &c in &client_counts {
        // Warm-up, not counted.
        clients_rt.block_on(load(&url, &person, c, 1));
        let p = measure(&clients_rt, &url, &person, c, seconds);
        let a = measure(&clients_rt, &url, &agent, c, seconds);
        agent_answers += a.answers;
        let ((ps, pm), (as_, am)) = (p.cpu_per_answer(), a.cpu_per_answer());
        let (pn, an) = (p.answers, a.answers);
        let (pp, ap) = (percentiles(p.times), percentiles(a.times));
        let rate = |n: usize| n as f64 / seconds as f64;
        println!(
            "| {c} | person | {:.0} | {} | {} | | {ps:.0} | {pm:.0} |",
            rate(pn),
            ms(pp.p50),
            ms(pp.p99)
        );
        println!(
            "| {c} | agent | {:.0} | {} | {} | {:.0}% | {as_:.0} | {am:.0} |",
            rate(an),
            ms(ap.p50),
            ms(ap.p99),
            100.0 * an as f64 / pn as f64
        );
    }
    let (audited, ok) = server.block_on(async {
        let filter = AuditFilter::every("agent_tool_call");
        let audited = app.store.audit(&filter).await.unwrap().len();
        (audited, warden::audit::verify(&app.store).await.unwrap().ok)
    });
    println!(
        "\nAgent calls answered {agent_answers}, audited {audited}; the chain verifies: {ok}."
    );
    assert_eq!(
        audited, agent_answers,
        "every answered agent call is audited"
    );
    assert!(ok);
}
