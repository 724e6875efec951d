//! Building the AWS SDK configuration without the SDK's default TLS stack (aws-lc, a large C
//! build): rustls with ring, which the workspace has already.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

pub use aws_sdk_dynamodb::config::SharedHttpClient;

/// An HTTPS (and plain HTTP, for emulators) client over rustls with ring.
pub fn https_client() -> SharedHttpClient {
    Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The SDK configuration from the environment (region, credentials, `AWS_ENDPOINT_URL`, …),
/// as a Lambda or the CLI uses it.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .load()
        .await
}
