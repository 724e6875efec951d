//! A filtered page of 100 over 1,000,000 invoices of one taxpayer, through the store's
//! `search` as the API calls it. Run: `cargo bench -p navsync-sqlite --bench page_of_100`.
//! The database is generated once (through `put_many`, 20,000 records a transaction) and kept
//! at `$NAVSYNC_BENCH_DB` (default: the temp dir) for later runs; delete it to regenerate.

#[path = "../tests/records/mod.rs"]
mod records;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use navsync_domain::ports::{InvoiceQueries, InvoiceRepository};
use navsync_domain::query::{InvoiceQuery, SortOrder};
use navsync_domain::{Direction, InvoiceOperation, PaymentMethod};
use navsync_sqlite::SqliteStore;
use rust_decimal::Decimal;

const ROWS: usize = 1_000_000;
const OTHER_TAXPAYER_ROWS: usize = 20_000;
const ITERATIONS: usize = 2_000;
/// A query stops early after this long, so a slow kind cannot stall the run.
const TIME_BOX: Duration = Duration::from_secs(10);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn generate(store: &SqliteStore) {
    let a = records::taxpayer(1_000_000);
    let b = records::taxpayer(1_000_001);
    let partners: Vec<_> = (0..200).map(|i| records::taxpayer(7_000_000 + i)).collect();
    let mut rng = records::Rng::new(42);
    let started = Instant::now();
    // Two batches in flight, as a sync with overlapping fetches would have: one is serialized
    // while the other is written.
    let mut in_flight: Option<tokio::task::JoinHandle<()>> = None;
    for (tp, rows) in [(a, ROWS), (b, OTHER_TAXPAYER_ROWS)] {
        let mut batch = Vec::with_capacity(20_000);
        for i in 0..rows {
            let number = format!("{}{:07}", rng.pick(records::NUMBERS), i);
            let mut r = records::record(&mut rng, tp, Direction::Outbound, &number, &partners);
            r.key.id.batch_index = None;
            r.invoice.batch_index = None;
            batch.push(r);
            if batch.len() == 20_000 || i + 1 == rows {
                let store = store.clone();
                let full = std::mem::take(&mut batch);
                let next = tokio::spawn(async move { store.put_many(&full).await.unwrap() });
                if let Some(previous) = in_flight.replace(next) {
                    previous.await.unwrap();
                }
            }
        }
    }
    if let Some(last) = in_flight {
        last.await.unwrap();
    }
    let took = started.elapsed();
    let n = ROWS + OTHER_TAXPAYER_ROWS;
    println!(
        "generated {n} invoices in {:.1} s ({:.0} invoices/s through put_many)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let path = std::env::var_os("NAVSYNC_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("navsync-sqlite-bench-1m.db"));
    let fresh = !path.exists();
    let store = SqliteStore::open(&path, b"benchmark cursor key, 32 bytes!!".to_vec()).unwrap();
    if fresh {
        generate(&store).await;
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("database {} ({} MB)", path.display(), size / 1_000_000);

    let a = records::taxpayer(1_000_000);
    let base = InvoiceQuery {
        limit: 100,
        ..InvoiceQuery::new(a, Direction::Outbound)
    };
    let with = |f: &dyn Fn(&mut InvoiceQuery)| {
        let mut q = base.clone();
        f(&mut q);
        q
    };
    let cases: Vec<(&str, InvoiceQuery)> = vec![
        ("newest first, no filter", base.clone()),
        (
            "oldest first, no filter",
            with(&|q| q.order = SortOrder::OldestFirst),
        ),
        (
            "issue date in one month",
            with(&|q| {
                q.issue_date_from = NaiveDate::from_ymd_opt(2024, 5, 1);
                q.issue_date_to = NaiveDate::from_ymd_opt(2024, 5, 31);
            }),
        ),
        (
            "partner tax number + date range",
            with(&|q| {
                q.partner_tax_number = Some(records::taxpayer(7_000_042));
                q.issue_date_from = NaiveDate::from_ymd_opt(2024, 3, 1);
            }),
        ),
        (
            "currency EUR + card + CREATE",
            with(&|q| {
                q.currency = Some("EUR".into());
                q.payment_method = Some(PaymentMethod::Card);
                q.operation = Some(InvoiceOperation::Create);
            }),
        ),
        (
            "gross HUF 10,000 to 50,000.5",
            with(&|q| {
                q.min_gross_huf = Some(Decimal::new(10_000, 0));
                q.max_gross_huf = Some(Decimal::new(500_005, 1));
            }),
        ),
        (
            "partner name contains \"tükörfúró\"",
            with(&|q| q.partner_name = Some("tükörfúró".into())),
        ),
        (
            "invoice number prefix \"A%\"",
            with(&|q| q.invoice_number_prefix = Some("A%".into())),
        ),
    ];

    println!(
        "{:<36} {:>8} {:>9} {:>9} {:>9} {:>10} {:>6}",
        "query (page of 100)", "total", "p50 ms", "p99 ms", "max ms", "pages/s", "n"
    );
    for (name, query) in &cases {
        let first = store.search(query).await.unwrap();
        // Every 10th request asks for a later page (page 2 to 11), as a client paging on does.
        let mut cursors = Vec::new();
        let mut q = query.clone();
        for _ in 0..10 {
            let page = store.search(&q).await.unwrap();
            match page.next_cursor {
                Some(c) => {
                    q.cursor = Some(c.clone());
                    cursors.push(c);
                }
                None => break,
            }
        }
        let mut times = Vec::with_capacity(ITERATIONS);
        let started = Instant::now();
        for i in 0..ITERATIONS {
            if started.elapsed() > TIME_BOX {
                break;
            }
            let mut q = query.clone();
            if i % 10 == 9 && !cursors.is_empty() {
                q.cursor = Some(cursors[i / 10 % cursors.len()].clone());
            }
            let t = Instant::now();
            let page = store.search(&q).await.unwrap();
            times.push(t.elapsed());
            assert!(!page.items.is_empty(), "{name}: no match");
        }
        let wall = started.elapsed();
        let n = times.len();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<36} {:>8} {:>9.3} {:>9.3} {:>9.3} {:>10.0} {:>6}",
            name,
            first
                .total
                .map_or_else(|| ">1000".to_owned(), |t| t.to_string()),
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap()),
            n as f64 / wall.as_secs_f64(),
            n
        );
    }

    // Throughput with concurrent callers (the API on 2 cores), over the date-range query.
    let (_, query) = &cases[2];
    for callers in [2, 4] {
        let started = Instant::now();
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let store = store.clone();
                let query = query.clone();
                tokio::spawn(async move {
                    for _ in 0..ITERATIONS {
                        store.search(&query).await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let n = callers * ITERATIONS;
        println!(
            "{callers} concurrent callers, \"issue date in one month\": {:.0} pages/s",
            n as f64 / started.elapsed().as_secs_f64()
        );
    }
}
