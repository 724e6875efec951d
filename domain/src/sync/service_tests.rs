//! The sync use case against mocked ports whose state lives in shared maps, so a second run
//! sees what the first one stored.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::credentials::Secret;
use crate::invoice::*;
use crate::ports::*;
use crate::sync::{PendingInvoice, SyncState, Window};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 30, 12, 0, 0).unwrap()
}

fn taxpayer() -> TaxpayerId {
    "11111111".parse().unwrap()
}

fn credentials() -> NavCredentials {
    NavCredentials {
        tax_number: taxpayer(),
        login: "user".into(),
        password: Secret::new("pw"),
        sign_key: Secret::new("sk"),
        exchange_key: Secret::new("ek"),
    }
}

fn digest(n: usize, operation: InvoiceOperation) -> InvoiceDigest {
    InvoiceDigest {
        invoice_number: format!("INV-{n:05}").parse().unwrap(),
        batch_index: None,
        operation,
        category: InvoiceCategory::Normal,
        issue_date: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        supplier_tax_number: "99999999".parse().unwrap(),
        supplier_group_member_tax_number: None,
        supplier_name: "Supplier Kft.".into(),
        customer_tax_number: Some(taxpayer()),
        customer_group_member_tax_number: None,
        customer_name: Some("Us Zrt.".into()),
        payment_method: Some(PaymentMethod::Transfer),
        payment_date: None,
        appearance: None,
        source: None,
        delivery_date: None,
        currency: Some("HUF".into()),
        net_amount: Some(Decimal::new(1000, 0)),
        net_amount_huf: Some(Decimal::new(1000, 0)),
        vat_amount: Some(Decimal::new(270, 0)),
        vat_amount_huf: Some(Decimal::new(270, 0)),
        transaction_id: None,
        index: None,
        original_invoice_number: None,
        modification_index: None,
        ins_date: now() - TimeDelta::days(2),
        completeness_indicator: None,
    }
}

fn invoice_for(id: &InvoiceId) -> Invoice {
    Invoice {
        schema_version: SchemaVersion::V3,
        invoice_number: id.invoice_number.clone(),
        batch_index: id.batch_index,
        issue_date: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        completeness_indicator: false,
        category: InvoiceCategory::Normal,
        supplier: Party::default(),
        customer: Party::default(),
        delivery_date: None,
        delivery_period: None,
        payment_date: None,
        payment_method: None,
        currency: "HUF".into(),
        exchange_rate: Decimal::ONE,
        appearance: None,
        modification: None,
        lines: vec![],
        vat_summary: vec![],
        totals: Totals::default(),
        warnings: Vec::new(),
    }
}

/// NAV's side: the digests it has received (each listed only by a window holding its
/// `insDate`, as NAV lists them), which invoice documents it withholds, and the calls it saw.
#[derive(Default)]
struct Nav {
    digests: Vec<InvoiceDigest>,
    withheld: HashSet<String>,
    /// Numbers NAV holds several valid reports of (`MULTIPLE_QUERY_RESULT_FOUND`).
    duplicated: HashSet<String>,
    /// Transactions the supplier technically annulled: listed still, never served.
    annulled: HashSet<String>,
    digest_calls: usize,
    data_calls: Vec<String>,
    windows: Vec<Window>,
}

/// The stores' side: records, the watermark, archived documents, and a put_many that fails on
/// its Nth call (1-based) when asked to.
#[derive(Default)]
struct Stores {
    records: HashMap<InvoiceKey, InvoiceRecord>,
    /// Versions a later report replaced.
    superseded: Vec<InvoiceRecord>,
    watermark: Option<DateTime<Utc>>,
    archived: HashSet<String>,
    put_calls: usize,
    fail_put_call: Option<usize>,
    runs: Vec<RunRecord>,
    pending: HashMap<InvoiceKey, PendingInvoice>,
}

struct World {
    nav: Arc<Mutex<Nav>>,
    stores: Arc<Mutex<Stores>>,
    /// What the clock reads; `now()` unless a test moves it.
    clock: Arc<Mutex<DateTime<Utc>>>,
}

struct Ports {
    nav: MockNavSource,
    repo: MockInvoiceRepository,
    state: MockSyncStateStore,
    archive: MockDocumentArchive,
    creds: MockCredentialStore,
    clock: MockClock,
}

impl World {
    fn new(digests: Vec<InvoiceDigest>) -> Self {
        Self {
            nav: Arc::new(Mutex::new(Nav {
                digests,
                ..Default::default()
            })),
            stores: Arc::new(Mutex::new(Stores::default())),
            clock: Arc::new(Mutex::new(now())),
        }
    }

    fn ports(&self) -> Ports {
        let mut nav = MockNavSource::new();
        let n = self.nav.clone();
        nav.expect_digest_page()
            .returning(move |_, _, window, page| {
                let mut n = n.lock().unwrap();
                n.digest_calls += 1;
                if n.windows.last() != Some(&window) {
                    n.windows.push(window);
                }
                let listed: Vec<&InvoiceDigest> = n
                    .digests
                    .iter()
                    .filter(|d| {
                        window.from <= d.ins_date && d.ins_date <= window.last_millisecond()
                    })
                    .collect();
                let available = listed.len().div_ceil(100).max(1) as u32;
                let digests = listed
                    .into_iter()
                    .skip((page as usize - 1) * 100)
                    .take(100)
                    .cloned()
                    .collect();
                Ok(DigestPage {
                    current_page: page,
                    available_page: available,
                    digests,
                })
            });
        let n = self.nav.clone();
        nav.expect_invoice_data().returning(move |_, id| {
            let mut n = n.lock().unwrap();
            n.data_calls.push(id.invoice_number.to_string());
            if n.withheld.contains(id.invoice_number.as_str()) {
                return Err(NavError::NotFound(id.invoice_number.to_string()));
            }
            if n.duplicated.contains(id.invoice_number.as_str()) {
                return Err(NavError::MultipleResults(id.invoice_number.to_string()));
            }
            // NAV serves the one valid report: after a resubmission, the latest.
            let served = n
                .digests
                .iter()
                .filter(|d| d.invoice_number == id.invoice_number)
                .filter(|d| {
                    d.transaction_id
                        .as_ref()
                        .is_none_or(|t| !n.annulled.contains(t))
                })
                .max_by_key(|d| d.ins_date)
                .map(|d| ServedReport {
                    transaction_id: d.transaction_id.clone(),
                    index: d.index,
                    ins_date: d.ins_date,
                });
            let tx = served
                .as_ref()
                .and_then(|s| s.transaction_id.clone())
                .unwrap_or_default();
            Ok(InvoiceDocument {
                xml: format!("<InvoiceData>{}{tx}</InvoiceData>", id.invoice_number).into_bytes(),
                invoice: invoice_for(id),
                electronic_invoice_hash: None,
                served,
            })
        });

        let mut repo = MockInvoiceRepository::new();
        let s = self.stores.clone();
        repo.expect_stored_among().returning(move |keys| {
            assert!(keys.len() <= 100, "stored_among takes at most 100 keys");
            let s = s.lock().unwrap();
            Ok(keys
                .iter()
                .filter(|k| s.records.contains_key(k))
                .cloned()
                .collect())
        });
        let s = self.stores.clone();
        repo.expect_stored_versions().returning(move |keys| {
            assert!(keys.len() <= 100, "stored_versions takes at most 100 keys");
            let s = s.lock().unwrap();
            let mut found: HashMap<InvoiceKey, HashSet<ReportId>> = HashMap::new();
            for r in s.records.values().chain(&s.superseded) {
                if keys.contains(&r.key) {
                    found
                        .entry(r.key.clone())
                        .or_default()
                        .insert(r.digest.report_id());
                }
            }
            Ok(found)
        });
        let s = self.stores.clone();
        repo.expect_put_many().returning(move |records| {
            let mut s = s.lock().unwrap();
            s.put_calls += 1;
            if s.fail_put_call == Some(s.put_calls) {
                // Half the batch lands before the failure, as with a partial batch write.
                for r in &records[..records.len() / 2] {
                    s.records.insert(r.key.clone(), r.clone());
                }
                return Err(RepoError::Unavailable("injected".into()));
            }
            for r in records {
                assert!(
                    s.archived.contains(&r.document.key),
                    "stored before archived"
                );
                match s.records.get(&r.key).cloned() {
                    Some(current) if current.digest.report_id() != r.digest.report_id() => {
                        if supersedes(&r.digest, &current.digest) {
                            s.superseded.push(current);
                            s.records.insert(r.key.clone(), r.clone());
                        } else {
                            s.superseded.push(r.clone());
                        }
                    }
                    _ => {
                        s.records.insert(r.key.clone(), r.clone());
                    }
                }
            }
            Ok(())
        });

        let mut state = MockSyncStateStore::new();
        let s = self.stores.clone();
        state.expect_load().returning(move |_, _| {
            Ok(SyncState {
                watermark: s.lock().unwrap().watermark,
                last_run: None,
            })
        });
        let s = self.stores.clone();
        state
            .expect_advance_watermark()
            .returning(move |_, _, expected, to| {
                let mut s = s.lock().unwrap();
                if s.watermark != expected || s.watermark.is_some_and(|w| w >= to) {
                    return Err(RepoError::Conflict("watermark moved".into()));
                }
                s.watermark = Some(to);
                Ok(())
            });
        let s = self.stores.clone();
        state.expect_record_run().returning(move |_, _, run| {
            s.lock().unwrap().runs.push(run.clone());
            Ok(())
        });
        let s = self.stores.clone();
        state
            .expect_pending()
            .returning(move |taxpayer, direction, limit| {
                let s = s.lock().unwrap();
                let mut list: Vec<PendingInvoice> = s
                    .pending
                    .values()
                    .filter(|p| p.key.taxpayer == taxpayer && p.key.id.direction == direction)
                    .cloned()
                    .collect();
                list.sort_by_key(|p| p.first_failed_at);
                list.truncate(limit);
                Ok(list)
            });
        let s = self.stores.clone();
        state.expect_put_pending().returning(move |p| {
            s.lock().unwrap().pending.insert(p.key.clone(), p.clone());
            Ok(())
        });
        let s = self.stores.clone();
        state.expect_remove_pending().returning(move |key| {
            s.lock().unwrap().pending.remove(key);
            Ok(())
        });

        let mut archive = MockDocumentArchive::new();
        let s = self.stores.clone();
        archive.expect_put().returning(move |key, date, xml| {
            let doc_key = crate::archive::document_key(key, date);
            s.lock().unwrap().archived.insert(doc_key.clone());
            Ok(DocumentRef {
                key: doc_key,
                sha256: "0".repeat(64),
                size: xml.len() as u64,
            })
        });
        let s = self.stores.clone();
        archive
            .expect_put_version()
            .returning(move |key, date, report, xml| {
                let doc_key = crate::archive::version_document_key(key, date, report);
                s.lock().unwrap().archived.insert(doc_key.clone());
                Ok(DocumentRef {
                    key: doc_key,
                    sha256: "0".repeat(64),
                    size: xml.len() as u64,
                })
            });

        let mut creds = MockCredentialStore::new();
        creds.expect_credentials().returning(|t| {
            if t == taxpayer() {
                Ok(credentials())
            } else {
                Err(CredentialsError::Missing {
                    name: format!("/navsync/{t}/login"),
                })
            }
        });

        let mut clock = MockClock::new();
        let c = self.clock.clone();
        clock.expect_now().returning(move || *c.lock().unwrap());
        Ports {
            nav,
            repo,
            state,
            archive,
            creds,
            clock,
        }
    }
}

type Service<'a> = SyncService<
    'a,
    MockNavSource,
    MockInvoiceRepository,
    MockSyncStateStore,
    MockDocumentArchive,
    MockCredentialStore,
    MockClock,
>;

impl Ports {
    fn service(&self) -> Service<'_> {
        SyncService {
            nav: &self.nav,
            repo: &self.repo,
            state: &self.state,
            archive: &self.archive,
            credentials: &self.creds,
            clock: &self.clock,
        }
    }

    /// NAV lists every digest of `world` on one page, whatever the window, and answers each
    /// data call with `data`.
    fn with_data(
        mut self,
        world: &World,
        data: impl Fn(&InvoiceId) -> Result<InvoiceDocument, NavError> + Send + 'static,
    ) -> Self {
        self.nav = MockNavSource::new();
        let n = world.nav.clone();
        self.nav
            .expect_digest_page()
            .returning(move |_, _, _, page| {
                Ok(DigestPage {
                    current_page: page,
                    available_page: 1,
                    digests: n.lock().unwrap().digests.clone(),
                })
            });
        self.nav
            .expect_invoice_data()
            .returning(move |_, id| data(id));
        self
    }
}

async fn run(world: &World, policy: &SyncPolicy) -> (DirectionReport, Option<SyncError>) {
    let p = world.ports();
    let service = p.service();
    service
        .sync_direction(&credentials(), Direction::Inbound, policy)
        .await
}

fn policy() -> SyncPolicy {
    SyncPolicy::new(Lookback::try_from(5).unwrap())
}

fn invoices(n: usize) -> Vec<InvoiceDigest> {
    (0..n)
        .map(|i| digest(i, InvoiceOperation::Create))
        .collect()
}

#[tokio::test]
async fn first_run_stores_everything_and_moves_the_watermark_to_the_window_end() {
    let mut digests = invoices(250);
    digests.push(InvoiceDigest {
        operation: InvoiceOperation::Storno,
        ..digest(999, InvoiceOperation::Storno)
    });
    let world = World::new(digests);
    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);

    let end = now() - SyncPolicy::DEFAULT_SETTLE;
    assert_eq!(
        world.nav.lock().unwrap().windows,
        vec![Window {
            from: now() - TimeDelta::days(5),
            to: end
        }]
    );
    assert_eq!(world.stores.lock().unwrap().records.len(), 251);
    assert_eq!(world.stores.lock().unwrap().watermark, Some(end));
    assert_eq!(report.new, 251);
    assert_eq!(report.modifications, 1);
    assert_eq!(report.pages, 3);
    assert_eq!(report.digest_calls, 3, "one digest call per 100 invoices");
    assert_eq!(report.data_calls, 251);
    assert_eq!((report.windows_planned, report.windows_completed), (1, 1));
    assert_eq!(report.watermark_after, Some(end));
}

#[tokio::test]
async fn already_stored_invoices_cost_no_data_call() {
    let world = World::new(invoices(120));
    run(&world, &policy()).await;
    world.nav.lock().unwrap().data_calls.clear();
    // A rescan lists the same invoices again.
    let (report, error) = run(
        &world,
        &SyncPolicy {
            rescan: true,
            ..policy()
        },
    )
    .await;
    assert_eq!(error, None);
    assert!(world.nav.lock().unwrap().data_calls.is_empty());
    assert_eq!((report.already_stored, report.new), (120, 0));
}

#[tokio::test]
async fn a_failure_halfway_through_a_window_skips_nothing_on_the_next_run() {
    let world = World::new(invoices(180));
    world.stores.lock().unwrap().fail_put_call = Some(3);

    let (report, error) = run(&world, &policy()).await;
    assert!(
        matches!(error, Some(SyncError::Repo(RepoError::Unavailable(_)))),
        "{error:?}"
    );
    assert!(error.unwrap().is_retryable());
    assert_eq!(
        world.stores.lock().unwrap().watermark,
        None,
        "watermark must hold"
    );
    assert_eq!(report.watermark_after, None);
    let stored_after_crash = world.stores.lock().unwrap().records.len();
    assert!(stored_after_crash > 0 && stored_after_crash < 180);

    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    let stores = world.stores.lock().unwrap();
    assert_eq!(stores.records.len(), 180, "nothing lost");
    assert_eq!(report.already_stored as usize, stored_after_crash);
    assert_eq!(
        report.new as usize,
        180 - stored_after_crash,
        "nothing fetched twice"
    );
    assert_eq!(stores.watermark, Some(now() - SyncPolicy::DEFAULT_SETTLE));
}

#[tokio::test]
async fn an_invoice_nav_does_not_return_is_quarantined_and_the_watermark_moves_on() {
    let world = World::new(invoices(10));
    world
        .nav
        .lock()
        .unwrap()
        .withheld
        .insert("INV-00004".into());
    let end = now() - SyncPolicy::DEFAULT_SETTLE;

    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None, "a missing document is not a failed run");
    assert_eq!((report.new, report.unavailable, report.pending), (9, 1, 1));
    assert_eq!(world.stores.lock().unwrap().watermark, Some(end));
    {
        let stores = world.stores.lock().unwrap();
        let entry = stores.pending.values().next().unwrap();
        assert_eq!(entry.key.id.invoice_number.as_str(), "INV-00004");
        assert_eq!(
            entry.reason,
            "NAV returned no document for invoice INV-00004"
        );
        assert_eq!(entry.attempts, 1);
        assert_eq!(entry.next_attempt_at, now() + TimeDelta::minutes(15));
    }

    // Before its backoff has passed, no run asks NAV for it again, not even its re-check.
    world.nav.lock().unwrap().data_calls.clear();
    *world.clock.lock().unwrap() = now() + TimeDelta::minutes(10);
    let (report, _) = run(&world, &policy()).await;
    assert!(world.nav.lock().unwrap().data_calls.is_empty());
    assert_eq!((report.new, report.pending), (0, 1));

    // Still withheld at the first retry: a second attempt, twice the wait.
    *world.clock.lock().unwrap() = now() + TimeDelta::minutes(15);
    let (report, _) = run(&world, &policy()).await;
    assert_eq!(world.nav.lock().unwrap().data_calls, ["INV-00004"]);
    assert_eq!((report.unavailable, report.pending), (1, 1));
    let entry = world
        .stores
        .lock()
        .unwrap()
        .pending
        .values()
        .next()
        .cloned()
        .unwrap();
    assert_eq!(entry.attempts, 2);
    assert_eq!(entry.next_attempt_at, now() + TimeDelta::minutes(45));

    // NAV serves it: stored, out of quarantine.
    world.nav.lock().unwrap().withheld.clear();
    *world.clock.lock().unwrap() = now() + TimeDelta::minutes(45);
    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    assert_eq!((report.recovered, report.new, report.pending), (1, 1, 0));
    assert_eq!(report.late, 0, "listed on time, only fetched late");
    let stores = world.stores.lock().unwrap();
    assert_eq!(stores.records.len(), 10);
    assert!(stores.pending.is_empty());
}

#[tokio::test]
async fn nav_unavailable_for_a_document_stops_the_run_and_quarantines_nothing() {
    let world = World::new(invoices(3));
    let p = world.ports().with_data(&world, |_| {
        Err(NavError::Unavailable {
            code: Some("OPERATION_FAILED".into()),
            message: "try later".into(),
        })
    });
    let service = p.service();
    let (report, error) = service
        .sync_direction(&credentials(), Direction::Inbound, &policy())
        .await;
    assert!(error.unwrap().is_retryable());
    assert_eq!(report.data_calls, 1, "no hammering of a NAV that is down");
    let stores = world.stores.lock().unwrap();
    assert!(stores.pending.is_empty());
    assert_eq!(stores.watermark, None);
}

#[tokio::test]
async fn the_trailing_re_check_stores_an_invoice_nav_listed_after_its_window_was_queried() {
    let world = World::new(invoices(10));
    run(&world, &policy()).await;
    let first_end = now() - SyncPolicy::DEFAULT_SETTLE;
    assert_eq!(world.stores.lock().unwrap().watermark, Some(first_end));

    // NAV now lists an invoice it received a day before that watermark.
    world.nav.lock().unwrap().digests.push(InvoiceDigest {
        ins_date: first_end - TimeDelta::days(1),
        ..digest(77, InvoiceOperation::Create)
    });
    *world.clock.lock().unwrap() = now() + TimeDelta::hours(1);
    world.nav.lock().unwrap().windows.clear();

    // Without the re-check, an ordinary run never looks behind the watermark.
    let blind = SyncPolicy {
        recheck: TimeDelta::zero(),
        ..policy()
    };
    let (report, _) = run(&world, &blind).await;
    assert_eq!((report.new, report.recheck_digest_calls), (0, 0));

    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    assert_eq!((report.new, report.late), (1, 1));
    assert_eq!(report.recheck_digest_calls, 1);
    assert_eq!(report.already_stored, 10, "re-listed, not fetched again");
    assert_eq!(report.data_calls, 1);
    // The blind run moved the watermark to its window's end; the re-check lists the 3 days before it.
    let second_end = now() + TimeDelta::hours(1) - SyncPolicy::DEFAULT_SETTLE;
    assert_eq!(
        world.nav.lock().unwrap().windows.last(),
        Some(&Window {
            from: second_end - TimeDelta::days(3),
            to: second_end
        })
    );
    assert_eq!(world.stores.lock().unwrap().records.len(), 11);
}

#[tokio::test]
async fn an_unreadable_document_is_quarantined_with_its_reason_and_the_rest_is_stored() {
    let world = World::new(invoices(5));
    let p = world.ports().with_data(&world, |id| {
        if id.invoice_number.as_str() == "INV-00002" {
            Err(NavError::InvalidDocument("not an invoice".into()))
        } else {
            Ok(InvoiceDocument {
                xml: b"<x/>".to_vec(),
                invoice: invoice_for(id),
                electronic_invoice_hash: None,
                served: None,
            })
        }
    });
    let service = p.service();
    let (report, error) = service
        .sync_direction(&credentials(), Direction::Inbound, &policy())
        .await;
    assert_eq!(error, None);
    assert_eq!((report.new, report.unavailable, report.pending), (4, 1, 1));
    let stores = world.stores.lock().unwrap();
    assert_eq!(stores.watermark, Some(now() - SyncPolicy::DEFAULT_SETTLE));
    let entry = stores.pending.values().next().unwrap();
    assert_eq!(entry.key.id.invoice_number.as_str(), "INV-00002");
    assert_eq!(entry.reason, "invalid invoice document: not an invoice");
}

#[tokio::test]
async fn an_electronic_invoice_hash_is_stored_and_a_mismatch_is_a_warning_not_a_refusal() {
    let world = World::new(invoices(3));
    let p = world.ports().with_data(&world, |id| {
        let verified = match id.invoice_number.as_str() {
            "INV-00000" => Some(true),
            "INV-00001" => Some(false),
            _ => None,
        };
        Ok(InvoiceDocument {
            xml: b"<x/>".to_vec(),
            invoice: invoice_for(id),
            electronic_invoice_hash: Some(crate::ElectronicInvoiceHash {
                crypto_type: "SHA3-512".into(),
                value: "AB12".into(),
                verified,
            }),
            served: None,
        })
    });
    let (report, error) = p
        .service()
        .sync_direction(&credentials(), Direction::Inbound, &policy())
        .await;
    assert_eq!(error, None);
    assert_eq!((report.new, report.pending), (3, 0));
    let stores = world.stores.lock().unwrap();
    let by_number = |n: &str| {
        stores
            .records
            .values()
            .find(|r| r.key.id.invoice_number.as_str() == n)
            .unwrap()
    };
    let good = by_number("INV-00000");
    assert_eq!(
        good.electronic_invoice_hash.as_ref().unwrap().verified,
        Some(true)
    );
    assert!(good.invoice.warnings.is_empty());
    let bad = by_number("INV-00001");
    assert_eq!(
        bad.electronic_invoice_hash.as_ref().unwrap().verified,
        Some(false)
    );
    assert_eq!(
        bad.invoice.warnings,
        vec!["electronicInvoiceHash (SHA3-512) does not match the invoice data NAV served"]
    );
    let unchecked = by_number("INV-00002");
    assert_eq!(
        unchecked.electronic_invoice_hash.as_ref().unwrap().verified,
        None
    );
    assert!(unchecked.invoice.warnings.is_empty());
}

#[tokio::test]
async fn incremental_run_rechecks_three_days_behind_the_watermark_then_queries_from_it() {
    let world = World::new(vec![]);
    let watermark = now() - TimeDelta::hours(3);
    world.stores.lock().unwrap().watermark = Some(watermark);
    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    let end = now() - SyncPolicy::DEFAULT_SETTLE;
    assert_eq!(
        world.nav.lock().unwrap().windows,
        vec![
            Window {
                from: Utc.with_ymd_and_hms(2024, 6, 27, 9, 0, 0).unwrap(),
                to: watermark
            },
            Window {
                from: watermark,
                to: end
            }
        ]
    );
    assert_eq!((report.digest_calls, report.recheck_digest_calls), (2, 1));
    assert_eq!(report.watermark_after, Some(end));
}

#[tokio::test]
async fn each_window_lists_what_nav_received_in_it_and_each_invoice_is_fetched_once() {
    let watermark = Utc.with_ymd_and_hms(2024, 3, 22, 12, 0, 0).unwrap();
    let at = |number: usize, ins_date: DateTime<Utc>| InvoiceDigest {
        ins_date,
        ..digest(number, InvoiceOperation::Create)
    };
    let world = World::new(vec![
        at(1, watermark - TimeDelta::milliseconds(1)), // listed late: found by the re-check
        at(2, watermark),                              // first millisecond of the first window
        at(3, Utc.with_ymd_and_hms(2024, 4, 26, 11, 59, 59).unwrap()),
        at(4, Utc.with_ymd_and_hms(2024, 4, 26, 12, 0, 0).unwrap()), // the second window's first
        at(5, Utc.with_ymd_and_hms(2024, 6, 20, 8, 30, 0).unwrap()),
        at(6, Utc.with_ymd_and_hms(2024, 6, 30, 11, 58, 30).unwrap()), // inside the settle time
    ]);
    world.stores.lock().unwrap().watermark = Some(watermark);

    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    let day = |m, d| Utc.with_ymd_and_hms(2024, m, d, 12, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2024, 6, 30, 11, 58, 0).unwrap();
    assert_eq!(
        world.nav.lock().unwrap().windows,
        vec![
            Window {
                from: day(3, 19),
                to: watermark
            },
            Window {
                from: watermark,
                to: day(4, 26)
            },
            Window {
                from: day(4, 26),
                to: day(5, 31)
            },
            Window {
                from: day(5, 31),
                to: end
            },
        ]
    );
    let mut fetched = world.nav.lock().unwrap().data_calls.clone();
    fetched.sort();
    assert_eq!(
        fetched,
        [
            "INV-00001",
            "INV-00002",
            "INV-00003",
            "INV-00004",
            "INV-00005"
        ]
    );
    assert_eq!((report.new, report.late), (5, 1));
    assert_eq!(world.stores.lock().unwrap().watermark, Some(end));

    // The invoice that was still settling is listed by the next run's window, and only it.
    world.nav.lock().unwrap().data_calls.clear();
    *world.clock.lock().unwrap() = now() + TimeDelta::hours(1);
    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    assert_eq!(world.nav.lock().unwrap().data_calls, ["INV-00006"]);
    assert_eq!(report.new, 1);
}

#[tokio::test]
async fn past_the_deadline_it_stops_without_moving_the_watermark() {
    let world = World::new(invoices(30));
    let policy = SyncPolicy {
        deadline: Some(now()),
        ..policy()
    };
    let (report, error) = run(&world, &policy).await;
    assert_eq!(error, None);
    assert!(report.stopped_at_deadline);
    assert_eq!(report.digest_calls, 0);
    assert_eq!(world.stores.lock().unwrap().watermark, None);
}

#[tokio::test]
async fn a_nav_rejection_carries_its_code_and_is_not_retryable() {
    let world = World::new(invoices(3));
    let mut p = world.ports();
    p.nav = MockNavSource::new();
    p.nav.expect_digest_page().returning(|_, _, _, _| {
        Err(NavError::Rejected {
            code: "INVALID_SECURITY_USER".into(),
            message: "bad login".into(),
        })
    });
    let service = p.service();
    let (_, error) = service
        .sync_direction(&credentials(), Direction::Outbound, &policy())
        .await;
    let error = error.unwrap();
    assert_eq!(error.nav_code(), Some("INVALID_SECURITY_USER"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn one_failing_taxpayer_does_not_block_the_others_and_every_run_is_recorded() {
    let world = World::new(invoices(7));
    let p = world.ports();
    let service = p.service();
    let unknown: TaxpayerId = "12345676".parse().unwrap();
    let outcomes = service
        .run(&[unknown, taxpayer()], &[Direction::Inbound], &policy())
        .await;
    assert_eq!(outcomes.len(), 2);
    assert!(matches!(
        &outcomes[0].error,
        Some(SyncError::Credentials(CredentialsError::Missing { name })) if name.contains("12345676")
    ));
    assert_eq!(outcomes[1].error, None);
    assert_eq!(outcomes[1].report.new, 7);
    let runs = &world.stores.lock().unwrap().runs;
    assert_eq!(runs.len(), 2);
    assert!(runs[0].error.as_deref().unwrap().contains("12345676"));
}

#[tokio::test]
async fn summaries_carry_each_parts_own_retries() {
    let world = World::new(invoices(3));
    let p = world.ports();
    let service = p.service();
    // The adapter's running retry count as read before and after each part: 0→3, then 3→3.
    let readings = Mutex::new(vec![3, 3, 3, 0]);
    let summaries = service
        .run_summarized(&[taxpayer()], &Direction::BOTH, &policy(), || {
            readings.lock().unwrap().pop().unwrap()
        })
        .await;
    let parts: Vec<(Direction, u64, Option<String>)> = summaries
        .iter()
        .map(|s| (s.report.direction, s.nav_retries, s.error.clone()))
        .collect();
    assert_eq!(
        parts,
        vec![
            (Direction::Inbound, 3, None),
            (Direction::Outbound, 0, None)
        ]
    );
    assert_eq!(
        summaries[0].nav_calls,
        summaries[0].report.digest_calls + summaries[0].report.data_calls
    );
}

/// A report of `n` with its own transaction, received `hours_ago`.
fn report_of(n: usize, transaction: &str, hours_ago: i64) -> InvoiceDigest {
    InvoiceDigest {
        transaction_id: Some(transaction.into()),
        index: Some(1),
        ins_date: now() - TimeDelta::hours(hours_ago),
        ..digest(n, InvoiceOperation::Create)
    }
}

#[tokio::test]
async fn a_resubmission_becomes_current_and_the_superseded_version_stays_archived() {
    let first = report_of(7, "TXFIRST", 30);
    let world = World::new(vec![first.clone()]);
    let (report, error) = run(&world, &policy()).await;
    assert_eq!((report.new, error), (1, None));

    // The supplier annuls it and reports it again; NAV lists both and serves the new one.
    let again = report_of(7, "TXAGAIN", 20);
    world.nav.lock().unwrap().digests.push(again.clone());
    world.nav.lock().unwrap().data_calls.clear();
    *world.clock.lock().unwrap() = now() + TimeDelta::hours(1);
    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    assert_eq!(
        (report.new, report.resubmissions, report.already_stored),
        (1, 1, 1)
    );
    assert_eq!(world.nav.lock().unwrap().data_calls, ["INV-00007"]);

    let stores = world.stores.lock().unwrap();
    assert_eq!(stores.records.len(), 1);
    let current = stores.records.values().next().unwrap();
    assert_eq!(current.digest.transaction_id.as_deref(), Some("TXAGAIN"));
    assert_eq!(stores.superseded.len(), 1);
    let old = &stores.superseded[0];
    assert_eq!(old.digest.transaction_id.as_deref(), Some("TXFIRST"));
    assert_eq!(
        old.document.key,
        "11111111/INBOUND/2024/06/99999999_INV-00007.xml"
    );
    assert_eq!(
        current.document.key,
        "11111111/INBOUND/2024/06/99999999_INV-00007@TXAGAIN%2F1.xml"
    );
    assert!(stores.archived.contains(&old.document.key));
    assert!(stores.archived.contains(&current.document.key));
}

#[tokio::test]
async fn a_listed_report_nav_no_longer_serves_is_settled_not_quarantined() {
    // Both reports are listed before the first run: NAV serves only the resubmission.
    let world = World::new(vec![report_of(3, "TXOLD", 30), report_of(3, "TXNEW", 20)]);
    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    assert_eq!(
        (report.new, report.superseded_unserved, report.pending),
        (1, 1, 0)
    );
    let stores = world.stores.lock().unwrap();
    let current = stores.records.values().next().unwrap();
    assert_eq!(current.digest.transaction_id.as_deref(), Some("TXNEW"));
    assert!(stores.superseded.is_empty());
    assert_eq!(stores.watermark, Some(now() - SyncPolicy::DEFAULT_SETTLE));
}

#[tokio::test]
async fn several_valid_reports_under_one_number_are_quarantined_and_the_rest_is_stored() {
    let world = World::new(invoices(4));
    world
        .nav
        .lock()
        .unwrap()
        .duplicated
        .insert("INV-00001".into());
    let (report, error) = run(&world, &policy()).await;
    assert_eq!(error, None);
    assert_eq!((report.new, report.pending), (3, 1));
    let stores = world.stores.lock().unwrap();
    assert_eq!(stores.watermark, Some(now() - SyncPolicy::DEFAULT_SETTLE));
    let entry = stores.pending.values().next().unwrap();
    assert_eq!(entry.key.id.invoice_number.as_str(), "INV-00001");
    assert!(
        entry.reason.contains("MULTIPLE_QUERY_RESULT_FOUND")
            && entry.reason.contains("technically annuls the duplicate"),
        "{}",
        entry.reason
    );
}

/// Two valid reports under one number are quarantined (one entry per invoice, their rows
/// settled); the supplier then annuls one. Whichever stays, earlier or later than the report
/// the entry names, is what NAV serves and what the retry stores.
#[tokio::test]
async fn the_report_left_after_a_duplicate_is_annulled_is_stored_from_the_pending_list() {
    // An annulled report later than the one served stays listed, and NAV cannot tell it from
    // one still being processed: the re-check quarantines it again, as "not served yet".
    for (listed, annul, kept, still_pending) in [
        (["TXA", "TXB"], "TXB", "TXA", 1), // the entry names B, NAV keeps serving the earlier A
        (["TXB", "TXA"], "TXA", "TXB", 0), // the entry names A, NAV serves the later B
    ] {
        let hours = |t: &str| if t == "TXA" { 30 } else { 20 };
        let world = World::new(listed.iter().map(|t| report_of(5, t, hours(t))).collect());
        world
            .nav
            .lock()
            .unwrap()
            .duplicated
            .insert("INV-00005".into());
        let (report, error) = run(&world, &policy()).await;
        assert_eq!((report.new, report.pending, error), (0, 1, None));
        {
            let stores = world.stores.lock().unwrap();
            let entry = stores.pending.values().next().unwrap();
            assert_eq!(entry.digest.transaction_id.as_deref(), Some(listed[1]));
        }

        {
            let mut nav = world.nav.lock().unwrap();
            nav.duplicated.clear();
            nav.annulled.insert(annul.into());
        }
        *world.clock.lock().unwrap() = now() + TimeDelta::hours(1);
        let (report, error) = run(&world, &policy()).await;
        assert_eq!(error, None);
        assert_eq!(
            (report.recovered, report.pending),
            (1, still_pending),
            "kept {kept}"
        );
        let stores = world.stores.lock().unwrap();
        assert_eq!(stores.records.len(), 1);
        let current = stores.records.values().next().unwrap();
        assert_eq!(current.digest.transaction_id.as_deref(), Some(kept));
        assert_eq!(
            current.digest.ins_date,
            now() - TimeDelta::hours(hours(kept))
        );
        assert!(stores.archived.contains(&current.document.key));
        assert_eq!(stores.pending.len(), still_pending as usize);
        if let Some(entry) = stores.pending.values().next() {
            assert_eq!(entry.digest.transaction_id.as_deref(), Some(annul));
            assert!(entry.reason.contains("not served yet"), "{}", entry.reason);
        }
    }
}
