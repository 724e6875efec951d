//! What the API asks the invoice store: one taxpayer's invoices, filtered, sorted, paged.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::invoice::{
    Direction, InvoiceCategory, InvoiceKey, InvoiceNumber, InvoiceOperation, InvoiceRecord,
    PaymentMethod, Totals,
};
use crate::tax_number::TaxpayerId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// By issue date, latest first (ties by invoice number, descending).
    #[default]
    NewestFirst,
    OldestFirst,
}

/// A search over one taxpayer's invoices in one direction. Every filter is optional and they
/// combine with AND.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceQuery {
    pub taxpayer: TaxpayerId,
    pub direction: Direction,
    pub issue_date_from: Option<NaiveDate>,
    pub issue_date_to: Option<NaiveDate>,
    pub partner_tax_number: Option<TaxpayerId>,
    /// Case-insensitive substring of the partner's name.
    pub partner_name: Option<String>,
    pub invoice_number_prefix: Option<String>,
    /// Inclusive bounds on the gross total in HUF.
    pub min_gross_huf: Option<Decimal>,
    pub max_gross_huf: Option<Decimal>,
    pub currency: Option<String>,
    pub category: Option<InvoiceCategory>,
    pub payment_method: Option<PaymentMethod>,
    pub operation: Option<InvoiceOperation>,
    pub order: SortOrder,
    /// 1 to [`InvoiceQuery::MAX_LIMIT`].
    pub limit: u32,
    /// Opaque; from the previous page's `next_cursor` of the same query.
    pub cursor: Option<String>,
}

impl InvoiceQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 1000;

    pub fn new(taxpayer: TaxpayerId, direction: Direction) -> Self {
        Self {
            taxpayer,
            direction,
            issue_date_from: None,
            issue_date_to: None,
            partner_tax_number: None,
            partner_name: None,
            invoice_number_prefix: None,
            min_gross_huf: None,
            max_gross_huf: None,
            currency: None,
            category: None,
            payment_method: None,
            operation: None,
            order: SortOrder::default(),
            limit: Self::DEFAULT_LIMIT,
            cursor: None,
        }
    }

    /// Whether `record` passes every filter (not the cursor). Stores that cannot express a
    /// filter natively apply this to what they read, so all stores agree on what matches.
    pub fn matches(&self, record: &InvoiceRecord) -> bool {
        let s = InvoiceSummary::from(record);
        s.key.taxpayer == self.taxpayer
            && s.key.id.direction == self.direction
            && self.issue_date_from.is_none_or(|d| s.issue_date >= d)
            && self.issue_date_to.is_none_or(|d| s.issue_date <= d)
            && self
                .partner_tax_number
                .is_none_or(|t| s.partner_tax_number == Some(t))
            && self.partner_name.as_deref().is_none_or(|n| {
                s.partner_name
                    .as_deref()
                    .is_some_and(|p| p.to_lowercase().contains(&n.to_lowercase()))
            })
            && self
                .invoice_number_prefix
                .as_deref()
                .is_none_or(|p| s.key.id.invoice_number.as_str().starts_with(p))
            && self.min_gross_huf.is_none_or(|m| s.totals.gross_huf >= m)
            && self.max_gross_huf.is_none_or(|m| s.totals.gross_huf <= m)
            && self.currency.as_deref().is_none_or(|c| s.currency == c)
            && self.category.is_none_or(|c| s.category == c)
            && self
                .payment_method
                .is_none_or(|p| s.payment_method == Some(p))
            && self.operation.is_none_or(|o| s.operation == o)
    }
}

/// One row of a listing: enough to show and filter an invoice without its lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    pub key: InvoiceKey,
    pub operation: InvoiceOperation,
    pub category: InvoiceCategory,
    pub issue_date: NaiveDate,
    pub partner_tax_number: Option<TaxpayerId>,
    pub partner_name: Option<String>,
    pub currency: String,
    pub payment_method: Option<crate::invoice::PaymentMethod>,
    pub original_invoice_number: Option<InvoiceNumber>,
    pub totals: Totals,
}

impl From<&InvoiceRecord> for InvoiceSummary {
    fn from(r: &InvoiceRecord) -> Self {
        let partner = r.partner();
        Self {
            key: r.key.clone(),
            operation: r.digest.operation,
            category: r.invoice.category,
            issue_date: r.invoice.issue_date,
            partner_tax_number: partner.tax_number.as_ref().map(|t| t.taxpayer_id),
            partner_name: partner.name.clone(),
            currency: r.invoice.currency.clone(),
            payment_method: r.invoice.payment_method,
            original_invoice_number: r
                .invoice
                .modification
                .as_ref()
                .map(|m| m.original_invoice_number.clone()),
            totals: r.invoice.totals.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoicePage {
    pub items: Vec<InvoiceSummary>,
    pub next_cursor: Option<String>,
    /// The number of matches, where the store can count them cheaply.
    pub total: Option<u64>,
}

/// `matches` is the oracle every store's search is held to, so its meaning is pinned here by
/// hand, not derived from the code.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{OWN, PARTNER, huf, record, taxpayer};

    fn query(direction: Direction) -> InvoiceQuery {
        InvoiceQuery::new(taxpayer(OWN), direction)
    }

    fn date(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2024, 5, d)
    }

    #[test]
    fn no_filter_matches_the_taxpayers_invoices_of_that_direction_only() {
        let r = record(Direction::Outbound, "SZ/1");
        assert!(query(Direction::Outbound).matches(&r));
        assert!(!query(Direction::Inbound).matches(&r));
        assert!(!InvoiceQuery::new(taxpayer("12345676"), Direction::Outbound).matches(&r));
    }

    #[test]
    fn partner_name_is_a_case_insensitive_substring_with_hungarian_letters() {
        let r = record(Direction::Outbound, "SZ/1"); // "Árvíztűrő Tükörfúrógép Kft."
        for (needle, expected) in [
            ("árvíztűrő", true),
            ("ÁRVÍZTŰRŐ", true),
            ("tükörfúrógép kft", true),
            ("TŰRŐ TÜK", true),
            ("arvizturo", false), // no accent folding
            ("Kft. ", false),
            ("Saját", false), // our own name, not the partner's
        ] {
            let q = InvoiceQuery {
                partner_name: Some(needle.into()),
                ..query(Direction::Outbound)
            };
            assert_eq!(q.matches(&r), expected, "{needle:?}");
        }
    }

    #[test]
    fn the_partner_is_the_customer_outbound_and_the_supplier_inbound() {
        let mut inbound = record(Direction::Inbound, "B-7");
        inbound.invoice.customer.name = Some("Vevő Bt.".into());
        inbound.invoice.supplier.name = Some("Szállító Kft.".into());
        let by_name = |n: &str| InvoiceQuery {
            partner_name: Some(n.into()),
            ..query(Direction::Inbound)
        };
        assert!(by_name("szállító").matches(&inbound));
        assert!(!by_name("vevő").matches(&inbound));
        let by_tax_number = |t: &str| InvoiceQuery {
            partner_tax_number: Some(taxpayer(t)),
            ..query(Direction::Inbound)
        };
        assert!(by_tax_number(PARTNER).matches(&inbound));
        assert!(!by_tax_number(OWN).matches(&inbound));

        let mut nameless = record(Direction::Outbound, "SZ/2");
        nameless.invoice.customer.name = None;
        assert!(
            !InvoiceQuery {
                partner_name: Some("a".into()),
                ..query(Direction::Outbound)
            }
            .matches(&nameless)
        );
    }

    #[test]
    fn invoice_number_is_a_case_sensitive_prefix() {
        let r = record(Direction::Outbound, "SZ/2024/0012");
        for (prefix, expected) in [
            ("SZ/2024/", true),
            ("SZ/2024/0012", true),
            ("", true),
            ("sz/2024/", false),
            ("2024/0012", false),
            ("SZ/2024/00123", false),
        ] {
            let q = InvoiceQuery {
                invoice_number_prefix: Some(prefix.into()),
                ..query(Direction::Outbound)
            };
            assert_eq!(q.matches(&r), expected, "{prefix:?}");
        }
    }

    #[test]
    fn issue_date_and_gross_bounds_are_inclusive() {
        let r = record(Direction::Outbound, "SZ/1"); // issued 2024-05-10, 1,270 HUF gross
        let dated = |from, to| InvoiceQuery {
            issue_date_from: date(from),
            issue_date_to: date(to),
            ..query(Direction::Outbound)
        };
        assert!(dated(10, 10).matches(&r));
        assert!(dated(1, 10).matches(&r));
        assert!(!dated(11, 31).matches(&r));
        assert!(!dated(1, 9).matches(&r));

        let priced = |min: i64, max: i64| InvoiceQuery {
            min_gross_huf: Some(huf(min).gross_huf),
            max_gross_huf: Some(huf(max).gross_huf),
            ..query(Direction::Outbound)
        };
        assert!(priced(1270, 1270).matches(&r));
        assert!(!priced(1271, 5000).matches(&r));
        assert!(!priced(0, 1269).matches(&r));
    }

    #[test]
    fn currency_category_payment_and_operation_match_exactly() {
        let mut r = record(Direction::Outbound, "SZ/1");
        r.invoice.currency = "EUR".into();
        let q = |f: fn(&mut InvoiceQuery)| {
            let mut q = query(Direction::Outbound);
            f(&mut q);
            q
        };
        assert!(q(|q| q.currency = Some("EUR".into())).matches(&r));
        assert!(!q(|q| q.currency = Some("eur".into())).matches(&r));
        assert!(!q(|q| q.currency = Some("HUF".into())).matches(&r));
        assert!(q(|q| q.category = Some(InvoiceCategory::Normal)).matches(&r));
        assert!(!q(|q| q.category = Some(InvoiceCategory::Simplified)).matches(&r));
        assert!(q(|q| q.payment_method = Some(PaymentMethod::Transfer)).matches(&r));
        assert!(!q(|q| q.payment_method = Some(PaymentMethod::Cash)).matches(&r));
        assert!(q(|q| q.operation = Some(InvoiceOperation::Create)).matches(&r));
        assert!(!q(|q| q.operation = Some(InvoiceOperation::Storno)).matches(&r));
        r.invoice.payment_method = None;
        assert!(!q(|q| q.payment_method = Some(PaymentMethod::Transfer)).matches(&r));
    }
}
