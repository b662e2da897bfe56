//! `warden init`: a commented `warden.toml` with every section, each line explained (the demo
//! writes the same into its data dir); `warden config check`: the file read and checked as a
//! start would, without starting anything.

use super::Output;
use crate::config::Config;
use crate::error::{ErrorCode, Problem};
use serde_json::json;
use std::path::Path;

/// The commented configuration (`src/cli/warden.toml`).
pub const TEMPLATE: &str = include_str!("warden.toml");

/// Writes [`TEMPLATE`] to the config file of `dir` (or `explicit`); an existing file only with
/// `force`.
pub fn init(dir: &Path, explicit: Option<&Path>, force: bool) -> Result<Output, Problem> {
    let path = Config::path(dir, explicit);
    if path.exists() && !force {
        return Err(Problem::invalid(
            "--force",
            format!("{} exists; pass --force to replace it", path.display()),
        ));
    }
    write(&path)?;
    Ok(Output::ok(
        json!({"written": path.display().to_string()}),
        format!(
            "wrote {} (every section, commented); `warden config check` reads it back",
            path.display()
        ),
    ))
}

/// Writes the template to `path`, private to its user (it will hold settings, maybe secrets),
/// making its directory if need be.
pub fn write(path: &Path) -> Result<(), Problem> {
    let failed = |e: std::io::Error| {
        Problem::new(
            ErrorCode::Internal,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(failed)?;
        file.write_all(TEMPLATE.as_bytes()).map_err(failed)
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, TEMPLATE).map_err(failed)
    }
}

/// Reads the config as `serve` would; a summary of what it sets, or the first thing wrong (its
/// line, or every unset variable).
pub fn check(dir: &Path, explicit: Option<&Path>) -> Result<Output, Problem> {
    let path = Config::path(dir, explicit);
    if !path.exists() {
        return Err(Problem::invalid(
            "--config",
            format!("no config at {} (`warden init` writes one)", path.display()),
        ));
    }
    let config = Config::load(dir, explicit)?;
    let connections: Vec<String> = config
        .connections
        .iter()
        .map(|c| format!("{} ({})", c.name, c.platform.as_str()))
        .collect();
    let text = format!(
        "{}: ok; connections: {}; slack: {}; single sign-on: {}; chat engine: {}",
        path.display(),
        match connections.is_empty() {
            true => "none".to_string(),
            false => connections.join(", "),
        },
        if config.slack.is_some() { "on" } else { "off" },
        match &config.oidc {
            Some(o) => o.issuer.as_str(),
            None => "off",
        },
        if config.llm.is_some() {
            "llm"
        } else {
            "embedded"
        },
    );
    Ok(Output::ok(
        json!({
            "config": path.display().to_string(),
            "ok": true,
            "connections": connections,
            "slack": config.slack.is_some(),
            "oidc": config.oidc.is_some(),
            "llm": config.llm.is_some(),
        }),
        text,
    ))
}

#[cfg(test)]
mod tests {
    use super::TEMPLATE;
    use crate::config::Config;

    /// The template with every example line (`# ` in front) taken in.
    fn uncommented() -> String {
        TEMPLATE
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_template_reads_as_an_empty_config() {
        let config = Config::parse(TEMPLATE, |_| None).unwrap();
        assert!(config.connections.is_empty() && config.slack.is_none() && config.llm.is_none());
    }

    /// Every example in it is a valid setting: all taken in at once, the file still reads.
    #[test]
    fn every_example_in_the_template_is_valid() {
        let text = uncommented();
        let config = Config::parse(&text, |name| Some(format!("postgres://u:p@h/{name}")))
            .unwrap_or_else(|e| panic!("{e}"));
        let platforms: Vec<&str> = config
            .connections
            .iter()
            .map(|c| c.platform.as_str())
            .collect();
        assert_eq!(platforms, ["postgres", "redshift", "snowflake", "bigquery"]);
        assert!(config.slack.is_some() && config.llm.is_some());
        assert_eq!(config.log.format, crate::config::LogFormat::Text);
    }

    /// Each top-level section the config takes is shown (so a new one is not forgotten here).
    #[test]
    fn every_section_is_in_the_template() {
        let text = uncommented();
        let value: toml::Value = toml::from_str(&text).unwrap();
        let shown: Vec<&String> = value.as_table().unwrap().keys().collect();
        for section in [
            "connections",
            "slack",
            "oidc",
            "llm",
            "mcp",
            "approval_rules",
            "auto_approve",
            "jobs",
            "requests",
            "server",
            "log",
        ] {
            assert!(shown.iter().any(|s| *s == section), "{section} missing");
        }
    }
}
