//! What one simulator run looks like: its data and its fault drills.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use crate::drills::Backfill;
use crate::request::Operation;

#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Same seed, same period: same taxpayers, credentials and invoices.
    pub seed: u64,
    pub taxpayers: usize,
    /// Generated invoices per taxpayer (both directions, modifications included).
    pub invoices_per_taxpayer: usize,
    /// Generated `insDate`s fall in [from, to).
    pub period: (DateTime<Utc>, DateTime<Utc>),
    /// Share of invoices reported (and so returned) gzip-compressed.
    pub compressed_share: f64,
    /// Folders of invoice XML files to serve besides the generated ones.
    pub invoice_dirs: Vec<PathBuf>,
    /// Every `.0`, add `.1` new invoices per taxpayer (a live stream for demos).
    pub trickle: Option<(Duration, usize)>,
    pub faults: Faults,
}

impl SimConfig {
    /// A small, fixed data set: `invoices` per taxpayer over the 30 days before `now`.
    pub fn new(seed: u64, invoices: usize, now: DateTime<Utc>) -> Self {
        Self {
            seed,
            taxpayers: 1,
            invoices_per_taxpayer: invoices,
            period: (now - chrono::Duration::days(30), now),
            compressed_share: 0.3,
            invoice_dirs: Vec::new(),
            trickle: None,
            faults: Faults::default(),
        }
    }
}

/// Fault drills. Request shares are probabilities per request, drawn from a stream seeded by
/// the run's seed, so a run with the same requests in the same order fails the same way.
/// Invoice shares (data lag, late listing, never fetchable) pick invoices by seed and identity.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// NAV's traffic restriction (spec 1.6.11).
    pub traffic_restriction: bool,
    /// Restrict every query operation, not only the ones NAV lists (queryInvoiceData, queryTaxpayer).
    pub restrict_all_operations: bool,
    /// Added to every NAV request before it is answered.
    pub latency: Duration,
    /// Share answered 500 `OPERATION_FAILED`.
    pub operation_failed_share: f64,
    /// Start in maintenance mode (every request 503 `MAINTENANCE_MODE`).
    pub maintenance: bool,
    /// Share answered 503 `MAINTENANCE_MODE`.
    pub maintenance_share: f64,
    /// Share answered with a gateway's non-XML 504 page.
    pub gateway_timeout_share: f64,
    /// Share whose connection is reset without an answer.
    pub reset_share: f64,
    /// Share of invoices `queryInvoiceData` does not return until `data_lag` after a digest
    /// first listed them.
    pub data_lag_share: f64,
    pub data_lag: Duration,
    /// Share of invoices `queryInvoiceDigest` leaves out until the simulator has answered
    /// `late_listing_after` digest queries; they keep their `insDate`, so they turn up behind
    /// a window already queried, the way NAV lists invoices late. Counted, not timed, so a
    /// test knows which run sees them.
    pub late_listing_share: f64,
    pub late_listing_after: u64,
    /// Share of invoices the digests list but `queryInvoiceData` never returns (answered as
    /// NAV answers for an invoice it does not have: no `invoiceDataResult`).
    pub never_fetchable_share: f64,
    /// Share of electronic invoices (`completenessIndicator` true) served with an
    /// `electronicInvoiceHash` that does not match their data.
    pub wrong_hash_share: f64,
    /// A past period whose invoices NAV lists only later.
    pub backfill: Option<Backfill>,
    /// Share of generated invoices the supplier technically annuls and reports again under the
    /// same number (a new transactionId, a later `insDate`, a corrected line): the
    /// resubmission is listed, and the original annulled, once `resubmit_after` digest queries
    /// were answered.
    pub resubmit_share: f64,
    /// Share of generated invoices reported twice without annulling either (a supplier's
    /// error): both listed, and `queryInvoiceData` answers `MULTIPLE_QUERY_RESULT_FOUND`.
    pub duplicate_share: f64,
    pub resubmit_after: u64,
    /// For `--invoice-dir` files sharing an invoice: each further report is listed this many
    /// digest queries after the one before it.
    pub resubmit_every: u64,
    /// A loaded server: service times, capacity, queue ([`crate::load`]). Read once at start.
    pub load: Option<crate::load::LoadModel>,
}

impl Faults {
    /// Operations under the traffic restriction: those of spec 1.6.11's list this simulator
    /// serves, or all of them.
    pub fn restricted(&self, op: Operation) -> bool {
        self.restrict_all_operations
            || matches!(op, Operation::QueryInvoiceData | Operation::QueryTaxpayer)
    }
}
