//! Records for the domain's own unit tests: a plain HUF original of 1,270 gross, which each
//! test changes only where its expectation depends on it.

use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::invoice::*;
use crate::tax_number::{TaxNumber, TaxpayerId};

pub(crate) const OWN: &str = "11111111";
pub(crate) const PARTNER: &str = "99999999";

pub(crate) fn taxpayer(id: &str) -> TaxpayerId {
    id.parse().expect("a valid tax number")
}

pub(crate) fn huf(gross: i64) -> Totals {
    let gross = Decimal::new(gross, 0);
    let net = (gross / Decimal::new(127, 2)).round_dp(2);
    Totals {
        net,
        net_huf: net,
        vat: gross - net,
        vat_huf: gross - net,
        gross,
        gross_huf: gross,
    }
}

/// `number`, issued 2024-05-10 by OWN to PARTNER (OUTBOUND) or by PARTNER to OWN (INBOUND),
/// partner named "Árvíztűrő Tükörfúrógép Kft.", paid by transfer.
pub(crate) fn record(direction: Direction, number: &str) -> InvoiceRecord {
    let issue_date = NaiveDate::from_ymd_opt(2024, 5, 10).unwrap();
    let party = |id: &str, name: &str| Party {
        name: Some(name.into()),
        tax_number: Some(TaxNumber::new(taxpayer(id), Some(2), Some("41".into())).unwrap()),
        ..Party::default()
    };
    let own = party(OWN, "Saját Cég Zrt.");
    let partner = party(PARTNER, "Árvíztűrő Tükörfúrógép Kft.");
    let (supplier, customer, supplier_id) = match direction {
        Direction::Outbound => (own, partner, OWN),
        Direction::Inbound => (partner, own, PARTNER),
    };
    let invoice_number: InvoiceNumber = number.parse().unwrap();
    let totals = huf(1270);
    InvoiceRecord {
        key: InvoiceKey {
            taxpayer: taxpayer(OWN),
            id: InvoiceId {
                direction,
                supplier_tax_number: taxpayer(supplier_id),
                invoice_number: invoice_number.clone(),
                batch_index: None,
            },
        },
        digest: InvoiceDigest {
            invoice_number: invoice_number.clone(),
            batch_index: None,
            operation: InvoiceOperation::Create,
            category: InvoiceCategory::Normal,
            issue_date,
            supplier_tax_number: taxpayer(supplier_id),
            supplier_group_member_tax_number: None,
            supplier_name: supplier.name.clone().unwrap(),
            customer_tax_number: customer.tax_number.as_ref().map(|t| t.taxpayer_id),
            customer_group_member_tax_number: None,
            customer_name: customer.name.clone(),
            payment_method: Some(PaymentMethod::Transfer),
            payment_date: None,
            appearance: None,
            source: None,
            delivery_date: None,
            currency: Some("HUF".into()),
            net_amount: Some(totals.net),
            net_amount_huf: Some(totals.net_huf),
            vat_amount: Some(totals.vat),
            vat_amount_huf: Some(totals.vat_huf),
            transaction_id: None,
            index: None,
            original_invoice_number: None,
            modification_index: None,
            ins_date: Utc.with_ymd_and_hms(2024, 5, 10, 9, 0, 0).unwrap(),
            completeness_indicator: None,
        },
        invoice: Invoice {
            schema_version: SchemaVersion::V3,
            invoice_number,
            batch_index: None,
            issue_date,
            completeness_indicator: false,
            category: InvoiceCategory::Normal,
            supplier,
            customer,
            delivery_date: None,
            delivery_period: None,
            payment_date: None,
            payment_method: Some(PaymentMethod::Transfer),
            currency: "HUF".into(),
            exchange_rate: Decimal::ONE,
            appearance: None,
            modification: None,
            lines: vec![],
            vat_summary: vec![],
            totals,
            warnings: Vec::new(),
        },
        document: DocumentRef {
            key: format!("{number}.xml"),
            sha256: "0".repeat(64),
            size: 1,
        },
        electronic_invoice_hash: None,
    }
}

/// A MODIFY or STORNO of `original` with modification index `index`, changing the totals by `gross` HUF.
pub(crate) fn modification(
    original: &str,
    number: &str,
    index: u32,
    operation: InvoiceOperation,
    gross: i64,
) -> InvoiceRecord {
    let mut r = record(Direction::Outbound, number);
    r.digest.operation = operation;
    r.digest.original_invoice_number = Some(original.parse().unwrap());
    r.digest.modification_index = Some(index);
    r.invoice.modification = Some(ModificationReference {
        original_invoice_number: original.parse().unwrap(),
        modification_index: index,
        modify_without_master: false,
    });
    r.invoice.totals = huf(gross);
    r
}
