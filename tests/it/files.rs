//! What Warden leaves on disk and prints about it: a private data dir, a private database, and
//! config errors that never show the file's text (it may hold a secret).

use crate::binary::run;
use std::path::Path;

#[cfg(unix)]
#[test]
fn the_data_dir_and_the_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("fresh");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/acme.json");
    let (code, _, err) = run(&dir, &["import", demo.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "the data dir");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("warden.db") {
            files += 1;
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
    assert!(files >= 1);
    // A database left readable by others (an older Warden, a copy) is tightened on open.
    let db = dir.join("warden.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = run(&dir, &["user", "list"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode(&db), 0o600);
}

#[test]
fn a_config_error_names_the_place_not_the_text() {
    let dir = crate::binary::demo_dir();
    let secret = "sk-live-9f8e7d6c5b4a";
    let cases = [
        // A syntax error on the line that holds the secret.
        format!(
            "[llm]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\napi_key = \"{secret}\" x\n"
        ),
        // The secret where a number belongs.
        format!("[server]\nmax_connections = \"{secret}\"\n"),
        // The secret put there by the environment.
        "[server]\nmax_connections = \"${WARDEN_TEST_SECRET}\"\n".to_string(),
    ];
    for text in &cases {
        std::fs::write(dir.path().join("warden.toml"), text).unwrap();
        let out = crate::binary::command()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["sync"])
            .env("WARDEN_TEST_SECRET", secret)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(lines[0].contains("warden.toml"), "names the file: {stderr}");
        assert!(!stderr.contains(secret), "the secret leaked: {stderr}");
    }
}
