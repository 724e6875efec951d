//! The port contracts against the DynamoDB and S3 adapters on the emulator the harness starts,
//! and a sync interrupted halfway through a batch, run again.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use navsync_aws_emulator as emu;
use navsync_contract::{archive, fixtures, store};
use navsync_domain::ports::{
    CredentialStore, CredentialsError, DigestPage, DocumentArchive, InvoiceDocument,
    InvoiceQueries, InvoiceRepository, MockNavSource, RepoError, SyncStateStore, SystemClock,
};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::sync::{SyncPolicy, SyncService};
use navsync_domain::{
    Direction, InvoiceDigest, InvoiceKey, InvoiceRecord, Lookback, NavCredentials, Secret,
    TaxpayerId,
};
use navsync_dynamodb::{DynamoConfig, DynamoStore};
use navsync_s3::{S3Archive, S3Config};

const CURSOR_KEY: &[u8] = b"contract-tests-cursor-key-32-bytes!!";

async fn archive() -> S3Archive {
    let sdk = emu::sdk_config().await;
    let bucket = emu::new_bucket(&sdk, "contract").await;
    S3Archive::new(
        &sdk,
        S3Config {
            force_path_style: true,
            ..S3Config::new(bucket)
        },
    )
    .expect("config")
}

/// A fresh table, with a bucket for oversized items.
async fn store() -> (DynamoStore, S3Archive) {
    let sdk = emu::sdk_config().await;
    let table = emu::new_table(&sdk, "contract").await;
    let archive = archive().await;
    let store = DynamoStore::new(&sdk, DynamoConfig::new(table, CURSOR_KEY))
        .expect("config")
        .with_overflow(Arc::new(archive.clone()));
    (store, archive)
}

#[tokio::test]
async fn put_is_idempotent_and_reads_back() {
    store::check_put_is_idempotent_and_reads_back(&store().await.0).await;
}

#[tokio::test]
async fn identity_lookups() {
    store::check_identity_lookups(&store().await.0).await;
}

#[tokio::test]
async fn search_agrees_with_matches() {
    store::check_search_agrees_with_matches(&store().await.0).await;
}

#[tokio::test]
async fn cursor_cannot_be_forged() {
    store::check_cursor_cannot_be_forged(&store().await.0).await;
}

#[tokio::test]
async fn chain() {
    store::check_chain(&store().await.0).await;
}

#[tokio::test]
async fn watermark() {
    store::check_watermark(&store().await.0).await;
}

#[tokio::test]
async fn versions() {
    store::check_versions(&store().await.0).await;
}

#[tokio::test]
async fn pending() {
    store::check_pending(&store().await.0).await;
}

#[tokio::test]
async fn watermark_race() {
    store::check_watermark_race(&store().await.0).await;
}

#[tokio::test]
async fn archive_round_trip() {
    archive::check_round_trip(&archive().await).await;
}

#[tokio::test]
async fn archive_missing_and_mismatch() {
    archive::check_missing_and_mismatch(&archive().await).await;
}

// ---- idempotency under a crash ---------------------------------------------------------

/// The real store, except that its Nth `put_many` writes the first half of the batch and
/// then fails, as a Lambda killed mid-batch would leave it.
struct CrashingRepo<'a> {
    inner: &'a DynamoStore,
    calls: AtomicUsize,
    crash_on: usize,
}

#[async_trait]
impl InvoiceRepository for CrashingRepo<'_> {
    async fn stored_among(&self, keys: &[InvoiceKey]) -> Result<HashSet<InvoiceKey>, RepoError> {
        self.inner.stored_among(keys).await
    }

    async fn stored_versions(
        &self,
        keys: &[InvoiceKey],
    ) -> Result<std::collections::HashMap<InvoiceKey, HashSet<navsync_domain::ReportId>>, RepoError>
    {
        self.inner.stored_versions(keys).await
    }

    async fn put_many(&self, records: &[InvoiceRecord]) -> Result<(), RepoError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) + 1 == self.crash_on {
            self.inner.put_many(&records[..records.len() / 2]).await?;
            return Err(RepoError::Unavailable(
                "crashed mid-batch (injected)".into(),
            ));
        }
        self.inner.put_many(records).await
    }
}

struct FixedCredentials(TaxpayerId);

#[async_trait]
impl CredentialStore for FixedCredentials {
    async fn credentials(&self, taxpayer: TaxpayerId) -> Result<NavCredentials, CredentialsError> {
        assert_eq!(taxpayer, self.0);
        Ok(NavCredentials {
            tax_number: taxpayer,
            login: "tester".into(),
            password: Secret::new("pw"),
            sign_key: Secret::new("sk"),
            exchange_key: Secret::new("ek"),
        })
    }
}

/// NAV's side: `n` invoices received over the last day, listed 100 a page.
fn nav(
    records: Arc<Vec<(InvoiceDigest, InvoiceDocument)>>,
    data_calls: Arc<AtomicUsize>,
) -> MockNavSource {
    let mut nav = MockNavSource::new();
    let r = records.clone();
    nav.expect_digest_page()
        .returning(move |_, _, window, page| {
            let in_window: Vec<InvoiceDigest> = r
                .iter()
                .map(|(d, _)| d.clone())
                .filter(|d| window.contains(d.ins_date))
                .collect();
            Ok(DigestPage {
                current_page: page,
                available_page: in_window.len().div_ceil(100).max(1) as u32,
                digests: in_window
                    .into_iter()
                    .skip((page as usize - 1) * 100)
                    .take(100)
                    .collect(),
            })
        });
    nav.expect_invoice_data().returning(move |_, id| {
        data_calls.fetch_add(1, Ordering::SeqCst);
        Ok(records
            .iter()
            .find(|(d, _)| d.invoice_number == id.invoice_number)
            .map(|(_, doc)| doc.clone())
            .expect("NAV serves only what it listed"))
    });
    nav
}

#[tokio::test]
async fn a_sync_crashed_mid_batch_and_run_again_stores_each_invoice_once() {
    let (store, archive) = store().await;
    let tp = fixtures::taxpayer(1_200_001);
    let now = Utc::now();
    let n = 130;
    let served: Vec<(InvoiceDigest, InvoiceDocument)> = (0..n)
        .map(|i| {
            let mut spec = fixtures::Spec::new(tp, Direction::Inbound, &format!("CR/{i:04}"));
            spec.partner = Some(fixtures::taxpayer(2_100_000 + i as u32 % 3));
            let mut rec = fixtures::record(&spec);
            rec.digest.ins_date = now - TimeDelta::hours(20) + TimeDelta::minutes(i);
            let xml = archive::sample_xml(&spec.number);
            (
                rec.digest,
                InvoiceDocument {
                    xml,
                    invoice: rec.invoice,
                    electronic_invoice_hash: None,
                    served: None,
                },
            )
        })
        .collect();
    let served = Arc::new(served);
    let data_calls = Arc::new(AtomicUsize::new(0));
    let nav = nav(served.clone(), data_calls.clone());
    let creds = FixedCredentials(tp);
    let policy = SyncPolicy::new(Lookback::try_from(2).expect("valid"));

    // Run 1: the third batch of 25 half-lands, then the "crash".
    let crashing = CrashingRepo {
        inner: &store,
        calls: AtomicUsize::new(0),
        crash_on: 3,
    };
    let svc = SyncService {
        nav: &nav,
        repo: &crashing,
        state: &store,
        archive: &archive,
        credentials: &creds,
        clock: &SystemClock,
    };
    let outcomes = svc.run(&[tp], &[Direction::Inbound], &policy).await;
    let error = outcomes[0].error.as_ref().expect("run 1 fails");
    assert!(error.to_string().contains("injected"), "{error}");
    let stored_after_crash = store::all_pages(
        &store,
        &InvoiceQuery {
            limit: 1000,
            ..InvoiceQuery::new(tp, Direction::Inbound)
        },
    )
    .await;
    assert_eq!(
        stored_after_crash.len(),
        25 * 2 + 12,
        "two batches and half the third"
    );
    let state = store.load(tp, Direction::Inbound).await.expect("load");
    let first_listed: DateTime<Utc> = served[0].0.ins_date;
    assert!(
        state.watermark.is_none_or(|w| w <= first_listed),
        "the watermark must not pass unstored invoices: {:?}",
        state.watermark
    );
    assert!(state.last_run.expect("run recorded").error.is_some());
    let calls_run1 = data_calls.load(Ordering::SeqCst);

    // Run 2 against the plain store.
    let svc = SyncService {
        nav: &nav,
        repo: &store,
        state: &store,
        archive: &archive,
        credentials: &creds,
        clock: &SystemClock,
    };
    let outcomes = svc.run(&[tp], &[Direction::Inbound], &policy).await;
    assert!(outcomes[0].error.is_none(), "{:?}", outcomes[0].error);
    let report = &outcomes[0].report;
    assert_eq!(report.already_stored, 62);
    assert_eq!(report.new, n as u64 - 62);
    assert_eq!(
        data_calls.load(Ordering::SeqCst) - calls_run1,
        n as usize - 62,
        "stored invoices are not fetched again"
    );

    // No loss, no duplicate, each record whole, each document archived byte for byte.
    let listed = store::all_pages(
        &store,
        &InvoiceQuery {
            limit: 1000,
            ..InvoiceQuery::new(tp, Direction::Inbound)
        },
    )
    .await;
    let keys: HashSet<InvoiceKey> = listed.iter().map(|s| s.key.clone()).collect();
    assert_eq!(listed.len(), n as usize, "no duplicates");
    assert_eq!(keys.len(), n as usize, "no loss");
    for (digest, doc) in served.iter() {
        let key = InvoiceKey {
            taxpayer: tp,
            id: digest.id(Direction::Inbound),
        };
        let rec = store.get(&key).await.expect("get").expect("stored");
        assert_eq!(&rec.digest, digest);
        assert_eq!(rec.invoice, doc.invoice);
        assert_eq!(archive.get(&rec.document).await.expect("archived"), doc.xml);
    }
    let state = store.load(tp, Direction::Inbound).await.expect("load");
    assert!(state.watermark.expect("advanced") > served.last().expect("some").0.ins_date);
}
