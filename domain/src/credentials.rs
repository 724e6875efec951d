//! A taxpayer's NAV technical-user credentials. Secrets never print: `Debug` redacts them and
//! nothing here implements `Display` or `Serialize`, so a log line cannot carry one by accident.

use std::fmt;

use serde::Deserialize;

use crate::tax_number::TaxpayerId;

/// A secret string. Read it with [`Secret::expose`] at the one place that needs the value.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NavCredentials {
    /// The taxpayer the technical user acts for (`user/taxNumber`).
    pub tax_number: TaxpayerId,
    pub login: String,
    pub password: Secret,
    pub sign_key: Secret,
    pub exchange_key: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_carries_no_secret() {
        let creds = NavCredentials {
            tax_number: "11111111".parse().unwrap(),
            login: "user1".into(),
            password: Secret::new("hunter2-password"),
            sign_key: Secret::new("ac-ac3a-7f661bff7d342N43CYX4U9FG"),
            exchange_key: Secret::new("exchange-secret"),
        };
        let shown = format!("{creds:?} {creds:#?}");
        for secret in ["hunter2-password", "7f661bff", "exchange-secret"] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert!(shown.contains("user1"));
    }
}
