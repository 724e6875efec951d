//! The SQLite store against what a user of the ports would notice: what is stored, what a
//! search returns and in which order, which cursors are honoured, how the watermark moves.

mod records;

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use navsync_domain::ports::{InvoiceQueries, InvoiceRepository, RepoError, SyncStateStore};
use navsync_domain::query::{InvoiceQuery, InvoiceSummary, SortOrder};
use navsync_domain::sync::{DirectionReport, InvoiceChain, RunRecord};
use navsync_domain::{
    Direction, InvoiceCategory, InvoiceOperation, InvoiceRecord, PaymentMethod, TaxpayerId,
};
use navsync_sqlite::{OpenError, SqliteStore, TOTAL_COUNT_CAP};
use rust_decimal::Decimal;

const KEY: &[u8] = b"test cursor key, 32 bytes long!!";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("navsync-sqlite-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn store(name: &str) -> SqliteStore {
    SqliteStore::open(temp_dir(name).join("navsync.db"), KEY).unwrap()
}

fn order_key(s: &InvoiceSummary) -> (NaiveDate, String, String, Option<u32>) {
    (
        s.issue_date,
        s.key.id.invoice_number.to_string(),
        s.key.id.supplier_tax_number.to_string(),
        s.key.id.batch_index,
    )
}

/// Every page of `query`, checking each page's size, total and cursor on the way.
async fn all_pages(
    store: &SqliteStore,
    query: &InvoiceQuery,
    expected_total: usize,
) -> Vec<InvoiceSummary> {
    let mut query = query.clone();
    let mut items = Vec::new();
    for _ in 0..10_000 {
        let page = store.search(&query).await.unwrap();
        assert!(page.items.len() <= query.limit as usize);
        let want_total =
            (expected_total as u64 <= TOTAL_COUNT_CAP).then_some(expected_total as u64);
        assert_eq!(page.total, want_total, "{query:?}");
        items.extend(page.items.iter().cloned());
        match page.next_cursor {
            Some(c) => {
                assert_eq!(
                    page.items.len(),
                    query.limit as usize,
                    "a short page before the end"
                );
                query.cursor = Some(c);
            }
            None => return items,
        }
    }
    panic!("pagination does not end for {query:?}");
}

fn expected(records: &[InvoiceRecord], query: &InvoiceQuery) -> Vec<InvoiceSummary> {
    let mut want: Vec<InvoiceSummary> = records
        .iter()
        .filter(|r| query.matches(r))
        .map(InvoiceSummary::from)
        .collect();
    want.sort_by_key(order_key);
    if query.order == SortOrder::NewestFirst {
        want.reverse();
    }
    want
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Single filters and combinations, each selecting some records and rejecting others.
fn queries(tp: TaxpayerId, partner: TaxpayerId) -> Vec<InvoiceQuery> {
    let base = |direction| InvoiceQuery::new(tp, direction);
    let mut qs = Vec::new();
    for direction in Direction::BOTH {
        qs.push(base(direction));
        let with = |f: &dyn Fn(&mut InvoiceQuery)| {
            let mut q = base(direction);
            f(&mut q);
            q
        };
        qs.push(with(&|q| {
            q.issue_date_from = NaiveDate::from_ymd_opt(2024, 6, 1)
        }));
        qs.push(with(&|q| {
            q.issue_date_to = NaiveDate::from_ymd_opt(2024, 6, 1)
        }));
        qs.push(with(&|q| {
            q.issue_date_from = NaiveDate::from_ymd_opt(2024, 3, 1);
            q.issue_date_to = NaiveDate::from_ymd_opt(2024, 3, 31);
        }));
        qs.push(with(&|q| q.partner_tax_number = Some(partner)));
        for name in [
            "árvíztűrő",
            "ÁRVÍZTŰRŐ",
            "tükörfúrógép zrt",
            "ő",
            "%",
            "_",
            "",
            "bt.",
            "nincs ilyen",
        ] {
            qs.push(with(&|q| q.partner_name = Some(name.into())));
        }
        for prefix in [
            "SZ-2024/",
            "SZ",
            "A%",
            "A_",
            "A",
            "Ő",
            "ő",
            "E/00",
            "%",
            "_",
            "",
            "SZ-2024/0003",
        ] {
            qs.push(with(&|q| q.invoice_number_prefix = Some(prefix.into())));
        }
        for (min, max) in [
            (Some("0"), None),
            (None, Some("0")),
            (Some("-100.5"), Some("100.5")),
            (Some("1000.001"), Some("900000.999")),
            (Some("12345.675"), None),
            (None, Some("-0.001")),
        ] {
            qs.push(with(&|q| {
                q.min_gross_huf = min.map(dec);
                q.max_gross_huf = max.map(dec);
            }));
        }
        qs.push(with(&|q| q.currency = Some("EUR".into())));
        qs.push(with(&|q| q.currency = Some("eur".into())));
        qs.push(with(&|q| q.category = Some(InvoiceCategory::Simplified)));
        qs.push(with(&|q| q.payment_method = Some(PaymentMethod::Cash)));
        qs.push(with(&|q| q.operation = Some(InvoiceOperation::Storno)));
        qs.push(with(&|q| {
            q.issue_date_from = NaiveDate::from_ymd_opt(2024, 2, 1);
            q.partner_name = Some("kft".into());
            q.min_gross_huf = Some(dec("0"));
            q.currency = Some("HUF".into());
            q.operation = Some(InvoiceOperation::Create);
        }));
        qs.push(with(&|q| {
            q.partner_tax_number = Some(partner);
            q.invoice_number_prefix = Some("SZ".into());
            q.payment_method = Some(PaymentMethod::Transfer);
        }));
    }
    qs
}

#[tokio::test]
async fn every_filter_agrees_with_matches_in_both_orders_on_every_page() {
    let store = store("filters");
    let a = records::taxpayer(1_000_000);
    let b = records::taxpayer(1_000_001);
    let mut generated = records::varied(7, &[a, b], 200);
    // Amounts on and just beside the bounds the queries use, inside one hundredth of them:
    // where the indexed fillér column alone cannot decide.
    let edges = [
        "12345.67",
        "12345.674",
        "12345.675",
        "12345.676",
        "12345.68",
        "-100.5",
        "-100.501",
        "-100.49",
        "100.5",
        "100.505",
        "0",
        "-0.001",
        "0.001",
        "1000.001",
        "1000.0009",
        "900000.999",
        "900001",
        "-0.0001",
    ];
    for (i, edge) in edges.iter().enumerate() {
        for at in [3 * i, 200 + 3 * i] {
            generated[at].invoice.totals.gross_huf = dec(edge);
        }
    }
    for chunk in generated.chunks(90) {
        store.put_many(chunk).await.unwrap();
    }
    let stored = records::dedup(&generated);
    let partner = records::taxpayer(7_000_002);
    let mut nonempty = 0;
    for mut query in queries(a, partner) {
        for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
            query.order = order;
            let want = expected(&stored, &query);
            for limit in [7, 1000] {
                query.limit = limit;
                let got = all_pages(&store, &query, want.len()).await;
                assert_eq!(
                    got.iter().map(order_key).collect::<Vec<_>>(),
                    want.iter().map(order_key).collect::<Vec<_>>(),
                    "{query:?}"
                );
                assert_eq!(got, want, "{query:?}");
            }
        }
        let total = expected(&stored, &query).len();
        nonempty += usize::from(total > 0);
        // No filter may pass everything of the taxpayer and direction except the base query.
        assert!(
            total < 200
                || query
                    == InvoiceQuery {
                        order: query.order,
                        limit: query.limit,
                        ..InvoiceQuery::new(a, query.direction)
                    }
                || query.partner_name.as_deref() == Some("")
                || query.invoice_number_prefix.as_deref() == Some(""),
            "{query:?} selects everything"
        );
    }
    assert!(nonempty > 60, "too few queries select anything: {nonempty}");
}

#[tokio::test]
async fn puts_are_idempotent_and_a_second_put_replaces() {
    let store = store("idempotent");
    let tp = records::taxpayer(1_000_000);
    let generated = records::dedup(&records::varied(3, &[tp], 30));
    store.put_many(&generated).await.unwrap();
    store.put_many(&generated).await.unwrap();
    store.put_many(&generated[..10]).await.unwrap();
    let q = InvoiceQuery::new(tp, Direction::Inbound);
    let inbound = generated.iter().filter(|r| q.matches(r)).count();
    assert_eq!(store.search(&q).await.unwrap().total, Some(inbound as u64));
    for r in &generated {
        assert_eq!(store.get(&r.key).await.unwrap().as_ref(), Some(r));
    }

    let mut changed = generated[0].clone();
    changed.invoice.totals.gross_huf = dec("-1234.56");
    changed.invoice.currency = "EUR".into();
    store
        .put_many(std::slice::from_ref(&changed))
        .await
        .unwrap();
    assert_eq!(
        store.get(&changed.key).await.unwrap(),
        Some(changed.clone())
    );
    let mut q = InvoiceQuery::new(tp, changed.key.id.direction);
    q.max_gross_huf = Some(dec("-1234.56"));
    q.min_gross_huf = Some(dec("-1234.56"));
    q.currency = Some("EUR".into());
    let page = store.search(&q).await.unwrap();
    assert_eq!(page.items, vec![InvoiceSummary::from(&changed)]);

    let keys: Vec<_> = generated.iter().map(|r| r.key.clone()).collect();
    let mut unknown = keys[0].clone();
    unknown.taxpayer = records::taxpayer(1_000_001);
    let mut asked = keys[..5].to_vec();
    asked.push(unknown);
    let stored = store.stored_among(&asked).await.unwrap();
    assert_eq!(stored, keys[..5].iter().cloned().collect::<HashSet<_>>());
    assert_eq!(store.get(&asked[5]).await.unwrap(), None);
}

#[tokio::test]
async fn the_store_survives_reopening() {
    let dir = temp_dir("reopen");
    let tp = records::taxpayer(1_000_000);
    let generated = records::dedup(&records::varied(5, &[tp], 10));
    let watermark = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
    {
        let store = SqliteStore::open(dir.join("db"), KEY).unwrap();
        store.put_many(&generated).await.unwrap();
        store
            .advance_watermark(tp, Direction::Inbound, None, watermark)
            .await
            .unwrap();
    }
    let store = SqliteStore::open(dir.join("db"), KEY).unwrap();
    for r in &generated {
        assert_eq!(store.get(&r.key).await.unwrap().as_ref(), Some(r));
    }
    assert_eq!(
        store.load(tp, Direction::Inbound).await.unwrap().watermark,
        Some(watermark)
    );
}

#[tokio::test]
async fn cursors_cannot_be_forged_or_replayed_elsewhere() {
    let store = store("cursor");
    let a = records::taxpayer(1_000_000);
    let b = records::taxpayer(1_000_001);
    store
        .put_many(&records::dedup(&records::varied(11, &[a, b], 40)))
        .await
        .unwrap();
    let mut q = InvoiceQuery::new(a, Direction::Outbound);
    q.limit = 5;
    let cursor = store
        .search(&q)
        .await
        .unwrap()
        .next_cursor
        .expect("more than 5");

    let invalid = |r: Result<_, RepoError>| matches!(r, Err(RepoError::Invalid(_)));
    let mut other_taxpayer = InvoiceQuery::new(b, Direction::Outbound);
    other_taxpayer.cursor = Some(cursor.clone());
    assert!(invalid(store.search(&other_taxpayer).await));
    let mut other_direction = InvoiceQuery::new(a, Direction::Inbound);
    other_direction.cursor = Some(cursor.clone());
    assert!(invalid(store.search(&other_direction).await));
    let mut other_filter = q.clone();
    other_filter.currency = Some("HUF".into());
    other_filter.cursor = Some(cursor.clone());
    assert!(invalid(store.search(&other_filter).await));
    let mut other_order = q.clone();
    other_order.order = SortOrder::OldestFirst;
    other_order.cursor = Some(cursor.clone());
    assert!(invalid(store.search(&other_order).await));

    // An edited body, even one that is valid JSON, fails the signature.
    let (body, tag) = cursor.split_once('.').unwrap();
    let mut flipped = body.as_bytes().to_vec();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let edited = format!("{}.{tag}", String::from_utf8(flipped).unwrap());
    for bad in [
        edited.as_str(),
        "",
        ".",
        "garbage",
        "a.b",
        &format!("{body}."),
    ] {
        let mut forged = q.clone();
        forged.cursor = Some(bad.into());
        assert!(invalid(store.search(&forged).await), "{bad:?} accepted");
    }
    // Another store's key (another installation) does not accept it either.
    let other =
        SqliteStore::open(store.path(), b"another key of at least 16 bytes".to_vec()).unwrap();
    let mut replay = q.clone();
    replay.cursor = Some(cursor.clone());
    assert!(invalid(other.search(&replay).await));

    // The page size may change between pages.
    replay.limit = 3;
    assert_eq!(store.search(&replay).await.unwrap().items.len(), 3);

    for limit in [0, InvoiceQuery::MAX_LIMIT + 1] {
        let mut q = q.clone();
        q.limit = limit;
        assert!(invalid(store.search(&q).await), "limit {limit}");
    }
}

#[tokio::test]
async fn chain_returns_the_original_and_its_modifications_only() {
    let store = store("chain");
    let tp = records::taxpayer(1_000_000);
    let mut rng = records::Rng::new(1);
    let partners = [records::taxpayer(7_000_000)];
    let make = |rng: &mut records::Rng, number: &str, op: InvoiceOperation, index: Option<u32>| {
        let mut r = records::record(rng, tp, Direction::Outbound, number, &partners);
        r.digest.operation = op;
        r.key.id.batch_index = None;
        r.invoice.batch_index = None;
        r.invoice.modification = index.map(|i| navsync_domain::ModificationReference {
            original_invoice_number: "ORIG/1".parse().unwrap(),
            modification_index: i,
            modify_without_master: false,
        });
        r
    };
    let original = make(&mut rng, "ORIG/1", InvoiceOperation::Create, None);
    let modify = make(&mut rng, "MOD/1", InvoiceOperation::Modify, Some(1));
    let storno = make(&mut rng, "STORNO/1", InvoiceOperation::Storno, Some(2));
    let unrelated = make(&mut rng, "ORIG/2", InvoiceOperation::Create, None);
    let mut inbound = make(&mut rng, "ORIG/1", InvoiceOperation::Create, None);
    inbound.key.id.direction = Direction::Inbound;
    store
        .put_many(&[
            storno.clone(),
            unrelated,
            original.clone(),
            modify.clone(),
            inbound,
        ])
        .await
        .unwrap();

    let got = store
        .chain(tp, Direction::Outbound, tp, "ORIG/1")
        .await
        .unwrap();
    let chain = InvoiceChain::build("ORIG/1".parse().unwrap(), got.clone());
    assert_eq!(got.len(), 3);
    assert_eq!(chain.original, Some(original));
    assert_eq!(chain.modifications, vec![modify, storno]);
    assert_eq!(
        chain.state(),
        navsync_domain::sync::EffectiveState::Cancelled
    );
    assert!(
        store
            .chain(
                tp,
                Direction::Outbound,
                records::taxpayer(7_000_000),
                "ORIG/1"
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .chain(
                records::taxpayer(1_000_001),
                Direction::Outbound,
                tp,
                "ORIG/1"
            )
            .await
            .unwrap()
            .is_empty()
    );
}

fn run(tp: TaxpayerId, at: u32) -> RunRecord {
    RunRecord {
        started_at: Utc.with_ymd_and_hms(2024, 6, 1, at, 0, 0).unwrap(),
        finished_at: Utc.with_ymd_and_hms(2024, 6, 1, at, 5, 0).unwrap(),
        report: DirectionReport::new(tp, Direction::Inbound, None),
        error: Some("NAV unavailable (OPERATION_FAILED)".into()),
    }
}

#[tokio::test]
async fn the_watermark_moves_only_forward_from_the_expected_value() {
    let store = store("watermark");
    let tp = records::taxpayer(1_000_000);
    let t = |h| Utc.with_ymd_and_hms(2024, 6, 1, h, 0, 0).unwrap();
    assert_eq!(
        store.load(tp, Direction::Inbound).await.unwrap(),
        Default::default()
    );

    store
        .record_run(tp, Direction::Inbound, &run(tp, 1))
        .await
        .unwrap();
    store
        .advance_watermark(tp, Direction::Inbound, None, t(2))
        .await
        .unwrap();
    let conflict = |r: Result<(), RepoError>| matches!(r, Err(RepoError::Conflict(_)));
    assert!(conflict(
        store
            .advance_watermark(tp, Direction::Inbound, None, t(3))
            .await
    ));
    assert!(conflict(
        store
            .advance_watermark(tp, Direction::Inbound, Some(t(1)), t(3))
            .await
    ));
    assert!(conflict(
        store
            .advance_watermark(tp, Direction::Inbound, Some(t(2)), t(2))
            .await
    ));
    assert!(conflict(
        store
            .advance_watermark(tp, Direction::Inbound, Some(t(2)), t(1))
            .await
    ));
    store
        .advance_watermark(tp, Direction::Inbound, Some(t(2)), t(4))
        .await
        .unwrap();
    store
        .record_run(tp, Direction::Inbound, &run(tp, 5))
        .await
        .unwrap();

    let state = store.load(tp, Direction::Inbound).await.unwrap();
    assert_eq!(state.watermark, Some(t(4)));
    assert_eq!(state.last_run, Some(run(tp, 5)));
    // Directions and taxpayers are separate.
    assert_eq!(
        store.load(tp, Direction::Outbound).await.unwrap(),
        Default::default()
    );
    store
        .advance_watermark(records::taxpayer(1_000_001), Direction::Inbound, None, t(1))
        .await
        .unwrap();
    assert_eq!(
        store.load(tp, Direction::Inbound).await.unwrap().watermark,
        Some(t(4))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_advances_from_one_watermark_let_exactly_one_win() {
    let dir = temp_dir("race");
    let tp = records::taxpayer(1_000_000);
    let t = |m| Utc.with_ymd_and_hms(2024, 6, 1, 0, m, 0).unwrap();
    // Two stores on one file: like `navsync sync` run twice at once, separate connections.
    let stores = [
        Arc::new(SqliteStore::open(dir.join("db"), KEY).unwrap()),
        Arc::new(SqliteStore::open(dir.join("db"), KEY).unwrap()),
    ];
    let mut current = None;
    for round in 0..20 {
        let tasks: Vec<_> = (0..8u32)
            .map(|i| {
                let store = stores[i as usize % 2].clone();
                tokio::spawn(async move {
                    store
                        .advance_watermark(
                            tp,
                            Direction::Inbound,
                            current,
                            t(round * 2 + 1 + i % 2),
                        )
                        .await
                })
            })
            .collect();
        let mut won = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            match task.await.unwrap() {
                Ok(()) => won.push(i as u32),
                Err(RepoError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(won.len(), 1, "round {round}: {won:?} won");
        let stored = stores[0]
            .load(tp, Direction::Inbound)
            .await
            .unwrap()
            .watermark;
        assert_eq!(stored, Some(t(round * 2 + 1 + won[0] % 2)));
        assert!(stored > current);
        current = stored;
    }
}

#[test]
fn a_short_cursor_key_is_refused() {
    let err = SqliteStore::open(temp_dir("key").join("db"), b"short".to_vec())
        .err()
        .unwrap();
    assert!(matches!(err, OpenError::WeakCursorKey(5)), "{err}");
}

#[tokio::test]
async fn total_is_exact_up_to_the_cap_and_unknown_beyond() {
    let store = store("total");
    let tp = records::taxpayer(1_000_000);
    let mut rng = records::Rng::new(3);
    let partners = [records::taxpayer(7_000_000)];
    let n = TOTAL_COUNT_CAP as usize + 1;
    let generated: Vec<_> = (0..n)
        .map(|i| {
            records::record(
                &mut rng,
                tp,
                Direction::Outbound,
                &format!("T-{i:05}"),
                &partners,
            )
        })
        .collect();
    store.put_many(&generated).await.unwrap();

    let all = InvoiceQuery::new(tp, Direction::Outbound);
    assert_eq!(store.search(&all).await.unwrap().total, None);
    let mut capped = all.clone();
    capped.invoice_number_prefix = Some("T-00".into()); // T-00000 to T-00999
    assert_eq!(
        store.search(&capped).await.unwrap().total,
        Some(TOTAL_COUNT_CAP)
    );
    // Unknown totals do not stop paging: every invoice is listed once.
    let mut q = all.clone();
    q.limit = InvoiceQuery::MAX_LIMIT;
    let mut seen = HashSet::new();
    loop {
        let page = store.search(&q).await.unwrap();
        for item in page.items {
            assert!(seen.insert(item.key), "listed twice");
        }
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), n);
}

#[tokio::test]
async fn an_unreadable_row_is_reported_as_corrupt_not_skipped() {
    let dir = temp_dir("corrupt-row");
    let store = SqliteStore::open(dir.join("db"), KEY).unwrap();
    let tp = records::taxpayer(1_000_000);
    let generated = records::dedup(&records::varied(2, &[tp], 5));
    store.put_many(&generated).await.unwrap();
    let victim = &generated[0];
    let survivor = generated
        .iter()
        .find(|r| r.key.id.invoice_number != victim.key.id.invoice_number)
        .unwrap();
    let conn = rusqlite::Connection::open(dir.join("db")).unwrap();
    conn.execute(
        "UPDATE invoice SET summary = '{\"truncated\":' WHERE invoice_number = ?1",
        [victim.key.id.invoice_number.as_str()],
    )
    .unwrap();
    conn.execute(
        "UPDATE invoice_record SET record = 'not json' WHERE invoice_id =
            (SELECT id FROM invoice WHERE invoice_number = ?1)",
        [victim.key.id.invoice_number.as_str()],
    )
    .unwrap();
    let q = InvoiceQuery::new(tp, victim.key.id.direction);
    assert!(matches!(store.search(&q).await, Err(RepoError::Corrupt(_))));
    assert!(matches!(
        store.get(&victim.key).await,
        Err(RepoError::Corrupt(_))
    ));
    // The other invoices still read.
    assert_eq!(
        store.get(&survivor.key).await.unwrap().as_ref(),
        Some(survivor)
    );
}

#[test]
fn a_database_that_cannot_be_opened_is_named() {
    let path = temp_dir("unopenable")
        .join("no-such-dir")
        .join("navsync.db");
    let err = SqliteStore::open(&path, KEY).err().unwrap();
    assert!(matches!(err, OpenError::Sqlite { .. }), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}
