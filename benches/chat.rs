//! The chat engine's timings over the evaluation set (BENCHMARKS.md, "Chat"). A plain program:
//! it prints what it measures, as Markdown on stdout, and ends.
//!
//! `cargo bench --bench chat`. Knobs (environment):
//! - `WARDEN_BENCH_ROUNDS`: rounds over all questions for the engine alone (default 200).
//! - `WARDEN_BENCH_CHAT_ROUNDS`: rounds for `App::chat`, store write included (default 20).
//! - `WARDEN_BENCH_REQUESTS`: timed HTTP requests per concurrency and endpoint (default 20000),
//!   after a warm-up of a tenth as many.
//! - `WARDEN_BENCH_CONCURRENCY`: comma-separated client concurrencies (default `1,4,16`).
//! - `WARDEN_BENCH_PART`: the parts to run, any of the letters `a`, `b`, `c`, `w` (default all).
//! - `WARDEN_BENCH_WORST_ROUNDS`: rounds over the worst messages (w) (default 100).
//! - `WARDEN_BENCH_ENDPOINTS`: for (c), `chat`, `check` or both (default `chat,check`).
//! - `WARDEN_BENCH_EVAL`: another evaluation set in the same format (default
//!   `tests/chat/eval.json`).
//!
//! The workload: the questions of `tests/chat/eval.json` that stand alone (those with `after`
//! continue a conversation and are left out), over the demo organisation, each asked as its `as`
//! person (the demo people, `NAME@acme.test`) or as the operator.
//!
//! (a) `chat::embedded::answer` alone: a fresh memory and a fresh `Toolbox` per question, on a
//!     current-thread tokio runtime; no conversation is read or written. Tool calls still go
//!     through `tools::invoke` (rights check; `slow` tools through `spawn_blocking`).
//! (b) `App::chat` with the embedded engine: the same plus a new conversation saved in SQLite.
//! (c) The real server (`warden::server::serve` on 127.0.0.1:0, 2 tokio workers) and C concurrent
//!     clients (reqwest, keep-alive, on another runtime of 2 workers) posting the questions
//!     round-robin to `POST /v1/chat`, each with its person's bearer token; then the same load on
//!     `POST /v1/tools/check_access` with one fixed argument set. Over HTTP the operator's
//!     questions are asked by an admin person with no email (no identities of their own), the
//!     closest a token comes to the operator.
//! (w) The worst messages we could construct, each of about 4,000 characters (unknown short
//!     words, one-letter words, repeated names, names between unknown words, quotes, durations,
//!     reasons, typos of verbs, one long word, hostile Unicode), through `chat::embedded::answer`
//!     as in (a), as maya. Goal: p99 <= 5 ms a turn.
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::body::Bytes;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::knobs::{env_usize, env_usizes};
use support::machine::{self, cpu_process, cpu_steal, cpu_system, cpu_threads, loadavg};
use support::percentiles::{Percentiles, percentiles};
use support::report::{Report, us_ms};
use support::runtime::{CLIENT_THREADS, SERVER_THREADS, runtime};
use warden::app::App;
use warden::chat::{EngineKind, Toolbox, embedded};
use warden::people::{Principal, Role};

const EVAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/chat/eval.json");
/// The admin person standing in for the operator over HTTP.
const OPERATOR: &str = "bench-operator";
/// The goal for the engine alone (a).
const GOAL_P99: Duration = Duration::from_millis(2);

fn main() {
    let rounds = env_usize("WARDEN_BENCH_ROUNDS", 200).max(1);
    let chat_rounds = env_usize("WARDEN_BENCH_CHAT_ROUNDS", 20).max(1);
    let requests = env_usize("WARDEN_BENCH_REQUESTS", 20_000).max(1);
    let concurrency: Vec<usize> = env_usizes("WARDEN_BENCH_CONCURRENCY", "1,4,16")
        .into_iter()
        .filter(|c| *c > 0)
        .collect();

    let mut report = Report::default();
    machine::describe(&mut report, "");
    let (questions, source) = load_questions();
    eprintln!("{} questions from {source}", questions.len());

    let server_rt = runtime(SERVER_THREADS);
    let dir = tempfile::tempdir().expect("temp dir");
    let (app, principals) = server_rt.block_on(setup(dir.path()));

    let part = std::env::var("WARDEN_BENCH_PART")
        .unwrap_or_else(|_| "abcw".into())
        .to_ascii_lowercase();
    if part.contains('a') {
        engine_alone(&mut report, &app, &principals, &questions, rounds, &source);
    }
    if part.contains('b') {
        with_store(&mut report, &app, &principals, &questions, chat_rounds);
    }
    if part.contains('c') {
        over_http(
            &mut report,
            &server_rt,
            &app,
            &questions,
            requests,
            &concurrency,
        );
    }

    if part.contains('w') {
        let rounds = env_usize("WARDEN_BENCH_WORST_ROUNDS", 100).max(1);
        worst_messages(&mut report, &app, &principals, rounds);
    }

    report.note(&format!("Load average at the end: {}.", loadavg()));
    println!("{}", report.text);
    server_rt.shutdown_background();
}

// ---------------------------------------------------------------- the machine meanwhile

/// What the rest of the machine did while something ran: other processes' CPU and steal, each as
/// a share of all cores over the wall time.
struct Disturbance {
    wall: Instant,
    system: Duration,
    process: Duration,
    steal: Duration,
}

impl Disturbance {
    fn start() -> Disturbance {
        Disturbance {
            wall: Instant::now(),
            system: cpu_system(),
            process: cpu_process(),
            steal: cpu_steal(),
        }
    }

    /// (other CPU %, steal %, this process's CPU over the span).
    fn stop(&self) -> (f64, f64, Duration) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let wall = self.wall.elapsed().as_secs_f64().max(1e-9) * cores;
        let mine = cpu_process().saturating_sub(self.process);
        let other = cpu_system()
            .saturating_sub(self.system)
            .saturating_sub(mine);
        let steal = cpu_steal().saturating_sub(self.steal);
        (
            100.0 * other.as_secs_f64() / wall,
            100.0 * steal.as_secs_f64() / wall,
            mine,
        )
    }

    fn describe(&self) -> String {
        let (other, steal, _) = self.stop();
        format!(
            "other CPU {other:.0}%, steal {steal:.0}%, load {}",
            loadavg()
        )
    }
}

fn latency_row(report: &mut Report, what: &str, p: &Percentiles, extra: &[String]) {
    let mut cells = vec![what.to_owned()];
    cells.extend(p.cells(us_ms));
    cells.extend_from_slice(extra);
    report.row(&cells);
}

// ---------------------------------------------------------------- the workload

struct Question {
    id: String,
    text: String,
    /// The demo person asking, or None for the operator.
    person: Option<String>,
}

/// The stand-alone questions of the evaluation set, and where they come from (with how many
/// were left out).
fn load_questions() -> (Vec<Question>, String) {
    let path = std::env::var("WARDEN_BENCH_EVAL").unwrap_or_else(|_| EVAL.to_owned());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let set: Value = serde_json::from_str(&text).expect("eval.json is JSON");
    let all = set["questions"].as_array().expect("a questions array");
    let mut skipped = 0;
    let mut out = Vec::new();
    for (k, q) in all.iter().enumerate() {
        if q.get("after")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
        {
            skipped += 1;
            continue;
        }
        let Some(text) = q["question"].as_str() else {
            skipped += 1;
            continue;
        };
        out.push(Question {
            id: q["id"]
                .as_str()
                .map_or_else(|| format!("#{k}"), str::to_owned),
            text: text.to_owned(),
            person: q["as"].as_str().map(str::to_owned),
        });
    }
    assert!(!out.is_empty(), "no stand-alone questions in {path}");
    let label = if path == EVAL {
        "tests/chat/eval.json".to_owned()
    } else {
        path
    };
    let source = format!(
        "{label} ({} questions, {skipped} of them with `after` left out)",
        all.len()
    );
    (out, source)
}

/// The demo organisation and its people; the principal of each (None: the operator).
async fn setup(dir: &std::path::Path) -> (App, HashMap<Option<String>, Principal>) {
    let app = App::open(dir).await.expect("open app");
    app.import(warden::demo::connections().expect("demo"))
        .await
        .expect("import");
    let mut principals = HashMap::new();
    principals.insert(None, Principal::operator());
    for (name, role) in warden::demo::PEOPLE {
        let p = app
            .people
            .add_person(name, role, Some(&format!("{name}@acme.test")))
            .await
            .expect("person");
        principals.insert(Some(name.to_owned()), Principal::person(p));
    }
    app.people
        .add_person(OPERATOR, Role::Admin, None)
        .await
        .expect("operator stand-in");
    (app, principals)
}

fn principal<'a>(
    principals: &'a HashMap<Option<String>, Principal>,
    q: &Question,
) -> &'a Principal {
    principals
        .get(&q.person)
        .unwrap_or_else(|| panic!("{}: no demo person {:?}", q.id, q.person))
}

// ---------------------------------------------------------------- (a) the engine alone

fn engine_alone(
    report: &mut Report,
    app: &App,
    principals: &HashMap<Option<String>, Principal>,
    questions: &[Question],
    rounds: usize,
    source: &str,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("current-thread runtime");
    let access = app.access.load();
    let n = questions.len();
    eprintln!("(a) engine alone: {rounds} rounds of {n} questions ...");
    let once = |q: &Question| {
        let who = principal(principals, q).clone();
        engine_once(
            Toolbox::new(
                access.clone(),
                app.requests.clone(),
                who,
                EngineKind::Embedded,
            ),
            q.text.trim().to_owned(),
        )
    };
    // One untimed round first (lazy statics, caches, the blocking pool's threads), which also
    // finds the questions that `chat::ask`'s guard answers before any engine sees them (the
    // guard is private: a question is taken as guarded when `App::chat` calls no tool and answers
    // differently from the engine, which is deterministic; a drafted request's answer differs too,
    // by its new id, but it was drafted through a tool).
    // A question that drafts a request writes it and its audit events to the store (about a
    // millisecond of SQLite): the third row leaves those out, to time the engine's own reading.
    let (calls, guarded, drafts) = rt.block_on(async {
        let mut calls = vec![0usize; n];
        let mut guarded = vec![false; n];
        let mut drafts = vec![false; n];
        for (k, q) in questions.iter().enumerate() {
            let (_, text, c) = once(q).await;
            calls[k] = c;
            let reply = app
                .chat(
                    principal(principals, q),
                    &q.text,
                    None,
                    Some(EngineKind::Embedded),
                )
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", q.id));
            guarded[k] = reply.tool_calls.is_empty() && reply.answer != text;
            drafts[k] = reply
                .tool_calls
                .iter()
                .any(|c| c.tool == "create_access_request");
        }
        (calls, guarded, drafts)
    });
    let d = Disturbance::start();
    let per_question = rt.block_on(async {
        let mut per_question: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); n];
        for _ in 0..rounds {
            for (k, q) in questions.iter().enumerate() {
                let (el, text, _) = once(q).await;
                std::hint::black_box(&text);
                per_question[k].push(el);
            }
        }
        per_question
    });
    let load = d.describe();
    let n_guarded = guarded.iter().filter(|g| **g).count();
    report.heading(&format!(
        "(a) The embedded engine alone: `embedded::answer`, {n} questions x {rounds} rounds"
    ));
    report.note(&format!(
        "{n} stand-alone questions of {source}, {} tool calls in all per round; a fresh memory \
         and `Toolbox` per question; current-thread runtime; one untimed warm-up round. \
         {n_guarded} questions never reach the engine through `chat::ask` (its guard refuses \
         them first); the second row leaves them out. During the timed rounds: {load}.",
        calls.iter().sum::<usize>()
    ));
    report.table(&[
        "what", "samples", "mean", "p50", "p90", "p99", "p99.9", "max", "goal",
    ]);
    let goal = |p: &Percentiles| {
        let met = if p.p99 <= GOAL_P99 { "met" } else { "MISSED" };
        format!("p99 <= {}: {met}", us_ms(GOAL_P99))
    };
    let all = percentiles(per_question.iter().flatten().copied().collect());
    latency_row(
        report,
        "embedded::answer, all questions",
        &all,
        &[goal(&all)],
    );
    let reached = percentiles(
        per_question
            .iter()
            .zip(&guarded)
            .filter(|(_, g)| !**g)
            .flat_map(|(v, _)| v.iter().copied())
            .collect(),
    );
    latency_row(
        report,
        "embedded::answer, questions past the guard",
        &reached,
        &[goal(&reached)],
    );
    let n_drafts = drafts.iter().filter(|d| **d).count();
    let reading = percentiles(
        per_question
            .iter()
            .zip(guarded.iter().zip(&drafts))
            .filter(|(_, (g, d))| !**g && !**d)
            .flat_map(|(v, _)| v.iter().copied())
            .collect(),
    );
    latency_row(
        report,
        &format!("embedded::answer, past the guard, without the {n_drafts} that draft"),
        &reading,
        &[goal(&reading)],
    );

    // The slowest questions by their median over the rounds.
    let mut ranked: Vec<(usize, Percentiles)> = per_question
        .iter()
        .cloned()
        .map(percentiles)
        .enumerate()
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1.p50));
    report.note("The 5 slowest questions (by their median over the rounds):");
    report.table(&[
        "id",
        "as",
        "question",
        "tool calls",
        "guard refuses",
        "p50",
        "p99",
        "max",
    ]);
    for (k, qp) in ranked.iter().take(5) {
        let q = &questions[*k];
        report.row(&[
            q.id.clone(),
            q.person.clone().unwrap_or_else(|| "operator".into()),
            format!("{:?}", q.text),
            calls[*k].to_string(),
            if guarded[*k] { "yes" } else { "no" }.into(),
            us_ms(qp.p50),
            us_ms(qp.p99),
            us_ms(qp.max),
        ]);
    }
    // Where the slow samples come from: the questions behind the worst 1%.
    let mut worst: Vec<(Duration, usize)> = per_question
        .iter()
        .enumerate()
        .flat_map(|(k, v)| v.iter().map(move |d| (*d, k)))
        .collect();
    worst.sort_unstable_by_key(|w| std::cmp::Reverse(w.0));
    let top = worst.len().div_ceil(100);
    let mut by_q: HashMap<usize, usize> = HashMap::new();
    for (_, k) in &worst[..top] {
        *by_q.entry(*k).or_default() += 1;
    }
    let mut by_q: Vec<(usize, usize)> = by_q.into_iter().collect();
    by_q.sort_by_key(|q| std::cmp::Reverse(q.1));
    report.note(&format!(
        "The slowest 1% of samples ({top}) come from {} questions; most: {}.",
        by_q.len(),
        by_q.iter()
            .take(5)
            .map(|(k, c)| format!("{} ({c})", questions[*k].id))
            .collect::<Vec<_>>()
            .join(", ")
    ));
}

/// One question through the engine alone: (time, answer, tool calls). The message is trimmed,
/// as `chat::ask` does before the engine sees it.
async fn engine_once(mut tb: Toolbox, message: String) -> (Duration, String, usize) {
    let mut memory = Value::Null;
    let t = Instant::now();
    let text = embedded::answer(&mut tb, &mut memory, &message).await;
    let el = t.elapsed();
    (el, text, tb.calls().len())
}

// ---------------------------------------------------------------- (b) App::chat

fn with_store(
    report: &mut Report,
    app: &App,
    principals: &HashMap<Option<String>, Principal>,
    questions: &[Question],
    rounds: usize,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("current-thread runtime");
    let n = questions.len();
    eprintln!("(b) App::chat: {rounds} rounds of {n} questions ...");
    let d = Disturbance::start();
    let lat = rt.block_on(async {
        let mut lat = Vec::with_capacity(n * rounds);
        for round in 0..=rounds {
            for q in questions {
                let who = principal(principals, q);
                let t = Instant::now();
                let reply = app
                    .chat(who, &q.text, None, Some(EngineKind::Embedded))
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", q.id));
                let el = t.elapsed();
                std::hint::black_box(&reply);
                if round > 0 {
                    lat.push(el);
                }
            }
        }
        lat
    });
    let load = d.describe();
    let p = percentiles(lat);
    report.heading(&format!(
        "(b) `App::chat`, conversation saved: {n} questions x {rounds} rounds"
    ));
    report.note(&format!(
        "Each question opens a new conversation and saves it (SQLite, the data dir's store); \
         current-thread runtime; one untimed warm-up round. During the timed rounds: {load}."
    ));
    report.table(&[
        "what", "samples", "mean", "p50", "p90", "p99", "p99.9", "max",
    ]);
    latency_row(report, "App::chat (embedded)", &p, &[]);
}

// ---------------------------------------------------------------- (c) over HTTP

/// One request: the bearer header and the body.
#[derive(Clone)]
struct Req {
    auth: reqwest::header::HeaderValue,
    body: Bytes,
}

struct Run {
    wall: Duration,
    lat: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
    client_cpu: Duration,
    server_cpu: Duration,
    other: f64,
    steal: f64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.lat.len() as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

fn over_http(
    report: &mut Report,
    server_rt: &tokio::runtime::Runtime,
    app: &App,
    questions: &[Question],
    requests: usize,
    concurrency: &[usize],
) {
    let client_rt = runtime(CLIENT_THREADS);
    let (addr, tokens) = server_rt.block_on(async {
        let mut tokens: HashMap<Option<String>, String> = HashMap::new();
        for (name, _) in warden::demo::PEOPLE {
            let (_, t) = app.people.create_token(name, None).await.expect("token");
            tokens.insert(Some(name.to_owned()), t.secret);
        }
        let (_, t) = app
            .people
            .create_token(OPERATOR, None)
            .await
            .expect("token");
        tokens.insert(None, t.secret);
        (support::server::serve(app.clone()).await, tokens)
    });
    let bearer =
        |t: &str| reqwest::header::HeaderValue::from_str(&format!("Bearer {t}")).expect("header");
    let chat: Arc<Vec<Req>> = Arc::new(
        questions
            .iter()
            .map(|q| Req {
                auth: bearer(&tokens[&q.person]),
                body: Bytes::from(serde_json::to_vec(&json!({"message": q.text})).expect("json")),
            })
            .collect(),
    );
    let check_args = json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"});
    let check: Arc<Vec<Req>> = Arc::new(vec![Req {
        auth: bearer(&tokens[&None]),
        body: Bytes::from(serde_json::to_vec(&check_args).expect("json")),
    }]);
    let chat_url = format!("http://{addr}/v1/chat");
    let check_url = format!("http://{addr}/v1/tools/check_access");

    let endpoints = std::env::var("WARDEN_BENCH_ENDPOINTS").unwrap_or_else(|_| "chat,check".into());
    let mut rows = Vec::new();
    for &c in concurrency {
        if endpoints.contains("chat") {
            eprintln!("(c) C = {c}: POST /v1/chat ...");
            let r = client_rt.block_on(http_run(&chat_url, chat.clone(), c, requests));
            rows.push((c, "POST /v1/chat", r));
        }
        if endpoints.contains("check") {
            eprintln!("(c) C = {c}: POST /v1/tools/check_access ...");
            let r = client_rt.block_on(http_run(&check_url, check.clone(), c, requests));
            rows.push((c, "POST /v1/tools/check_access", r));
        }
    }

    report.heading(&format!(
        "(c) Over loopback: the real server, {requests} requests per row after {} of warm-up",
        (requests / 10).max(1)
    ));
    report.note(&format!(
        "Chat: the {} questions round-robin, each with its person's token (operator questions \
         as an admin person without identities). check_access: `{check_args}` as that admin, \
         every time. Server: `warden::server::serve`, 2 tokio workers; clients: reqwest with \
         keep-alive, 2 other tokio workers, same process. CPU per request: client = the client \
         runtime's threads, server = every other thread of the process (/proc, 10 ms ticks). \
         Other CPU and steal: what the rest of the machine and the hypervisor took, as a share of \
         both cores.",
        questions.len()
    ));
    report.table(&[
        "C",
        "endpoint",
        "requests/s",
        "p50",
        "p90",
        "p99",
        "max",
        "errors",
        "server CPU/req",
        "client CPU/req",
        "other CPU, steal",
    ]);
    for (c, what, r) in &rows {
        let p = percentiles(r.lat.clone());
        let per = |d: Duration| us_ms(d / r.lat.len().max(1) as u32);
        report.row(&[
            c.to_string(),
            (*what).to_owned(),
            format!("{:.0}", r.rate()),
            us_ms(p.p50),
            us_ms(p.p90),
            us_ms(p.p99),
            us_ms(p.max),
            r.errors.to_string(),
            per(r.server_cpu),
            per(r.client_cpu),
            format!("{:.0}%, {:.0}%", r.other, r.steal),
        ]);
    }
    for (c, what, r) in &rows {
        assert_eq!(
            r.errors, 0,
            "C = {c}, {what}: {} errors, the first: {:?}",
            r.errors, r.first_error
        );
    }
    client_rt.shutdown_background();
}

async fn http_run(url: &str, reqs: Arc<Vec<Req>>, c: usize, n: usize) -> Run {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(c * 2)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let url: Arc<str> = url.into();
    let warm = drive(&client, &url, &reqs, c, (n / 10).max(1)).await;
    assert_eq!(
        warm.errors, 0,
        "warm-up requests failed: {:?}",
        warm.first_error
    );
    let client0 = cpu_threads(CLIENT_THREADS);
    let d = Disturbance::start();
    let mut run = drive(&client, &url, &reqs, c, n).await;
    let (other, steal, mine) = d.stop();
    run.client_cpu = cpu_threads(CLIENT_THREADS).saturating_sub(client0);
    run.server_cpu = mine.saturating_sub(run.client_cpu);
    run.other = other;
    run.steal = steal;
    run
}

/// `n` requests from `c` workers, each taking the next request number; request k sends
/// `reqs[k % len]`.
async fn drive(
    client: &reqwest::Client,
    url: &Arc<str>,
    reqs: &Arc<Vec<Req>>,
    c: usize,
    n: usize,
) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..c)
        .map(|_| {
            let (next, client, url, reqs) =
                (next.clone(), client.clone(), url.clone(), reqs.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut errors = 0;
                let mut first_error = None;
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= n {
                        break;
                    }
                    let r = &reqs[k % reqs.len()];
                    let t = Instant::now();
                    let outcome = ask(&client, &url, r).await;
                    lat.push(t.elapsed());
                    if let Err(e) = outcome {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
                (lat, errors, first_error)
            })
        })
        .collect();
    let mut run = Run {
        wall: Duration::ZERO,
        lat: Vec::with_capacity(n),
        errors: 0,
        first_error: None,
        client_cpu: Duration::ZERO,
        server_cpu: Duration::ZERO,
        other: 0.0,
        steal: 0.0,
    };
    for t in tasks {
        let (lat, errors, first_error) = t.await.expect("worker");
        run.lat.extend(lat);
        run.errors += errors;
        if run.first_error.is_none() {
            run.first_error = first_error;
        }
    }
    run.wall = start.elapsed();
    run
}

/// One request; an error unless the status is 2xx and the body is a JSON object.
async fn ask(client: &reqwest::Client, url: &str, r: &Req) -> Result<(), String> {
    let resp = client
        .post(url)
        .header(reqwest::header::AUTHORIZATION, r.auth.clone())
        .header("content-type", "application/json")
        .body(r.body.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(_)) => Ok(()),
        _ => Err(format!(
            "not a JSON object: {}",
            String::from_utf8_lossy(&bytes)
        )),
    }
}

// ---------------------------------------------------------------- (w) the worst messages

/// The goal for one turn of a worst message (w).
const GOAL_WORST_P99: Duration = Duration::from_millis(5);

/// Repeats `unit` (cycling through its variants) until the text has `chars` characters.
fn fill(chars: usize, mut unit: impl FnMut(usize) -> String) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.chars().count() < chars {
        out.push_str(&unit(i));
        i += 1;
    }
    out.chars().take(chars).collect()
}

/// The worst messages we could construct for the engine, each of 4,000 characters.
fn worst() -> Vec<(&'static str, String)> {
    const N: usize = 4_000;
    let letter = |i: usize| (b'a' + (i * 7 % 26) as u8) as char;
    vec![
        (
            "unknown two-letter words",
            fill(N, |i| format!("{}{} ", letter(i), letter(i / 26 + 3))),
        ),
        (
            "unknown five-letter words",
            fill(N, |i| {
                format!(
                    "{}{}{}{}{} ",
                    letter(i),
                    letter(i + 1),
                    letter(i / 3),
                    letter(i / 7),
                    letter(i + 5)
                )
            }),
        ),
        ("one-letter words", fill(N, |i| format!("{} ", letter(i)))),
        (
            "repeated names",
            fill(N, |i| {
                ["maya ", "tom ", "sales.orders ", "analyst ", "Alice Chen "][i % 5].into()
            }),
        ),
        (
            "names between unknown words",
            fill(N, |i| {
                format!(
                    "{} {}{} ",
                    ["maya", "orders", "crm.leads", "tom", "finance"][i % 5],
                    letter(i),
                    letter(i + 11)
                )
            }),
        ),
        (
            "a question, then names",
            format!(
                "does maya have SELECT on sales.orders? {}",
                fill(N - 40, |i| ["maya ", "tom ", "bob ", "carol "][i % 4]
                    .into())
            ),
        ),
        (
            "quotes",
            fill(N, |i| {
                [
                    "\"maya\" ",
                    "'tom' ",
                    "\u{201C}sales.orders\u{201D} ",
                    "`crm.leads` ",
                    "\u{2018}x\u{2019} ",
                ][i % 5]
                    .into()
            }),
        ),
        (
            "durations",
            fill(N, |i| {
                ["for 2 weeks ", "14d ", "a couple of days ", "for the day "][i % 4].into()
            }),
        ),
        (
            "a request with many reasons",
            format!(
                "I need read on sales.orders {}",
                fill(N - 30, |i| {
                    [
                        "for the board ",
                        "because of the close ",
                        "so that we ",
                        "to fix ",
                    ][i % 4]
                        .into()
                })
            ),
        ),
        (
            "typos of verbs",
            fill(N, |i| {
                ["selct ", "qurey ", "updte ", "insrt ", "delet ", "acess "][i % 6].into()
            }),
        ),
        ("one long word", "m".repeat(N)),
        (
            "hostile Unicode",
            fill(N, |i| {
                [
                    "maya\u{2019}s ",
                    "\u{130} because \u{E9}\u{E9} ",
                    "e\u{301}\u{302} ",
                    "\u{1F469}\u{200D}\u{1F4BB} ",
                    "\u{202E}x\u{202C} ",
                    "\u{200B}a ",
                ][i % 6]
                    .into()
            }),
        ),
        ("look at", fill(N, |_| "look at ".into())),
    ]
}

fn worst_messages(
    report: &mut Report,
    app: &App,
    principals: &HashMap<Option<String>, Principal>,
    rounds: usize,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("current-thread runtime");
    let access = app.access.load();
    let maya = principals
        .get(&Some("maya".to_owned()))
        .expect("maya")
        .clone();
    let messages = worst();
    eprintln!(
        "(w) worst messages: {rounds} rounds of {} messages ...",
        messages.len()
    );
    let once = |text: &str| {
        engine_once(
            Toolbox::new(
                access.clone(),
                app.requests.clone(),
                maya.clone(),
                EngineKind::Embedded,
            ),
            text.trim().to_owned(),
        )
    };
    // Untimed: warms up, and counts the tool calls of each.
    let calls: Vec<usize> = rt.block_on(async {
        let mut calls = Vec::new();
        for (_, text) in &messages {
            calls.push(once(text).await.2);
        }
        calls
    });
    let d = Disturbance::start();
    let per_message = rt.block_on(async {
        let mut per: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); messages.len()];
        for _ in 0..rounds {
            for (k, (_, text)) in messages.iter().enumerate() {
                let (el, answer, _) = once(text).await;
                std::hint::black_box(&answer);
                per[k].push(el);
            }
        }
        per
    });
    let load = d.describe();
    report.heading(&format!(
        "(w) The worst messages: `embedded::answer`, {} messages of 4,000 characters x {rounds} rounds",
        messages.len()
    ));
    report.note(&format!(
        "Each as maya, a fresh memory and `Toolbox` per turn, current-thread runtime (the \
         reading runs on tokio's blocking pool), one untimed round first. During the timed \
         rounds: {load}."
    ));
    report.table(&[
        "message",
        "chars",
        "tool calls",
        "samples",
        "mean",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "goal",
    ]);
    let goal = |p: &Percentiles| {
        let met = if p.p99 <= GOAL_WORST_P99 {
            "met"
        } else {
            "MISSED"
        };
        format!("p99 <= {}: {met}", us_ms(GOAL_WORST_P99))
    };
    for (k, (what, text)) in messages.iter().enumerate() {
        let p = percentiles(per_message[k].clone());
        let mut cells = vec![
            (*what).to_owned(),
            text.chars().count().to_string(),
            calls[k].to_string(),
        ];
        cells.extend(p.cells(us_ms));
        cells.push(goal(&p));
        report.row(&cells);
    }
    let all = percentiles(per_message.into_iter().flatten().collect());
    let mut cells = vec![
        "all of them".into(),
        String::new(),
        calls.iter().sum::<usize>().to_string(),
    ];
    cells.extend(all.cells(us_ms));
    cells.push(goal(&all));
    report.row(&cells);
}
