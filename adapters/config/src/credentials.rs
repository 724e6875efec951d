//! [`CredentialStore`] over the taxpayers of a loaded configuration.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use navsync_domain::ports::{CredentialStore, CredentialsError};
use navsync_domain::{NavCredentials, Secret, TaxpayerId};

/// One `[[taxpayer]]` after the environment is applied: each value with where it came from.
#[derive(Clone)]
pub(crate) struct TaxpayerEntry {
    /// `taxpayer[N].`, the entry's place in the file.
    pub at: String,
    pub login: Option<(Secret, String)>,
    pub password: Option<(Secret, String)>,
    pub sign_key: Option<(Secret, String)>,
    pub exchange_key: Option<(Secret, String)>,
}

/// The configured taxpayers' NAV credentials. `Debug` lists taxpayers, never a value.
#[derive(Clone)]
pub struct ConfigCredentials {
    file: PathBuf,
    entries: Arc<HashMap<TaxpayerId, TaxpayerEntry>>,
}

impl fmt::Debug for ConfigCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut taxpayers: Vec<_> = self.entries.keys().collect();
        taxpayers.sort();
        f.debug_struct("ConfigCredentials")
            .field("file", &self.file)
            .field("taxpayers", &taxpayers)
            .finish()
    }
}

impl ConfigCredentials {
    pub(crate) fn new(file: PathBuf, entries: HashMap<TaxpayerId, TaxpayerEntry>) -> Self {
        Self {
            file,
            entries: Arc::new(entries),
        }
    }

    fn resolve(&self, taxpayer: TaxpayerId) -> Result<NavCredentials, CredentialsError> {
        let file = self.file.display();
        let entry = self
            .entries
            .get(&taxpayer)
            .ok_or_else(|| CredentialsError::Missing {
                name: format!(
                    "taxpayer {taxpayer} has no [[taxpayer]] entry in {file}; add one with \
                 tax_number = \"{taxpayer}\""
                ),
            })?;
        let take = |value: &Option<(Secret, String)>, key: &str| {
            let (secret, source) = value.as_ref().ok_or_else(|| CredentialsError::Missing {
                name: format!(
                    "{}{key} in {file} (or the variable NAVSYNC_{taxpayer}_{})",
                    entry.at,
                    key.to_ascii_uppercase()
                ),
            })?;
            let v = secret.expose();
            let reason = if v.is_empty() {
                Some("is empty")
            } else if v.trim() != v {
                Some("has leading or trailing whitespace")
            } else if v.chars().any(char::is_control) {
                Some("holds a control character")
            } else {
                None
            };
            match reason {
                Some(reason) => Err(CredentialsError::Malformed {
                    name: source.clone(),
                    reason: reason.to_owned(),
                }),
                None => Ok(secret.clone()),
            }
        };
        Ok(NavCredentials {
            tax_number: taxpayer,
            login: take(&entry.login, "login")?.expose().to_owned(),
            password: take(&entry.password, "password")?,
            sign_key: take(&entry.sign_key, "sign_key")?,
            exchange_key: take(&entry.exchange_key, "exchange_key")?,
        })
    }
}

#[async_trait]
impl CredentialStore for ConfigCredentials {
    async fn credentials(&self, taxpayer: TaxpayerId) -> Result<NavCredentials, CredentialsError> {
        self.resolve(taxpayer)
    }
}
