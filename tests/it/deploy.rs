//! The deployment files, read by what reads them for real: the Dockerfile by BuildKit's own
//! parser (PyPI's `dockerfile`), docker-compose.yml by `docker-compose config`, the systemd unit
//! by `systemd-analyze verify` and `security`. And what the image promises, without Docker: the
//! binary serves as an unprivileged user with the root file system read-only and only its data
//! dir writable (a mount namespace, as root).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs a program to its end: (exit status, stdout, stderr); a missing program fails the test
/// with the command that installs it.
fn run(
    program: &str,
    args: &[&str],
    envs: &[(&str, &str)],
    install: &str,
) -> (i32, String, String) {
    let out = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): install it with `{install}`"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn the_dockerfile_builds_in_one_stage_and_runs_as_a_user_in_another() {
    let script = "import dockerfile, json, sys\n\
                  print(json.dumps([[c.cmd, list(c.flags), list(c.value)] \
                  for c in dockerfile.parse_file(sys.argv[1])]))";
    let path = repo("Dockerfile");
    let (code, out, err) = run(
        "python3",
        &["-c", script, path.to_str().unwrap()],
        &[],
        "python3 -m pip install dockerfile==3.4.0",
    );
    assert_eq!(
        code, 0,
        "BuildKit's parser refused it, or is missing (python3 -m pip install dockerfile==3.4.0): {err}"
    );
    let commands: Vec<(String, Vec<String>, Vec<String>)> = serde_json::from_str(&out).unwrap();
    let stages: Vec<usize> = commands
        .iter()
        .enumerate()
        .filter(|(_, c)| c.0 == "FROM")
        .map(|(i, _)| i)
        .collect();
    assert!(
        stages.len() >= 2,
        "a build stage and a runtime stage: {commands:?}"
    );
    let build_name = commands[stages[0]].2.last().unwrap().clone();
    let last = &commands[*stages.last().unwrap()..];
    let one = |cmd: &str| {
        last.iter()
            .rfind(|c| c.0 == cmd)
            .unwrap_or_else(|| panic!("no {cmd} in the runtime stage"))
    };
    // The runtime stage copies only the binary from the build stage, and runs as a user.
    let copy = one("COPY");
    assert!(copy.1.contains(&format!("--from={build_name}")), "{copy:?}");
    let user = &one("USER").2[0];
    let uid = user.split(':').next().unwrap();
    assert!(!["root", "0"].contains(&uid), "runs as {user}");
    assert!(one("ENTRYPOINT").2[0].ends_with("/warden"));
    // What it serves on is what it exposes, on every address (a container's own loopback
    // would reach no one).
    let cmd = &one("CMD").2;
    let listen = cmd.iter().skip_while(|a| *a != "--listen").nth(1).unwrap();
    let port = listen.rsplit(':').next().unwrap();
    assert!(listen.starts_with("0.0.0.0:"), "{listen}");
    assert_eq!(&one("EXPOSE").2[0], port);
    let data = one("VOLUME").2[0].clone();
    let env = &one("ENV").2;
    assert_eq!(
        env[env.iter().position(|e| e == "WARDEN_DATA_DIR").unwrap() + 1],
        data
    );
}

#[test]
fn compose_runs_two_servers_on_one_postgresql_store() {
    let file = repo("docker-compose.yml");
    let file = file.to_str().unwrap();
    let install = "apt-get install -y docker-compose";
    let (code, out, err) = run(
        "docker-compose",
        &["-f", file, "config"],
        &[("WARDEN_DB_PASSWORD", "s3cret")],
        install,
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value =
        serde_json::to_value(serde_yaml_value(&out).unwrap_or_else(|e| panic!("{e}: {out}")))
            .unwrap();
    let services = doc["services"].as_object().unwrap();
    let wardens: Vec<&Value> = services
        .iter()
        .filter(|(name, _)| name.starts_with("warden"))
        .map(|(_, s)| s)
        .collect();
    assert_eq!(wardens.len(), 2, "{doc}");
    let db = &services["db"];
    assert!(
        db["image"].as_str().unwrap().starts_with("postgres"),
        "{db}"
    );
    let mut ports = Vec::new();
    for w in &wardens {
        let url = w["environment"]["WARDEN_DATABASE_URL"].as_str().unwrap();
        assert_eq!(
            url, "postgres://warden:s3cret@db:5432/warden",
            "one store for both"
        );
        assert_eq!(w["read_only"], true, "{w}");
        assert_eq!(w["depends_on"]["db"]["condition"], "service_healthy", "{w}");
        ports.push(w["ports"][0]["published"].to_string());
    }
    assert_ne!(ports[0], ports[1]);
    // Without the password the file says what is missing instead of starting with none.
    let (code, _, err) = run("docker-compose", &["-f", file, "config"], &[], install);
    assert_ne!(code, 0);
    assert!(err.contains("WARDEN_DB_PASSWORD"), "{err}");
}

/// `docker-compose config` prints YAML; PyYAML (which docker-compose itself uses) turns it into
/// JSON.
fn serde_yaml_value(yaml: &str) -> Result<Value, String> {
    let (_, out, err) = crate::binary::output(
        Command::new("python3").args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))",
        ]),
        Some(yaml.as_bytes()),
    );
    serde_json::from_str(&out).map_err(|e| format!("{e}: {err}"))
}

#[test]
fn the_systemd_unit_verifies_and_is_locked_down() {
    let unit = std::fs::read_to_string(repo("deploy/warden.service")).unwrap();
    // The unit names the installed binary; here the one just built stands in for it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("warden.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/warden", env!("CARGO_BIN_EXE_warden")),
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let install = "apt-get install -y systemd";
    let (code, out, err) = run("systemd-analyze", &["verify", path], &[], install);
    assert_eq!((code, err.trim()), (0, ""), "{out}");
    let (code, out, err) = run(
        "systemd-analyze",
        &["security", "--offline=true", path],
        &[],
        install,
    );
    assert_eq!(code, 0, "{err}");
    let level: f64 = out
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for warden.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        level <= 2.0,
        "exposure {level} (systemd: 0 is locked down, 10 is not)\n{out}"
    );
}

/// What `docker run --read-only --user 10001 -v data:/var/lib/warden` gives the binary: it
/// imports, adds a person and a token, and serves checks (writing the audit log) as an
/// unprivileged user, with the root read-only and a tmpfs as its data dir.
#[tokio::test(flavor = "multi_thread")]
async fn it_serves_as_a_user_on_a_read_only_root() {
    if crate::pg::current_euid() != Ok(0) {
        eprintln!("skipping the read-only root test: it needs root (for a mount namespace)");
        return;
    }
    // The binary and the snapshot where the unprivileged user can read them.
    let stage = tempfile::Builder::new()
        .prefix("warden-ro-")
        .tempdir_in("/tmp")
        .unwrap();
    let bin = stage.path().join("warden");
    let snapshot = stage.path().join("acme.json");
    std::fs::copy(env!("CARGO_BIN_EXE_warden"), &bin).unwrap();
    std::fs::copy(repo("src/demo/acme.json"), &snapshot).unwrap();
    let data = stage.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for p in [stage.path(), &bin, &snapshot] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let port = crate::common::free_port();
    let script = r#"
        set -e
        mount -t tmpfs -o size=256m,mode=0700,uid=65534,gid=65534 tmpfs "$DATA"
        mount -o remount,bind,ro /
        exec setpriv --reuid 65534 --regid 65534 --clear-groups sh -c '
            set -e
            if touch /tmp/.warden-ro-probe 2>/dev/null; then echo "root is writable"; exit 9; fi
            echo "uid $(id -u)"
            "$BIN" --data-dir "$DATA" import "$SNAPSHOT" >/dev/null
            "$BIN" --data-dir "$DATA" user add maya --role requester --email maya@acme.test >/dev/null
            "$BIN" --data-dir "$DATA" --json token create maya --agent ro-bot | tr -d "\n "
            echo
            exec "$BIN" --data-dir "$DATA" serve --listen "127.0.0.1:$PORT"
        '
    "#;
    let mut child = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .env("DATA", &data)
        .env("BIN", &bin)
        .env("SNAPSHOT", &snapshot)
        .env("PORT", port.to_string())
        .env_remove("WARDEN_DATA_DIR")
        .env_remove("WARDEN_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unshare (util-linux)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let uid = lines.next().and_then(Result::ok).unwrap_or_default();
    let token_line = lines.next().and_then(Result::ok).unwrap_or_default();
    if !uid.starts_with("uid ") {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!("{uid}\n{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(uid, "uid 65534");
    let token: Value =
        serde_json::from_str(&token_line).unwrap_or_else(|e| panic!("{e}: {token_line}"));
    let token = token["token"].as_str().unwrap().to_string();

    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server never answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // An agent's check: answered only once its audit event is written to the data dir.
    let r = http
        .post(format!("{base}/v1/tools/check_access"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"identity": "maya", "privilege": "SELECT", "resource": "crm.leads"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        status,
        200,
        "{body}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(body.contains("\"allowed\":true"), "{body}");
}
