//! 2.0 and 1.x documents, which NAV still returns for invoices reported with those versions.
//! There are no official samples of them; these documents follow the element names of the
//! 2.0 and 1.x data schemas (see CHANGELOG_3.0.md and spec section 5 for what changed).

use std::str::FromStr;

use navsync_domain::{InvoiceCategory, PaymentMethod, SchemaVersion, VatRate};
use navsync_nav::invoice::{ParseError, parse_invoice_data};
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// 2.0: no completenessIndicator, no `base:` prefix, customer tax number directly in
/// customerInfo, VAT exemption as plain text, out-of-scope and margin scheme as booleans
/// (the margin scheme kind on the line), simplified VAT content outside any vatRate.
const V2_NORMAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<InvoiceData xmlns="http://schemas.nav.gov.hu/OSA/2.0/data" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <invoiceNumber>V2/2020/0042</invoiceNumber>
  <invoiceIssueDate>2020-06-30</invoiceIssueDate>
  <invoiceMain>
    <invoice>
      <invoiceReference>
        <originalInvoiceNumber>V2/2020/0001</originalInvoiceNumber>
        <modifyWithoutMaster>true</modifyWithoutMaster>
        <modificationIndex>3</modificationIndex>
      </invoiceReference>
      <invoiceHead>
        <supplierInfo>
          <supplierTaxNumber>
            <taxpayerId>99999999</taxpayerId>
            <vatCode>5</vatCode>
            <countyCode>41</countyCode>
          </supplierTaxNumber>
          <groupMemberTaxNumber>
            <taxpayerId>99887764</taxpayerId>
            <vatCode>4</vatCode>
            <countyCode>02</countyCode>
          </groupMemberTaxNumber>
          <communityVatNumber>HU99999999</communityVatNumber>
          <supplierName>Régi Szállító Bt</supplierName>
          <supplierAddress>
            <simpleAddress>
              <countryCode>HU</countryCode>
              <postalCode>1031</postalCode>
              <city>Budapest</city>
              <additionalAddressDetail>Példa utca 1.</additionalAddressDetail>
            </simpleAddress>
          </supplierAddress>
        </supplierInfo>
        <customerInfo>
          <customerTaxNumber>
            <taxpayerId>99887764</taxpayerId>
          </customerTaxNumber>
          <customerName>Vevő Zrt</customerName>
          <customerAddress>
            <detailedAddress>
              <countryCode>HU</countryCode>
              <region>Baranya</region>
              <postalCode>7600</postalCode>
              <city>Pécs</city>
              <streetName>Király</streetName>
              <publicPlaceCategory>utca</publicPlaceCategory>
              <number>5</number>
              <building>B</building>
              <floor>2</floor>
              <door>7</door>
            </detailedAddress>
          </customerAddress>
        </customerInfo>
        <invoiceDetail>
          <invoiceCategory>NORMAL</invoiceCategory>
          <invoiceDeliveryDate>2020-06-29</invoiceDeliveryDate>
          <currencyCode>EUR</currencyCode>
          <exchangeRate>350.5</exchangeRate>
          <paymentMethod>CASH</paymentMethod>
          <invoiceAppearance>ELECTRONIC</invoiceAppearance>
        </invoiceDetail>
      </invoiceHead>
      <invoiceLines>
        <line>
          <lineNumber>1</lineNumber>
          <lineModificationReference>
            <lineNumberReference>4</lineNumberReference>
            <lineOperation>CREATE</lineOperation>
          </lineModificationReference>
          <advanceIndicator>true</advanceIndicator>
          <lineExpressionIndicator>true</lineExpressionIndicator>
          <lineDescription>Oktatás</lineDescription>
          <quantity>2</quantity>
          <unitOfMeasure>HOUR</unitOfMeasure>
          <unitPrice>50</unitPrice>
          <lineAmountsNormal>
            <lineNetAmountData>
              <lineNetAmount>100.00</lineNetAmount>
              <lineNetAmountHUF>35050.00</lineNetAmountHUF>
            </lineNetAmountData>
            <lineVatRate>
              <vatExemption>AAM Áfa tv. 193. §</vatExemption>
            </lineVatRate>
          </lineAmountsNormal>
        </line>
        <line>
          <lineNumber>2</lineNumber>
          <lineExpressionIndicator>true</lineExpressionIndicator>
          <lineDescription>Antik óra</lineDescription>
          <lineAmountsNormal>
            <lineNetAmountData>
              <lineNetAmount>10.00</lineNetAmount>
              <lineNetAmountHUF>3505.00</lineNetAmountHUF>
            </lineNetAmountData>
            <lineVatRate>
              <marginSchemeNoVat>true</marginSchemeNoVat>
            </lineVatRate>
          </lineAmountsNormal>
          <marginSchemeIndicator>ANTIQUES</marginSchemeIndicator>
        </line>
        <line>
          <lineNumber>3</lineNumber>
          <lineExpressionIndicator>false</lineExpressionIndicator>
          <lineAmountsNormal>
            <lineNetAmountData>
              <lineNetAmount>20.00</lineNetAmount>
              <lineNetAmountHUF>7010.00</lineNetAmountHUF>
            </lineNetAmountData>
            <lineVatRate>
              <vatOutOfScope>true</vatOutOfScope>
            </lineVatRate>
          </lineAmountsNormal>
        </line>
        <line>
          <lineNumber>4</lineNumber>
          <lineExpressionIndicator>false</lineExpressionIndicator>
          <lineAmountsNormal>
            <lineNetAmountData>
              <lineNetAmount>100.00</lineNetAmount>
              <lineNetAmountHUF>35050.00</lineNetAmountHUF>
            </lineNetAmountData>
            <lineVatRate>
              <vatPercentage>0.27</vatPercentage>
            </lineVatRate>
            <lineVatData>
              <lineVatAmount>27.00</lineVatAmount>
              <lineVatAmountHUF>9463.50</lineVatAmountHUF>
            </lineVatData>
          </lineAmountsNormal>
        </line>
      </invoiceLines>
      <invoiceSummary>
        <summaryNormal>
          <summaryByVatRate>
            <vatRate><vatExemption>AAM Áfa tv. 193. §</vatExemption></vatRate>
            <vatRateNetData>
              <vatRateNetAmount>100.00</vatRateNetAmount>
              <vatRateNetAmountHUF>35050.00</vatRateNetAmountHUF>
            </vatRateNetData>
            <vatRateVatData>
              <vatRateVatAmount>0</vatRateVatAmount>
              <vatRateVatAmountHUF>0</vatRateVatAmountHUF>
            </vatRateVatData>
          </summaryByVatRate>
          <summaryByVatRate>
            <vatRate><vatPercentage>0.27</vatPercentage></vatRate>
            <vatRateNetData>
              <vatRateNetAmount>100.00</vatRateNetAmount>
              <vatRateNetAmountHUF>35050.00</vatRateNetAmountHUF>
            </vatRateNetData>
            <vatRateVatData>
              <vatRateVatAmount>27.00</vatRateVatAmount>
              <vatRateVatAmountHUF>9463.50</vatRateVatAmountHUF>
            </vatRateVatData>
          </summaryByVatRate>
          <invoiceNetAmount>230.00</invoiceNetAmount>
          <invoiceNetAmountHUF>80615.00</invoiceNetAmountHUF>
          <invoiceVatAmount>27.00</invoiceVatAmount>
          <invoiceVatAmountHUF>9463.50</invoiceVatAmountHUF>
        </summaryNormal>
      </invoiceSummary>
    </invoice>
  </invoiceMain>
</InvoiceData>
"#;

#[test]
fn a_2_0_document_parses_with_pre_3_0_vat_forms() {
    let data = parse_invoice_data(V2_NORMAL.as_bytes()).unwrap();
    assert_eq!(data.schema_version, SchemaVersion::V2);
    assert!(
        !data.completeness_indicator,
        "2.0 has no completenessIndicator"
    );
    let inv = &data.invoices[0];
    assert_eq!(inv.schema_version, SchemaVersion::V2);
    assert_eq!(inv.invoice_number.as_str(), "V2/2020/0042");
    assert_eq!(inv.currency, "EUR");
    assert_eq!(inv.exchange_rate, dec("350.5"));
    assert_eq!(inv.payment_method, Some(PaymentMethod::Cash));
    let m = inv.modification.as_ref().unwrap();
    assert_eq!(m.original_invoice_number.as_str(), "V2/2020/0001");
    assert_eq!(m.modification_index, 3);
    assert!(m.modify_without_master);

    assert_eq!(
        inv.supplier.tax_number.as_ref().unwrap().to_string(),
        "99999999-5-41"
    );
    assert_eq!(
        inv.supplier
            .group_member_tax_number
            .as_ref()
            .unwrap()
            .to_string(),
        "99887764-4-02"
    );
    assert_eq!(
        inv.supplier.community_vat_number.as_deref(),
        Some("HU99999999")
    );
    assert_eq!(
        inv.supplier.address.as_ref().unwrap().street,
        "Példa utca 1."
    );
    assert_eq!(
        inv.customer.tax_number.as_ref().unwrap().to_string(),
        "99887764"
    );
    assert_eq!(
        inv.customer.vat_status, None,
        "2.0 has no customerVatStatus"
    );
    assert_eq!(
        inv.customer.address.as_ref().unwrap().street,
        "Király utca 5 B ép. 2 em. 7 ajtó"
    );

    assert_eq!(inv.lines.len(), 4);
    assert_eq!(
        inv.lines[0].vat_rate,
        Some(VatRate::Exempt {
            case: "UNKNOWN".into(),
            reason: "AAM Áfa tv. 193. §".into()
        })
    );
    assert!(
        inv.lines[0].advance_payment,
        "2.0 advanceIndicator sits on the line"
    );
    assert_eq!(
        inv.lines[0]
            .modification
            .as_ref()
            .unwrap()
            .line_number_reference,
        4
    );
    assert_eq!(
        inv.lines[1].vat_rate,
        Some(VatRate::MarginScheme {
            indicator: "ANTIQUES".into()
        })
    );
    assert_eq!(
        inv.lines[2].vat_rate,
        Some(VatRate::OutOfScope {
            case: "UNKNOWN".into(),
            reason: String::new()
        })
    );
    assert_eq!(inv.lines[3].vat_huf, Some(dec("9463.50")));

    // No summaryGrossData: gross is net + VAT.
    let t = &inv.totals;
    assert_eq!(
        (t.net, t.vat, t.gross),
        (dec("230.00"), dec("27.00"), dec("257.00"))
    );
    assert_eq!(t.gross_huf, dec("90078.50"));
}

const V2_SIMPLIFIED: &str = r#"<InvoiceData xmlns="http://schemas.nav.gov.hu/OSA/2.0/data">
  <invoiceNumber>E-2</invoiceNumber>
  <invoiceIssueDate>2020-01-02</invoiceIssueDate>
  <invoiceMain><invoice>
    <invoiceHead>
      <supplierInfo>
        <supplierTaxNumber><taxpayerId>99999999</taxpayerId></supplierTaxNumber>
        <supplierName>Bolt</supplierName>
      </supplierInfo>
      <invoiceDetail>
        <invoiceCategory>SIMPLIFIED</invoiceCategory>
        <invoiceDeliveryDate>2020-01-02</invoiceDeliveryDate>
        <currencyCode>HUF</currencyCode>
        <invoiceAppearance>PAPER</invoiceAppearance>
      </invoiceDetail>
    </invoiceHead>
    <invoiceLines>
      <line>
        <lineNumber>1</lineNumber>
        <lineAmountsSimplified>
          <lineVatContent>0.2126</lineVatContent>
          <lineGrossAmountSimplified>1270</lineGrossAmountSimplified>
          <lineGrossAmountSimplifiedHUF>1270</lineGrossAmountSimplifiedHUF>
        </lineAmountsSimplified>
      </line>
    </invoiceLines>
    <invoiceSummary>
      <summarySimplified>
        <vatContent>0.2126</vatContent>
        <vatContentGrossAmount>1270</vatContentGrossAmount>
        <vatContentGrossAmountHUF>1270</vatContentGrossAmountHUF>
      </summarySimplified>
    </invoiceSummary>
  </invoice></invoiceMain>
</InvoiceData>"#;

#[test]
fn a_2_0_simplified_document_takes_the_vat_content_outside_vat_rate() {
    let data = parse_invoice_data(V2_SIMPLIFIED.as_bytes()).unwrap();
    let inv = &data.invoices[0];
    assert_eq!(inv.category, InvoiceCategory::Simplified);
    assert_eq!(
        inv.exchange_rate,
        Decimal::ONE,
        "a HUF invoice without a rate is at 1"
    );
    let content = VatRate::Content {
        content: dec("0.2126"),
    };
    assert_eq!(inv.lines[0].vat_rate.as_ref(), Some(&content));
    assert_eq!(inv.vat_summary[0].vat_rate, content);
    // 1270 × 0.2126 = 270.002 → 270.00; net 1000.00; no summaryGrossData → sum of rows.
    let t = &inv.totals;
    assert_eq!(
        (t.gross, t.vat, t.net),
        (dec("1270"), dec("270.00"), dec("1000.00"))
    );
}

/// 1.x: root `Invoice`, the invoice in `invoiceExchange`, number, dates and currency in
/// `invoiceHead/invoiceData`, amounts directly in the line, HUF only for VAT.
const V1: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="http://schemas.nav.gov.hu/OSA/1.0/data">
  <invoiceExchange>
    <invoiceHead>
      <supplierInfo>
        <supplierTaxNumber>
          <taxpayerId>99999999</taxpayerId>
          <vatCode>2</vatCode>
          <countyCode>41</countyCode>
        </supplierTaxNumber>
        <supplierName>Első Kft</supplierName>
        <supplierAddress>
          <simpleAddress>
            <countryCode>HU</countryCode>
            <postalCode>1111</postalCode>
            <city>Budapest</city>
            <additionalAddressDetail>Fő utca 2.</additionalAddressDetail>
          </simpleAddress>
        </supplierAddress>
      </supplierInfo>
      <customerInfo>
        <customerTaxNumber>
          <taxpayerId>99887764</taxpayerId>
          <vatCode>2</vatCode>
          <countyCode>02</countyCode>
        </customerTaxNumber>
        <customerName>Második Kft</customerName>
      </customerInfo>
      <invoiceData>
        <invoiceNumber>V1/2018/7</invoiceNumber>
        <invoiceCategory>NORMAL</invoiceCategory>
        <invoiceIssueDate>2018-09-03</invoiceIssueDate>
        <invoiceDeliveryDate>2018-09-01</invoiceDeliveryDate>
        <currencyCode>EUR</currencyCode>
        <exchangeRate>320.5</exchangeRate>
        <paymentMethod>TRANSFER</paymentMethod>
        <paymentDate>2018-09-18</paymentDate>
        <invoiceAppearance>PAPER</invoiceAppearance>
      </invoiceData>
    </invoiceHead>
    <invoiceLines>
      <line>
        <lineNumber>1</lineNumber>
        <lineDescription>Tanácsadás</lineDescription>
        <quantity>1</quantity>
        <unitOfMeasure>DAY</unitOfMeasure>
        <unitPrice>100</unitPrice>
        <lineAmountsNormal>
          <lineNetAmount>100.00</lineNetAmount>
          <lineVatRate><vatPercentage>0.27</vatPercentage></lineVatRate>
          <lineVatAmount>27.00</lineVatAmount>
          <lineVatAmountHUF>8653.50</lineVatAmountHUF>
          <lineGrossAmountNormal>127.00</lineGrossAmountNormal>
        </lineAmountsNormal>
      </line>
    </invoiceLines>
    <invoiceSummary>
      <summaryNormal>
        <summaryByVatRate>
          <vatRate><vatPercentage>0.27</vatPercentage></vatRate>
          <vatRateNetAmount>100.00</vatRateNetAmount>
          <vatRateVatAmount>27.00</vatRateVatAmount>
          <vatRateVatAmountHUF>8653.50</vatRateVatAmountHUF>
        </summaryByVatRate>
        <invoiceNetAmount>100.00</invoiceNetAmount>
        <invoiceVatAmount>27.00</invoiceVatAmount>
        <invoiceVatAmountHUF>8653.50</invoiceVatAmountHUF>
      </summaryNormal>
      <invoiceGrossAmount>127.00</invoiceGrossAmount>
    </invoiceSummary>
  </invoiceExchange>
</Invoice>
"#;

#[test]
fn a_1_x_document_parses_and_derives_missing_huf_amounts() {
    let data = parse_invoice_data(V1.as_bytes()).unwrap();
    assert_eq!(data.schema_version, SchemaVersion::V1);
    assert_eq!(data.invoice_number.as_str(), "V1/2018/7");
    assert_eq!(data.issue_date.to_string(), "2018-09-03");
    let inv = &data.invoices[0];
    assert_eq!(inv.currency, "EUR");
    assert_eq!(inv.exchange_rate, dec("320.5"));
    assert_eq!(
        inv.payment_date.map(|d| d.to_string()).as_deref(),
        Some("2018-09-18")
    );
    assert_eq!(
        inv.supplier.tax_number.as_ref().unwrap().to_string(),
        "99999999-2-41"
    );
    assert_eq!(inv.customer.name.as_deref(), Some("Második Kft"));
    let line = &inv.lines[0];
    assert_eq!(
        (line.net, line.vat),
        (Some(dec("100.00")), Some(dec("27.00")))
    );
    assert_eq!(line.net_huf, None, "1.x lines state no net HUF");
    let row = &inv.vat_summary[0];
    assert_eq!(row.net_huf, dec("32050.00"), "100.00 × 320.5");
    assert_eq!(row.vat_huf, dec("8653.50"));
    let t = &inv.totals;
    assert_eq!(
        (t.net, t.vat, t.gross),
        (dec("100.00"), dec("27.00"), dec("127.00"))
    );
    assert_eq!((t.net_huf, t.vat_huf), (dec("32050.00"), dec("8653.50")));
    assert_eq!(t.gross_huf, dec("40703.50"));

    // 1.1 used the same layout under its own namespace.
    let v11 = V1.replace("OSA/1.0/data", "OSA/1.1/data");
    assert_eq!(
        parse_invoice_data(v11.as_bytes()).unwrap().schema_version,
        SchemaVersion::V1
    );
}

#[test]
fn a_1_x_document_without_its_invoice_number_says_where_it_belongs() {
    let xml = V1.replace("<invoiceNumber>V1/2018/7</invoiceNumber>", "");
    assert_eq!(
        parse_invoice_data(xml.as_bytes()).unwrap_err(),
        ParseError::Missing {
            path: "/Invoice/invoiceExchange/invoiceHead/invoiceData/invoiceNumber".into()
        }
    );
}
