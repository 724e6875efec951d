//! `navsync sync`, and the local sync that `serve` ("sync now") and `demo` reuse: the domain's
//! `SyncService` over the NAV client, the SQLite store and the filesystem archive.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use clap::{Args, ValueEnum};
use navsync_config::{LocalConfig, NavSettings};
use navsync_domain::ports::{CredentialStore, InvoiceRepository, RepoError, SystemClock};
use navsync_domain::sync::{RunSummary, SyncPolicy, SyncService};
use navsync_domain::{Direction, InvoiceKey, InvoiceRecord, Lookback, TaxpayerId};
use navsync_fs_archive::FsArchive;
use navsync_nav::client::SoftwareOperation;
use navsync_nav::{ClientConfig, Endpoint, NavClient, Software};
use navsync_sqlite::{CacheSizes, SqliteStore};

use crate::local::DataDir;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  navsync sync --config navsync.toml\n  \
    navsync sync --config navsync.toml --taxpayer 12345676 --direction inbound --lookback-days 30")]
pub struct SyncArgs {
    /// The configuration file (taxpayers, NAV credentials, data directory).
    #[arg(long, default_value = "navsync.toml")]
    pub config: PathBuf,
    /// Sync only this taxpayer (8-digit tax number); repeat for several. Default: all configured.
    #[arg(long = "taxpayer")]
    pub taxpayers: Vec<TaxpayerId>,
    #[arg(long, value_enum, default_value_t = DirectionArg::Both)]
    pub direction: DirectionArg,
    /// How far back to look (1–30 days). Default: the configuration's `lookback_days`. On a
    /// first run this is where the sync starts; later runs start at the last watermark, unless
    /// `--rescan` asks to look back this far again.
    #[arg(long)]
    pub lookback_days: Option<Lookback>,
    #[arg(long)]
    pub rescan: bool,
    /// NAV endpoint: `test`, `production`, or a URL (e.g. the simulator's; requests to a URL
    /// are not paced to NAV's 1 request/s). Default: the configuration's `nav_env`.
    #[arg(long)]
    pub nav: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    Inbound,
    Outbound,
    Both,
}

impl DirectionArg {
    pub fn directions(self) -> Vec<Direction> {
        match self {
            DirectionArg::Inbound => vec![Direction::Inbound],
            DirectionArg::Outbound => vec![Direction::Outbound],
            DirectionArg::Both => Direction::BOTH.to_vec(),
        }
    }
}

pub fn endpoint(nav: &str) -> Result<Endpoint, String> {
    match nav {
        "test" => Ok(Endpoint::Test),
        "production" => Ok(Endpoint::Production),
        url => Endpoint::custom(url)
            .map_err(|e| format!("NAV endpoint must be test, production or a URL: {e}")),
    }
}

/// Everything a local sync needs, built once.
pub struct LocalSync<K> {
    pub nav: NavClient,
    pub store: SqliteStore,
    pub archive: FsArchive,
    pub credentials: K,
    /// Invoices stored so far by this process, for progress output.
    pub stored: Arc<AtomicU64>,
    running: tokio::sync::Mutex<()>,
}

impl<K: CredentialStore> LocalSync<K> {
    pub fn new(
        data: &DataDir,
        endpoint: Endpoint,
        settings: &NavSettings,
        credentials: K,
    ) -> Result<Self, String> {
        let mut config = ClientConfig::new(
            endpoint,
            Software::navsync(SoftwareOperation::LocalSoftware),
        );
        // The same limit for NAV and for a simulator URL, so tests exercise the real path.
        let max = settings.max_concurrency as usize;
        config.concurrency.max = max;
        config.concurrency.initial = config.concurrency.initial.min(max);
        config.set_strict_pacing(settings.strict_pacing);
        Ok(Self {
            nav: NavClient::new(config).map_err(|e| e.to_string())?,
            store: data.store(CacheSizes::SMALL)?,
            archive: data.archive()?,
            credentials,
            stored: Arc::new(AtomicU64::new(0)),
            running: tokio::sync::Mutex::new(()),
        })
    }

    /// Syncs each taxpayer and direction; one summary per part. `None` when a sync is running.
    pub async fn run(
        &self,
        taxpayers: &[TaxpayerId],
        directions: &[Direction],
        policy: &SyncPolicy,
    ) -> Option<Vec<RunSummary>> {
        let _one_at_a_time = self.running.try_lock().ok()?;
        let repo = Counting {
            inner: &self.store,
            stored: &self.stored,
        };
        let service = SyncService {
            nav: &self.nav,
            repo: &repo,
            state: &self.store,
            archive: &self.archive,
            credentials: &self.credentials,
            clock: &SystemClock,
        };
        let summaries = service
            .run_summarized(taxpayers, directions, policy, || {
                self.nav.stats().total().retries
            })
            .await;
        Some(summaries)
    }
}

/// The store, counting what it stores so a terminal can show progress.
struct Counting<'a> {
    inner: &'a SqliteStore,
    stored: &'a AtomicU64,
}

#[async_trait]
impl InvoiceRepository for Counting<'_> {
    async fn stored_among(
        &self,
        keys: &[InvoiceKey],
    ) -> Result<std::collections::HashSet<InvoiceKey>, RepoError> {
        self.inner.stored_among(keys).await
    }

    async fn stored_versions(
        &self,
        keys: &[InvoiceKey],
    ) -> Result<
        std::collections::HashMap<InvoiceKey, std::collections::HashSet<navsync_domain::ReportId>>,
        RepoError,
    > {
        self.inner.stored_versions(keys).await
    }

    async fn put_many(&self, records: &[InvoiceRecord]) -> Result<(), RepoError> {
        self.inner.put_many(records).await?;
        self.stored
            .fetch_add(records.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// Shows how many invoices are stored while `work` runs: one updating line on a terminal,
/// nothing otherwise (the summaries that follow are the plain log lines).
pub async fn with_progress<T>(stored: &AtomicU64, work: impl Future<Output = T>) -> T {
    let mut stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return work.await;
    }
    let started = Instant::now();
    let start_count = stored.load(Ordering::Relaxed);
    let mut work = std::pin::pin!(work);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = tick.tick() => {
                let n = stored.load(Ordering::Relaxed) - start_count;
                let rate = n as f64 / started.elapsed().as_secs_f64().max(0.001);
                let _ = write!(stderr, "\r  syncing: {n} invoices stored ({rate:.0}/s)   ");
                let _ = stderr.flush();
            }
        }
    };
    let n = stored.load(Ordering::Relaxed) - start_count;
    let _ = writeln!(
        stderr,
        "\r  synced: {n} invoices stored in {:.1} s          ",
        started.elapsed().as_secs_f64()
    );
    result
}

/// One line per summary, as JSON: the same summary the Lambda logs.
pub fn print_summaries(summaries: &[RunSummary]) {
    for s in summaries {
        println!("{}", serde_json::to_string(s).unwrap_or_default());
    }
}

pub async fn run(args: SyncArgs) -> Result<(), String> {
    // First, so Ctrl-C during startup also ends with the message below.
    let interrupted = crate::shutdown_signal();
    let config = LocalConfig::load(&args.config).map_err(|e| e.to_string())?;
    let data = DataDir::open(&config.data_dir)?;
    let nav = args
        .nav
        .clone()
        .unwrap_or_else(|| config.nav_env.as_str().to_owned());
    let endpoint = endpoint(&nav)?;
    let taxpayers = if args.taxpayers.is_empty() {
        config.taxpayers.clone()
    } else {
        for t in &args.taxpayers {
            if !config.taxpayers.contains(t) {
                return Err(format!(
                    "taxpayer {t} is not in {}; add a [[taxpayer]] entry for it",
                    args.config.display()
                ));
            }
        }
        args.taxpayers.clone()
    };
    if taxpayers.is_empty() {
        return Err(format!(
            "{} lists no taxpayer; add a [[taxpayer]] entry",
            args.config.display()
        ));
    }
    let sync = LocalSync::new(&data, endpoint, &config.nav, config.credentials.clone())?;
    let policy = SyncPolicy {
        rescan: args.rescan,
        recheck: chrono::TimeDelta::days(config.recheck_days.into()),
        ..SyncPolicy::new(args.lookback_days.unwrap_or(config.lookback))
    };
    let directions = args.direction.directions();
    let work = with_progress(&sync.stored, sync.run(&taxpayers, &directions, &policy));
    // Every write is atomic (SQLite transactions, files renamed into place), so stopping at any
    // point loses nothing: the next run resumes from the watermark and skips what is stored.
    let summaries = tokio::select! {
        summaries = work => summaries.expect("nothing else runs a sync in this process"),
        _ = interrupted => {
            return Err("interrupted; nothing is lost, the next run resumes where this one stopped".into());
        }
    };
    print_summaries(&summaries);
    let failed: Vec<String> = summaries
        .iter()
        .filter_map(|s| {
            s.error
                .as_ref()
                .map(|e| format!("{} {}: {e}", s.report.taxpayer, s.report.direction))
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("sync failed for {}", failed.join("; ")))
    }
}
