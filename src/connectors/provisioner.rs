//! One face over each platform's provisioning primitives, opened from a configured connection,
//! so that the job runner does not care which platform a grant goes to.

use super::{Applied, Change, ConnectorError, bigquery, postgres, redshift, snowflake};
use crate::config::ConnectionConfig;
use crate::model::Platform;

pub enum Provisioner {
    Postgres(postgres::Provisioner),
    Redshift(redshift::Provisioner),
    /// Boxed: it holds a key and an HTTP client, much larger than a database connection.
    Snowflake(Box<snowflake::provision::Provisioner>),
    Bigquery(Box<bigquery::provision::Provisioner>),
}

impl Provisioner {
    /// Connects to the platform `cfg` describes: those that [`Platform::can_provision`].
    pub async fn connect(cfg: &ConnectionConfig) -> Result<Provisioner, ConnectorError> {
        match cfg.platform {
            Platform::Postgres => Ok(Provisioner::Postgres(
                postgres::Provisioner::connect(super::url(cfg)?).await?,
            )),
            Platform::Redshift => Ok(Provisioner::Redshift(
                redshift::Provisioner::connect(super::url(cfg)?).await?,
            )),
            Platform::Snowflake => Ok(Provisioner::Snowflake(Box::new(
                snowflake::provision::Provisioner::new(snowflake::connect(cfg)?),
            ))),
            Platform::Bigquery => Ok(Provisioner::Bigquery(Box::new(
                bigquery::provision::Provisioner::new(bigquery::connect(cfg)?),
            ))),
        }
    }

    pub async fn grant(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        match self {
            Provisioner::Postgres(p) => p.grant(change).await,
            Provisioner::Redshift(p) => p.grant(change).await,
            Provisioner::Snowflake(p) => p.grant(change).await,
            Provisioner::Bigquery(p) => p.grant(change).await,
        }
    }

    pub async fn revoke(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        match self {
            Provisioner::Postgres(p) => p.revoke(change).await,
            Provisioner::Redshift(p) => p.revoke(change).await,
            Provisioner::Snowflake(p) => p.revoke(change).await,
            Provisioner::Bigquery(p) => p.revoke(change).await,
        }
    }

    pub async fn holds(&mut self, change: &Change) -> Result<bool, ConnectorError> {
        match self {
            Provisioner::Postgres(p) => p.holds(change).await,
            Provisioner::Redshift(p) => p.holds(change).await,
            Provisioner::Snowflake(p) => p.holds(change).await,
            Provisioner::Bigquery(p) => p.holds(change).await,
        }
    }

    pub async fn close(self) {
        match self {
            Provisioner::Postgres(p) => p.close().await,
            Provisioner::Redshift(p) => p.close().await,
            Provisioner::Snowflake(p) => p.close().await,
            Provisioner::Bigquery(p) => p.close().await,
        }
    }
}
