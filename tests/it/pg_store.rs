//! The real binary on a PostgreSQL store (`--database-url`): import, people and tokens through
//! the CLI, two `warden serve` processes answering from the same database and both following
//! a later import, and the one-line errors for a bad or unreachable URL.

use crate::binary::{Launch, Server, command, output};
use crate::store::fresh_database;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// A password that must never reach the output.
const PASSWORD: &str = "s3cret-pw";

/// Runs `warden ARGS…` with `envs`, returning (status, stdout, stderr).
fn warden(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    output(command().args(args).envs(envs.iter().copied()), None)
}

/// `warden --data-dir DIR --database-url URL ARGS…`, which must succeed; its stdout.
fn warden_ok(dir: &Path, url: &str, args: &[&str]) -> String {
    let dir = dir.to_str().unwrap();
    let mut all = vec!["--data-dir", dir, "--database-url", url];
    all.extend_from_slice(args);
    let (status, stdout, stderr) = warden(&all, &[]);
    assert_eq!(status, 0, "warden {args:?}: {stderr}{stdout}");
    stdout
}

/// Starts `warden serve` on a free port, with the URL from the environment this time.
fn serve(dir: &Path, url: &str) -> Server {
    Launch::serve(dir).env("WARDEN_DATABASE_URL", url).start()
}

/// Whether `maya` may SELECT `crm.leads`, asked over HTTP.
async fn maya_reads_leads(server: &Server, token: &str) -> bool {
    let r = reqwest::Client::new()
        .post(format!("{}/v1/tools/check_access", server.base))
        .bearer_auth(token)
        .json(
            &json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads",
                      "connection": "warehouse"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    body["allowed"].as_bool().unwrap()
}

#[tokio::test]
async fn two_servers_answer_from_one_postgres_store() {
    let pg = fresh_database().await;
    let url = &pg.url;
    let work = tempfile::tempdir().unwrap();
    // Data dirs that hold no store: everything below comes from the database.
    let (cli_dir, dir_a, dir_b) = (
        work.path().join("cli"),
        work.path().join("a"),
        work.path().join("b"),
    );
    let demo = work.path().join("acme.json");
    std::fs::write(&demo, warden::demo::SNAPSHOT).unwrap();

    let out = warden_ok(&cli_dir, url, &["--json", "import", demo.to_str().unwrap()]);
    let imported: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(imported["imported"].as_array().unwrap().len(), 4);
    warden_ok(&cli_dir, url, &["user", "add", "Admin", "--role", "admin"]);
    let token: Value = serde_json::from_str(&warden_ok(
        &cli_dir,
        url,
        &["--json", "token", "create", "admin"],
    ))
    .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let (status, _, stderr) = warden(
        &[
            "--data-dir",
            cli_dir.to_str().unwrap(),
            "check",
            "maya",
            "SELECT",
            "crm.leads",
        ],
        &[("WARDEN_DATABASE_URL", url.as_str())],
    );
    assert_eq!(status, 0, "check from the command line: {stderr}");

    let a = serve(&dir_a, url);
    let b = serve(&dir_b, url);
    assert!(maya_reads_leads(&a, &token).await, "server a");
    assert!(
        maya_reads_leads(&b, &token).await,
        "server b: same data, same token"
    );

    // A new warehouse snapshot without maya's grant: both servers follow it.
    let warehouse = work.path().join("warehouse.json");
    let doc = json!({"version": 1, "connections": [{
        "name": "warehouse", "platform": "postgres",
        "identities": [{"name": "maya", "kind": "user", "email": "maya@acme.test"}],
        "resources": [{"kind": "table", "name": "prod.crm.leads"}],
        "grants": []
    }]});
    std::fs::write(&warehouse, doc.to_string()).unwrap();
    warden_ok(&cli_dir, url, &["import", warehouse.to_str().unwrap()]);
    for (name, server) in [("a", &a), ("b", &b)] {
        let deadline = Instant::now() + Duration::from_secs(20);
        while maya_reads_leads(server, &token).await {
            assert!(
                Instant::now() < deadline,
                "server {name} kept the old graph"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    for dir in [&cli_dir, &dir_a, &dir_b] {
        assert!(!dir.join("warden.db").exists(), "no SQLite store was made");
    }
}

#[tokio::test]
async fn bad_database_urls_fail_in_one_line_without_the_password() {
    let pg = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().to_str().unwrap();
    // Nothing listens on a port just freed.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free_port = free.local_addr().unwrap().port();
    drop(free);
    let port = pg.cluster.port;
    let cases = [
        // (url, exit status, what the message names)
        (
            format!("postgres://warden:{PASSWORD}@127.0.0.1:notaport/db"),
            2,
            "--database-url",
        ),
        (
            format!("mysql://warden:{PASSWORD}@127.0.0.1/db"),
            2,
            "--database-url",
        ),
        (
            format!("postgres://warden:{PASSWORD}@127.0.0.1:{free_port}/db"),
            3,
            "127.0.0.1:",
        ),
        (
            format!("postgres://warden:{PASSWORD}@127.0.0.1:{port}/missing_db"),
            3,
            "missing_db",
        ),
    ];
    for (url, want, names) in &cases {
        for args in [
            &["user", "list"][..],
            &["check", "maya", "SELECT", "crm.leads"],
        ] {
            let mut all = vec!["--data-dir", dir, "--database-url", url];
            all.extend_from_slice(args);
            let (status, stdout, stderr) = warden(&all, &[]);
            assert_eq!(status, *want, "{url} {args:?}: {stderr}");
            assert!(stdout.is_empty(), "{stdout}");
            // One line, and nothing beside it (no log line repeating the failure).
            let errors: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(errors.len(), 1, "one line on stderr: {stderr}");
            assert!(errors[0].starts_with("error: "), "{stderr}");
            assert!(errors[0].contains(names), "{stderr}");
            assert!(!stderr.contains(PASSWORD), "the password leaked: {stderr}");
        }
        // The JSON error document says the same, and also keeps the password out.
        let (status, stdout, _) = warden(
            &["--json", "--data-dir", dir, "user", "list"],
            &[("WARDEN_DATABASE_URL", url.as_str())],
        );
        assert_eq!(status, *want);
        let doc: Value = serde_json::from_str(&stdout).unwrap();
        let code = if *want == 2 {
            "invalid_argument"
        } else {
            "unavailable"
        };
        assert_eq!(doc["error"]["code"], code, "{stdout}");
        assert!(!stdout.contains(PASSWORD));
    }
    // Help shows that the variable is read, never its value.
    let (_, help, _) = warden(&["--help"], &[("WARDEN_DATABASE_URL", cases[2].0.as_str())]);
    assert!(
        help.contains("--database-url") && !help.contains(PASSWORD),
        "{help}"
    );
    // The demo keeps its own store and says so.
    let (status, _, stderr) = warden(&["demo", "--database-url", &pg.url], &[]);
    assert_eq!(status, 2, "{stderr}");
}

/// A server on a PostgreSQL store learns of another server's import by LISTEN/NOTIFY: it
/// rebuilds long before its safety-net poll (30 s) would have noticed.
#[tokio::test]
async fn an_import_on_one_server_is_announced_to_the_others() {
    let db = fresh_database().await;
    let open = |dir: &Path| {
        let mut config = warden::config::Config::default();
        config.database_url = Some(warden::config::Secret::new(db.url.clone()));
        let dir = dir.to_path_buf();
        async move { warden::app::App::open_with(&dir, config).await.unwrap() }
    };
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = open(d1.path()).await;
    let second = open(d2.path()).await;
    let listener = second.store.listener().await;
    assert!(listener.is_some(), "a PostgreSQL store listens");
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let watching = tokio::spawn(second.clone().follow(listener, stop));
    let generation = first
        .import(warden::demo::connections().unwrap())
        .await
        .unwrap();
    let start = Instant::now();
    while second.generation() != generation {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the second server did not hear of the import"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        second.access.load().graph.grant_count() > 0,
        "and rebuilt its graph"
    );
    watching.abort();
}
