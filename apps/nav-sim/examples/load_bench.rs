//! Benchmark: N `queryInvoiceData` requests through navsync's NAV client against the
//! simulator as a loaded server (its realistic defaults: 6 served at once, 6 queued, 5 s
//! queue timeout, lognormal service times with a 200 ms median for a document), on the wall
//! clock. Prints wall time, throughput beside the simulator's capacity, peak in flight
//! (client and server), overload faults and the client's limit cuts; then the same with
//! strict pacing (1.02 s, one at a time) for `--strict M` requests, and with `--fixed K`
//! requests in flight whatever the latency (as a K-thread client would).
//!
//! ```text
//! cargo run --release -p navsync-nav-sim --example load_bench -- [N] [--callers C] [--strict M] [--fixed K]
//! ```

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::Utc;
use navsync_domain::{Direction, NavCredentials, Secret};
use navsync_nav::client::{InvoiceNumberQuery, Operation, SoftwareOperation};
use navsync_nav::{ClientConfig, Endpoint, NavClient, Software};
use navsync_nav_sim::load::LoadModel;
use navsync_nav_sim::{Faults, SimConfig, SimHandle};

struct Args {
    requests: usize,
    callers: usize,
    strict: usize,
    fixed: usize,
}

#[derive(Clone, Copy)]
enum Mode {
    Adaptive,
    Strict,
    /// `n` in flight whatever the latency, as an n-thread client would (errors still cut).
    Fixed(usize),
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        requests: 2000,
        callers: 32,
        strict: 20,
        fixed: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a whole number"))
        };
        match arg.as_str() {
            "--callers" => a.callers = number("--callers")?.max(1),
            "--strict" => a.strict = number("--strict")?,
            "--fixed" => a.fixed = number("--fixed")?,
            n => {
                a.requests = n.parse().map_err(|_| {
                    format!("unknown argument {n:?}; N, --callers C, --strict M, --fixed K")
                })?
            }
        }
    }
    Ok(a)
}

async fn start(outbound: usize) -> SimHandle {
    // About 63 % of generated invoices are the taxpayer's own (outbound); some spare.
    let mut config = SimConfig::new(7, outbound * 17 / 10 + 50, Utc::now());
    config.faults = Faults {
        load: Some(LoadModel::realistic()),
        ..Faults::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    navsync_nav_sim::start(config, listener).await.unwrap()
}

fn queries(sim: &SimHandle, n: usize) -> (NavCredentials, Vec<InvoiceNumberQuery>) {
    let t = sim.taxpayers().remove(0);
    let creds = NavCredentials {
        tax_number: t.tax_number.parse().unwrap(),
        login: t.login.clone(),
        password: Secret::new(t.password.clone()),
        sign_key: Secret::new(t.sign_key.clone()),
        exchange_key: Secret::new(t.exchange_key.clone()),
    };
    let mut queries: Vec<InvoiceNumberQuery> = sim
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
    assert!(
        queries.len() >= n,
        "the simulator holds only {} outbound invoices",
        queries.len()
    );
    queries.truncate(n);
    (creds, queries)
}

async fn run(label: &str, mode: Mode, n: usize, callers: usize) {
    let sim = start(n).await;
    let (creds, queries) = queries(&sim, n);
    let mut config = ClientConfig::new(
        Endpoint::custom(&sim.base_url()).unwrap(),
        Software::navsync(SoftwareOperation::LocalSoftware),
    );
    match mode {
        Mode::Adaptive => {}
        Mode::Strict => config.set_strict_pacing(true),
        Mode::Fixed(k) => {
            config.concurrency.initial = k;
            config.concurrency.max = k;
            // Latency never counts as rising.
            config.concurrency.growth_tolerance = f64::MAX;
            config.concurrency.latency_tolerance = f64::MAX;
        }
    }
    let client = NavClient::new(config).unwrap();
    let queue = Arc::new(Mutex::new(queries));
    let failed = Arc::new(Mutex::new(0usize));
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (client, creds, queue, failed) =
                (client.clone(), creds.clone(), queue.clone(), failed.clone());
            tokio::spawn(async move {
                loop {
                    let Some(q) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    if !matches!(client.query_invoice_data(&creds, &q).await, Ok(Some(_))) {
                        *failed.lock().unwrap() += 1;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let wall = started.elapsed();
    let sim_stats = sim.stats();
    let client_stats = client.stats();
    let data = client_stats.operation(Operation::QueryInvoiceData);
    let overload: u64 = ["overload_queue_full", "overload_queue_timeout"]
        .iter()
        .map(|k| sim_stats.faults.get(*k).copied().unwrap_or(0))
        .sum();
    let model = LoadModel::realistic();
    let s = model.service(navsync_nav_sim::Operation::QueryInvoiceData);
    // Mean of the lognormal: median · e^(σ²/2); the simulator serves `capacity` at once.
    let mean = s.median.as_secs_f64() * (s.sigma * s.sigma / 2.0).exp();
    let capacity_rate = model.capacity as f64 / mean;
    let rate = n as f64 / wall.as_secs_f64();
    let c = client_stats.concurrency;
    println!(
        "{label}: {n} queryInvoiceData in {:.1} s = {rate:.1}/s ({:.0} % of the simulator's {capacity_rate:.1}/s); \
         HTTP calls {} (retries {}), failed for good {}; overload faults {overload} ({:.2} % of calls); \
         peak in flight: client {}, simulator {} (served at once {}); limit now {} (peak {}), cuts {:?}",
        wall.as_secs_f64(),
        100.0 * rate / capacity_rate,
        data.calls,
        data.retries,
        *failed.lock().unwrap(),
        100.0 * overload as f64 / data.calls.max(1) as f64,
        c.peak_in_flight,
        sim_stats.load.peak_in_flight,
        sim_stats.load.peak_served,
        c.limit,
        c.peak_limit,
        c.backoffs,
    );
    sim.shutdown().await;
}

#[tokio::main]
async fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load_bench: {e}");
            std::process::exit(2);
        }
    };
    run("adaptive", Mode::Adaptive, a.requests, a.callers).await;
    if a.fixed > 0 {
        let label = format!("{} fixed in flight", a.fixed);
        run(&label, Mode::Fixed(a.fixed), a.requests, a.callers).await;
    }
    if a.strict > 0 {
        run("strict 1.02 s", Mode::Strict, a.strict, a.callers).await;
    }
}
