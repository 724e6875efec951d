//! One invocation: parse the event, sync each taxpayer and direction through the domain's
//! `SyncService`, log a summary per part, and fail the invocation if any part failed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lambda_runtime::LambdaEvent;
use navsync_domain::ports::SystemClock;
use navsync_domain::sync::{SyncPolicy, SyncService};
use navsync_dynamodb::aws_config::SdkConfig;
use navsync_dynamodb::{DynamoConfig, DynamoStore};
use navsync_nav::client::SoftwareOperation;
use navsync_nav::{ClientConfig, NavClient, Software};
use navsync_s3::{S3Archive, S3Config, Sse};
use navsync_ssm::{SsmConfig, SsmCredentials};
use serde_json::Value;

use crate::config::Config;
use crate::event::SyncCommand;
use crate::outcome::{self, SyncLambdaError, SyncResponse};

/// Everything an invocation needs, built once per container.
pub struct App {
    pub config: Config,
    pub nav: NavClient,
    pub store: DynamoStore,
    pub archive: S3Archive,
    pub credentials: SsmCredentials,
}

impl App {
    /// Builds the clients. `sdk` carries region, credentials and endpoint (`AWS_ENDPOINT_URL`).
    pub fn new(config: Config, sdk: &SdkConfig, nav: ClientConfig) -> Result<Self, String> {
        let mut s3 = S3Config::new(config.bucket.clone());
        if let Some(key_id) = &config.kms_key_id {
            s3.sse = Sse::Kms {
                key_id: Some(key_id.clone()),
            };
        }
        // Emulators need path-style URLs; the endpoint override is how tests point at one.
        s3.force_path_style = sdk.endpoint_url().is_some();
        let archive = S3Archive::new(sdk, s3).map_err(|e| e.to_string())?;
        // The sync never hands out pagination cursors, so its store signs them with a key of
        // its own that nothing else needs to know.
        let cursor_key: Vec<u8> = (0..4)
            .flat_map(|_| fastrand::u64(..).to_le_bytes())
            .collect();
        let store = DynamoStore::new(sdk, DynamoConfig::new(config.table.clone(), cursor_key))
            .map_err(|e| e.to_string())?
            .with_overflow(Arc::new(archive.clone()));
        let credentials = SsmCredentials::new(
            sdk,
            SsmConfig {
                prefix: config.ssm_prefix.clone(),
            },
        )
        .map_err(|e| e.to_string())?;
        let nav = NavClient::new(nav).map_err(|e| e.to_string())?;
        Ok(Self {
            config,
            nav,
            store,
            archive,
            credentials,
        })
    }

    /// The NAV client settings for this deployment's endpoint.
    pub fn nav_config(config: &Config) -> ClientConfig {
        let mut nav = ClientConfig::new(
            config.nav_endpoint.clone(),
            Software::navsync(SoftwareOperation::OnlineService),
        );
        config.apply_nav(&mut nav);
        nav
    }

    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<SyncResponse, SyncLambdaError> {
        let deadline: DateTime<Utc> = event.context.deadline().into();
        let sync_event = crate::event::parse(event.payload)?;
        let policy = SyncPolicy {
            rescan: sync_event.rescan,
            recheck: self.config.recheck,
            deadline: Some(deadline - self.config.deadline_margin),
            ..SyncPolicy::new(sync_event.lookback_days.unwrap_or(self.config.lookback))
        };
        self.run(&sync_event, &policy).await
    }

    /// Syncs every taxpayer and direction of `event`; one failing part never stops the others.
    pub async fn run(
        &self,
        event: &SyncCommand,
        policy: &SyncPolicy,
    ) -> Result<SyncResponse, SyncLambdaError> {
        let service = SyncService {
            nav: &self.nav,
            repo: &self.store,
            state: &self.store,
            archive: &self.archive,
            credentials: &self.credentials,
            clock: &SystemClock,
        };
        let summaries = service
            .run_summarized(&event.taxpayers, &event.directions(), policy, || {
                self.nav.stats().total().retries
            })
            .await;
        summaries.iter().for_each(outcome::log);
        match SyncLambdaError::from_summaries(&summaries) {
            Some(error) => Err(error),
            None => Ok(SyncResponse { summaries }),
        }
    }
}
