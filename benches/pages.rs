//! The dashboard's pages at scale (BENCHMARKS.md, "Pages"). A plain program: it prints what it
//! measures, as Markdown on stdout, and ends.
//!
//! `cargo bench --bench pages`. Knobs:
//! - `WARDEN_BENCH_TIER`: `S` or `M` (default `M`: 50,000 users, 5,000 roles, 200,000 tables,
//!   2,000,000 grants).
//! - `WARDEN_BENCH_REQUESTS`: requests in the store (default 10,000).
//! - `WARDEN_BENCH_VIEWS`: timed views of each page (default 300).
//!
//! The real server (`warden::server::serve` on 127.0.0.1:0, 2 tokio workers) over a SQLite store
//! holding the tier and the requests (created through the request service by 200 people linked
//! by email to the tier's users; a fifth denied). One reviewer, signed in with a session cookie
//! as a browser would be, views each page one after another; the time is from sending the
//! request to the last byte of the page, on loopback, so it bounds the server's own time from
//! above.
// A benchmark stops at the first thing it cannot measure: unwrap is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};
use support::knobs::env_usize;
use support::percentiles::percentiles;
use support::report::ms;
use support::runtime::{CLIENT_THREADS, SERVER_THREADS, runtime};
use warden::app::App;
use warden::people::{Principal, Role};
use warden::requests::NewRequest;
use warden::synth::{self, Tier};

const SEED: u64 = 7;
const REQUESTERS: usize = 200;

fn main() {
    let tier_name = std::env::var("WARDEN_BENCH_TIER").unwrap_or_else(|_| "M".into());
    let tier = Tier::parse(&tier_name).expect("WARDEN_BENCH_TIER is S or M");
    let requests = env_usize("WARDEN_BENCH_REQUESTS", 10_000).max(1);
    let views = env_usize("WARDEN_BENCH_VIEWS", 300).max(1);
    let dir = tempfile::tempdir().unwrap();
    let server = runtime(SERVER_THREADS);
    let t0 = Instant::now();
    let (app, fixture) = server.block_on(setup(dir.path(), tier, requests));
    eprintln!("setup in {:.1?}", t0.elapsed());
    let addr = server.block_on(support::server::serve(app));
    let base = format!("http://{addr}");
    let clients = runtime(CLIENT_THREADS);
    let pages = [
        (
            "`/requests` (first page, newest first)",
            "/requests".to_string(),
        ),
        (
            "`/requests?status=open` (filtered, first page)",
            "/requests?status=open".to_string(),
        ),
        (
            "`/requests?status=denied&requester=…` (filtered by both)",
            format!("/requests?status=denied&requester={}", fixture.requester),
        ),
        (
            "`/requests?resource=…` (filtered by resource)",
            format!("/requests?resource={}", fixture.resource),
        ),
        (
            "`/requests?…&cursor=…` (a page deep in the list)",
            format!("/requests?cursor={}", fixture.deep_cursor),
        ),
        (
            "`/requests/{id}` (a request with the requester's access and paths)",
            format!("/requests/{}", fixture.request_id),
        ),
        (
            "`/identities/{connection}/{name}` (the identity holding the fewest, of 2,000 users)",
            format!("/identities/gen/{}", fixture.identities[0].0),
        ),
        (
            "`/identities/{connection}/{name}` (the identity holding the most, of 2,000 users)",
            format!("/identities/gen/{}", fixture.identities[1].0),
        ),
    ];
    println!("## Pages\n");
    println!(
        "Tier {tier_name} ({} grants), {requests} requests in a SQLite store; one signed-in reviewer \
         viewing each page {views} times in a row; 2 cores, server and client in one process, \
         loopback. The identities viewed are `{}` (holding {} privileges) and `{}` ({}).\n",
        fixture.grants,
        fixture.identities[0].0,
        fixture.identities[0].1,
        fixture.identities[1].0,
        fixture.identities[1].1
    );
    println!("| page | status | bytes | p50 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    for (label, path) in pages {
        let (status, bytes, times) = clients.block_on(view(&base, &fixture.cookie, &path, views));
        let p = percentiles(times);
        println!(
            "| {label} | {status} | {bytes} | {} | {} | {} |",
            ms(p.p50),
            ms(p.p99),
            ms(p.max)
        );
    }
}

/// What the pages are asked about.
struct Fixture {
    grants: usize,
    cookie: String,
    requester: String,
    resource: String,
    deep_cursor: String,
    request_id: String,
    /// (name, privileges held): the fewest and the most seen.
    identities: [(String, usize); 2],
}

async fn setup(dir: &std::path::Path, tier: Tier, n: usize) -> (App, Fixture) {
    let mut text = Vec::new();
    synth::write(tier, SEED, &mut text).unwrap();
    let connections = warden::snapshot::parse_reader(&text[..]).unwrap();
    drop(text);
    let app = App::open(dir).await.unwrap();
    app.import(connections).await.unwrap();
    let access = app.access.load();
    let grants = access.graph.grant_count();
    eprintln!("imported {grants} grants");
    let reviewer = app
        .people
        .add_person("rita", Role::Reviewer, Some("rita@acme.test"))
        .await
        .unwrap();
    let mut people = Vec::new();
    for i in 0..REQUESTERS {
        let name = synth::user_name(i * 7);
        let p = app
            .people
            .add_person(&name, Role::Requester, Some(&format!("{name}@gen.test")))
            .await
            .unwrap();
        people.push(Principal::person(p));
    }
    let reviewer = Principal::person(reviewer);
    let mut ids = Vec::with_capacity(n);
    let mut k = 0;
    while ids.len() < n {
        let batch: Vec<_> = (0..16.min(n - ids.len()))
            .map(|_| {
                k += 1;
                let who = people[k % REQUESTERS].clone();
                let input = NewRequest {
                    resources: vec![synth::table_name((k * 37) % tier.tables)],
                    privileges: vec!["SELECT".into()],
                    roles: vec![],
                    reason: Some(format!("report #{k}")),
                    duration: Some("7d".into()),
                    connection: Some("gen".into()),
                };
                let app = app.clone();
                let access = access.clone();
                async move { app.requests.create(&access, &who, input, None).await }
            })
            .collect();
        for r in futures_util::future::join_all(batch).await {
            ids.push(r.unwrap().id);
        }
        if ids.len() % 2000 == 0 {
            eprintln!("{} requests", ids.len());
        }
    }
    for id in ids.iter().step_by(5) {
        app.requests
            .deny(&reviewer, id, Some("not this quarter".into()))
            .await
            .unwrap();
    }
    let (_, token) = app.people.create_token("rita", None).await.unwrap();
    let session = app
        .people
        .sign_in_with_token(&token.secret)
        .await
        .unwrap()
        .unwrap();
    let (_, cursor) = app
        .requests
        .list(&reviewer, None, None, None, None, 500)
        .await
        .unwrap();
    let [near, most] = identities_to_view(&access);
    let fixture = Fixture {
        grants,
        cookie: format!("warden_session={}", session.secret),
        requester: synth::user_name(7),
        resource: synth::table_name(37),
        deep_cursor: cursor.unwrap_or_default(),
        request_id: ids[n / 2].clone(),
        identities: [near, most],
    };
    drop(access);
    (app, fixture)
}

/// Users looked at to pick the identities viewed.
const SCANNED: usize = 2_000;

/// Two identities for the identity page, neither a superuser (whose access is one `*` line):
/// the one holding the fewest privileges and the one holding the most among the first
/// [`SCANNED`] users. (The case is an identity with about 1,000: at tier M there is none,
/// since PUBLIC's 20,000 grants alone give every identity about 20,000, so the fewest is the
/// nearest there is, and bounds that case from above.) Counting costs a walk, not rendered paths
/// (`list_access_page` with an empty page).
fn identities_to_view(access: &warden::access::Access) -> [(String, usize); 2] {
    let (_, g) = access.graph.connection("gen").unwrap();
    let mut fewest = (String::new(), usize::MAX);
    let mut most = (String::new(), 0);
    for (i, ident) in g.identities.iter().enumerate().take(SCANNED) {
        let found = g.list_access_page(warden::model::IdentityId::new(i as u32), 0, 0);
        if found.superuser {
            continue;
        }
        let n = found.total;
        if n < fewest.1 {
            fewest = (ident.name.clone(), n);
        }
        if n > most.1 {
            most = (ident.name.clone(), n);
        }
    }
    eprintln!("viewing {fewest:?} and {most:?}");
    [fewest, most]
}

async fn view(base: &str, cookie: &str, path: &str, n: usize) -> (u16, usize, Vec<Duration>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("{base}{path}");
    let mut times = Vec::with_capacity(n);
    let mut last = (0, 0);
    for i in 0..n + 10 {
        let t = Instant::now();
        let resp = client
            .get(&url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap();
        // The first ten warm the caches and are not counted.
        if i >= 10 {
            times.push(t.elapsed());
        }
        last = (status, body.len());
    }
    (last.0, last.1, times)
}
