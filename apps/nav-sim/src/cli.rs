//! The `nav-sim` command line, shared by the `nav-sim` binary and `navsync nav-sim`: flags
//! (`Args`, a clap `Parser` that also works as a subcommand's arguments) and `run`.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Faults, SimConfig};
use chrono::{NaiveDate, Utc};
use clap::Parser;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "nav-sim",
    about = "A local NAV Online Számla 3.0 server for tests and demos"
)]
pub struct Args {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Seed of the generated data (same seed and period: same data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Generated invoices per taxpayer.
    #[arg(long, default_value_t = 200)]
    pub invoices: usize,
    /// Number of simulated taxpayers.
    #[arg(long, default_value_t = 1)]
    pub taxpayers: usize,
    /// First day of generated insDates (UTC); default: `--days` before now.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day of generated insDates (UTC, inclusive); default: now.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Length of the default period in days.
    #[arg(long, default_value_t = 30)]
    pub days: i64,
    /// Share of invoices returned gzip-compressed (0..1).
    #[arg(long, default_value_t = 0.3)]
    pub compressed_share: f64,
    /// Also serve the invoice XML files of this folder (repeatable).
    #[arg(long = "invoice-dir")]
    pub invoice_dirs: Vec<PathBuf>,
    /// Add `--trickle-count` new invoices per taxpayer every this many seconds (0: never).
    #[arg(long, default_value_t = 0)]
    pub trickle_secs: u64,
    #[arg(long, default_value_t = 1)]
    pub trickle_count: usize,
    /// NAV's traffic restriction: 1 request/s per IP, +4 s per excess request, drop past 60 s.
    #[arg(long)]
    pub traffic_restriction: bool,
    /// Apply the traffic restriction to every query operation.
    #[arg(long)]
    pub restrict_all: bool,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests answered 500 OPERATION_FAILED.
    #[arg(long, default_value_t = 0.0)]
    pub fail_share: f64,
    /// Share of requests answered 503 MAINTENANCE_MODE.
    #[arg(long, default_value_t = 0.0)]
    pub maintenance_share: f64,
    /// Start in maintenance mode (toggle with POST /sim/maintenance?on=false).
    #[arg(long)]
    pub maintenance: bool,
    /// Share of requests answered with a non-XML 504 gateway page.
    #[arg(long, default_value_t = 0.0)]
    pub gateway_timeout_share: f64,
    /// Share of requests whose connection is reset.
    #[arg(long, default_value_t = 0.0)]
    pub reset_share: f64,
    /// Share of invoices whose data is withheld for `--data-lag-ms` after first listed.
    #[arg(long, default_value_t = 0.0)]
    pub data_lag_share: f64,
    #[arg(long, default_value_t = 3000)]
    pub data_lag_ms: u64,
    /// Share of invoices left out of digests until `--late-after` digest queries were answered
    /// (they keep their insDate: NAV listing late).
    #[arg(long, default_value_t = 0.0)]
    pub late_share: f64,
    #[arg(long, default_value_t = 0)]
    pub late_after: u64,
    /// Share of invoices listed but never returned by queryInvoiceData.
    #[arg(long, default_value_t = 0.0)]
    pub never_fetchable_share: f64,
    /// Share of electronic invoices served with a wrong electronicInvoiceHash.
    #[arg(long, default_value_t = 0.0)]
    pub wrong_hash_share: f64,
    /// Backfill: invoices with insDates from this day (UTC) to `--backfill-to` (inclusive) are
    /// left out of digests until `--backfill-after` digest queries were answered.
    #[arg(long, requires = "backfill_to")]
    pub backfill_from: Option<NaiveDate>,
    #[arg(long, requires = "backfill_from")]
    pub backfill_to: Option<NaiveDate>,
    #[arg(long, default_value_t = 1)]
    pub backfill_after: u64,
    /// Share of generated invoices technically annulled and resubmitted under the same number
    /// (new transactionId, later insDate) once `--resubmit-after` digest queries were answered.
    #[arg(long, default_value_t = 0.0)]
    pub resubmit_share: f64,
    /// Share of generated invoices reported twice, neither annulled: MULTIPLE_QUERY_RESULT_FOUND.
    #[arg(long, default_value_t = 0.0)]
    pub duplicate_share: f64,
    /// Also when `--invoice-dir` files share an invoice (supplier, number, batch index): they
    /// are its successive reports, the second listed after this many digest queries...
    #[arg(long, default_value_t = 0)]
    pub resubmit_after: u64,
    /// ...and each further one this many digest queries after the one before.
    #[arg(long, default_value_t = 0)]
    pub resubmit_every: u64,
    /// A loaded server (see `load.rs`): lognormal service times per operation (medians
    /// 300 ms digest, 200 ms data, 150 ms others), `--load-capacity` served at once,
    /// `--load-queue` waiting, the rest and those queued past `--load-queue-timeout-ms`
    /// answered 500 OPERATION_FAILED.
    #[arg(long)]
    pub load: bool,
    #[arg(long, default_value_t = 6, requires = "load")]
    pub load_capacity: usize,
    #[arg(long, default_value_t = 6, requires = "load")]
    pub load_queue: usize,
    #[arg(long, default_value_t = 5000, requires = "load")]
    pub load_queue_timeout_ms: u64,
    /// Multiplies every median service time (10: a slow day at NAV).
    #[arg(long, default_value_t = 1.0, requires = "load")]
    pub load_scale: f64,
    /// Spread of the service times (σ of the lognormal; 0: fixed).
    #[arg(long, default_value_t = 0.5, requires = "load")]
    pub load_sigma: f64,
}

/// The `--load*` flags as a model, or `None` without `--load`.
fn load_model(a: &Args) -> Result<Option<crate::load::LoadModel>, String> {
    if !a.load {
        return Ok(None);
    }
    if !(a.load_scale > 0.0 && a.load_scale.is_finite()) {
        return Err(format!(
            "--load-scale must be above 0, got {}",
            a.load_scale
        ));
    }
    let mut model = crate::load::LoadModel::realistic().scaled(a.load_scale);
    model.capacity = a.load_capacity;
    model.queue_limit = a.load_queue;
    model.queue_timeout = Duration::from_millis(a.load_queue_timeout_ms);
    for s in &mut model.service {
        s.sigma = a.load_sigma;
    }
    model.validate()?;
    Ok(Some(model))
}

fn share(name: &str, v: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("--{name} must be between 0 and 1, got {v}"))
    }
}

/// The run's configuration; the error names the flag to fix.
pub fn config(a: &Args) -> Result<SimConfig, String> {
    let now = Utc::now();
    let start = match a.from {
        Some(d) => crate::generator::period(d, d).0,
        None => now - chrono::Duration::days(a.days.max(1)),
    };
    let end = match a.to {
        Some(d) => crate::generator::period(d, d).1.min(now),
        None => now,
    };
    if start >= end {
        return Err(format!("the period is empty: from {start} to {end}"));
    }
    let backfill = match (a.backfill_from, a.backfill_to) {
        (Some(from), Some(to)) if from <= to => {
            let (from, to) = crate::generator::period(from, to);
            Some(crate::Backfill {
                from,
                to,
                after: a.backfill_after,
            })
        }
        (Some(from), Some(to)) => {
            return Err(format!(
                "--backfill-from {from} is after --backfill-to {to}"
            ));
        }
        _ => None,
    };
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
        trickle: (a.trickle_secs > 0)
            .then(|| (Duration::from_secs(a.trickle_secs), a.trickle_count)),
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
            late_listing_share: share("late-share", a.late_share)?,
            late_listing_after: a.late_after,
            never_fetchable_share: share("never-fetchable-share", a.never_fetchable_share)?,
            wrong_hash_share: share("wrong-hash-share", a.wrong_hash_share)?,
            backfill,
            resubmit_share: share("resubmit-share", a.resubmit_share)?,
            duplicate_share: share("duplicate-share", a.duplicate_share)?,
            resubmit_after: a.resubmit_after,
            resubmit_every: a.resubmit_every,
            load: load_model(a)?,
        },
    })
}

/// Logs to stderr, so stdout stays the one JSON line; `RUST_LOG` overrides the level. For a
/// host program that sets up its own logging, skip this.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("navsync_nav_sim=info")),
        )
        .try_init();
}

/// Starts the simulator, prints the JSON line (base URL, admin URL, invoice count, each
/// taxpayer's credentials) on stdout, and serves until Ctrl-C. Exit code 2 for bad flags, 1
/// when it cannot listen or load invoice files.
pub async fn run(args: Args) -> std::process::ExitCode {
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
    let sim = match crate::start(config, listener).await {
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
    // Ctrl-C stops it; if no signal handler can be installed, serve until killed.
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}
