//! The README's first command: `warden demo` serves the demo organisation, and its documented
//! answers (src/demo/QUESTIONS.md) hold over HTTP.

use crate::binary::{Launch, Server, command};
use crate::common::{caveat_codes, path_texts};
use serde_json::{Value, json};

/// A `warden demo` process, killed when dropped.
struct Demo {
    server: Server,
    /// The printed tokens by person (`maya`) or `maya via helpdesk-bot`.
    tokens: std::collections::BTreeMap<String, String>,
}

fn start_demo(dir: &std::path::Path) -> Demo {
    let server = Launch::demo(dir).start();
    // Its own config, every setting commented, which reads back as the defaults.
    let config = std::fs::read_to_string(dir.join("warden.toml")).unwrap();
    assert!(config.contains("# [[connections]]"), "{config}");
    let mut tokens = std::collections::BTreeMap::new();
    for line in &server.banner {
        if let Some(rest) = line.trim().strip_prefix("token ")
            && let Some((who, token)) = rest.rsplit_once(": ")
        {
            let who = who
                .split(" (")
                .next()
                .unwrap()
                .replace(" via agent ", " via ");
            tokens.insert(who, token.to_owned());
        }
    }
    Demo { server, tokens }
}

async fn ask(demo: &Demo, tool: &str, args: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}/v1/tools/{tool}", demo.server.base))
        .bearer_auth(&demo.tokens["maya"])
        .json(&args)
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

#[tokio::test]
async fn demo_serves_documented_answers() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(&dir.path().join("demo"));
    let health: Value = reqwest::get(format!("{}/healthz", demo.server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["connections"], 4);
    // A token for each demo person and the agent, each distinct.
    let people: Vec<&str> = demo.tokens.keys().map(String::as_str).collect();
    assert_eq!(
        people,
        [
            "alice",
            "carol",
            "maya",
            "maya via helpdesk-bot",
            "priya",
            "tom",
            "victor"
        ]
    );
    let distinct: std::collections::BTreeSet<&String> = demo.tokens.values().collect();
    assert_eq!(distinct.len(), people.len());
    // Without a token the API answers 401.
    let r = reqwest::Client::new()
        .post(format!("{}/v1/tools/check_access", demo.server.base))
        .json(&json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let cases = [
        (
            json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"}),
            true,
            vec!["maya → sales_ops → crm_read → SELECT on prod.crm.leads"],
            vec![],
        ),
        (
            json!({"identity": "tom", "privilege": "SELECT", "resource": "crm.leads"}),
            false,
            vec![],
            vec!["not_inherited"],
        ),
        (
            json!({"identity": "priya", "privilege": "SELECT", "resource": "people.salaries"}),
            true,
            vec!["priya → people_admin → owner of prod.people.salaries"],
            vec![],
        ),
        (
            json!({"identity": "olivia", "privilege": "SELECT", "resource": "finance.invoices"}),
            true,
            vec!["olivia → SELECT on prod.finance.invoices"],
            vec!["no_schema_usage"],
        ),
        (
            json!({"identity": "root", "privilege": "SELECT", "resource": "the payroll table"}),
            true,
            vec!["root → superuser"],
            vec![],
        ),
        (
            json!({"identity": "ALICE", "privilege": "SELECT", "resource": "core.customers"}),
            true,
            vec!["ALICE → TRANSFORMER → OWNERSHIP on ANALYTICS.CORE.CUSTOMERS"],
            vec![],
        ),
        (
            json!({"identity": "achen@acme.test", "privilege": "SELECT", "resource": "finance.revenue_daily"}),
            true,
            vec![
                "achen@acme.test → analysts@acme.test → data-team@acme.test → roles/bigquery.dataViewer on acme-prod",
            ],
            vec![],
        ),
        (
            json!({"identity": "tom", "privilege": "SELECT", "resource": "redshift_dw:sales.orders"}),
            true,
            vec!["tom → sales_team → SELECT on dw.sales.orders"],
            vec![],
        ),
    ];
    for (args, allowed, paths, caveats) in cases {
        let r = ask(&demo, "check_access", args.clone()).await;
        assert_eq!(r["allowed"], allowed, "{args}: {r}");
        assert_eq!(path_texts(&r), paths, "{args}");
        assert_eq!(caveat_codes(&r), caveats, "{args}");
    }

    let r = ask(
        &demo,
        "who_has_access",
        json!({"resource": "people.salaries", "privilege": "SELECT"}),
    )
    .await;
    let mut names: Vec<&str> = r["grantees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["identity"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "auditor",
            "people_admin",
            "pg_read_all_data",
            "priya",
            "root"
        ]
    );
}

/// The request flow the demo prints: maya asks, priya (a reviewer) approves, victor (an admin)
/// marks it granted by hand, since the demo's platforms are snapshots.
#[tokio::test]
async fn demo_runs_a_request_from_ask_to_active() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(&dir.path().join("demo"));
    let client = reqwest::Client::new();
    let post = |who: &str, path: String, body: Value| {
        client
            .post(format!("{}{path}", demo.server.base))
            .bearer_auth(&demo.tokens[who])
            .json(&body)
            .send()
    };
    let body = json!({"resources": ["billing.refunds"], "privileges": ["SELECT"], "duration": "7d", "reason": "refund audit"});
    let r = post("maya", "/v1/requests".into(), body).await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let req: Value = r.json().await.unwrap();
    let id = req["id"].as_str().unwrap();
    let r = post("priya", format!("/v1/requests/{id}/approve"), json!({}))
        .await
        .unwrap();
    let approved: Value = r.json().await.unwrap();
    assert_eq!(
        (approved["status"].as_str(), approved["manual"].as_bool()),
        (Some("approved"), Some(true)),
        "{approved}"
    );
    let r = post(
        "victor",
        format!("/v1/requests/{id}/provisioned"),
        json!({}),
    )
    .await
    .unwrap();
    let active: Value = r.json().await.unwrap();
    assert_eq!(active["status"], "active", "{active}");
}

#[test]
fn demo_refuses_a_non_empty_data_dir_without_reset() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("something"), "x").unwrap();
    let out = command()
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--reset"));
    assert!(dir.path().join("something").exists(), "nothing was removed");
}

/// The demo prints a one-click sign-in link per person (not their token): each opens the
/// dashboard as that person, once.
#[tokio::test]
async fn demo_prints_one_time_sign_in_links_for_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(&dir.path().join("demo"));
    let links: Vec<(String, String)> = demo
        .server
        .banner
        .iter()
        .filter_map(|l| {
            let (who, url) = l.trim().split_once(": ")?;
            url.contains("/login/link/")
                .then(|| (who.split(' ').next().unwrap().to_string(), url.to_string()))
        })
        .collect();
    let names: Vec<&str> = links.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(names, ["alice", "maya", "tom", "carol", "priya", "victor"]);
    for (who, url) in &links {
        assert!(url.starts_with(&demo.server.base), "{url}");
        assert!(
            !demo.tokens.values().any(|t| url.contains(t.as_str())),
            "a link never carries the token"
        );
        let mut v = crate::pages::Visitor::new(&demo.server.base);
        let first = v.get(&url[demo.server.base.len()..]).await;
        assert_eq!(first.status, 303, "{who}: {}", first.body);
        let page = v.get("/requests").await;
        assert!(page.body.contains(who.as_str()), "signed in as {who}");
        let mut again = crate::pages::Visitor::new(&demo.server.base);
        assert_eq!(again.get(&url[demo.server.base.len()..]).await.status, 401);
    }
}
