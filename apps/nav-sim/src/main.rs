//! `nav-sim`: runs the NAV simulator and prints one JSON line with its URL and credentials.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use clap::Parser;
use navsync_nav_sim::{Faults, SimConfig};

#[derive(Parser, Debug)]
#[command(
    name = "nav-sim",
    about = "A local NAV Online Számla 3.0 server for tests and demos"
)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the generated data (same seed and period: same data).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Generated invoices per taxpayer.
    #[arg(long, default_value_t = 200)]
    invoices: usize,
    /// Number of simulated taxpayers.
    #[arg(long, default_value_t = 1)]
    taxpayers: usize,
    /// First day of generated insDates (UTC); default: `--days` before now.
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last day of generated insDates (UTC, inclusive); default: now.
    #[arg(long)]
    to: Option<NaiveDate>,
    /// Length of the default period in days.
    #[arg(long, default_value_t = 30)]
    days: i64,
    /// Share of invoices returned gzip-compressed (0..1).
    #[arg(long, default_value_t = 0.3)]
    compressed_share: f64,
    /// Also serve the invoice XML files of this folder (repeatable).
    #[arg(long = "invoice-dir")]
    invoice_dirs: Vec<PathBuf>,
    /// NAV's traffic restriction: 1 request/s per IP, +4 s per excess request, drop past 60 s.
    #[arg(long)]
    traffic_restriction: bool,
    /// Apply the traffic restriction to every query operation.
    #[arg(long)]
    restrict_all: bool,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests answered 500 OPERATION_FAILED.
    #[arg(long, default_value_t = 0.0)]
    fail_share: f64,
    /// Share of requests answered 503 MAINTENANCE_MODE.
    #[arg(long, default_value_t = 0.0)]
    maintenance_share: f64,
    /// Start in maintenance mode (toggle with POST /sim/maintenance?on=false).
    #[arg(long)]
    maintenance: bool,
    /// Share of requests answered with a non-XML 504 gateway page.
    #[arg(long, default_value_t = 0.0)]
    gateway_timeout_share: f64,
    /// Share of requests whose connection is reset.
    #[arg(long, default_value_t = 0.0)]
    reset_share: f64,
    /// Share of invoices whose data is withheld for `--data-lag-ms` after first listed.
    #[arg(long, default_value_t = 0.0)]
    data_lag_share: f64,
    #[arg(long, default_value_t = 3000)]
    data_lag_ms: u64,
}

fn share(name: &str, v: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("--{name} must be between 0 and 1, got {v}"))
    }
}

fn config(a: &Args) -> Result<SimConfig, String> {
    let now = Utc::now();
    let start = match a.from {
        Some(d) => navsync_nav_sim::generator::period(d, d).0,
        None => now - chrono::Duration::days(a.days.max(1)),
    };
    let end = match a.to {
        Some(d) => navsync_nav_sim::generator::period(d, d).1.min(now),
        None => now,
    };
    if start >= end {
        return Err(format!("the period is empty: from {start} to {end}"));
    }
    if a.taxpayers == 0 {
        return Err("--taxpayers must be at least 1".into());
    }
    Ok(SimConfig {
        seed: a.seed,
        taxpayers: a.taxpayers,
        invoices_per_taxpayer: a.invoices,
        period: (start, end),
        compressed_share: share("compressed-share", a.compressed_share)?,
        invoice_dirs: a.invoice_dirs.clone(),
        faults: Faults {
            traffic_restriction: a.traffic_restriction,
            restrict_all_operations: a.restrict_all,
            latency: Duration::from_millis(a.latency_ms),
            operation_failed_share: share("fail-share", a.fail_share)?,
            maintenance: a.maintenance,
            maintenance_share: share("maintenance-share", a.maintenance_share)?,
            gateway_timeout_share: share("gateway-timeout-share", a.gateway_timeout_share)?,
            reset_share: share("reset-share", a.reset_share)?,
            data_lag_share: share("data-lag-share", a.data_lag_share)?,
            data_lag: Duration::from_millis(a.data_lag_ms),
        },
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    // Logs go to stderr so stdout stays the one JSON line; RUST_LOG overrides the level.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("navsync_nav_sim=info")),
        )
        .init();
    let config = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nav-sim: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("nav-sim: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return std::process::ExitCode::from(1);
        }
    };
    let sim = match navsync_nav_sim::start(config, listener).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nav-sim: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let line = serde_json::json!({
        "base_url": sim.base_url(),
        "admin_url": format!("http://{}/sim", sim.addr()),
        "invoices": sim.stats().invoices,
        "taxpayers": sim.taxpayers(),
    });
    println!("{line}");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = std::future::pending::<()>() => {}
    }
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}
