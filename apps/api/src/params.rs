//! Query and path parameters: parsed by hand from the raw strings so that every bad value
//! becomes a 400 naming the parameter (axum's typed extractors would answer with their own
//! wording, or not name it). Unknown parameters are refused too: a misspelt filter would
//! otherwise silently widen a listing or an export.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use navsync_domain::query::{InvoiceQuery, SortOrder};
use navsync_domain::{
    Direction, InvoiceCategory, InvoiceId, InvoiceKey, InvoiceNumber, InvoiceOperation,
    PaymentMethod, TaxpayerId,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::dto::{CategoryDto, DirectionDto, OperationDto, PaymentMethodDto};
use crate::problem::Problem;

const DIRECTIONS: &[&str] = &["INBOUND", "OUTBOUND"];
const CATEGORIES: &[&str] = &["NORMAL", "SIMPLIFIED", "AGGREGATE"];
const PAYMENT_METHODS: &[&str] = &["TRANSFER", "CASH", "CARD", "VOUCHER", "OTHER"];
const OPERATIONS: &[&str] = &["CREATE", "MODIFY", "STORNO"];
const SORTS: &[&str] = &["newest_first", "oldest_first"];
const MAX_TEXT_CHARS: usize = 100;
const MAX_CURSOR_BYTES: usize = 4096;

/// The query string's parameters, each at most once, each one this endpoint knows, none empty
/// (leave a filter out rather than sending it blank).
#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, String>,
}

impl Params {
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Self, Problem> {
        let mut values = HashMap::new();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if !allowed.contains(&k.as_ref()) {
                return Err(Problem::invalid_parameter(
                    &k,
                    format!(
                        "unknown parameter {k:?}; this endpoint accepts {}",
                        allowed.join(", ")
                    ),
                )
                .with_code("unknown_parameter"));
            }
            if v.is_empty() {
                return Err(Problem::invalid_parameter(
                    &k,
                    format!("parameter {k:?} is empty; leave it out instead"),
                )
                .with_code("empty_parameter"));
            }
            if values.insert(k.to_string(), v.into_owned()).is_some() {
                return Err(Problem::invalid_parameter(
                    &k,
                    format!("parameter {k:?} is given more than once"),
                )
                .with_code("repeated_parameter"));
            }
        }
        Ok(Self { values })
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn text(&self, name: &str, max_chars: usize) -> Result<Option<String>, Problem> {
        match self.str(name) {
            Some(v) if v.chars().count() > max_chars => Err(Problem::invalid_parameter(
                name,
                format!("{name} must be at most {max_chars} characters"),
            )
            .with_code("too_long")),
            Some(v) if v.trim().is_empty() => Err(Problem::invalid_parameter(
                name,
                format!("{name} must not be blank"),
            )
            .with_code("blank")),
            v => Ok(v.map(str::to_owned)),
        }
    }

    pub fn choice<T: FromStr>(
        &self,
        name: &str,
        allowed: &'static [&'static str],
    ) -> Result<Option<T>, Problem> {
        self.str(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| Problem::unknown_value(name, v, allowed))
            })
            .transpose()
    }

    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, Problem> {
        self.str(name)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                    Problem::invalid_parameter(
                        name,
                        format!("{name} must be a date YYYY-MM-DD, got {v:?}"),
                    )
                    .with_code("invalid_date")
                })
            })
            .transpose()
    }

    pub fn taxpayer(&self, name: &str) -> Result<Option<TaxpayerId>, Problem> {
        self.str(name).map(|v| taxpayer(name, v)).transpose()
    }

    pub fn amount(&self, name: &str) -> Result<Option<Decimal>, Problem> {
        self.str(name)
            .map(|v| {
                Decimal::from_str_exact(v).map_err(|_| {
                    Problem::invalid_parameter(
                        name,
                        format!("{name} must be a decimal number such as 12700.50, got {v:?}"),
                    )
                    .with_code("invalid_decimal")
                })
            })
            .transpose()
    }

    pub fn u32_in(&self, name: &str, min: u32, max: u32) -> Result<Option<u32>, Problem> {
        self.str(name)
            .map(|v| match v.parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(Problem::invalid_parameter(
                    name,
                    format!("{name} must be a whole number from {min} to {max}, got {v:?}"),
                )
                .with_code("out_of_range")),
            })
            .transpose()
    }
}

pub fn taxpayer(name: &str, v: &str) -> Result<TaxpayerId, Problem> {
    v.parse().map_err(|e| {
        Problem::invalid_parameter(name, format!("{name}: {e}")).with_code("invalid_tax_number")
    })
}

pub fn direction(name: &str, v: &str) -> Result<Direction, Problem> {
    v.parse()
        .map_err(|_| Problem::unknown_value(name, v, DIRECTIONS))
}

/// The invoice a path names: `{direction}/{supplier}/{number}` plus `?batch=`.
pub fn invoice_key(
    taxpayer_raw: &str,
    direction_raw: &str,
    supplier_raw: &str,
    number_raw: &str,
    batch: Option<u32>,
) -> Result<InvoiceKey, Problem> {
    let taxpayer = taxpayer("taxpayer", taxpayer_raw)?;
    let direction = direction("direction", direction_raw)?;
    let supplier = self::taxpayer("supplier", supplier_raw)?;
    let invoice_number: InvoiceNumber = number_raw.parse().map_err(|e| {
        Problem::invalid_parameter("invoice_number", format!("{e}"))
            .with_code("invalid_invoice_number")
    })?;
    Ok(InvoiceKey {
        taxpayer,
        id: InvoiceId {
            direction,
            supplier_tax_number: supplier,
            invoice_number,
            batch_index: batch,
        },
    })
}

pub const LIST_PARAMS: &[&str] = &[
    "direction",
    "issued_from",
    "issued_to",
    "partner_tax_number",
    "partner_name",
    "invoice_number_prefix",
    "min_gross_huf",
    "max_gross_huf",
    "currency",
    "category",
    "payment_method",
    "operation",
    "sort",
    "limit",
    "cursor",
];

/// The export takes the list's filters and its own `dialect`, but no paging.
pub const EXPORT_PARAMS: &[&str] = &[
    "direction",
    "issued_from",
    "issued_to",
    "partner_tax_number",
    "partner_name",
    "invoice_number_prefix",
    "min_gross_huf",
    "max_gross_huf",
    "currency",
    "category",
    "payment_method",
    "operation",
    "sort",
    "dialect",
];

/// The [`InvoiceQuery`] the list/export parameters describe, for `taxpayer`.
pub fn invoice_query(taxpayer: TaxpayerId, p: &Params) -> Result<InvoiceQuery, Problem> {
    let direction = match p.str("direction") {
        Some(v) => direction("direction", v)?,
        None => {
            return Err(Problem::invalid_parameter(
                "direction",
                "direction is required: INBOUND or OUTBOUND",
            )
            .with_code("required"));
        }
    };
    let mut q = InvoiceQuery::new(taxpayer, direction);
    q.issue_date_from = p.date("issued_from")?;
    q.issue_date_to = p.date("issued_to")?;
    if let (Some(from), Some(to)) = (q.issue_date_from, q.issue_date_to)
        && from > to
    {
        return Err(Problem::invalid_parameter(
            "issued_to",
            format!("issued_to {to} is before issued_from {from}"),
        )
        .with_code("range_reversed"));
    }
    q.partner_tax_number = p.taxpayer("partner_tax_number")?;
    q.partner_name = p.text("partner_name", MAX_TEXT_CHARS)?;
    q.invoice_number_prefix = p.text("invoice_number_prefix", InvoiceNumber::MAX_CHARS)?;
    q.min_gross_huf = p.amount("min_gross_huf")?;
    q.max_gross_huf = p.amount("max_gross_huf")?;
    if let (Some(min), Some(max)) = (q.min_gross_huf, q.max_gross_huf)
        && min > max
    {
        return Err(Problem::invalid_parameter(
            "max_gross_huf",
            format!("max_gross_huf {max} is less than min_gross_huf {min}"),
        )
        .with_code("range_reversed"));
    }
    if let Some(c) = p.str("currency") {
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Problem::invalid_parameter(
                "currency",
                format!("currency must be an ISO 4217 code of 3 capital letters, got {c:?}"),
            )
            .with_code("invalid_currency"));
        }
        q.currency = Some(c.to_owned());
    }
    q.category = p.choice::<InvoiceCategory>("category", CATEGORIES)?;
    q.payment_method = p.choice::<PaymentMethod>("payment_method", PAYMENT_METHODS)?;
    q.operation = p.choice::<InvoiceOperation>("operation", OPERATIONS)?;
    q.order = match p.str("sort") {
        None | Some("newest_first") => SortOrder::NewestFirst,
        Some("oldest_first") => SortOrder::OldestFirst,
        Some(other) => return Err(Problem::unknown_value("sort", other, SORTS)),
    };
    if let Some(limit) = p.u32_in("limit", 1, InvoiceQuery::MAX_LIMIT)? {
        q.limit = limit;
    }
    if let Some(cursor) = p.str("cursor") {
        if cursor.len() > MAX_CURSOR_BYTES {
            return Err(
                Problem::invalid_parameter("cursor", "cursor is not one this API issued")
                    .with_code("invalid_cursor"),
            );
        }
        q.cursor = Some(cursor.to_owned());
    }
    Ok(q)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortDto {
    /// By issue date, latest first.
    NewestFirst,
    OldestFirst,
}

/// How the CSV export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvDialect {
    /// For Excel in a Hungarian (or other decimal-comma) locale: UTF-8 with BOM, `;` between
    /// fields, decimal comma, and text that Excel would run as a formula prefixed with `'`.
    #[default]
    ExcelHu,
    /// RFC 4180: UTF-8 without BOM, `,` between fields, decimal point, values verbatim: for
    /// machines only, as formula-like text is not guarded.
    Rfc4180,
}

pub const DIALECTS: &[&str] = &["excel_hu", "rfc4180"];

impl FromStr for CsvDialect {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "excel_hu" => Ok(Self::ExcelHu),
            "rfc4180" => Ok(Self::Rfc4180),
            _ => Err(()),
        }
    }
}

// The structs below only describe parameters for OpenAPI; values are read with `Params`.

/// A taxpayer in a path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct TaxpayerPath {
    /// The 8-digit taxpayer id (törzsszám); its last digit is a check digit.
    #[param(pattern = "^[0-9]{8}$", example = "12345676")]
    taxpayer: String,
}

/// An invoice in a path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct InvoicePath {
    /// The 8-digit taxpayer id whose books the invoice is in; its last digit is a check digit.
    #[param(pattern = "^[0-9]{8}$", example = "12345676")]
    taxpayer: String,
    direction: DirectionDto,
    /// The supplier's 8-digit taxpayer id.
    #[param(pattern = "^[0-9]{8}$", example = "12345676")]
    supplier: String,
    /// The invoice number, percent-encoded (`/` as `%2F`): 1 to 50 characters, not blank.
    #[param(
        min_length = 1,
        max_length = 50,
        pattern = "\\S",
        example = "SZ-2024%2F0001"
    )]
    invoice_number: String,
}

/// Filters of the invoice list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// OUTBOUND: invoices the taxpayer issued; INBOUND: invoices it received.
    #[param(required = true)]
    direction: DirectionDto,
    /// Issue date from (inclusive), YYYY-MM-DD.
    issued_from: Option<NaiveDate>,
    /// Issue date to (inclusive), YYYY-MM-DD.
    issued_to: Option<NaiveDate>,
    /// The partner's 8-digit taxpayer id (with a valid check digit).
    #[param(pattern = "^[0-9]{8}$", example = "12345676")]
    partner_tax_number: Option<String>,
    /// Case-insensitive substring of the partner's name.
    #[param(max_length = 100)]
    partner_name: Option<String>,
    /// Invoice numbers starting with this.
    #[param(max_length = 50)]
    invoice_number_prefix: Option<String>,
    /// Gross total in HUF at least this (inclusive), e.g. `10000` or `12700.50`.
    #[param(value_type = Option<String>, pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    min_gross_huf: Option<String>,
    /// Gross total in HUF at most this (inclusive).
    #[param(value_type = Option<String>, pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    max_gross_huf: Option<String>,
    /// ISO 4217 currency code.
    #[param(pattern = "^[A-Z]{3}$", example = "HUF")]
    currency: Option<String>,
    category: Option<CategoryDto>,
    payment_method: Option<PaymentMethodDto>,
    /// CREATE, MODIFY or STORNO.
    operation: Option<OperationDto>,
    /// Default newest_first.
    sort: Option<SortDto>,
    /// Page size, 1–1000; default 50.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page of the same query.
    #[param(max_length = 4096)]
    cursor: Option<String>,
}

/// Filters of the CSV export (the list's, without paging).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ExportParams {
    #[param(required = true)]
    direction: DirectionDto,
    issued_from: Option<NaiveDate>,
    issued_to: Option<NaiveDate>,
    #[param(pattern = "^[0-9]{8}$", example = "12345676")]
    partner_tax_number: Option<String>,
    #[param(max_length = 100)]
    partner_name: Option<String>,
    #[param(max_length = 50)]
    invoice_number_prefix: Option<String>,
    #[param(value_type = Option<String>, pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    min_gross_huf: Option<String>,
    #[param(value_type = Option<String>, pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    max_gross_huf: Option<String>,
    #[param(pattern = "^[A-Z]{3}$", example = "HUF")]
    currency: Option<String>,
    category: Option<CategoryDto>,
    payment_method: Option<PaymentMethodDto>,
    operation: Option<OperationDto>,
    sort: Option<SortDto>,
    /// Default excel_hu.
    dialect: Option<CsvDialect>,
}

/// How the original document is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// 302 to a short-lived presigned URL where the archive has them, else the XML itself.
    #[default]
    Redirect,
    /// 200 with JSON `{url, expires_in_seconds}` (for browsers: a redirect to another origin
    /// would drop the Authorization header and need CORS on the bucket).
    Url,
    /// 200 with the XML itself.
    Bytes,
}

pub const DELIVERIES: &[&str] = &["redirect", "url", "bytes"];

impl FromStr for Delivery {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "redirect" => Ok(Self::Redirect),
            "url" => Ok(Self::Url),
            "bytes" => Ok(Self::Bytes),
            _ => Err(()),
        }
    }
}

/// The batch part of an invoice in a path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct BatchParam {
    /// The part of a batch-modification document, 1-based; omit for ordinary invoices.
    #[param(minimum = 1)]
    batch: Option<u32>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DocumentParams {
    /// The part of a batch-modification document, 1-based; omit for ordinary invoices.
    #[param(minimum = 1)]
    batch: Option<u32>,
    /// Default redirect.
    delivery: Option<Delivery>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(raw: &str) -> Result<InvoiceQuery, Problem> {
        let p = Params::parse(Some(raw), LIST_PARAMS)?;
        invoice_query("12345676".parse().unwrap(), &p)
    }

    #[test]
    fn every_filter_maps_to_the_query() {
        let query = q(
            "direction=INBOUND&issued_from=2024-01-01&issued_to=2024-01-31\
            &partner_tax_number=99999999&partner_name=Kft&invoice_number_prefix=SZ%2F\
            &min_gross_huf=100&max_gross_huf=200.50&currency=EUR&category=NORMAL\
            &payment_method=CARD&operation=STORNO&sort=oldest_first&limit=10&cursor=abc",
        )
        .unwrap();
        assert_eq!(query.direction, Direction::Inbound);
        assert_eq!(query.issue_date_to, NaiveDate::from_ymd_opt(2024, 1, 31));
        assert_eq!(query.partner_tax_number.unwrap().to_string(), "99999999");
        assert_eq!(query.invoice_number_prefix.as_deref(), Some("SZ/"));
        assert_eq!(query.max_gross_huf, Some(Decimal::new(20050, 2)));
        assert_eq!(query.payment_method, Some(PaymentMethod::Card));
        assert_eq!(query.operation, Some(InvoiceOperation::Storno));
        assert_eq!(query.order, SortOrder::OldestFirst);
        assert_eq!((query.limit, query.cursor.as_deref()), (10, Some("abc")));
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let cases = [
            ("direction=UP", "direction"),
            ("issued_from=2024-01-01", "direction"),
            ("direction=INBOUND&issued_from=2024-13-01", "issued_from"),
            (
                "direction=INBOUND&partner_tax_number=12345678",
                "partner_tax_number",
            ),
            ("direction=INBOUND&limit=0", "limit"),
            ("direction=INBOUND&limit=1001", "limit"),
            ("direction=INBOUND&category=BIG", "category"),
            ("direction=INBOUND&currency=eur", "currency"),
            ("direction=INBOUND&min_gross_huf=1e5", "min_gross_huf"),
            (
                "direction=INBOUND&min_gross_huf=5&max_gross_huf=4",
                "max_gross_huf",
            ),
            (
                "direction=INBOUND&issue_date_from=2024-01-01",
                "issue_date_from",
            ),
            ("direction=INBOUND&limit=5&limit=6", "limit"),
        ];
        for (raw, param) in cases {
            let err = q(raw).unwrap_err();
            assert_eq!(
                (err.status, err.parameter.as_deref()),
                (400, Some(param)),
                "{raw}: {err:?}"
            );
        }
        let err = q("direction=INBOUND&category=BIG").unwrap_err();
        assert_eq!(err.allowed.unwrap(), ["NORMAL", "SIMPLIFIED", "AGGREGATE"]);
        let err = q("direction=INBOUND&partner_tax_number=12345678").unwrap_err();
        assert!(err.detail.contains("check digit"), "{}", err.detail);
    }
}
