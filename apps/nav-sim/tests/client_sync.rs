//! End to end: navsync's own NAV client syncs everything the simulator holds, with and without
//! fault drills, and under the traffic restriction without ever being penalised.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use navsync_domain::ports::{NavError, NavSource};
use navsync_domain::sync::plan_windows;
use navsync_domain::{Direction, NavCredentials, Secret};
use navsync_nav::client::{RetryPolicy, SoftwareOperation};
use navsync_nav::{ClientConfig, Endpoint, NavClient, Software, SoftwareConfig};
use navsync_nav_sim::{Faults, SimConfig, SimHandle, TaxpayerCredentials};

async fn start(seed: u64, invoices: usize, taxpayers: usize, faults: Faults) -> SimHandle {
    let mut config = SimConfig::new(seed, invoices, Utc::now());
    config.taxpayers = taxpayers;
    config.faults = faults;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    navsync_nav_sim::start(config, listener).await.unwrap()
}

fn client(sim: &SimHandle, pacing: Option<Duration>, retry: RetryPolicy) -> NavClient {
    let software = Software::new(SoftwareConfig {
        software_id: "NAVSYNCE2ETEST0001".into(),
        software_name: "navsync e2e".into(),
        software_operation: SoftwareOperation::LocalSoftware,
        software_main_version: "0.1".into(),
        software_dev_name: "navsync".into(),
        software_dev_contact: "dev@example.invalid".into(),
        software_dev_country_code: Some("HU".into()),
        software_dev_tax_number: None,
    })
    .unwrap();
    let mut config = ClientConfig::new(Endpoint::custom(&sim.base_url()).unwrap(), software);
    config.min_request_interval = pacing;
    config.retry = retry;
    config.request_timeout = Duration::from_secs(10);
    NavClient::new(config).unwrap()
}

fn credentials(t: &TaxpayerCredentials) -> NavCredentials {
    NavCredentials {
        tax_number: t.tax_number.parse().unwrap(),
        login: t.login.clone(),
        password: Secret::new(t.password.clone()),
        sign_key: Secret::new(t.sign_key.clone()),
        exchange_key: Secret::new(t.exchange_key.clone()),
    }
}

/// (direction, supplier, number) → document, for one taxpayer over the last 31 days.
type Synced = BTreeMap<(Direction, String, String), Vec<u8>>;

/// Syncs everything; `lag` is the simulator's data-lag drill (zero: none): an invoice listed
/// but not served yet is asked for again once, `lag` later, and must be served then.
async fn sync(client: &NavClient, creds: &NavCredentials, lag: Duration) -> Synced {
    let now = Utc::now();
    let mut out = Synced::new();
    for direction in Direction::BOTH {
        for window in plan_windows(now - chrono::Duration::days(31), now) {
            let mut pages = client.digest_pages(creds, direction, NavClient::window_query(window));
            while let Some(page) = pages.next_page().await {
                for digest in page.expect("digest page").digests {
                    let id = digest.id(direction);
                    let doc = match client.invoice_data(creds, &id).await {
                        Ok(doc) => doc,
                        // Listed but not served yet: NAV's eventual consistency drill. The
                        // lag counts from the listing, so it has passed after `lag` more.
                        Err(NavError::NotFound(_)) if !lag.is_zero() => {
                            tokio::time::sleep(lag).await;
                            client
                                .invoice_data(creds, &id)
                                .await
                                .unwrap_or_else(|e| panic!("{id:?} after the lag: {e}"))
                        }
                        Err(e) => panic!("{id:?}: {e}"),
                    };
                    assert_eq!(doc.invoice.invoice_number, id.invoice_number);
                    out.insert(
                        (
                            direction,
                            id.supplier_tax_number.to_string(),
                            id.invoice_number.to_string(),
                        ),
                        doc.xml,
                    );
                }
            }
        }
    }
    out
}

fn expected(sim: &SimHandle, tax_number: &str) -> Synced {
    let mut out = Synced::new();
    for s in sim.invoices() {
        let supplier = s.supplier_id().unwrap().to_string();
        let key = |d| (d, supplier.clone(), s.invoice.invoice_number.to_string());
        if supplier == tax_number {
            out.insert(key(Direction::Outbound), s.document().to_vec());
        }
        if s.customer_id().map(|c| c.to_string()).as_deref() == Some(tax_number) {
            out.insert(key(Direction::Inbound), s.document().to_vec());
        }
    }
    out
}

#[tokio::test]
async fn the_client_syncs_everything_from_the_simulator() {
    let sim = start(41, 260, 2, Faults::default()).await;
    let client = client(&sim, None, RetryPolicy::default());
    let mut total = 0;
    for t in sim.taxpayers() {
        let got = sync(&client, &credentials(&t), Duration::ZERO).await;
        let want = expected(&sim, &t.tax_number);
        assert_eq!(got.len(), 260);
        assert!(got == want, "synced documents differ from the simulator's");
        total += got.len();
    }
    let stats = sim.stats();
    // One data call per invoice, and the digest calls of 100-invoice pages.
    assert_eq!(stats.ok["queryInvoiceData"], total as u64);
    assert_eq!(stats.requests["queryInvoiceData"], total as u64);
    assert!(stats.ok["queryInvoiceDigest"] <= 2 * 2 * (2 + 260 / 100 + 1));
    sim.shutdown().await;
}

// Paused clock (the simulator's and the client's are both tokio's): the drill's lag, the
// retries' delays and the latency pass in virtual time, exactly and at once.
#[tokio::test(start_paused = true)]
async fn the_client_syncs_everything_through_fault_drills() {
    let faults = Faults {
        // Shares high enough that each drill happens in ~200 requests (each is missed with
        // p < 0.0001), low enough that 10 retries always get through.
        operation_failed_share: 0.08,
        maintenance_share: 0.06,
        gateway_timeout_share: 0.06,
        reset_share: 0.06,
        data_lag_share: 0.2,
        data_lag: Duration::from_millis(1000),
        latency: Duration::from_millis(2),
        ..Faults::default()
    };
    let sim = start(42, 150, 1, faults).await;
    let retry = RetryPolicy {
        max_retries: 10,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
    };
    let client = client(&sim, None, retry);
    let t = &sim.taxpayers()[0];
    let got = sync(&client, &credentials(t), Duration::from_millis(1000)).await;
    assert!(got == expected(&sim, &t.tax_number));
    let stats = sim.stats();
    for kind in [
        "operation_failed",
        "maintenance",
        "gateway_timeout",
        "connection_reset",
        "data_withheld",
    ] {
        assert!(
            stats.faults.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} drill happened: {stats:?}"
        );
    }
    sim.shutdown().await;
}

// Paused clock, shared by the client's pacing and the simulator's traffic restriction: a
// request arrives at the virtual instant it was sent, so what the restriction judges is
// exactly the spacing the client chose, not loopback transit jitter on a busy machine.
#[tokio::test(start_paused = true)]
async fn a_paced_client_is_never_penalised_by_the_traffic_restriction() {
    let faults = Faults {
        traffic_restriction: true,
        ..Faults::default()
    };
    let sim = start(43, 8, 1, faults).await;
    // The client's own default pacing: the simulator measures arrivals, as NAV does.
    let client = client(
        &sim,
        Some(ClientConfig::DEFAULT_REQUEST_INTERVAL),
        RetryPolicy::default(),
    );
    let t = &sim.taxpayers()[0];
    let started = tokio::time::Instant::now();
    let got = sync(&client, &credentials(t), Duration::ZERO).await;
    let elapsed = started.elapsed();
    assert!(got == expected(&sim, &t.tax_number));
    let stats = sim.stats();
    assert!(!got.is_empty());
    assert_eq!(stats.penalised, 0, "{stats:?}");
    // Every request (digests too) waited for the pacing: the run lasts at least that long.
    let sent: u64 = stats.requests.values().sum();
    assert!(stats.requests["queryInvoiceData"] >= 2, "{stats:?}");
    assert!(
        elapsed >= ClientConfig::DEFAULT_REQUEST_INTERVAL * (sent as u32 - 1),
        "{sent} paced requests in {elapsed:?}"
    );
    println!(
        "{} invoices under the traffic restriction in {:.2} virtual s ({} requests)",
        got.len(),
        elapsed.as_secs_f64(),
        stats.requests.values().sum::<u64>()
    );
    sim.shutdown().await;
}

/// A measurement, not a test: `cargo test -p navsync-nav-sim --test client_sync -- --ignored
/// --nocapture` syncs N (env `NAV_SIM_BENCH_N`, default 30) invoices under the traffic
/// restriction with the client's default pacing and prints the time against the N·1.01 s floor.
#[tokio::test]
#[ignore = "a measurement on the real clock (about N s), not a test; run it by name"]
async fn measure_a_paced_sync_under_the_traffic_restriction() {
    let n: usize = std::env::var("NAV_SIM_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let faults = Faults {
        traffic_restriction: true,
        ..Faults::default()
    };
    let sim = start(44, n, 1, faults).await;
    let pacing = ClientConfig::new(
        Endpoint::Test,
        Software::new(SoftwareConfig {
            software_id: "NAVSYNCE2ETEST0001".into(),
            software_name: "x".into(),
            software_operation: SoftwareOperation::LocalSoftware,
            software_main_version: "0".into(),
            software_dev_name: "x".into(),
            software_dev_contact: "x".into(),
            software_dev_country_code: None,
            software_dev_tax_number: None,
        })
        .unwrap(),
    )
    .min_request_interval;
    let client = client(&sim, pacing, RetryPolicy::default());
    let t = &sim.taxpayers()[0];
    let started = Instant::now();
    let got = sync(&client, &credentials(t), Duration::ZERO).await;
    let elapsed = started.elapsed().as_secs_f64();
    let stats = sim.stats();
    let floor = n as f64 * 1.01;
    println!(
        "N={n} synced={} pacing={pacing:?} elapsed={elapsed:.2}s floor={floor:.2}s ratio={:.3} penalised={} requests={:?}",
        got.len(),
        elapsed / floor,
        stats.penalised,
        stats.requests
    );
}

/// A measurement, not a test: an unpaced sync of N invoices (env `NAV_SIM_BENCH_N`, default
/// 2000) to see what the simulator sustains; prints requests per second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a throughput measurement, not a test; run it by name"]
async fn measure_an_unpaced_sync() {
    let n: usize = std::env::var("NAV_SIM_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let sim = start(45, n, 1, Faults::default()).await;
    let client = client(&sim, None, RetryPolicy::default());
    let t = &sim.taxpayers()[0];
    let started = Instant::now();
    let got = sync(&client, &credentials(t), Duration::ZERO).await;
    let elapsed = started.elapsed().as_secs_f64();
    let requests: u64 = sim.stats().requests.values().sum();
    assert_eq!(got.len(), n);
    println!(
        "N={n} elapsed={elapsed:.2}s requests={requests} ({:.0}/s)",
        requests as f64 / elapsed
    );
}
