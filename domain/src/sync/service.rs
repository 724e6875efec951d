//! The sync use case: for each taxpayer and direction, retry the quarantined invoices that are
//! due, re-list a trailing period behind the watermark (NAV lists some invoices late), then
//! plan windows from the watermark, page through NAV's digests, skip what is stored, fetch,
//! archive and store the rest, and move the watermark past each window once all of it is
//! stored or quarantined. An invoice that cannot be fetched or read is quarantined with its
//! reason and retried with backoff; it never holds the watermark, so it cannot stall the rest.
//!
//! It streams: at most one digest page and one write batch are held at a time, so a window of
//! any size runs in the memory of a page.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};

use crate::credentials::NavCredentials;
use crate::invoice::{
    Direction, InvoiceDigest, InvoiceKey, InvoiceOperation, InvoiceRecord, ReportId,
};
use crate::lookback::Lookback;
use crate::ports::{
    ArchiveError, Clock, CredentialStore, CredentialsError, DocumentArchive, InvoiceRepository,
    NavError, NavSource, RepoError, SyncStateStore,
};
use crate::tax_number::TaxpayerId;

use super::pending::{PendingInvoice, concerns_only_the_invoice};
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
    /// How far behind the watermark every run lists again (digests only; a data call only for
    /// what is not stored), for invoices NAV lists after their `insDate` window was queried.
    /// Zero turns it off; a `rescan` reaches further anyway.
    pub recheck: TimeDelta,
    /// Stop cleanly, with the watermark where the stored invoices end, once the clock passes this.
    pub deadline: Option<DateTime<Utc>>,
    /// How many records are stored per repository call.
    pub write_batch: usize,
}

impl SyncPolicy {
    pub const DEFAULT_SETTLE: TimeDelta = TimeDelta::minutes(2);
    /// NAV's own incidents backfilled digests days late (nav-gov-hu/Online-Invoice #664, #1109);
    /// a daily or on-demand rescan over the lookback covers what lies further back.
    pub const DEFAULT_RECHECK: TimeDelta = TimeDelta::days(3);
    pub const DEFAULT_WRITE_BATCH: usize = 25;
    /// How many quarantined invoices a run considers; more wait for later runs.
    pub const PENDING_LIMIT: usize = 1000;

    pub fn new(lookback: Lookback) -> Self {
        Self {
            lookback,
            rescan: false,
            settle: Self::DEFAULT_SETTLE,
            recheck: Self::DEFAULT_RECHECK,
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

        let mut pending: HashMap<InvoiceKey, PendingInvoice> = self
            .state
            .pending(taxpayer, direction, SyncPolicy::PENDING_LIMIT)
            .await?
            .into_iter()
            .map(|p| (p.key.clone(), p))
            .collect();
        let result = self
            .sync_all(
                credentials,
                direction,
                policy,
                report,
                &mut pending,
                &mut watermark,
            )
            .await;
        // The count after the run, whether or not it finished.
        report.pending = self
            .state
            .pending(taxpayer, direction, SyncPolicy::PENDING_LIMIT)
            .await
            .map_or(pending.len(), |p| p.len()) as u64;
        result
    }

    async fn sync_all(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        policy: &SyncPolicy,
        report: &mut DirectionReport,
        pending: &mut HashMap<InvoiceKey, PendingInvoice>,
        watermark: &mut Option<DateTime<Utc>>,
    ) -> Result<(), SyncError> {
        let taxpayer = credentials.tax_number;
        self.retry_pending(credentials, direction, policy, report, pending)
            .await?;

        let now = self.clock.now();
        let end = now - policy.settle;
        let start = sync_start(now, policy.lookback, *watermark, policy.rescan);
        let recheck = match *watermark {
            Some(w) if !policy.rescan && policy.recheck > TimeDelta::zero() => {
                plan_windows(w - policy.recheck, w.min(end))
            }
            _ => Vec::new(),
        };
        for window in recheck {
            let calls_before = report.digest_calls;
            let progress = self
                .sync_window(credentials, direction, window, policy, report, pending)
                .await;
            report.recheck_digest_calls += report.digest_calls - calls_before;
            // Behind the watermark: the window can only fill in what was listed late.
            if progress?.interrupted {
                report.stopped_at_deadline = true;
                return Ok(());
            }
        }

        let windows = plan_windows(start, end);
        report.windows_planned = windows.len() as u32;
        for window in windows {
            let progress = self
                .sync_window(credentials, direction, window, policy, report, pending)
                .await?;
            if progress.complete() {
                report.windows_completed += 1;
            }
            let next = advanced_watermark(*watermark, &window, &progress);
            if let Some(to) = next.filter(|_| next != *watermark) {
                self.state
                    .advance_watermark(taxpayer, direction, *watermark, to)
                    .await?;
                *watermark = next;
                report.watermark_after = next;
            }
            if progress.interrupted {
                report.stopped_at_deadline = true;
                break;
            }
        }
        Ok(())
    }

    fn past_deadline(&self, policy: &SyncPolicy) -> bool {
        policy.deadline.is_some_and(|d| self.clock.now() >= d)
    }

    /// Tries the quarantined invoices whose backoff has passed, with what NAV listed for them.
    async fn retry_pending(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        policy: &SyncPolicy,
        report: &mut DirectionReport,
        pending: &mut HashMap<InvoiceKey, PendingInvoice>,
    ) -> Result<(), SyncError> {
        let now = self.clock.now();
        let mut due: Vec<PendingInvoice> = pending
            .values()
            .filter(|p| p.is_due(now))
            .cloned()
            .collect();
        due.sort_by_key(|p| p.first_failed_at);
        let mut batch = Batch::new(policy.write_batch.max(1));
        for chunk in due.chunks(100) {
            let keys: Vec<InvoiceKey> = chunk.iter().map(|p| p.key.clone()).collect();
            let stored = self.repo.stored_versions(&keys).await?;
            for entry in chunk {
                let versions = stored.get(&entry.key);
                if versions.is_some_and(|v| v.contains(&entry.digest.report_id())) {
                    // Stored meanwhile (another run, a rescan): only the entry is left.
                    self.state.remove_pending(&entry.key).await?;
                    pending.remove(&entry.key);
                    continue;
                }
                if self.past_deadline(policy) {
                    report.stopped_at_deadline = true;
                    break;
                }
                report.data_calls += 1;
                let another_version = versions.is_some();
                match self
                    .fetch(
                        credentials,
                        &entry.key,
                        entry.digest.clone(),
                        another_version,
                        Take::Served(versions),
                    )
                    .await
                {
                    Ok(Some(record)) => {
                        batch.records.push(record);
                        if batch.is_full() {
                            self.flush_recovered(&mut batch, report, pending).await?;
                        }
                    }
                    Ok(None) => {
                        // A resubmission replaced it; NAV serves that one, listed on its own.
                        self.state.remove_pending(&entry.key).await?;
                        pending.remove(&entry.key);
                        report.superseded_unserved += 1;
                    }
                    Err(SyncError::Nav(e)) if concerns_only_the_invoice(&e) => {
                        tracing::warn!(taxpayer = %entry.key.taxpayer, %direction,
                            invoice = %entry.key.id.invoice_number, attempts = entry.attempts + 1,
                            error = %e, "quarantined invoice still cannot be stored");
                        let again = entry.failed_again(&e, self.clock.now());
                        self.state.put_pending(&again).await?;
                        pending.insert(again.key.clone(), again);
                        report.unavailable += 1;
                    }
                    Err(e) => {
                        self.flush_recovered(&mut batch, report, pending).await?;
                        return Err(e);
                    }
                }
            }
            if report.stopped_at_deadline {
                break;
            }
        }
        self.flush_recovered(&mut batch, report, pending).await
    }

    async fn flush_recovered(
        &self,
        batch: &mut Batch,
        report: &mut DirectionReport,
        pending: &mut HashMap<InvoiceKey, PendingInvoice>,
    ) -> Result<(), SyncError> {
        let mut progress = WindowProgress::default();
        // Listed by an earlier run: stored late, but not listed late.
        for key in self.store(batch, &mut progress, report, None).await? {
            self.state.remove_pending(&key).await?;
            pending.remove(&key);
            report.recovered += 1;
        }
        Ok(())
    }

    async fn sync_window(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        window: Window,
        policy: &SyncPolicy,
        report: &mut DirectionReport,
        pending: &mut HashMap<InvoiceKey, PendingInvoice>,
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
                pending,
            )
            .await?;
            if progress.interrupted || page >= digests.available_page {
                return Ok(progress);
            }
            page += 1;
        }
    }

    /// Fetches, reads and archives one listed report of an invoice into the record to store;
    /// `another_version` says another report of the invoice is stored (or about to be), so
    /// this one gets its own archive key. `None` when NAV serves a later report instead: a
    /// resubmission superseded the listed one and NAV no longer serves it.
    async fn fetch(
        &self,
        credentials: &NavCredentials,
        key: &InvoiceKey,
        mut digest: InvoiceDigest,
        another_version: bool,
        take: Take<'_>,
    ) -> Result<Option<InvoiceRecord>, SyncError> {
        let mut document = self.nav.invoice_data(credentials, &key.id).await?;
        if let Some(served) = &document.served
            && !served.is_report_of(&digest)
        {
            if let Take::Served(stored) = take
                && !stored.is_some_and(|s| s.contains(&served.report_id()))
            {
                // Stored as the report NAV served; the listing's other fields stay as listed.
                digest = InvoiceDigest {
                    transaction_id: served.transaction_id.clone(),
                    index: served.index,
                    ins_date: served.ins_date,
                    ..digest
                };
            } else if served.ins_date > digest.ins_date {
                return Ok(None);
            } else {
                // NAV is still processing the listed report; it serves the earlier one meanwhile.
                return Err(NavError::NotFound(format!(
                    "{} (listed report {} not served yet; NAV served an earlier one)",
                    key.id.invoice_number,
                    digest.report_id()
                ))
                .into());
            }
        }
        if let Some(hash) = &document.electronic_invoice_hash
            && let Some(warning) = hash.mismatch_warning()
        {
            crate::push_warning(&mut document.invoice.warnings, warning);
        }
        let issue_date = document.invoice.issue_date;
        let archived = if another_version {
            let report = digest.report_id();
            self.archive
                .put_version(key, issue_date, &report, &document.xml)
                .await?
        } else {
            self.archive.put(key, issue_date, &document.xml).await?
        };
        Ok(Some(InvoiceRecord {
            key: key.clone(),
            digest,
            invoice: document.invoice,
            document: archived,
            electronic_invoice_hash: document.electronic_invoice_hash,
        }))
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
        pending: &mut HashMap<InvoiceKey, PendingInvoice>,
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
            self.repo.stored_versions(&keys).await?
        };

        let mut batch = Batch::new(policy.write_batch.max(1));
        // Invoices with a version fetched by this page: a further one gets its own archive key.
        let mut fetched: HashSet<InvoiceKey> = HashSet::new();
        for (digest, key) in digests.into_iter().zip(keys) {
            let report_id: ReportId = digest.report_id();
            let versions = stored.get(&key);
            if versions.is_some_and(|v| v.contains(&report_id)) {
                progress.settled += 1;
                report.already_stored += 1;
                continue;
            }
            if pending
                .get(&key)
                .is_some_and(|p| p.digest.report_id() == report_id)
            {
                // Quarantined already; retried from the pending list on its own schedule.
                progress.settled += 1;
                continue;
            }
            if self.past_deadline(policy) {
                progress.interrupted = true;
                break;
            }
            report.data_calls += 1;
            let another_version = versions.is_some() || fetched.contains(&key);
            match self
                .fetch(
                    credentials,
                    &key,
                    digest.clone(),
                    another_version,
                    Take::Listed,
                )
                .await
            {
                Ok(Some(record)) => {
                    if another_version {
                        report.resubmissions += 1;
                    }
                    fetched.insert(key);
                    batch.records.push(record);
                    if batch.is_full() {
                        self.flush(&mut batch, progress, report).await?;
                    }
                }
                Ok(None) => {
                    // A later report replaced this one; NAV serves that, listed on its own.
                    progress.settled += 1;
                    report.superseded_unserved += 1;
                }
                Err(SyncError::Nav(e)) if concerns_only_the_invoice(&e) => {
                    tracing::warn!(%taxpayer, %direction, invoice = %key.id.invoice_number,
                        error = %e, "invoice listed but not stored; quarantined, the sync goes on");
                    let entry = PendingInvoice::new(key, digest, &e, self.clock.now());
                    self.state.put_pending(&entry).await?;
                    pending.insert(entry.key.clone(), entry);
                    progress.settled += 1;
                    report.unavailable += 1;
                }
                Err(e) => {
                    // Keep what was already fetched before giving up on the page.
                    self.flush(&mut batch, progress, report).await?;
                    return Err(e);
                }
            }
        }
        self.flush(&mut batch, progress, report).await.map(drop)
    }

    /// Stores the batch; returns the keys stored.
    async fn flush(
        &self,
        batch: &mut Batch,
        progress: &mut WindowProgress,
        report: &mut DirectionReport,
    ) -> Result<Vec<InvoiceKey>, SyncError> {
        let listed_late_before = report.watermark_before;
        self.store(batch, progress, report, listed_late_before)
            .await
    }

    /// Stores the batch, counting as late what NAV received before `listed_late_before`.
    async fn store(
        &self,
        batch: &mut Batch,
        progress: &mut WindowProgress,
        report: &mut DirectionReport,
        listed_late_before: Option<DateTime<Utc>>,
    ) -> Result<Vec<InvoiceKey>, SyncError> {
        if batch.records.is_empty() {
            return Ok(Vec::new());
        }
        self.repo.put_many(&batch.records).await?;
        let n = batch.records.len() as u64;
        let count = |f: &dyn Fn(&InvoiceRecord) -> bool| {
            batch.records.iter().filter(|r| f(r)).count() as u64
        };
        report.modifications += count(&|r| r.digest.operation != InvoiceOperation::Create);
        report.late += count(&|r| listed_late_before.is_some_and(|w| r.digest.ins_date < w));
        progress.settled += n;
        report.new += n;
        Ok(batch.records.drain(..).map(|r| r.key).collect())
    }
}

/// Which report a fetch may store when NAV serves another than the one listed.
#[derive(Clone, Copy)]
enum Take<'a> {
    /// Only the listed one: on a page of digests, any other report is listed on its own row.
    Listed,
    /// Whatever NAV serves now, unless it is among these stored reports. A quarantined entry
    /// names one report, but the invoice may have had several (`MULTIPLE_QUERY_RESULT_FOUND`
    /// quarantines each under the same key, and their rows were settled): once the supplier
    /// annuls one, the report NAV serves is the one to keep, earlier or later than the entry's.
    /// A listed report NAV serves later still is found again by the re-check or the sweep.
    Served(Option<&'a HashSet<ReportId>>),
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
