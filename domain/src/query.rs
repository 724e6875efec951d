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
