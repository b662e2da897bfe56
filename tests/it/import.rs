//! Import validation: each malformed document is rejected with an error naming what is wrong
//! (and where), through the real binary, and the store is left exactly as it was.

use crate::binary::{command, output};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `warden --data-dir DIR ARGS…` with `stdin`, returning (status, stdout, stderr).
fn warden(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    output(command().arg("--data-dir").arg(dir).args(args), stdin)
}

/// A small valid snapshot for connection `warehouse`; `edit` breaks it.
fn doc(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut d = json!({
        "version": 1,
        "connections": [{
            "name": "warehouse", "platform": "postgres",
            "identities": [
                {"name": "alice", "kind": "user"}, {"name": "analyst", "kind": "role"}, {"name": "reporting", "kind": "role"}
            ],
            "memberships": [{"member": "alice", "role": "analyst"}, {"member": "analyst", "role": "reporting"}],
            "resources": [{"kind": "table", "name": "analytics.sales.orders"}],
            "grants": [{"grantee": "reporting", "privilege": "SELECT", "resource": "analytics.sales.orders"}]
        }]
    });
    edit(&mut d);
    serde_json::to_vec(&d).unwrap()
}

/// What the store answers, as seen from outside: the demo question and the import generation.
fn state(dir: &Path) -> (String, String) {
    let (_, check, _) = warden(
        dir,
        &["--json", "check", "maya", "SELECT", "crm.leads"],
        None,
    );
    let (_, who, _) = warden(
        dir,
        &["--json", "who-has", "warehouse:prod.crm.leads"],
        None,
    );
    (check, who)
}

#[test]
fn malformed_snapshots_are_rejected_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/acme.json");
    let (code, _, err) = warden(dir.path(), &["import", demo.to_str().unwrap()], None);
    assert_eq!(code, 0, "demo import failed: {err}");
    let before = state(dir.path());
    assert!(
        before.0.contains("\"allowed\": true"),
        "the demo answers before the bad imports: {}",
        before.0
    );

    let deep = {
        // 50 MB of nested arrays: must fail on depth, quickly, without exhausting the stack.
        let mut v = Vec::with_capacity(50 << 20);
        // Under an unknown field, which is skipped rather than typed: only depth stops it.
        v.extend_from_slice(br#"{"version":1,"comment":"#);
        v.resize(50 << 20, b'[');
        v
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "bad JSON",
            b"{\"version\": 1, \"connections\": [}".to_vec(),
            "invalid JSON",
        ),
        (
            "truncated JSON",
            doc(|_| {})[..120].to_vec(),
            "truncated JSON",
        ),
        (
            "unknown platform",
            doc(|d| d["connections"][0]["platform"] = json!("oracle")),
            "connections[0].platform: unknown platform \"oracle\"",
        ),
        (
            "grant to an unknown identity",
            doc(|d| d["connections"][0]["grants"][0]["grantee"] = json!("zorro")),
            "connections[0].grants[0].grantee: no identity named \"zorro\" in connection \"warehouse\"",
        ),
        (
            "grant on an unknown resource",
            doc(|d| d["connections"][0]["grants"][0]["resource"] = json!("sales.ordrs")),
            "connections[0].grants[0].resource: no resource named \"sales.ordrs\" in connection \"warehouse\"",
        ),
        (
            "cycle in memberships",
            doc(|d| {
                d["connections"][0]["memberships"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"member": "reporting", "role": "alice"}))
            }),
            "memberships form a cycle",
        ),
        (
            "duplicate identity",
            doc(|d| {
                d["connections"][0]["identities"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"name": "alice", "kind": "user"}))
            }),
            "connections[0].identities[3].name: duplicate user \"alice\"",
        ),
        (
            "duplicate resource",
            doc(|d| {
                d["connections"][0]["resources"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"name": "analytics.sales.orders", "kind": "view"}))
            }),
            "connections[0].resources[1].name: duplicate resource",
        ),
        (
            "missing field",
            doc(|d| {
                d["connections"][0]["identities"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("kind")
                    .map(|_| ())
                    .unwrap()
            }),
            "connections[0].identities[1]",
        ),
        (
            "unknown kind",
            doc(|d| d["connections"][0]["identities"][1]["kind"] = json!("wizard")),
            "connections[0].identities[1].kind: unknown identity kind",
        ),
        (
            "wrong version",
            doc(|d| d["version"] = json!(2)),
            "version: unsupported snapshot version 2",
        ),
        ("deeply nested garbage", deep, "comment: truncated JSON"),
        (
            "nested garbage where connections belong",
            {
                let mut v = br#"{"version":1,"connections":"#.to_vec();
                v.resize(1 << 20, b'[');
                v
            },
            "connections[0][0]: invalid type: sequence, expected a string",
        ),
    ];
    for (what, input, expected) in &cases {
        let (code, out, err) = warden(dir.path(), &["import", "-"], Some(input));
        assert_eq!(code, 2, "{what}: exit status (stderr: {err})");
        assert!(out.is_empty(), "{what}: nothing on stdout, got {out}");
        let line = err.trim_end();
        assert_eq!(
            line.lines().count(),
            1,
            "{what}: one line expected, got {line}"
        );
        assert!(
            line.contains(expected),
            "{what}: {line:?} should contain {expected:?}"
        );
        assert_eq!(state(dir.path()), before, "{what}: the store changed");
        // The --json form carries the same error as a document, with the path apart.
        let (code, out, _) = warden(dir.path(), &["--json", "import", "-"], Some(input));
        assert_eq!(code, 2);
        let doc: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {out}"));
        assert_eq!(doc["error"]["code"], "invalid_snapshot", "{what}: {doc}");
    }

    // A good file beside a bad one: all or nothing.
    let good = dir.path().join("good.json");
    std::fs::write(&good, doc(|d| d["connections"][0]["name"] = json!("extra"))).unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        doc(|d| d["connections"][0]["platform"] = json!("oracle")),
    )
    .unwrap();
    let (code, _, err) = warden(
        dir.path(),
        &["import", good.to_str().unwrap(), bad.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.json"), "the error names the file: {err}");
    let (code, _, _) = warden(
        dir.path(),
        &["check", "alice", "SELECT", "extra:analytics.sales.orders"],
        None,
    );
    assert_eq!(code, 2, "the good file beside the bad one was not imported");
}

#[test]
fn import_replaces_only_the_named_connection() {
    let dir = tempfile::tempdir().unwrap();
    let two = doc(|d| {
        let mut second = d["connections"][0].clone();
        second["name"] = json!("lake");
        d["connections"].as_array_mut().unwrap().push(second);
    });
    assert_eq!(warden(dir.path(), &["import", "-"], Some(&two)).0, 0);
    assert_eq!(
        warden(
            dir.path(),
            &["check", "alice", "SELECT", "lake:sales.orders"],
            None
        )
        .0,
        0
    );
    // Re-import `warehouse` without the grant: warehouse changes, lake does not.
    let without = doc(|d| d["connections"][0]["grants"] = json!([]));
    assert_eq!(warden(dir.path(), &["import", "-"], Some(&without)).0, 0);
    assert_eq!(
        warden(
            dir.path(),
            &["check", "alice", "SELECT", "warehouse:sales.orders"],
            None
        )
        .0,
        1
    );
    assert_eq!(
        warden(
            dir.path(),
            &["check", "alice", "SELECT", "lake:sales.orders"],
            None
        )
        .0,
        0
    );
}

#[test]
fn validation_errors_name_json_paths_in_process() {
    let cases = [
        (
            doc(|d| d["connections"][0]["memberships"][1]["role"] = json!("nobody")),
            "connections[0].memberships[1].role",
        ),
        (
            doc(|d| d["connections"][0]["resources"][0]["owner"] = json!("ghost")),
            "connections[0].resources[0].owner",
        ),
        (
            doc(|d| d["connections"][0]["identities"][0]["kind"] = json!(7)),
            "connections[0].identities[0].kind",
        ),
        (
            doc(|d| d["connections"][0]["grants"][0]["grantee"] = json!("domain:acme.test")),
            "connections[0].grants[0].grantee",
        ),
    ];
    for (input, path) in cases {
        let e = warden::snapshot::parse_str(std::str::from_utf8(&input).unwrap()).unwrap_err();
        assert_eq!(e.path.as_deref(), Some(path), "{e}");
    }
}

/// Runs a command to completion and returns its exit status and its own peak resident memory
/// in bytes: the highest `VmHWM` its `/proc/PID/status` showed, read every 10 ms. Not the
/// `ru_maxrss` of `wait4`: Linux carries a process's high-water mark across `exec`, so a child
/// of this test binary reports at least the test binary's own peak at the time it was spawned
/// (hundreds of MB in a full run, which made this test fail under load). `VmHWM` is the new
/// program's own, and only grows, so a reading taken before the end holds every earlier peak.
fn run_measured(cmd: &mut Command) -> (i32, u64) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let mut readings = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb * 1024);
            readings += 1;
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(readings > 0, "the child's memory was never read");
    (status.code().unwrap_or(-1), peak)
}

#[test]
fn a_tier_m_snapshot_imports_without_several_copies_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tier-m.json");
    let (code, _) = run_measured(
        command()
            .args(["gen", "--tier", "M", "--seed", "7", "--out"])
            .arg(&file),
    );
    assert_eq!(code, 0);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > 100 << 20, "tier M is hundreds of MB, got {size}");

    let data = dir.path().join("data");
    let (code, peak) = run_measured(
        command()
            .arg("--data-dir")
            .arg(&data)
            .arg("import")
            .arg(&file),
    );
    assert_eq!(code, 0, "tier-M import failed");
    println!(
        "tier M: {} MB of JSON imported with a peak RSS of {} MB",
        size >> 20,
        peak >> 20
    );
    // The parsed snapshot is one compact copy; the text is streamed, never held.
    assert!(
        peak < size * 5 / 2,
        "peak RSS {} MB for a {} MB snapshot",
        peak >> 20,
        size >> 20
    );

    let (code, out, err) = warden(&data, &["--json", "who-has", "db.s0.t1"], None);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["resource"], "db.s0.t1");
    assert!(!doc["grantees"].as_array().unwrap().is_empty());
}

#[test]
fn the_import_summary_counts_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = warden(dir.path(), &["import", "-"], Some(&doc(|_| {})));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("3 identities, 2 memberships, 1 resource, 1 grant"),
        "{out}"
    );
}
