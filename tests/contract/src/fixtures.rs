//! Invoice records for contract tests: varied enough that every filter selects something and
//! rejects something, deterministic so a failure repeats.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use navsync_domain::{
    Direction, DocumentRef, Invoice, InvoiceCategory, InvoiceDigest, InvoiceId, InvoiceKey,
    InvoiceNumber, InvoiceOperation, InvoiceRecord, Line, ModificationReference, Party,
    PaymentMethod, SchemaVersion, TaxNumber, TaxpayerId, Totals, VatRate, VatSummary,
};
use rust_decimal::Decimal;

/// A valid taxpayer id from a seven-digit seed (the eighth digit is the check digit).
pub fn taxpayer(seed: u32) -> TaxpayerId {
    let digits: Vec<u8> = format!("{:07}", seed % 10_000_000)
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let first: [u8; 7] = digits.try_into().expect("seven digits");
    let check = TaxpayerId::check_digit(&first);
    let s: String = first.iter().map(|d| char::from(b'0' + d)).collect();
    format!("{s}{check}")
        .parse()
        .expect("valid by construction")
}

fn tax_number(id: TaxpayerId) -> TaxNumber {
    TaxNumber {
        taxpayer_id: id,
        vat_code: Some(2),
        county_code: Some("41".into()),
    }
}

/// What a fixture invoice looks like; [`record`] turns it into a stored record.
#[derive(Debug, Clone)]
pub struct Spec {
    pub taxpayer: TaxpayerId,
    pub direction: Direction,
    /// The other party; `None` for a private-person customer without a tax number.
    pub partner: Option<TaxpayerId>,
    pub partner_name: Option<String>,
    pub number: String,
    pub batch_index: Option<u32>,
    pub issue_date: NaiveDate,
    pub operation: InvoiceOperation,
    /// For MODIFY/STORNO: the original's number and the modification index.
    pub modifies: Option<(String, u32)>,
    pub category: InvoiceCategory,
    pub payment_method: Option<PaymentMethod>,
    pub currency: String,
    pub gross_huf: Decimal,
    pub lines: u32,
}

impl Spec {
    pub fn new(taxpayer: TaxpayerId, direction: Direction, number: &str) -> Self {
        Self {
            taxpayer,
            direction,
            partner: Some(self::taxpayer(2_000_001)),
            partner_name: Some("Partner Kft.".into()),
            number: number.into(),
            batch_index: None,
            issue_date: NaiveDate::from_ymd_opt(2024, 3, 15).expect("valid date"),
            operation: InvoiceOperation::Create,
            modifies: None,
            category: InvoiceCategory::Normal,
            payment_method: Some(PaymentMethod::Transfer),
            currency: "HUF".into(),
            gross_huf: Decimal::new(12_700_000, 2),
            lines: 2,
        }
    }

    pub fn key(&self) -> InvoiceKey {
        InvoiceKey {
            taxpayer: self.taxpayer,
            id: InvoiceId {
                direction: self.direction,
                supplier_tax_number: self.supplier(),
                invoice_number: self.number.parse().expect("valid invoice number"),
                batch_index: self.batch_index,
            },
        }
    }

    /// The supplier: the taxpayer itself when it sold, the partner when it bought.
    pub fn supplier(&self) -> TaxpayerId {
        match self.direction {
            Direction::Outbound => self.taxpayer,
            Direction::Inbound => self.partner.unwrap_or_else(|| taxpayer(3_000_002)),
        }
    }
}

fn ins_date(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(10, 0, 0).expect("valid time"))
}

pub fn record(spec: &Spec) -> InvoiceRecord {
    let key = spec.key();
    let number: InvoiceNumber = spec.number.parse().expect("valid invoice number");
    let partner = Party {
        name: spec.partner_name.clone(),
        tax_number: spec.partner.map(tax_number),
        ..Party::default()
    };
    let own = Party {
        name: Some("Own Company Zrt.".into()),
        tax_number: Some(tax_number(spec.taxpayer)),
        ..Party::default()
    };
    let (supplier, customer) = match spec.direction {
        Direction::Outbound => (own, partner),
        Direction::Inbound => (partner, own),
    };
    let gross = spec.gross_huf;
    let net = (gross / Decimal::new(127, 2)).round_dp(2);
    let vat = gross - net;
    let totals = Totals {
        net,
        net_huf: net,
        vat,
        vat_huf: vat,
        gross,
        gross_huf: gross,
    };
    let lines = (1..=spec.lines)
        .map(|n| Line {
            number: n,
            description: Some(format!(
                "Tétel {n}: szolgáltatás díja, árvíztűrő tükörfúrógép"
            )),
            quantity: Some(Decimal::ONE),
            unit: Some("PIECE".into()),
            unit_price: Some(net),
            net: Some(net),
            net_huf: Some(net),
            vat: Some(vat),
            vat_huf: Some(vat),
            gross: Some(gross),
            gross_huf: Some(gross),
            vat_rate: Some(VatRate::Percentage {
                rate: Decimal::new(27, 2),
            }),
            modification: None,
            advance_payment: false,
        })
        .collect();
    let modification = spec
        .modifies
        .as_ref()
        .map(|(orig, index)| ModificationReference {
            original_invoice_number: orig.parse().expect("valid invoice number"),
            modification_index: *index,
            modify_without_master: false,
        });
    let invoice = Invoice {
        schema_version: SchemaVersion::V3,
        invoice_number: number.clone(),
        batch_index: spec.batch_index,
        issue_date: spec.issue_date,
        completeness_indicator: false,
        category: spec.category,
        supplier: supplier.clone(),
        customer: customer.clone(),
        delivery_date: Some(spec.issue_date),
        delivery_period: None,
        payment_date: Some(spec.issue_date + chrono::Days::new(8)),
        payment_method: spec.payment_method,
        currency: spec.currency.clone(),
        exchange_rate: Decimal::ONE,
        appearance: Some("ELECTRONIC".into()),
        modification: modification.clone(),
        lines,
        vat_summary: vec![VatSummary {
            vat_rate: VatRate::Percentage {
                rate: Decimal::new(27, 2),
            },
            net,
            net_huf: net,
            vat,
            vat_huf: vat,
            gross: Some(gross),
            gross_huf: Some(gross),
        }],
        totals: totals.clone(),
        warnings: Vec::new(),
    };
    let digest = InvoiceDigest {
        invoice_number: number,
        batch_index: spec.batch_index,
        operation: spec.operation,
        category: spec.category,
        issue_date: spec.issue_date,
        supplier_tax_number: key.id.supplier_tax_number,
        supplier_group_member_tax_number: None,
        supplier_name: supplier.name.clone().unwrap_or_default(),
        customer_tax_number: customer.tax_number.as_ref().map(|t| t.taxpayer_id),
        customer_group_member_tax_number: None,
        customer_name: customer.name.clone(),
        payment_method: spec.payment_method,
        payment_date: invoice.payment_date,
        appearance: invoice.appearance.clone(),
        source: Some("XML".into()),
        delivery_date: invoice.delivery_date,
        currency: Some(spec.currency.clone()),
        net_amount: Some(net),
        net_amount_huf: Some(net),
        vat_amount: Some(vat),
        vat_amount_huf: Some(vat),
        transaction_id: Some(format!("TX{}", spec.number.len())),
        index: Some(1),
        original_invoice_number: modification
            .as_ref()
            .map(|m| m.original_invoice_number.clone()),
        modification_index: modification.as_ref().map(|m| m.modification_index),
        ins_date: ins_date(spec.issue_date),
        completeness_indicator: Some(false),
    };
    let document = DocumentRef {
        key: navsync_domain::archive::document_key(&key, spec.issue_date),
        sha256: "0".repeat(64),
        size: 1234,
    };
    InvoiceRecord {
        key,
        digest,
        invoice,
        document,
        electronic_invoice_hash: None,
    }
}

/// A deterministic mix over two taxpayers and both directions: dates across three months,
/// several partners (one without a tax number), currencies, categories, payment methods,
/// operations, amounts, numbers with shared prefixes and with `/`, `#` and accents.
pub fn varied(a: TaxpayerId, b: TaxpayerId) -> Vec<InvoiceRecord> {
    let partners = [
        (Some(taxpayer(2_000_001)), Some("Alfa Kft.")),
        (Some(taxpayer(2_000_002)), Some("BÉTA Zrt.")),
        (Some(taxpayer(2_000_003)), Some("Gamma és Társa Bt.")),
        (None, Some("Kovács Éva")),
        (Some(taxpayer(2_000_004)), None),
    ];
    let currencies = ["HUF", "EUR", "HUF", "USD"];
    let categories = [
        InvoiceCategory::Normal,
        InvoiceCategory::Simplified,
        InvoiceCategory::Aggregate,
    ];
    let methods = [
        Some(PaymentMethod::Transfer),
        Some(PaymentMethod::Cash),
        Some(PaymentMethod::Card),
        None,
    ];
    let mut out = Vec::new();
    for (t, tp) in [a, b].into_iter().enumerate() {
        for direction in Direction::BOTH {
            for i in 0u32..36 {
                let seed = i * 7 + t as u32 * 3 + direction as u32;
                let (partner, name) = partners[(seed % 5) as usize];
                if direction == Direction::Inbound && partner.is_none() {
                    continue; // a supplier always has a tax number
                }
                let prefix = ["SZ-2024/", "SZ-2024/1", "INV#", "Számla-"][(i % 4) as usize];
                let mut spec = Spec::new(tp, direction, &format!("{prefix}{i:03}"));
                spec.partner = partner;
                spec.partner_name = name.map(str::to_owned);
                spec.issue_date = NaiveDate::from_ymd_opt(2024, 1 + seed % 3, 1 + (seed * 5) % 28)
                    .expect("valid date");
                spec.currency = currencies[(seed % 4) as usize].into();
                spec.category = categories[(seed % 3) as usize];
                spec.payment_method = methods[(seed % 4) as usize];
                spec.gross_huf = Decimal::new(i64::from(seed % 11) * 1_000_050 + 99, 2);
                if i % 9 == 5 {
                    spec.operation = InvoiceOperation::Modify;
                    spec.modifies = Some((format!("{prefix}000"), 1));
                } else if i % 9 == 7 {
                    spec.operation = InvoiceOperation::Storno;
                    spec.modifies = Some((format!("{prefix}000"), 2));
                }
                if i == 11 {
                    spec.batch_index = Some(2);
                }
                out.push(record(&spec));
            }
        }
    }
    out
}
