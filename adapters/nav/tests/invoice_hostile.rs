//! Hostile and broken input: each is a clear, one-line error, never a panic, and the parser
//! stays bounded (no entity expansion, depth and size limits).

use std::path::PathBuf;

use navsync_nav::invoice::{
    DecodeError, ParseError, ParseLimits, decode_invoice_data, parse_invoice_data,
    parse_invoice_data_with,
};

fn sample(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nav/invoice-samples");
    assert!(
        dir.is_dir(),
        "NAV invoice samples missing at {}",
        dir.display()
    );
    std::fs::read(dir.join(name)).unwrap()
}

fn sample_text(name: &str) -> String {
    String::from_utf8(sample(name)).unwrap()
}

fn error_of(xml: &str) -> ParseError {
    match parse_invoice_data(xml.as_bytes()) {
        Ok(data) => panic!("expected an error, parsed {}", data.invoice_number),
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n'), "error is one line: {line}");
            e
        }
    }
}

const NS: &str = r#"xmlns="http://schemas.nav.gov.hu/OSA/3.0/data""#;

#[test]
fn billion_laughs_is_refused_at_the_doctype() {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE InvoiceData [\n");
    xml.push_str("  <!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        xml.push_str(&format!("  <!ENTITY lol{i} \"{prev}\">\n"));
    }
    xml.push_str(&format!(
        "]>\n<InvoiceData {NS}><invoiceNumber>&lol9;</invoiceNumber></InvoiceData>"
    ));
    let err = error_of(&xml);
    assert!(matches!(err, ParseError::Doctype { .. }), "{err}");
    assert!(err.to_string().contains("DOCTYPE"), "{err}");
}

#[test]
fn external_entities_are_refused() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE InvoiceData [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
         <InvoiceData {NS}><invoiceNumber>&xxe;</invoiceNumber></InvoiceData>"
    );
    assert!(matches!(error_of(&xml), ParseError::Doctype { .. }));

    // Without a DOCTYPE, a reference to an undeclared entity is refused by name.
    let xml = format!("<InvoiceData {NS}><invoiceNumber>&xxe;</invoiceNumber></InvoiceData>");
    let err = error_of(&xml);
    assert_eq!(
        err,
        ParseError::Entity {
            name: "xxe".into(),
            path: "/InvoiceData/invoiceNumber".into()
        }
    );
}

#[test]
fn predefined_entities_character_references_and_cdata_are_text() {
    let xml = sample_text("Belfoldi devizas szamla.xml")
        .replace(
            "<supplierName>Értékesítő Kft</supplierName>",
            "<supplierName>Kovács &amp; Társa &#x4B;ft &#8211; &lt;1&gt;</supplierName>",
        )
        .replace(
            "<customerName>Beszerző Kft</customerName>",
            "<customerName><![CDATA[Beszerző & <Fiai>]]> Kft</customerName>",
        );
    let data = parse_invoice_data(xml.as_bytes()).unwrap();
    let inv = &data.invoices[0];
    assert_eq!(
        inv.supplier.name.as_deref(),
        Some("Kovács & Társa Kft – <1>")
    );
    assert_eq!(inv.customer.name.as_deref(), Some("Beszerző & <Fiai> Kft"));
}

#[test]
fn truncated_documents_are_errors_at_every_cut() {
    let xml = sample("Belfoldi devizas szamla.xml");
    let whole = parse_invoice_data(&xml).unwrap();
    assert_eq!(whole.invoices[0].lines.len(), 3);
    for cut in (1..xml.len() - 20).step_by(37) {
        let err = parse_invoice_data(&xml[..cut]).expect_err(&format!("cut at {cut}"));
        assert!(!err.to_string().contains('\n'));
    }
    // Cut right after an element: the message names where the document stopped.
    let text = String::from_utf8(xml).unwrap();
    let at = text.find("</lineDescription>").unwrap() + "</lineDescription>".len();
    let err = parse_invoice_data(&text.as_bytes()[..at]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "document ends inside /InvoiceData/invoiceMain/invoice/invoiceLines/line: truncated?"
    );
}

#[test]
fn non_invoice_xml_names_the_root_it_found() {
    let err = error_of("<html><body>hello</body></html>");
    assert!(
        matches!(&err, ParseError::NotInvoice { root, .. } if root == "html"),
        "{err}"
    );
    assert!(err.to_string().contains("<html>"), "{err}");

    let api = r#"<QueryInvoiceDataResponse xmlns="http://schemas.nav.gov.hu/OSA/3.0/api"><x/></QueryInvoiceDataResponse>"#;
    let err = error_of(api);
    assert!(
        err.to_string().contains("<QueryInvoiceDataResponse>"),
        "{err}"
    );
    assert!(err.to_string().contains("OSA/3.0/api"), "{err}");

    // The right name in a foreign namespace is not an invoice either.
    let err = error_of(
        r#"<InvoiceData xmlns="urn:example"><invoiceNumber>1</invoiceNumber></InvoiceData>"#,
    );
    assert!(err.to_string().contains("urn:example"), "{err}");

    assert_eq!(error_of(""), ParseError::Empty);
    assert!(matches!(error_of("not xml at all"), ParseError::Xml { .. }));
    assert!(matches!(
        error_of(&format!("<InvoiceData {NS}><a></b></InvoiceData>")),
        ParseError::Xml { .. }
    ));
    let two_roots = sample_text("Belfoldi elolegszamla.xml") + "<InvoiceData/>";
    assert!(matches!(
        error_of(&two_roots),
        ParseError::TrailingContent { .. }
    ));
}

#[test]
fn depth_and_size_are_bounded() {
    let depth = 10_000;
    let xml = format!(
        "<InvoiceData {NS}>{}{}</InvoiceData>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let err = error_of(&xml);
    assert!(matches!(err, ParseError::TooDeep { max: 64, .. }), "{err}");

    let xml = sample("Belfoldi devizas szamla.xml");
    let limits = ParseLimits {
        max_bytes: 4096,
        ..ParseLimits::default()
    };
    assert_eq!(
        parse_invoice_data_with(&xml, &limits).unwrap_err(),
        ParseError::TooLarge {
            size: xml.len(),
            max: 4096
        }
    );
}

#[test]
fn unknown_elements_anywhere_do_not_change_the_result() {
    let original = sample_text("Belfoldi devizas szamla.xml");
    let noise = "<futureElement kind=\"x\"><lineNumber>99</lineNumber><invoiceNumber>NOPE</invoiceNumber><ext:deep xmlns:ext=\"urn:x\"><vatPercentage>0.99</vatPercentage></ext:deep></futureElement>";
    let noisy = original
        .replace("<invoiceMain>", &format!("{noise}<invoiceMain>"))
        .replace("<supplierName>", &format!("{noise}<supplierName>"))
        .replace("<lineDescription>", &format!("{noise}<lineDescription>"))
        .replace("<lineVatRate>", &format!("{noise}<lineVatRate>"))
        .replace("</summaryNormal>", &format!("{noise}</summaryNormal>"))
        .replace("<invoiceDetail>", "<invoiceDetail><empty/>");
    assert_ne!(noisy, original);
    assert_eq!(
        parse_invoice_data(noisy.as_bytes()).unwrap(),
        parse_invoice_data(original.as_bytes()).unwrap()
    );
}

#[test]
fn missing_and_invalid_values_name_their_path() {
    let original = sample_text("Belfoldi devizas szamla.xml");
    let no_currency = original.replace("<currencyCode>EUR</currencyCode>", "");
    assert_eq!(
        error_of(&no_currency).to_string(),
        "required element /InvoiceData/invoiceMain/invoice/invoiceHead/invoiceDetail/currencyCode is missing"
    );
    let bad_rate = original.replace(
        "<exchangeRate>310.00</exchangeRate>",
        "<exchangeRate>3,10</exchangeRate>",
    );
    assert_eq!(
        error_of(&bad_rate).to_string(),
        "invalid value \"3,10\" at /InvoiceData/invoiceMain/invoice/invoiceHead/invoiceDetail/exchangeRate: expected a decimal number"
    );
    let bad_date = original.replace(
        "<paymentDate>2021-05-30</paymentDate>",
        "<paymentDate>2021-02-30</paymentDate>",
    );
    assert!(error_of(&bad_date).to_string().contains("paymentDate"));
    // A customer tax number failing its check digit (NAV only warns) leaves the customer without
    // one; the rest of the invoice stands.
    let bad_customer_tax = original.replace(
        "<base:taxpayerId>99887764</base:taxpayerId>",
        "<base:taxpayerId>99887765</base:taxpayerId>",
    );
    let data = parse_invoice_data(bad_customer_tax.as_bytes()).expect("still an invoice");
    let invoice = &data.invoices[0];
    assert_eq!(invoice.customer.tax_number, None);
    assert_eq!(
        invoice
            .supplier
            .tax_number
            .as_ref()
            .unwrap()
            .taxpayer_id
            .to_string(),
        "99999999"
    );
    // The supplier's must be valid: NAV only takes invoices from registered taxpayers.
    let bad_supplier_tax = original.replace(
        "<base:taxpayerId>99999999</base:taxpayerId>",
        "<base:taxpayerId>99999998</base:taxpayerId>",
    );
    let err = error_of(&bad_supplier_tax).to_string();
    assert!(
        err.contains("supplierTaxNumber/taxpayerId") && err.contains("check digit"),
        "{err}"
    );
    let bad_category = original.replace(
        "<invoiceCategory>NORMAL</invoiceCategory>",
        "<invoiceCategory>FANCY</invoiceCategory>",
    );
    assert!(
        error_of(&bad_category)
            .to_string()
            .contains("NORMAL, SIMPLIFIED or AGGREGATE")
    );
    let no_lines_number = original.replacen("<lineNumber>1</lineNumber>", "", 1);
    assert!(
        error_of(&no_lines_number)
            .to_string()
            .ends_with("invoiceLines/line/lineNumber is missing")
    );
}

#[test]
fn only_utf8_documents_are_accepted() {
    let xml = sample_text("Belfoldi elolegszamla.xml").replacen("UTF-8", "ISO-8859-2", 1);
    assert_eq!(error_of(&xml), ParseError::Encoding("ISO-8859-2".into()));
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in sample_text("Belfoldi elolegszamla.xml").encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    assert_eq!(
        parse_invoice_data(&utf16).unwrap_err(),
        ParseError::Encoding("UTF-16".into())
    );
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(sample("Belfoldi elolegszamla.xml"));
    assert_eq!(
        parse_invoice_data(&bom).unwrap().invoice_number.as_str(),
        "AAA000567",
        "a UTF-8 byte order mark is fine"
    );
    let mut bytes = sample("Belfoldi elolegszamla.xml");
    let at = bytes
        .windows(13)
        .position(|w| w == b"<invoiceNumbe")
        .unwrap()
        + 15;
    bytes[at] = 0xFF;
    assert!(matches!(
        parse_invoice_data(&bytes).unwrap_err(),
        ParseError::Utf8 { .. }
    ));
}

#[test]
fn invalid_base64_is_a_decode_error() {
    for bad in ["not base64!", "QUJD=RA==", "Zm9v\u{e9}"] {
        let err = decode_invoice_data(bad, false, 1 << 20).unwrap_err();
        assert!(matches!(err, DecodeError::Base64(_)), "{bad}: {err}");
        assert!(
            err.to_string()
                .starts_with("invoiceData is not valid base64")
        );
    }
}

#[test]
fn decoded_sample_round_trips_through_base64_and_gzip() {
    use base64::Engine as _;
    use std::io::Write;
    let xml = sample("Gyujtoszamla 2.xml");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&xml).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
    let decoded = decode_invoice_data(&b64, true, 1 << 20).unwrap();
    assert_eq!(decoded, xml);
    let data = parse_invoice_data(&decoded).unwrap();
    assert_eq!(data.invoice_number.as_str(), "2021/00234");
}
