//! The ports: what the domain needs from the outside world, one small trait per capability.
//! Adapters implement them; use cases are generic over them. Every method documents the
//! errors it returns, and each error type says whether trying again can help.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::credentials::NavCredentials;
use crate::invoice::{
    Direction, DocumentRef, Invoice, InvoiceDigest, InvoiceId, InvoiceKey, InvoiceRecord, ReportId,
    ServedReport,
};
use crate::query::{InvoicePage, InvoiceQuery};
use crate::sync::{PendingInvoice, RunRecord, SyncState, Window};
use crate::tax_number::TaxpayerId;

/// Errors from NAV, after the adapter's own retries are spent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NavError {
    /// NAV refused the request for a reason that repeating it will not fix: authentication
    /// (`INVALID_SECURITY_USER`, `INVALID_REQUEST_SIGNATURE`, …) or validation (`INVALID_REQUEST`, …).
    #[error("NAV rejected the request: {code}: {message}")]
    Rejected { code: String, message: String },
    /// NAV or the way to it failed in a way that may pass (`OPERATION_FAILED`, maintenance, 5xx,
    /// a gateway page, timeout, reset). `code` is NAV's errorCode when it sent one.
    #[error("NAV unavailable{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Unavailable {
        code: Option<String>,
        message: String,
    },
    /// The digest listed the invoice but `queryInvoiceData` does not return it (yet).
    #[error("NAV returned no document for invoice {0}")]
    NotFound(String),
    /// NAV returned something that is not a readable invoice document (bad base64, a gzip bomb,
    /// malformed or hostile XML, a document that is not an invoice).
    #[error("invalid invoice document: {0}")]
    InvalidDocument(String),
    /// NAV holds several valid reports under this invoice number (`MULTIPLE_QUERY_RESULT_FOUND`,
    /// spec 3.2 #17): the supplier reported it twice. No query parameter narrows it; it passes
    /// once the supplier technically annuls the duplicate, so it is retried.
    #[error(
        "NAV holds more than one valid report of invoice {0} (MULTIPLE_QUERY_RESULT_FOUND); \
         it can be fetched once the supplier technically annuls the duplicate"
    )]
    MultipleResults(String),
}

impl NavError {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            NavError::Unavailable { .. } | NavError::NotFound(_) | NavError::MultipleResults(_)
        )
    }

    /// NAV's errorCode, where NAV gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            NavError::Rejected { code, .. } => Some(code),
            NavError::Unavailable { code, .. } => code.as_deref(),
            NavError::MultipleResults(_) => Some("MULTIPLE_QUERY_RESULT_FOUND"),
            _ => None,
        }
    }
}

/// One page of `queryInvoiceDigest`.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestPage {
    pub current_page: u32,
    pub available_page: u32,
    pub digests: Vec<InvoiceDigest>,
}

/// The original invoice document, byte for byte as NAV holds it (decoded and decompressed),
/// and the invoice it states (for a batch document: the part the id's batch index names).
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceDocument {
    pub xml: Vec<u8>,
    pub invoice: Invoice,
    pub electronic_invoice_hash: Option<crate::ElectronicInvoiceHash>,
    /// Which report NAV served (its `auditData`), where it said: NAV serves only the current
    /// one, which after a resubmission is not the one an older digest row lists.
    pub served: Option<ServedReport>,
}

/// NAV Online Számla, as far as syncing needs it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait NavSource: Send + Sync {
    /// One page (1-based) of the digests NAV received in `window` (by `insDate`) for the
    /// credentials' taxpayer in `direction`.
    ///
    /// Errors: [`NavError::Rejected`] for bad credentials or a bad query (do not retry);
    /// [`NavError::Unavailable`] when NAV could not answer.
    async fn digest_page(
        &self,
        credentials: &NavCredentials,
        direction: Direction,
        window: Window,
        page: u32,
    ) -> Result<DigestPage, NavError>;

    /// The document of one invoice: NAV's one valid report of it (see [`InvoiceDocument::served`]).
    ///
    /// Errors: [`NavError::NotFound`] when NAV returns no document for it yet;
    /// [`NavError::MultipleResults`] when NAV holds several valid reports under the number;
    /// [`NavError::InvalidDocument`] when the document cannot be decoded or parsed;
    /// otherwise as [`NavSource::digest_page`].
    async fn invoice_data(
        &self,
        credentials: &NavCredentials,
        id: &InvoiceId,
    ) -> Result<InvoiceDocument, NavError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// A conditional write lost: the stored state is not what the caller expected
    /// (e.g. another sync moved the watermark first).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store could not be reached or throttled past the adapter's retries; try again.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The caller passed something the store cannot accept (e.g. a cursor that is not one of
    /// ours, or one issued for another taxpayer or query).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Stored data could not be read back (corrupt item, unknown schema).
    #[error("stored data unreadable: {0}")]
    Corrupt(String),
}

impl RepoError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, RepoError::Unavailable(_) | RepoError::Conflict(_))
    }
}

/// The write side of the invoice store, as the sync uses it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InvoiceRepository: Send + Sync {
    /// Which of `keys` are stored already (at most 100 keys a call).
    ///
    /// Errors: [`RepoError::Unavailable`].
    async fn stored_among(&self, keys: &[InvoiceKey]) -> Result<HashSet<InvoiceKey>, RepoError>;

    /// For each of `keys` with anything stored (at most 100 keys a call), the reports stored
    /// of it: the current version's and every superseded one's.
    ///
    /// Errors: [`RepoError::Unavailable`].
    async fn stored_versions(
        &self,
        keys: &[InvoiceKey],
    ) -> Result<HashMap<InvoiceKey, HashSet<ReportId>>, RepoError>;

    /// Stores every record. Idempotent: storing a record again leaves one copy. A record is
    /// either stored whole or not at all; on error some records of the call may be stored.
    ///
    /// Versions: a record of a report ([`InvoiceDigest::report_id`]) other than the stored
    /// current one becomes current if it [`crate::supersedes`] it, the old current one then
    /// kept as superseded; otherwise it is kept as superseded itself. Listings and chains see
    /// current versions only; [`InvoiceQueries::versions`] the superseded ones.
    ///
    /// Errors: [`RepoError::Unavailable`].
    async fn put_many(&self, records: &[InvoiceRecord]) -> Result<(), RepoError>;
}

/// The read side of the invoice store, as the API uses it. Every call is scoped to one taxpayer.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InvoiceQueries: Send + Sync {
    /// One invoice (its current version), or `None` when the taxpayer has no such invoice.
    async fn get(&self, key: &InvoiceKey) -> Result<Option<InvoiceRecord>, RepoError>;

    /// The superseded versions of an invoice (reports a resubmission replaced), latest
    /// `insDate` first; empty when there are none or the invoice is not stored.
    async fn versions(&self, key: &InvoiceKey) -> Result<Vec<InvoiceRecord>, RepoError>;

    /// A page of the taxpayer's invoices matching `query`.
    ///
    /// Errors: [`RepoError::Invalid`] for a cursor this store did not issue for this query.
    async fn search(&self, query: &InvoiceQuery) -> Result<InvoicePage, RepoError>;

    /// Every stored invoice of the chain rooted at `original` (the original itself, where
    /// stored, and every MODIFY/STORNO that references it), in no particular order.
    async fn chain(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        supplier: TaxpayerId,
        original: &str,
    ) -> Result<Vec<InvoiceRecord>, RepoError>;
}

/// Per taxpayer and direction: the watermark and the last run.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SyncStateStore: Send + Sync {
    /// The state, or the default (no watermark, no run) when none is stored.
    async fn load(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
    ) -> Result<SyncState, RepoError>;

    /// Moves the watermark from `expected` to `to`, atomically.
    ///
    /// Errors: [`RepoError::Conflict`] when the stored watermark is not `expected`, or when `to`
    /// is not later than it: two syncs can never move it backwards or past each other.
    async fn advance_watermark(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        expected: Option<DateTime<Utc>>,
        to: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Records how a run ended (for the status the API shows). Leaves the watermark alone.
    async fn record_run(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        run: &RunRecord,
    ) -> Result<(), RepoError>;

    /// The quarantined invoices of this taxpayer and direction, earliest first failure first,
    /// at most `limit` of them.
    async fn pending(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<PendingInvoice>, RepoError>;

    /// Quarantines an invoice, or replaces its entry (a further failed attempt).
    async fn put_pending(&self, pending: &PendingInvoice) -> Result<(), RepoError>;

    /// Ends an invoice's quarantine once it is stored. Removing one that is not there is no error.
    async fn remove_pending(&self, key: &InvoiceKey) -> Result<(), RepoError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("document {0} is not in the archive")]
    NotFound(String),
    /// The stored bytes do not hash to what was recorded when they were archived.
    #[error("document {key} is corrupt: SHA-256 {actual}, expected {expected}")]
    Corrupt {
        key: String,
        expected: String,
        actual: String,
    },
    #[error("archive unavailable: {0}")]
    Unavailable(String),
}

impl ArchiveError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, ArchiveError::Unavailable(_))
    }
}

/// The archive of original invoice documents.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DocumentArchive: Send + Sync {
    /// Archives `xml` under `object_key`, one of [`crate::archive`]'s keys. Idempotent: the
    /// same bytes again change nothing visible.
    ///
    /// Errors: [`ArchiveError::Unavailable`].
    async fn put_at(&self, object_key: &str, xml: &[u8]) -> Result<DocumentRef, ArchiveError>;

    /// Archives an invoice's (first) version under [`crate::archive::document_key`].
    ///
    /// Errors: as [`DocumentArchive::put_at`].
    async fn put(
        &self,
        key: &InvoiceKey,
        issue_date: NaiveDate,
        xml: &[u8],
    ) -> Result<DocumentRef, ArchiveError> {
        self.put_at(&crate::archive::document_key(key, issue_date), xml)
            .await
    }

    /// Archives a further version of an invoice under
    /// [`crate::archive::version_document_key`], so it overwrites no other version.
    ///
    /// Errors: as [`DocumentArchive::put_at`].
    async fn put_version(
        &self,
        key: &InvoiceKey,
        issue_date: NaiveDate,
        report: &ReportId,
        xml: &[u8],
    ) -> Result<DocumentRef, ArchiveError> {
        self.put_at(
            &crate::archive::version_document_key(key, issue_date, report),
            xml,
        )
        .await
    }

    /// The document's bytes, checked against its recorded SHA-256.
    ///
    /// Errors: [`ArchiveError::NotFound`], [`ArchiveError::Corrupt`], [`ArchiveError::Unavailable`].
    async fn get(&self, document: &DocumentRef) -> Result<Vec<u8>, ArchiveError>;

    /// A URL that downloads the document for `ttl`, or `None` where the archive has no such
    /// URLs (the API then serves the bytes itself).
    async fn download_url(
        &self,
        document: &DocumentRef,
        ttl: Duration,
    ) -> Result<Option<String>, ArchiveError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// No credentials are configured for the taxpayer; `name` says where they were looked for.
    #[error("NAV credentials missing: {name}")]
    Missing { name: String },
    /// A value is there but unusable; the reason never quotes the value.
    #[error("NAV credentials malformed: {name}: {reason}")]
    Malformed { name: String, reason: String },
    #[error("credential store unavailable: {0}")]
    Unavailable(String),
}

/// Where each taxpayer's NAV credentials are kept.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Errors: [`CredentialsError::Missing`] or [`CredentialsError::Malformed`], each naming
    /// the parameter or setting to fix; [`CredentialsError::Unavailable`].
    async fn credentials(&self, taxpayer: TaxpayerId) -> Result<NavCredentials, CredentialsError>;
}

/// The current time, injectable so sync rules are testable.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
