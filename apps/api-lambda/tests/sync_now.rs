//! "Sync now" through the API Lambda against moto's Lambda. Its own test binary, so its own
//! moto: Lambda without Docker accepts every Invoke, which would turn the other tests'
//! absent sync function (a 503) into a 202.

mod world;

use navsync_api_lambda::app;
use navsync_aws_emulator::moto_api::{self, EMPTY_ZIP, Recorder};
use navsync_aws_emulator::{self as emu};
use navsync_domain::command::SyncCommand;
use navsync_domain::{Direction, Lookback};
use serde_json::json;
use world::World;

/// Issue 15 item 5: "sync now" through the API Lambda invokes the sync function in moto (Lambda
/// without Docker), asynchronously, with a payload that parses as the domain's `SyncCommand`,
/// the type the sync Lambda reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_now_invokes_the_sync_function_with_the_shared_command() {
    let mut w = World::new().await;
    let a = w.a;
    moto_api::lambda_without_docker().await;
    let role = moto_api::new_lambda_role("sync-role").await;
    let function = emu::unique_name("navsync-sync");
    let lambda = aws_sdk_lambda::Client::new(&w.sdk);
    lambda
        .create_function()
        .function_name(&function)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(&role)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(EMPTY_ZIP.to_vec()))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", aws_sdk_lambda::error::DisplayErrorContext(e)));
    let mut config = w.config.clone();
    config.sync_function = function.clone();
    w.router = app(&config, &w.sdk).await.unwrap();

    let recorder = Recorder::start().await;
    let r = w
        .call_with_body(
            "POST",
            &format!("/v1/taxpayers/{a}/sync"),
            Some(&w.a_admin),
            None,
            Some(&json!({"directions": ["INBOUND"], "lookback_days": 5})),
        )
        .await;
    let recorded = recorder.stop().await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let accepted = r.json();
    assert_eq!(
        (&accepted["taxpayer"], &accepted["directions"]),
        (&json!(a.to_string()), &json!(["INBOUND"]))
    );
    assert!(
        accepted["reference"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "the invocation's request id: {accepted}"
    );

    // What reached Lambda: one asynchronous Invoke of this function, whose payload the sync
    // Lambda's own type reads as exactly this request.
    let invokes: Vec<_> = recorded
        .iter()
        .filter(|q| {
            q.url
                .contains(&format!("/functions/{function}/invocations"))
        })
        .collect();
    assert_eq!(invokes.len(), 1, "{invokes:?}");
    assert_eq!(invokes[0].method, "POST");
    assert_eq!(invokes[0].header("x-amz-invocation-type"), Some("Event"));
    let command: SyncCommand = serde_json::from_slice(&invokes[0].body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&invokes[0].body)));
    command.validate().unwrap();
    assert_eq!(
        command,
        SyncCommand::on_demand(
            a,
            vec![Direction::Inbound],
            Some(Lookback::try_from(5).unwrap())
        )
    );
}
