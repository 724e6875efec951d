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

/// The document's single invoice, which must have parsed: NAV accepted the document.
fn lenient(xml: &str) -> navsync_domain::Invoice {
    let mut data = parse_invoice_data(xml.as_bytes()).unwrap_or_else(|e| panic!("refused: {e}"));
    assert_eq!(data.invoices.len(), 1);
    data.invoices.remove(0)
}

#[test]
fn unknown_elements_anywhere_do_not_change_the_model_and_are_each_reported_once() {
    let original = sample_text("Belfoldi devizas szamla.xml");
    let noise = "<futureElement kind=\"x\"><lineNumber>99</lineNumber><invoiceNumber>NOPE</invoiceNumber><ext:deep xmlns:ext=\"urn:x\"><vatPercentage>0.99</vatPercentage></ext:deep></futureElement>";
    let noisy = original
        .replace("<invoiceMain>", &format!("{noise}<invoiceMain>"))
        .replace("<supplierName>", &format!("{noise}<supplierName>"))
        .replace("<lineDescription>", &format!("{noise}<lineDescription>"))
        .replace("<invoiceDetail>", "<invoiceDetail><empty/>");
    assert_ne!(noisy, original);
    let clean = lenient(&original);
    assert_eq!(clean.warnings, Vec::<String>::new());
    let mut read = lenient(&noisy);
    let warnings = std::mem::take(&mut read.warnings);
    assert_eq!(read, clean, "the model is the same");
    let head = "/InvoiceData/invoiceMain/invoice";
    let mut expected = vec![
        "element /InvoiceData/futureElement is not in NAV's 3.0 schema; ignored".to_owned(),
        format!(
            "element {head}/invoiceHead/supplierInfo/futureElement is not in NAV's 3.0 schema; ignored"
        ),
        format!(
            "element {head}/invoiceHead/invoiceDetail/empty is not in NAV's 3.0 schema; ignored"
        ),
    ];
    for _ in 0..3 {
        expected.push(format!(
            "element {head}/invoiceLines/line/futureElement is not in NAV's 3.0 schema; ignored"
        ));
    }
    assert_eq!(warnings, expected);
}

#[test]
fn what_nav_does_not_enforce_is_a_warning_naming_its_path() {
    let original = sample_text("Belfoldi devizas szamla.xml");
    let detail = "/InvoiceData/invoiceMain/invoice/invoiceHead/invoiceDetail";

    let no_currency = lenient(&original.replace("<currencyCode>EUR</currencyCode>", ""));
    assert_eq!(no_currency.currency, "HUF");
    assert_eq!(
        no_currency.warnings,
        [format!(
            "required element {detail}/currencyCode is missing; read as HUF"
        )]
    );

    let bad_rate = lenient(&original.replace(
        "<exchangeRate>310.00</exchangeRate>",
        "<exchangeRate>3,10</exchangeRate>",
    ));
    assert_eq!(bad_rate.exchange_rate, rust_decimal::Decimal::ZERO);
    assert_eq!(
        bad_rate.warnings,
        [
            format!(
                "invalid value \"3,10\" at {detail}/exchangeRate: expected a decimal number; left out"
            ),
            format!("required element {detail}/exchangeRate is missing; read as 0"),
        ]
    );
    // The document's HUF amounts stand.
    assert_eq!(bad_rate.totals, lenient(&original).totals);

    let bad_date = lenient(&original.replace(
        "<paymentDate>2021-05-30</paymentDate>",
        "<paymentDate>2021-02-30</paymentDate>",
    ));
    assert_eq!(bad_date.payment_date, None);
    assert_eq!(
        bad_date.warnings,
        [format!(
            "invalid value \"2021-02-30\" at {detail}/paymentDate: expected a date YYYY-MM-DD; left out"
        )]
    );

    // A tax number failing its check digit (NAV only warns) is left out; the rest stands.
    let bad_customer_tax = lenient(&original.replace(
        "<base:taxpayerId>99887764</base:taxpayerId>",
        "<base:taxpayerId>99887765</base:taxpayerId>",
    ));
    assert_eq!(bad_customer_tax.customer.tax_number, None);
    assert_eq!(
        bad_customer_tax.customer.name.as_deref(),
        Some("Beszerző Kft")
    );
    assert_eq!(
        bad_customer_tax.supplier.tax_number.unwrap().to_string(),
        "99999999-2-41"
    );
    assert_eq!(
        bad_customer_tax.warnings,
        [
            "tax number \"99887765\" at /InvoiceData/invoiceMain/invoice/invoiceHead/customerInfo/customerVatData/customerTaxNumber/taxpayerId fails its check digit (expected 4); left out"
        ]
    );
    // The supplier's too: the digest still names the supplier, the document is stored.
    let bad_supplier_tax = lenient(&original.replace(
        "<base:taxpayerId>99999999</base:taxpayerId>",
        "<base:taxpayerId>99999998</base:taxpayerId>",
    ));
    assert_eq!(bad_supplier_tax.supplier.tax_number, None);
    assert_eq!(
        bad_supplier_tax.warnings,
        [
            "tax number \"99999998\" at /InvoiceData/invoiceMain/invoice/invoiceHead/supplierInfo/supplierTaxNumber/taxpayerId fails its check digit (expected 9); left out"
        ]
    );

    let bad_category = lenient(&original.replace(
        "<invoiceCategory>NORMAL</invoiceCategory>",
        "<invoiceCategory>FANCY</invoiceCategory>",
    ));
    assert_eq!(
        bad_category.category,
        navsync_domain::InvoiceCategory::Normal
    );
    assert_eq!(
        bad_category.warnings,
        [
            format!(
                "invalid value \"FANCY\" at {detail}/invoiceCategory: expected NORMAL, SIMPLIFIED or AGGREGATE; left out"
            ),
            format!("required element {detail}/invoiceCategory is missing; read as NORMAL"),
        ]
    );

    let bad_method = lenient(&original.replace(
        "<paymentMethod>TRANSFER</paymentMethod>",
        "<paymentMethod>CRYPTO</paymentMethod>",
    ));
    assert_eq!(bad_method.payment_method, None);
    assert_eq!(bad_method.warnings.len(), 1, "{:?}", bad_method.warnings);
    assert!(bad_method.warnings[0].contains("CRYPTO"));

    let no_line_number = lenient(&original.replacen("<lineNumber>1</lineNumber>", "", 1));
    assert_eq!(
        no_line_number
            .lines
            .iter()
            .map(|l| l.number)
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        no_line_number.warnings,
        [
            "required element /InvoiceData/invoiceMain/invoice/invoiceLines/line/lineNumber is missing; numbered 1 by position"
        ]
    );
}

#[test]
fn warnings_stay_bounded_however_many_the_document_holds() {
    let original = sample_text("Belfoldi devizas szamla.xml");
    let noise = format!("<x{}/>", "y".repeat(2000)).repeat(500);
    let invoice = lenient(&original.replace("<invoiceMain>", &format!("{noise}<invoiceMain>")));
    assert_eq!(
        invoice.warnings.len(),
        navsync_domain::Invoice::MAX_WARNINGS
    );
    assert!(
        invoice
            .warnings
            .iter()
            .all(|w| w.chars().count() <= navsync_domain::Invoice::MAX_WARNING_CHARS)
    );
    assert_eq!(invoice.warnings[19], "further warnings omitted: 481");
}

#[test]
fn what_is_not_an_invoice_is_still_refused() {
    let original = sample_text("Belfoldi devizas szamla.xml");
    let no_number = original.replacen("<invoiceNumber>2021/00345</invoiceNumber>", "", 1);
    assert_eq!(
        error_of(&no_number).to_string(),
        "required element /InvoiceData/invoiceNumber is missing"
    );
    let no_invoice = format!(
        "<InvoiceData {NS}><invoiceNumber>A1</invoiceNumber><invoiceIssueDate>2021-05-15</invoiceIssueDate><completenessIndicator>false</completenessIndicator></InvoiceData>"
    );
    assert!(matches!(error_of(&no_invoice), ParseError::Missing { .. }));
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

/// Runs one parse of a hostile document. The time bound is only a backstop against a
/// quadratic pass (200,000 attributes took over a minute with quick-xml's duplicate check;
/// each case here takes milliseconds): the tests assert what was read or refused, and
/// `examples/hostile_parse.rs` measures growth (docs/benchmarks.md).
fn parse_hostile(
    xml: &str,
    limits: &ParseLimits,
) -> Result<navsync_nav::invoice::InvoiceData, ParseError> {
    let start = std::time::Instant::now();
    let result = parse_invoice_data_with(xml.as_bytes(), limits);
    let took = start.elapsed();
    assert!(
        took < std::time::Duration::from_secs(10),
        "{} bytes took {took:?}",
        xml.len()
    );
    result
}

const HOSTILE: usize = 200_000;

fn attributes(n: usize, name: impl Fn(usize) -> String) -> String {
    (0..n).map(|i| format!(" {}=\"v\"", name(i))).collect()
}

/// The sample with `extra` inside the root's start tag and `leaf` inside `<invoiceNumber>`'s.
fn with_attributes(root: &str, leaf: &str) -> String {
    sample_text("Belfoldi devizas szamla.xml")
        .replacen("<InvoiceData ", &format!("<InvoiceData{root} "), 1)
        .replacen("<invoiceNumber>", &format!("<invoiceNumber{leaf}>"), 1)
}

#[test]
fn many_attributes_on_the_root_or_a_leaf_are_refused_at_the_limit() {
    let many = attributes(HOSTILE, |i| format!("a{i}"));
    let defaults = ParseLimits::default();
    assert_eq!(defaults.max_attributes, 256);
    let err = parse_hostile(&with_attributes(&many, ""), &defaults).unwrap_err();
    assert_eq!(
        err,
        ParseError::TooManyAttributes {
            max: 256,
            path: "/InvoiceData".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "element /InvoiceData has more than 256 attributes"
    );
    let err = parse_hostile(&with_attributes("", &many), &defaults).unwrap_err();
    assert_eq!(
        err,
        ParseError::TooManyAttributes {
            max: 256,
            path: "/InvoiceData/invoiceNumber".into()
        }
    );
    // Bounded work: one past the limit is refused the same way as 200,000. The sample's
    // root has 5 of its own (4 namespace declarations and xsi:schemaLocation).
    let root_one_past = attributes(252, |i| format!("a{i}"));
    let leaf_one_past = attributes(257, |i| format!("a{i}"));
    for xml in [
        with_attributes(&root_one_past, ""),
        with_attributes("", &leaf_one_past),
    ] {
        assert!(matches!(
            parse_hostile(&xml, &defaults),
            Err(ParseError::TooManyAttributes { max: 256, .. })
        ));
    }
    let data = parse_hostile(
        &with_attributes(
            &attributes(251, |i| format!("a{i}")),
            &attributes(256, |i| format!("a{i}")),
        ),
        &defaults,
    )
    .unwrap();
    assert_eq!(data.invoice_number.as_str(), "2021/00345");
}

#[test]
fn without_the_limit_200_000_attributes_are_read_in_linear_time() {
    // The limit off, every attribute goes through the duplicate check: a hash set, not
    // quick-xml's comparison with every earlier attribute.
    let unlimited = ParseLimits {
        max_attributes: usize::MAX,
        ..ParseLimits::default()
    };
    let many = attributes(HOSTILE, |i| format!("a{i}"));
    for xml in [with_attributes(&many, ""), with_attributes("", &many)] {
        let data = parse_hostile(&xml, &unlimited).unwrap();
        assert_eq!(data.invoice_number.as_str(), "2021/00345");
    }
    // A duplicate after 200,000 distinct names is still found.
    let twice = format!("{many} a7=\"again\"");
    assert_eq!(
        parse_hostile(&with_attributes(&twice, ""), &unlimited).unwrap_err(),
        ParseError::DuplicateAttribute {
            name: "a7".into(),
            path: "/InvoiceData".into()
        }
    );
}

#[test]
fn duplicate_attributes_are_refused_by_name() {
    let err = error_of(&with_attributes(r#" id="1" id="2""#, ""));
    assert_eq!(
        err.to_string(),
        "attribute id appears twice on /InvoiceData"
    );
    let err = error_of(&with_attributes("", r#" x:k="1" y="2" x:k="3""#));
    assert_eq!(
        err.to_string(),
        "attribute x:k appears twice on /InvoiceData/invoiceNumber"
    );
    // The same local name under two prefixes is two attributes.
    let data = parse_invoice_data(with_attributes("", r#" x:k="1" y:k="3""#).as_bytes()).unwrap();
    assert_eq!(data.invoice_number.as_str(), "2021/00345");
}

#[test]
fn many_namespaces_are_refused_on_one_element_and_read_across_many() {
    let declarations = attributes(HOSTILE, |i| format!("xmlns:p{i}"));
    assert!(matches!(
        parse_hostile(&with_attributes(&declarations, ""), &ParseLimits::default()),
        Err(ParseError::TooManyAttributes { max: 256, ref path }) if path == "/InvoiceData"
    ));
    // One declaration on each of 200,000 elements: the document is read, the unknown
    // subtree reported once.
    let spread: String = (0..HOSTILE)
        .map(|i| format!("<p{i}:e xmlns:p{i}=\"urn:n{i}\"/>"))
        .collect();
    let xml = sample_text("Belfoldi devizas szamla.xml").replacen(
        "<invoiceMain>",
        &format!("<ext>{spread}</ext><invoiceMain>"),
        1,
    );
    let data = parse_hostile(&xml, &ParseLimits::default()).unwrap();
    assert_eq!(
        data.invoices[0].warnings,
        ["element /InvoiceData/ext is not in NAV's 3.0 schema; ignored"]
    );
}

#[test]
fn many_elements_are_read_in_linear_time() {
    let xml = sample_text("Belfoldi devizas szamla.xml").replacen(
        "<invoiceMain>",
        &format!(
            "<ext>{}</ext><invoiceMain>",
            "<e a=\"1\">t</e>".repeat(HOSTILE)
        ),
        1,
    );
    let data = parse_hostile(&xml, &ParseLimits::default()).unwrap();
    assert_eq!(
        data.invoices[0].warnings,
        ["element /InvoiceData/ext is not in NAV's 3.0 schema; ignored"]
    );
}

#[test]
fn characters_xml_forbids_are_refused_by_name_raw_or_as_references() {
    let original = sample_text("Belfoldi devizas szamla.xml");
    let name = "<supplierName>Értékesítő Kft</supplierName>";
    let at = original.find(name).unwrap() + "<supplierName>".len();
    let supplier = "/InvoiceData/invoiceMain/invoice/invoiceHead/supplierInfo/supplierName";

    // Raw, in text: NUL and another C0 control, at their byte offset.
    let nul = original.replacen(name, "<supplierName>\0Értékesítő Kft</supplierName>", 1);
    let err = error_of(&nul);
    assert_eq!(
        err,
        ParseError::ForbiddenChar {
            code: 0,
            position: at
        }
    );
    assert_eq!(
        err.to_string(),
        format!("NUL (U+0000) at byte {at} refused: XML 1.0 does not allow it in a document")
    );
    let bell = original.replacen(name, "<supplierName>\u{7}Kft</supplierName>", 1);
    assert_eq!(
        error_of(&bell).to_string(),
        format!(
            "control character U+0007 at byte {at} refused: XML 1.0 does not allow it in a document"
        )
    );
    // Raw, in an attribute value, and in an element NAV's schema does not have.
    let in_attribute = with_attributes(" note=\"a\u{1}b\"", "");
    assert!(matches!(
        error_of(&in_attribute),
        ParseError::ForbiddenChar { code: 1, .. }
    ));
    let in_unknown = original.replacen("<invoiceMain>", "<x>\0</x><invoiceMain>", 1);
    assert!(matches!(
        error_of(&in_unknown),
        ParseError::ForbiddenChar { code: 0, .. }
    ));

    // As character references, in text: the element path names where.
    for (reference, code, what) in [
        ("&#0;", 0, "NUL (U+0000)"),
        ("&#1;", 1, "control character U+0001"),
        ("&#x1F;", 0x1F, "control character U+001F"),
        ("&#xFFFF;", 0xFFFF, "noncharacter U+FFFF"),
    ] {
        let xml = original.replacen(
            name,
            &format!("<supplierName>A{reference}B</supplierName>"),
            1,
        );
        let err = error_of(&xml);
        assert_eq!(
            err,
            ParseError::ForbiddenCharRef {
                code,
                path: supplier.into()
            },
            "{reference}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "character reference to {what} at {supplier} refused: XML 1.0 does not allow it in a document"
            )
        );
    }
    // In an attribute value: the attribute is named.
    let err = error_of(&with_attributes("", " note=\"x&#1;y\""));
    assert_eq!(
        err,
        ParseError::ForbiddenCharRef {
            code: 1,
            path: "/InvoiceData/invoiceNumber/@note".into()
        }
    );
    let err = error_of(&with_attributes("", " note=\"&bogus;\""));
    assert!(
        matches!(err, ParseError::Entity { ref name, .. } if name == "bogus"),
        "{err}"
    );

    // Tab, line feed and carriage return are XML characters, raw or as references.
    let allowed = with_attributes("", " note=\"a&#9;b\"").replacen(
        name,
        "<supplierName>Értékesítő&#9;Kft&#xA;&#13;x</supplierName>",
        1,
    );
    let invoice = lenient(&allowed);
    assert_eq!(
        invoice.supplier.name.as_deref(),
        Some("Értékesítő\tKft\n\rx")
    );
}

/// The schema's `xs:int` allows a modification index of 2,147,483,647; the reader takes it as
/// it is, and nothing downstream is sized by it (the chain view's router test opens such a chain).
#[test]
fn the_largest_modification_index_the_schema_allows_is_read_as_is() {
    let xml = sample_text("Modositas es ervenytelenites 1.xml").replace(
        "<modificationIndex>1</modificationIndex>",
        "<modificationIndex>2147483647</modificationIndex>",
    );
    let data = parse_invoice_data(xml.as_bytes()).unwrap();
    let modification = data.invoices[0].modification.as_ref().unwrap();
    assert_eq!(modification.modification_index, 2_147_483_647);
    assert!(
        data.invoices[0].warnings.is_empty(),
        "{:?}",
        data.invoices[0].warnings
    );
}
