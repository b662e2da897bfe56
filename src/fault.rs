//! Faults injected by name, for the tests that prove a bug fails one request or job step and
//! never the process: `WARDEN_PANIC_AT=<point>` panics at that point. Unset (always, outside
//! those tests) nothing happens.

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
