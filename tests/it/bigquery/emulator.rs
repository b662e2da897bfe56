//! Dataset access entries against a real BigQuery emulator: PyPI's `bqemulator` (REST at
//! `/bigquery/v2`, datasets with their `access` lists and etags). A role granted and revoked by
//! the provisioner leaves every other entry, an authorized view among them, as it was, and the
//! receipt is read back from the emulator. (The emulator serves no IAM policies and ignores
//! `If-Match`: tables, the project and conflicts are the Google fake's, in provision.rs.)
//!
//! The emulator is found in `WARDEN_BQEMULATOR_CACHE` (`.ci/run` installs it and sets it).
//! Outside CI, without it, the test says why and passes; with `CI` set, a missing one fails it.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use warden::config::{ConnectionConfig, Secret};
use warden::connectors::Change;
use warden::connectors::provisioner::Provisioner;
use warden::model::Platform;

fn cache() -> Result<PathBuf, String> {
    let cache = std::env::var_os("WARDEN_BQEMULATOR_CACHE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or("WARDEN_BQEMULATOR_CACHE is not set")?;
    if cache.join("venv/bin/bqemulator").exists() {
        Ok(cache)
    } else {
        Err(format!("no bqemulator in {}", cache.display()))
    }
}

/// The emulator, stopped when dropped.
struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(cache: &std::path::Path) -> Emulator {
    let (rest, grpc) = (crate::common::free_port(), crate::common::free_port());
    let child = Command::new(cache.join("venv/bin/bqemulator"))
        .args([
            "start",
            "--rest-host",
            "127.0.0.1",
            "--grpc-host",
            "127.0.0.1",
        ])
        .args([
            "--rest-port",
            &rest.to_string(),
            "--grpc-port",
            &grpc.to_string(),
        ])
        .args(["--project", "p1"])
        // DuckDB finds its spatial extension under this HOME (no download).
        .env("HOME", cache.join("home"))
        .env("BQEMU_ENABLE_FORMAT_EXTENSIONS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let emulator = Emulator {
        child,
        url: format!("http://127.0.0.1:{rest}"),
    };
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{}/readyz", emulator.url)).send().await
            && r.status().is_success()
        {
            return emulator;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "bqemulator did not come up"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn dataset(url: &str) -> Value {
    reqwest::get(format!("{url}/bigquery/v2/projects/p1/datasets/sales"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dataset_role_is_granted_and_revoked_on_the_emulator_keeping_every_other_entry() {
    let cache = match cache() {
        Ok(c) => c,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI: {why}; .ci/run installs bqemulator")
        }
        Err(why) => {
            eprintln!("skipping the bqemulator test: {why} (.ci/run installs it)");
            return;
        }
    };
    let emu = start(&cache).await;
    let access = json!([
        {"role": "OWNER", "specialGroup": "projectOwners"},
        {"role": "READER", "groupByEmail": "analysts@acme.test"},
        {"view": {"projectId": "p1", "datasetId": "shared", "tableId": "sales_summary"}},
    ]);
    let created = reqwest::Client::new()
        .post(format!("{}/bigquery/v2/projects/p1/datasets", emu.url))
        .json(&json!({"datasetReference": {"projectId": "p1", "datasetId": "sales"}, "access": access}))
        .send()
        .await
        .unwrap();
    assert!(
        created.status().is_success(),
        "{}",
        created.text().await.unwrap()
    );
    let cfg = ConnectionConfig {
        project: Some("p1".into()),
        token: Some(Secret::new("emulator")),
        api_url: Some(emu.url.clone()),
        ..ConnectionConfig::new("bigquery", Platform::Bigquery)
    };
    let mut p = Provisioner::connect(&cfg).await.unwrap();
    let change = Change::Privilege {
        privilege: "SELECT".into(),
        resource: vec!["p1".into(), "sales".into()],
        grantee: "user:maya@acme.test".into(),
    };
    let etag = dataset(&emu.url).await["etag"].clone();
    let granted = p.grant(&change).await.unwrap();
    assert!(!granted.pre_existing && granted.holds_after, "{granted:?}");
    let after = dataset(&emu.url).await;
    assert_ne!(after["etag"], etag, "written");
    let entries = after["access"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{after}");
    assert!(
        entries[..3] == access.as_array().unwrap()[..],
        "kept in order: {after}"
    );
    assert!(p.holds(&change).await.unwrap());
    let again = p.grant(&change).await.unwrap();
    assert!(again.pre_existing, "a second grant finds the first");

    let revoked = p.revoke(&change).await.unwrap();
    assert!(revoked.pre_existing && !revoked.holds_after, "{revoked:?}");
    assert_eq!(dataset(&emu.url).await["access"], access, "as it was");
}
