//! `GET /metrics` read by a real Prometheus: Debian's `prometheus` scrapes a `warden serve` on
//! loopback, and every value is read back through Prometheus's query API and compared with what
//! the test did (tool calls by caller and outcome, HTTP requests by route, a chat turn, requests
//! by state, the audit chain's length, each connection's last sync and its failures). The
//! classic text format also passes `promtool check metrics`.

use crate::binary::{Launch, demo_dir, run};
use crate::pg::PgCluster;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's `prometheus` and `promtool`, or why they are missing.
fn programs() -> Result<(PathBuf, PathBuf), String> {
    let find = |name: &str| {
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .map(|d| d.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| format!("no `{name}` on PATH"))
    };
    Ok((find("prometheus")?, find("promtool")?))
}

/// The programs; their absence fails the test with the one command that installs them (as
/// .ci/run does when they are missing).
fn prometheus_or_fail() -> (PathBuf, PathBuf) {
    programs().unwrap_or_else(|why| {
        panic!("{why}: install Prometheus with `apt-get install -y prometheus`")
    })
}

/// A Prometheus server scraping `target` every second, killed when dropped.
struct Prometheus {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(binary: &Path, target: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: warden\n    metrics_path: /metrics\n    \
                 static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let port = crate::common::free_port();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
            .spawn()
            .unwrap();
        Prometheus {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    /// The value of an instant query with one series, if Prometheus has it.
    async fn value(&self, query: &str) -> Option<f64> {
        let r = reqwest::Client::new()
            .get(format!("{}/api/v1/query", self.base))
            .query(&[("query", query)])
            .send()
            .await
            .ok()?;
        let doc: Value = r.json().await.ok()?;
        let result = doc["data"]["result"].as_array()?;
        assert!(result.len() <= 1, "{query}: {doc}");
        result.first()?["value"][1].as_str()?.parse().ok()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["--json", "token", "create"];
    all.extend_from_slice(args);
    let (code, out, err) = run(dir, &all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Value>(&out).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_reads_what_warden_did() {
    let (prometheus, promtool) = prometheus_or_fail();
    let pg = PgCluster::start();
    let dir = demo_dir();
    let d = dir.path();
    // One connection that syncs, one that cannot (nothing listens on port 1).
    std::fs::write(
        d.join("warden.toml"),
        format!(
            "[[connections]]\nname = \"live\"\nplatform = \"postgres\"\nurl = \"{}\"\n\n\
             [[connections]]\nname = \"down\"\nplatform = \"postgres\"\n\
             url = \"postgres://nobody@127.0.0.1:1/none\"\n",
            pg.url_for("postgres")
        ),
    )
    .unwrap();
    let before_sync = chrono::Utc::now().timestamp() as f64;
    for _ in 0..2 {
        let (code, _, err) = run(d, &["sync"]);
        assert_eq!(code, 3, "one connection fails: {err}");
    }
    let after_sync = chrono::Utc::now().timestamp() as f64 + 1.0;
    for (name, role) in [("maya", "requester"), ("carol", "reviewer")] {
        let email = format!("{name}@acme.test");
        let (code, _, err) = run(d, &["user", "add", name, "--role", role, "--email", &email]);
        assert_eq!(code, 0, "{err}");
    }
    let person = token(d, &["maya"]);
    let agent = token(d, &["maya", "--agent", "etl-bot"]);

    let server = Launch::serve(d).start();
    let http = reqwest::Client::new();
    let post = |token: &str, path: &str, body: Value| {
        http.post(format!("{}{path}", server.base))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let check = json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"});
    for (token, times) in [(&person, 3), (&agent, 2)] {
        for _ in 0..times {
            let r = post(token, "/v1/tools/check_access", check.clone())
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
    }
    // A name that resolves to nobody: counted with its error's code.
    let nobody = json!({"identity": "zorro", "privilege": "SELECT", "resource": "crm.leads"});
    let r = post(&agent, "/v1/tools/check_access", nobody)
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body = json!({"resources": ["crm.leads"], "privileges": ["INSERT"]});
    let r = post(&person, "/v1/requests", body).await.unwrap();
    assert_eq!(r.status(), 201);
    let r = post(
        &person,
        "/v1/chat",
        json!({"message": "can I read crm.leads?"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let reply: Value = r.json().await.unwrap();
    let chat_calls = reply["tool_calls"].as_array().unwrap().len() as f64;
    assert!(chat_calls >= 1.0, "{reply}");

    // What the store says, read independently of the metrics.
    let (code, out, _) = run(d, &["--json", "audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    let audited = serde_json::from_str::<Value>(&out).unwrap()["events"]
        .as_f64()
        .unwrap();

    let prom = Prometheus::start(&prometheus, &server.addr);
    let expected: Vec<(&str, f64)> = vec![
        (r#"up{job="warden"}"#, 1.0),
        (
            r#"warden_tool_calls_total{tool="check_access",caller="person",outcome="ok"}"#,
            3.0,
        ),
        (
            r#"warden_tool_calls_total{tool="check_access",caller="agent",outcome="ok"}"#,
            2.0,
        ),
        (
            r#"warden_tool_calls_total{tool="check_access",caller="agent",outcome="not_found"}"#,
            1.0,
        ),
        (
            r#"warden_http_requests_total{route="/v1/tools/{name}",method="POST",status="200"}"#,
            5.0,
        ),
        (
            r#"warden_http_request_duration_seconds_count{route="/v1/tools/{name}",method="POST"}"#,
            6.0,
        ),
        (
            r#"warden_http_requests_total{route="/v1/requests",method="POST",status="201"}"#,
            1.0,
        ),
        (
            r#"warden_chat_turns_total{engine="embedded",outcome="ok"}"#,
            1.0,
        ),
        (r#"sum(warden_tool_calls_total{caller="chat"})"#, chat_calls),
        (r#"warden_requests{state="open"}"#, 1.0),
        (r#"warden_requests{state="active"}"#, 0.0),
        (r#"warden_jobs{state="due"}"#, 0.0),
        ("warden_drift_open", 0.0),
        ("warden_audit_events", audited),
        ("warden_store_readable", 1.0),
        (r#"warden_sync_failures_in_a_row{connection="down"}"#, 2.0),
        (r#"warden_sync_failures_in_a_row{connection="live"}"#, 0.0),
        (
            r#"warden_sync_last_success_timestamp_seconds{connection="down"}"#,
            f64::NAN,
        ),
    ];
    // Prometheus scrapes every second: wait (bounded) until a scrape has seen it all.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut wrong = Vec::new();
        for (query, want) in &expected {
            let got = prom.value(query).await;
            let ok = match got {
                None => want.is_nan(),
                Some(v) => v == *want,
            };
            if !ok {
                wrong.push(format!("{query}: {got:?}, want {want}"));
            }
        }
        if wrong.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "after 60 s: {wrong:#?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let synced = prom
        .value(r#"warden_sync_last_success_timestamp_seconds{connection="live"}"#)
        .await
        .unwrap();
    assert!(
        (before_sync..=after_sync).contains(&synced),
        "{before_sync} <= {synced} <= {after_sync}"
    );
    let took = prom
        .value(r#"warden_sync_last_success_duration_seconds{connection="live"}"#)
        .await
        .unwrap();
    assert!(took > 0.0 && took < after_sync - before_sync, "{took}");

    // The classic text format, for scrapers that do not ask for OpenMetrics, passes promtool.
    let classic = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (code, out, err) = crate::binary::output(
        Command::new(promtool).args(["check", "metrics"]),
        Some(classic.as_bytes()),
    );
    assert_eq!(code, 0, "{out}{err}\n{classic}");
    assert!(classic.contains("warden_tool_calls_total{"), "{classic}");
}

/// A method is the caller's word: any but the standard ones is counted as `other`, so that
/// made-up methods cannot grow the scrape (each label value is a series kept for good).
#[tokio::test]
async fn made_up_methods_and_paths_do_not_become_label_values() {
    let s = crate::server::TestServer::start().await;
    for i in 0..5 {
        let method = reqwest::Method::from_bytes(format!("FOO{i}").as_bytes()).unwrap();
        let r = s
            .client
            .request(method, format!("{}/no/such/path/{i}", s.base))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error());
    }
    let text = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("FOO") && !text.contains("/no/such"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("warden_http_requests_total{") && l.contains("method=\"other\""))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("route=\"unmatched\"") && line.ends_with(" 5"),
        "{line}"
    );
}
