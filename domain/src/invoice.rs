//! The invoice model: what NAV lists (the digest) and what an invoice document says.
//!
//! Amounts are `rust_decimal::Decimal` throughout: NAV's `MonetaryType` has 2 decimals and
//! up to 18 digits, which a float cannot hold exactly.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::tax_number::{TaxNumber, TaxpayerId};

/// Which side of the invoice the querying taxpayer is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    /// The taxpayer bought: it is the customer.
    Inbound,
    /// The taxpayer sold: it is the supplier.
    Outbound,
}

impl Direction {
    pub const BOTH: [Direction; 2] = [Direction::Inbound, Direction::Outbound];
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of {expected}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// `FromStr`/`Display`/`as_str` for the SCREAMING_CASE enums NAV uses on the wire.
macro_rules! wire_enum {
    ($t:ident, $kind:literal, { $($v:ident => $s:literal),+ $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $($t::$v => $s),+ }
            }
        }
        impl FromStr for $t {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($t::$v),)+
                    _ => Err(UnknownVariant {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: concat!($($s, " "),+),
                    }),
                }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(Direction, "direction", { Inbound => "INBOUND", Outbound => "OUTBOUND" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceCategory {
    Normal,
    Simplified,
    Aggregate,
}
wire_enum!(InvoiceCategory, "invoice category", {
    Normal => "NORMAL", Simplified => "SIMPLIFIED", Aggregate => "AGGREGATE"
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentMethod {
    Transfer,
    Cash,
    Card,
    Voucher,
    Other,
}
wire_enum!(PaymentMethod, "payment method", {
    Transfer => "TRANSFER", Cash => "CASH", Card => "CARD", Voucher => "VOUCHER", Other => "OTHER"
});

/// What the data exchange did: create an invoice, modify one, or cancel (storno) one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceOperation {
    Create,
    Modify,
    Storno,
}
wire_enum!(InvoiceOperation, "invoice operation", {
    Create => "CREATE", Modify => "MODIFY", Storno => "STORNO"
});

/// The customer's VAT status (3.0 `CustomerVatStatusType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VatStatus {
    Domestic,
    Other,
    PrivatePerson,
}
wire_enum!(VatStatus, "customer VAT status", {
    Domestic => "DOMESTIC", Other => "OTHER", PrivatePerson => "PRIVATE_PERSON"
});

/// The NAV schema version a document was written in; its namespace tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SchemaVersion {
    #[serde(rename = "1.x")]
    V1,
    #[serde(rename = "2.0")]
    V2,
    #[serde(rename = "3.0")]
    V3,
}

/// An invoice number as the supplier issued it (`SimpleText50NotBlankType`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InvoiceNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invoice number {0:?} must be 1 to 50 characters and not blank")]
pub struct InvoiceNumberError(pub String);

impl InvoiceNumber {
    pub const MAX_CHARS: usize = 50;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for InvoiceNumber {
    type Err = InvoiceNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.chars().count();
        if n == 0 || n > Self::MAX_CHARS || s.trim().is_empty() {
            return Err(InvoiceNumberError(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for InvoiceNumber {
    type Error = InvoiceNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<InvoiceNumber> for String {
    fn from(n: InvoiceNumber) -> String {
        n.0
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An invoice's identity at NAV: direction, supplier, number, and the batch index of a
/// batch-modification document's part.
///
/// # Identity and versions
///
/// NAV refuses a second valid report under a number the supplier already used
/// (`INVOICE_NUMBER_NOT_UNIQUE`), so *supplier tax number + invoice number* (+ the batch index
/// of a batch-modification part) names one invoice; with the taxpayer whose books it is in and
/// the direction it is seen from, that is an [`InvoiceKey`]. Two suppliers may use the same
/// number: they are different invoices (an INBOUND `queryInvoiceData` names the supplier,
/// spec 1.8.4.1 note 4).
///
/// One invoice can have several *data reports* over time: a supplier technically annuls a
/// report (`manageAnnulment`, spec 2.4; once approved the number "can be reused") and reports
/// the invoice again under the same number. The digest then lists both, told apart by
/// `transactionId` (+ `index` within the transaction), each with its own `insDate`
/// (nav-gov-hu/Online-Invoice #333), and `queryInvoiceData` returns the one valid report. A
/// report is a *version* of the invoice, named by its [`ReportId`]: the version with the latest
/// `insDate` is current ([`supersedes`]); the earlier ones are kept, archived under their own
/// key, as superseded. Several *valid* reports under one number are a supplier's error NAV
/// answers with `MULTIPLE_QUERY_RESULT_FOUND` ([`crate::ports::NavError::MultipleResults`]):
/// no query parameter narrows it (the supplier must annul one), so such an invoice waits in
/// quarantine and is retried.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InvoiceId {
    pub direction: Direction,
    pub supplier_tax_number: TaxpayerId,
    pub invoice_number: InvoiceNumber,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_index: Option<u32>,
}

/// Every stored invoice is keyed by the taxpayer whose books it belongs to, so one
/// deployment can serve several taxpayers without their data meeting.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InvoiceKey {
    pub taxpayer: TaxpayerId,
    #[serde(flatten)]
    pub id: InvoiceId,
}

/// One row of `queryInvoiceDigest`: what NAV says about an invoice without its document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceDigest {
    pub invoice_number: InvoiceNumber,
    pub batch_index: Option<u32>,
    pub operation: InvoiceOperation,
    pub category: InvoiceCategory,
    pub issue_date: NaiveDate,
    pub supplier_tax_number: TaxpayerId,
    pub supplier_group_member_tax_number: Option<TaxpayerId>,
    pub supplier_name: String,
    pub customer_tax_number: Option<TaxpayerId>,
    pub customer_group_member_tax_number: Option<TaxpayerId>,
    pub customer_name: Option<String>,
    pub payment_method: Option<PaymentMethod>,
    pub payment_date: Option<NaiveDate>,
    pub appearance: Option<String>,
    pub source: Option<String>,
    pub delivery_date: Option<NaiveDate>,
    pub currency: Option<String>,
    pub net_amount: Option<Decimal>,
    pub net_amount_huf: Option<Decimal>,
    pub vat_amount: Option<Decimal>,
    pub vat_amount_huf: Option<Decimal>,
    pub transaction_id: Option<String>,
    pub index: Option<u32>,
    pub original_invoice_number: Option<InvoiceNumber>,
    pub modification_index: Option<u32>,
    pub ins_date: DateTime<Utc>,
    pub completeness_indicator: Option<bool>,
}

/// Which data report (version) of an invoice a digest row or a served document is: NAV's
/// `transactionId` and `index` (`"{transactionId}/{index}"`), or, for a report without a
/// transaction (entered on NAV's web form), its `insDate` (`"@{insDate}"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportId(String);

impl ReportId {
    pub fn new(transaction_id: Option<&str>, index: Option<u32>, ins_date: DateTime<Utc>) -> Self {
        match transaction_id {
            Some(t) => Self(format!("{t}/{}", index.unwrap_or(1))),
            None => Self(format!(
                "@{}",
                ins_date.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What `queryInvoiceData`'s `auditData` says about the report it served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedReport {
    pub transaction_id: Option<String>,
    pub index: Option<u32>,
    pub ins_date: DateTime<Utc>,
}

impl ServedReport {
    /// Whether this is the report `digest` lists: the same transaction and index where both
    /// name one, else the same `insDate`.
    pub fn report_id(&self) -> ReportId {
        ReportId::new(self.transaction_id.as_deref(), self.index, self.ins_date)
    }

    pub fn is_report_of(&self, digest: &InvoiceDigest) -> bool {
        match (&self.transaction_id, &digest.transaction_id) {
            (Some(a), Some(b)) => a == b && self.index.unwrap_or(1) == digest.index.unwrap_or(1),
            _ => self.ins_date == digest.ins_date,
        }
    }
}

/// Whether the report `new` lists replaces `current` as the invoice's current version: the
/// later `insDate` wins (a resubmission is received after the report it replaces), the report
/// id breaks a tie so every store decides alike.
pub fn supersedes(new: &InvoiceDigest, current: &InvoiceDigest) -> bool {
    later_report(
        (new.ins_date, &new.report_id()),
        (current.ins_date, &current.report_id()),
    )
}

/// [`supersedes`] over what a store keeps of a version: its `insDate` and report id.
pub fn later_report(new: (DateTime<Utc>, &ReportId), current: (DateTime<Utc>, &ReportId)) -> bool {
    new > current
}

impl InvoiceDigest {
    /// The version of the invoice this row lists.
    pub fn report_id(&self) -> ReportId {
        ReportId::new(self.transaction_id.as_deref(), self.index, self.ins_date)
    }

    pub fn id(&self, direction: Direction) -> InvoiceId {
        InvoiceId {
            direction,
            supplier_tax_number: self.supplier_tax_number,
            invoice_number: self.invoice_number.clone(),
            batch_index: self.batch_index,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    pub country_code: String,
    pub postal_code: String,
    pub city: String,
    /// Street, number, building, floor, door; or the free-text address line.
    pub street: String,
}

/// Supplier or customer as the document names them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Party {
    pub name: Option<String>,
    pub tax_number: Option<TaxNumber>,
    pub group_member_tax_number: Option<TaxNumber>,
    pub community_vat_number: Option<String>,
    pub third_state_tax_id: Option<String>,
    pub vat_status: Option<VatStatus>,
    pub address: Option<Address>,
    pub bank_account: Option<String>,
}

/// How VAT applies to a line or a summary row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VatRate {
    /// A rate such as 0.27 (27 %).
    Percentage { rate: Decimal },
    /// Simplified invoices state the VAT content of a gross amount (e.g. 0.2126).
    Content { content: Decimal },
    /// Exempt from VAT, with the legal case (e.g. `AAM`) and its text.
    Exempt { case: String, reason: String },
    /// Outside the scope of the VAT act.
    OutOfScope { case: String, reason: String },
    /// Domestic reverse charge (fordított adózás).
    DomesticReverseCharge,
    /// Margin scheme, with its kind (e.g. `TRAVEL_AGENCY`).
    MarginScheme { indicator: String },
    /// The VAT amount differs from rate × base, with the case code.
    AmountMismatch { rate: Decimal, case: String },
    /// No VAT is charged under §17.
    NoVatCharge,
}

/// A line's modification: which original line it refers to and whether it is new or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineModification {
    pub line_number_reference: u32,
    pub operation: InvoiceOperation,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Line {
    pub number: u32,
    pub description: Option<String>,
    pub quantity: Option<Decimal>,
    /// The unit of measure (`PIECE`, `HOUR`, …) or, for `OWN`, the supplier's own unit.
    pub unit: Option<String>,
    pub unit_price: Option<Decimal>,
    pub net: Option<Decimal>,
    pub net_huf: Option<Decimal>,
    pub vat: Option<Decimal>,
    pub vat_huf: Option<Decimal>,
    pub gross: Option<Decimal>,
    pub gross_huf: Option<Decimal>,
    pub vat_rate: Option<VatRate>,
    pub modification: Option<LineModification>,
    pub advance_payment: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VatSummary {
    pub vat_rate: VatRate,
    pub net: Decimal,
    pub net_huf: Decimal,
    pub vat: Decimal,
    pub vat_huf: Decimal,
    pub gross: Option<Decimal>,
    pub gross_huf: Option<Decimal>,
}

/// Invoice totals in the invoice currency and in HUF.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub net: Decimal,
    pub net_huf: Decimal,
    pub vat: Decimal,
    pub vat_huf: Decimal,
    pub gross: Decimal,
    pub gross_huf: Decimal,
}

impl std::ops::Add for Totals {
    type Output = Totals;
    fn add(self, o: Totals) -> Totals {
        Totals {
            net: self.net + o.net,
            net_huf: self.net_huf + o.net_huf,
            vat: self.vat + o.vat,
            vat_huf: self.vat_huf + o.vat_huf,
            gross: self.gross + o.gross,
            gross_huf: self.gross_huf + o.gross_huf,
        }
    }
}

/// What a modifying or cancelling invoice refers to (`invoiceReference`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModificationReference {
    pub original_invoice_number: InvoiceNumber,
    pub modification_index: u32,
    /// The original was never reported to NAV (e.g. issued on paper before 2018).
    pub modify_without_master: bool,
}

/// One invoice as its document states it. A batch-modification document holds several,
/// told apart by `batch_index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub schema_version: SchemaVersion,
    pub invoice_number: InvoiceNumber,
    pub batch_index: Option<u32>,
    pub issue_date: NaiveDate,
    pub completeness_indicator: bool,
    pub category: InvoiceCategory,
    pub supplier: Party,
    pub customer: Party,
    pub delivery_date: Option<NaiveDate>,
    pub delivery_period: Option<(NaiveDate, NaiveDate)>,
    pub payment_date: Option<NaiveDate>,
    pub payment_method: Option<PaymentMethod>,
    pub currency: String,
    pub exchange_rate: Decimal,
    pub appearance: Option<String>,
    pub modification: Option<ModificationReference>,
    pub lines: Vec<Line>,
    pub vat_summary: Vec<VatSummary>,
    pub totals: Totals,
    /// What the reader found wrong with the document but read past: a tax number failing its
    /// check digit, a code value it does not know, a missing or unreadable optional value, an
    /// element the schema does not have. NAV accepted the document, so navsync stores it and
    /// says what it could not take in; the affected field is absent (or as documented where
    /// it has to hold something). At most [`Invoice::MAX_WARNINGS`] entries of at most
    /// [`Invoice::MAX_WARNING_CHARS`] characters: see [`push_warning`]. Empty for a clean
    /// document, and for records stored before warnings existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Invoice {
    /// A document a third party wrote can hold any number of oddities; a record keeps a few.
    pub const MAX_WARNINGS: usize = 20;
    pub const MAX_WARNING_CHARS: usize = 300;
}

/// Adds a warning within the bounds of [`Invoice::warnings`]: a message is cut to
/// [`Invoice::MAX_WARNING_CHARS`] characters (ending in `…`), and once
/// [`Invoice::MAX_WARNINGS`] − 1 are held the last entry counts the ones left out.
pub fn push_warning(warnings: &mut Vec<String>, message: impl Into<String>) {
    const OMITTED: &str = "further warnings omitted: ";
    let keep = Invoice::MAX_WARNINGS - 1;
    if warnings.len() >= keep {
        let omitted = match warnings.get(keep) {
            Some(last) => last
                .strip_prefix(OMITTED)
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0),
            None => 0,
        };
        warnings.truncate(keep);
        warnings.push(format!("{OMITTED}{}", omitted + 1));
        return;
    }
    let mut message = message.into();
    if let Some((cut, _)) = message.char_indices().nth(Invoice::MAX_WARNING_CHARS - 1) {
        message.truncate(cut);
        message.push('…');
    }
    warnings.push(message);
}

/// Where an invoice's original document lives in the archive, and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub key: String,
    pub sha256: String,
    pub size: u64,
}

/// A stored invoice: its key, NAV's digest, the parsed document, and where the original is archived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceRecord {
    pub key: InvoiceKey,
    pub digest: InvoiceDigest,
    pub invoice: Invoice,
    pub document: DocumentRef,
    /// NAV's `electronicInvoiceHash`; absent for records stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electronic_invoice_hash: Option<ElectronicInvoiceHash>,
}

/// NAV's `electronicInvoiceHash`: with `completenessIndicator` true the data report is the
/// invoice itself (spec 2.6), and this hash (SHA3-512 over the base64 `invoiceData` as
/// reported) is what proves the archived copy intact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectronicInvoiceHash {
    /// As NAV sent it (`SHA3-512`, `SHA-256`, or an unknown value kept as text).
    pub crypto_type: String,
    pub value: String,
    /// `Some(true)` when recomputing it over the served data matched, `Some(false)` when it
    /// did not, `None` when it cannot be checked here (an unknown algorithm, or a hash of an
    /// external file such as a PDF when the data report is not the invoice).
    pub verified: Option<bool>,
}

impl ElectronicInvoiceHash {
    /// The warning a failed check puts on the invoice: the archive keeps what NAV served, but
    /// the user must know it does not prove itself.
    pub fn mismatch_warning(&self) -> Option<String> {
        (self.verified == Some(false)).then(|| {
            format!(
                "electronicInvoiceHash ({}) does not match the invoice data NAV served",
                self.crypto_type
            )
        })
    }
}

impl InvoiceRecord {
    /// The partner: the customer of an OUTBOUND invoice, the supplier of an INBOUND one.
    pub fn partner(&self) -> &Party {
        match self.key.id.direction {
            Direction::Outbound => &self.invoice.customer,
            Direction::Inbound => &self.invoice.supplier,
        }
    }

    pub fn operation(&self) -> InvoiceOperation {
        self.digest.operation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_enums_round_trip_and_name_the_choices() {
        assert_eq!(
            "STORNO".parse::<InvoiceOperation>().unwrap(),
            InvoiceOperation::Storno
        );
        assert_eq!(PaymentMethod::Transfer.to_string(), "TRANSFER");
        let err = "WIRE".parse::<PaymentMethod>().unwrap_err();
        assert!(
            err.to_string().contains("TRANSFER CASH CARD VOUCHER OTHER"),
            "{err}"
        );
        assert_eq!(
            serde_json::to_string(&Direction::Inbound).unwrap(),
            "\"INBOUND\""
        );
    }

    #[test]
    fn warnings_are_bounded_in_number_and_length() {
        let mut w = Vec::new();
        push_warning(&mut w, "é".repeat(1000));
        assert_eq!(w[0].chars().count(), Invoice::MAX_WARNING_CHARS);
        assert!(w[0].ends_with('…'));
        for i in 1..25 {
            push_warning(&mut w, format!("w{i}"));
        }
        assert_eq!(w.len(), Invoice::MAX_WARNINGS);
        assert_eq!(w[18], "w18");
        // 25 pushed, 19 kept: 6 left out.
        assert_eq!(w[19], "further warnings omitted: 6");
    }

    #[test]
    fn invoice_numbers_are_bounded_and_not_blank() {
        assert!("SZ-2024/0001".parse::<InvoiceNumber>().is_ok());
        assert!("".parse::<InvoiceNumber>().is_err());
        assert!("   ".parse::<InvoiceNumber>().is_err());
        assert!("é".repeat(50).parse::<InvoiceNumber>().is_ok());
        assert!("é".repeat(51).parse::<InvoiceNumber>().is_err());
    }

    #[test]
    fn a_record_stored_before_the_electronic_invoice_hash_still_loads() {
        let mut record = crate::sample::record(Direction::Outbound, "OLD/1");
        let old = serde_json::to_value(&record).unwrap();
        assert!(old.get("electronic_invoice_hash").is_none());
        let loaded: InvoiceRecord = serde_json::from_value(old).unwrap();
        assert_eq!(loaded, record);

        record.electronic_invoice_hash = Some(ElectronicInvoiceHash {
            crypto_type: "SHA3-512".into(),
            value: "AB12".into(),
            verified: Some(true),
        });
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            serde_json::from_str::<InvoiceRecord>(&json).unwrap(),
            record
        );
    }
}
