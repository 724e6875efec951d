//! Generated invoice records for the store's tests and benchmark: deterministic (a seeded
//! xorshift, no rand crate) and varied in every field a filter looks at, including the
//! awkward cases: accented partner names in both cases, `%`/`_`/`/` in invoice numbers,
//! negative and 3-decimal amounts, missing partners and payment methods, batch indexes,
//! and equal issue dates so the order's tiebreakers matter.

#![allow(dead_code)] // each test binary uses its own part

use chrono::{NaiveDate, TimeZone, Utc};
use navsync_domain::{
    Direction, DocumentRef, Invoice, InvoiceCategory, InvoiceDigest, InvoiceId, InvoiceKey,
    InvoiceOperation, InvoiceRecord, ModificationReference, Party, PaymentMethod, SchemaVersion,
    TaxNumber, TaxpayerId, Totals,
};
use rust_decimal::Decimal;

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A valid taxpayer id from a seven-digit seed (the eighth digit is the check digit).
pub fn taxpayer(seed: u32) -> TaxpayerId {
    let s = format!("{:07}", seed % 10_000_000);
    let mut first = [0u8; 7];
    for (d, b) in first.iter_mut().zip(s.bytes()) {
        *d = b - b'0';
    }
    format!("{s}{}", TaxpayerId::check_digit(&first))
        .parse()
        .unwrap()
}

pub const PARTNER_NAMES: &[Option<&str>] = &[
    Some("Árvíztűrő Tükörfúrógép Kft."),
    Some("ÁRVÍZTŰRŐ TÜKÖRFÚRÓGÉP ZRT."),
    Some("Őszibarack Bt."),
    Some("Szép Ügyvédi Iroda"),
    Some("100% Kft."),
    Some("Under_Score Kft."),
    Some(""),
    None,
];

pub const NUMBERS: &[&str] = &["SZ-2024/", "SZ-2025/", "A%", "A_", "Ő-", "E/", "SZ"];

/// A record with the given identity and everything else derived from `rng`.
pub fn record(
    rng: &mut Rng,
    taxpayer: TaxpayerId,
    direction: Direction,
    invoice_number: &str,
    partners: &[TaxpayerId],
) -> InvoiceRecord {
    let partner_id = *rng.pick(partners);
    let partner = Party {
        name: rng.pick(PARTNER_NAMES).map(str::to_owned),
        // A private person has no tax number.
        tax_number: (rng.below(8) != 0)
            .then(|| TaxNumber::new(partner_id, Some(2), Some("41".into())).unwrap()),
        ..Party::default()
    };
    let own = Party {
        name: Some("Saját Cég Kft.".into()),
        tax_number: Some(TaxNumber::new(taxpayer, Some(2), Some("13".into())).unwrap()),
        ..Party::default()
    };
    let (supplier, customer, supplier_id) = match direction {
        Direction::Outbound => (own, partner, taxpayer),
        Direction::Inbound => (partner, own, partner_id),
    };
    // Amounts from -500.000 to 2,000,000.999 HUF with 0, 2 or 3 decimals.
    let scale = *rng.pick(&[0u32, 2, 2, 3]);
    let units = rng.below(2_500_000 * 10u64.pow(scale)) as i64 - 500_000 * 10i64.pow(scale);
    let gross_huf = Decimal::new(units, scale);
    let operation = *rng.pick(&[
        InvoiceOperation::Create,
        InvoiceOperation::Create,
        InvoiceOperation::Modify,
        InvoiceOperation::Storno,
    ]);
    let modification = (operation != InvoiceOperation::Create).then(|| ModificationReference {
        original_invoice_number: "SZ-2024/0001".parse().unwrap(),
        modification_index: 1 + rng.below(3) as u32,
        modify_without_master: false,
    });
    let issue_date =
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(rng.below(400));
    let batch_index = (rng.below(6) == 0).then(|| 1 + rng.below(3) as u32);
    let number = invoice_number.parse().unwrap();
    let key = InvoiceKey {
        taxpayer,
        id: InvoiceId {
            direction,
            supplier_tax_number: supplier_id,
            invoice_number: invoice_number.parse().unwrap(),
            batch_index,
        },
    };
    let currency = rng.pick(&["HUF", "HUF", "EUR", "USD"]).to_string();
    let category = *rng.pick(&[
        InvoiceCategory::Normal,
        InvoiceCategory::Simplified,
        InvoiceCategory::Aggregate,
    ]);
    let payment_method = *rng.pick(&[
        Some(PaymentMethod::Transfer),
        Some(PaymentMethod::Cash),
        Some(PaymentMethod::Card),
        None,
    ]);
    let totals = Totals {
        gross_huf,
        gross: gross_huf,
        ..Totals::default()
    };
    let ins_date = Utc.with_ymd_and_hms(2024, 6, 1, 10, 0, 0).unwrap();
    InvoiceRecord {
        digest: InvoiceDigest {
            invoice_number: invoice_number.parse().unwrap(),
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
            invoice_number: number,
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
            totals,
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

/// `n` records per taxpayer and direction: numbers from [`NUMBERS`] plus a counter, so a
/// prefix filter has several hits; every 5th has the issue date and number of its
/// predecessor, so the order's tiebreakers (supplier, batch) matter. Records with equal keys
/// may occur: the last one stored wins, see [`dedup`].
pub fn varied(seed: u64, taxpayers: &[TaxpayerId], n: usize) -> Vec<InvoiceRecord> {
    let mut rng = Rng::new(seed);
    let partners: Vec<TaxpayerId> = (0..5).map(|i| taxpayer(7_000_000 + i)).collect();
    let mut out: Vec<InvoiceRecord> = Vec::new();
    for &tp in taxpayers {
        for direction in Direction::BOTH {
            for i in 0..n {
                let twin = (i % 5 == 4).then(|| out.last().cloned()).flatten();
                let number = match &twin {
                    Some(prev) => prev.key.id.invoice_number.to_string(),
                    None => format!("{}{:04}", rng.pick(NUMBERS), i),
                };
                let mut r = record(&mut rng, tp, direction, &number, &partners);
                if let Some(prev) = twin {
                    r.invoice.issue_date = prev.invoice.issue_date;
                    r.digest.issue_date = prev.invoice.issue_date;
                }
                out.push(r);
            }
        }
    }
    out
}

/// What a store holds after storing `records` in order: one per key, the last one.
pub fn dedup(records: &[InvoiceRecord]) -> Vec<InvoiceRecord> {
    let mut by_key = std::collections::HashMap::new();
    for r in records {
        by_key.insert(r.key.clone(), r.clone());
    }
    by_key.into_values().collect()
}
