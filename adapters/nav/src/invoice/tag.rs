//! The element names the parser acts on, interned once per start tag so that the rest of the
//! parser compares small integers instead of strings. Names are local (prefix dropped): NAV
//! documents mix the default namespace with `base:` and `common:` for the same data.

macro_rules! tags {
    ($($variant:ident = $name:literal),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Tag {
            /// Any element the parser does not read; it is skipped, never an error.
            Other,
            $($variant),+
        }

        const NAMES: &[(&[u8], Tag)] = &[$(($name, Tag::$variant)),+];
    };
}

/// Open-addressing table from a name's hash to its tag: a slice `match` over ~110 names
/// compares them one by one, which showed up as the parser's largest cost per element.
const SLOTS: usize = 512;

/// A name as three words: length, first and last 8 bytes (zero-padded). Two names of at most
/// 16 bytes are equal exactly when their keys are; longer ones also compare their bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    len: usize,
    head: u64,
    tail: u64,
}

impl Key {
    fn of(name: &[u8]) -> Key {
        let n = name.len();
        let k = n.min(8);
        let mut head = [0u8; 8];
        let mut tail = [0u8; 8];
        head[..k].copy_from_slice(&name[..k]);
        tail[..k].copy_from_slice(&name[n - k..]);
        Key {
            len: n,
            head: u64::from_le_bytes(head),
            tail: u64::from_le_bytes(tail),
        }
    }

    /// The key's words mixed by one multiplication; the top 9 bits index the 512 slots.
    fn slot(self) -> usize {
        let x = self.head ^ self.tail.rotate_left(29) ^ self.len as u64;
        (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55) as usize
    }
}

struct Table([Option<(Key, &'static [u8], Tag)>; SLOTS]);

static TABLE: std::sync::LazyLock<Table> = std::sync::LazyLock::new(|| {
    let mut slots = [None; SLOTS];
    for &(name, tag) in NAMES {
        let key = Key::of(name);
        let mut i = key.slot();
        while slots[i].is_some() {
            i = (i + 1) % SLOTS;
        }
        slots[i] = Some((key, name, tag));
    }
    Table(slots)
});

impl Tag {
    pub(crate) fn of(local_name: &[u8]) -> Tag {
        let table = &TABLE.0;
        let key = Key::of(local_name);
        let mut i = key.slot();
        while let Some((k, name, tag)) = table[i] {
            if k == key && (key.len <= 16 || name == local_name) {
                return tag;
            }
            i = (i + 1) % SLOTS;
        }
        Tag::Other
    }
}

tags! {
    // Document level (3.0 and 2.0 root, 1.x root and its wrappers).
    InvoiceDataRoot = b"InvoiceData",
    InvoiceRoot = b"Invoice",
    InvoiceExchange = b"invoiceExchange",
    InvoiceDataHead = b"invoiceData",
    InvoiceNumber = b"invoiceNumber",
    InvoiceIssueDate = b"invoiceIssueDate",
    CompletenessIndicator = b"completenessIndicator",
    InvoiceMain = b"invoiceMain",
    Invoice = b"invoice",
    BatchInvoice = b"batchInvoice",
    BatchIndex = b"batchIndex",
    // Modification reference.
    InvoiceReference = b"invoiceReference",
    OriginalInvoiceNumber = b"originalInvoiceNumber",
    ModifyWithoutMaster = b"modifyWithoutMaster",
    ModificationIndex = b"modificationIndex",
    // Parties.
    SupplierInfo = b"supplierInfo",
    SupplierTaxNumber = b"supplierTaxNumber",
    GroupMemberTaxNumber = b"groupMemberTaxNumber",
    CommunityVatNumber = b"communityVatNumber",
    SupplierName = b"supplierName",
    SupplierAddress = b"supplierAddress",
    SupplierBankAccountNumber = b"supplierBankAccountNumber",
    CustomerInfo = b"customerInfo",
    CustomerVatStatus = b"customerVatStatus",
    CustomerVatData = b"customerVatData",
    CustomerTaxNumber = b"customerTaxNumber",
    ThirdStateTaxId = b"thirdStateTaxId",
    CustomerName = b"customerName",
    CustomerAddress = b"customerAddress",
    CustomerBankAccountNumber = b"customerBankAccountNumber",
    TaxpayerId = b"taxpayerId",
    VatCode = b"vatCode",
    CountyCode = b"countyCode",
    // Addresses.
    SimpleAddress = b"simpleAddress",
    DetailedAddress = b"detailedAddress",
    CountryCode = b"countryCode",
    PostalCode = b"postalCode",
    City = b"city",
    AdditionalAddressDetail = b"additionalAddressDetail",
    StreetName = b"streetName",
    PublicPlaceCategory = b"publicPlaceCategory",
    Number = b"number",
    Building = b"building",
    Staircase = b"staircase",
    Floor = b"floor",
    Door = b"door",
    LotNumber = b"lotNumber",
    // Invoice details.
    InvoiceDetail = b"invoiceDetail",
    InvoiceCategory = b"invoiceCategory",
    InvoiceDeliveryDate = b"invoiceDeliveryDate",
    InvoiceDeliveryPeriodStart = b"invoiceDeliveryPeriodStart",
    InvoiceDeliveryPeriodEnd = b"invoiceDeliveryPeriodEnd",
    CurrencyCode = b"currencyCode",
    ExchangeRate = b"exchangeRate",
    PaymentMethod = b"paymentMethod",
    PaymentDate = b"paymentDate",
    InvoiceAppearance = b"invoiceAppearance",
    // Lines.
    Line = b"line",
    LineNumber = b"lineNumber",
    LineModificationReference = b"lineModificationReference",
    LineNumberReference = b"lineNumberReference",
    LineOperation = b"lineOperation",
    AdvanceData = b"advanceData",
    AdvanceIndicator = b"advanceIndicator",
    LineDescription = b"lineDescription",
    Quantity = b"quantity",
    UnitOfMeasure = b"unitOfMeasure",
    UnitOfMeasureOwn = b"unitOfMeasureOwn",
    UnitPrice = b"unitPrice",
    LineNetAmount = b"lineNetAmount",
    LineNetAmountHuf = b"lineNetAmountHUF",
    LineVatRate = b"lineVatRate",
    LineVatAmount = b"lineVatAmount",
    LineVatAmountHuf = b"lineVatAmountHUF",
    LineGrossAmountNormal = b"lineGrossAmountNormal",
    LineGrossAmountNormalHuf = b"lineGrossAmountNormalHUF",
    LineGrossAmountSimplified = b"lineGrossAmountSimplified",
    LineGrossAmountSimplifiedHuf = b"lineGrossAmountSimplifiedHUF",
    LineVatContent = b"lineVatContent",
    // VAT rate (VatRateType: 3.0 choice of 8; 2.0/1.x booleans and plain texts).
    VatRate = b"vatRate",
    VatPercentage = b"vatPercentage",
    VatContent = b"vatContent",
    VatExemption = b"vatExemption",
    VatOutOfScope = b"vatOutOfScope",
    Case = b"case",
    Reason = b"reason",
    VatDomesticReverseCharge = b"vatDomesticReverseCharge",
    MarginSchemeIndicator = b"marginSchemeIndicator",
    MarginSchemeVat = b"marginSchemeVat",
    MarginSchemeNoVat = b"marginSchemeNoVat",
    VatAmountMismatch = b"vatAmountMismatch",
    NoVatCharge = b"noVatCharge",
    // Summary.
    InvoiceSummary = b"invoiceSummary",
    SummaryByVatRate = b"summaryByVatRate",
    SummarySimplified = b"summarySimplified",
    VatRateNetAmount = b"vatRateNetAmount",
    VatRateNetAmountHuf = b"vatRateNetAmountHUF",
    VatRateVatAmount = b"vatRateVatAmount",
    VatRateVatAmountHuf = b"vatRateVatAmountHUF",
    VatRateGrossAmount = b"vatRateGrossAmount",
    VatRateGrossAmountHuf = b"vatRateGrossAmountHUF",
    VatContentGrossAmount = b"vatContentGrossAmount",
    VatContentGrossAmountHuf = b"vatContentGrossAmountHUF",
    InvoiceNetAmount = b"invoiceNetAmount",
    InvoiceNetAmountHuf = b"invoiceNetAmountHUF",
    InvoiceVatAmount = b"invoiceVatAmount",
    InvoiceVatAmountHuf = b"invoiceVatAmountHUF",
    InvoiceGrossAmount = b"invoiceGrossAmount",
    InvoiceGrossAmountHuf = b"invoiceGrossAmountHUF",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_maps_to_its_own_tag_and_others_to_other() {
        for &(name, tag) in NAMES {
            assert_eq!(Tag::of(name), tag, "{}", String::from_utf8_lossy(name));
        }
        assert!(NAMES.len() * 3 < SLOTS, "keep the table sparse");
        // Short probe sequences: no name sits more than a few slots from its hash.
        let table = &TABLE.0;
        for &(name, _) in NAMES {
            let home = Key::of(name).slot();
            let at = (0..SLOTS)
                .find(|d| table[(home + d) % SLOTS].is_some_and(|(_, n, _)| n == name))
                .unwrap();
            assert!(at <= 3, "{} probes {at}", String::from_utf8_lossy(name));
        }
        // Same length and ends as known names, differing only in the middle.
        for unknown in [
            &b""[..],
            b"lineNumberX",
            b"Line",
            b"productCodeValue",
            b"lineGrossAmountXormalHUF",
            b"invoiceNetAmoXnt",
        ] {
            assert_eq!(Tag::of(unknown), Tag::Other);
        }
    }
}
