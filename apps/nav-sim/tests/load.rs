//! navsync's NAV client against the simulator as a loaded server, on tokio's paused clock
//! (the simulator's service times and the client's latency readings are both tokio's): the
//! client's adaptive limit finds the simulator's room without overrunning it, and never
//! sends more at once than its ceiling, counted by the simulator itself.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use navsync_domain::{Direction, NavCredentials, Secret};
use navsync_nav::client::{InvoiceNumberQuery, Operation, RetryPolicy, SoftwareOperation};
use navsync_nav::{ClientConfig, Endpoint, NavClient, Software};
use navsync_nav_sim::load::{LoadModel, ServiceTime};
use navsync_nav_sim::{Faults, SimConfig, SimHandle, SimStats};

async fn start(invoices: usize, load: LoadModel) -> SimHandle {
    let mut config = SimConfig::new(13, invoices, Utc::now());
    config.compressed_share = 0.0;
    config.faults = Faults {
        load: Some(load),
        ..Faults::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    navsync_nav_sim::start(config, listener).await.unwrap()
}

fn client(sim: &SimHandle) -> NavClient {
    let mut config = ClientConfig::new(
        Endpoint::custom(&sim.base_url()).unwrap(),
        Software::navsync(SoftwareOperation::LocalSoftware),
    );
    config.retry = RetryPolicy {
        max_retries: 6,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(2),
    };
    NavClient::new(config).unwrap()
}

/// The outbound invoices of the simulator's taxpayer, one `queryInvoiceData` each, from
/// `callers` concurrent tasks; every one must come back.
async fn fetch_all(sim: &SimHandle, client: &NavClient, callers: usize) -> usize {
    let t = sim.taxpayers().remove(0);
    let creds = NavCredentials {
        tax_number: t.tax_number.parse().unwrap(),
        login: t.login.clone(),
        password: Secret::new(t.password.clone()),
        sign_key: Secret::new(t.sign_key.clone()),
        exchange_key: Secret::new(t.exchange_key.clone()),
    };
    let queries: Vec<InvoiceNumberQuery> = sim
        .invoices()
        .iter()
        .filter(|s| s.supplier_id().map(|id| id.to_string()).as_deref() == Some(&t.tax_number))
        .map(|s| InvoiceNumberQuery {
            invoice_number: s.invoice.invoice_number.to_string().parse().unwrap(),
            direction: Direction::Outbound,
            batch_index: None,
            supplier_tax_number: None,
        })
        .collect();
    assert!(!queries.is_empty());
    let n = queries.len();
    let queue = Arc::new(std::sync::Mutex::new(queries));
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (client, creds, queue) = (client.clone(), creds.clone(), queue.clone());
            tokio::spawn(async move {
                loop {
                    let Some(q) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let got = client.query_invoice_data(&creds, &q).await;
                    assert!(matches!(got, Ok(Some(_))), "{q:?}: {got:?}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    n
}

fn overload_faults(stats: &SimStats) -> u64 {
    ["overload_queue_full", "overload_queue_timeout"]
        .iter()
        .map(|k| stats.faults.get(*k).copied().unwrap_or(0))
        .sum()
}

#[tokio::test(start_paused = true)]
async fn the_client_never_has_more_in_flight_than_its_ceiling() {
    // Room for any number: only the client's ceiling (8) bounds what is in flight.
    let mut model = LoadModel::realistic();
    model.capacity = 1000;
    let sim = start(400, model).await;
    let client = client(&sim);
    let fetched = fetch_all(&sim, &client, 32).await;
    let stats = sim.stats();
    assert_eq!(stats.load.peak_in_flight, 8, "{:?}", stats.load);
    assert_eq!(stats.load.served, fetched as u64);
    let c = client.stats().concurrency;
    assert_eq!((c.peak_limit, c.peak_in_flight), (8, 8), "{c:?}");
    assert_eq!(
        c.backoffs.total(),
        c.backoffs.rising_latency,
        "no errors: {c:?}"
    );
    assert_eq!(overload_faults(&stats), 0);
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_client_finds_the_capacity_without_overrunning_it() {
    // Room for 3 served and 2 waiting, below the ceiling of 8: the limit must settle there,
    // with refusals under 1 % of the requests.
    let mut model = LoadModel::realistic();
    model.capacity = 3;
    model.queue_limit = 2;
    model.service = [ServiceTime {
        median: Duration::from_millis(200),
        sigma: 0.3,
        max: Duration::from_secs(2),
    }; Operation::ALL.len()];
    let sim = start(600, model).await;
    let client = client(&sim);
    let fetched = fetch_all(&sim, &client, 16).await;
    let stats = sim.stats();
    let requests = stats.requests["queryInvoiceData"];
    let faults = overload_faults(&stats);
    let c = client.stats().concurrency;
    assert!(fetched >= 250, "{fetched}");
    assert!(
        faults * 100 < requests,
        "{faults} overload faults in {requests}: {c:?}"
    );
    assert!(c.limit <= 5, "{c:?}");
    assert!(stats.load.peak_in_flight <= 8, "{:?}", stats.load);
    assert_eq!(stats.load.peak_served, 3);
    assert!(c.backoffs.total() >= 1, "it had to find the room: {c:?}");
    sim.shutdown().await;
}
