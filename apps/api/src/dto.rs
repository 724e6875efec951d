//! The API's wire types. Explicit DTOs rather than the domain types: the contract in
//! `openapi/openapi.json` must not move when the domain refactors. Amounts are decimal strings
//! (exact; a JSON number would go through a float in most clients).

use chrono::{DateTime, NaiveDate, Utc};
use navsync_domain::query::InvoiceSummary;
use navsync_domain::sync::{EffectiveState, InvoiceChain, PendingInvoice, RunRecord, SyncState};
use navsync_domain::{
    Address, Direction, InvoiceCategory, InvoiceOperation, InvoiceRecord, Line, Party,
    PaymentMethod, Totals, VatRate, VatSummary,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::paths;

/// Which side of the invoice the taxpayer is on: OUTBOUND = it sold, INBOUND = it bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DirectionDto {
    Inbound,
    Outbound,
}

impl From<Direction> for DirectionDto {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Inbound => Self::Inbound,
            Direction::Outbound => Self::Outbound,
        }
    }
}

impl From<DirectionDto> for Direction {
    fn from(d: DirectionDto) -> Self {
        match d {
            DirectionDto::Inbound => Self::Inbound,
            DirectionDto::Outbound => Self::Outbound,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationDto {
    Create,
    Modify,
    Storno,
}

impl From<InvoiceOperation> for OperationDto {
    fn from(o: InvoiceOperation) -> Self {
        match o {
            InvoiceOperation::Create => Self::Create,
            InvoiceOperation::Modify => Self::Modify,
            InvoiceOperation::Storno => Self::Storno,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CategoryDto {
    Normal,
    Simplified,
    Aggregate,
}

impl From<InvoiceCategory> for CategoryDto {
    fn from(c: InvoiceCategory) -> Self {
        match c {
            InvoiceCategory::Normal => Self::Normal,
            InvoiceCategory::Simplified => Self::Simplified,
            InvoiceCategory::Aggregate => Self::Aggregate,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentMethodDto {
    Transfer,
    Cash,
    Card,
    Voucher,
    Other,
}

impl From<PaymentMethod> for PaymentMethodDto {
    fn from(p: PaymentMethod) -> Self {
        match p {
            PaymentMethod::Transfer => Self::Transfer,
            PaymentMethod::Cash => Self::Cash,
            PaymentMethod::Card => Self::Card,
            PaymentMethod::Voucher => Self::Voucher,
            PaymentMethod::Other => Self::Other,
        }
    }
}

/// A decimal amount as a string, e.g. `"12700.00"`.
pub type Amount = String;

fn amount(d: Decimal) -> Amount {
    d.to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TotalsDto {
    #[schema(value_type = String, example = "10000.00")]
    pub net: Amount,
    #[schema(value_type = String, example = "2700.00")]
    pub vat: Amount,
    #[schema(value_type = String, example = "12700.00")]
    pub gross: Amount,
    #[schema(value_type = String, example = "10000.00")]
    pub net_huf: Amount,
    #[schema(value_type = String, example = "2700.00")]
    pub vat_huf: Amount,
    #[schema(value_type = String, example = "12700.00")]
    pub gross_huf: Amount,
}

impl From<&Totals> for TotalsDto {
    fn from(t: &Totals) -> Self {
        Self {
            net: amount(t.net),
            vat: amount(t.vat),
            gross: amount(t.gross),
            net_huf: amount(t.net_huf),
            vat_huf: amount(t.vat_huf),
            gross_huf: amount(t.gross_huf),
        }
    }
}

/// One row of a listing.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct InvoiceSummaryDto {
    #[schema(example = "12345676")]
    pub taxpayer: String,
    pub direction: DirectionDto,
    #[schema(example = "12345676")]
    pub supplier_tax_number: String,
    #[schema(example = "SZ-2024/0001")]
    pub invoice_number: String,
    /// The part of a batch-modification document, 1-based.
    pub batch_index: Option<u32>,
    pub operation: OperationDto,
    pub category: CategoryDto,
    pub issue_date: NaiveDate,
    /// The other party's taxpayer id: the customer of an OUTBOUND invoice, the supplier of an INBOUND one.
    pub partner_tax_number: Option<String>,
    pub partner_name: Option<String>,
    #[schema(example = "HUF")]
    pub currency: String,
    pub payment_method: Option<PaymentMethodDto>,
    /// For MODIFY/STORNO: the invoice this one modifies.
    pub original_invoice_number: Option<String>,
    pub totals: TotalsDto,
    /// This invoice in full.
    #[schema(example = "/v1/taxpayers/12345676/invoices/OUTBOUND/12345676/SZ-2024%2F0001")]
    pub href: String,
}

impl From<&InvoiceSummary> for InvoiceSummaryDto {
    fn from(s: &InvoiceSummary) -> Self {
        Self {
            taxpayer: s.key.taxpayer.to_string(),
            direction: s.key.id.direction.into(),
            supplier_tax_number: s.key.id.supplier_tax_number.to_string(),
            invoice_number: s.key.id.invoice_number.to_string(),
            batch_index: s.key.id.batch_index,
            operation: s.operation.into(),
            category: s.category.into(),
            issue_date: s.issue_date,
            partner_tax_number: s.partner_tax_number.map(|t| t.to_string()),
            partner_name: s.partner_name.clone(),
            currency: s.currency.clone(),
            payment_method: s.payment_method.map(Into::into),
            original_invoice_number: s.original_invoice_number.as_ref().map(ToString::to_string),
            totals: (&s.totals).into(),
            href: paths::invoice(&s.key),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct InvoiceListDto {
    pub items: Vec<InvoiceSummaryDto>,
    /// Pass as `cursor` with the same filters for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// How many invoices match, where the store can count them cheaply; otherwise absent.
    pub total: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AddressDto {
    pub country_code: String,
    pub postal_code: String,
    pub city: String,
    pub street: String,
}

impl From<&Address> for AddressDto {
    fn from(a: &Address) -> Self {
        Self {
            country_code: a.country_code.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
            street: a.street.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PartyDto {
    pub name: Option<String>,
    /// `NNNNNNNN-V-CC` or `NNNNNNNN`.
    #[schema(example = "12345676-2-41")]
    pub tax_number: Option<String>,
    pub group_member_tax_number: Option<String>,
    pub community_vat_number: Option<String>,
    pub third_state_tax_id: Option<String>,
    /// DOMESTIC, OTHER or PRIVATE_PERSON (customers only).
    pub vat_status: Option<String>,
    pub address: Option<AddressDto>,
    pub bank_account: Option<String>,
}

impl From<&Party> for PartyDto {
    fn from(p: &Party) -> Self {
        Self {
            name: p.name.clone(),
            tax_number: p.tax_number.as_ref().map(ToString::to_string),
            group_member_tax_number: p.group_member_tax_number.as_ref().map(ToString::to_string),
            community_vat_number: p.community_vat_number.clone(),
            third_state_tax_id: p.third_state_tax_id.clone(),
            vat_status: p.vat_status.map(|s| s.as_str().to_owned()),
            address: p.address.as_ref().map(Into::into),
            bank_account: p.bank_account.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VatRateKind {
    Percentage,
    Content,
    Exempt,
    OutOfScope,
    DomesticReverseCharge,
    MarginScheme,
    AmountMismatch,
    NoVatCharge,
}

/// How VAT applies; which fields are set depends on `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VatRateDto {
    pub kind: VatRateKind,
    /// `percentage`, `amount_mismatch`: the rate, e.g. `"0.27"`.
    #[schema(value_type = Option<String>)]
    pub rate: Option<Amount>,
    /// `content`: the VAT content of a gross amount, e.g. `"0.2126"`.
    #[schema(value_type = Option<String>)]
    pub content: Option<Amount>,
    /// `exempt`, `out_of_scope`, `amount_mismatch`: the legal case code.
    pub case: Option<String>,
    pub reason: Option<String>,
    /// `margin_scheme`: its kind, e.g. `TRAVEL_AGENCY`.
    pub indicator: Option<String>,
}

impl From<&VatRate> for VatRateDto {
    fn from(v: &VatRate) -> Self {
        let mut d = VatRateDto {
            kind: VatRateKind::NoVatCharge,
            rate: None,
            content: None,
            case: None,
            reason: None,
            indicator: None,
        };
        match v {
            VatRate::Percentage { rate } => {
                d.kind = VatRateKind::Percentage;
                d.rate = Some(amount(*rate));
            }
            VatRate::Content { content } => {
                d.kind = VatRateKind::Content;
                d.content = Some(amount(*content));
            }
            VatRate::Exempt { case, reason } => {
                d.kind = VatRateKind::Exempt;
                d.case = Some(case.clone());
                d.reason = Some(reason.clone());
            }
            VatRate::OutOfScope { case, reason } => {
                d.kind = VatRateKind::OutOfScope;
                d.case = Some(case.clone());
                d.reason = Some(reason.clone());
            }
            VatRate::DomesticReverseCharge => d.kind = VatRateKind::DomesticReverseCharge,
            VatRate::MarginScheme { indicator } => {
                d.kind = VatRateKind::MarginScheme;
                d.indicator = Some(indicator.clone());
            }
            VatRate::AmountMismatch { rate, case } => {
                d.kind = VatRateKind::AmountMismatch;
                d.rate = Some(amount(*rate));
                d.case = Some(case.clone());
            }
            VatRate::NoVatCharge => d.kind = VatRateKind::NoVatCharge,
        }
        d
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LineDto {
    pub number: u32,
    pub description: Option<String>,
    #[schema(value_type = Option<String>)]
    pub quantity: Option<Amount>,
    pub unit: Option<String>,
    #[schema(value_type = Option<String>)]
    pub unit_price: Option<Amount>,
    #[schema(value_type = Option<String>)]
    pub net: Option<Amount>,
    #[schema(value_type = Option<String>)]
    pub net_huf: Option<Amount>,
    #[schema(value_type = Option<String>)]
    pub vat: Option<Amount>,
    #[schema(value_type = Option<String>)]
    pub vat_huf: Option<Amount>,
    #[schema(value_type = Option<String>)]
    pub gross: Option<Amount>,
    #[schema(value_type = Option<String>)]
    pub gross_huf: Option<Amount>,
    pub vat_rate: Option<VatRateDto>,
    /// For a modifying invoice's line: the original line it refers to.
    pub modifies_line: Option<u32>,
    /// For a modifying invoice's line: CREATE (a new line) or MODIFY.
    pub line_operation: Option<OperationDto>,
    pub advance_payment: bool,
}

impl From<&Line> for LineDto {
    fn from(l: &Line) -> Self {
        Self {
            number: l.number,
            description: l.description.clone(),
            quantity: l.quantity.map(amount),
            unit: l.unit.clone(),
            unit_price: l.unit_price.map(amount),
            net: l.net.map(amount),
            net_huf: l.net_huf.map(amount),
            vat: l.vat.map(amount),
            vat_huf: l.vat_huf.map(amount),
            gross: l.gross.map(amount),
            gross_huf: l.gross_huf.map(amount),
            vat_rate: l.vat_rate.as_ref().map(Into::into),
            modifies_line: l.modification.as_ref().map(|m| m.line_number_reference),
            line_operation: l.modification.as_ref().map(|m| m.operation.into()),
            advance_payment: l.advance_payment,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VatSummaryDto {
    pub vat_rate: VatRateDto,
    #[schema(value_type = String)]
    pub net: Amount,
    #[schema(value_type = String)]
    pub net_huf: Amount,
    #[schema(value_type = String)]
    pub vat: Amount,
    #[schema(value_type = String)]
    pub vat_huf: Amount,
    #[schema(value_type = Option<String>)]
    pub gross: Option<Amount>,
    #[schema(value_type = Option<String>)]
    pub gross_huf: Option<Amount>,
}

impl From<&VatSummary> for VatSummaryDto {
    fn from(v: &VatSummary) -> Self {
        Self {
            vat_rate: (&v.vat_rate).into(),
            net: amount(v.net),
            net_huf: amount(v.net_huf),
            vat: amount(v.vat),
            vat_huf: amount(v.vat_huf),
            gross: v.gross.map(amount),
            gross_huf: v.gross_huf.map(amount),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ModificationDto {
    pub original_invoice_number: String,
    pub modification_index: u32,
    /// The original was never reported to NAV.
    pub modify_without_master: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PeriodDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DocumentDto {
    /// SHA-256 of the original XML, hex.
    pub sha256: String,
    pub size: u64,
    /// Download the original XML.
    pub href: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EffectiveStateDto {
    /// As issued: no modification stored.
    Original,
    /// Modified; the last modification is not a storno.
    Modified,
    /// Cancelled by a storno.
    Cancelled,
}

impl From<EffectiveState> for EffectiveStateDto {
    fn from(s: EffectiveState) -> Self {
        match s {
            EffectiveState::Original => Self::Original,
            EffectiveState::Modified => Self::Modified,
            EffectiveState::Cancelled => Self::Cancelled,
        }
    }
}

/// One invoice of a modification chain.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChainMemberDto {
    pub invoice_number: String,
    pub batch_index: Option<u32>,
    pub operation: OperationDto,
    /// 1, 2, … for modifications; absent for the original.
    pub modification_index: Option<u32>,
    pub issue_date: NaiveDate,
    /// The difference this invoice makes (the original: its own totals).
    pub totals: TotalsDto,
    pub href: String,
}

impl From<&InvoiceRecord> for ChainMemberDto {
    fn from(r: &InvoiceRecord) -> Self {
        Self {
            invoice_number: r.key.id.invoice_number.to_string(),
            batch_index: r.key.id.batch_index,
            operation: r.operation().into(),
            modification_index: r
                .invoice
                .modification
                .as_ref()
                .map(|m| m.modification_index),
            issue_date: r.invoice.issue_date,
            totals: (&r.invoice.totals).into(),
            href: paths::invoice(&r.key),
        }
    }
}

/// The original and every stored MODIFY/STORNO that references it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChainDto {
    /// The original's invoice number.
    pub root: String,
    pub state: EffectiveStateDto,
    /// The original's totals plus every modification's difference.
    pub effective_totals: TotalsDto,
    /// Absent when the original is not stored (modified without master, or not synced).
    pub original: Option<ChainMemberDto>,
    /// By modification index.
    pub modifications: Vec<ChainMemberDto>,
    /// Modification indexes missing between 1 and the highest stored (not synced yet): the
    /// lowest, at most 20; `missing_count` says how many in all.
    pub missing_indexes: Vec<u32>,
    pub missing_count: u64,
}

impl From<&InvoiceChain> for ChainDto {
    fn from(c: &InvoiceChain) -> Self {
        Self {
            root: c.root.to_string(),
            state: c.state().into(),
            effective_totals: (&c.effective_totals()).into(),
            original: c.original.as_ref().map(Into::into),
            modifications: c.modifications.iter().map(Into::into).collect(),
            missing_indexes: c.missing_indexes(),
            missing_count: c.missing_count(),
        }
    }
}

/// One invoice in full, with its modification chain.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct InvoiceDetailDto {
    #[serde(flatten)]
    pub summary: InvoiceSummaryDto,
    /// The NAV schema version of the original document: `1.x`, `2.0` or `3.0`.
    pub schema_version: String,
    pub completeness_indicator: bool,
    pub supplier: PartyDto,
    pub customer: PartyDto,
    pub delivery_date: Option<NaiveDate>,
    pub delivery_period: Option<PeriodDto>,
    pub payment_date: Option<NaiveDate>,
    #[schema(value_type = String, example = "1")]
    pub exchange_rate: Amount,
    pub appearance: Option<String>,
    pub modification: Option<ModificationDto>,
    pub lines: Vec<LineDto>,
    pub vat_summary: Vec<VatSummaryDto>,
    /// When NAV received the data exchange.
    pub ins_date: DateTime<Utc>,
    pub transaction_id: Option<String>,
    /// What the document breaks that NAV does not enforce (a tax number failing its check
    /// digit, an unknown code value, an undeclared element…): read past, kept as NAV served it.
    /// At most 20, each at most 300 characters.
    pub warnings: Vec<String>,
    pub document: DocumentDto,
    /// NAV's `electronicInvoiceHash`, when it sent one. With `completeness_indicator` true the
    /// data report is the invoice itself and this hash proves the archived copy intact.
    pub electronic_invoice_hash: Option<ElectronicInvoiceHashDto>,
    pub chain: ChainDto,
    /// Earlier data reports of this invoice that a resubmission replaced (the supplier
    /// technically annulled them and reported the invoice again under the same number),
    /// latest first; each kept archived as NAV served it. Empty for most invoices.
    pub superseded_versions: Vec<SupersededVersionDto>,
}

/// A superseded data report of an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SupersededVersionDto {
    /// The report: `{transactionId}/{index}`, or `@{insDate}` for one without a transaction.
    pub report_id: String,
    pub transaction_id: Option<String>,
    /// When NAV received that report.
    pub ins_date: DateTime<Utc>,
    /// SHA-256 of its archived original XML, hex.
    pub sha256: String,
    pub size: u64,
    #[schema(value_type = String, example = "127000")]
    pub gross_huf: Amount,
}

/// NAV's `electronicInvoiceHash`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ElectronicInvoiceHashDto {
    /// The algorithm as NAV named it: `SHA3-512`, `SHA-256`, or another value kept as text.
    pub crypto_type: String,
    /// The hash, hex, as NAV sent it.
    pub value: String,
    /// `true`: recomputed over the invoice data NAV served and matched; `false`: it did not
    /// (the invoice carries a warning); null: cannot be checked here (an unknown algorithm,
    /// or a hash of an external file when the data report is not the invoice).
    pub verified: Option<bool>,
}

impl InvoiceDetailDto {
    /// With the invoice's superseded versions (`InvoiceQueries::versions`).
    pub fn with_versions(mut self, versions: &[InvoiceRecord]) -> Self {
        self.superseded_versions = versions
            .iter()
            .map(|v| SupersededVersionDto {
                report_id: v.digest.report_id().to_string(),
                transaction_id: v.digest.transaction_id.clone(),
                ins_date: v.digest.ins_date,
                sha256: v.document.sha256.clone(),
                size: v.document.size,
                gross_huf: amount(InvoiceSummary::from(v).totals.gross_huf),
            })
            .collect();
        self
    }

    pub fn new(record: &InvoiceRecord, chain: &InvoiceChain) -> Self {
        let inv = &record.invoice;
        Self {
            summary: (&InvoiceSummary::from(record)).into(),
            schema_version: match inv.schema_version {
                navsync_domain::SchemaVersion::V1 => "1.x",
                navsync_domain::SchemaVersion::V2 => "2.0",
                navsync_domain::SchemaVersion::V3 => "3.0",
            }
            .to_owned(),
            completeness_indicator: inv.completeness_indicator,
            supplier: (&inv.supplier).into(),
            customer: (&inv.customer).into(),
            delivery_date: inv.delivery_date,
            delivery_period: inv.delivery_period.map(|(from, to)| PeriodDto { from, to }),
            payment_date: inv.payment_date,
            exchange_rate: amount(inv.exchange_rate),
            appearance: inv.appearance.clone(),
            modification: inv.modification.as_ref().map(|m| ModificationDto {
                original_invoice_number: m.original_invoice_number.to_string(),
                modification_index: m.modification_index,
                modify_without_master: m.modify_without_master,
            }),
            lines: inv.lines.iter().map(Into::into).collect(),
            vat_summary: inv.vat_summary.iter().map(Into::into).collect(),
            ins_date: record.digest.ins_date,
            transaction_id: record.digest.transaction_id.clone(),
            warnings: inv.warnings.clone(),
            document: DocumentDto {
                sha256: record.document.sha256.clone(),
                size: record.document.size,
                href: paths::document(&record.key),
            },
            electronic_invoice_hash: record.electronic_invoice_hash.as_ref().map(|h| {
                ElectronicInvoiceHashDto {
                    crypto_type: h.crypto_type.clone(),
                    value: h.value.clone(),
                    verified: h.verified,
                }
            }),
            chain: chain.into(),
            superseded_versions: Vec::new(),
        }
    }
}

/// The original document's download URL (`delivery=url`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DocumentUrlDto {
    /// A short-lived presigned URL, or this API's own `delivery=bytes` URL where the archive
    /// has no presigned URLs (then send the bearer token with it).
    pub url: String,
    /// Seconds the URL stays valid; absent for the API's own URL.
    pub expires_in_seconds: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RunDto {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Why the run did not finish, with NAV's errorCode where there was one; absent when it did.
    pub error: Option<String>,
    pub stopped_at_deadline: bool,
    pub windows_planned: u32,
    pub windows_completed: u32,
    pub pages: u32,
    pub listed: u64,
    pub new: u64,
    pub already_stored: u64,
    pub modifications: u64,
    /// Listed, but NAV returned no document or none readable: quarantined (see `pending`).
    pub unavailable: u64,
    /// Quarantined invoices this run stored after all.
    pub recovered: u64,
    /// Of `new`, invoices NAV received before the run's starting watermark (listed late).
    pub late: u64,
    /// Of the digest calls, those re-listing the days behind the watermark.
    pub recheck_digest_calls: u64,
    pub digest_calls: u64,
    pub data_calls: u64,
    pub duration_ms: u64,
}

impl From<&RunRecord> for RunDto {
    fn from(r: &RunRecord) -> Self {
        Self {
            started_at: r.started_at,
            finished_at: r.finished_at,
            error: r.error.clone(),
            stopped_at_deadline: r.report.stopped_at_deadline,
            windows_planned: r.report.windows_planned,
            windows_completed: r.report.windows_completed,
            pages: r.report.pages,
            listed: r.report.listed,
            new: r.report.new,
            already_stored: r.report.already_stored,
            modifications: r.report.modifications,
            unavailable: r.report.unavailable,
            recovered: r.report.recovered,
            late: r.report.late,
            recheck_digest_calls: r.report.recheck_digest_calls,
            digest_calls: r.report.digest_calls,
            data_calls: r.report.data_calls,
            duration_ms: r.report.duration_ms,
        }
    }
}

/// An invoice NAV listed whose document could not be fetched or read: quarantined, retried
/// with backoff (15 minutes, doubling up to a day), never holding up the other invoices.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PendingInvoiceDto {
    pub invoice_number: String,
    pub supplier_tax_number: String,
    pub batch_index: Option<u32>,
    pub operation: OperationDto,
    pub issue_date: NaiveDate,
    /// When NAV received the invoice's data report.
    pub ins_date: DateTime<Utc>,
    pub supplier_name: String,
    /// The last failure, as NAV or the reader put it.
    pub reason: String,
    pub attempts: u32,
    pub first_failed_at: DateTime<Utc>,
    pub last_failed_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
}

impl From<&PendingInvoice> for PendingInvoiceDto {
    fn from(p: &PendingInvoice) -> Self {
        Self {
            invoice_number: p.key.id.invoice_number.to_string(),
            supplier_tax_number: p.key.id.supplier_tax_number.to_string(),
            batch_index: p.key.id.batch_index,
            operation: p.digest.operation.into(),
            issue_date: p.digest.issue_date,
            ins_date: p.digest.ins_date,
            supplier_name: p.digest.supplier_name.clone(),
            reason: p.reason.clone(),
            attempts: p.attempts,
            first_failed_at: p.first_failed_at,
            last_failed_at: p.last_failed_at,
            next_attempt_at: p.next_attempt_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DirectionStatusDto {
    pub direction: DirectionDto,
    /// Every invoice NAV received before this instant is stored or pending; absent before the
    /// first sync.
    pub watermark: Option<DateTime<Utc>>,
    pub last_run: Option<RunDto>,
    /// Quarantined invoices, earliest failure first, at most [`DirectionStatusDto::MAX_PENDING`].
    pub pending: Vec<PendingInvoiceDto>,
    /// More are pending than `pending` lists.
    pub pending_truncated: bool,
}

impl DirectionStatusDto {
    pub const MAX_PENDING: usize = 100;

    /// `pending` as read with a limit of `MAX_PENDING + 1`, so one more tells it is cut.
    pub fn new(direction: Direction, state: &SyncState, pending: &[PendingInvoice]) -> Self {
        Self {
            direction: direction.into(),
            watermark: state.watermark,
            last_run: state.last_run.as_ref().map(Into::into),
            pending: pending
                .iter()
                .take(Self::MAX_PENDING)
                .map(Into::into)
                .collect(),
            pending_truncated: pending.len() > Self::MAX_PENDING,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SyncStatusDto {
    pub taxpayer: String,
    pub directions: Vec<DirectionStatusDto>,
}

/// Body of "sync now"; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequestDto {
    /// Default: both.
    #[schema(min_items = 1)]
    pub directions: Option<Vec<DirectionDto>>,
    /// How far back to look when there is no watermark, 1–30 days; default: the deployment's.
    #[schema(minimum = 1, maximum = 30)]
    pub lookback_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SyncAcceptedDto {
    pub taxpayer: String,
    pub directions: Vec<DirectionDto>,
    /// What the trigger calls this run (e.g. the Lambda request id), where it says.
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MeDto {
    pub subject: String,
    /// The operator reads and syncs every taxpayer, listed or not (Cognito group `operators`).
    pub operator: bool,
    /// The taxpayers the token names, each with the caller's role on it.
    pub taxpayers: Vec<TaxpayerRoleDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TaxpayerRoleDto {
    #[schema(example = "12345676")]
    pub taxpayer: String,
    pub role: RoleDto,
}

/// `reader`: reads the taxpayer's invoices, documents, export and sync status;
/// `admin`: a reader who may also start its sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleDto {
    Reader,
    Admin,
}

impl From<crate::auth::Role> for RoleDto {
    fn from(r: crate::auth::Role) -> Self {
        match r {
            crate::auth::Role::Reader => Self::Reader,
            crate::auth::Role::Admin => Self::Admin,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HealthDto {
    #[schema(example = "ok")]
    pub status: String,
    pub version: String,
}
