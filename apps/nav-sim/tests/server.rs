//! The simulator over real HTTP on 127.0.0.1, driven by a raw client: NAV's XML (validated
//! with xmllint), authentication errors, digest rules, invoice data, fault drills, admin.

mod raw_nav;

use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use navsync_nav_sim::{Faults, SimConfig, SimHandle};
use raw_nav::{Raw, Tweak, digest_body, ins_date, number_query, validate};

async fn start_sim(seed: u64, invoices: usize, faults: Faults) -> (SimHandle, Raw) {
    let mut config = SimConfig::new(seed, invoices, Utc::now());
    config.faults = faults;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = navsync_nav_sim::start(config, listener).await.unwrap();
    let raw = Raw::new(sim.base_url(), sim.taxpayers()[0].clone());
    (sim, raw)
}

fn valid_api(reply: &raw_nav::Reply) {
    validate("api", reply.body.as_bytes())
        .unwrap_or_else(|e| panic!("response does not validate: {e}\n{}", reply.body));
}

fn window() -> (DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    (now - chrono::Duration::days(31), now)
}

#[tokio::test]
async fn every_kind_of_response_validates_against_invoice_api_xsd() {
    let (sim, raw) = start_sim(21, 150, Faults::default()).await;
    let (from, to) = window();
    let mut replies = Vec::new();

    let digest = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(from, to), ""),
        )
        .await;
    assert_eq!(digest.status, 200);
    let inbound = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "INBOUND", &ins_date(from, to), ""),
        )
        .await;
    assert!(!inbound.tags("invoiceDigest").is_empty());
    replies.push(inbound);

    // Data of a compressed and of a plain invoice, check, chain of a modified invoice.
    let me = raw.tp.tax_number.clone();
    let invoices = sim.invoices();
    let outbound: Vec<_> = invoices
        .iter()
        .filter(|s| s.supplier_id().map(|t| t.to_string()) == Some(me.clone()))
        .collect();
    let compressed = outbound.iter().find(|s| s.compressed).unwrap();
    let plain = outbound.iter().find(|s| !s.compressed).unwrap();
    let modified = outbound
        .iter()
        .find(|s| s.invoice.modification.is_some())
        .unwrap();
    let base = &modified
        .invoice
        .modification
        .as_ref()
        .unwrap()
        .original_invoice_number;
    for s in [compressed, plain] {
        let r = raw
            .call(
                "queryInvoiceData",
                &number_query(s.invoice.invoice_number.as_str(), "OUTBOUND"),
            )
            .await;
        assert_eq!(r.status, 200);
        let b64 = r.tag("invoiceData").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let doc = if r.tag("compressedContentIndicator").as_deref() == Some("true") {
            assert!(s.compressed);
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
                .unwrap();
            out
        } else {
            assert!(!s.compressed);
            bytes
        };
        assert_eq!(doc, s.document().to_vec());
        validate("data", &doc).unwrap();
        assert_eq!(r.tag("insdate").unwrap().len(), 24);
        replies.push(r);
    }
    let check = raw
        .call(
            "queryInvoiceCheck",
            &number_query(base.as_str(), "OUTBOUND"),
        )
        .await;
    assert_eq!(check.tag("invoiceCheckResult").as_deref(), Some("true"));
    replies.push(check);
    let missing = raw
        .call("queryInvoiceCheck", &number_query("NO-SUCH-1", "OUTBOUND"))
        .await;
    assert_eq!(missing.tag("invoiceCheckResult").as_deref(), Some("false"));
    let empty_data = raw
        .call("queryInvoiceData", &number_query("NO-SUCH-1", "OUTBOUND"))
        .await;
    assert_eq!(empty_data.status, 200);
    assert!(empty_data.tag("invoiceDataResult").is_none());
    replies.push(empty_data);
    let chain = raw
        .call(
            "queryInvoiceChainDigest",
            &format!(
                "<page>1</page><invoiceChainQuery><invoiceNumber>{base}</invoiceNumber><invoiceDirection>OUTBOUND</invoiceDirection></invoiceChainQuery>"
            ),
        )
        .await;
    let numbers = chain.tags("invoiceNumber");
    assert!(numbers.len() >= 2, "{}", chain.body);
    assert_eq!(numbers[0], base.as_str());
    assert!(chain.body.contains("<newCreatedLines>"));
    replies.push(chain);
    let known = raw
        .call("queryTaxpayer", &format!("<taxNumber>{me}</taxNumber>"))
        .await;
    assert_eq!(known.tag("taxpayerValidity").as_deref(), Some("true"));
    assert_eq!(
        known.tag("taxpayerName").as_deref(),
        Some(raw.tp.name.as_str())
    );
    replies.push(known);
    let unknown = raw
        .call("queryTaxpayer", "<taxNumber>11111111</taxNumber>")
        .await;
    assert_eq!(unknown.tag("taxpayerValidity").as_deref(), Some("false"));
    replies.push(unknown);
    // Errors: a schema violation, a business error, an authentication error, garbage.
    let schema = raw.call("queryInvoiceDigest", "<page>0</page>").await;
    assert_eq!(
        (schema.status, schema.error_code().as_deref()),
        (400, Some("INVALID_REQUEST"))
    );
    assert!(schema.body.contains("technicalValidationMessages"));
    replies.push(schema);
    let garbage = raw
        .post_raw("queryInvoiceDigest", "<not-closed>".into())
        .await
        .unwrap();
    assert_eq!(garbage.status, 400);
    assert!(garbage.body.contains("GeneralExceptionResponse"));
    assert_eq!(garbage.error_code().as_deref(), Some("INVALID_REQUEST"));
    replies.push(garbage);
    replies.push(digest);
    // A request in another namespace cannot be processed at all; another operation's request
    // at this endpoint fails the operation; a GET is not allowed.
    let foreign = raw
        .post_raw(
            "queryTaxpayer",
            raw.request(
                "queryTaxpayer",
                "<taxNumber>11111111</taxNumber>",
                &Tweak::default(),
            )
            .replace("OSA/3.0/api", "OSA/2.0/api"),
        )
        .await
        .unwrap();
    assert_eq!(foreign.status, 400);
    assert!(foreign.body.contains("GeneralExceptionResponse"));
    replies.push(foreign);
    let misrouted = raw
        .post_raw(
            "queryTaxpayer",
            raw.request(
                "queryInvoiceData",
                &number_query("X", "OUTBOUND"),
                &Tweak::default(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        (misrouted.status, misrouted.error_code().as_deref()),
        (500, Some("OPERATION_FAILED"))
    );
    replies.push(misrouted);
    let get = reqwest::get(format!("{}/queryTaxpayer", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 500);
    let get = raw_nav::Reply {
        status: 500,
        body: get.text().await.unwrap(),
    };
    assert_eq!(get.error_code().as_deref(), Some("NOT_ALLOWED_EXCEPTION"));
    replies.push(get);

    for r in &replies {
        valid_api(r);
    }
    let stats = sim.stats();
    assert_eq!(stats.requests["queryInvoiceData"], 3);
    assert_eq!(stats.ok["queryInvoiceData"], 3);
    assert_eq!(stats.requests["queryInvoiceDigest"], 4);
    assert_eq!(stats.ok["queryInvoiceDigest"], 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn authentication_failures_get_navs_error_codes() {
    let (sim, raw) = start_sim(22, 10, Faults::default()).await;
    let body = digest_body(1, "OUTBOUND", &ins_date(window().0, window().1), "");
    let cases: Vec<(Tweak, u16, &str)> = vec![
        (
            Tweak {
                password: Some("wrong".into()),
                ..Tweak::default()
            },
            401,
            "INVALID_SECURITY_USER",
        ),
        (
            Tweak {
                sign_key: Some("not-the-key".into()),
                ..Tweak::default()
            },
            400,
            "INVALID_REQUEST_SIGNATURE",
        ),
        (
            Tweak {
                timestamp: Some(Utc::now() - chrono::Duration::hours(25)),
                ..Tweak::default()
            },
            400,
            "INVALID_TIMESTAMP",
        ),
        (
            Tweak {
                timestamp: Some(Utc::now() + chrono::Duration::hours(25)),
                ..Tweak::default()
            },
            400,
            "INVALID_TIMESTAMP",
        ),
        (
            Tweak {
                tax_number: Some("11111111".into()),
                ..Tweak::default()
            },
            500,
            "NOT_REGISTERED_CUSTOMER",
        ),
        (
            Tweak {
                password_crypto: Some("MD5".into()),
                ..Tweak::default()
            },
            400,
            "INVALID_PASSWORD_HASH_CRYPTO",
        ),
        (
            Tweak {
                request_id: Some("has-dash".into()),
                ..Tweak::default()
            },
            400,
            "INVALID_REQUEST",
        ),
        (
            Tweak {
                request_id: Some("A".repeat(31)),
                ..Tweak::default()
            },
            400,
            "INVALID_REQUEST",
        ),
    ];
    for (tweak, status, code) in cases {
        let r = raw.call_with("queryInvoiceDigest", &body, &tweak).await;
        assert_eq!(
            (r.status, r.error_code().as_deref()),
            (status, Some(code)),
            "{}",
            r.body
        );
        valid_api(&r);
    }
    // A timestamp 23 hours off is still accepted.
    let r = raw
        .call_with(
            "queryInvoiceDigest",
            &body,
            &Tweak {
                timestamp: Some(Utc::now() - chrono::Duration::hours(23)),
                ..Tweak::default()
            },
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A request id is used up by a successful request only.
    let failed_id = Tweak {
        request_id: Some("REUSED1".into()),
        sign_key: Some("bad".into()),
        ..Tweak::default()
    };
    let r = raw.call_with("queryInvoiceDigest", &body, &failed_id).await;
    assert_eq!(r.error_code().as_deref(), Some("INVALID_REQUEST_SIGNATURE"));
    let id = Tweak {
        request_id: Some("REUSED1".into()),
        ..Tweak::default()
    };
    assert_eq!(
        raw.call_with("queryInvoiceDigest", &body, &id).await.status,
        200
    );
    let again = raw.call_with("queryInvoiceDigest", &body, &id).await;
    assert_eq!(
        (again.status, again.error_code().as_deref()),
        (400, Some("REQUEST_ID_NOT_UNIQUE"))
    );
    valid_api(&again);
    sim.shutdown().await;
}

#[tokio::test]
async fn another_taxpayers_tax_number_is_an_invalid_user_relation() {
    let mut config = SimConfig::new(23, 5, Utc::now());
    config.taxpayers = 2;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = navsync_nav_sim::start(config, listener).await.unwrap();
    let tps = sim.taxpayers();
    let raw = Raw::new(sim.base_url(), tps[0].clone());
    let r = raw
        .call_with(
            "queryTaxpayer",
            &format!("<taxNumber>{}</taxNumber>", tps[1].tax_number),
            &Tweak {
                tax_number: Some(tps[1].tax_number.clone()),
                ..Tweak::default()
            },
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (500, Some("INVALID_USER_RELATION"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn digest_pages_by_100_with_range_and_operator_rules() {
    let (sim, raw) = start_sim(24, 600, Faults::default()).await;
    let me = raw.tp.tax_number.clone();
    let (from, to) = window();
    let expected: Vec<String> = sim
        .invoices()
        .iter()
        .filter(|s| {
            s.supplier_id().map(|t| t.to_string()) == Some(me.clone())
                && s.ins_date >= from
                && s.ins_date <= to
        })
        .map(|s| s.invoice.invoice_number.to_string())
        .collect();
    assert!(expected.len() > 200, "{}", expected.len());
    let pages = expected.len().div_ceil(100);
    let mut listed = Vec::new();
    for page in 1..=pages + 1 {
        let r = raw
            .call(
                "queryInvoiceDigest",
                &digest_body(page as u32, "OUTBOUND", &ins_date(from, to), ""),
            )
            .await;
        assert_eq!(r.tag("currentPage"), Some(page.to_string()));
        assert_eq!(r.tag("availablePage"), Some(pages.to_string()));
        let suppliers = r.tags("supplierTaxNumber");
        assert!(
            suppliers.iter().all(|s| *s == me),
            "OUTBOUND lists only my sales"
        );
        let n = r.tags("invoiceDigest").len();
        assert!(n <= 100);
        if page == pages + 1 {
            assert_eq!(n, 0);
        }
        listed.extend(r.tags("invoiceNumber"));
    }
    // In NAV's order (insDate), each once.
    assert_eq!(listed, expected);

    // INBOUND: I am the customer of every listed invoice.
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "INBOUND", &ins_date(from, to), ""),
        )
        .await;
    assert!(r.tags("customerTaxNumber").iter().all(|c| *c == me));
    assert!(!r.tags("customerTaxNumber").is_empty());

    // insDate bounds are inclusive: a window of one instant finds the invoice reported then.
    let one = &sim.invoices()[10];
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(
                1,
                if one.supplier_id().map(|t| t.to_string()) == Some(me.clone()) {
                    "OUTBOUND"
                } else {
                    "INBOUND"
                },
                &ins_date(one.ins_date, one.ins_date),
                "",
            ),
        )
        .await;
    assert_eq!(
        r.tags("invoiceNumber"),
        vec![one.invoice.invoice_number.to_string()]
    );

    // 35 days is the limit; 35 days and a millisecond is not. From after to overlaps.
    let t0 = Utc::now() - chrono::Duration::days(40);
    let ok = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(
                1,
                "OUTBOUND",
                &ins_date(t0, t0 + chrono::Duration::days(35)),
                "",
            ),
        )
        .await;
    assert_eq!(ok.status, 200);
    let too_long = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(
                1,
                "OUTBOUND",
                &ins_date(
                    t0,
                    t0 + chrono::Duration::days(35) + chrono::Duration::milliseconds(1),
                ),
                "",
            ),
        )
        .await;
    assert_eq!(
        (too_long.status, too_long.error_code().as_deref()),
        (400, Some("BAD_QUERY_PARAM_RANGE_EXCEEDED"))
    );
    valid_api(&too_long);
    let issue = |a: &str, b: &str| {
        format!("<invoiceIssueDate><dateFrom>{a}</dateFrom><dateTo>{b}</dateTo></invoiceIssueDate>")
    };
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &issue("2026-03-02", "2026-03-01"), ""),
        )
        .await;
    assert_eq!(r.error_code().as_deref(), Some("BAD_QUERY_PARAM_OVERLAP"));
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &issue("2026-01-01", "2026-02-06"), ""),
        )
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("BAD_QUERY_PARAM_RANGE_EXCEEDED")
    );
    let rel = |a: &str, b: &str| {
        format!(
            "<relationalQueryParams><invoiceNetAmount><queryOperator>{a}</queryOperator><queryValue>1000</queryValue></invoiceNetAmount><invoiceNetAmount><queryOperator>{b}</queryOperator><queryValue>5000</queryValue></invoiceNetAmount></relationalQueryParams>"
        )
    };
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(from, to), &rel("EQ", "LT")),
        )
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("BAD_QUERY_PARAM_EQ_NOT_STANDALONE")
    );
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(from, to), &rel("GT", "GTE")),
        )
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("BAD_QUERY_PARAM_OPERATOR_COLLISION")
    );

    // Additional and relational params narrow the result to what matches.
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(from, to), &rel("GTE", "LTE")),
        )
        .await;
    let nets: Vec<f64> = r
        .tags("invoiceNetAmount")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(!nets.is_empty());
    assert!(
        nets.iter().all(|n| (1000.0..=5000.0).contains(n)),
        "{nets:?}"
    );
    let extra = "<additionalQueryParams><invoiceCategory>SIMPLIFIED</invoiceCategory><currency>HUF</currency></additionalQueryParams>";
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(from, to), extra),
        )
        .await;
    let cats = r.tags("invoiceCategory");
    assert!(!cats.is_empty());
    assert!(cats.iter().all(|c| c == "SIMPLIFIED"));
    valid_api(&r);

    // taxNumber and name search the partner: the customer OUTBOUND, the supplier INBOUND.
    let sale = sim
        .invoices()
        .into_iter()
        .find(|s| {
            s.supplier_id().map(|t| t.to_string()) == Some(me.clone()) && s.customer_id().is_some()
        })
        .unwrap();
    let customer = sale.customer_id().unwrap().to_string();
    let extra =
        format!("<additionalQueryParams><taxNumber>{customer}</taxNumber></additionalQueryParams>");
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(from, to), &extra),
        )
        .await;
    let customers = r.tags("customerTaxNumber");
    assert!(customers.contains(&customer) && customers.iter().all(|c| *c == customer));
    let name: String = sale
        .invoice
        .customer
        .name
        .clone()
        .unwrap()
        .chars()
        .take(6)
        .collect();
    let extra = format!(
        "<additionalQueryParams><name>{}</name></additionalQueryParams>",
        name.to_lowercase()
    );
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(from, to), &extra),
        )
        .await;
    let names = r.tags("customerName");
    assert!(!names.is_empty());
    assert!(
        names
            .iter()
            .all(|n| n.to_uppercase().starts_with(&name.to_uppercase())),
        "{names:?}"
    );
    let purchase = sim
        .invoices()
        .into_iter()
        .find(|s| s.customer_id().map(|t| t.to_string()) == Some(me.clone()))
        .unwrap();
    let supplier = purchase.supplier_id().unwrap().to_string();
    let extra =
        format!("<additionalQueryParams><taxNumber>{supplier}</taxNumber></additionalQueryParams>");
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "INBOUND", &ins_date(from, to), &extra),
        )
        .await;
    let suppliers = r.tags("supplierTaxNumber");
    assert!(suppliers.contains(&supplier) && suppliers.iter().all(|c| *c == supplier));

    // queryInvoiceData: the supplier's tax number narrows an INBOUND query and is refused OUTBOUND.
    let number = purchase.invoice.invoice_number.to_string();
    let q = |dir: &str, supplier: &str| {
        format!(
            "<invoiceNumberQuery><invoiceNumber>{number}</invoiceNumber><invoiceDirection>{dir}</invoiceDirection><supplierTaxNumber>{supplier}</supplierTaxNumber></invoiceNumberQuery>"
        )
    };
    let r = raw.call("queryInvoiceData", &q("INBOUND", &supplier)).await;
    assert!(r.tag("invoiceData").is_some(), "{}", r.body);
    let r = raw
        .call("queryInvoiceData", &q("INBOUND", "11111111"))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.tag("invoiceData").is_none());
    let r = raw
        .call("queryInvoiceData", &q("OUTBOUND", &supplier))
        .await;
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (400, Some("BAD_QUERY_PARAM_SUPPLIER_NOT_EXPECTED"))
    );
    valid_api(&r);

    // originalInvoiceNumber finds the base invoice and its modifications.
    let modified = sim
        .invoices()
        .into_iter()
        .find(|s| {
            s.invoice.modification.is_some()
                && s.supplier_id().map(|t| t.to_string()) == Some(me.clone())
        })
        .unwrap();
    let base = modified
        .invoice
        .modification
        .unwrap()
        .original_invoice_number;
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(
                1,
                "OUTBOUND",
                &format!("<originalInvoiceNumber>{base}</originalInvoiceNumber>"),
                "",
            ),
        )
        .await;
    let numbers = r.tags("invoiceNumber");
    assert!(
        numbers.contains(&base.to_string()) && numbers.len() >= 2,
        "{numbers:?}"
    );
    assert!(
        r.tags("originalInvoiceNumber")
            .iter()
            .all(|o| *o == base.as_str())
    );
    sim.shutdown().await;
}

// The simulator's clock is tokio's, paused here: time moves only when every task waits for a
// timer (the penalty's sleep) or the test advances it, so "within a second" and "4 s" are
// decided exactly, whatever the machine's speed.
#[tokio::test(start_paused = true)]
async fn traffic_restriction_penalises_a_second_request_within_a_second() {
    let (sim, raw) = start_sim(
        25,
        5,
        Faults {
            traffic_restriction: true,
            ..Faults::default()
        },
    )
    .await;
    let q = number_query("NO-SUCH-1", "OUTBOUND");
    // Digests are not restricted.
    raw.call(
        "queryInvoiceDigest",
        &digest_body(1, "OUTBOUND", &ins_date(window().0, window().1), ""),
    )
    .await;
    raw.call(
        "queryInvoiceDigest",
        &digest_body(1, "OUTBOUND", &ins_date(window().0, window().1), ""),
    )
    .await;
    assert_eq!(sim.stats().penalised, 0);
    let first = raw.call("queryInvoiceData", &q).await;
    assert_eq!(first.status, 200);
    assert_eq!(sim.stats().penalised, 0);
    let started = tokio::time::Instant::now();
    let second = raw.call("queryInvoiceData", &q).await;
    assert_eq!(second.status, 200);
    assert_eq!(sim.stats().penalised, 1);
    assert_eq!(
        started.elapsed(),
        navsync_nav_sim::traffic::STEP,
        "the penalty delays by 4 s"
    );
    // A client that keeps its distance (a second exactly) is not penalised again.
    tokio::time::advance(navsync_nav_sim::traffic::WINDOW).await;
    raw.call("queryInvoiceData", &q).await;
    assert_eq!(sim.stats().penalised, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_drills_answer_like_a_failing_nav() {
    let q = number_query("NO-SUCH-1", "OUTBOUND");
    let (sim, raw) = start_sim(
        26,
        5,
        Faults {
            operation_failed_share: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let r = raw.call("queryInvoiceData", &q).await;
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (500, Some("OPERATION_FAILED"))
    );
    valid_api(&r);
    sim.set_maintenance(true);
    let r = raw.call("queryInvoiceData", &q).await;
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (503, Some("MAINTENANCE_MODE"))
    );
    valid_api(&r);
    assert_eq!(sim.stats().faults["operation_failed"], 1);
    sim.shutdown().await;

    let (sim, raw) = start_sim(
        27,
        5,
        Faults {
            gateway_timeout_share: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let r = raw.call("queryInvoiceData", &q).await;
    assert_eq!(r.status, 504);
    assert!(r.body.contains("<html>") && !r.body.contains("<?xml"));
    // Drills can change while it runs.
    sim.set_faults(Faults::default());
    assert_eq!(raw.call("queryInvoiceData", &q).await.status, 200);
    sim.shutdown().await;

    let (sim, raw) = start_sim(
        28,
        5,
        Faults {
            reset_share: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let err = raw
        .post_raw(
            "queryInvoiceData",
            raw.request("queryInvoiceData", &q, &Tweak::default()),
        )
        .await
        .expect_err("the connection is reset");
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    assert_eq!(sim.stats().faults["connection_reset"], 1);
    sim.shutdown().await;
}

// Paused clock: the lag is passed by advancing it, not by sleeping past it.
#[tokio::test(start_paused = true)]
async fn digest_can_list_an_invoice_before_its_data_is_available() {
    let (sim, raw) = start_sim(
        29,
        20,
        Faults {
            data_lag_share: 1.0,
            data_lag: Duration::from_millis(1500),
            ..Faults::default()
        },
    )
    .await;
    let (from, to) = window();
    let digest = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(from, to), ""),
        )
        .await;
    let number = digest.tags("invoiceNumber")[0].clone();
    let early = raw
        .call("queryInvoiceData", &number_query(&number, "OUTBOUND"))
        .await;
    assert_eq!(early.status, 200);
    assert!(
        early.tag("invoiceDataResult").is_none(),
        "withheld at first"
    );
    tokio::time::advance(Duration::from_millis(1500)).await;
    let late = raw
        .call("queryInvoiceData", &number_query(&number, "OUTBOUND"))
        .await;
    assert!(
        late.tag("invoiceDataResult").is_some(),
        "available after the lag"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn invoices_added_at_runtime_show_up_in_a_fresh_window() {
    let (sim, raw) = start_sim(30, 20, Faults::default()).await;
    let before = Utc::now();
    let http = reqwest::Client::new();
    let admin = format!("http://{}/sim", sim.addr());
    let added: serde_json::Value = http
        .post(format!("{admin}/invoices?count=4"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(added["added"], 4);
    assert_eq!(added["invoices"], 24);
    assert_eq!(sim.add_invoices(2), 2);
    let after = Utc::now();
    let mut found = 0;
    for dir in ["OUTBOUND", "INBOUND"] {
        let r = raw
            .call(
                "queryInvoiceDigest",
                &digest_body(
                    1,
                    dir,
                    &ins_date(before - chrono::Duration::seconds(1), after),
                    "",
                ),
            )
            .await;
        found += r.tags("invoiceDigest").len();
    }
    assert_eq!(found, 6);
    let stats: navsync_nav_sim::SimStats = http
        .get(format!("{admin}/stats"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(stats.invoices, 26);
    assert_eq!(stats.ok["queryInvoiceDigest"], 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_bodies_get_clear_refusals() {
    let (sim, raw) = start_sim(32, 5, Faults::default()).await;
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><QueryTaxpayerRequest xmlns="http://schemas.nav.gov.hu/OSA/3.0/api">&b;</QueryTaxpayerRequest>"#;
    let r = raw.post_raw("queryTaxpayer", laughs.into()).await.unwrap();
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (400, Some("INVALID_REQUEST"))
    );
    assert!(r.body.contains("DOCTYPE"), "{}", r.body);
    valid_api(&r);
    let r = raw
        .post_raw("queryTaxpayer", "\u{feff}\u{0}garbage".into())
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    valid_api(&r);
    // NAV takes bodies up to 10 MB (spec 1.6.5).
    let big = format!("<a>{}</a>", "x".repeat(11 * 1024 * 1024));
    let r = raw.post_raw("queryTaxpayer", big).await.unwrap();
    assert_eq!(r.status, 413);
    sim.shutdown().await;
}

// Paused clock: the trickle's ticks come exactly when virtual time reaches them, and the clock
// does not move on while a tick's invoices are being added (a blocking task holds it).
#[tokio::test(start_paused = true)]
async fn a_trickle_adds_invoices_while_it_runs() {
    let every = Duration::from_millis(200);
    let mut config = SimConfig::new(33, 10, Utc::now());
    config.trickle = Some((every, 3));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = navsync_nav_sim::start(config, listener).await.unwrap();
    assert_eq!(sim.stats().invoices, 10);
    tokio::time::sleep(every * 2 + Duration::from_millis(1)).await;
    assert_eq!(sim.stats().invoices, 16, "two ticks of 3");
    sim.shutdown().await;
}
