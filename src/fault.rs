//! Faults injected by name, for the tests that prove a bug fails one request or job step and
//! never the process: `WARDEN_PANIC_AT=<kind>:<name>` (`tool:check_access`, `job:provision:claimed`)
//! panics at that point in a whole process; [`inject`] arms a point from inside a test process,
//! scoped by a key of the test's own. Unarmed (always, outside those tests) nothing happens.

use std::sync::OnceLock;

/// The point named in `WARDEN_PANIC_AT`, read once (tool calls pass here on every request).
fn armed() -> Option<&'static str> {
    static AT: OnceLock<Option<String>> = OnceLock::new();
    AT.get_or_init(|| std::env::var("WARDEN_PANIC_AT").ok())
        .as_deref()
}

/// Panics when `WARDEN_PANIC_AT` names the point `kind:name` (`tool:check_access`).
pub fn panic_point(kind: &str, name: &str) {
    if armed().and_then(|a| a.split_once(':')) == Some((kind, name)) {
        panic!("WARDEN_PANIC_AT={kind}:{name}: injected panic");
    }
}

/// Points armed by [`inject`] (keys of the tests' choosing).
static INJECTED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// For tests in one process: arms (or disarms) the point `key`.
pub fn inject(key: &str, on: bool) {
    if let Ok(mut p) = INJECTED.lock() {
        p.retain(|k| k != key);
        if on {
            p.push(key.to_string());
        }
    }
}

/// Is `key` armed by [`inject`]?
pub fn injected(key: &str) -> bool {
    INJECTED.lock().is_ok_and(|p| p.iter().any(|k| k == key))
}

/// The text a panic carried (`panic!("…")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}
