//! Fills a data directory's invoice store with generated invoices, for benchmarking
//! `navsync serve` over a large store (docs/benchmarks.md). Documents are not archived: the
//! records point at document keys that do not exist, which the listing never reads.
//!
//! ```sh
//! cargo run --release -p navsync-cli --example bulk_store -- DATA_DIR [COUNT]
//! navsync token create --data-dir DATA_DIR --taxpayer 24561231
//! ```
//!
//! COUNT (default 1,000,000) invoices of taxpayer 24561231 (printed), 60 % OUTBOUND and 40 %
//! INBOUND, issued over the two years before 2026-11-01, with 60 partners (some private
//! persons without a tax number), HUF/EUR/USD, the three categories, four payment methods,
//! CREATE/MODIFY/STORNO and some batch invoices. Deterministic (seeded SplitMix64).

use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use navsync_domain::ports::InvoiceRepository;
use navsync_domain::{
    Direction, DocumentRef, Invoice, InvoiceCategory, InvoiceDigest, InvoiceId, InvoiceKey,
    InvoiceOperation, InvoiceRecord, ModificationReference, Party, PaymentMethod, SchemaVersion,
    TaxNumber, TaxpayerId, Totals,
};
use navsync_sqlite::SqliteStore;
use rust_decimal::Decimal;

const BATCH: usize = 20_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

fn taxpayer_from(seed: u32) -> TaxpayerId {
    let s = format!("{:07}", seed % 10_000_000);
    let mut first = [0u8; 7];
    for (d, b) in first.iter_mut().zip(s.bytes()) {
        *d = b - b'0';
    }
    format!("{s}{}", TaxpayerId::check_digit(&first))
        .parse()
        .expect("a valid taxpayer id")
}

const PARTNER_NAMES: &[&str] = &[
    "Árvíztűrő Tükörfúrógép Kft.",
    "Őszibarack Bt.",
    "Szép Ügyvédi Iroda",
    "Duna Logisztika Zrt.",
    "Kovács és Társa Kft.",
    "Tisza Agrár Kft.",
    "Balaton Vendéglátó Bt.",
    "Mecsek Építő Zrt.",
    "Bükk Informatika Kft.",
    "Hortobágy Élelmiszer Kft.",
];

fn record(rng: &mut Rng, own: TaxpayerId, partners: &[TaxpayerId], i: usize) -> InvoiceRecord {
    let direction = if rng.below(10) < 6 {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    let p = rng.below(partners.len() as u64) as usize;
    let partner_id = partners[p];
    let partner = Party {
        name: Some(format!("{} {}", PARTNER_NAMES[p % PARTNER_NAMES.len()], p)),
        // Every 12th partner is a private person without a tax number.
        tax_number: (p % 12 != 11)
            .then(|| TaxNumber::new(partner_id, Some(2), Some("41".into())).unwrap()),
        ..Party::default()
    };
    let me = Party {
        name: Some("Benchmark Kereskedelmi Kft.".into()),
        tax_number: Some(TaxNumber::new(own, Some(2), Some("13".into())).unwrap()),
        ..Party::default()
    };
    let (supplier, customer, supplier_id) = match direction {
        Direction::Outbound => (me, partner, own),
        Direction::Inbound => (partner, me, partner_id),
    };
    let issue_date =
        NaiveDate::from_ymd_opt(2024, 11, 1).unwrap() + chrono::Days::new(rng.below(730));
    let number = format!("{}/{:07}", issue_date.format("SZ-%Y"), i);
    let operation = rng.pick(&[
        InvoiceOperation::Create,
        InvoiceOperation::Create,
        InvoiceOperation::Create,
        InvoiceOperation::Create,
        InvoiceOperation::Create,
        InvoiceOperation::Modify,
        InvoiceOperation::Storno,
    ]);
    let modification = (operation != InvoiceOperation::Create).then(|| ModificationReference {
        original_invoice_number: format!("SZ-2024/{:07}", rng.below(i as u64 + 1))
            .parse()
            .unwrap(),
        modification_index: 1 + rng.below(3) as u32,
        modify_without_master: false,
    });
    let batch_index = (rng.below(20) == 0).then(|| 1 + rng.below(3) as u32);
    let currency = rng
        .pick(&["HUF", "HUF", "HUF", "EUR", "EUR", "USD"])
        .to_owned();
    let category = rng.pick(&[
        InvoiceCategory::Normal,
        InvoiceCategory::Normal,
        InvoiceCategory::Simplified,
        InvoiceCategory::Aggregate,
    ]);
    let payment_method = rng.pick(&[
        Some(PaymentMethod::Transfer),
        Some(PaymentMethod::Transfer),
        Some(PaymentMethod::Cash),
        Some(PaymentMethod::Card),
        None,
    ]);
    let mut gross_huf = Decimal::new(rng.below(500_000_000) as i64 + 100, 2);
    if operation == InvoiceOperation::Storno {
        gross_huf = -gross_huf;
    }
    let key = InvoiceKey {
        taxpayer: own,
        id: InvoiceId {
            direction,
            supplier_tax_number: supplier_id,
            invoice_number: number.parse().unwrap(),
            batch_index,
        },
    };
    let ins_date = Utc.from_utc_datetime(&issue_date.and_hms_opt(12, 0, 0).unwrap());
    InvoiceRecord {
        digest: InvoiceDigest {
            invoice_number: number.parse().unwrap(),
            batch_index,
            operation,
            category,
            issue_date,
            supplier_tax_number: supplier_id,
            supplier_group_member_tax_number: None,
            supplier_name: supplier.name.clone().unwrap_or_default(),
            customer_tax_number: customer.tax_number.as_ref().map(|t| t.taxpayer_id),
            customer_group_member_tax_number: None,
            customer_name: customer.name.clone(),
            payment_method,
            payment_date: None,
            appearance: None,
            source: None,
            delivery_date: None,
            currency: Some(currency.clone()),
            net_amount: None,
            net_amount_huf: None,
            vat_amount: None,
            vat_amount_huf: None,
            transaction_id: None,
            index: None,
            original_invoice_number: modification
                .as_ref()
                .map(|m| m.original_invoice_number.clone()),
            modification_index: modification.as_ref().map(|m| m.modification_index),
            ins_date,
            completeness_indicator: None,
        },
        invoice: Invoice {
            schema_version: SchemaVersion::V3,
            invoice_number: number.parse().unwrap(),
            batch_index,
            issue_date,
            completeness_indicator: false,
            category,
            supplier,
            customer,
            delivery_date: None,
            delivery_period: None,
            payment_date: None,
            payment_method,
            currency,
            exchange_rate: Decimal::ONE,
            appearance: None,
            modification,
            lines: Vec::new(),
            vat_summary: Vec::new(),
            totals: Totals {
                gross_huf,
                gross: gross_huf,
                ..Totals::default()
            },
            warnings: Vec::new(),
        },
        document: DocumentRef {
            key: navsync_domain::archive::document_key(&key, issue_date),
            sha256: "0".repeat(64),
            size: 0,
        },
        key,
        electronic_invoice_hash: None,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: bulk_store DATA_DIR [COUNT]");
        std::process::exit(2);
    };
    let count: usize = args.next().map_or(1_000_000, |n| n.parse().expect("COUNT"));
    std::fs::create_dir_all(&dir).expect("the data directory");
    let store = SqliteStore::open(
        std::path::Path::new(&dir).join("navsync.db"),
        b"bulk_store opens without cursors".to_vec(),
    )
    .expect("the store");
    let own = taxpayer_from(2_456_123);
    let partners: Vec<TaxpayerId> = (0..60).map(|i| taxpayer_from(3_100_000 + i)).collect();
    let mut rng = Rng(42);
    let started = Instant::now();
    // Two batches in flight: one is serialized while the other is written.
    let mut in_flight: Option<tokio::task::JoinHandle<()>> = None;
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..count {
        batch.push(record(&mut rng, own, &partners, i));
        if batch.len() == BATCH || i + 1 == count {
            let full = std::mem::take(&mut batch);
            let store = store.clone();
            let next = tokio::spawn(async move { store.put_many(&full).await.expect("put_many") });
            if let Some(previous) = in_flight.replace(next) {
                previous.await.unwrap();
            }
            if (i + 1) % 100_000 == 0 {
                eprintln!(
                    "{} invoices, {:.0} s",
                    i + 1,
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    if let Some(last) = in_flight {
        last.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{count} invoices of {own} stored in {secs:.1} s ({:.0}/s)",
        count as f64 / secs
    );
}
