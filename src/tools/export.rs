//! Writes the tools' JSON schemas (`tools/NAME.json`) and an OpenAI-style `tools.json`.

use super::registry;
use serde_json::{Value, json};
use std::path::Path;

/// The files `warden tools --export DIR` writes, as (file name, content).
pub fn exported_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut openai = Vec::new();
    for t in registry() {
        let doc = json!({
            "name": t.name,
            "description": t.description,
            "parameters": t.parameters,
            "result": t.result,
        });
        files.push((format!("{}.json", t.name), pretty(&doc)));
        openai.push(json!({
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }));
    }
    files.push(("tools.json".into(), pretty(&Value::Array(openai))));
    files
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Writes every exported file into `dir`, creating it.
pub fn export_dir(dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, content) in exported_files() {
        std::fs::write(dir.join(&name), content)?;
        written.push(name);
    }
    Ok(written)
}
