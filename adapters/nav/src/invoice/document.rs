//! Assembling the domain model from the leaf values the reader hands over, element by element.
//!
//! The reader tells this builder three things: an element started (`open`), a leaf element's
//! text (`leaf`), and an element ended (`close`), each with the element's parent. Elements the
//! builder has no use for are ignored, whatever their name, so unknown or newer elements never
//! break parsing. One builder serves 3.0, 2.0 and 1.x: their element names for the same data
//! are mostly equal, and the differences (pre-3.0 VAT booleans, 1.x `invoiceExchange` and
//! `invoiceHead/invoiceData`) are handled where they occur.
//!
//! Derived values (documented rules, applied only when the document lacks the value):
//! - A HUF amount missing from the document (1.x has none for net amounts) is the amount in
//!   the invoice currency × `exchangeRate`, rounded to 2 decimals half away from zero.
//! - Simplified invoices state gross amounts and a VAT content (the VAT share of the gross,
//!   e.g. 0.2126 = 27/127). A summary row's VAT is gross × VAT content, rounded to 2 decimals
//!   (0 for exempt and other non-content rows); its net is gross − VAT. The invoice totals are
//!   the sums of the rows, the gross taken from `summaryGrossData` when present.
//! - Normal and aggregate invoices: a gross total missing (`summaryGrossData` is optional) is
//!   net + VAT; a missing net or VAT total is the sum of the summary rows.
//! - Pre-3.0 VAT exemptions and out-of-scope marks carry no case code: the case is `UNKNOWN`,
//!   the value NAV itself prescribes for references to pre-3.0 data. A pre-3.0 amount mismatch
//!   carries no rate: it is reported with rate 0.
//! - Addresses: a detailed address's street, public place category, number, building,
//!   staircase, floor, door and lot number are joined into `street`; `region` is dropped.
//!
//! Lenient reading: NAV accepted the document, so what NAV does not enforce does not stop it.
//! A value that does not read (a tax number failing its check digit, a code value the
//! parser does not know, a malformed amount or date), a missing field and an element the 3.0
//! schema does not declare each become a warning on the invoice (`Invoice::warnings`), and
//! the field stays absent. Where the model must hold something: an unknown or missing
//! category is `NORMAL`, a missing currency `HUF`, a missing exchange rate of a foreign
//! currency 0 (HUF amounts the document leaves out then read 0, visibly not a real value), a
//! line without a number takes its position. A VAT summary row without its rate or amounts is
//! left out. Only what makes a document not an invoice is refused: no invoice element, no
//! invoice number or issue date (its identity), an unreadable batch index.

use std::fmt::Display;

use chrono::NaiveDate;
use navsync_domain::{
    Address, Invoice, InvoiceCategory, InvoiceNumber, InvoiceOperation, Line, LineModification,
    ModificationReference, Party, PaymentMethod, SchemaVersion, TaxNumber, TaxNumberError, Totals,
    VatRate, VatStatus, VatSummary, push_warning,
};
use rust_decimal::Decimal;

use super::InvoiceData;
use super::error::ParseError;
use super::tag::Tag;
use super::value::{boolean, date, decimal, index, money, wire};

/// The case code NAV prescribes where pre-3.0 data has none.
const UNKNOWN_CASE: &str = "UNKNOWN";

pub(crate) struct DocumentBuilder {
    version: SchemaVersion,
    root_path: &'static str,
    invoice_number: Option<InvoiceNumber>,
    issue_date: Option<NaiveDate>,
    completeness: Option<bool>,
    pending_batch_index: Option<u32>,
    invoices: Vec<Invoice>,
    invoice: Option<InvoiceBuilder>,
    line: Option<LineBuilder>,
    row: Option<RowBuilder>,
    vat: Option<VatRateBuilder>,
    tax_number: TaxNumberParts,
    group_tax_number: TaxNumberParts,
    address: AddressParts,
    /// Warnings about the document outside any invoice; every invoice of it carries them.
    warnings: Vec<String>,
}

#[derive(Default)]
struct InvoiceBuilder {
    batch_index: Option<u32>,
    category: Option<InvoiceCategory>,
    supplier: Party,
    customer: Party,
    delivery_date: Option<NaiveDate>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    payment_date: Option<NaiveDate>,
    payment_method: Option<PaymentMethod>,
    currency: Option<String>,
    exchange_rate: Option<Decimal>,
    appearance: Option<String>,
    reference: bool,
    original_invoice_number: Option<InvoiceNumber>,
    modify_without_master: Option<bool>,
    modification_index: Option<u32>,
    lines: Vec<Line>,
    rows: Vec<VatSummary>,
    simplified_rows: bool,
    net: Option<Decimal>,
    net_huf: Option<Decimal>,
    vat: Option<Decimal>,
    vat_huf: Option<Decimal>,
    gross: Option<Decimal>,
    gross_huf: Option<Decimal>,
    warnings: Vec<String>,
}

#[derive(Default)]
struct LineBuilder {
    line: Line,
    has_number: bool,
    unit_own: Option<String>,
    own_unit: bool,
    reference: Option<u32>,
    operation: Option<InvoiceOperation>,
    margin_indicator: Option<String>,
}

#[derive(Default)]
struct RowBuilder {
    simplified: bool,
    vat_rate: Option<VatRate>,
    net: Option<Decimal>,
    net_huf: Option<Decimal>,
    vat: Option<Decimal>,
    vat_huf: Option<Decimal>,
    gross: Option<Decimal>,
    gross_huf: Option<Decimal>,
}

#[derive(Default)]
struct VatRateBuilder {
    percentage: Option<Decimal>,
    content: Option<Decimal>,
    exempt: bool,
    out_of_scope: bool,
    mismatch: bool,
    mismatch_rate: Option<Decimal>,
    case: Option<String>,
    reason: Option<String>,
    reverse_charge: bool,
    margin: Option<String>,
    no_vat_charge: bool,
}

#[derive(Default)]
struct TaxNumberParts {
    taxpayer_id: Option<String>,
    vat_code: Option<String>,
    county_code: Option<String>,
}

#[derive(Default)]
struct AddressParts {
    country_code: String,
    postal_code: String,
    city: String,
    detail: String,
    street: Vec<(Tag, String)>,
}

impl DocumentBuilder {
    /// `root_path` is `/InvoiceData` or (1.x) `/Invoice`.
    pub(crate) fn new(version: SchemaVersion, root_path: &'static str) -> Self {
        Self {
            version,
            root_path,
            invoice_number: None,
            issue_date: None,
            completeness: None,
            pending_batch_index: None,
            invoices: Vec::new(),
            invoice: None,
            line: None,
            row: None,
            vat: None,
            tax_number: TaxNumberParts::default(),
            group_tax_number: TaxNumberParts::default(),
            address: AddressParts::default(),
            warnings: Vec::new(),
        }
    }

    /// A warning on the invoice being read, or on the document outside one.
    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        match self.invoice.as_mut() {
            Some(inv) => push_warning(&mut inv.warnings, message),
            None => push_warning(&mut self.warnings, message),
        }
    }

    /// An element the reader does not act on started; one the 3.0 schema does not declare is
    /// worth a warning (older schemas had names 3.0 dropped, so only 3.0 documents are judged).
    /// Returns whether it warned, so that the element's own children need not.
    pub(crate) fn other_element(&mut self, local_name: &str, path: &dyn Display) -> bool {
        let undeclared =
            self.version == SchemaVersion::V3 && !super::schema_names::declared(local_name);
        if undeclared {
            self.warn(format!(
                "element {path} is not in NAV's 3.0 schema; ignored"
            ));
        }
        undeclared
    }

    /// An element started.
    pub(crate) fn open(&mut self, tag: Tag, parent: Tag) {
        use Tag::*;
        match tag {
            Invoice if matches!(parent, InvoiceMain | BatchInvoice) => self.new_invoice(parent),
            // 1.x: <Invoice><invoiceExchange> is the invoice.
            InvoiceExchange if parent == InvoiceRoot => self.new_invoice(parent),
            Line if self.invoice.is_some() => self.line = Some(LineBuilder::default()),
            SummaryByVatRate | SummarySimplified if self.invoice.is_some() => {
                self.row = Some(RowBuilder {
                    simplified: tag == SummarySimplified,
                    ..RowBuilder::default()
                })
            }
            LineVatRate => self.vat = Some(VatRateBuilder::default()),
            VatRate if parent != VatAmountMismatch => self.vat = Some(VatRateBuilder::default()),
            VatExemption | VatOutOfScope | VatAmountMismatch
                if matches!(parent, LineVatRate | VatRate) =>
            {
                if let Some(vat) = self.vat.as_mut() {
                    match tag {
                        VatExemption => vat.exempt = true,
                        VatOutOfScope => vat.out_of_scope = true,
                        _ => vat.mismatch = true,
                    }
                }
            }
            SupplierTaxNumber | CustomerTaxNumber => self.tax_number = TaxNumberParts::default(),
            GroupMemberTaxNumber => self.group_tax_number = TaxNumberParts::default(),
            SimpleAddress | DetailedAddress => self.address = AddressParts::default(),
            _ => {}
        }
    }

    fn new_invoice(&mut self, parent: Tag) {
        let batch_index = if parent == Tag::BatchInvoice {
            self.pending_batch_index.take()
        } else {
            None
        };
        self.invoice = Some(InvoiceBuilder {
            batch_index,
            ..InvoiceBuilder::default()
        });
    }

    /// A leaf element's text (whitespace already trimmed).
    pub(crate) fn leaf(
        &mut self,
        tag: Tag,
        parent: Tag,
        text: &str,
        path: &dyn Display,
    ) -> Result<(), ParseError> {
        use Tag::*;
        // Document level; in 1.x the number and issue date sit in invoiceHead/invoiceData.
        match (parent, tag) {
            (InvoiceDataRoot | InvoiceDataHead, InvoiceNumber) => {
                self.invoice_number = Some(invoice_number(text, path)?);
                return Ok(());
            }
            (InvoiceDataRoot | InvoiceDataHead, InvoiceIssueDate) => {
                self.issue_date = Some(date(text, path)?);
                return Ok(());
            }
            (InvoiceDataRoot, CompletenessIndicator) => {
                match boolean(text, path) {
                    Ok(c) => self.completeness = Some(c),
                    Err(e) => self.warn(format!("{e}; read as false")),
                }
                return Ok(());
            }
            (BatchInvoice, BatchIndex) => {
                self.pending_batch_index = Some(index(text, path)?);
                return Ok(());
            }
            _ => {}
        }
        // Below the document's identity, a value that does not read is left out with a warning.
        if let Err(e) = self.invoice_leaf(tag, parent, text, path) {
            self.warn(format!("{e}; left out"));
        }
        Ok(())
    }

    fn invoice_leaf(
        &mut self,
        tag: Tag,
        parent: Tag,
        text: &str,
        path: &dyn Display,
    ) -> Result<(), ParseError> {
        use Tag::*;
        let Some(inv) = self.invoice.as_mut() else {
            return Ok(());
        };

        if let Some(vat) = self.vat.as_mut() {
            let handled = match (parent, tag) {
                (LineVatRate | VatRate, VatPercentage) => {
                    vat.percentage = Some(decimal(text, path)?);
                    true
                }
                (LineVatRate | VatRate, VatContent) => {
                    vat.content = Some(decimal(text, path)?);
                    true
                }
                (LineVatRate | VatRate, VatDomesticReverseCharge) => {
                    vat.reverse_charge = boolean(text, path)?;
                    true
                }
                (LineVatRate | VatRate, NoVatCharge) => {
                    vat.no_vat_charge = boolean(text, path)?;
                    true
                }
                (LineVatRate | VatRate, MarginSchemeIndicator) => {
                    vat.margin = Some(text.to_owned());
                    true
                }
                (LineVatRate | VatRate, MarginSchemeVat | MarginSchemeNoVat) => {
                    if boolean(text, path)? {
                        vat.margin = Some(UNKNOWN_CASE.to_owned());
                    }
                    true
                }
                // Pre-3.0 forms: a boolean, or (vatExemption) the reason as plain text.
                (LineVatRate | VatRate, VatExemption | VatOutOfScope | VatAmountMismatch) => {
                    let flag = match tag {
                        VatExemption => &mut vat.exempt,
                        VatOutOfScope => &mut vat.out_of_scope,
                        _ => &mut vat.mismatch,
                    };
                    match text {
                        "false" | "0" => *flag = false,
                        "true" | "1" | "" => {}
                        reason => vat.reason = Some(reason.to_owned()),
                    }
                    true
                }
                (VatExemption | VatOutOfScope | VatAmountMismatch, Case) => {
                    vat.case = Some(text.to_owned());
                    true
                }
                (VatExemption | VatOutOfScope | VatAmountMismatch, Reason) => {
                    vat.reason = Some(text.to_owned());
                    true
                }
                (VatAmountMismatch, VatRate) => {
                    vat.mismatch_rate = Some(decimal(text, path)?);
                    true
                }
                _ => false,
            };
            if handled {
                return Ok(());
            }
        }

        if let Some(lb) = self.line.as_mut() {
            let line = &mut lb.line;
            match (parent, tag) {
                (Line, LineNumber) => {
                    line.number = index(text, path)?;
                    lb.has_number = true;
                }
                (Line, LineDescription) => line.description = Some(text.to_owned()),
                (Line, Quantity) => line.quantity = Some(decimal(text, path)?),
                (Line, UnitOfMeasure) => {
                    lb.own_unit = text == "OWN";
                    line.unit = Some(text.to_owned());
                }
                (Line, UnitOfMeasureOwn) => lb.unit_own = Some(text.to_owned()),
                (Line, UnitPrice) => line.unit_price = Some(decimal(text, path)?),
                (Line | AdvanceData, AdvanceIndicator) => {
                    line.advance_payment = boolean(text, path)?
                }
                (Line, MarginSchemeIndicator) => lb.margin_indicator = Some(text.to_owned()),
                (LineModificationReference, LineNumberReference) => {
                    lb.reference = Some(index(text, path)?)
                }
                (LineModificationReference, LineOperation) => {
                    lb.operation = Some(wire(text, path, "CREATE or MODIFY")?)
                }
                (_, LineNetAmount) => line.net = Some(decimal(text, path)?),
                (_, LineNetAmountHuf) => line.net_huf = Some(decimal(text, path)?),
                (_, LineVatAmount) => line.vat = Some(decimal(text, path)?),
                (_, LineVatAmountHuf) => line.vat_huf = Some(decimal(text, path)?),
                (_, LineGrossAmountNormal | LineGrossAmountSimplified) => {
                    line.gross = Some(decimal(text, path)?)
                }
                (_, LineGrossAmountNormalHuf | LineGrossAmountSimplifiedHuf) => {
                    line.gross_huf = Some(decimal(text, path)?)
                }
                (_, LineVatContent) => {
                    line.vat_rate = Some(navsync_domain::VatRate::Content {
                        content: decimal(text, path)?,
                    })
                }
                _ => {}
            }
            return Ok(());
        }

        if let Some(row) = self.row.as_mut() {
            match tag {
                VatRateNetAmount => row.net = Some(decimal(text, path)?),
                VatRateNetAmountHuf => row.net_huf = Some(decimal(text, path)?),
                VatRateVatAmount => row.vat = Some(decimal(text, path)?),
                VatRateVatAmountHuf => row.vat_huf = Some(decimal(text, path)?),
                VatRateGrossAmount | VatContentGrossAmount => {
                    row.gross = Some(decimal(text, path)?)
                }
                VatRateGrossAmountHuf | VatContentGrossAmountHuf => {
                    row.gross_huf = Some(decimal(text, path)?)
                }
                // 2.0/1.x simplified summary: the VAT content is a direct child.
                VatContent if parent == SummarySimplified => {
                    row.vat_rate = Some(navsync_domain::VatRate::Content {
                        content: decimal(text, path)?,
                    })
                }
                _ => {}
            }
            return Ok(());
        }

        match (parent, tag) {
            // Tax numbers and addresses are collected here and placed when their element closes.
            (GroupMemberTaxNumber, TaxpayerId) => {
                self.group_tax_number.taxpayer_id = Some(text.to_owned())
            }
            (GroupMemberTaxNumber, VatCode) => {
                self.group_tax_number.vat_code = Some(text.to_owned())
            }
            (GroupMemberTaxNumber, CountyCode) => {
                self.group_tax_number.county_code = Some(text.to_owned())
            }
            (SupplierTaxNumber | CustomerTaxNumber, TaxpayerId) => {
                self.tax_number.taxpayer_id = Some(text.to_owned())
            }
            (SupplierTaxNumber | CustomerTaxNumber, VatCode) => {
                self.tax_number.vat_code = Some(text.to_owned())
            }
            (SupplierTaxNumber | CustomerTaxNumber, CountyCode) => {
                self.tax_number.county_code = Some(text.to_owned())
            }
            (SimpleAddress | DetailedAddress, _) => self.address.set(tag, text),

            (SupplierInfo, SupplierName) => inv.supplier.name = Some(text.to_owned()),
            (SupplierInfo, CommunityVatNumber) => {
                inv.supplier.community_vat_number = Some(text.to_owned())
            }
            (SupplierInfo, SupplierBankAccountNumber) => {
                inv.supplier.bank_account = Some(text.to_owned())
            }
            (CustomerInfo, CustomerVatStatus) => {
                inv.customer.vat_status = Some(wire::<VatStatus>(
                    text,
                    path,
                    "DOMESTIC, OTHER or PRIVATE_PERSON",
                )?)
            }
            (CustomerInfo, CustomerName) => inv.customer.name = Some(text.to_owned()),
            (CustomerInfo | CustomerVatData, CommunityVatNumber) => {
                inv.customer.community_vat_number = Some(text.to_owned())
            }
            (CustomerInfo | CustomerVatData, ThirdStateTaxId) => {
                inv.customer.third_state_tax_id = Some(text.to_owned())
            }
            (CustomerInfo, CustomerBankAccountNumber) => {
                inv.customer.bank_account = Some(text.to_owned())
            }

            (InvoiceReference, OriginalInvoiceNumber) => {
                inv.reference = true;
                inv.original_invoice_number = Some(invoice_number(text, path)?);
            }
            (InvoiceReference, ModifyWithoutMaster) => {
                inv.reference = true;
                inv.modify_without_master = Some(boolean(text, path)?);
            }
            (InvoiceReference, ModificationIndex) => {
                inv.reference = true;
                inv.modification_index = Some(index(text, path)?);
            }

            (InvoiceDetail | InvoiceDataHead, _) => inv.detail(tag, text, path)?,

            (_, InvoiceNetAmount) => inv.net = Some(decimal(text, path)?),
            (_, InvoiceNetAmountHuf) => inv.net_huf = Some(decimal(text, path)?),
            (_, InvoiceVatAmount) => inv.vat = Some(decimal(text, path)?),
            (_, InvoiceVatAmountHuf) => inv.vat_huf = Some(decimal(text, path)?),
            (_, InvoiceGrossAmount) => inv.gross = Some(decimal(text, path)?),
            (_, InvoiceGrossAmountHuf) => inv.gross_huf = Some(decimal(text, path)?),
            _ => {}
        }
        Ok(())
    }

    /// An element ended; `path` is its own path.
    pub(crate) fn close(
        &mut self,
        tag: Tag,
        parent: Tag,
        path: &dyn Display,
    ) -> Result<(), ParseError> {
        use Tag::*;
        match tag {
            LineVatRate | VatRate if parent != VatAmountMismatch => {
                let Some(vat) = self.vat.take() else {
                    return Ok(());
                };
                let rate = vat.build();
                if let Some(line) = self.line.as_mut() {
                    line.line.vat_rate = rate;
                } else if let Some(row) = self.row.as_mut() {
                    row.vat_rate = rate;
                }
            }
            Line => {
                if let (Some(lb), Some(inv)) = (self.line.take(), self.invoice.as_mut()) {
                    let position = inv.lines.len() as u32 + 1;
                    let line = lb.build(path, position, &mut inv.warnings);
                    inv.lines.push(line);
                }
            }
            SummaryByVatRate | SummarySimplified => {
                if let (Some(row), Some(inv)) = (self.row.take(), self.invoice.as_mut()) {
                    inv.simplified_rows |= row.simplified;
                    let rate = inv.exchange_rate;
                    match row.build(rate, path) {
                        Ok(row) => inv.rows.push(row),
                        Err(e) => push_warning(
                            &mut inv.warnings,
                            format!("{e}; VAT summary row left out"),
                        ),
                    }
                }
            }
            SupplierTaxNumber | CustomerTaxNumber | GroupMemberTaxNumber => {
                let Some(inv) = self.invoice.as_mut() else {
                    return Ok(());
                };
                let parts = if tag == GroupMemberTaxNumber {
                    &mut self.group_tax_number
                } else {
                    &mut self.tax_number
                };
                // NAV accepts a tax number that fails its check digit with a warning only (its
                // own samples have VAT-group numbers that do); the number is left out.
                let number = std::mem::take(parts).build(path, &mut inv.warnings);
                match (tag, parent) {
                    (SupplierTaxNumber, SupplierInfo) => inv.supplier.tax_number = number,
                    (CustomerTaxNumber, _) => inv.customer.tax_number = number,
                    (GroupMemberTaxNumber, SupplierInfo) => {
                        inv.supplier.group_member_tax_number = number
                    }
                    (GroupMemberTaxNumber, CustomerTaxNumber | CustomerInfo | CustomerVatData) => {
                        inv.customer.group_member_tax_number = number
                    }
                    _ => {}
                }
            }
            SupplierAddress | CustomerAddress => {
                if let Some(inv) = self.invoice.as_mut() {
                    let address = Some(std::mem::take(&mut self.address).build());
                    if tag == SupplierAddress {
                        inv.supplier.address = address;
                    } else {
                        inv.customer.address = address;
                    }
                }
            }
            Invoice | InvoiceExchange => {
                if let Some(inv) = self.invoice.take() {
                    let invoice = self.finish_invoice(inv, path)?;
                    self.invoices.push(invoice);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `path` is the invoice element's; error paths are only rendered for an error.
    fn finish_invoice(
        &self,
        mut inv: InvoiceBuilder,
        path: &dyn Display,
    ) -> Result<Invoice, ParseError> {
        let head = match self.version {
            SchemaVersion::V1 => "invoiceHead/invoiceData",
            _ => "invoiceHead/invoiceDetail",
        };
        let missing_head = |name: &str| ParseError::Missing {
            path: format!("{path}/{head}/{name}"),
        };
        let missing_doc = |name: &str| ParseError::Missing {
            path: match self.version {
                SchemaVersion::V1 => format!("{path}/{head}/{name}"),
                _ => format!("{}/{name}", self.root_path),
            },
        };
        let invoice_number = self
            .invoice_number
            .clone()
            .ok_or_else(|| missing_doc("invoiceNumber"))?;
        let issue_date = self
            .issue_date
            .ok_or_else(|| missing_doc("invoiceIssueDate"))?;
        let mut warnings = std::mem::take(&mut inv.warnings);
        let mut warn =
            |e: ParseError, then: &str| push_warning(&mut warnings, format!("{e}; {then}"));
        let completeness_indicator = match (self.version, self.completeness) {
            (_, Some(c)) => c,
            (SchemaVersion::V3, None) => {
                let e = ParseError::Missing {
                    path: format!("{}/completenessIndicator", self.root_path),
                };
                warn(e, "read as false");
                false
            }
            // Electronic invoices (completeness) came with 3.0.
            (_, None) => false,
        };
        let category = inv.category.unwrap_or_else(|| {
            warn(missing_head("invoiceCategory"), "read as NORMAL");
            InvoiceCategory::Normal
        });
        let currency = inv.currency.clone().unwrap_or_else(|| {
            warn(missing_head("currencyCode"), "read as HUF");
            "HUF".to_owned()
        });
        let exchange_rate = match inv.exchange_rate {
            Some(r) => r,
            None if currency == "HUF" => Decimal::ONE,
            None => {
                warn(missing_head("exchangeRate"), "read as 0");
                Decimal::ZERO
            }
        };
        let modification = match (inv.reference, inv.original_invoice_number.clone()) {
            (false, _) => None,
            (true, Some(original_invoice_number)) => Some(ModificationReference {
                original_invoice_number,
                // 1.x documents could leave the index out; NAV then assigned one itself.
                modification_index: inv.modification_index.unwrap_or(0),
                modify_without_master: inv.modify_without_master.unwrap_or(false),
            }),
            (true, None) => {
                let e = ParseError::Missing {
                    path: format!("{path}/invoiceReference/originalInvoiceNumber"),
                };
                warn(e, "the invoice reference is left out");
                None
            }
        };
        let totals = inv.totals(exchange_rate);
        let delivery_period = inv.period_start.zip(inv.period_end);
        Ok(Invoice {
            schema_version: self.version,
            invoice_number,
            batch_index: inv.batch_index,
            issue_date,
            completeness_indicator,
            category,
            supplier: inv.supplier,
            customer: inv.customer,
            delivery_date: inv.delivery_date,
            delivery_period,
            payment_date: inv.payment_date,
            payment_method: inv.payment_method,
            currency,
            exchange_rate,
            appearance: inv.appearance,
            modification,
            lines: inv.lines,
            vat_summary: inv.rows,
            totals,
            warnings,
        })
    }

    pub(crate) fn finish(self) -> Result<InvoiceData, ParseError> {
        let root = self.root_path;
        let missing = |name: &str| ParseError::Missing {
            path: match self.version {
                SchemaVersion::V1 => {
                    format!("{root}/invoiceExchange/invoiceHead/invoiceData/{name}")
                }
                _ => format!("{root}/{name}"),
            },
        };
        if self.invoices.is_empty() {
            let path = match self.version {
                SchemaVersion::V1 => format!("{}/invoiceExchange", self.root_path),
                _ => format!("{}/invoiceMain/invoice", self.root_path),
            };
            return Err(ParseError::Missing { path });
        }
        let mut invoices = self.invoices;
        if !self.warnings.is_empty() {
            // The document's own warnings come first on each of its invoices: they concern all.
            for invoice in &mut invoices {
                let own = std::mem::replace(&mut invoice.warnings, self.warnings.clone());
                for w in own {
                    push_warning(&mut invoice.warnings, w);
                }
            }
        }
        Ok(InvoiceData {
            schema_version: self.version,
            invoice_number: self
                .invoice_number
                .ok_or_else(|| missing("invoiceNumber"))?,
            issue_date: self.issue_date.ok_or_else(|| missing("invoiceIssueDate"))?,
            completeness_indicator: self.completeness.unwrap_or(false),
            invoices,
        })
    }
}

fn invoice_number(text: &str, path: &dyn Display) -> Result<InvoiceNumber, ParseError> {
    wire(text, path, "an invoice number of 1 to 50 characters")
}

impl InvoiceBuilder {
    fn detail(&mut self, tag: Tag, text: &str, path: &dyn Display) -> Result<(), ParseError> {
        use Tag::*;
        match tag {
            InvoiceCategory => {
                self.category = Some(wire(text, path, "NORMAL, SIMPLIFIED or AGGREGATE")?)
            }
            InvoiceDeliveryDate => self.delivery_date = Some(date(text, path)?),
            InvoiceDeliveryPeriodStart => self.period_start = Some(date(text, path)?),
            InvoiceDeliveryPeriodEnd => self.period_end = Some(date(text, path)?),
            CurrencyCode => self.currency = Some(text.to_owned()),
            ExchangeRate => self.exchange_rate = Some(decimal(text, path)?),
            PaymentMethod => {
                self.payment_method =
                    Some(wire(text, path, "TRANSFER, CASH, CARD, VOUCHER or OTHER")?)
            }
            PaymentDate => self.payment_date = Some(date(text, path)?),
            InvoiceAppearance => self.appearance = Some(text.to_owned()),
            _ => {}
        }
        Ok(())
    }

    /// The totals, deriving what the document leaves out by the rules in the module docs.
    fn totals(&self, rate: Decimal) -> Totals {
        let sum = |f: fn(&VatSummary) -> Decimal| self.rows.iter().map(f).sum::<Decimal>();
        if self.simplified_rows {
            let gross = self
                .gross
                .unwrap_or_else(|| sum(|r| r.gross.unwrap_or_default()));
            let gross_huf = self
                .gross_huf
                .unwrap_or_else(|| sum(|r| r.gross_huf.unwrap_or_default()));
            let vat = sum(|r| r.vat);
            let vat_huf = sum(|r| r.vat_huf);
            return Totals {
                net: gross - vat,
                net_huf: gross_huf - vat_huf,
                vat,
                vat_huf,
                gross,
                gross_huf,
            };
        }
        let net = self.net.unwrap_or_else(|| sum(|r| r.net));
        let vat = self.vat.unwrap_or_else(|| sum(|r| r.vat));
        let net_huf = self.net_huf.unwrap_or_else(|| money(net * rate));
        let vat_huf = self.vat_huf.unwrap_or_else(|| money(vat * rate));
        Totals {
            net,
            net_huf,
            vat,
            vat_huf,
            gross: self.gross.unwrap_or(net + vat),
            gross_huf: self.gross_huf.unwrap_or(net_huf + vat_huf),
        }
    }
}

impl LineBuilder {
    /// `position` (1-based) numbers a line that has no number of its own.
    fn build(self, path: &dyn Display, position: u32, warnings: &mut Vec<String>) -> Line {
        let mut line = self.line;
        if !self.has_number {
            line.number = position;
            push_warning(
                warnings,
                format!(
                    "required element {path}/lineNumber is missing; numbered {position} by position"
                ),
            );
        }
        if self.own_unit
            && let Some(own) = self.unit_own
        {
            line.unit = Some(own);
        }
        if let (Some(indicator), Some(VatRate::MarginScheme { indicator: unknown })) =
            (self.margin_indicator, line.vat_rate.as_mut())
        {
            *unknown = indicator;
        }
        match (self.reference, self.operation) {
            (Some(reference), Some(operation)) => {
                line.modification = Some(LineModification {
                    line_number_reference: reference,
                    operation,
                })
            }
            (Some(_), None) => push_warning(
                warnings,
                format!(
                    "required element {path}/lineModificationReference/lineOperation is missing; \
                     the line's modification reference is left out"
                ),
            ),
            (None, _) => {}
        }
        line
    }
}

impl RowBuilder {
    fn build(
        self,
        exchange_rate: Option<Decimal>,
        path: &dyn Display,
    ) -> Result<VatSummary, ParseError> {
        let missing = |name: &str| ParseError::Missing {
            path: format!("{path}/{name}"),
        };
        let to_huf = |amount: Decimal, name: &str| {
            exchange_rate
                .map(|r| money(amount * r))
                .ok_or_else(|| missing(name))
        };
        let vat_rate = self.vat_rate.ok_or_else(|| missing("vatRate"))?;
        if self.simplified {
            let gross = self.gross.ok_or_else(|| missing("vatContentGrossAmount"))?;
            let gross_huf = match self.gross_huf {
                Some(g) => g,
                None => to_huf(gross, "vatContentGrossAmountHUF")?,
            };
            let (vat, vat_huf) = match &vat_rate {
                VatRate::Content { content } => {
                    (money(gross * content), money(gross_huf * content))
                }
                _ => (Decimal::ZERO, Decimal::ZERO),
            };
            return Ok(VatSummary {
                vat_rate,
                net: gross - vat,
                net_huf: gross_huf - vat_huf,
                vat,
                vat_huf,
                gross: Some(gross),
                gross_huf: Some(gross_huf),
            });
        }
        let net = self
            .net
            .ok_or_else(|| missing("vatRateNetData/vatRateNetAmount"))?;
        let vat = self
            .vat
            .ok_or_else(|| missing("vatRateVatData/vatRateVatAmount"))?;
        let net_huf = match self.net_huf {
            Some(n) => n,
            None => to_huf(net, "vatRateNetData/vatRateNetAmountHUF")?,
        };
        let vat_huf = match self.vat_huf {
            Some(v) => v,
            None => to_huf(vat, "vatRateVatData/vatRateVatAmountHUF")?,
        };
        Ok(VatSummary {
            vat_rate,
            net,
            net_huf,
            vat,
            vat_huf,
            gross: self.gross,
            gross_huf: self.gross_huf,
        })
    }
}

impl VatRateBuilder {
    /// The one choice the element holds, `None` for an empty `vatRate`.
    fn build(self) -> Option<VatRate> {
        let case = || self.case.clone().unwrap_or_else(|| UNKNOWN_CASE.to_owned());
        let reason = || self.reason.clone().unwrap_or_default();
        Some(if self.mismatch {
            VatRate::AmountMismatch {
                rate: self.mismatch_rate.unwrap_or_default(),
                case: case(),
            }
        } else if self.exempt {
            VatRate::Exempt {
                case: case(),
                reason: reason(),
            }
        } else if self.out_of_scope {
            VatRate::OutOfScope {
                case: case(),
                reason: reason(),
            }
        } else if self.reverse_charge {
            VatRate::DomesticReverseCharge
        } else if let Some(indicator) = self.margin {
            VatRate::MarginScheme { indicator }
        } else if self.no_vat_charge {
            VatRate::NoVatCharge
        } else if let Some(rate) = self.percentage {
            VatRate::Percentage { rate }
        } else if let Some(content) = self.content {
            VatRate::Content { content }
        } else {
            return None;
        })
    }
}

impl TaxNumberParts {
    /// The tax number as far as it reads; what does not (no taxpayer id, a check digit that
    /// fails, a VAT or county code out of range) is a warning, and the number (or the code) is
    /// left out, since a `TaxpayerId` that fails its check cannot be constructed.
    fn build(self, path: &dyn Display, warnings: &mut Vec<String>) -> Option<TaxNumber> {
        let Some(id) = self.taxpayer_id else {
            push_warning(
                warnings,
                format!("required element {path}/taxpayerId is missing; tax number left out"),
            );
            return None;
        };
        let taxpayer_id = match id.parse() {
            Ok(id) => id,
            Err(e) => {
                let why = match e {
                    TaxNumberError::CheckDigit { expected, .. } => {
                        format!("fails its check digit (expected {expected})")
                    }
                    other => other.to_string(),
                };
                let shown: String = id.chars().take(20).collect();
                push_warning(
                    warnings,
                    format!("tax number {shown:?} at {path}/taxpayerId {why}; left out"),
                );
                return None;
            }
        };
        let vat_code = match self.vat_code.as_deref().map(str::as_bytes) {
            None => None,
            Some([d @ b'1'..=b'5']) => Some(d - b'0'),
            Some(_) => {
                let code = self.vat_code.unwrap_or_default();
                let e = ParseError::invalid(&format!("{path}/vatCode"), &code, "a VAT code 1 to 5");
                push_warning(warnings, format!("{e}; left out"));
                None
            }
        };
        match TaxNumber::new(taxpayer_id, vat_code, self.county_code) {
            Ok(number) => Some(number),
            Err(e) => {
                push_warning(
                    warnings,
                    format!("{path}: {e}; only the taxpayer id {taxpayer_id} is kept"),
                );
                TaxNumber::new(taxpayer_id, None, None).ok()
            }
        }
    }
}

impl AddressParts {
    fn set(&mut self, tag: Tag, text: &str) {
        match tag {
            Tag::CountryCode => self.country_code = text.to_owned(),
            Tag::PostalCode => self.postal_code = text.to_owned(),
            Tag::City => self.city = text.to_owned(),
            Tag::AdditionalAddressDetail => self.detail = text.to_owned(),
            Tag::StreetName
            | Tag::PublicPlaceCategory
            | Tag::Number
            | Tag::Building
            | Tag::Staircase
            | Tag::Floor
            | Tag::Door
            | Tag::LotNumber => self.street.push((tag, text.to_owned())),
            _ => {}
        }
    }

    fn build(self) -> Address {
        let street = if self.street.is_empty() {
            self.detail
        } else {
            // Hungarian address order and abbreviations: "Fő utca 1. A ép. 2. lh. 3. em. 4. ajtó".
            let mut parts: Vec<String> = Vec::with_capacity(self.street.len());
            for (tag, value) in self.street {
                parts.push(match tag {
                    Tag::Building => format!("{value} ép."),
                    Tag::Staircase => format!("{value} lh."),
                    Tag::Floor => format!("{value} em."),
                    Tag::Door => format!("{value} ajtó"),
                    Tag::LotNumber => format!("hrsz. {value}"),
                    _ => value,
                });
            }
            parts.join(" ")
        };
        Address {
            country_code: self.country_code,
            postal_code: self.postal_code,
            city: self.city,
            street,
        }
    }
}
