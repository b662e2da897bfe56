//! `warden.toml`: connections and the LLM engine, with `${ENV_VAR}` replaced from the
//! environment (INTERFACE.md "Configuration"). Secrets stay in [`Secret`], which never prints.

use crate::error::Problem;
use crate::model::{ByteSize, Duration, Platform};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// `[log]`: `format = "text"` (for people, the default) or `"json"` (one object a line, for
/// machines); `--log-format` and `WARDEN_LOG_FORMAT` win over it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    #[serde(default)]
    pub format: LogFormat,
}

/// How logs are written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The whole configuration file. A missing file is an empty configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub connections: Vec<ConnectionConfig>,
    /// Absent: the embedded engine answers chat.
    #[serde(default)]
    pub llm: Option<LlmConfig>,
    #[serde(default)]
    pub mcp: McpConfig,
    /// Limits and timeouts of `warden serve`.
    #[serde(default)]
    pub server: ServerConfig,
    /// Approvals needed per resource pattern (crate::policy).
    #[serde(default)]
    pub approval_rules: Vec<crate::policy::ApprovalRule>,
    /// Requests approved without a reviewer.
    #[serde(default)]
    pub auto_approve: Vec<crate::policy::AutoApprove>,
    #[serde(default)]
    pub jobs: crate::policy::JobsConfig,
    #[serde(default)]
    pub requests: crate::policy::RequestsConfig,
    /// Absent: no Slack (INTERFACE.md "Slack").
    #[serde(default)]
    pub slack: Option<SlackConfig>,
    /// `[log]`: how the server and commands write their logs.
    #[serde(default)]
    pub log: LogConfig,
    /// `[oidc]`: single sign-on for the pages. Absent: tokens and sign-in links only.
    #[serde(default)]
    pub oidc: Option<OidcConfig>,
    /// Where the store is when it is PostgreSQL (`--database-url`); not read from the file, so
    /// the file never needs the password. `None`: SQLite in the data dir.
    #[serde(skip)]
    pub database_url: Option<Secret>,
}

/// Single sign-on with an OpenID provider (the authorization-code flow with PKCE and a nonce).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer URL, exactly as its discovery document names it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// `https://warden.example.com/login/oidc/callback`, as registered with the provider.
    pub redirect_url: String,
    /// A signed-in email that is no person in Warden: create them as a requester (else refused);
    /// only for emails in `allowed_domains`, which must then be set.
    #[serde(default)]
    pub auto_create: bool,
    /// The email domains `auto_create` admits (`acme.com`): a provider may sign in anyone.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// Accept an email the provider does not mark `email_verified: true` (some, like Entra ID,
    /// never send the claim). Off: such a sign-in is refused.
    #[serde(default)]
    pub trust_unverified_email: bool,
    /// The claim that lists a person's groups (in the ID token or from userinfo).
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Members of any of these groups are reviewers. With both lists empty, each person keeps
    /// the role set in Warden; with either set, every sign-in sets the role from the groups.
    #[serde(default)]
    pub reviewer_groups: Vec<String>,
    /// Members of any of these groups are admins.
    #[serde(default)]
    pub admin_groups: Vec<String>,
    /// Scopes asked for beside `openid`.
    #[serde(default = "default_oidc_scopes")]
    pub scopes: Vec<String>,
}

fn default_groups_claim() -> String {
    "groups".into()
}

fn default_oidc_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

/// What an `[oidc]` section must hold to work at all, named by key.
fn check_oidc(oidc: &OidcConfig) -> Result<(), String> {
    filled(&[
        ("oidc.issuer", oidc.issuer.as_str()),
        ("oidc.client_id", oidc.client_id.as_str()),
        ("oidc.client_secret", oidc.client_secret.expose()),
        ("oidc.redirect_url", oidc.redirect_url.as_str()),
    ])?;
    if oidc.auto_create && oidc.allowed_domains.iter().all(|d| d.trim().is_empty()) {
        return Err(
            "oidc.allowed_domains: empty, and auto_create would admit anyone the \
                    provider signs in (list the email domains it may create people for)"
                .into(),
        );
    }
    web_addresses(&[
        ("oidc.issuer", Some(&oidc.issuer)),
        ("oidc.redirect_url", Some(&oidc.redirect_url)),
    ])
}

/// The first of `values` that is empty, named by its key.
fn filled(values: &[(&str, &str)]) -> Result<(), String> {
    match values.iter().find(|(_, v)| v.trim().is_empty()) {
        Some((key, _)) => Err(format!("{key}: empty")),
        None => Ok(()),
    }
}

/// The first of the `urls` given that is not an http(s) address, named by its key.
fn web_addresses(urls: &[(&str, Option<&String>)]) -> Result<(), String> {
    for (key, url) in urls {
        if let Some(url) = url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!("{key}: not an http(s) address"));
        }
    }
    Ok(())
}

/// The MCP endpoint.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// `Host` header values `/mcp` answers (a guard against DNS rebinding). Absent: loopback
    /// names only; set it when clients reach Warden by another name (`warden.example.com`).
    #[serde(default)]
    pub allowed_hosts: Option<Vec<String>>,
}

/// What one client may ask of the server: sizes, times and connections (README "Limits").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The largest snapshot `POST /v1/import` takes; it is streamed into the parser, never held whole.
    pub max_import_size: ByteSize,
    /// The largest body of any other request (tool arguments, chat messages, approvals).
    pub max_body_size: ByteSize,
    /// How long a request may take, end to end (not `/mcp`'s event streams, not imports).
    pub request_timeout: Duration,
    /// How long `POST /v1/import` may take (a large snapshot over a slow link).
    pub import_timeout: Duration,
    /// How long a chat turn may take (an LLM engine may call several tools).
    pub chat_timeout: Duration,
    /// How long a client has to send a request's headers once connected.
    pub header_read_timeout: Duration,
    /// Open connections at once; further clients wait in the listen queue.
    pub max_connections: usize,
    /// On SIGTERM or Ctrl-C: how long in-flight requests and the current job step may take to finish.
    pub shutdown_grace: Duration,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            max_import_size: ByteSize::mib(512),
            max_body_size: ByteSize::mib(1),
            request_timeout: Duration::from_secs(30),
            import_timeout: Duration::from_secs(600),
            chat_timeout: Duration::from_secs(300),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// The Slack app: its tokens, the reviewers' channel, and who each Slack user is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The bot's OAuth token (`xoxb-…`), for the Web API.
    pub bot_token: Secret,
    /// The app's signing secret, which signs every request Slack sends.
    pub signing_secret: Secret,
    /// The reviewers' channel, by id (`C0123456789`).
    pub channel: String,
    /// Slack's Web API (tests point it at a local server).
    #[serde(default = "default_slack_api")]
    pub api_url: String,
    /// The dashboard's address as reviewers reach it, for `Open in Warden` links. Absent: the
    /// address the server listens on.
    #[serde(default)]
    pub dashboard_url: Option<String>,
    /// Slack user id → Warden person. Users not listed are found by the email Slack has for them
    /// (`users.info`, which needs the `users:read.email` scope).
    #[serde(default)]
    pub users: std::collections::BTreeMap<String, String>,
    /// How long what `users.info` said about a user is trusted.
    #[serde(default = "default_user_cache")]
    pub user_cache: Duration,
    /// How long one Web API call may take.
    #[serde(default = "default_slack_timeout")]
    pub timeout: Duration,
}

fn default_slack_api() -> String {
    "https://slack.com/api".into()
}

fn default_user_cache() -> Duration {
    Duration::from_secs(3600)
}

fn default_slack_timeout() -> Duration {
    Duration::from_secs(10)
}

/// A live platform to sync from (used by the connectors).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    pub name: String,
    /// Checked by [`check_platforms`] before the file is deserialised, so that an unknown word is
    /// reported with its connection.
    pub platform: Platform,
    #[serde(default)]
    pub url: Option<Secret>,
    #[serde(default)]
    pub sync_interval: Option<Duration>,
    /// Snowflake: the account identifier (`xy12345.eu-west-1`, `myorg-myacct`).
    #[serde(default)]
    pub account: Option<String>,
    /// Snowflake: the user Warden signs in as.
    #[serde(default)]
    pub user: Option<String>,
    /// Snowflake: the user's RSA private key, PKCS#8 PEM text (`"${SNOWFLAKE_KEY}"`).
    #[serde(default)]
    pub private_key: Option<Secret>,
    /// Snowflake: a file holding that key instead.
    #[serde(default)]
    pub private_key_path: Option<String>,
    /// Snowflake, BigQuery: an OAuth access token instead of a key.
    #[serde(default)]
    pub token: Option<Secret>,
    /// Snowflake: the role and warehouse statements run with (the user's defaults if unset).
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub warehouse: Option<String>,
    /// Snowflake: `show` (SHOW commands, current) or `account_usage` (the views, up to two hours
    /// behind).
    #[serde(default)]
    pub source: Option<String>,
    /// Snowflake: the SQL API's address (default `https://{account}.snowflakecomputing.com`);
    /// BigQuery: the BigQuery API's (default `https://bigquery.googleapis.com`).
    #[serde(default)]
    pub api_url: Option<String>,
    /// BigQuery: the project read and provisioned.
    #[serde(default)]
    pub project: Option<String>,
    /// BigQuery: a service-account key file (the JSON Google issues).
    #[serde(default)]
    pub credentials: Option<String>,
    /// BigQuery: the Resource Manager API's address (the project's IAM policy).
    #[serde(default)]
    pub resource_manager_url: Option<String>,
    /// BigQuery: Cloud Identity's address, where group members are read (groups are leaves
    /// without it).
    #[serde(default)]
    pub groups_url: Option<String>,
}

impl ConnectionConfig {
    /// It says where the platform is: a `url` (PostgreSQL, Redshift), an `account` (Snowflake)
    /// or a `project` (BigQuery).
    pub fn located(&self) -> bool {
        match self.platform {
            Platform::Snowflake => self.account.is_some(),
            Platform::Bigquery => self.project.is_some(),
            _ => self.url.is_some(),
        }
    }

    /// A connection named `name` on `platform`, with nothing else set.
    pub fn new(name: &str, platform: Platform) -> ConnectionConfig {
        ConnectionConfig {
            name: name.to_string(),
            platform,
            url: None,
            sync_interval: None,
            account: None,
            user: None,
            private_key: None,
            private_key_path: None,
            token: None,
            role: None,
            warehouse: None,
            source: None,
            api_url: None,
            project: None,
            credentials: None,
            resource_manager_url: None,
            groups_url: None,
        }
    }
}

/// An OpenAI-compatible chat-completions server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// Up to and including `/v1`, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    pub model: String,
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// How long one completion request may take.
    #[serde(default = "default_timeout")]
    pub timeout: Duration,
    /// Model turns per question before Warden stops the tool loop.
    #[serde(default = "default_max_steps")]
    pub max_steps: u32,
}

fn default_timeout() -> Duration {
    Duration::from_secs(60)
}

fn default_max_steps() -> u32 {
    8
}

/// A value that must not reach logs: `Debug` and `Display` print `***`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Config {
    /// The file in the data dir (`warden.toml`), or the one given.
    pub fn path(data_dir: &Path, explicit: Option<&Path>) -> PathBuf {
        explicit
            .map(Path::to_path_buf)
            .unwrap_or_else(|| data_dir.join("warden.toml"))
    }

    /// Reads the file if it exists. `explicit` files must exist.
    pub fn load(data_dir: &Path, explicit: Option<&Path>) -> Result<Config, Problem> {
        let path = Config::path(data_dir, explicit);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(Problem::invalid(
                    "config",
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        Config::parse(&text, |name| std::env::var(name).ok())
            .map_err(|m| Problem::invalid("config", format!("{}: {m}", path.display())))
    }

    /// Parses config text, taking `${VAR}` values from `env`.
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut value: toml::Value = toml::from_str(text).map_err(|e| toml_error(&e, text))?;
        let mut unset = Vec::new();
        substitute(&mut value, &env, &mut String::new(), &mut unset);
        if !unset.is_empty() {
            return Err(format!(
                "environment variables not set: {}",
                unset.join(", ")
            ));
        }
        check_platforms(&value)?;
        let config = Config::deserialize(value).map_err(|e| {
            // The substituted values have no place in the file; the text read as written (no
            // `${VAR}` replaced) gives the same error with its line, if it gives that one.
            match toml::from_str::<Config>(text) {
                Err(raw) if raw.message() == e.message() => toml_error(&raw, text),
                _ => toml_error(&e, ""),
            }
        })?;
        if let Some(slack) = &config.slack {
            check_slack(slack)?;
        }
        if let Some(oidc) = &config.oidc {
            check_oidc(oidc)?;
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in config.connections.iter().enumerate() {
            if c.name.trim().is_empty() {
                return Err(format!("connections[{i}].name: empty"));
            }
            if !seen.insert(c.name.as_str()) {
                return Err(format!("connections[{i}].name: {:?} is used twice", c.name));
            }
        }
        Ok(config)
    }
}

/// What a `[slack]` section must hold to work at all, named by key.
fn check_slack(slack: &SlackConfig) -> Result<(), String> {
    filled(&[
        ("slack.bot_token", slack.bot_token.expose()),
        ("slack.signing_secret", slack.signing_secret.expose()),
        ("slack.channel", slack.channel.as_str()),
    ])?;
    web_addresses(&[
        ("slack.api_url", Some(&slack.api_url)),
        ("slack.dashboard_url", slack.dashboard_url.as_ref()),
    ])
}

/// A connection's `platform` that names no platform, as an error naming the connection and the
/// platforms there are. serde's own message would name neither (and the value has no position
/// left once `${VAR}`s are replaced).
fn check_platforms(value: &toml::Value) -> Result<(), String> {
    let Some(connections) = value.get("connections").and_then(toml::Value::as_array) else {
        return Ok(());
    };
    for (i, c) in connections.iter().enumerate() {
        // A missing platform is serde's to report ("missing field").
        let Some(platform) = c.get("platform") else {
            continue;
        };
        if platform.as_str().and_then(Platform::parse).is_some() {
            continue;
        }
        // The word itself only when it looks like one: a misplaced `${WAREHOUSE_URL}` must not
        // print its password.
        let word = platform
            .as_str()
            .filter(|w| w.len() <= 32 && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .map_or(String::new(), |w| format!(" {w:?}"));
        let of = c
            .get("name")
            .and_then(toml::Value::as_str)
            .map_or(String::new(), |n| format!(" of connection {n:?}"));
        return Err(format!(
            "connections[{i}].platform: unknown platform{word}{of} (expected {})",
            Platform::names()
        ));
    }
    Ok(())
}

/// One line about a TOML error that never shows the file: toml's own rendering quotes the source
/// line, and serde's messages quote values, either of which may be a secret (written literally, or
/// put there by `${VAR}`). Gives the line and column, and the message with quoted text masked.
fn toml_error(e: &toml::de::Error, text: &str) -> String {
    let message = mask_quoted(&e.message().split_whitespace().collect::<Vec<_>>().join(" "));
    match e.span().and_then(|s| text.get(..s.start)) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// `invalid type: string "s3cr3t", expected u32` → `invalid type: string "…", expected u32`.
fn mask_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '"' {
            if inside {
                out.push('…');
            }
            inside = !inside;
            out.push(c);
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// Replaces `${VAR}` in every string; each unset variable is named in `unset` with its key
/// (`VAR (at connections[0].url)`), so that one run names them all.
fn substitute(
    v: &mut toml::Value,
    env: &impl Fn(&str) -> Option<String>,
    at: &mut String,
    unset: &mut Vec<String>,
) {
    match v {
        toml::Value::String(s) => match expand(s, env) {
            Ok(expanded) => *s = expanded,
            Err(var) => unset.push(format!("{var} (at {at})")),
        },
        toml::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                substitute(item, env, at, unset);
                at.truncate(len);
            }
        }
        toml::Value::Table(t) => {
            for (k, item) in t.iter_mut() {
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(k);
                substitute(item, env, at, unset);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

fn expand(s: &str, env: &impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let var = &rest[start + 2..start + end];
        out.push_str(&env(var).ok_or_else(|| var.to_string())?);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Config;

    fn env(name: &str) -> Option<String> {
        (name == "KEY").then(|| "sk-123".to_string())
    }

    #[test]
    fn reads_llm_section_with_env() {
        let c = Config::parse(
            "[llm]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\napi_key = \"${KEY}\"\ntimeout = \"5s\"\n",
            env,
        )
        .unwrap();
        let llm = c.llm.unwrap();
        assert_eq!(llm.api_key.unwrap().expose(), "sk-123");
        assert_eq!(llm.timeout.as_secs(), 5);
        assert_eq!(llm.max_steps, 8);
    }

    #[test]
    fn names_the_unset_variable_and_its_key() {
        let e = Config::parse(
            "[llm]\nbase_url = \"x\"\nmodel = \"m\"\napi_key = \"${MISSING}\"\n",
            env,
        )
        .unwrap_err();
        assert!(e.contains("llm.api_key") && e.contains("MISSING"), "{e}");
    }

    #[test]
    fn reads_slack_and_checks_it() {
        let text = "[slack]\nbot_token = \"${KEY}\"\nsigning_secret = \"${KEY}\"\nchannel = \"C1\"\n[slack.users]\nU024BE7LH = \"carol\"\n";
        let c = Config::parse(text, env).unwrap();
        let slack = c.slack.unwrap();
        assert_eq!(slack.api_url, "https://slack.com/api");
        assert_eq!(slack.users["U024BE7LH"], "carol");
        assert!(!format!("{slack:?}").contains("sk-123"));
        let e = Config::parse(&text.replace("C1", " "), env).unwrap_err();
        assert_eq!(e, "slack.channel: empty");
        let e = Config::parse(
            &text.replace("${KEY}\"\nchannel", "${NOPE}\"\nchannel"),
            env,
        )
        .unwrap_err();
        assert!(
            e.contains("slack.signing_secret") && e.contains("NOPE"),
            "{e}"
        );
        let bad = text.replace("[slack.users]", "api_url = \"slack.com\"\n[slack.users]");
        assert_eq!(
            Config::parse(&bad, env).unwrap_err(),
            "slack.api_url: not an http(s) address"
        );
    }

    #[test]
    fn reads_mcp_hosts() {
        let c = Config::parse("[mcp]\nallowed_hosts = [\"warden.example.com\"]\n", env).unwrap();
        assert_eq!(c.mcp.allowed_hosts.unwrap(), ["warden.example.com"]);
        assert!(Config::parse("", env).unwrap().mcp.allowed_hosts.is_none());
    }

    #[test]
    fn connections_need_distinct_names() {
        let one = "[[connections]]\nname = \"pg\"\nplatform = \"postgres\"\nurl = \"${KEY}\"\n";
        let c = Config::parse(one, env).unwrap();
        assert_eq!(c.connections[0].url.as_ref().unwrap().expose(), "sk-123");
        let e = Config::parse(&format!("{one}{one}"), env).unwrap_err();
        assert!(e.contains("connections[1].name"), "{e}");
    }

    #[test]
    fn an_unknown_platform_names_its_connection_and_the_platforms() {
        let c = Config::parse(
            "[[connections]]\nname = \"wh\"\nplatform = \"redshift\"\n",
            env,
        )
        .unwrap();
        assert_eq!(c.connections[0].platform, crate::model::Platform::Redshift);
        let e = Config::parse(
            "[[connections]]\nname = \"pg\"\nplatform = \"postgres\"\n[[connections]]\nname = \"wh\"\nplatform = \"oracle\"\n",
            env,
        )
        .unwrap_err();
        assert_eq!(
            e,
            "connections[1].platform: unknown platform \"oracle\" of connection \"wh\" (expected postgres, redshift, snowflake or bigquery)"
        );
        // Not a word (a misplaced URL with its password, a number): the word is left out.
        for platform in ["\"${KEY}\"", "\"postgres://u:sk-9@h/db\"", "3"] {
            let text = format!("[[connections]]\nname = \"wh\"\nplatform = {platform}\n");
            let e = Config::parse(&text, env).unwrap_err();
            assert!(
                e.starts_with("connections[0].platform: unknown platform of connection \"wh\" (expected postgres,"),
                "{e}"
            );
            assert!(!e.contains("sk-"), "{e}");
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config::parse(
            "[llm]\nbase_url = \"x\"\nmodel = \"m\"\napi_key = \"${KEY}\"\n",
            env,
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("sk-123"));
    }

    #[test]
    fn rejects_unknown_keys_and_bad_durations() {
        assert!(Config::parse("[llm]\nbase_url = \"x\"\nmodel = \"m\"\nmodle = 1\n", env).is_err());
        assert!(
            Config::parse(
                "[llm]\nbase_url = \"x\"\nmodel = \"m\"\ntimeout = \"soon\"\n",
                env
            )
            .is_err()
        );
    }

    #[test]
    fn errors_never_show_the_file_or_a_value() {
        // A syntax error on a line holding a literal secret: the line and column, not the line.
        let e = Config::parse(
            "[llm]\nbase_url = \"x\"\nmodel = \"m\"\napi_key = \"sk-live-0123\" oops\n",
            env,
        )
        .unwrap_err();
        assert!(!e.contains("sk-live-0123") && !e.contains('\n'), "{e}");
        assert!(e.starts_with("line 4, column "), "{e}");
        // A secret in a field of the wrong type, literal or from the environment.
        for text in [
            "[server]\nmax_connections = \"sk-live-0123\"\n",
            "[server]\nmax_connections = \"${KEY}\"\n",
        ] {
            let e = Config::parse(text, env).unwrap_err();
            assert!(!e.contains("sk-live-0123") && !e.contains("sk-123"), "{e}");
        }
    }

    #[test]
    fn reads_server_limits() {
        let c = Config::parse(
            "[server]\nmax_import_size = \"200MiB\"\nrequest_timeout = \"5s\"\nmax_connections = 8\n",
            env,
        )
        .unwrap();
        assert_eq!(c.server.max_import_size, crate::model::ByteSize::mib(200));
        assert_eq!(c.server.request_timeout.as_secs(), 5);
        assert_eq!(c.server.max_connections, 8);
        assert!(Config::parse("[server]\nmax_body_size = \"lots\"\n", env).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Whatever a config file holds, parsing it ends in a config or a one-line error that
        /// never repeats a quoted value of the file.
        #[test]
        fn any_file_is_a_config_or_one_line(value in "\\PC{0,60}", key in "[a-z_]{1,12}") {
            let secret = format!("s3cr3t{}", value.len());
            for text in [
                format!("[server]\n{key} = \"{secret}\" {value}\n"),
                format!("[llm]\nbase_url = \"{value}\"\nmodel = \"m\"\napi_key = \"{secret}\"\n{key} = {value}\n"),
                value.clone(),
            ] {
                if let Err(e) = Config::parse(&text, env) {
                    proptest::prop_assert!(!e.contains('\n'), "{}", e);
                    proptest::prop_assert!(!e.contains(&secret), "{}", e);
                }
            }
        }
    }
}
