//! Incoming requests: a structural check against the shapes invoiceApi.xsd gives the query
//! operations (element order, cardinality, simple-type patterns), then typed values.
//!
//! A schema-invalid request gets NAV's `INVALID_REQUEST` with one technical validation message
//! per violation, so a client bug shows up here the way it would at NAV.

use chrono::{DateTime, NaiveDate, Utc};
use navsync_domain::{Direction, InvoiceCategory, InvoiceOperation, PaymentMethod};
use rust_decimal::Decimal;

use crate::xml_tree::{Element, NS_API, NS_COMMON};

/// One structural rule: an element, its namespace, cardinality and content.
struct Field {
    name: &'static str,
    common: bool,
    min: usize,
    max: usize,
    kind: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    Text(fn(&str) -> bool, &'static str),
    /// Text plus a required `cryptoType` attribute.
    Crypto,
    Seq(&'static [Field]),
    Choice(&'static [Field]),
}

const fn f(name: &'static str, min: usize, max: usize, kind: Kind) -> Field {
    Field {
        name,
        common: false,
        min,
        max,
        kind,
    }
}

const fn c(name: &'static str, min: usize, kind: Kind) -> Field {
    Field {
        name,
        common: true,
        min,
        max: 1,
        kind,
    }
}

fn entity_id(s: &str) -> bool {
    (1..=30).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'_')
}
fn timestamp(s: &str) -> bool {
    parse_timestamp(s).is_some()
}
fn atomic15(s: &str) -> bool {
    s.chars().count() <= 15
}
fn login(s: &str) -> bool {
    (6..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}
fn taxpayer_id(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit())
}
fn software_id(s: &str) -> bool {
    s.len() == 18
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-')
}
fn not_blank(s: &str, max: usize) -> bool {
    s.chars().count() <= max && s.chars().any(|c| !c.is_whitespace())
}
fn text15(s: &str) -> bool {
    not_blank(s, 15)
}
fn text50(s: &str) -> bool {
    not_blank(s, 50)
}
fn text200(s: &str) -> bool {
    not_blank(s, 200)
}
fn text512(s: &str) -> bool {
    not_blank(s, 512)
}
fn query_name(s: &str) -> bool {
    not_blank(s, 512) && s.chars().count() >= 5
}
fn software_operation(s: &str) -> bool {
    matches!(s, "LOCAL_SOFTWARE" | "ONLINE_SERVICE")
}
fn country(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}
fn currency(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}
fn page(s: &str) -> bool {
    s.trim().parse::<i32>().is_ok_and(|p| p >= 1)
}
fn direction(s: &str) -> bool {
    s.parse::<Direction>().is_ok()
}
fn date(s: &str) -> bool {
    parse_date(s).is_some()
}
fn category(s: &str) -> bool {
    s.parse::<InvoiceCategory>().is_ok()
}
fn payment_method(s: &str) -> bool {
    s.parse::<PaymentMethod>().is_ok()
}
fn appearance(s: &str) -> bool {
    matches!(s, "PAPER" | "ELECTRONIC" | "EDI" | "UNKNOWN")
}
fn source(s: &str) -> bool {
    matches!(s, "WEB" | "XML" | "MGM" | "OPG" | "OSZ")
}
fn operator(s: &str) -> bool {
    matches!(s, "EQ" | "GT" | "GTE" | "LT" | "LTE")
}
fn monetary(s: &str) -> bool {
    let t = s.trim();
    let digits = t.trim_start_matches(['-', '+']);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && frac.trim_end_matches('0').len() <= 2
        && int.trim_start_matches('0').len() + frac.trim_end_matches('0').len() <= 18
        && t.parse::<Decimal>().is_ok()
}
fn index100(s: &str) -> bool {
    s.trim()
        .parse::<i32>()
        .is_ok_and(|i| (1..=100).contains(&i))
}
fn unbounded_index(s: &str) -> bool {
    s.trim().parse::<i32>().is_ok_and(|i| i >= 1)
}
fn operation(s: &str) -> bool {
    s.parse::<InvoiceOperation>().is_ok()
}

const HEADER: &[Field] = &[
    c("requestId", 1, Kind::Text(entity_id, "[+a-zA-Z0-9_]{1,30}")),
    c(
        "timestamp",
        1,
        Kind::Text(timestamp, "yyyy-MM-ddTHH:mm:ss(.SSS)Z"),
    ),
    c(
        "requestVersion",
        1,
        Kind::Text(atomic15, "at most 15 characters"),
    ),
    c(
        "headerVersion",
        0,
        Kind::Text(atomic15, "at most 15 characters"),
    ),
];
const USER: &[Field] = &[
    c("login", 1, Kind::Text(login, "[a-zA-Z0-9]{6,15}")),
    c("passwordHash", 1, Kind::Crypto),
    c("taxNumber", 1, Kind::Text(taxpayer_id, "[0-9]{8}")),
    c(
        "predecessorTaxNumber",
        0,
        Kind::Text(taxpayer_id, "[0-9]{8}"),
    ),
    c("requestSignature", 1, Kind::Crypto),
];
const SOFTWARE: &[Field] = &[
    f(
        "softwareId",
        1,
        1,
        Kind::Text(software_id, "[0-9A-Z\\-]{18}"),
    ),
    f(
        "softwareName",
        1,
        1,
        Kind::Text(text50, "1-50 characters, not blank"),
    ),
    f(
        "softwareOperation",
        1,
        1,
        Kind::Text(software_operation, "LOCAL_SOFTWARE or ONLINE_SERVICE"),
    ),
    f(
        "softwareMainVersion",
        1,
        1,
        Kind::Text(text15, "1-15 characters, not blank"),
    ),
    f(
        "softwareDevName",
        1,
        1,
        Kind::Text(text512, "1-512 characters, not blank"),
    ),
    f(
        "softwareDevContact",
        1,
        1,
        Kind::Text(text200, "1-200 characters, not blank"),
    ),
    f(
        "softwareDevCountryCode",
        0,
        1,
        Kind::Text(country, "[A-Z]{2}"),
    ),
    f(
        "softwareDevTaxNumber",
        0,
        1,
        Kind::Text(text50, "1-50 characters, not blank"),
    ),
];
const DATE_INTERVAL: &[Field] = &[
    f(
        "dateFrom",
        1,
        1,
        Kind::Text(date, "yyyy-MM-dd, from 2010-01-01"),
    ),
    f(
        "dateTo",
        1,
        1,
        Kind::Text(date, "yyyy-MM-dd, from 2010-01-01"),
    ),
];
const DATETIME_INTERVAL: &[Field] = &[
    f(
        "dateTimeFrom",
        1,
        1,
        Kind::Text(timestamp, "yyyy-MM-ddTHH:mm:ss(.SSS)Z"),
    ),
    f(
        "dateTimeTo",
        1,
        1,
        Kind::Text(timestamp, "yyyy-MM-ddTHH:mm:ss(.SSS)Z"),
    ),
];
const MANDATORY: &[Field] = &[
    f("invoiceIssueDate", 1, 1, Kind::Seq(DATE_INTERVAL)),
    f("insDate", 1, 1, Kind::Seq(DATETIME_INTERVAL)),
    f(
        "originalInvoiceNumber",
        1,
        1,
        Kind::Text(text50, "1-50 characters, not blank"),
    ),
];
const ADDITIONAL: &[Field] = &[
    f("taxNumber", 0, 1, Kind::Text(taxpayer_id, "[0-9]{8}")),
    f(
        "groupMemberTaxNumber",
        0,
        1,
        Kind::Text(taxpayer_id, "[0-9]{8}"),
    ),
    f(
        "name",
        0,
        1,
        Kind::Text(query_name, "5-512 characters, not blank"),
    ),
    f(
        "invoiceCategory",
        0,
        1,
        Kind::Text(category, "NORMAL, SIMPLIFIED or AGGREGATE"),
    ),
    f(
        "paymentMethod",
        0,
        1,
        Kind::Text(payment_method, "TRANSFER, CASH, CARD, VOUCHER or OTHER"),
    ),
    f(
        "invoiceAppearance",
        0,
        1,
        Kind::Text(appearance, "PAPER, ELECTRONIC, EDI or UNKNOWN"),
    ),
    f(
        "source",
        0,
        1,
        Kind::Text(source, "WEB, XML, MGM, OPG or OSZ"),
    ),
    f("currency", 0, 1, Kind::Text(currency, "[A-Z]{3}")),
];
const REL_DATE: &[Field] = &[
    f(
        "queryOperator",
        1,
        1,
        Kind::Text(operator, "EQ, GT, GTE, LT or LTE"),
    ),
    f(
        "queryValue",
        1,
        1,
        Kind::Text(date, "yyyy-MM-dd, from 2010-01-01"),
    ),
];
const REL_MONEY: &[Field] = &[
    f(
        "queryOperator",
        1,
        1,
        Kind::Text(operator, "EQ, GT, GTE, LT or LTE"),
    ),
    f(
        "queryValue",
        1,
        1,
        Kind::Text(
            monetary,
            "a decimal of at most 18 digits, 2 after the point",
        ),
    ),
];
const RELATIONAL: &[Field] = &[
    f("invoiceDelivery", 0, 2, Kind::Seq(REL_DATE)),
    f("paymentDate", 0, 2, Kind::Seq(REL_DATE)),
    f("invoiceNetAmount", 0, 2, Kind::Seq(REL_MONEY)),
    f("invoiceNetAmountHUF", 0, 2, Kind::Seq(REL_MONEY)),
    f("invoiceVatAmount", 0, 2, Kind::Seq(REL_MONEY)),
    f("invoiceVatAmountHUF", 0, 2, Kind::Seq(REL_MONEY)),
];
const TRANSACTION: &[Field] = &[
    f(
        "transactionId",
        1,
        1,
        Kind::Text(entity_id, "[+a-zA-Z0-9_]{1,30}"),
    ),
    f("index", 0, 1, Kind::Text(index100, "1 to 100")),
    f(
        "invoiceOperation",
        0,
        1,
        Kind::Text(operation, "CREATE, MODIFY or STORNO"),
    ),
];
const QUERY_PARAMS: &[Field] = &[
    f("mandatoryQueryParams", 1, 1, Kind::Choice(MANDATORY)),
    f("additionalQueryParams", 0, 1, Kind::Seq(ADDITIONAL)),
    f("relationalQueryParams", 0, 1, Kind::Seq(RELATIONAL)),
    f("transactionQueryParams", 0, 1, Kind::Seq(TRANSACTION)),
];
const INVOICE_NUMBER_QUERY: &[Field] = &[
    f(
        "invoiceNumber",
        1,
        1,
        Kind::Text(text50, "1-50 characters, not blank"),
    ),
    f(
        "invoiceDirection",
        1,
        1,
        Kind::Text(direction, "INBOUND or OUTBOUND"),
    ),
    f(
        "batchIndex",
        0,
        1,
        Kind::Text(unbounded_index, "an integer from 1"),
    ),
    f(
        "supplierTaxNumber",
        0,
        1,
        Kind::Text(taxpayer_id, "[0-9]{8}"),
    ),
];
const CHAIN_QUERY: &[Field] = &[
    f(
        "invoiceNumber",
        1,
        1,
        Kind::Text(text50, "1-50 characters, not blank"),
    ),
    f(
        "invoiceDirection",
        1,
        1,
        Kind::Text(direction, "INBOUND or OUTBOUND"),
    ),
    f("taxNumber", 0, 1, Kind::Text(taxpayer_id, "[0-9]{8}")),
];

const fn base_then(rest: &'static [Field]) -> [Field; 4] {
    [
        c("header", 1, Kind::Seq(HEADER)),
        c("user", 1, Kind::Seq(USER)),
        f("software", 1, 1, Kind::Seq(SOFTWARE)),
        f("", 0, 0, Kind::Seq(rest)),
    ]
}

const DIGEST_BODY: &[Field] = &[
    f("page", 1, 1, Kind::Text(page, "an integer from 1")),
    f(
        "invoiceDirection",
        1,
        1,
        Kind::Text(direction, "INBOUND or OUTBOUND"),
    ),
    f("invoiceQueryParams", 1, 1, Kind::Seq(QUERY_PARAMS)),
];
const DATA_BODY: &[Field] = &[f(
    "invoiceNumberQuery",
    1,
    1,
    Kind::Seq(INVOICE_NUMBER_QUERY),
)];
const CHAIN_BODY: &[Field] = &[
    f("page", 1, 1, Kind::Text(page, "an integer from 1")),
    f("invoiceChainQuery", 1, 1, Kind::Seq(CHAIN_QUERY)),
];
const TAXPAYER_BODY: &[Field] = &[f("taxNumber", 1, 1, Kind::Text(taxpayer_id, "[0-9]{8}"))];

static DIGEST: [Field; 4] = base_then(DIGEST_BODY);
static DATA: [Field; 4] = base_then(DATA_BODY);
static CHAIN: [Field; 4] = base_then(CHAIN_BODY);
static TAXPAYER: [Field; 4] = base_then(TAXPAYER_BODY);

/// The query operations the simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    QueryInvoiceDigest,
    QueryInvoiceData,
    QueryInvoiceChainDigest,
    QueryInvoiceCheck,
    QueryTaxpayer,
}

impl Operation {
    pub const ALL: [Operation; 5] = [
        Operation::QueryInvoiceDigest,
        Operation::QueryInvoiceData,
        Operation::QueryInvoiceChainDigest,
        Operation::QueryInvoiceCheck,
        Operation::QueryTaxpayer,
    ];

    pub fn path_name(self) -> &'static str {
        match self {
            Operation::QueryInvoiceDigest => "queryInvoiceDigest",
            Operation::QueryInvoiceData => "queryInvoiceData",
            Operation::QueryInvoiceChainDigest => "queryInvoiceChainDigest",
            Operation::QueryInvoiceCheck => "queryInvoiceCheck",
            Operation::QueryTaxpayer => "queryTaxpayer",
        }
    }

    pub fn from_path(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.path_name() == name)
    }

    pub fn request_root(self) -> &'static str {
        match self {
            Operation::QueryInvoiceDigest => "QueryInvoiceDigestRequest",
            Operation::QueryInvoiceData => "QueryInvoiceDataRequest",
            Operation::QueryInvoiceChainDigest => "QueryInvoiceChainDigestRequest",
            Operation::QueryInvoiceCheck => "QueryInvoiceCheckRequest",
            Operation::QueryTaxpayer => "QueryTaxpayerRequest",
        }
    }

    pub fn response_root(self) -> &'static str {
        match self {
            Operation::QueryInvoiceDigest => "QueryInvoiceDigestResponse",
            Operation::QueryInvoiceData => "QueryInvoiceDataResponse",
            Operation::QueryInvoiceChainDigest => "QueryInvoiceChainDigestResponse",
            Operation::QueryInvoiceCheck => "QueryInvoiceCheckResponse",
            Operation::QueryTaxpayer => "QueryTaxpayerResponse",
        }
    }

    fn shape(self) -> &'static [Field] {
        match self {
            Operation::QueryInvoiceDigest => &DIGEST,
            Operation::QueryInvoiceData | Operation::QueryInvoiceCheck => &DATA,
            Operation::QueryInvoiceChainDigest => &CHAIN,
            Operation::QueryTaxpayer => &TAXPAYER,
        }
    }
}

/// Schema violations, each one message; empty means the request has the operation's shape.
pub fn check_shape(op: Operation, root: &Element) -> Vec<String> {
    let mut errors = Vec::new();
    if root.ns != NS_API || root.name != op.request_root() {
        errors.push(format!(
            "the root element is {{{}}}{}; /{} expects {{{NS_API}}}{}",
            root.ns,
            root.name,
            op.path_name(),
            op.request_root()
        ));
        return errors;
    }
    // The base fields and the operation's own, flattened into one sequence.
    let shape = op.shape();
    let mut flat: Vec<&Field> = shape[..3].iter().collect();
    if let Kind::Seq(rest) = shape[3].kind {
        flat.extend(rest.iter());
    }
    check_seq(&flat, root, &root.name, &mut errors);
    errors
}

fn check_seq(fields: &[&Field], el: &Element, path: &str, errors: &mut Vec<String>) {
    let mut i = 0;
    for field in fields {
        let mut n = 0;
        while i < el.children.len() && matches_field(field, &el.children[i]) {
            check_content(field, &el.children[i], path, errors);
            n += 1;
            i += 1;
        }
        if n < field.min {
            errors.push(format!("{path}: the element {} is missing", field.name));
        }
        if n > field.max {
            errors.push(format!(
                "{path}: {} occurs {n} times, at most {} allowed",
                field.name, field.max
            ));
        }
    }
    if let Some(extra) = el.children.get(i) {
        errors.push(format!(
            "{path}: unexpected element {{{}}}{}",
            extra.ns, extra.name
        ));
    }
    if !el.children.is_empty() && !el.text.trim().is_empty() {
        errors.push(format!("{path}: text is not allowed here"));
    }
}

fn matches_field(field: &Field, el: &Element) -> bool {
    let ns = if field.common { NS_COMMON } else { NS_API };
    el.name == field.name && el.ns == ns
}

fn check_content(field: &Field, el: &Element, parent: &str, errors: &mut Vec<String>) {
    let path = format!("{parent}/{}", field.name);
    match field.kind {
        Kind::Text(ok, expected) => {
            if !el.children.is_empty() {
                errors.push(format!("{path}: child elements are not allowed"));
            } else if !ok(&el.text) {
                errors.push(format!(
                    "{path}: the value {:?} is not valid; expected {expected}",
                    truncate(&el.text)
                ));
            }
        }
        Kind::Crypto => {
            if !el.children.is_empty() || !text512(&el.text) {
                errors.push(format!("{path}: expected 1-512 characters, not blank"));
            }
            match el.attr("cryptoType") {
                Some(t) if text50(t) => {}
                _ => errors.push(format!("{path}: the attribute cryptoType is missing")),
            }
        }
        Kind::Seq(fields) => {
            let flat: Vec<&Field> = fields.iter().collect();
            check_seq(&flat, el, &path, errors);
        }
        Kind::Choice(options) => {
            let matched: Vec<&Element> = el.children.iter().collect();
            match matched.as_slice() {
                [one] => match options.iter().find(|o| matches_field(o, one)) {
                    Some(o) => check_content(o, one, &path, errors),
                    None => errors.push(format!("{path}: unexpected element {}", one.name)),
                },
                _ => errors.push(format!(
                    "{path}: exactly one of {} is expected",
                    options
                        .iter()
                        .map(|o| o.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    let b = t.as_bytes();
    // \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(.\d{1,3})?Z
    let shape_ok = b.len() >= 20
        && b.len() <= 24
        && b.last() == Some(&b'Z')
        && (b.len() == 20 || (b[19] == b'.' && b.len() >= 22));
    if !shape_ok {
        return None;
    }
    let dt = DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc);
    (dt >= DateTime::parse_from_rfc3339("2010-01-01T00:00:00Z").ok()?).then_some(dt)
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if t.len() != 10 {
        return None;
    }
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
    (d >= NaiveDate::from_ymd_opt(2010, 1, 1)?).then_some(d)
}

/// The authentication parts every request carries.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub request_id: String,
    pub timestamp_text: String,
    pub timestamp: DateTime<Utc>,
    pub request_version: String,
    pub header_version: Option<String>,
    pub login: String,
    pub password_hash: String,
    pub password_hash_crypto: String,
    pub tax_number: String,
    pub request_signature: String,
    pub signature_crypto: String,
    /// The request's software block, echoed in the response as NAV does.
    pub software: Vec<(String, String)>,
}

/// Only call after [`check_shape`] found nothing: missing parts then cannot happen.
pub fn envelope(root: &Element) -> Envelope {
    let header = root.child("header").expect("checked");
    let user = root.child("user").expect("checked");
    let text = |el: &Element, name: &str| el.child_text(name).unwrap_or_default().to_owned();
    let ts = text(header, "timestamp");
    Envelope {
        request_id: text(header, "requestId"),
        timestamp: parse_timestamp(&ts).expect("checked"),
        timestamp_text: ts,
        request_version: text(header, "requestVersion"),
        header_version: header.child_text("headerVersion").map(str::to_owned),
        login: text(user, "login"),
        password_hash: text(user, "passwordHash"),
        password_hash_crypto: user
            .child("passwordHash")
            .and_then(|e| e.attr("cryptoType"))
            .unwrap_or_default()
            .to_owned(),
        tax_number: text(user, "taxNumber"),
        request_signature: text(user, "requestSignature"),
        signature_crypto: user
            .child("requestSignature")
            .and_then(|e| e.attr("cryptoType"))
            .unwrap_or_default()
            .to_owned(),
        software: root
            .child("software")
            .map(|s| {
                s.children
                    .iter()
                    .map(|c| (c.name.clone(), c.text.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryOperator {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl QueryOperator {
    fn parse(s: &str) -> Self {
        match s {
            "GT" => Self::Gt,
            "GTE" => Self::Gte,
            "LT" => Self::Lt,
            "LTE" => Self::Lte,
            _ => Self::Eq,
        }
    }

    pub fn holds<T: PartialOrd>(self, value: &T, query: &T) -> bool {
        match self {
            Self::Eq => value == query,
            Self::Gt => value > query,
            Self::Gte => value >= query,
            Self::Lt => value < query,
            Self::Lte => value <= query,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Mandatory {
    IssueDate(NaiveDate, NaiveDate),
    InsDate(DateTime<Utc>, DateTime<Utc>),
    OriginalInvoiceNumber(String),
}

#[derive(Debug, Clone, Default)]
pub struct Additional {
    pub tax_number: Option<String>,
    pub group_member_tax_number: Option<String>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub payment_method: Option<String>,
    pub appearance: Option<String>,
    pub source: Option<String>,
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Relational {
    pub delivery: Vec<(QueryOperator, NaiveDate)>,
    pub payment_date: Vec<(QueryOperator, NaiveDate)>,
    pub net: Vec<(QueryOperator, Decimal)>,
    pub net_huf: Vec<(QueryOperator, Decimal)>,
    pub vat: Vec<(QueryOperator, Decimal)>,
    pub vat_huf: Vec<(QueryOperator, Decimal)>,
}

impl Relational {
    pub fn operator_sets(&self) -> [Vec<QueryOperator>; 6] {
        fn ops<T>(v: &[(QueryOperator, T)]) -> Vec<QueryOperator> {
            v.iter().map(|(o, _)| *o).collect()
        }
        [
            ops(&self.delivery),
            ops(&self.payment_date),
            ops(&self.net),
            ops(&self.net_huf),
            ops(&self.vat),
            ops(&self.vat_huf),
        ]
    }
}

#[derive(Debug, Clone)]
pub struct TransactionParams {
    pub transaction_id: String,
    pub index: Option<u32>,
    pub operation: Option<InvoiceOperation>,
}

#[derive(Debug, Clone)]
pub struct DigestQuery {
    pub page: u32,
    pub direction: Direction,
    pub mandatory: Mandatory,
    pub additional: Additional,
    pub relational: Relational,
    pub transaction: Option<TransactionParams>,
}

#[derive(Debug, Clone)]
pub struct NumberQuery {
    pub invoice_number: String,
    pub direction: Direction,
    pub batch_index: Option<u32>,
    pub supplier_tax_number: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ChainQuery {
    pub page: u32,
    pub invoice_number: String,
    pub direction: Direction,
    pub tax_number: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Digest(Box<DigestQuery>),
    Data(NumberQuery),
    Check(NumberQuery),
    Chain(ChainQuery),
    Taxpayer(String),
}

fn txt(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).map(|s| s.trim().to_owned())
}

/// Only call after [`check_shape`] found nothing.
pub fn body(op: Operation, root: &Element) -> Body {
    let num = |el: &Element, name: &str| txt(el, name).and_then(|s| s.parse::<u32>().ok());
    let dir = |el: &Element| {
        txt(el, "invoiceDirection")
            .and_then(|s| s.parse::<Direction>().ok())
            .unwrap_or(Direction::Outbound)
    };
    match op {
        Operation::QueryInvoiceDigest => {
            let params = root.child("invoiceQueryParams").expect("checked");
            let m = params.child("mandatoryQueryParams").expect("checked");
            let mandatory = if let Some(d) = m.child("invoiceIssueDate") {
                Mandatory::IssueDate(
                    parse_date(d.child_text("dateFrom").unwrap_or_default()).expect("checked"),
                    parse_date(d.child_text("dateTo").unwrap_or_default()).expect("checked"),
                )
            } else if let Some(d) = m.child("insDate") {
                Mandatory::InsDate(
                    parse_timestamp(d.child_text("dateTimeFrom").unwrap_or_default())
                        .expect("checked"),
                    parse_timestamp(d.child_text("dateTimeTo").unwrap_or_default())
                        .expect("checked"),
                )
            } else {
                Mandatory::OriginalInvoiceNumber(
                    m.child_text("originalInvoiceNumber")
                        .unwrap_or_default()
                        .to_owned(),
                )
            };
            let additional = params
                .child("additionalQueryParams")
                .map(|a| Additional {
                    tax_number: txt(a, "taxNumber"),
                    group_member_tax_number: txt(a, "groupMemberTaxNumber"),
                    name: a.child_text("name").map(str::to_owned),
                    category: txt(a, "invoiceCategory"),
                    payment_method: txt(a, "paymentMethod"),
                    appearance: txt(a, "invoiceAppearance"),
                    source: txt(a, "source"),
                    currency: txt(a, "currency"),
                })
                .unwrap_or_default();
            let relational = params
                .child("relationalQueryParams")
                .map(|r| {
                    let dates = |name: &str| {
                        r.children_named(name)
                            .map(|e| {
                                (
                                    QueryOperator::parse(
                                        e.child_text("queryOperator").unwrap_or_default(),
                                    ),
                                    parse_date(e.child_text("queryValue").unwrap_or_default())
                                        .expect("checked"),
                                )
                            })
                            .collect()
                    };
                    let money = |name: &str| {
                        r.children_named(name)
                            .map(|e| {
                                (
                                    QueryOperator::parse(
                                        e.child_text("queryOperator").unwrap_or_default(),
                                    ),
                                    e.child_text("queryValue")
                                        .unwrap_or_default()
                                        .trim()
                                        .parse::<Decimal>()
                                        .expect("checked"),
                                )
                            })
                            .collect()
                    };
                    Relational {
                        delivery: dates("invoiceDelivery"),
                        payment_date: dates("paymentDate"),
                        net: money("invoiceNetAmount"),
                        net_huf: money("invoiceNetAmountHUF"),
                        vat: money("invoiceVatAmount"),
                        vat_huf: money("invoiceVatAmountHUF"),
                    }
                })
                .unwrap_or_default();
            let transaction = params
                .child("transactionQueryParams")
                .map(|t| TransactionParams {
                    transaction_id: txt(t, "transactionId").unwrap_or_default(),
                    index: num(t, "index"),
                    operation: txt(t, "invoiceOperation").and_then(|s| s.parse().ok()),
                });
            Body::Digest(Box::new(DigestQuery {
                page: num(root, "page").unwrap_or(1),
                direction: dir(root),
                mandatory,
                additional,
                relational,
                transaction,
            }))
        }
        Operation::QueryInvoiceData | Operation::QueryInvoiceCheck => {
            let q = root.child("invoiceNumberQuery").expect("checked");
            let nq = NumberQuery {
                invoice_number: q.child_text("invoiceNumber").unwrap_or_default().to_owned(),
                direction: dir(q),
                batch_index: num(q, "batchIndex"),
                supplier_tax_number: txt(q, "supplierTaxNumber"),
            };
            if op == Operation::QueryInvoiceData {
                Body::Data(nq)
            } else {
                Body::Check(nq)
            }
        }
        Operation::QueryInvoiceChainDigest => {
            let q = root.child("invoiceChainQuery").expect("checked");
            Body::Chain(ChainQuery {
                page: num(root, "page").unwrap_or(1),
                invoice_number: q.child_text("invoiceNumber").unwrap_or_default().to_owned(),
                direction: dir(q),
                tax_number: txt(q, "taxNumber"),
            })
        }
        Operation::QueryTaxpayer => Body::Taxpayer(txt(root, "taxNumber").unwrap_or_default()),
    }
}

/// Whether a request id may be echoed in an error response (`EntityIdType`).
pub fn check_shape_entity_id(s: &str) -> bool {
    entity_id(s)
}

/// Every request root element of invoiceApi.xsd, including operations the simulator does not
/// serve: one of these at the wrong endpoint is NAV's `OPERATION_FAILED`, not a schema error.
pub fn is_request_root(name: &str) -> bool {
    Operation::ALL.iter().any(|o| o.request_root() == name)
        || matches!(
            name,
            "ManageAnnulmentRequest"
                | "ManageInvoiceRequest"
                | "QueryTransactionListRequest"
                | "QueryTransactionStatusRequest"
                | "TokenExchangeRequest"
        )
}
