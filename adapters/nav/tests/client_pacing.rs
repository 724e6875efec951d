//! Strict pacing through the real client: one request at a time, each sent at least
//! [`ClientConfig::DEFAULT_REQUEST_INTERVAL`] (1.02 s) after the one before, across clones,
//! concurrent callers and retries. The clock is paused, so the gaps the fake server records
//! are exactly the ones the client scheduled.

mod fake_nav;

use std::time::Duration;

use fake_nav::{Action, FakeNav, client, credentials, general_error, ok_response};
use navsync_domain::Direction;
use navsync_nav::client::{
    ClientConfig, ConcurrencyConfig, Endpoint, InvoiceNumberQuery, NavClient, Operation,
};

fn check_ok() -> Action {
    Action::xml(
        200,
        ok_response(
            "QueryInvoiceCheckResponse",
            "<invoiceCheckResult>true</invoiceCheckResult>",
        ),
    )
}

fn query() -> InvoiceNumberQuery {
    InvoiceNumberQuery {
        invoice_number: "SZ-2024/1".parse().unwrap(),
        direction: Direction::Outbound,
        batch_index: None,
        supplier_tax_number: None,
    }
}

#[tokio::test(start_paused = true)]
async fn strict_mode_never_sends_two_requests_less_than_a_second_apart() {
    let nav = FakeNav::start(|n, _| match n {
        // Two failures: their retries queue behind the pacing like everyone else.
        2 | 5 => Action::xml(500, general_error("OPERATION_FAILED", "Váratlan hiba", &[])),
        _ => check_ok(),
    })
    .await;
    let client = client(&nav.url, |c| {
        c.set_strict_pacing(true);
        c.retry.base_delay = Duration::from_millis(1);
        c.retry.max_delay = Duration::from_millis(1);
    });
    // Each caller on its own clone: clones share one pacing and one slot.
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.query_invoice_check(&credentials(), &query()).await })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap().unwrap());
    }
    let arrivals: Vec<_> = nav.requests().iter().map(|r| r.at).collect();
    assert_eq!(arrivals.len(), 10, "8 calls and 2 retries");
    let gaps: Vec<Duration> = arrivals.windows(2).map(|p| p[1] - p[0]).collect();
    assert_eq!(gaps, [ClientConfig::DEFAULT_REQUEST_INTERVAL; 9]);
    let stats = client.stats();
    assert_eq!(stats.operation(Operation::QueryInvoiceCheck).retries, 2);
    let c = stats.concurrency;
    assert_eq!((c.limit, c.peak_in_flight, c.adaptive), (1, 1, false));
}

/// NAV itself and a simulator URL get the same client by default: adaptive, unpaced, so
/// the tests against the simulator exercise the path production takes.
#[test]
fn strict_mode_is_configuration_not_endpoint() {
    let software = fake_nav::software();
    for endpoint in [
        Endpoint::Production,
        Endpoint::Test,
        Endpoint::custom("http://127.0.0.1:8080").unwrap(),
    ] {
        let mut config = ClientConfig::new(endpoint.clone(), software.clone());
        assert_eq!(config.min_request_interval, None, "{endpoint}");
        assert_eq!(config.concurrency, ConcurrencyConfig::default());
        let s = NavClient::new(config.clone()).unwrap().stats().concurrency;
        assert_eq!((s.limit, s.max, s.adaptive), (2, 8, true));
        config.set_strict_pacing(true);
        assert_eq!(
            config.min_request_interval,
            Some(Duration::from_millis(1020))
        );
        let s = NavClient::new(config).unwrap().stats().concurrency;
        assert_eq!((s.limit, s.max, s.adaptive), (1, 1, false));
    }
}
