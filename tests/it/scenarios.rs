//! Runs every scenario file under tests/scenarios: snapshot in, questions in, expected
//! decisions, paths and caveats out (see tests/scenarios/README.md).

use crate::common::{access_from, call, caveat_codes, path_texts};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files = Vec::new();
    for platform in std::fs::read_dir(&root).unwrap() {
        let dir = platform.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "json") {
                files.push(f);
            }
        }
    }
    files.sort();
    files
}

/// Checks one question; returns a description of each mismatch.
fn run_check(access: &warden::access::Access, check: &Value) -> Vec<String> {
    let mut args = serde_json::json!({
        "identity": check["identity"],
        "privilege": check["privilege"],
        "resource": check["resource"],
    });
    if let Some(c) = check.get("connection") {
        args["connection"] = c.clone();
    }
    let q = format!(
        "{} {} {}",
        check["identity"], check["privilege"], check["resource"]
    );
    let mut problems = Vec::new();
    match (call(access, "check_access", args), check.get("error")) {
        (Err(doc), Some(code)) => {
            if &doc["error"]["code"] != code {
                problems.push(format!("{q}: expected error {code}, got {doc}"));
            }
        }
        (Err(doc), None) => problems.push(format!("{q}: unexpected error {doc}")),
        (Ok(r), Some(code)) => problems.push(format!(
            "{q}: expected error {code}, got allowed={}",
            r["allowed"]
        )),
        (Ok(r), None) => {
            if r["allowed"] != check["allowed"] {
                problems.push(format!(
                    "{q}: allowed {} expected {} (paths {:?})",
                    r["allowed"],
                    check["allowed"],
                    path_texts(&r)
                ));
            }
            let mut want: Vec<String> = check["paths"]
                .as_array()
                .map(|a| a.iter().map(|p| p.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            want.sort();
            let got = path_texts(&r);
            if got != want {
                problems.push(format!(
                    "{q}: paths\n      got  {got:?}\n      want {want:?}"
                ));
            }
            let mut want: Vec<String> = check["caveats"]
                .as_array()
                .map(|a| a.iter().map(|p| p.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            want.sort();
            want.dedup();
            let got = caveat_codes(&r);
            if got != want {
                problems.push(format!(
                    "{q}: caveats got {got:?} want {want:?} ({})",
                    r["caveats"]
                ));
            }
        }
    }
    problems
}

#[test]
fn every_scenario_file_holds() {
    let files = scenario_files();
    assert!(
        files.len() >= 40,
        "expected at least 40 scenario files, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut checks = 0;
    for f in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let access = access_from(doc["snapshot"].clone());
        let list = doc["checks"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no checks", f.display()));
        assert!(!list.is_empty(), "{}: no checks", f.display());
        for check in list {
            checks += 1;
            for p in run_check(&access, check) {
                failures.push(format!(
                    "{}: {p}",
                    f.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap_or(f)
                        .display()
                ));
            }
        }
    }
    println!(
        "{} scenario files, {checks} checks, {} failures",
        files.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} scenario failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
