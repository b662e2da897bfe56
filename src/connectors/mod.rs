//! Connectors: read a live platform into a snapshot ([`crate::model::Connection`]). One module
//! per platform; the SQL each one sends lives in one file beside it, so that it can be reviewed
//! and tried against a real system on its own.

pub mod bigquery;
pub mod http;
pub mod jwt;
pub mod postgres;
pub mod provisioner;
pub mod quote;
pub mod redshift;
pub mod snowflake;

pub use crate::model::change::Change;

use crate::config::ConnectionConfig;
use crate::model::{Connection, Platform};

/// Why a connection could not be read. The message never holds the connection URL or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ConnectorError {
    pub kind: FailureKind,
    pub message: String,
}

/// A stable, machine-readable reason, as `warden sync --json` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Nothing answered, or the connection dropped.
    Unreachable,
    /// The platform refused the credentials.
    Authentication,
    /// The connecting user may not read a catalog it needs.
    PermissionDenied,
    /// A connect or a query took too long.
    Timeout,
    /// The configuration cannot be used (no URL).
    Config,
    /// The platform answered something Warden could not use.
    Invalid,
    /// This platform has no live connector yet.
    Unsupported,
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&s)
    }
}

impl ConnectorError {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> ConnectorError {
        ConnectorError {
            kind,
            message: message.into(),
        }
    }
}

/// What a grant or revoke did: whether the grant was there before it ran (a grant Warden did
/// not make must survive the expiry of a request), the statement sent, and whether the grant
/// holds after it ran, read back from the platform (the receipt). A revoke can leave it holding:
/// on PostgreSQL 16 a membership granted by two grantors loses only Warden's row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    pub pre_existing: bool,
    pub statement: String,
    pub holds_after: bool,
}

/// The one connection a connector's snapshot document holds, validated like any import.
pub(crate) fn validated(doc: serde_json::Value) -> Result<Connection, ConnectorError> {
    let mut conns = crate::snapshot::parse_value(doc).map_err(|e| {
        ConnectorError::new(
            FailureKind::Invalid,
            format!("the catalog made an invalid snapshot: {}", e.message),
        )
    })?;
    conns
        .pop()
        .ok_or_else(|| ConnectorError::new(FailureKind::Invalid, "no connection was read"))
}

/// A snapshot resource of `kind` named by `parts` (dot-joined), with its `path` when a part
/// holds a dot (a BigQuery `example.com:proj`, a quoted Snowflake name).
pub(crate) fn resource_doc(kind: &str, parts: &[String]) -> serde_json::Value {
    let mut r = serde_json::json!({"kind": kind, "name": parts.join(".")});
    if parts.iter().any(|p| p.contains('.')) {
        r["path"] = serde_json::json!(parts);
    }
    r
}

/// The url of a configured connection, which every live connector needs.
pub(crate) fn url(cfg: &ConnectionConfig) -> Result<&str, ConnectorError> {
    cfg.url
        .as_ref()
        .map(|u| u.expose())
        .ok_or_else(|| ConnectorError::new(FailureKind::Config, "the connection has no url"))
}

/// A privilege as the PostgreSQL-wire platforms spell it: upper case, TEMP as TEMPORARY.
pub(crate) fn normal_privilege(privilege: &str) -> String {
    match privilege.trim().to_ascii_uppercase() {
        p if p == "TEMP" => "TEMPORARY".to_owned(),
        p => p,
    }
}

/// The keyword `privilege` names among the `allowed` ones on `what` (`a table`, ...), or the
/// refusal that lists them.
pub(crate) fn allowed_privilege(
    privilege: &str,
    allowed: &[&'static str],
    what: &str,
) -> Result<&'static str, ConnectorError> {
    let upper = normal_privilege(privilege);
    allowed
        .iter()
        .find(|p| **p == upper)
        .copied()
        .ok_or_else(|| {
            ConnectorError::new(
                FailureKind::Config,
                format!(
                    "{privilege:?} is not a privilege on {what} (one of {})",
                    allowed.join(", ")
                ),
            )
        })
}

/// Reads one configured connection: those whose platform [`Platform::can_sync`].
pub async fn read(cfg: &ConnectionConfig) -> Result<Connection, ConnectorError> {
    read_noted(cfg).await.map(|(c, _)| c)
}

/// As [`read`], with what the snapshot could not hold, in words (a BigQuery authorized view,
/// groups whose members are not known).
pub async fn read_noted(
    cfg: &ConnectionConfig,
) -> Result<(Connection, Vec<String>), ConnectorError> {
    let plain = |c: Connection| (c, Vec::new());
    match cfg.platform {
        Platform::Postgres => postgres::read(url(cfg)?, &cfg.name).await.map(plain),
        Platform::Redshift => redshift::read(url(cfg)?, &cfg.name).await.map(plain),
        Platform::Snowflake => {
            let api = snowflake::connect(cfg)?;
            snowflake::read::read_from(&api, &cfg.name, snowflake::source(cfg)?)
                .await
                .map(plain)
        }
        Platform::Bigquery => {
            let api = bigquery::connect(cfg)?;
            let read = bigquery::read::read(&api, &cfg.name).await?;
            Ok((read.connection, read.notes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FailureKind, provisioner::Provisioner, read};
    use crate::config::{ConnectionConfig, Secret};
    use crate::model::Platform;

    /// A connection of `platform` to a loopback port nothing listens on.
    fn nowhere(platform: Platform) -> ConnectionConfig {
        ConnectionConfig {
            url: Some(Secret::new("postgres://warden@127.0.0.1:1/x")),
            ..ConnectionConfig::new("x", platform)
        }
    }

    /// What the platforms say they can do is what the connectors do: a platform that cannot
    /// sync (or provision) is refused as unsupported before anything is tried, one that can is
    /// tried (and finds nothing listening).
    #[tokio::test]
    async fn the_capabilities_are_what_the_connectors_do() {
        for platform in Platform::ALL {
            let cfg = nowhere(platform);
            let read = read(&cfg).await.map(|_| ()).unwrap_err().kind;
            assert_eq!(
                read == FailureKind::Unsupported,
                !platform.can_sync(),
                "{platform}: {read}"
            );
            let open = Provisioner::connect(&cfg)
                .await
                .map(|_| ())
                .unwrap_err()
                .kind;
            assert_eq!(
                open == FailureKind::Unsupported,
                !platform.can_provision(),
                "{platform}: {open}"
            );
        }
    }
}
