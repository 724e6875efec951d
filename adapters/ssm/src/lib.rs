//! Per-taxpayer NAV credentials from SSM Parameter Store.
//!
//! Layout, under a configurable prefix (e.g. `/navsync/nav`), one parameter per value:
//!
//! | parameter                          | type         | value                          |
//! |------------------------------------|--------------|--------------------------------|
//! | `{prefix}/{taxpayer}/login`        | SecureString or String | the technical user's login |
//! | `{prefix}/{taxpayer}/password`     | SecureString | its password                   |
//! | `{prefix}/{taxpayer}/sign-key`     | SecureString | its XML signing key            |
//! | `{prefix}/{taxpayer}/exchange-key` | SecureString | its exchange key               |
//!
//! `{taxpayer}` is the 8-digit taxpayer id, which is also the credentials' tax number. All four
//! are read in one `GetParameters` call with decryption and kept for the life of the process
//! (a Lambda container), so a warm invocation makes no SSM call. Errors name the parameter to
//! fix and never carry a value; nothing here logs one.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_ssm::Client;
use aws_sdk_ssm::config::retry::RetryConfig;
use aws_sdk_ssm::error::DisplayErrorContext;
use aws_sdk_ssm::types::ParameterType;
use navsync_domain::ports::{CredentialStore, CredentialsError};
use navsync_domain::{NavCredentials, Secret, TaxpayerId};
use tokio::sync::Mutex;

pub use aws_sdk_ssm;

/// The parameter names under `{prefix}/{taxpayer}/`.
pub const LOGIN: &str = "login";
pub const PASSWORD: &str = "password";
pub const SIGN_KEY: &str = "sign-key";
pub const EXCHANGE_KEY: &str = "exchange-key";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "SSM parameter prefix {0:?} must start with '/' and not end with one, e.g. /navsync/nav"
    )]
    Prefix(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsmConfig {
    /// e.g. `/navsync/nav`.
    pub prefix: String,
}

/// The SSM adapter of [`CredentialStore`], caching what it read for the life of the process.
#[derive(Debug)]
pub struct SsmCredentials {
    client: Client,
    prefix: String,
    cache: Mutex<HashMap<TaxpayerId, NavCredentials>>,
}

impl SsmCredentials {
    pub fn new(sdk: &SdkConfig, config: SsmConfig) -> Result<Self, ConfigError> {
        let p = &config.prefix;
        if !p.starts_with('/') || p.ends_with('/') || p.len() < 2 {
            return Err(ConfigError::Prefix(p.clone()));
        }
        let conf = aws_sdk_ssm::config::Builder::from(sdk)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(6)
                    .with_initial_backoff(Duration::from_millis(100)),
            )
            .build();
        Ok(Self {
            client: Client::from_conf(conf),
            prefix: config.prefix,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The full name of one of a taxpayer's parameters.
    pub fn parameter_name(&self, taxpayer: TaxpayerId, name: &str) -> String {
        format!("{}/{taxpayer}/{name}", self.prefix)
    }

    async fn fetch(&self, taxpayer: TaxpayerId) -> Result<NavCredentials, CredentialsError> {
        let names: Vec<String> = [LOGIN, PASSWORD, SIGN_KEY, EXCHANGE_KEY]
            .iter()
            .map(|n| self.parameter_name(taxpayer, n))
            .collect();
        let out = self
            .client
            .get_parameters()
            .set_names(Some(names.clone()))
            .with_decryption(true)
            .send()
            .await
            // The SDK's error text carries request metadata, never the (unsent) values.
            .map_err(|e| {
                CredentialsError::Unavailable(format!(
                    "SSM GetParameters: {}",
                    DisplayErrorContext(e)
                ))
            })?;
        let mut found: HashMap<String, (String, Option<ParameterType>)> = out
            .parameters
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| {
                let name = p.name?;
                Some((name, (p.value.unwrap_or_default(), p.r#type)))
            })
            .collect();
        let mut take = |name: &str, secure: bool| -> Result<String, CredentialsError> {
            let full = self.parameter_name(taxpayer, name);
            let (value, kind) = found
                .remove(&full)
                .ok_or_else(|| CredentialsError::Missing { name: full.clone() })?;
            let malformed = |reason: &str| CredentialsError::Malformed {
                name: full.clone(),
                reason: reason.to_owned(),
            };
            if secure && kind != Some(ParameterType::SecureString) {
                return Err(malformed("must be a SecureString parameter"));
            }
            if value.trim().is_empty() {
                return Err(malformed("is empty"));
            }
            if value.trim() != value {
                return Err(malformed("has leading or trailing whitespace"));
            }
            if value.chars().any(char::is_control) {
                return Err(malformed("contains control characters"));
            }
            Ok(value)
        };
        Ok(NavCredentials {
            tax_number: taxpayer,
            login: take(LOGIN, false)?,
            password: Secret::new(take(PASSWORD, true)?),
            sign_key: Secret::new(take(SIGN_KEY, true)?),
            exchange_key: Secret::new(take(EXCHANGE_KEY, true)?),
        })
    }
}

#[async_trait]
impl CredentialStore for SsmCredentials {
    async fn credentials(&self, taxpayer: TaxpayerId) -> Result<NavCredentials, CredentialsError> {
        // Held across the fetch so concurrent first calls make one SSM call, not several.
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.get(&taxpayer) {
            return Ok(c.clone());
        }
        let creds = self.fetch(taxpayer).await?;
        cache.insert(taxpayer, creds.clone());
        Ok(creds)
    }
}
