//! `api-lambda`: the query API on Lambda (`provided.al2023`, handler `bootstrap`).

use navsync_api_lambda::{Config, LambdaBody, app, with_authorizer_claims};
use tower::ServiceExt;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    // RUST_LOG filters; AWS_LAMBDA_LOG_FORMAT=JSON switches to JSON lines.
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = navsync_dynamodb::sdk::load_sdk_config().await;
    let router = app(&config, &sdk).await?;
    let service = router
        .map_request(with_authorizer_claims)
        .map_response(LambdaBody);
    lambda_http::run(service).await
}
