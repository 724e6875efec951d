//! The sync Lambda: configuration from the environment, clients built once per container.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use navsync_sync_lambda::config::Config;
use navsync_sync_lambda::handler::App;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_current_span(false)
        .without_time()
        .init();
    let config = Config::from_env()?;
    let sdk = navsync_dynamodb::sdk::load_sdk_config().await;
    let nav = App::nav_config(&config);
    let app = App::new(config, &sdk, nav)?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        app.handle(event).await
    }))
    .await
}
