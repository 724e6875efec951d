//! Where the client sends its requests.

use std::fmt;
use std::str::FromStr;

use reqwest::Url;

/// NAV's service root for API version 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `https://api-test.onlineszamla.nav.gov.hu/invoiceService/v3`
    Test,
    /// `https://api.onlineszamla.nav.gov.hu/invoiceService/v3`
    Production,
    /// Any other root, e.g. the simulator. `http://127.0.0.1:8080` and
    /// `http://127.0.0.1:8080/invoiceService/v3` name the same root: the context root is
    /// appended when the URL does not end in it.
    Custom(Url),
}

impl Endpoint {
    pub const TEST_URL: &str = "https://api-test.onlineszamla.nav.gov.hu/invoiceService/v3";
    pub const PRODUCTION_URL: &str = "https://api.onlineszamla.nav.gov.hu/invoiceService/v3";
    const CONTEXT_ROOT: &str = "/invoiceService/v3";

    /// A custom root from a URL string (http or https).
    pub fn custom(url: &str) -> Result<Self, EndpointError> {
        let mut parsed = Url::parse(url).map_err(|e| EndpointError(format!("{url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(EndpointError(format!(
                "{url:?}: must be an http or https URL with a host"
            )));
        }
        let path = parsed.path().trim_end_matches('/').to_owned();
        if !path.ends_with(Self::CONTEXT_ROOT) {
            parsed.set_path(&format!("{path}{}", Self::CONTEXT_ROOT));
        } else {
            parsed.set_path(&path);
        }
        Ok(Endpoint::Custom(parsed))
    }

    /// The service root, without a trailing slash.
    pub fn root(&self) -> String {
        match self {
            Endpoint::Test => Self::TEST_URL.to_owned(),
            Endpoint::Production => Self::PRODUCTION_URL.to_owned(),
            Endpoint::Custom(url) => url.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// The URL of one operation, e.g. `…/invoiceService/v3/queryInvoiceDigest`.
    pub fn operation_url(&self, operation: &str) -> String {
        format!("{}/{operation}", self.root())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("NAV endpoint {0}; use `test`, `production` or a URL")]
pub struct EndpointError(String);

impl FromStr for Endpoint {
    type Err = EndpointError;
    /// `test`, `production`, or a URL.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "test" => Ok(Endpoint::Test),
            "production" | "prod" => Ok(Endpoint::Production),
            url => Endpoint::custom(url),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_nav_environments_and_custom_roots() {
        assert_eq!(
            "test"
                .parse::<Endpoint>()
                .unwrap()
                .operation_url("queryTaxpayer"),
            "https://api-test.onlineszamla.nav.gov.hu/invoiceService/v3/queryTaxpayer"
        );
        assert_eq!(
            Endpoint::Production.operation_url("queryInvoiceData"),
            "https://api.onlineszamla.nav.gov.hu/invoiceService/v3/queryInvoiceData"
        );
        for url in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/invoiceService/v3/",
        ] {
            assert_eq!(
                Endpoint::custom(url)
                    .unwrap()
                    .operation_url("queryInvoiceDigest"),
                "http://127.0.0.1:8080/invoiceService/v3/queryInvoiceDigest",
                "{url}"
            );
        }
        assert!("ftp://example.com".parse::<Endpoint>().is_err());
        assert!("not a url".parse::<Endpoint>().is_err());
    }
}
