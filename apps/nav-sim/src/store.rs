//! The simulator's invoice registry and NAV's query rules over it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use navsync_domain::{Direction, Invoice, InvoiceDigest, InvoiceOperation, TaxpayerId, VatStatus};

use crate::invoice_xml::invoice_document;
use crate::request::{ChainQuery, DigestQuery, Mandatory, NumberQuery, QueryOperator};

pub const PAGE_SIZE: usize = 100;
const MAX_DAYS: i64 = 35;

/// One invoice as NAV holds it: the parsed invoice, how and when it was reported, its document.
#[derive(Debug, Clone)]
pub struct StoredInvoice {
    pub invoice: Invoice,
    pub operation: InvoiceOperation,
    pub ins_date: DateTime<Utc>,
    pub ins_cus_user: String,
    pub transaction_id: String,
    pub index: u32,
    /// Reported gzip-compressed, so `queryInvoiceData` returns it compressed.
    pub compressed: bool,
    pub original_request_version: String,
    /// The document as reported; all parts of a batch document share it. `None` for a
    /// generated invoice: its document is written from `invoice` when asked for, which gives
    /// the same bytes every time and keeps 10,000 invoices small.
    pub document: Option<Arc<Vec<u8>>>,
    /// NAV lists (and serves) this report only once this many digest queries were answered:
    /// a resubmission, received after the report it replaces.
    pub listed_after: u64,
    /// Technically annulled once this many digest queries were answered: still listed (NAV's
    /// digests keep annulled reports, nav-gov-hu/Online-Invoice #333), no longer served.
    pub annulled_after: Option<u64>,
}

impl StoredInvoice {
    /// Whether NAV has this report, `answered` digest queries in.
    pub fn listed(&self, answered: u64) -> bool {
        answered >= self.listed_after
    }

    /// Whether this report is a valid one (listed and not technically annulled), the only
    /// kind `queryInvoiceData` and `queryInvoiceCheck` find.
    pub fn valid(&self, answered: u64) -> bool {
        self.listed(answered) && self.annulled_after.is_none_or(|a| answered < a)
    }

    pub fn document(&self) -> Arc<Vec<u8>> {
        self.document
            .clone()
            .unwrap_or_else(|| Arc::new(invoice_document(&self.invoice).into_bytes()))
    }

    pub fn supplier_id(&self) -> Option<TaxpayerId> {
        self.invoice
            .supplier
            .tax_number
            .as_ref()
            .map(|t| t.taxpayer_id)
    }

    pub fn customer_id(&self) -> Option<TaxpayerId> {
        self.invoice
            .customer
            .tax_number
            .as_ref()
            .map(|t| t.taxpayer_id)
    }

    /// Is `taxpayer` on the side of the invoice that `direction` searches?
    pub fn visible_to(&self, taxpayer: TaxpayerId, direction: Direction) -> bool {
        match direction {
            Direction::Outbound => self.supplier_id() == Some(taxpayer),
            Direction::Inbound => self.customer_id() == Some(taxpayer),
        }
    }

    pub fn digest(&self) -> InvoiceDigest {
        let inv = &self.invoice;
        let private = inv.customer.vat_status == Some(VatStatus::PrivatePerson);
        InvoiceDigest {
            invoice_number: inv.invoice_number.clone(),
            batch_index: inv.batch_index,
            operation: self.operation,
            category: inv.category,
            issue_date: inv.issue_date,
            supplier_tax_number: self.supplier_id().unwrap_or_else(placeholder_id),
            supplier_group_member_tax_number: inv
                .supplier
                .group_member_tax_number
                .as_ref()
                .map(|t| t.taxpayer_id),
            supplier_name: inv.supplier.name.clone().unwrap_or_else(|| "-".into()),
            customer_tax_number: self.customer_id(),
            customer_group_member_tax_number: inv
                .customer
                .group_member_tax_number
                .as_ref()
                .map(|t| t.taxpayer_id),
            customer_name: if private {
                None
            } else {
                inv.customer.name.clone()
            },
            payment_method: inv.payment_method,
            payment_date: inv.payment_date,
            appearance: inv.appearance.clone(),
            source: Some("XML".into()),
            delivery_date: inv.delivery_date,
            currency: Some(inv.currency.clone()),
            net_amount: Some(inv.totals.net),
            net_amount_huf: Some(inv.totals.net_huf),
            vat_amount: Some(inv.totals.vat),
            vat_amount_huf: Some(inv.totals.vat_huf),
            transaction_id: Some(self.transaction_id.clone()),
            index: Some(self.index),
            original_invoice_number: inv
                .modification
                .as_ref()
                .map(|m| m.original_invoice_number.clone()),
            modification_index: inv.modification.as_ref().map(|m| m.modification_index),
            ins_date: self.ins_date,
            completeness_indicator: Some(inv.completeness_indicator),
        }
    }

    fn partner(&self, direction: Direction) -> &navsync_domain::Party {
        match direction {
            Direction::Outbound => &self.invoice.customer,
            Direction::Inbound => &self.invoice.supplier,
        }
    }
}

fn placeholder_id() -> TaxpayerId {
    "00000000".parse().expect("zeros pass the check digit")
}

/// A NAV errorCode for a query NAV would refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    Overlap,
    RangeExceeded,
    EqNotStandalone,
    OperatorCollision,
    SupplierNotExpected,
    SupplierExpected,
    MultipleResults,
}

impl QueryError {
    pub fn code(self) -> &'static str {
        match self {
            QueryError::Overlap => "BAD_QUERY_PARAM_OVERLAP",
            QueryError::RangeExceeded => "BAD_QUERY_PARAM_RANGE_EXCEEDED",
            QueryError::EqNotStandalone => "BAD_QUERY_PARAM_EQ_NOT_STANDALONE",
            QueryError::OperatorCollision => "BAD_QUERY_PARAM_OPERATOR_COLLISION",
            QueryError::SupplierNotExpected => "BAD_QUERY_PARAM_SUPPLIER_NOT_EXPECTED",
            QueryError::SupplierExpected => "BAD_QUERY_PARAM_SUPPLIER_EXPECTED",
            QueryError::MultipleResults => "MULTIPLE_QUERY_RESULT_FOUND",
        }
    }

    /// NAV's English message for the code (messages_en_public.properties).
    pub fn message(self) -> &'static str {
        match self {
            QueryError::Overlap => "Date overlapping is not allowed in the query parameters.",
            QueryError::RangeExceeded => {
                "Date interval defined by the query parameters must not exceed 35 days."
            }
            QueryError::EqNotStandalone => {
                "Equals operator provided in query parameters must be standalone."
            }
            QueryError::OperatorCollision => {
                "Query parameters must not contain the same kind of relational operators."
            }
            QueryError::SupplierNotExpected => {
                "The query parameter of the supplier tax number is only usable in case of querying as customer!"
            }
            QueryError::SupplierExpected => {
                "The queried invoice has multiple result, supplier tax number query parameter is required!"
            }
            QueryError::MultipleResults => {
                "The queried invoice occurs more than once as valid invoice in the system."
            }
        }
    }
}

/// One page of results and the number of pages.
pub struct Page<'a> {
    pub current: u32,
    pub available: u32,
    pub items: Vec<&'a StoredInvoice>,
}

/// Every invoice, kept in NAV's listing order: `insDate`, then invoice number and batch index.
#[derive(Default)]
pub struct Store {
    invoices: Vec<StoredInvoice>,
    /// Positions in `invoices` by invoice number, for the per-invoice queries a sync makes
    /// once per invoice.
    by_number: std::collections::HashMap<String, Vec<usize>>,
}

impl Store {
    pub fn len(&self) -> usize {
        self.invoices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.invoices.is_empty()
    }

    pub fn all(&self) -> &[StoredInvoice] {
        &self.invoices
    }

    pub fn insert(&mut self, items: impl IntoIterator<Item = StoredInvoice>) {
        self.invoices.extend(items);
        self.invoices.sort_by(|a, b| {
            (
                a.ins_date,
                a.invoice.invoice_number.as_str(),
                a.invoice.batch_index,
            )
                .cmp(&(
                    b.ins_date,
                    b.invoice.invoice_number.as_str(),
                    b.invoice.batch_index,
                ))
        });
        self.by_number.clear();
        for (i, s) in self.invoices.iter().enumerate() {
            self.by_number
                .entry(s.invoice.invoice_number.to_string())
                .or_default()
                .push(i);
        }
    }

    pub fn digest(&self, user: TaxpayerId, q: &DigestQuery) -> Result<Page<'_>, QueryError> {
        self.digest_listed(user, q, |_| true)
    }

    /// [`Store::digest`] over the invoices `listed` lets NAV list now (the late-listing
    /// drills); paging counts only those.
    pub fn digest_listed(
        &self,
        user: TaxpayerId,
        q: &DigestQuery,
        listed: impl Fn(&StoredInvoice) -> bool,
    ) -> Result<Page<'_>, QueryError> {
        validate_digest(q)?;
        let matching: Vec<&StoredInvoice> = self
            .invoices
            .iter()
            .filter(|s| s.visible_to(user, q.direction) && matches(s, q) && listed(s))
            .collect();
        Ok(page(matching, q.page))
    }

    /// The invoices `queryInvoiceData`/`queryInvoiceCheck` would find, before NAV's
    /// "exactly one" rule.
    pub fn by_number(
        &self,
        user: TaxpayerId,
        q: &NumberQuery,
    ) -> Result<Vec<&StoredInvoice>, QueryError> {
        if q.direction == Direction::Outbound && q.supplier_tax_number.is_some() {
            return Err(QueryError::SupplierNotExpected);
        }
        let found: Vec<&StoredInvoice> = self
            .by_number
            .get(&q.invoice_number)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|i| &self.invoices[*i])
            .filter(|s| {
                s.visible_to(user, q.direction)
                    && s.invoice.invoice_number.as_str() == q.invoice_number
                    && (q.batch_index.is_none() || s.invoice.batch_index == q.batch_index)
                    && q.supplier_tax_number
                        .as_deref()
                        .is_none_or(|t| s.supplier_id().is_some_and(|id| id.as_str() == t))
            })
            .collect();
        // A batch document holds several invoices under one number; asking without a batch
        // index means the document, so it counts once.
        let suppliers: std::collections::BTreeSet<_> =
            found.iter().map(|s| s.supplier_id()).collect();
        if q.direction == Direction::Inbound && suppliers.len() > 1 {
            return Err(QueryError::SupplierExpected);
        }
        Ok(found)
    }

    pub fn chain(&self, user: TaxpayerId, q: &ChainQuery) -> Page<'_> {
        let mut items: Vec<&StoredInvoice> = self
            .invoices
            .iter()
            .filter(|s| {
                s.visible_to(user, q.direction)
                    && (s.invoice.invoice_number.as_str() == q.invoice_number
                        || s.invoice.modification.as_ref().is_some_and(|m| {
                            m.original_invoice_number.as_str() == q.invoice_number
                        }))
                    && q.tax_number.as_deref().is_none_or(|t| {
                        let partner = match q.direction {
                            Direction::Outbound => s.customer_id(),
                            Direction::Inbound => s.supplier_id(),
                        };
                        partner.is_some_and(|id| id.as_str() == t)
                    })
            })
            .collect();
        items.sort_by_key(|s| {
            (
                s.invoice
                    .modification
                    .as_ref()
                    .map_or(0, |m| m.modification_index),
                s.ins_date,
            )
        });
        page(items, q.page)
    }
}

fn page(items: Vec<&StoredInvoice>, requested: u32) -> Page<'_> {
    let available = items.len().div_ceil(PAGE_SIZE) as u32;
    let start = (requested.max(1) as usize - 1).saturating_mul(PAGE_SIZE);
    let items = items.into_iter().skip(start).take(PAGE_SIZE).collect();
    Page {
        current: requested,
        available,
        items,
    }
}

fn validate_digest(q: &DigestQuery) -> Result<(), QueryError> {
    match q.mandatory {
        Mandatory::IssueDate(from, to) => {
            if from > to {
                return Err(QueryError::Overlap);
            }
            if to - from > Duration::days(MAX_DAYS) {
                return Err(QueryError::RangeExceeded);
            }
        }
        Mandatory::InsDate(from, to) => {
            if from > to {
                return Err(QueryError::Overlap);
            }
            if to - from > Duration::days(MAX_DAYS) {
                return Err(QueryError::RangeExceeded);
            }
        }
        Mandatory::OriginalInvoiceNumber(_) => {}
    }
    for ops in q.relational.operator_sets() {
        if ops.len() == 2 {
            if ops.contains(&QueryOperator::Eq) {
                return Err(QueryError::EqNotStandalone);
            }
            let lower = |o: &QueryOperator| matches!(o, QueryOperator::Gt | QueryOperator::Gte);
            if lower(&ops[0]) == lower(&ops[1]) {
                return Err(QueryError::OperatorCollision);
            }
        }
    }
    Ok(())
}

/// Every relational condition holds for the value; a missing value meets no condition.
fn all<T: PartialOrd>(conds: &[(QueryOperator, T)], value: Option<T>) -> bool {
    match value {
        None => conds.is_empty(),
        Some(v) => conds.iter().all(|(op, want)| op.holds(&v, want)),
    }
}

fn matches(s: &StoredInvoice, q: &DigestQuery) -> bool {
    let inv = &s.invoice;
    let mandatory = match &q.mandatory {
        Mandatory::IssueDate(from, to) => (*from..=*to).contains(&inv.issue_date),
        Mandatory::InsDate(from, to) => (*from..=*to).contains(&s.ins_date),
        Mandatory::OriginalInvoiceNumber(n) => {
            inv.invoice_number.as_str() == n
                || inv
                    .modification
                    .as_ref()
                    .is_some_and(|m| m.original_invoice_number.as_str() == n)
        }
    };
    if !mandatory {
        return false;
    }
    let a = &q.additional;
    let partner = s.partner(q.direction);
    let eq =
        |want: &Option<String>, have: Option<&str>| want.as_deref().is_none_or(|w| have == Some(w));
    let partner_id = partner
        .tax_number
        .as_ref()
        .map(|t| t.taxpayer_id.to_string());
    let partner_group = partner
        .group_member_tax_number
        .as_ref()
        .map(|t| t.taxpayer_id.to_string());
    let name_ok = a.name.as_deref().is_none_or(|n| {
        partner
            .name
            .as_deref()
            .is_some_and(|p| p.to_uppercase().starts_with(&n.to_uppercase()))
    });
    if !(eq(&a.tax_number, partner_id.as_deref())
        && eq(&a.group_member_tax_number, partner_group.as_deref())
        && name_ok
        && eq(&a.category, Some(inv.category.as_str()))
        && eq(&a.payment_method, inv.payment_method.map(|p| p.as_str()))
        && eq(&a.appearance, inv.appearance.as_deref())
        && eq(&a.source, Some("XML"))
        && eq(&a.currency, Some(inv.currency.as_str())))
    {
        return false;
    }
    let r = &q.relational;
    let t = &inv.totals;
    if !(all(&r.delivery, inv.delivery_date)
        && all(&r.payment_date, inv.payment_date)
        && all(&r.net, Some(t.net))
        && all(&r.net_huf, Some(t.net_huf))
        && all(&r.vat, Some(t.vat))
        && all(&r.vat_huf, Some(t.vat_huf)))
    {
        return false;
    }
    q.transaction.as_ref().is_none_or(|tq| {
        tq.transaction_id == s.transaction_id
            && tq.index.is_none_or(|i| i == s.index)
            && tq.operation.is_none_or(|o| o == s.operation)
    })
}
