//! The sync use case: for each taxpayer and direction, plan windows, page through NAV's
//! digests, skip what is stored, fetch, archive and store the rest, and move the watermark
//! past each window once all of it is stored.
//!
//! It streams: at most one digest page and one write batch are held at a time, so a window of
//! any size runs in the memory of a page.

use chrono::{DateTime, TimeDelta, Utc};

use crate::credentials::NavCredentials;
use crate::invoice::{Direction, InvoiceDigest, InvoiceKey, InvoiceOperation, InvoiceRecord};
use crate::lookback::Lookback;
use crate::ports::{
    ArchiveError, Clock, CredentialStore, CredentialsError, DocumentArchive, InvoiceRepository,
    NavError, NavSource, RepoError, SyncStateStore,
};
use crate::tax_number::TaxpayerId;

use super::state::{DirectionReport, RunRecord, RunSummary, WindowProgress, advanced_watermark};
use super::window::{Window, plan_windows, sync_start};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Nav(#[from] NavError),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
}

impl SyncError {
    /// Whether running again later can succeed without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Nav(e) => e.is_retryable(),
            SyncError::Repo(e) => e.is_retryable(),
            SyncError::Archive(e) => e.is_retryable(),
            SyncError::Credentials(e) => matches!(e, CredentialsError::Unavailable(_)),
        }
    }

    /// NAV's errorCode, when NAV caused the failure.
    pub fn nav_code(&self) -> Option<&str> {
        match self {
            SyncError::Nav(e) => e.code(),
            _ => None,
        }
    }
}

/// How a run syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPolicy {
    /// How far back the first run of a taxpayer and direction looks.
    pub lookback: Lookback,
    /// Look back `lookback` again even when the watermark is later (on-demand re-check).
    pub rescan: bool,
    /// How long after `insDate` NAV may still be processing an invoice; windows end this long
    /// before now.
    pub settle: TimeDelta,
    /// Stop cleanly, with the watermark where the stored invoices end, once the clock passes this.
    pub deadline: Option<DateTime<Utc>>,
    /// How many records are stored per repository call.
    pub write_batch: usize,
}

impl SyncPolicy {
    pub const DEFAULT_SETTLE: TimeDelta = TimeDelta::minutes(2);
    pub const DEFAULT_WRITE_BATCH: usize = 25;

    pub fn new(lookback: Lookback) -> Self {
        Self {
            lookback,
            rescan: false,
            settle: Self::DEFAULT_SETTLE,
            deadline: None,
            write_batch: Self::DEFAULT_WRITE_BATCH,
        }
    }
}

/// How one taxpayer and direction fared in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxpayerOutcome {
    pub report: DirectionReport,
    pub error: Option<SyncError>,
}

/// The sync, over its ports. Borrowed, so `main` builds each client once and lends it.
pub struct SyncService<'a, N, R, S, A, K, C> {
    pub nav: &'a N,
    pub repo: &'a R,
    pub state: &'a S,
    pub archive: &'a A,
    pub credentials: &'a K,
    pub clock: &'a C,
}

impl<N, R, S, A, K, C> SyncService<'_, N, R, S, A, K, C>
where
    N: NavSource,
    R: InvoiceRepository,
    S: SyncStateStore,
    A: DocumentArchive,
    K: CredentialStore,
    C: Clock,
{
    /// Syncs every taxpayer in every direction. One failing taxpayer never stops the others;
    /// each outcome says how its own part went, and each is recorded for the status API.
    pub async fn run(
        &self,
        taxpayers: &[TaxpayerId],
        directions: &[Direction],
        policy: &SyncPolicy,
    ) -> Vec<TaxpayerOutcome> {
        let mut outcomes = Vec::with_capacity(taxpayers.len() * directions.len());
        for &taxpayer in taxpayers {
            let credentials = self.credentials.credentials(taxpayer).await;
            for &direction in directions {
                let started_at = self.clock.now();
                let (report, error) = match &credentials {
                    Ok(creds) => self.sync_direction(creds, direction, policy).await,
                    Err(e) => (
                        DirectionReport::new(taxpayer, direction, None),
                        Some(SyncError::Credentials(e.clone())),
                    ),
                };
                let run = RunRecord {
                    started_at,
                    finished_at: self.clock.now(),
                    report: report.clone(),
                    error: error.as_ref().map(ToString::to_string),
                };
                if let Err(e) = self.state.record_run(taxpayer, direction, &run).await {
                    tracing::warn!(%taxpayer, %direction, error = %e, "could not record the sync run");
                }
                outcomes.push(TaxpayerOutcome { report, error });
            }
        }
        outcomes
    }

    /// [`SyncService::run`], one taxpayer and direction at a time, each summarized with the NAV
    /// retries it cost: `nav_retries` reads the NAV adapter's running retry count, and taking
    /// it around each part tells that part's share.
    pub async fn run_summarized(
        &self,
        taxpayers: &[TaxpayerId],
        directions: &[Direction],
        policy: &SyncPolicy,
        nav_retries: impl Fn() -> u64,
    ) -> Vec<RunSummary> {
        let mut summaries = Vec::with_capacity(taxpayers.len() * directions.len());
        for &taxpayer in taxpayers {
            for &direction in directions {
                let before = nav_retries();
                let outcomes = self.run(&[taxpayer], &[direction], policy).await;
                let retries = nav_retries().saturating_sub(before);
                summaries.extend(outcomes.iter().map(|o| RunSummary::new(o, retries)));
            }
        }
        summaries
    }

    /// Syncs one direction of the credentials' taxpayer. The report is valid whether or not an
    /// error ended the run early.
    pub async fn sync_direction(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        policy: &SyncPolicy,
    ) -> (DirectionReport, Option<SyncError>) {
        let started = self.clock.now();
        let taxpayer = credentials.tax_number;
        let mut report = DirectionReport::new(taxpayer, direction, None);
        let error = self
            .sync_windows(credentials, direction, policy, &mut report)
            .await
            .err();
        report.duration_ms = (self.clock.now() - started).num_milliseconds().max(0) as u64;
        (report, error)
    }

    async fn sync_windows(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        policy: &SyncPolicy,
        report: &mut DirectionReport,
    ) -> Result<(), SyncError> {
        let taxpayer = credentials.tax_number;
        let state = self.state.load(taxpayer, direction).await?;
        let mut watermark = state.watermark;
        report.watermark_before = watermark;
        report.watermark_after = watermark;

        let now = self.clock.now();
        let start = sync_start(now, policy.lookback, watermark, policy.rescan);
        let windows = plan_windows(start, now - policy.settle);
        report.windows_planned = windows.len() as u32;

        // An unreadable document holds the watermark; the rest of the run still stores what it can.
        let mut invalid: Option<NavError> = None;
        for window in windows {
            let progress = self
                .sync_window(credentials, direction, window, policy, report, &mut invalid)
                .await?;
            if progress.complete() {
                report.windows_completed += 1;
            }
            let next = advanced_watermark(watermark, &window, &progress);
            if let Some(to) = next.filter(|_| next != watermark) {
                self.state
                    .advance_watermark(taxpayer, direction, watermark, to)
                    .await?;
                watermark = next;
                report.watermark_after = watermark;
            }
            if progress.interrupted {
                report.stopped_at_deadline = true;
                break;
            }
        }
        invalid.map_or(Ok(()), |e| Err(e.into()))
    }

    fn past_deadline(&self, policy: &SyncPolicy) -> bool {
        policy.deadline.is_some_and(|d| self.clock.now() >= d)
    }

    async fn sync_window(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        window: Window,
        policy: &SyncPolicy,
        report: &mut DirectionReport,
        invalid: &mut Option<NavError>,
    ) -> Result<WindowProgress, SyncError> {
        let mut progress = WindowProgress::default();
        let mut page = 1;
        loop {
            if self.past_deadline(policy) {
                progress.interrupted = true;
                return Ok(progress);
            }
            let digests = self
                .nav
                .digest_page(credentials, direction, window, page)
                .await?;
            report.digest_calls += 1;
            report.pages += 1;
            progress.pages_seen = page;
            progress.available_pages = digests.available_page;
            progress.listed += digests.digests.len() as u64;
            report.listed += digests.digests.len() as u64;

            self.sync_page(
                credentials,
                direction,
                digests.digests,
                policy,
                report,
                &mut progress,
                invalid,
            )
            .await?;
            if progress.interrupted || page >= digests.available_page {
                return Ok(progress);
            }
            page += 1;
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn sync_page(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        digests: Vec<InvoiceDigest>,
        policy: &SyncPolicy,
        report: &mut DirectionReport,
        progress: &mut WindowProgress,
        invalid: &mut Option<NavError>,
    ) -> Result<(), SyncError> {
        let taxpayer = credentials.tax_number;
        let keys: Vec<InvoiceKey> = digests
            .iter()
            .map(|d| InvoiceKey {
                taxpayer,
                id: d.id(direction),
            })
            .collect();
        let stored = if keys.is_empty() {
            Default::default()
        } else {
            self.repo.stored_among(&keys).await?
        };

        let mut batch = Batch::new(policy.write_batch.max(1));
        for (digest, key) in digests.into_iter().zip(keys) {
            if stored.contains(&key) {
                progress.stored += 1;
                report.already_stored += 1;
                continue;
            }
            if self.past_deadline(policy) {
                progress.interrupted = true;
                break;
            }
            report.data_calls += 1;
            let document = match self.nav.invoice_data(credentials, &key.id).await {
                Ok(document) => document,
                Err(e @ (NavError::NotFound(_) | NavError::InvalidDocument(_))) => {
                    tracing::warn!(%taxpayer, %direction, invoice = %key.id.invoice_number, error = %e,
                        "invoice listed but not stored; the watermark waits for it");
                    report.unavailable += 1;
                    if matches!(e, NavError::InvalidDocument(_)) {
                        invalid.get_or_insert(e);
                    }
                    continue;
                }
                Err(e) => {
                    // Keep what was already fetched before giving up on the page.
                    self.flush(&mut batch, progress, report).await?;
                    return Err(e.into());
                }
            };
            let archived = self
                .archive
                .put(&key, document.invoice.issue_date, &document.xml)
                .await;
            let archived = match archived {
                Ok(archived) => archived,
                Err(e) => {
                    self.flush(&mut batch, progress, report).await?;
                    return Err(e.into());
                }
            };
            batch.records.push(InvoiceRecord {
                key,
                digest,
                invoice: document.invoice,
                document: archived,
            });
            if batch.is_full() {
                self.flush(&mut batch, progress, report).await?;
            }
        }
        self.flush(&mut batch, progress, report).await
    }

    async fn flush(
        &self,
        batch: &mut Batch,
        progress: &mut WindowProgress,
        report: &mut DirectionReport,
    ) -> Result<(), SyncError> {
        if batch.records.is_empty() {
            return Ok(());
        }
        self.repo.put_many(&batch.records).await?;
        let n = batch.records.len() as u64;
        let modifications = batch
            .records
            .iter()
            .filter(|r| r.digest.operation != InvoiceOperation::Create)
            .count() as u64;
        progress.stored += n;
        report.new += n;
        report.modifications += modifications;
        batch.records.clear();
        Ok(())
    }
}

struct Batch {
    records: Vec<InvoiceRecord>,
    size: usize,
}

impl Batch {
    fn new(size: usize) -> Self {
        Self {
            records: Vec::with_capacity(size),
            size,
        }
    }

    fn is_full(&self) -> bool {
        self.records.len() >= self.size
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
