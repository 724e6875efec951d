//! The client against a real HTTP server on 127.0.0.1: response parsing into typed values,
//! NAV's error documents, what is retried and what is not, transport failures, and pacing.
//! Every canned response is written after invoiceApi.xsd and checked against it.

mod fake_nav;

use std::io::Write;
use std::time::Duration;

use base64::Engine;
use chrono::{NaiveDate, TimeZone, Utc};
use fake_nav::{
    Action, FakeNav, assert_schema_valid, client, credentials, digest_response, digest_row,
    element, general_error, general_exception, nav_dir, ok_response,
};
use navsync_domain::ports::{NavError, NavSource};
use navsync_domain::sync::Window;
use navsync_domain::{Direction, InvoiceCategory, InvoiceId, InvoiceOperation, PaymentMethod};
use navsync_nav::client::{
    ClientError, FaultKind, InvoiceChainQuery, InvoiceNumberQuery, MandatoryQuery, NavClient,
    Operation,
};
use rust_decimal::Decimal;

const FULL_DIGEST: &str = "<invoiceDigest><invoiceNumber>MOD-2024/7</invoiceNumber><batchIndex>2</batchIndex><invoiceOperation>MODIFY</invoiceOperation><invoiceCategory>AGGREGATE</invoiceCategory><invoiceIssueDate>2024-02-27</invoiceIssueDate><supplierTaxNumber>22222222</supplierTaxNumber><supplierGroupMemberTaxNumber>33333333</supplierGroupMemberTaxNumber><supplierName>Szállító &amp; Társa Kft.</supplierName><customerTaxNumber>11111111</customerTaxNumber><customerName>Vevő Zrt.</customerName><paymentMethod>TRANSFER</paymentMethod><paymentDate>2024-03-10</paymentDate><invoiceAppearance>ELECTRONIC</invoiceAppearance><source>XML</source><invoiceDeliveryDate>2024-02-26</invoiceDeliveryDate><currency>EUR</currency><invoiceNetAmount>1000.50</invoiceNetAmount><invoiceNetAmountHUF>395197.50</invoiceNetAmountHUF><invoiceVatAmount>270.14</invoiceVatAmount><invoiceVatAmountHUF>106703.30</invoiceVatAmountHUF><transactionId>4NPFZBP3PHKXM1X1</transactionId><index>3</index><originalInvoiceNumber>SZ-2024/1</originalInvoiceNumber><modificationIndex>1</modificationIndex><insDate>2024-02-28T10:11:12.345Z</insDate><completenessIndicator>false</completenessIndicator></invoiceDigest>";

fn sample_invoice() -> Vec<u8> {
    std::fs::read(nav_dir().join("invoice-samples/Belfoldi termekertekesites.xml")).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn data_response(data: &[u8], compressed: bool) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    ok_response(
        "QueryInvoiceDataResponse",
        &format!(
            "<invoiceDataResult><invoiceData>{b64}</invoiceData><auditData><insdate>2024-02-28T10:11:12.345Z</insdate><insCusUser>lwilsmn0uqdxe6u</insCusUser><source>XML</source><transactionId>4NPFZBP3PHKXM1X1</transactionId><index>1</index><batchIndex>2</batchIndex><originalRequestVersion>3.0</originalRequestVersion></auditData><compressedContentIndicator>{compressed}</compressedContentIndicator><electronicInvoiceHash cryptoType=\"SHA3-512\">0A1B2C</electronicInvoiceHash></invoiceDataResult>"
        ),
    )
}

fn empty_data_response() -> String {
    ok_response("QueryInvoiceDataResponse", "")
}

const CHAIN_BODY: &str = "<invoiceChainDigestResult><currentPage>1</currentPage><availablePage>1</availablePage><invoiceChainElement><invoiceChainDigest><invoiceNumber>SZ-2024/1</invoiceNumber><invoiceOperation>CREATE</invoiceOperation><supplierTaxNumber>22222222</supplierTaxNumber><customerTaxNumber>11111111</customerTaxNumber><insDate>2024-02-01T08:00:00.000Z</insDate><originalRequestVersion>2.0</originalRequestVersion></invoiceChainDigest><invoiceLines><maxLineNumber>3</maxLineNumber></invoiceLines></invoiceChainElement><invoiceChainElement><invoiceChainDigest><invoiceNumber>MOD-2024/7</invoiceNumber><batchIndex>2</batchIndex><invoiceOperation>MODIFY</invoiceOperation><supplierTaxNumber>22222222</supplierTaxNumber><insDate>2024-02-28T10:11:12.345Z</insDate><originalRequestVersion>3.0</originalRequestVersion></invoiceChainDigest><invoiceLines><maxLineNumber>5</maxLineNumber><newCreatedLines><lineNumberIntervalStart>4</lineNumberIntervalStart><lineNumberIntervalEnd>5</lineNumberIntervalEnd></newCreatedLines></invoiceLines><invoiceReferenceData><originalInvoiceNumber>SZ-2024/1</originalInvoiceNumber><modifyWithoutMaster>false</modifyWithoutMaster><modificationIndex>1</modificationIndex></invoiceReferenceData></invoiceChainElement></invoiceChainDigestResult>";

const TAXPAYER_BODY: &str = "<infoDate>2024-01-05T00:00:00.000Z</infoDate><taxpayerValidity>true</taxpayerValidity><taxpayerData><taxpayerName>TESZT ÉS TÁRSA KORLÁTOLT FELELŐSSÉGŰ TÁRSASÁG</taxpayerName><taxpayerShortName>TESZT KFT.</taxpayerShortName><taxNumberDetail><base:taxpayerId>12345676</base:taxpayerId><base:vatCode>2</base:vatCode><base:countyCode>41</base:countyCode></taxNumberDetail><incorporation>ORGANIZATION</incorporation><taxpayerAddressList><taxpayerAddressItem><taxpayerAddressType>HQ</taxpayerAddressType><taxpayerAddress><base:countryCode>HU</base:countryCode><base:postalCode>1011</base:postalCode><base:city>BUDAPEST</base:city><base:streetName>FŐ</base:streetName><base:publicPlaceCategory>UTCA</base:publicPlaceCategory><base:number>1</base:number><base:floor>2</base:floor></taxpayerAddress></taxpayerAddressItem></taxpayerAddressList></taxpayerData>";

const GATEWAY_PAGE: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n";

fn window() -> Window {
    Window {
        from: Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap(),
    }
}

fn invoice_query(direction: Direction) -> InvoiceNumberQuery {
    InvoiceNumberQuery {
        invoice_number: "MOD-2024/7".parse().unwrap(),
        direction,
        batch_index: None,
        supplier_tax_number: None,
    }
}

#[test]
fn canned_responses_follow_the_schema() {
    let rows = [
        FULL_DIGEST.to_owned(),
        digest_row("SZ-2024/2", "2024-02-29T23:59:59Z", ""),
    ];
    for xml in [
        digest_response(1, 2, &rows),
        digest_response(0, 0, &[]),
        data_response(&gzip(&sample_invoice()), true),
        empty_data_response(),
        ok_response(
            "QueryInvoiceCheckResponse",
            "<invoiceCheckResult>true</invoiceCheckResult>",
        ),
        ok_response("QueryInvoiceChainDigestResponse", CHAIN_BODY),
        ok_response("QueryTaxpayerResponse", TAXPAYER_BODY),
        general_error(
            "INVALID_SECURITY_USER",
            "Helytelen authentikációs adatok!",
            &[],
        ),
        general_error(
            "INVALID_REQUEST",
            "Schema validation failed",
            &[(
                "SCHEMA_VIOLATION",
                "Element 'taxNumber': not accepted by the pattern",
            )],
        ),
        general_error("OPERATION_FAILED", "Váratlan hiba", &[]),
        general_exception("INVALID_REQUEST", "Invalid request!"),
    ] {
        assert_schema_valid(&xml);
    }
}

#[tokio::test]
async fn digest_pages_parse_into_domain_digests_over_the_window() {
    let nav = FakeNav::start(|_, _| {
        Action::xml(
            200,
            digest_response(
                1,
                1,
                &[
                    FULL_DIGEST.to_owned(),
                    digest_row("SZ-2024/2", "2024-02-29T23:59:59Z", ""),
                ],
            ),
        )
    })
    .await;
    let client = client(&nav.url, |_| {});
    let page = NavSource::digest_page(&client, &credentials(), Direction::Inbound, window(), 1)
        .await
        .unwrap();

    assert_eq!((page.current_page, page.available_page), (1, 1));
    assert_eq!(page.digests.len(), 2);
    let d = &page.digests[0];
    assert_eq!(d.invoice_number.as_str(), "MOD-2024/7");
    assert_eq!(d.batch_index, Some(2));
    assert_eq!(d.operation, InvoiceOperation::Modify);
    assert_eq!(d.category, InvoiceCategory::Aggregate);
    assert_eq!(d.issue_date, NaiveDate::from_ymd_opt(2024, 2, 27).unwrap());
    assert_eq!(d.supplier_tax_number.as_str(), "22222222");
    assert_eq!(
        d.supplier_group_member_tax_number.unwrap().as_str(),
        "33333333"
    );
    assert_eq!(d.supplier_name, "Szállító & Társa Kft.");
    assert_eq!(d.customer_tax_number.unwrap().as_str(), "11111111");
    assert_eq!(d.customer_name.as_deref(), Some("Vevő Zrt."));
    assert_eq!(d.payment_method, Some(PaymentMethod::Transfer));
    assert_eq!(d.currency.as_deref(), Some("EUR"));
    assert_eq!(d.net_amount, Some(Decimal::new(100050, 2)));
    assert_eq!(d.vat_amount_huf, Some(Decimal::new(10670330, 2)));
    assert_eq!(
        d.original_invoice_number.as_ref().unwrap().as_str(),
        "SZ-2024/1"
    );
    assert_eq!(d.modification_index, Some(1));
    assert_eq!(d.index, Some(3));
    assert_eq!(d.completeness_indicator, Some(false));
    assert_eq!(
        d.ins_date,
        Utc.with_ymd_and_hms(2024, 2, 28, 10, 11, 12).unwrap()
            + chrono::TimeDelta::milliseconds(345)
    );
    let minimal = &page.digests[1];
    assert_eq!(minimal.customer_tax_number, None);
    assert_eq!(
        minimal.ins_date,
        Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap()
    );

    // The half-open window went out as NAV's inclusive bounds, to the millisecond.
    let sent = &nav.requests()[0];
    assert_eq!(sent.path, "/invoiceService/v3/queryInvoiceDigest");
    assert_eq!(
        element(&sent.body, "dateTimeFrom"),
        Some("2024-02-01T00:00:00.000Z")
    );
    assert_eq!(
        element(&sent.body, "dateTimeTo"),
        Some("2024-02-29T23:59:59.999Z")
    );
    assert_eq!(element(&sent.body, "invoiceDirection"), Some("INBOUND"));
    assert_eq!(element(&sent.body, "page"), Some("1"));
    assert_schema_valid(&sent.body);
}

/// A partner tax number failing its check digit (NAV only warns about those) does not sink
/// the page; a broken required field does, naming it.
#[tokio::test]
async fn digest_rows_are_read_strictly_where_it_matters() {
    let lenient = digest_response(
        1,
        1,
        &[digest_row(
            "SZ-9",
            "2024-02-10T00:00:00.000Z",
            "<customerTaxNumber>11111112</customerTaxNumber><customerName>Elírt Adószám Bt.</customerName>",
        )],
    );
    let broken = digest_response(
        1,
        1,
        &[digest_row("SZ-9", "2024-02-10T00:00:00.000Z", "").replace("2024-02-28", "2024-02-30")],
    );
    assert_schema_valid(&lenient);
    let nav = FakeNav::start(move |n, _| {
        Action::xml(
            200,
            if n == 0 {
                lenient.clone()
            } else {
                broken.clone()
            },
        )
    })
    .await;
    let client = client(&nav.url, |_| {});
    let creds = credentials();
    let params = NavClient::window_query(window());
    let page = client
        .query_invoice_digest(&creds, 1, Direction::Outbound, &params)
        .await
        .unwrap();
    assert_eq!(page.digests[0].customer_tax_number, None);
    assert_eq!(
        page.digests[0].customer_name.as_deref(),
        Some("Elírt Adószám Bt.")
    );
    let err = client
        .query_invoice_digest(&creds, 1, Direction::Outbound, &params)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::InvalidResponse { reason, .. } if reason.contains("invoiceIssueDate")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_pager_walks_every_page_one_request_each() {
    let nav = FakeNav::start(|_, r| {
        let page: u32 = element(&r.body, "page").unwrap().parse().unwrap();
        let rows: Vec<String> = (0..3)
            .map(|i| digest_row(&format!("P{page}-{i}"), "2024-02-10T00:00:00.000Z", ""))
            .collect();
        Action::xml(200, digest_response(page, 3, &rows))
    })
    .await;
    let client = client(&nav.url, |_| {});
    let creds = credentials();
    let params = MandatoryQuery::InvoiceIssueDate {
        from: NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
    };
    let mut pager = client.digest_pages(&creds, Direction::Outbound, params.clone().into());
    let mut numbers = Vec::new();
    while let Some(page) = pager.next_page().await {
        numbers.extend(
            page.unwrap()
                .digests
                .into_iter()
                .map(|d| d.invoice_number.to_string()),
        );
    }
    assert_eq!(numbers.len(), 9);
    assert_eq!(numbers[0], "P1-0");
    assert_eq!(numbers[8], "P3-2");
    assert_eq!(
        client
            .stats()
            .operation(Operation::QueryInvoiceDigest)
            .calls,
        3
    );

    // No results: one empty page, then done.
    let empty = FakeNav::start(|_, _| Action::xml(200, digest_response(1, 0, &[]))).await;
    let client = fake_nav::client(&empty.url, |_| {});
    let mut pager = client.digest_pages(&creds, Direction::Outbound, params.into());
    assert!(pager.next_page().await.unwrap().unwrap().digests.is_empty());
    assert!(pager.next_page().await.is_none());
    assert_eq!(empty.requests().len(), 1);
}

#[tokio::test]
async fn invoice_data_is_decoded_and_decompressed_with_its_audit_data() {
    let original = sample_invoice();
    let compressed = gzip(&original);
    let nav = FakeNav::start(move |n, _| match n {
        0 => Action::xml(200, data_response(&compressed, true)),
        1 => Action::xml(200, data_response(&sample_invoice(), false)),
        _ => Action::xml(200, empty_data_response()),
    })
    .await;
    let client = client(&nav.url, |_| {});
    let creds = credentials();

    let gz = client
        .query_invoice_data(&creds, &invoice_query(Direction::Outbound))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gz.xml, original);
    assert!(gz.compressed_content_indicator);
    assert_eq!(gz.audit.ins_cus_user, "lwilsmn0uqdxe6u");
    assert_eq!(gz.audit.source, "XML");
    assert_eq!(gz.audit.transaction_id.as_deref(), Some("4NPFZBP3PHKXM1X1"));
    assert_eq!(gz.audit.batch_index, Some(2));
    assert_eq!(gz.audit.original_request_version, "3.0");
    assert_eq!(
        gz.audit.ins_date.to_rfc3339(),
        "2024-02-28T10:11:12.345+00:00"
    );
    let hash = gz.electronic_invoice_hash.unwrap();
    assert_eq!(
        (hash.crypto_type.as_str(), hash.value.as_str()),
        ("SHA3-512", "0A1B2C")
    );

    let plain = client
        .query_invoice_data(&creds, &invoice_query(Direction::Outbound))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plain.xml, original);
    assert!(!plain.compressed_content_indicator);

    let none = client
        .query_invoice_data(&creds, &invoice_query(Direction::Outbound))
        .await
        .unwrap();
    assert!(none.is_none());

    let sent = &nav.requests()[0];
    assert_eq!(sent.path, "/invoiceService/v3/queryInvoiceData");
    assert_eq!(element(&sent.body, "invoiceNumber"), Some("MOD-2024/7"));
    assert_schema_valid(&sent.body);
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_the_document_cap() {
    let bomb = gzip(&vec![b'A'; 4 << 20]);
    let nav = FakeNav::start(move |_, _| Action::xml(200, data_response(&bomb, true))).await;
    let client = client(&nav.url, |c| c.max_document_bytes = 1 << 20);
    let err = client
        .query_invoice_data(&credentials(), &invoice_query(Direction::Outbound))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Decode(_)), "{err}");
    assert!(matches!(NavError::from(err), NavError::InvalidDocument(_)));
    assert_eq!(nav.requests().len(), 1, "a bad document is not retried");
}

#[tokio::test]
async fn check_chain_and_taxpayer_answers_are_typed() {
    let nav = FakeNav::start(|_, r| match r.path.rsplit('/').next().unwrap() {
        "queryInvoiceCheck" => Action::xml(
            200,
            ok_response(
                "QueryInvoiceCheckResponse",
                "<invoiceCheckResult>true</invoiceCheckResult>",
            ),
        ),
        "queryInvoiceChainDigest" => Action::xml(
            200,
            ok_response("QueryInvoiceChainDigestResponse", CHAIN_BODY),
        ),
        "queryTaxpayer" => Action::xml(200, ok_response("QueryTaxpayerResponse", TAXPAYER_BODY)),
        other => Action::xml(
            500,
            general_error("OPERATION_FAILED", &format!("unexpected {other}"), &[]),
        ),
    })
    .await;
    let client = client(&nav.url, |c| c.retry.max_retries = 0);
    let creds = credentials();

    assert!(
        client
            .query_invoice_check(&creds, &invoice_query(Direction::Outbound))
            .await
            .unwrap()
    );

    let chain = client
        .query_invoice_chain_digest(
            &creds,
            1,
            &InvoiceChainQuery {
                invoice_number: "SZ-2024/1".parse().unwrap(),
                direction: Direction::Outbound,
                tax_number: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(chain.elements.len(), 2);
    let modify = &chain.elements[1];
    assert_eq!(modify.operation, InvoiceOperation::Modify);
    assert_eq!(modify.batch_index, Some(2));
    assert_eq!(modify.max_line_number, Some(5));
    assert_eq!(modify.new_created_lines, vec![(4, 5)]);
    let reference = modify.reference.as_ref().unwrap();
    assert_eq!(reference.original_invoice_number.as_str(), "SZ-2024/1");
    assert_eq!(reference.modification_index, Some(1));
    assert!(!reference.modify_without_master);
    assert_eq!(chain.elements[0].original_request_version, "2.0");
    assert!(chain.elements[0].reference.is_none());

    let taxpayer = client
        .query_taxpayer(&creds, "12345676".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(taxpayer.validity, Some(true));
    let data = taxpayer.data.unwrap();
    assert_eq!(data.short_name.as_deref(), Some("TESZT KFT."));
    assert_eq!(data.tax_number.to_string(), "12345676-2-41");
    assert_eq!(data.incorporation, "ORGANIZATION");
    assert_eq!(data.addresses.len(), 1);
    assert_eq!(data.addresses[0].kind, "HQ");
    assert_eq!(data.addresses[0].street_name, "FŐ");
    assert_eq!(data.addresses[0].floor.as_deref(), Some("2"));

    for r in nav.requests() {
        assert_schema_valid(&r.body);
    }
}

#[tokio::test]
async fn operation_failed_is_retried_with_a_fresh_request_id() {
    let nav = FakeNav::start(|n, _| match n {
        0 => Action::xml(500, general_error("OPERATION_FAILED", "Váratlan hiba", &[])),
        _ => Action::xml(200, digest_response(1, 1, &[])),
    })
    .await;
    let client = client(&nav.url, |_| {});
    let page = NavSource::digest_page(&client, &credentials(), Direction::Outbound, window(), 1)
        .await
        .unwrap();
    assert_eq!(page.available_page, 1);
    let stats = client.stats().operation(Operation::QueryInvoiceDigest);
    assert_eq!((stats.calls, stats.retries, stats.failures), (2, 1, 0));
    let sent = nav.requests();
    assert_ne!(
        element(&sent[0].body, "common:requestId"),
        element(&sent[1].body, "common:requestId")
    );
}

#[tokio::test]
async fn maintenance_is_retried_until_retries_run_out() {
    let nav = FakeNav::start(|_, _| {
        Action::xml(503, general_error("MAINTENANCE_MODE", "Karbantartás", &[]))
    })
    .await;
    let client = client(&nav.url, |c| c.retry.max_retries = 2);
    let err = client
        .query_invoice_check(&credentials(), &invoice_query(Direction::Outbound))
        .await
        .unwrap_err();
    assert_eq!(err.nav_code(), Some("MAINTENANCE_MODE"));
    assert_eq!(nav.requests().len(), 3);
    assert_eq!(
        NavError::from(err),
        NavError::Unavailable {
            code: Some("MAINTENANCE_MODE".into()),
            message: "NAV error MAINTENANCE_MODE (HTTP 503): Karbantartás".into()
        }
    );
}

#[tokio::test]
async fn authentication_errors_are_not_retried_and_carry_navs_code() {
    let nav = FakeNav::start(|_, _| {
        Action::xml(
            401,
            general_error(
                "INVALID_SECURITY_USER",
                "Helytelen authentikációs adatok!",
                &[],
            ),
        )
    })
    .await;
    let client = client(&nav.url, |_| {});
    let err = NavSource::digest_page(&client, &credentials(), Direction::Outbound, window(), 1)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        NavError::Rejected {
            code: "INVALID_SECURITY_USER".into(),
            message: "Helytelen authentikációs adatok!".into()
        }
    );
    assert!(!err.is_retryable());
    assert_eq!(nav.requests().len(), 1);
    let stats = client.stats().operation(Operation::QueryInvoiceDigest);
    assert_eq!((stats.calls, stats.retries, stats.failures), (1, 0, 1));
    // Nothing secret in what the caller sees.
    let creds = credentials();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(creds.password.expose()) && !shown.contains(creds.sign_key.expose()));
}

#[tokio::test]
async fn validation_errors_and_exceptions_are_typed_and_final() {
    let nav = FakeNav::start(|n, _| match n {
        0 => Action::xml(
            400,
            general_error(
                "INVALID_REQUEST",
                "Schema validation failed",
                &[(
                    "SCHEMA_VIOLATION",
                    "Element 'taxNumber': not accepted by the pattern",
                )],
            ),
        ),
        _ => Action::xml(
            400,
            general_exception("INVALID_REQUEST", "Invalid request!"),
        ),
    })
    .await;
    let client = client(&nav.url, |_| {});
    let creds = credentials();
    let ClientError::Nav(fault) = client
        .query_taxpayer(&creds, "22222222".parse().unwrap())
        .await
        .unwrap_err()
    else {
        panic!("not a NAV fault")
    };
    assert_eq!(fault.kind, FaultKind::GeneralError);
    assert_eq!(
        (fault.status, fault.code.as_str()),
        (400, "INVALID_REQUEST")
    );
    assert_eq!(fault.technical_validation.len(), 1);
    assert_eq!(
        fault.technical_validation[0].error_code.as_deref(),
        Some("SCHEMA_VIOLATION")
    );

    let ClientError::Nav(fault) = client
        .query_taxpayer(&creds, "22222222".parse().unwrap())
        .await
        .unwrap_err()
    else {
        panic!("not a NAV fault")
    };
    assert_eq!(fault.kind, FaultKind::GeneralException);
    assert_eq!(fault.message, "Invalid request!");
    assert_eq!(nav.requests().len(), 2, "neither was retried");
}

#[tokio::test]
async fn a_gateway_html_page_is_a_non_xml_error_and_retried() {
    let nav = FakeNav::start(|_, _| Action::Reply {
        status: 504,
        content_type: "text/html",
        body: GATEWAY_PAGE.into(),
    })
    .await;
    let client = client(&nav.url, |c| c.retry.max_retries = 2);
    let err = client
        .query_invoice_digest(
            &credentials(),
            1,
            Direction::Outbound,
            &NavClient::window_query(window()),
        )
        .await
        .unwrap_err();
    match &err {
        ClientError::NonXmlBody { status, excerpt } => {
            assert_eq!(*status, 504);
            assert!(excerpt.contains("504 Gateway Time-out"), "{excerpt}");
        }
        other => panic!("expected a non-XML error, got {other:?}"),
    }
    assert_eq!(nav.requests().len(), 3);
    assert!(matches!(
        NavError::from(err),
        NavError::Unavailable { code: None, .. }
    ));
}

#[tokio::test]
async fn a_connection_reset_is_told_apart_and_retried() {
    let nav = FakeNav::start(|n, _| match n {
        0 => Action::Reset,
        _ => Action::xml(
            200,
            ok_response(
                "QueryInvoiceCheckResponse",
                "<invoiceCheckResult>false</invoiceCheckResult>",
            ),
        ),
    })
    .await;
    let client = client(&nav.url, |_| {});
    let found = client
        .query_invoice_check(&credentials(), &invoice_query(Direction::Outbound))
        .await
        .unwrap();
    assert!(!found);
    assert_eq!(
        client
            .stats()
            .operation(Operation::QueryInvoiceCheck)
            .retries,
        1
    );

    let always = FakeNav::start(|_, _| Action::Reset).await;
    let client = fake_nav::client(&always.url, |c| c.retry.max_retries = 1);
    let err = client
        .query_invoice_check(&credentials(), &invoice_query(Direction::Outbound))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::ConnectionReset(_)), "{err:?}");
    assert_eq!(always.requests().len(), 2);
    assert!(matches!(NavError::from(err), NavError::Unavailable { .. }));
}

#[tokio::test]
async fn a_silent_server_times_out_and_is_retried() {
    let nav = FakeNav::start(|_, _| Action::Hang(Duration::from_secs(5))).await;
    let client = client(&nav.url, |c| {
        c.request_timeout = Duration::from_millis(300);
        c.retry.max_retries = 1;
    });
    let err = client
        .query_taxpayer(&credentials(), "22222222".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err, ClientError::Timeout(Duration::from_millis(300)));
    assert_eq!(nav.requests().len(), 2);
    let stats = client.stats().operation(Operation::QueryTaxpayer);
    assert_eq!((stats.calls, stats.retries, stats.failures), (2, 1, 1));
}

#[tokio::test]
async fn an_oversized_response_is_refused() {
    let nav = FakeNav::start(|_, _| {
        let rows: Vec<String> = (0..100)
            .map(|i| digest_row(&format!("N{i}"), "2024-02-10T00:00:00.000Z", ""))
            .collect();
        Action::xml(200, digest_response(1, 1, &rows))
    })
    .await;
    let client = client(&nav.url, |c| c.max_response_bytes = 4096);
    let err = client
        .query_invoice_digest(
            &credentials(),
            1,
            Direction::Outbound,
            &NavClient::window_query(window()),
        )
        .await
        .unwrap_err();
    assert_eq!(err, ClientError::ResponseTooLarge { limit: 4096 });
}

/// NAV's traffic restriction: one client's requests — from concurrent callers and retries
/// alike — are sent at least the interval apart. The clock is paused: the limiter and the
/// fake server both read tokio's clock, which moves only when every task waits for a timer,
/// so a request arrives at the virtual instant the limiter released it and the gaps the
/// server sees are exactly the ones the client scheduled (no allowance for transit jitter).
#[tokio::test(start_paused = true)]
async fn requests_are_paced_across_concurrent_callers_and_retries() {
    const INTERVAL: Duration = Duration::from_millis(250);
    let nav = FakeNav::start(|n, _| match n {
        // The second request fails once: its retry must queue behind the limiter as well.
        1 => Action::xml(500, general_error("OPERATION_FAILED", "Váratlan hiba", &[])),
        _ => Action::xml(
            200,
            ok_response(
                "QueryInvoiceCheckResponse",
                "<invoiceCheckResult>true</invoiceCheckResult>",
            ),
        ),
    })
    .await;
    let client = client(&nav.url, |c| {
        c.min_request_interval = Some(INTERVAL);
        c.retry.base_delay = Duration::from_millis(1);
        c.retry.max_delay = Duration::from_millis(1);
    });
    let creds = credentials();
    let calls = (0..4).map(|_| {
        let client = client.clone();
        let creds = creds.clone();
        tokio::spawn(async move {
            client
                .query_invoice_check(&creds, &invoice_query(Direction::Outbound))
                .await
        })
    });
    for call in calls.collect::<Vec<_>>() {
        assert!(call.await.unwrap().unwrap());
    }
    let arrivals: Vec<_> = nav.requests().iter().map(|r| r.at).collect();
    assert_eq!(arrivals.len(), 5, "4 calls and 1 retry");
    // Each caller (and the retry, queued last) is released the moment the interval is up.
    let gaps: Vec<Duration> = arrivals.windows(2).map(|p| p[1] - p[0]).collect();
    assert_eq!(gaps, [INTERVAL; 4]);
    let stats = client.stats().operation(Operation::QueryInvoiceCheck);
    assert_eq!((stats.calls, stats.retries), (5, 1));
}

fn invoice_id(number: &str, direction: Direction, batch_index: Option<u32>) -> InvoiceId {
    InvoiceId {
        direction,
        supplier_tax_number: "99246873"
            .parse()
            .unwrap_or_else(|_| "22222222".parse().unwrap()),
        invoice_number: number.parse().unwrap(),
        batch_index,
    }
}

#[tokio::test]
async fn the_port_returns_the_document_and_the_invoice_it_states() {
    let plain = sample_invoice();
    let batch =
        std::fs::read(nav_dir().join("invoice-samples/Tobb szamla modositasa egy okirattal.xml"))
            .unwrap();
    let (p, b) = (plain.clone(), batch.clone());
    let nav = FakeNav::start(move |n, _| match n {
        0 => Action::xml(200, data_response(&gzip(&p), true)),
        1 => Action::xml(200, data_response(&b, false)),
        2 => Action::xml(200, empty_data_response()),
        3 => Action::xml(
            200,
            data_response(b"<html><body>not an invoice</body></html>", false),
        ),
        _ => Action::xml(200, data_response(&b, false)),
    })
    .await;
    let client = client(&nav.url, |_| {});
    let creds = credentials();

    let doc = client
        .invoice_data(
            &creds,
            &invoice_id("2021/000123", Direction::Outbound, None),
        )
        .await
        .unwrap();
    assert_eq!(
        doc.xml, plain,
        "the archived bytes are NAV's document, decompressed"
    );
    assert_eq!(doc.invoice.invoice_number.as_str(), "2021/000123");

    let part = client
        .invoice_data(&creds, &invoice_id("SZ00004", Direction::Inbound, Some(2)))
        .await
        .unwrap();
    assert_eq!(part.xml, batch);
    assert_eq!(part.invoice.batch_index, Some(2));
    assert_eq!(
        part.invoice
            .modification
            .as_ref()
            .unwrap()
            .original_invoice_number
            .as_str(),
        "SZ00002"
    );

    let missing = client
        .invoice_data(&creds, &invoice_id("SZ-404", Direction::Outbound, None))
        .await
        .unwrap_err();
    assert_eq!(missing, NavError::NotFound("SZ-404".into()));

    let garbage = client
        .invoice_data(&creds, &invoice_id("SZ-1", Direction::Outbound, None))
        .await
        .unwrap_err();
    assert!(
        matches!(garbage, NavError::InvalidDocument(_)),
        "{garbage:?}"
    );

    let no_such_part = client
        .invoice_data(&creds, &invoice_id("SZ00004", Direction::Inbound, Some(9)))
        .await
        .unwrap_err();
    assert!(
        matches!(&no_such_part, NavError::InvalidDocument(m) if m.contains("batch index 9")),
        "{no_such_part:?}"
    );

    // INBOUND queries name the supplier and the batch part; OUTBOUND ones must not name the supplier.
    let sent = nav.requests();
    assert_eq!(element(&sent[0].body, "supplierTaxNumber"), None);
    assert_eq!(element(&sent[1].body, "invoiceDirection"), Some("INBOUND"));
    assert_eq!(element(&sent[1].body, "batchIndex"), Some("2"));
    assert!(element(&sent[1].body, "supplierTaxNumber").is_some());
    for r in &sent {
        assert_schema_valid(&r.body);
    }
}
