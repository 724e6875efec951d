//! Every request the client builds — each operation, each mandatory query kind, additional,
//! relational and transaction parameters — validates against invoiceApi.xsd, checked by
//! xmllint through `shared/nav/validate-xml`. Invalid parameters are refused before sending.

mod fake_nav;

use chrono::{NaiveDate, TimeZone, Utc};
use fake_nav::{assert_schema_valid, credentials, schema_accepts, software};
use navsync_domain::{Direction, InvoiceCategory, InvoiceOperation, PaymentMethod, RequestId};
use navsync_nav::client::{
    AdditionalQueryParams, InvoiceAppearance, InvoiceChainQuery, InvoiceNumberQuery,
    InvoiceQueryParams, MandatoryQuery, QueryOperator, QueryRequest, Relation,
    RelationalQueryParams, Software, SoftwareConfig, SoftwareOperation, Source,
    TransactionQueryParams, new_request_id,
};
use rust_decimal::Decimal;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn build(request: &QueryRequest) -> String {
    let now =
        Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).unwrap() + chrono::TimeDelta::milliseconds(123);
    request
        .to_xml(&credentials(), &software(), &new_request_id(now), now)
        .unwrap()
}

fn digest(direction: Direction, params: InvoiceQueryParams) -> QueryRequest {
    QueryRequest::InvoiceDigest {
        page: 1,
        direction,
        params,
    }
}

fn every_parameter() -> InvoiceQueryParams {
    InvoiceQueryParams {
        mandatory: MandatoryQuery::InvoiceIssueDate {
            from: date(2024, 1, 1),
            to: date(2024, 2, 4),
        },
        additional: Some(AdditionalQueryParams {
            tax_number: Some("22222222".parse().unwrap()),
            group_member_tax_number: Some("33333333".parse().unwrap()),
            name: Some("Árvíztűrő <Kft> & Co".into()),
            invoice_category: Some(InvoiceCategory::Aggregate),
            payment_method: Some(PaymentMethod::Transfer),
            invoice_appearance: Some(InvoiceAppearance::Electronic),
            source: Some(Source::Xml),
            currency: Some("EUR".into()),
        }),
        relational: Some(RelationalQueryParams {
            invoice_delivery: vec![Relation::new(QueryOperator::Eq, date(2024, 1, 15))],
            payment_date: vec![
                Relation::new(QueryOperator::Gte, date(2024, 1, 1)),
                Relation::new(QueryOperator::Lt, date(2024, 3, 1)),
            ],
            invoice_net_amount: vec![Relation::new(
                QueryOperator::Lte,
                Decimal::new(123456789012345612, 2),
            )],
            invoice_net_amount_huf: vec![
                Relation::new(QueryOperator::Gt, Decimal::new(-5, 1)),
                Relation::new(QueryOperator::Lte, Decimal::new(1_000_000, 0)),
            ],
            invoice_vat_amount: vec![Relation::new(QueryOperator::Lt, Decimal::new(27000, 2))],
            invoice_vat_amount_huf: vec![Relation::new(QueryOperator::Eq, Decimal::new(2700, 0))],
        }),
        transaction: Some(TransactionQueryParams {
            transaction_id: "4NPFZBP3PHKXM1X1".into(),
            index: Some(100),
            invoice_operation: Some(InvoiceOperation::Storno),
        }),
    }
}

#[test]
fn every_operation_and_query_kind_is_schema_valid() {
    let ins_from = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let requests = [
        digest(
            Direction::Outbound,
            MandatoryQuery::InvoiceIssueDate {
                from: date(2024, 1, 1),
                to: date(2024, 1, 31),
            }
            .into(),
        ),
        digest(
            Direction::Inbound,
            MandatoryQuery::InsDate {
                from: ins_from,
                to: ins_from + chrono::TimeDelta::days(35) - chrono::TimeDelta::milliseconds(1),
            }
            .into(),
        ),
        digest(
            Direction::Inbound,
            MandatoryQuery::OriginalInvoiceNumber("SZ-2024/0001".parse().unwrap()).into(),
        ),
        digest(Direction::Outbound, every_parameter()),
        digest(
            Direction::Inbound,
            InvoiceQueryParams {
                additional: Some(AdditionalQueryParams::default()),
                relational: Some(RelationalQueryParams::default()),
                ..every_parameter()
            },
        ),
        QueryRequest::InvoiceDigest {
            page: 57,
            direction: Direction::Outbound,
            params: InvoiceQueryParams {
                transaction: Some(TransactionQueryParams {
                    transaction_id: "T1".into(),
                    index: None,
                    invoice_operation: None,
                }),
                ..MandatoryQuery::OriginalInvoiceNumber("A&B <1>".parse().unwrap()).into()
            },
        },
        QueryRequest::InvoiceData(InvoiceNumberQuery {
            invoice_number: "SZ-2024/0001".parse().unwrap(),
            direction: Direction::Outbound,
            batch_index: None,
            supplier_tax_number: None,
        }),
        QueryRequest::InvoiceData(InvoiceNumberQuery {
            invoice_number: "MOD/2024/7".parse().unwrap(),
            direction: Direction::Inbound,
            batch_index: Some(2),
            supplier_tax_number: Some("22222222".parse().unwrap()),
        }),
        QueryRequest::InvoiceCheck(InvoiceNumberQuery {
            invoice_number: "SZ-2024/0001".parse().unwrap(),
            direction: Direction::Inbound,
            batch_index: Some(1),
            supplier_tax_number: Some("22222222".parse().unwrap()),
        }),
        QueryRequest::InvoiceChainDigest {
            page: 1,
            query: InvoiceChainQuery {
                invoice_number: "SZ-2024/0001".parse().unwrap(),
                direction: Direction::Outbound,
                tax_number: None,
            },
        },
        QueryRequest::InvoiceChainDigest {
            page: 3,
            query: InvoiceChainQuery {
                invoice_number: "SZ-2024/0001".parse().unwrap(),
                direction: Direction::Inbound,
                tax_number: Some("22222222".parse().unwrap()),
            },
        },
        QueryRequest::Taxpayer("12345676".parse().unwrap()),
    ];
    for request in &requests {
        let xml = build(request);
        assert_schema_valid(&xml);
    }
    // The document carries what was asked, escaped.
    let xml = build(&requests[3]);
    assert!(
        xml.contains("<name>Árvíztűrő &lt;Kft&gt; &amp; Co</name>"),
        "{xml}"
    );
    assert!(
        xml.contains("<queryValue>1234567890123456.12</queryValue>"),
        "{xml}"
    );
    let ins = build(&requests[1]);
    assert!(ins.contains("<dateTimeFrom>2024-01-01T00:00:00.000Z</dateTimeFrom><dateTimeTo>2024-02-04T23:59:59.999Z</dateTimeTo>"), "{ins}");
}

#[test]
fn a_minimal_software_block_is_schema_valid_too() {
    let minimal = Software::new(SoftwareConfig {
        software_id: "123456789123456789".into(),
        software_name: "x".into(),
        software_operation: SoftwareOperation::OnlineService,
        software_main_version: "1".into(),
        software_dev_name: "d".into(),
        software_dev_contact: "c".into(),
        software_dev_country_code: None,
        software_dev_tax_number: None,
    })
    .unwrap();
    let t = Utc::now();
    let xml = QueryRequest::Taxpayer("22222222".parse().unwrap())
        .to_xml(
            &credentials(),
            &minimal,
            &"RID1".parse::<RequestId>().unwrap(),
            t,
        )
        .unwrap();
    assert_schema_valid(&xml);
}

/// The schema check can fail: a document the schema forbids is refused.
#[test]
fn the_validator_refuses_what_the_schema_forbids() {
    let xml = build(&QueryRequest::Taxpayer("22222222".parse().unwrap()));
    assert!(schema_accepts(&xml));
    assert!(!schema_accepts(&xml.replace(
        "<taxNumber>22222222</taxNumber>",
        "<taxNumber>2222222X</taxNumber>"
    )));
}

#[test]
fn parameters_nav_would_refuse_are_refused_before_sending() {
    let base = every_parameter();
    let bad: Vec<(QueryRequest, &str)> = vec![
        (
            digest(
                Direction::Outbound,
                MandatoryQuery::InvoiceIssueDate {
                    from: date(2024, 1, 1),
                    to: date(2024, 2, 6),
                }
                .into(),
            ),
            "35 days",
        ),
        (
            digest(
                Direction::Outbound,
                MandatoryQuery::InvoiceIssueDate {
                    from: date(2024, 2, 1),
                    to: date(2024, 1, 1),
                }
                .into(),
            ),
            "after the end",
        ),
        (
            digest(
                Direction::Outbound,
                MandatoryQuery::InvoiceIssueDate {
                    from: date(2009, 12, 31),
                    to: date(2010, 1, 1),
                }
                .into(),
            ),
            "2010-01-01",
        ),
        (
            digest(
                Direction::Outbound,
                InvoiceQueryParams {
                    additional: Some(AdditionalQueryParams {
                        name: Some("Abc".into()),
                        ..Default::default()
                    }),
                    ..base.clone()
                },
            ),
            "at least 5",
        ),
        (
            digest(
                Direction::Outbound,
                InvoiceQueryParams {
                    additional: Some(AdditionalQueryParams {
                        currency: Some("eur".into()),
                        ..Default::default()
                    }),
                    ..base.clone()
                },
            ),
            "currency",
        ),
        (
            digest(
                Direction::Outbound,
                InvoiceQueryParams {
                    relational: Some(RelationalQueryParams {
                        payment_date: vec![
                            Relation::new(QueryOperator::Eq, date(2024, 1, 1)),
                            Relation::new(QueryOperator::Lt, date(2024, 3, 1)),
                        ],
                        ..Default::default()
                    }),
                    ..base.clone()
                },
            ),
            "EQ must stand alone",
        ),
        (
            digest(
                Direction::Outbound,
                InvoiceQueryParams {
                    relational: Some(RelationalQueryParams {
                        invoice_net_amount: vec![
                            Relation::new(QueryOperator::Gt, Decimal::ONE),
                            Relation::new(QueryOperator::Gte, Decimal::TWO),
                        ],
                        ..Default::default()
                    }),
                    ..base.clone()
                },
            ),
            "one GT/GTE and one LT/LTE",
        ),
        (
            digest(
                Direction::Outbound,
                InvoiceQueryParams {
                    relational: Some(RelationalQueryParams {
                        invoice_vat_amount: vec![Relation::new(
                            QueryOperator::Eq,
                            Decimal::new(1001, 3),
                        )],
                        ..Default::default()
                    }),
                    ..base.clone()
                },
            ),
            "2 of them decimals",
        ),
        (
            QueryRequest::InvoiceDigest {
                page: 0,
                direction: Direction::Outbound,
                params: base.clone(),
            },
            "page 0",
        ),
        (
            QueryRequest::InvoiceData(InvoiceNumberQuery {
                invoice_number: "SZ-1".parse().unwrap(),
                direction: Direction::Outbound,
                batch_index: None,
                supplier_tax_number: Some("22222222".parse().unwrap()),
            }),
            "only allowed for INBOUND",
        ),
        (
            QueryRequest::InvoiceData(InvoiceNumberQuery {
                invoice_number: "SZ-1".parse().unwrap(),
                direction: Direction::Inbound,
                batch_index: Some(0),
                supplier_tax_number: None,
            }),
            "batchIndex 0",
        ),
    ];
    for (request, expected) in bad {
        let err = request.validate().unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "{err} (expected {expected:?})"
        );
    }
    let mut creds = credentials();
    creds.login = "short".into();
    let err = QueryRequest::Taxpayer("22222222".parse().unwrap())
        .to_xml(&creds, &software(), &"RID1".parse().unwrap(), Utc::now())
        .unwrap_err();
    assert!(err.to_string().contains("login must be 6 to 15"), "{err}");
}
