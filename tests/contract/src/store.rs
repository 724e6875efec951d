//! The contract of `InvoiceRepository + InvoiceQueries + SyncStateStore`.

use std::collections::HashSet;

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use navsync_domain::ports::{
    InvoiceQueries, InvoiceRepository, NavError, RepoError, SyncStateStore,
};
use navsync_domain::query::{InvoiceQuery, InvoiceSummary, SortOrder};
use navsync_domain::sync::{DirectionReport, InvoiceChain, PendingInvoice, RunRecord};
use navsync_domain::{
    Direction, InvoiceCategory, InvoiceKey, InvoiceOperation, InvoiceRecord, PaymentMethod,
};
use rust_decimal::Decimal;

use crate::fixtures::{self, Spec, record, taxpayer};

/// The store order's key of a summary.
pub fn order_key(s: &InvoiceSummary) -> (NaiveDate, String, String, Option<u32>) {
    (
        s.issue_date,
        s.key.id.invoice_number.as_str().to_owned(),
        s.key.id.supplier_tax_number.to_string(),
        s.key.id.batch_index,
    )
}

/// Every page of `query`, following cursors until there is none.
pub async fn all_pages<S: InvoiceQueries>(store: &S, query: &InvoiceQuery) -> Vec<InvoiceSummary> {
    let mut q = query.clone();
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let page = store
            .search(&q)
            .await
            .unwrap_or_else(|e| panic!("search {q:?}: {e}"));
        assert!(page.items.len() <= q.limit as usize, "page over its limit");
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return out,
        }
    }
    panic!("search never ended: {query:?}");
}

fn expected(records: &[InvoiceRecord], query: &InvoiceQuery) -> Vec<InvoiceKey> {
    let mut matched: Vec<InvoiceSummary> = records
        .iter()
        .filter(|r| query.matches(r))
        .map(InvoiceSummary::from)
        .collect();
    matched.sort_by_key(order_key);
    if query.order == SortOrder::NewestFirst {
        matched.reverse();
    }
    matched.into_iter().map(|s| s.key).collect()
}

/// Storing twice leaves one copy; every record reads back whole.
pub async fn check_put_is_idempotent_and_reads_back<S>(store: &S)
where
    S: InvoiceRepository + InvoiceQueries,
{
    let tp = taxpayer(1_000_001);
    let mut specs = vec![
        Spec::new(tp, Direction::Outbound, "A/2024/1"),
        Spec::new(tp, Direction::Outbound, "A#2024#1 ő"),
        Spec::new(tp, Direction::Inbound, "A/2024/1"),
    ];
    let mut batched = Spec::new(tp, Direction::Outbound, "A/2024/1");
    batched.batch_index = Some(3);
    specs.push(batched);
    let records: Vec<InvoiceRecord> = specs.iter().map(record).collect();
    store.put_many(&records).await.expect("put");
    store.put_many(&records).await.expect("put again");
    // A record twice in one call is one record too.
    store
        .put_many(&[records[0].clone(), records[0].clone()])
        .await
        .expect("put a duplicate pair");
    for r in &records {
        let got = store.get(&r.key).await.expect("get").expect("stored");
        assert_eq!(&got, r, "read back differs");
    }
    let listed = all_pages(store, &InvoiceQuery::new(tp, Direction::Outbound)).await;
    assert_eq!(listed.len(), 3, "outbound listed {listed:?}");
    let stored = store
        .stored_among(&records.iter().map(|r| r.key.clone()).collect::<Vec<_>>())
        .await
        .expect("stored_among");
    assert_eq!(stored.len(), records.len());
}

/// `get` and `stored_among` see only what is there, scoped to the taxpayer.
pub async fn check_identity_lookups<S>(store: &S)
where
    S: InvoiceRepository + InvoiceQueries,
{
    let a = taxpayer(1_000_002);
    let b = taxpayer(1_000_003);
    let stored = record(&Spec::new(a, Direction::Outbound, "X-1"));
    store
        .put_many(std::slice::from_ref(&stored))
        .await
        .expect("put");

    let mut same_number_other_taxpayer = stored.key.clone();
    same_number_other_taxpayer.taxpayer = b;
    let mut other_batch = stored.key.clone();
    other_batch.id.batch_index = Some(1);
    let mut other_direction = stored.key.clone();
    other_direction.id.direction = Direction::Inbound;
    for missing in [&same_number_other_taxpayer, &other_batch, &other_direction] {
        assert_eq!(store.get(missing).await.expect("get"), None, "{missing:?}");
    }
    let asked = vec![
        stored.key.clone(),
        same_number_other_taxpayer.clone(),
        other_batch,
        stored.key.clone(),
    ];
    let found = store.stored_among(&asked).await.expect("stored_among");
    assert_eq!(found, HashSet::from([stored.key.clone()]));
    assert!(store.stored_among(&[]).await.expect("empty").is_empty());

    // 100 keys, the most a call takes, half of them stored.
    let many: Vec<InvoiceRecord> = (0..50)
        .map(|i| record(&Spec::new(a, Direction::Inbound, &format!("M-{i}"))))
        .collect();
    store.put_many(&many).await.expect("put 50");
    let mut keys: Vec<InvoiceKey> = many.iter().map(|r| r.key.clone()).collect();
    keys.extend((50..100).map(|i| Spec::new(a, Direction::Inbound, &format!("M-{i}")).key()));
    let found = store.stored_among(&keys).await.expect("stored_among 100");
    assert_eq!(found, many.iter().map(|r| r.key.clone()).collect());
}

/// The queries a user can make, each checked against `InvoiceQuery::matches` in both orders
/// and across pages.
pub fn queries(a: navsync_domain::TaxpayerId) -> Vec<InvoiceQuery> {
    let base = |d: Direction| InvoiceQuery::new(a, d);
    let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).expect("valid date");
    let mut qs = Vec::new();
    for dir in Direction::BOTH {
        qs.push(base(dir));
        qs.push(InvoiceQuery {
            issue_date_from: Some(d(1, 10)),
            issue_date_to: Some(d(2, 20)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            issue_date_from: Some(d(2, 6)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            issue_date_to: Some(d(2, 6)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            issue_date_from: Some(d(2, 6)),
            issue_date_to: Some(d(2, 6)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            partner_tax_number: Some(taxpayer(2_000_002)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            partner_tax_number: Some(taxpayer(2_000_001)),
            issue_date_from: Some(d(1, 15)),
            currency: Some("EUR".into()),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            partner_name: Some("béta".into()),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            partner_name: Some("KFT".into()),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            invoice_number_prefix: Some("SZ-2024/".into()),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            invoice_number_prefix: Some("SZ-2024/1".into()),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            invoice_number_prefix: Some("Számla-0".into()),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            invoice_number_prefix: Some("INV#".into()),
            issue_date_from: Some(d(1, 20)),
            issue_date_to: Some(d(3, 10)),
            payment_method: Some(PaymentMethod::Transfer),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            invoice_number_prefix: Some("SZ".into()),
            partner_tax_number: Some(taxpayer(2_000_003)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            min_gross_huf: Some(Decimal::new(3_000_150, 2)),
            max_gross_huf: Some(Decimal::new(7_000_350, 2)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            min_gross_huf: Some(Decimal::new(5_000_349, 2)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            currency: Some("HUF".into()),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            category: Some(InvoiceCategory::Simplified),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            payment_method: Some(PaymentMethod::Cash),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            operation: Some(InvoiceOperation::Modify),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            operation: Some(InvoiceOperation::Storno),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            category: Some(InvoiceCategory::Normal),
            currency: Some("HUF".into()),
            operation: Some(InvoiceOperation::Create),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            currency: Some("CHF".into()),
            ..base(dir)
        });
        // An inverted range matches nothing (and is not an error).
        qs.push(InvoiceQuery {
            issue_date_from: Some(d(3, 1)),
            issue_date_to: Some(d(1, 1)),
            ..base(dir)
        });
        qs.push(InvoiceQuery {
            issue_date_from: Some(d(3, 1)),
            issue_date_to: Some(d(1, 1)),
            invoice_number_prefix: Some("SZ".into()),
            ..base(dir)
        });
    }
    qs
}

/// Every query returns exactly what `InvoiceQuery::matches` selects, in the store order,
/// across pages of several sizes, in both orders, and never another taxpayer's invoice.
pub async fn check_search_agrees_with_matches<S>(store: &S)
where
    S: InvoiceRepository + InvoiceQueries,
{
    let a = taxpayer(1_000_004);
    let b = taxpayer(1_000_005);
    let records = fixtures::varied(a, b);
    store.put_many(&records).await.expect("put");
    let mut nonempty = 0;
    for query in queries(a) {
        for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
            for limit in [1000, 7] {
                let q = InvoiceQuery {
                    order,
                    limit,
                    ..query.clone()
                };
                let want = expected(&records, &q);
                let got: Vec<InvoiceKey> = all_pages(store, &q)
                    .await
                    .into_iter()
                    .map(|s| s.key)
                    .collect();
                assert_eq!(got, want, "query {q:?}");
                nonempty += usize::from(!want.is_empty());
            }
        }
    }
    assert!(
        nonempty > 60,
        "the fixtures should make most queries match something"
    );
    // Summaries carry what a listing shows.
    let one = &records[0];
    let page = store
        .search(&InvoiceQuery {
            invoice_number_prefix: Some(one.key.id.invoice_number.as_str().into()),
            partner_tax_number: InvoiceSummary::from(one).partner_tax_number,
            ..InvoiceQuery::new(one.key.taxpayer, one.key.id.direction)
        })
        .await
        .expect("search");
    assert_eq!(page.items, vec![InvoiceSummary::from(one)]);
}

/// A cursor only continues the query it came from: another taxpayer, direction or filter,
/// or an edited cursor, is refused with `RepoError::Invalid`.
pub async fn check_cursor_cannot_be_forged<S>(store: &S)
where
    S: InvoiceRepository + InvoiceQueries,
{
    let a = taxpayer(1_000_006);
    let b = taxpayer(1_000_007);
    store.put_many(&fixtures::varied(a, b)).await.expect("put");
    for base in [
        InvoiceQuery::new(a, Direction::Outbound),
        InvoiceQuery {
            invoice_number_prefix: Some("SZ".into()),
            ..InvoiceQuery::new(a, Direction::Outbound)
        },
        InvoiceQuery {
            partner_tax_number: Some(taxpayer(2_000_001)),
            ..InvoiceQuery::new(a, Direction::Outbound)
        },
    ] {
        let first = store
            .search(&InvoiceQuery {
                limit: 2,
                ..base.clone()
            })
            .await
            .expect("first page");
        let cursor = first.next_cursor.expect("more than one page");
        let mut tampered = cursor.clone();
        let last = tampered.pop().expect("non-empty");
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let attempts = [
            InvoiceQuery {
                taxpayer: b,
                ..base.clone()
            },
            InvoiceQuery {
                direction: Direction::Inbound,
                ..base.clone()
            },
            InvoiceQuery {
                currency: Some("HUF".into()),
                ..base.clone()
            },
            InvoiceQuery {
                order: SortOrder::OldestFirst,
                ..base.clone()
            },
        ];
        for attempt in attempts {
            let q = InvoiceQuery {
                cursor: Some(cursor.clone()),
                limit: 2,
                ..attempt
            };
            match store.search(&q).await {
                Err(RepoError::Invalid(_)) => {}
                other => panic!("cursor accepted for another query {q:?}: {other:?}"),
            }
        }
        for bad in [tampered, "not-a-cursor".into(), String::new()] {
            let q = InvoiceQuery {
                cursor: Some(bad.clone()),
                ..base.clone()
            };
            assert!(
                matches!(store.search(&q).await, Err(RepoError::Invalid(_))),
                "cursor {bad:?} accepted"
            );
        }
        // The genuine one still works, with another page size.
        let q = InvoiceQuery {
            cursor: Some(cursor),
            limit: 5,
            ..base.clone()
        };
        let next = store.search(&q).await.expect("genuine cursor");
        assert!(!next.items.is_empty());
        assert!(next.items.iter().all(|s| s.key.taxpayer == a));
    }
    for limit in [0, InvoiceQuery::MAX_LIMIT + 1] {
        let q = InvoiceQuery {
            limit,
            ..InvoiceQuery::new(a, Direction::Outbound)
        };
        assert!(
            matches!(store.search(&q).await, Err(RepoError::Invalid(_))),
            "limit {limit}"
        );
    }
}

/// A chain is the original and every MODIFY/STORNO referencing it; storing a modification
/// keeps the original as it was.
pub async fn check_chain<S>(store: &S)
where
    S: InvoiceRepository + InvoiceQueries,
{
    let tp = taxpayer(1_000_008);
    let original = Spec::new(tp, Direction::Outbound, "C/1");
    let mut m1 = Spec::new(tp, Direction::Outbound, "C/1-M1");
    m1.operation = InvoiceOperation::Modify;
    m1.modifies = Some(("C/1".into(), 1));
    m1.gross_huf = Decimal::new(-1_000_000, 2);
    let mut storno = Spec::new(tp, Direction::Outbound, "C/1-S");
    storno.operation = InvoiceOperation::Storno;
    storno.modifies = Some(("C/1".into(), 2));
    storno.gross_huf = Decimal::new(-11_700_000, 2);
    let unrelated = Spec::new(tp, Direction::Outbound, "C/10");
    let mut other_supplier = Spec::new(tp, Direction::Inbound, "C/1-M1");
    other_supplier.modifies = Some(("C/1".into(), 1));
    other_supplier.operation = InvoiceOperation::Modify;

    let orig = record(&original);
    store
        .put_many(std::slice::from_ref(&orig))
        .await
        .expect("put original");
    let rest: Vec<InvoiceRecord> = [&m1, &storno, &unrelated, &other_supplier]
        .map(record)
        .to_vec();
    store.put_many(&rest).await.expect("put modifications");

    let chain = store
        .chain(tp, Direction::Outbound, tp, "C/1")
        .await
        .expect("chain");
    let built = InvoiceChain::build("C/1".parse().expect("number"), chain.clone());
    assert_eq!(chain.len(), 3, "{chain:?}");
    assert_eq!(
        built.original.as_ref(),
        Some(&orig),
        "original kept as stored"
    );
    assert_eq!(built.modifications, vec![record(&m1), record(&storno)]);
    assert_eq!(built.effective_totals().gross_huf, Decimal::ZERO);
    assert_eq!(store.get(&orig.key).await.expect("get"), Some(orig.clone()));

    // A modification whose original is not stored still forms a chain.
    let mut orphan = Spec::new(tp, Direction::Outbound, "D/1-M1");
    orphan.operation = InvoiceOperation::Modify;
    orphan.modifies = Some(("D/1".into(), 1));
    store
        .put_many(&[record(&orphan)])
        .await
        .expect("put orphan");
    let chain = store
        .chain(tp, Direction::Outbound, tp, "D/1")
        .await
        .expect("chain");
    assert_eq!(chain, vec![record(&orphan)]);
    assert!(
        store
            .chain(tp, Direction::Outbound, tp, "nope")
            .await
            .expect("chain")
            .is_empty()
    );
    // Scoped to the taxpayer.
    let other = taxpayer(1_000_009);
    assert!(
        store
            .chain(other, Direction::Outbound, tp, "C/1")
            .await
            .expect("chain")
            .is_empty()
    );
}

fn run(tp: navsync_domain::TaxpayerId, direction: Direction, error: Option<&str>) -> RunRecord {
    let at = Utc
        .with_ymd_and_hms(2024, 5, 1, 12, 0, 0)
        .single()
        .expect("valid");
    RunRecord {
        started_at: at,
        finished_at: at + TimeDelta::seconds(3),
        report: DirectionReport::new(tp, direction, None),
        error: error.map(str::to_owned),
    }
}

/// The watermark moves only forward from what the caller saw; runs are recorded beside it.
pub async fn check_watermark<S: SyncStateStore>(store: &S) {
    let tp = taxpayer(1_000_010);
    let dir = Direction::Inbound;
    let t0 = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .expect("valid");
    let t1 = t0 + TimeDelta::milliseconds(86_400_123);
    let t2 = t1 + TimeDelta::days(1);

    let fresh = store.load(tp, dir).await.expect("load");
    assert_eq!(fresh.watermark, None);
    assert_eq!(fresh.last_run, None);

    store
        .advance_watermark(tp, dir, None, t0)
        .await
        .expect("first advance");
    assert!(matches!(
        store.advance_watermark(tp, dir, None, t1).await,
        Err(RepoError::Conflict(_))
    ));
    store
        .advance_watermark(tp, dir, Some(t0), t1)
        .await
        .expect("advance");
    assert_eq!(store.load(tp, dir).await.expect("load").watermark, Some(t1));
    // Stale expectation, backwards, standing still: all conflicts, nothing moves.
    for (expected, to) in [
        (Some(t0), t2),
        (Some(t1), t0),
        (Some(t1), t1),
        (Some(t2), t2 + TimeDelta::days(1)),
    ] {
        assert!(
            matches!(
                store.advance_watermark(tp, dir, expected, to).await,
                Err(RepoError::Conflict(_))
            ),
            "{expected:?} -> {to}"
        );
    }
    assert_eq!(store.load(tp, dir).await.expect("load").watermark, Some(t1));

    store
        .record_run(tp, dir, &run(tp, dir, Some("NAV unavailable")))
        .await
        .expect("record");
    let state = store.load(tp, dir).await.expect("load");
    assert_eq!(
        state.watermark,
        Some(t1),
        "recording a run leaves the watermark"
    );
    assert_eq!(state.last_run, Some(run(tp, dir, Some("NAV unavailable"))));
    store
        .advance_watermark(tp, dir, Some(t1), t2)
        .await
        .expect("advance after run");
    let state = store.load(tp, dir).await.expect("load");
    assert_eq!(state.watermark, Some(t2));
    assert_eq!(
        state.last_run,
        Some(run(tp, dir, Some("NAV unavailable"))),
        "advancing keeps the run"
    );

    // The other direction and another taxpayer are separate.
    assert_eq!(
        store
            .load(tp, Direction::Outbound)
            .await
            .expect("load")
            .watermark,
        None
    );
    assert_eq!(
        store
            .load(taxpayer(1_000_011), dir)
            .await
            .expect("load")
            .watermark,
        None
    );
    // A run recorded before any watermark.
    let tp2 = taxpayer(1_000_012);
    store
        .record_run(tp2, dir, &run(tp2, dir, None))
        .await
        .expect("record");
    store
        .advance_watermark(tp2, dir, None, t0)
        .await
        .expect("advance after a run");
}

/// Two syncs racing from the same watermark: exactly one moves it; it never goes back.
pub async fn check_watermark_race<S: SyncStateStore>(store: &S) {
    let tp = taxpayer(1_000_013);
    let dir = Direction::Outbound;
    let t0 = Utc
        .with_ymd_and_hms(2024, 2, 1, 0, 0, 0)
        .single()
        .expect("valid");
    store
        .advance_watermark(tp, dir, None, t0)
        .await
        .expect("start");
    let mut current = t0;
    for round in 1..=10 {
        let near = current + TimeDelta::hours(1);
        let far = current + TimeDelta::hours(2);
        let (x, y) = tokio::join!(
            store.advance_watermark(tp, dir, Some(current), far),
            store.advance_watermark(tp, dir, Some(current), near),
        );
        let won = match (&x, &y) {
            (Ok(()), Err(RepoError::Conflict(_))) => far,
            (Err(RepoError::Conflict(_)), Ok(())) => near,
            other => panic!("round {round}: exactly one advance must win: {other:?}"),
        };
        let now = store
            .load(tp, dir)
            .await
            .expect("load")
            .watermark
            .expect("set");
        assert_eq!(now, won, "round {round}");
        assert!(now > current);
        // The loser retrying with its stale expectation cannot move it back.
        assert!(matches!(
            store
                .advance_watermark(tp, dir, Some(current), near.min(far))
                .await,
            Err(RepoError::Conflict(_))
        ));
        current = now;
    }
}

/// Quarantined invoices: per taxpayer and direction, earliest first failure first, replaced by
/// key, removed by key, every field read back as written, the watermark left alone.
pub async fn check_pending<S: SyncStateStore>(store: &S) {
    let tp = taxpayer(1_000_020);
    let dir = Direction::Inbound;
    let t0 = Utc
        .with_ymd_and_hms(2024, 3, 1, 8, 0, 0)
        .single()
        .expect("valid")
        + TimeDelta::nanoseconds(123_456_789);
    let entry = |number: &str, batch: Option<u32>, at| {
        let mut spec = Spec::new(tp, dir, number);
        spec.batch_index = batch;
        let r = record(&spec);
        PendingInvoice::new(r.key, r.digest, &NavError::NotFound(number.into()), at)
    };
    assert!(
        store
            .pending(tp, dir, 10)
            .await
            .expect("pending")
            .is_empty()
    );
    store
        .advance_watermark(tp, dir, None, t0)
        .await
        .expect("advance");

    // Numbers with the separators stores use, a batch index, failures out of order.
    let late = entry("SZ#2024/1", None, t0 + TimeDelta::hours(2));
    let early = entry("SZ/2024/1", Some(3), t0);
    let mut hostile = entry("SZ/2024/2", None, t0 + TimeDelta::hours(1));
    hostile = hostile.failed_again(
        &NavError::InvalidDocument(format!("<{}\u{85}>", "árvíztűrő ".repeat(80))),
        t0 + TimeDelta::hours(3),
    );
    for e in [&late, &early, &hostile] {
        store.put_pending(e).await.expect("put pending");
    }
    // Another direction and another taxpayer are separate.
    let mut other = Spec::new(tp, Direction::Outbound, "SZ/2024/1");
    other.batch_index = Some(3);
    let other = record(&other);
    store
        .put_pending(&PendingInvoice::new(
            other.key,
            other.digest,
            &NavError::NotFound("x".into()),
            t0,
        ))
        .await
        .expect("put other");
    assert!(
        store
            .pending(taxpayer(1_000_021), dir, 10)
            .await
            .expect("pending")
            .is_empty()
    );

    assert_eq!(
        store.pending(tp, dir, 10).await.expect("pending"),
        vec![early.clone(), hostile.clone(), late.clone()]
    );
    assert_eq!(
        store.pending(tp, dir, 2).await.expect("pending"),
        vec![early.clone(), hostile.clone()]
    );

    let again = early.failed_again(
        &NavError::NotFound("SZ/2024/1".into()),
        t0 + TimeDelta::days(1),
    );
    store.put_pending(&again).await.expect("replace");
    let listed = store.pending(tp, dir, 10).await.expect("pending");
    assert_eq!(listed, vec![again.clone(), hostile.clone(), late.clone()]);
    assert_eq!(listed[0].attempts, 2);

    store.remove_pending(&hostile.key).await.expect("remove");
    store
        .remove_pending(&hostile.key)
        .await
        .expect("removing again is no error");
    assert_eq!(
        store.pending(tp, dir, 10).await.expect("pending"),
        vec![again, late]
    );
    assert_eq!(
        store
            .pending(tp, Direction::Outbound, 10)
            .await
            .expect("pending")
            .len(),
        1
    );
    assert_eq!(
        store.load(tp, dir).await.expect("load").watermark,
        Some(t0),
        "quarantine leaves the watermark"
    );
}

/// Versions (see `navsync_domain::InvoiceId`): a later report of an invoice becomes current and
/// the earlier stays as superseded; an earlier one stored after it is superseded at once;
/// re-storing either changes nothing; listings count the invoice once, and `stored_versions`
/// names every report kept.
pub async fn check_versions<S>(store: &S)
where
    S: InvoiceRepository + InvoiceQueries,
{
    let tp = taxpayer(1_000_009);
    let at = |h: i64| Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap() + TimeDelta::hours(h);
    let report = |spec: &Spec, tx: Option<&str>, h: i64| {
        let mut r = record(spec);
        r.digest.transaction_id = tx.map(str::to_owned);
        r.digest.index = tx.map(|_| 1);
        r.digest.ins_date = at(h);
        r.document.key = format!("{}@{}", r.document.key, r.digest.report_id());
        r
    };
    let spec = Spec::new(tp, Direction::Outbound, "RE/2024/1");
    let first = report(&spec, Some("TXA"), 0);
    let second = report(&spec, Some("TXB"), 5);
    let third = report(&spec, None, 9);
    let other = record(&Spec::new(tp, Direction::Outbound, "RE/2024/2"));

    store
        .put_many(&[first.clone(), other.clone()])
        .await
        .expect("put first");
    assert_eq!(store.versions(&first.key).await.expect("versions"), vec![]);
    store
        .put_many(std::slice::from_ref(&second))
        .await
        .expect("put second");
    assert_eq!(
        store.get(&first.key).await.expect("get"),
        Some(second.clone())
    );
    assert_eq!(
        store.versions(&first.key).await.expect("versions"),
        vec![first.clone()]
    );

    // Later and earlier reports in one call, and again: the latest is current, once each.
    for _ in 0..2 {
        store
            .put_many(&[third.clone(), first.clone(), second.clone()])
            .await
            .expect("put all three");
    }
    assert_eq!(
        store.get(&first.key).await.expect("get"),
        Some(third.clone())
    );
    assert_eq!(
        store.versions(&first.key).await.expect("versions"),
        vec![second.clone(), first.clone()],
        "superseded versions, latest first, each once"
    );
    let listed = all_pages(store, &InvoiceQuery::new(tp, Direction::Outbound)).await;
    assert_eq!(listed.len(), 2, "the list shows current versions only");
    let versions = store
        .stored_versions(&[first.key.clone(), other.key.clone()])
        .await
        .expect("stored_versions");
    let want: HashSet<_> = [&first, &second, &third]
        .iter()
        .map(|r| r.digest.report_id())
        .collect();
    assert_eq!(versions[&first.key], want);
    assert_eq!(
        versions[&other.key],
        HashSet::from([other.digest.report_id()])
    );
    let absent = record(&Spec::new(tp, Direction::Inbound, "RE/2024/1")).key;
    assert!(
        store
            .stored_versions(std::slice::from_ref(&absent))
            .await
            .expect("stored_versions")
            .is_empty()
    );
    assert_eq!(store.versions(&absent).await.expect("versions"), vec![]);
}
