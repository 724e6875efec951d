//! The query requests: their parameters as types, checked against the schema's facets, and
//! their XML. Only what the schema allows can be built; what NAV would refuse for a rule the
//! schema cannot express (e.g. a range over 35 days) is refused here too, with the reason.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use navsync_domain::{
    Direction, InvoiceCategory, InvoiceNumber, InvoiceOperation, NavCredentials, PaymentMethod,
    RequestId, TaxpayerId,
};
use quick_xml::escape::escape;
use rust_decimal::Decimal;

use super::auth::{format_timestamp, password_hash, request_signature};
use super::software::{Software, check_not_blank};

pub const API_NS: &str = "http://schemas.nav.gov.hu/OSA/3.0/api";
pub const COMMON_NS: &str = "http://schemas.nav.gov.hu/NTCA/1.0/common";
pub const REQUEST_VERSION: &str = "3.0";
pub const HEADER_VERSION: &str = "1.0";

/// NAV refuses `invoiceIssueDate`/`insDate` ranges longer than this (BAD_QUERY_PARAM_RANGE_EXCEEDED).
pub const MAX_QUERY_SPAN: TimeDelta = TimeDelta::days(35);

/// The query operations this client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    QueryInvoiceDigest,
    QueryInvoiceData,
    QueryInvoiceCheck,
    QueryInvoiceChainDigest,
    QueryTaxpayer,
}

impl Operation {
    pub const ALL: [Operation; 5] = [
        Operation::QueryInvoiceDigest,
        Operation::QueryInvoiceData,
        Operation::QueryInvoiceCheck,
        Operation::QueryInvoiceChainDigest,
        Operation::QueryTaxpayer,
    ];

    /// The resource name, as in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::QueryInvoiceDigest => "queryInvoiceDigest",
            Operation::QueryInvoiceData => "queryInvoiceData",
            Operation::QueryInvoiceCheck => "queryInvoiceCheck",
            Operation::QueryInvoiceChainDigest => "queryInvoiceChainDigest",
            Operation::QueryTaxpayer => "queryTaxpayer",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    fn request_root(self) -> &'static str {
        match self {
            Operation::QueryInvoiceDigest => "QueryInvoiceDigestRequest",
            Operation::QueryInvoiceData => "QueryInvoiceDataRequest",
            Operation::QueryInvoiceCheck => "QueryInvoiceCheckRequest",
            Operation::QueryInvoiceChainDigest => "QueryInvoiceChainDigestRequest",
            Operation::QueryTaxpayer => "QueryTaxpayerRequest",
        }
    }

    pub(crate) fn response_root(self) -> &'static str {
        match self {
            Operation::QueryInvoiceDigest => "QueryInvoiceDigestResponse",
            Operation::QueryInvoiceData => "QueryInvoiceDataResponse",
            Operation::QueryInvoiceCheck => "QueryInvoiceCheckResponse",
            Operation::QueryInvoiceChainDigest => "QueryInvoiceChainDigestResponse",
            Operation::QueryTaxpayer => "QueryTaxpayerResponse",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request NAV would refuse, or a parameter the schema does not allow; says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {operation} request: {reason}")]
pub struct InvalidRequest {
    pub operation: &'static str,
    pub reason: String,
}

/// `mandatoryQueryParams`: exactly one of the three kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MandatoryQuery {
    /// Issue date, both ends inclusive, at most 35 days apart.
    InvoiceIssueDate { from: NaiveDate, to: NaiveDate },
    /// NAV receipt time (UTC, millisecond precision), both ends inclusive, at most 35 days apart.
    InsDate {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Every invoice of the chain of this original invoice number.
    OriginalInvoiceNumber(InvoiceNumber),
}

/// `InvoiceAppearanceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceAppearance {
    Paper,
    Electronic,
    Edi,
    Unknown,
}

impl InvoiceAppearance {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paper => "PAPER",
            Self::Electronic => "ELECTRONIC",
            Self::Edi => "EDI",
            Self::Unknown => "UNKNOWN",
        }
    }
}

/// `SourceType`: how the data report reached NAV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Web,
    Xml,
    Mgm,
    Opg,
    Osz,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "WEB",
            Self::Xml => "XML",
            Self::Mgm => "MGM",
            Self::Opg => "OPG",
            Self::Osz => "OSZ",
        }
    }
}

/// `additionalQueryParams`. `tax_number`, `group_member_tax_number` and `name` match the
/// partner: the customer for OUTBOUND, the supplier for INBOUND.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdditionalQueryParams {
    pub tax_number: Option<TaxpayerId>,
    pub group_member_tax_number: Option<TaxpayerId>,
    /// Left-anchored, case-insensitive name match; at least 5 characters.
    pub name: Option<String>,
    pub invoice_category: Option<InvoiceCategory>,
    pub payment_method: Option<PaymentMethod>,
    pub invoice_appearance: Option<InvoiceAppearance>,
    pub source: Option<Source>,
    /// ISO 4217, three upper-case letters.
    pub currency: Option<String>,
}

/// `QueryOperatorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryOperator {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl QueryOperator {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "EQ",
            Self::Gt => "GT",
            Self::Gte => "GTE",
            Self::Lt => "LT",
            Self::Lte => "LTE",
        }
    }
}

/// One relational condition, e.g. `paymentDate GTE 2024-01-01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation<T> {
    pub operator: QueryOperator,
    pub value: T,
}

impl<T> Relation<T> {
    pub fn new(operator: QueryOperator, value: T) -> Self {
        Self { operator, value }
    }
}

/// `relationalQueryParams`: per field either one `EQ`, or one or two bounds (at most one
/// lower `GT`/`GTE` and one upper `LT`/`LTE`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RelationalQueryParams {
    pub invoice_delivery: Vec<Relation<NaiveDate>>,
    pub payment_date: Vec<Relation<NaiveDate>>,
    pub invoice_net_amount: Vec<Relation<Decimal>>,
    pub invoice_net_amount_huf: Vec<Relation<Decimal>>,
    pub invoice_vat_amount: Vec<Relation<Decimal>>,
    pub invoice_vat_amount_huf: Vec<Relation<Decimal>>,
}

/// `transactionQueryParams`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionQueryParams {
    pub transaction_id: String,
    /// 1..=100
    pub index: Option<u32>,
    pub invoice_operation: Option<InvoiceOperation>,
}

/// `invoiceQueryParams` of `queryInvoiceDigest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceQueryParams {
    pub mandatory: MandatoryQuery,
    pub additional: Option<AdditionalQueryParams>,
    pub relational: Option<RelationalQueryParams>,
    pub transaction: Option<TransactionQueryParams>,
}

impl From<MandatoryQuery> for InvoiceQueryParams {
    fn from(mandatory: MandatoryQuery) -> Self {
        Self {
            mandatory,
            additional: None,
            relational: None,
            transaction: None,
        }
    }
}

/// `invoiceNumberQuery` of `queryInvoiceData` and `queryInvoiceCheck`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceNumberQuery {
    pub invoice_number: InvoiceNumber,
    pub direction: Direction,
    /// The part of a batch-modification document; required for INBOUND queries of one.
    pub batch_index: Option<u32>,
    /// Only for INBOUND queries (NAV refuses it OUTBOUND); needed when several suppliers
    /// issued the same invoice number to the taxpayer.
    pub supplier_tax_number: Option<TaxpayerId>,
}

/// `invoiceChainQuery` of `queryInvoiceChainDigest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceChainQuery {
    /// The original invoice's number.
    pub invoice_number: InvoiceNumber,
    pub direction: Direction,
    /// The partner's tax number, to narrow the chain when the number is not unique.
    pub tax_number: Option<TaxpayerId>,
}

/// One query request, without the header/user/software blocks the client adds.
// One lives per call, briefly; boxing the digest parameters would only make building one clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryRequest {
    InvoiceDigest {
        page: u32,
        direction: Direction,
        params: InvoiceQueryParams,
    },
    InvoiceData(InvoiceNumberQuery),
    InvoiceCheck(InvoiceNumberQuery),
    InvoiceChainDigest {
        page: u32,
        query: InvoiceChainQuery,
    },
    Taxpayer(TaxpayerId),
}

fn min_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2010, 1, 1).expect("valid date")
}

impl QueryRequest {
    pub fn operation(&self) -> Operation {
        match self {
            QueryRequest::InvoiceDigest { .. } => Operation::QueryInvoiceDigest,
            QueryRequest::InvoiceData(_) => Operation::QueryInvoiceData,
            QueryRequest::InvoiceCheck(_) => Operation::QueryInvoiceCheck,
            QueryRequest::InvoiceChainDigest { .. } => Operation::QueryInvoiceChainDigest,
            QueryRequest::Taxpayer(_) => Operation::QueryTaxpayer,
        }
    }

    fn invalid(&self, reason: impl Into<String>) -> InvalidRequest {
        InvalidRequest {
            operation: self.operation().as_str(),
            reason: reason.into(),
        }
    }

    /// Checks every parameter against the schema and NAV's documented query rules.
    pub fn validate(&self) -> Result<(), InvalidRequest> {
        self.check().map_err(|reason| self.invalid(reason))
    }

    fn check(&self) -> Result<(), String> {
        match self {
            QueryRequest::InvoiceDigest { page, params, .. } => {
                check_page(*page)?;
                check_query_params(params)
            }
            QueryRequest::InvoiceData(q) | QueryRequest::InvoiceCheck(q) => {
                check_invoice_number("invoiceNumber", &q.invoice_number)?;
                check_index("batchIndex", q.batch_index, u32::MAX)?;
                if q.supplier_tax_number.is_some() && q.direction == Direction::Outbound {
                    return Err("supplierTaxNumber is only allowed for INBOUND queries".into());
                }
                Ok(())
            }
            QueryRequest::InvoiceChainDigest { page, query } => {
                check_page(*page)?;
                check_invoice_number("invoiceNumber", &query.invoice_number)
            }
            QueryRequest::Taxpayer(_) => Ok(()),
        }
    }

    /// The complete request document: header, user block with its hashes, software block and
    /// this query. The password and signing key go in only as hashes.
    pub fn to_xml(
        &self,
        credentials: &NavCredentials,
        software: &Software,
        request_id: &RequestId,
        timestamp: DateTime<Utc>,
    ) -> Result<String, InvalidRequest> {
        self.validate()?;
        check_login(&credentials.login).map_err(|r| self.invalid(r))?;
        let root = self.operation().request_root();
        let mut x = String::with_capacity(2048);
        x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = write!(x, r#"<{root} xmlns="{API_NS}" xmlns:common="{COMMON_NS}">"#);
        x.push_str("<common:header>");
        el(&mut x, "common:requestId", request_id.as_str());
        el(&mut x, "common:timestamp", &format_timestamp(timestamp));
        el(&mut x, "common:requestVersion", REQUEST_VERSION);
        el(&mut x, "common:headerVersion", HEADER_VERSION);
        x.push_str("</common:header><common:user>");
        el(&mut x, "common:login", &credentials.login);
        let _ = write!(
            x,
            r#"<common:passwordHash cryptoType="SHA-512">{}</common:passwordHash>"#,
            password_hash(credentials.password.expose())
        );
        el(&mut x, "common:taxNumber", credentials.tax_number.as_str());
        let _ = write!(
            x,
            r#"<common:requestSignature cryptoType="SHA3-512">{}</common:requestSignature>"#,
            request_signature(
                request_id.as_str(),
                timestamp,
                credentials.sign_key.expose()
            )
        );
        x.push_str("</common:user>");
        write_software(&mut x, software);
        self.write_body(&mut x);
        let _ = write!(x, "</{root}>");
        Ok(x)
    }

    fn write_body(&self, x: &mut String) {
        match self {
            QueryRequest::InvoiceDigest {
                page,
                direction,
                params,
            } => {
                el(x, "page", &page.to_string());
                el(x, "invoiceDirection", direction.as_str());
                x.push_str("<invoiceQueryParams><mandatoryQueryParams>");
                match &params.mandatory {
                    MandatoryQuery::InvoiceIssueDate { from, to } => {
                        x.push_str("<invoiceIssueDate>");
                        el(x, "dateFrom", &from.to_string());
                        el(x, "dateTo", &to.to_string());
                        x.push_str("</invoiceIssueDate>");
                    }
                    MandatoryQuery::InsDate { from, to } => {
                        x.push_str("<insDate>");
                        el(x, "dateTimeFrom", &format_timestamp(*from));
                        el(x, "dateTimeTo", &format_timestamp(*to));
                        x.push_str("</insDate>");
                    }
                    MandatoryQuery::OriginalInvoiceNumber(n) => {
                        el(x, "originalInvoiceNumber", n.as_str())
                    }
                }
                x.push_str("</mandatoryQueryParams>");
                if let Some(a) = &params.additional {
                    x.push_str("<additionalQueryParams>");
                    opt_el(
                        x,
                        "taxNumber",
                        a.tax_number.as_ref().map(TaxpayerId::as_str),
                    );
                    opt_el(
                        x,
                        "groupMemberTaxNumber",
                        a.group_member_tax_number.as_ref().map(TaxpayerId::as_str),
                    );
                    opt_el(x, "name", a.name.as_deref());
                    opt_el(
                        x,
                        "invoiceCategory",
                        a.invoice_category.map(InvoiceCategory::as_str),
                    );
                    opt_el(
                        x,
                        "paymentMethod",
                        a.payment_method.map(PaymentMethod::as_str),
                    );
                    opt_el(
                        x,
                        "invoiceAppearance",
                        a.invoice_appearance.map(InvoiceAppearance::as_str),
                    );
                    opt_el(x, "source", a.source.map(Source::as_str));
                    opt_el(x, "currency", a.currency.as_deref());
                    x.push_str("</additionalQueryParams>");
                }
                if let Some(r) = &params.relational {
                    x.push_str("<relationalQueryParams>");
                    relations(x, "invoiceDelivery", &r.invoice_delivery, |d| d.to_string());
                    relations(x, "paymentDate", &r.payment_date, |d| d.to_string());
                    relations(
                        x,
                        "invoiceNetAmount",
                        &r.invoice_net_amount,
                        Decimal::to_string,
                    );
                    relations(
                        x,
                        "invoiceNetAmountHUF",
                        &r.invoice_net_amount_huf,
                        Decimal::to_string,
                    );
                    relations(
                        x,
                        "invoiceVatAmount",
                        &r.invoice_vat_amount,
                        Decimal::to_string,
                    );
                    relations(
                        x,
                        "invoiceVatAmountHUF",
                        &r.invoice_vat_amount_huf,
                        Decimal::to_string,
                    );
                    x.push_str("</relationalQueryParams>");
                }
                if let Some(t) = &params.transaction {
                    x.push_str("<transactionQueryParams>");
                    el(x, "transactionId", &t.transaction_id);
                    opt_el(x, "index", t.index.map(|i| i.to_string()).as_deref());
                    opt_el(
                        x,
                        "invoiceOperation",
                        t.invoice_operation.map(InvoiceOperation::as_str),
                    );
                    x.push_str("</transactionQueryParams>");
                }
                x.push_str("</invoiceQueryParams>");
            }
            QueryRequest::InvoiceData(q) | QueryRequest::InvoiceCheck(q) => {
                x.push_str("<invoiceNumberQuery>");
                el(x, "invoiceNumber", q.invoice_number.as_str());
                el(x, "invoiceDirection", q.direction.as_str());
                opt_el(
                    x,
                    "batchIndex",
                    q.batch_index.map(|i| i.to_string()).as_deref(),
                );
                opt_el(
                    x,
                    "supplierTaxNumber",
                    q.supplier_tax_number.as_ref().map(TaxpayerId::as_str),
                );
                x.push_str("</invoiceNumberQuery>");
            }
            QueryRequest::InvoiceChainDigest { page, query } => {
                el(x, "page", &page.to_string());
                x.push_str("<invoiceChainQuery>");
                el(x, "invoiceNumber", query.invoice_number.as_str());
                el(x, "invoiceDirection", query.direction.as_str());
                opt_el(
                    x,
                    "taxNumber",
                    query.tax_number.as_ref().map(TaxpayerId::as_str),
                );
                x.push_str("</invoiceChainQuery>");
            }
            QueryRequest::Taxpayer(tax_number) => el(x, "taxNumber", tax_number.as_str()),
        }
    }
}

fn write_software(x: &mut String, software: &Software) {
    let s = software.config();
    x.push_str("<software>");
    el(x, "softwareId", &s.software_id);
    el(x, "softwareName", &s.software_name);
    el(x, "softwareOperation", s.software_operation.as_str());
    el(x, "softwareMainVersion", &s.software_main_version);
    el(x, "softwareDevName", &s.software_dev_name);
    el(x, "softwareDevContact", &s.software_dev_contact);
    opt_el(
        x,
        "softwareDevCountryCode",
        s.software_dev_country_code.as_deref(),
    );
    opt_el(
        x,
        "softwareDevTaxNumber",
        s.software_dev_tax_number.as_deref(),
    );
    x.push_str("</software>");
}

fn el(x: &mut String, name: &str, value: &str) {
    let _ = write!(x, "<{name}>{}</{name}>", escape(value));
}

fn opt_el(x: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        el(x, name, v);
    }
}

fn relations<T>(x: &mut String, name: &str, rs: &[Relation<T>], show: impl Fn(&T) -> String) {
    for r in rs {
        let _ = write!(x, "<{name}>");
        el(x, "queryOperator", r.operator.as_str());
        el(x, "queryValue", &show(&r.value));
        let _ = write!(x, "</{name}>");
    }
}

fn check_login(login: &str) -> Result<(), String> {
    let ok = (6..=15).contains(&login.len()) && login.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        // The login is not a secret, but it is not echoed either: it may be a mistyped password.
        Err("the technical user's login must be 6 to 15 letters or digits".into())
    }
}

fn check_page(page: u32) -> Result<(), String> {
    if page == 0 || page > i32::MAX as u32 {
        return Err(format!("page {page} must be at least 1"));
    }
    Ok(())
}

fn check_index(field: &str, index: Option<u32>, max: u32) -> Result<(), String> {
    match index {
        Some(i) if i == 0 || i > max || i > i32::MAX as u32 => Err(format!(
            "{field} {i} must be 1 to {}",
            max.min(i32::MAX as u32)
        )),
        _ => Ok(()),
    }
}

fn check_invoice_number(field: &str, n: &InvoiceNumber) -> Result<(), String> {
    check_not_blank(n.as_str(), 50).map_err(|rule| format!("{field} {rule}"))
}

fn check_date(field: &str, d: NaiveDate) -> Result<(), String> {
    if d < min_date() || d.format("%Y").to_string().len() != 4 {
        return Err(format!(
            "{field} {d} must be a date from 2010-01-01 on, with a 4-digit year"
        ));
    }
    Ok(())
}

fn check_money(field: &str, v: Decimal) -> Result<(), String> {
    let n = v.normalize();
    let digits = n.mantissa().unsigned_abs().to_string().len() as u32;
    // totalDigits 18 counts the digits of the canonical value, fractionDigits 2 its decimals.
    if n.scale() > 2 || digits > 18 {
        return Err(format!(
            "{field} {v} must have at most 18 digits, 2 of them decimals"
        ));
    }
    Ok(())
}

fn check_span(field: &str, span: TimeDelta, overlap: bool) -> Result<(), String> {
    if overlap {
        return Err(format!("{field}: the start is after the end"));
    }
    if span > MAX_QUERY_SPAN {
        return Err(format!(
            "{field}: NAV allows at most 35 days between start and end"
        ));
    }
    Ok(())
}

fn check_query_params(p: &InvoiceQueryParams) -> Result<(), String> {
    match &p.mandatory {
        MandatoryQuery::InvoiceIssueDate { from, to } => {
            check_date("invoiceIssueDate/dateFrom", *from)?;
            check_date("invoiceIssueDate/dateTo", *to)?;
            check_span("invoiceIssueDate", *to - *from, from > to)?;
        }
        MandatoryQuery::InsDate { from, to } => {
            let min = min_date()
                .and_hms_opt(0, 0, 0)
                .expect("valid time")
                .and_utc();
            for (field, t) in [("insDate/dateTimeFrom", from), ("insDate/dateTimeTo", to)] {
                if *t < min || t.format("%Y").to_string().len() != 4 {
                    return Err(format!("{field} {t} must be from 2010-01-01T00:00:00Z on"));
                }
            }
            check_span("insDate", *to - *from, from > to)?;
        }
        MandatoryQuery::OriginalInvoiceNumber(n) => {
            check_invoice_number("originalInvoiceNumber", n)?
        }
    }
    if let Some(a) = &p.additional {
        if let Some(name) = &a.name {
            check_not_blank(name, 512).map_err(|rule| format!("name {rule}"))?;
            if name.chars().count() < 5 {
                return Err(
                    "name must be at least 5 characters (NAV matches it from the left)".into(),
                );
            }
        }
        if let Some(c) = &a.currency
            && !(c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(format!(
                "currency {c:?} must be three upper-case letters (ISO 4217)"
            ));
        }
    }
    if let Some(r) = &p.relational {
        check_relations("invoiceDelivery", &r.invoice_delivery, |d| {
            check_date("invoiceDelivery", *d)
        })?;
        check_relations("paymentDate", &r.payment_date, |d| {
            check_date("paymentDate", *d)
        })?;
        for (field, rs) in [
            ("invoiceNetAmount", &r.invoice_net_amount),
            ("invoiceNetAmountHUF", &r.invoice_net_amount_huf),
            ("invoiceVatAmount", &r.invoice_vat_amount),
            ("invoiceVatAmountHUF", &r.invoice_vat_amount_huf),
        ] {
            check_relations(field, rs, |v| check_money(field, *v))?;
        }
    }
    if let Some(t) = &p.transaction {
        let id_ok = (1..=30).contains(&t.transaction_id.len())
            && t.transaction_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'_');
        if !id_ok {
            return Err(
                "transactionId must be 1 to 30 characters of A-Z, a-z, 0-9, '+' or '_'".into(),
            );
        }
        check_index("transactionQueryParams/index", t.index, 100)?;
    }
    Ok(())
}

/// NAV's rules for a relational field (spec 1.8.6.1, 9): one `EQ` alone, or at most one lower
/// and one upper bound.
fn check_relations<T>(
    field: &str,
    rs: &[Relation<T>],
    check_value: impl Fn(&T) -> Result<(), String>,
) -> Result<(), String> {
    use QueryOperator::*;
    for r in rs {
        check_value(&r.value)?;
    }
    match rs {
        [] | [_] => Ok(()),
        [a, b] => {
            let lower = |o| matches!(o, Gt | Gte);
            let upper = |o| matches!(o, Lt | Lte);
            if a.operator == Eq || b.operator == Eq {
                Err(format!("{field}: EQ must stand alone"))
            } else if (lower(a.operator) && upper(b.operator))
                || (upper(a.operator) && lower(b.operator))
            {
                Ok(())
            } else {
                Err(format!("{field}: a range needs one GT/GTE and one LT/LTE"))
            }
        }
        _ => Err(format!("{field}: at most two conditions")),
    }
}
