//! The sync Lambda end to end: the NAV simulator → the Lambda handler, driven with a real
//! scheduler payload and Lambda context → DynamoDB, S3 and SSM in the AWS emulator.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{TimeDelta, Utc};
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use navsync_aws_emulator as emu;
use navsync_domain::ports::{InvoiceQueries, SyncStateStore};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::{Direction, TaxpayerId};
use navsync_dynamodb::aws_config::SdkConfig;
use navsync_nav_sim::{SimConfig, SimHandle, TaxpayerCredentials};
use navsync_ssm::aws_sdk_ssm;
use navsync_ssm::aws_sdk_ssm::types::ParameterType;
use navsync_sync_lambda::config::Config;
use navsync_sync_lambda::handler::App;
use rust_decimal::Decimal;
use serde_json::json;

struct Fixture {
    sim: SimHandle,
    app: App,
}

async fn put_credentials(sdk: &SdkConfig, prefix: &str, t: &TaxpayerCredentials) {
    let ssm = aws_sdk_ssm::Client::new(sdk);
    for (name, value) in [
        ("login", &t.login),
        ("password", &t.password),
        ("sign-key", &t.sign_key),
        ("exchange-key", &t.exchange_key),
    ] {
        ssm.put_parameter()
            .name(format!("{prefix}/{}/{name}", t.tax_number))
            .value(value)
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .unwrap();
    }
}

async fn fixture(invoices: usize, taxpayers: usize) -> Fixture {
    let now = Utc::now();
    let mut sim_config = SimConfig::new(7, invoices, now);
    sim_config.taxpayers = taxpayers;
    // Inside a 30-day lookback, and before the sync's settle time.
    sim_config.period = (now - TimeDelta::days(20), now - TimeDelta::hours(1));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = navsync_nav_sim::start(sim_config, listener).await.unwrap();

    let sdk = emu::sdk_config().await;
    let table = emu::new_table(&sdk, "sync-e2e").await;
    let bucket = emu::new_bucket(&sdk, "sync-e2e").await;
    let prefix = format!("/{}", emu::unique_name("sync-e2e"));
    for t in sim.taxpayers() {
        put_credentials(&sdk, &prefix, &t).await;
    }
    let config = Config::from_vars(|name| {
        Some(match name {
            "NAVSYNC_TABLE" => table.clone(),
            "NAVSYNC_BUCKET" => bucket.clone(),
            "NAVSYNC_SSM_PREFIX" => prefix.clone(),
            "NAVSYNC_NAV_ENV" => sim.base_url(),
            "NAVSYNC_LOOKBACK_DAYS" => "30".into(),
            "NAVSYNC_DEADLINE_MARGIN_SECONDS" => "5".into(),
            _ => return None,
        })
    })
    .unwrap();
    let mut nav = App::nav_config(&config);
    nav.min_request_interval = None; // the simulator runs without NAV's traffic restriction here
    let app = App::new(config, &sdk, nav).unwrap();
    Fixture { sim, app }
}

fn event(payload: serde_json::Value, deadline_in: Duration) -> LambdaEvent<serde_json::Value> {
    let mut context = Context::default();
    context.deadline = (SystemTime::now() + deadline_in)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    LambdaEvent::new(payload, context)
}

/// (supplier, number, batch) of every invoice the simulator lists for `taxpayer` in `direction`,
/// and their gross total in HUF.
fn simulated(
    sim: &SimHandle,
    taxpayer: TaxpayerId,
    direction: Direction,
) -> (BTreeSet<String>, Decimal) {
    let mut keys = BTreeSet::new();
    let mut gross = Decimal::ZERO;
    for s in sim.invoices() {
        let party = match direction {
            Direction::Outbound => &s.invoice.supplier,
            Direction::Inbound => &s.invoice.customer,
        };
        if party.tax_number.as_ref().map(|t| t.taxpayer_id) != Some(taxpayer) {
            continue;
        }
        let supplier = s.invoice.supplier.tax_number.as_ref().unwrap().taxpayer_id;
        keys.insert(format!(
            "{supplier}/{}/{:?}",
            s.invoice.invoice_number, s.invoice.batch_index
        ));
        gross += s.invoice.totals.gross_huf;
    }
    (keys, gross)
}

async fn stored(
    app: &App,
    taxpayer: TaxpayerId,
    direction: Direction,
) -> (BTreeSet<String>, Decimal) {
    let mut keys = BTreeSet::new();
    let mut gross = Decimal::ZERO;
    let mut query = InvoiceQuery::new(taxpayer, direction);
    query.limit = 100;
    loop {
        let page = app.store.search(&query).await.unwrap();
        for s in &page.items {
            let fresh = keys.insert(format!(
                "{}/{}/{:?}",
                s.key.id.supplier_tax_number, s.key.id.invoice_number, s.key.id.batch_index
            ));
            assert!(fresh, "listed twice: {:?}", s.key);
            gross += s.totals.gross_huf;
        }
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => return (keys, gross),
        }
    }
}

#[tokio::test]
async fn a_scheduled_run_stores_exactly_what_nav_holds_and_the_next_run_fetches_nothing() {
    let f = fixture(40, 2).await;
    let taxpayers: Vec<TaxpayerId> = f
        .sim
        .taxpayers()
        .iter()
        .map(|t| t.tax_number.parse().unwrap())
        .collect();
    let payload = json!({"taxpayers": taxpayers, "lookback_days": 30});

    let response = f
        .app
        .handle(event(payload.clone(), Duration::from_secs(600)))
        .await
        .unwrap();
    assert_eq!(
        response.summaries.len(),
        4,
        "two taxpayers × two directions"
    );
    for &taxpayer in &taxpayers {
        for direction in Direction::BOTH {
            let (expected, expected_gross) = simulated(&f.sim, taxpayer, direction);
            let (actual, actual_gross) = stored(&f.app, taxpayer, direction).await;
            assert!(
                !expected.is_empty(),
                "the simulator should hold {direction} invoices"
            );
            assert_eq!(actual, expected, "{taxpayer} {direction}");
            assert_eq!(
                actual_gross, expected_gross,
                "{taxpayer} {direction} gross HUF"
            );
            let summary = response
                .summaries
                .iter()
                .find(|s| s.report.taxpayer == taxpayer && s.report.direction == direction)
                .unwrap();
            assert_eq!(summary.report.new as usize, expected.len());
            let state = f.app.store.load(taxpayer, direction).await.unwrap();
            assert!(
                state.watermark.is_some(),
                "watermark set after a complete run"
            );
            assert!(state.last_run.is_some_and(|r| r.error.is_none()));
        }
    }

    let data_calls_before = f
        .sim
        .stats()
        .requests
        .get("queryInvoiceData")
        .copied()
        .unwrap_or(0);
    let again = f
        .app
        .handle(event(payload, Duration::from_secs(600)))
        .await
        .unwrap();
    // One summary per taxpayer and direction, as in the first run, each with nothing new.
    assert_eq!(again.summaries.len(), response.summaries.len());
    assert!(again.summaries.iter().all(|s| s.report.new == 0));
    let data_calls_after = f
        .sim
        .stats()
        .requests
        .get("queryInvoiceData")
        .copied()
        .unwrap_or(0);
    assert_eq!(
        data_calls_after, data_calls_before,
        "nothing stored is fetched again"
    );
}

#[tokio::test]
async fn a_taxpayer_without_credentials_fails_the_run_but_not_the_others() {
    let f = fixture(10, 1).await;
    let known: TaxpayerId = f.sim.taxpayers()[0].tax_number.parse().unwrap();
    let payload =
        json!({"taxpayers": ["12345676", known], "directions": ["OUTBOUND"], "lookback_days": 30});
    let error = f
        .app
        .handle(event(payload, Duration::from_secs(600)))
        .await
        .unwrap_err();
    let diagnostic: Diagnostic = error.into();
    assert_eq!(diagnostic.error_type, "SyncFailed.NotRetryable");
    assert!(
        diagnostic.error_message.contains("12345676 OUTBOUND"),
        "{}",
        diagnostic.error_message
    );
    let (expected, _) = simulated(&f.sim, known, Direction::Outbound);
    let (actual, _) = stored(&f.app, known, Direction::Outbound).await;
    assert_eq!(actual, expected, "the other taxpayer still synced");
}

#[tokio::test]
async fn a_run_out_of_time_stops_cleanly_and_the_next_one_completes() {
    let f = fixture(20, 1).await;
    let taxpayer: TaxpayerId = f.sim.taxpayers()[0].tax_number.parse().unwrap();
    let payload = json!({"taxpayers": [taxpayer], "lookback_days": 30});
    // Lambda's deadline is within the margin already: the run must not start NAV calls.
    let response = f
        .app
        .handle(event(payload.clone(), Duration::from_secs(1)))
        .await
        .unwrap();
    // One summary per direction of the one taxpayer, each stopped before any work.
    assert_eq!(response.summaries.len(), Direction::BOTH.len());
    assert!(
        response
            .summaries
            .iter()
            .all(|s| s.report.stopped_at_deadline && s.report.new == 0)
    );
    assert_eq!(
        f.app
            .store
            .load(taxpayer, Direction::Inbound)
            .await
            .unwrap()
            .watermark,
        None
    );

    f.app
        .handle(event(payload, Duration::from_secs(600)))
        .await
        .unwrap();
    for direction in Direction::BOTH {
        assert_eq!(
            stored(&f.app, taxpayer, direction).await.0,
            simulated(&f.sim, taxpayer, direction).0
        );
    }
}

#[tokio::test]
async fn a_bad_event_is_rejected_before_any_work() {
    let f = fixture(1, 1).await;
    let error = f
        .app
        .handle(event(
            json!({"taxpayer": "12345676"}),
            Duration::from_secs(60),
        ))
        .await
        .unwrap_err();
    let diagnostic: Diagnostic = error.into();
    assert_eq!(diagnostic.error_type, "BadEvent");
    assert!(diagnostic.error_message.contains("taxpayer"));
    assert_eq!(f.sim.stats().requests.values().sum::<u64>(), 0);
}
