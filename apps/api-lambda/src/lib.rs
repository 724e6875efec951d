//! The API Lambda: the `navsync-api` router over DynamoDB and S3, behind API Gateway HTTP API
//! v2. Claims from API Gateway's JWT authorizer become [`AuthorizerClaims`]; requests without
//! them (routes without the authorizer) are verified by the router against Cognito's JWKS.

pub mod config;
pub mod export;
pub mod response;
pub mod sync_invoke;

use std::sync::Arc;

use aws_config::SdkConfig;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use navsync_api::{
    ApiConfig, Auth, AuthorizerClaims, ClaimsPolicy, ExportDelivery, OidcConfig, OidcVerifier,
    Ports, RateLimiter,
};
use navsync_dynamodb::{DynamoConfig, DynamoStore};
use navsync_s3::{S3Archive, S3Config};

pub use config::{Config, ConfigError, ENV_VARS};
pub use export::S3ExportSink;
pub use response::LambdaBody;
pub use sync_invoke::InvokeSyncLambda;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cursor key parameter {name}: {reason}")]
    CursorKey { name: String, reason: String },
    #[error("DynamoDB store: {0}")]
    Store(#[from] navsync_dynamodb::ConfigError),
    #[error("S3 archive: {0}")]
    Archive(#[from] navsync_s3::ConfigError),
}

/// Moves the claims API Gateway's JWT authorizer verified into the request, where the router
/// reads them. Only this runner can put them there: no header a client sends becomes one.
pub fn with_authorizer_claims(mut req: Request) -> Request {
    let claims = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|jwt| jwt.claims.clone())
            .filter(|c| !c.is_empty()),
        _ => None,
    };
    if let Some(claims) = claims {
        req.extensions_mut().insert(AuthorizerClaims(claims));
    }
    req
}

/// The cursor signing key from its SSM SecureString.
pub async fn cursor_key(ssm: &aws_sdk_ssm::Client, name: &str) -> Result<Vec<u8>, StartupError> {
    let err = |reason: String| StartupError::CursorKey {
        name: name.to_owned(),
        reason,
    };
    let out = ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| err(aws_sdk_ssm::error::DisplayErrorContext(e).to_string()))?;
    let value = out
        .parameter()
        .and_then(|p| p.value())
        .ok_or_else(|| err("the parameter has no value".into()))?;
    Ok(value.as_bytes().to_vec())
}

/// The router with every port wired: DynamoDB for invoices and sync state, S3 for documents,
/// the sync Lambda for "sync now", Cognito for tokens without an authorizer in front.
pub async fn app(config: &Config, sdk: &SdkConfig) -> Result<axum::Router, StartupError> {
    let key = cursor_key(&aws_sdk_ssm::Client::new(sdk), &config.cursor_key_param).await?;
    let mut s3 = S3Config::new(&config.bucket);
    // Emulators (AWS_ENDPOINT_URL) serve buckets by path; AWS wants virtual-hosted names.
    s3.force_path_style = sdk.endpoint_url().is_some();
    let archive = S3Archive::new(sdk, s3.clone())?;
    // The sync Lambda keeps models over DynamoDB's item limit in the document bucket; without
    // the same overflow store here those invoices would read back as corrupt.
    let store = DynamoStore::new(sdk, DynamoConfig::new(&config.table, key))?
        .with_overflow(Arc::new(archive.clone()));
    // Lambda cannot send a response past ~6 MB: exports go to their bucket and a 303 link.
    let export_sink = match &config.exports_bucket {
        Some(bucket) => {
            let exports = S3Archive::new(
                sdk,
                S3Config {
                    bucket: bucket.clone(),
                    ..s3
                },
            )?;
            Some(ExportDelivery(Arc::new(S3ExportSink::new(
                exports,
                config.presign_ttl,
            ))))
        }
        None => None,
    };
    let trigger = InvokeSyncLambda::new(aws_sdk_lambda::Client::new(sdk), &config.sync_function);
    let verifier = OidcVerifier::new(OidcConfig::cognito(
        &config.cognito_issuer,
        &config.cognito_client_id,
        &config.jwks_url,
    ));
    let auth = Auth::new(
        Some(Arc::new(verifier)),
        ClaimsPolicy::default(),
        // API Gateway's stage throttling bounds the API; a per-instance limiter adds nothing.
        RateLimiter::unlimited(),
    );
    Ok(navsync_api::router(
        Ports {
            queries: store.clone(),
            sync_state: store,
            archive,
            sync_trigger: trigger,
        },
        auth,
        ApiConfig {
            presign_ttl: config.presign_ttl,
            cors: config.cors_origins.clone(),
            export_sink,
            ..ApiConfig::default()
        },
    ))
}
