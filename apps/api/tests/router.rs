//! The API end to end over the local mode's real adapters: what a client sees.

mod app;
mod jwks;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use app::{Options, TestApp};
use navsync_api::{CorsOrigins, Quota, RateLimiter};
use navsync_contract::fixtures::{Spec, record};
use navsync_domain::ports::{Clock, InvoiceRepository, SyncStateStore};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::{Direction, InvoiceOperation, InvoiceRecord};
use rust_decimal::Decimal;
use serde_json::Value;

fn expected<'a>(app: &'a TestApp, q: &InvoiceQuery) -> Vec<&'a InvoiceRecord> {
    app.records.iter().filter(|r| q.matches(r)).collect()
}

fn numbers(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| {
            format!(
                "{}#{}",
                i["invoice_number"].as_str().unwrap(),
                i["batch_index"]
            )
        })
        .collect()
}

fn record_ids(records: &[&InvoiceRecord]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| {
            let b = r
                .key
                .id
                .batch_index
                .map_or("null".into(), |b| b.to_string());
            format!("{}#{b}", r.key.id.invoice_number)
        })
        .collect()
}

/// Every page of a listing, following `next_cursor`.
async fn all_pages(app: &TestApp, base: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut uri = base.to_owned();
    for _ in 0..1000 {
        let r = app.get(&uri, Some(token)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => {
                uri = format!("{base}&cursor={}", percent(c));
            }
            None => return items,
        }
    }
    panic!("listing never ended");
}

/// The detail path of a stored invoice, its number percent-encoded.
fn detail_path(r: &InvoiceRecord) -> String {
    format!(
        "/v1/taxpayers/{}/invoices/{}/{}/{}",
        r.key.taxpayer,
        r.key.id.direction,
        r.key.id.supplier_tax_number,
        percent(r.key.id.invoice_number.as_str())
    )
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn lists_exactly_the_taxpayers_matching_invoices_page_by_page() {
    let app = TestApp::start().await;
    let token = app.reader_of(app.a);
    for (params, query) in [
        ("direction=OUTBOUND", {
            InvoiceQuery::new(app.a, Direction::Outbound)
        }),
        ("direction=INBOUND&currency=EUR&sort=oldest_first", {
            let mut q = InvoiceQuery::new(app.a, Direction::Inbound);
            q.currency = Some("EUR".into());
            q
        }),
        (
            "direction=OUTBOUND&issued_from=2024-02-01&issued_to=2024-02-29&min_gross_huf=10000",
            {
                let mut q = InvoiceQuery::new(app.a, Direction::Outbound);
                q.issue_date_from = chrono::NaiveDate::from_ymd_opt(2024, 2, 1);
                q.issue_date_to = chrono::NaiveDate::from_ymd_opt(2024, 2, 29);
                q.min_gross_huf = Some(Decimal::new(10000, 0));
                q
            },
        ),
        (
            "direction=OUTBOUND&partner_name=b%C3%A9ta&operation=CREATE",
            {
                let mut q = InvoiceQuery::new(app.a, Direction::Outbound);
                q.partner_name = Some("béta".into());
                q.operation = Some(InvoiceOperation::Create);
                q
            },
        ),
        ("direction=OUTBOUND&invoice_number_prefix=SZ-2024%2F1", {
            let mut q = InvoiceQuery::new(app.a, Direction::Outbound);
            q.invoice_number_prefix = Some("SZ-2024/1".into());
            q
        }),
    ] {
        let want = expected(&app, &query);
        assert!(!want.is_empty(), "fixture selects nothing for {params}");
        let base = format!("/v1/taxpayers/{}/invoices?{params}&limit=7", app.a);
        let got = all_pages(&app, &base, &token).await;
        assert_eq!(got.len(), want.len(), "{params}");
        assert_eq!(numbers(&got), record_ids(&want), "{params}");
        assert!(got.iter().all(|i| i["taxpayer"] == app.a.to_string()));
        let sum: Decimal = got
            .iter()
            .map(|i| {
                i["totals"]["gross_huf"]
                    .as_str()
                    .unwrap()
                    .parse::<Decimal>()
                    .unwrap()
            })
            .sum();
        let want_sum: Decimal = want.iter().map(|r| r.invoice.totals.gross_huf).sum();
        assert_eq!(sum, want_sum, "{params}");
        let dates: Vec<&str> = got
            .iter()
            .map(|i| i["issue_date"].as_str().unwrap())
            .collect();
        let mut sorted = dates.clone();
        sorted.sort();
        if !params.contains("oldest_first") {
            sorted.reverse();
        }
        assert_eq!(dates, sorted, "{params} not in order");
    }
}

#[tokio::test]
async fn opens_an_invoice_with_its_chain_by_an_encoded_number() {
    let app = TestApp::start().await;
    let token = app.reader_of(app.a);
    // From `fixtures::varied`, worked out by hand: A's outbound "SZ-2024/000" (i = 0) is
    // modified by "SZ-2024/032" (i = 32, MODIFY, index 1) and cancelled by "SZ-2024/016"
    // (i = 16, STORNO, index 2); gross HUF is (seed % 11) × 10000.50 + 0.99 with
    // seed = 7i + 1, so 10001.49, 50003.49 and 30002.49.
    let modify = app
        .records
        .iter()
        .find(|r| {
            r.key.taxpayer == app.a
                && r.key.id.direction == Direction::Outbound
                && r.key.id.invoice_number.as_str() == "SZ-2024/032"
        })
        .unwrap();
    let r = app.get(&detail_path(modify), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json();
    assert_eq!(d["invoice_number"], "SZ-2024/032");
    assert_eq!(d["operation"], "MODIFY");
    assert_eq!(d["lines"].as_array().unwrap().len(), 2);
    assert_eq!(d["totals"]["gross_huf"], "50003.49");
    let chain = &d["chain"];
    assert_eq!(chain["root"], "SZ-2024/000");
    assert_eq!(
        chain["state"], "cancelled",
        "the last modification is a storno"
    );
    assert_eq!(chain["original"]["invoice_number"], "SZ-2024/000");
    assert_eq!(chain["original"]["modification_index"], Value::Null);
    assert_eq!(chain["original"]["totals"]["gross_huf"], "10001.49");
    let members = |chain: &Value| -> Vec<(String, String, u64, String)> {
        chain["modifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["invoice_number"].as_str().unwrap().to_owned(),
                    m["operation"].as_str().unwrap().to_owned(),
                    m["modification_index"].as_u64().unwrap(),
                    m["totals"]["gross_huf"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let own = |n: &str, op: &str, i: u64, g: &str| (n.to_owned(), op.to_owned(), i, g.to_owned());
    assert_eq!(
        members(chain),
        [
            own("SZ-2024/032", "MODIFY", 1, "50003.49"),
            own("SZ-2024/016", "STORNO", 2, "30002.49"),
        ],
        "by modification index"
    );
    assert_eq!(chain["missing_indexes"], serde_json::json!([]));
    // 10001.49 + 50003.49 + 30002.49
    assert_eq!(chain["effective_totals"]["gross_huf"], "90007.47");
    assert_eq!(d["document"]["sha256"], modify.document.sha256);

    // A chain whose original is not stored: A's inbound "SZ-2024/1005" (i = 5, MODIFY, index 1)
    // and "SZ-2024/1025" (i = 25, STORNO, index 2) from Alfa Kft. name "SZ-2024/1000", which
    // does not exist; seed = 7i, so 20001.99 and 100005.99.
    let orphan = app
        .records
        .iter()
        .find(|r| {
            r.key.taxpayer == app.a
                && r.key.id.direction == Direction::Inbound
                && r.key.id.invoice_number.as_str() == "SZ-2024/1005"
        })
        .unwrap();
    let r = app.get(&detail_path(orphan), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let chain = &r.json()["chain"];
    assert_eq!(chain["root"], "SZ-2024/1000");
    assert_eq!(chain["original"], Value::Null);
    assert_eq!(chain["state"], "cancelled");
    assert_eq!(
        members(chain),
        [
            own("SZ-2024/1005", "MODIFY", 1, "20001.99"),
            own("SZ-2024/1025", "STORNO", 2, "100005.99"),
        ]
    );
    assert_eq!(chain["missing_indexes"], serde_json::json!([]));
    assert_eq!(chain["effective_totals"]["gross_huf"], "120007.98");

    // The href the API hands out opens the same invoice; so does an unencoded number with '/'.
    let href = d["href"].as_str().unwrap();
    assert_eq!(
        app.get(href, Some(&token)).await.json()["invoice_number"],
        d["invoice_number"]
    );
    let slashed = app
        .records
        .iter()
        .find(|r| {
            r.key.taxpayer == app.a
                && r.key.id.invoice_number.as_str().contains('/')
                && r.key.id.batch_index.is_none()
                && r.key.id.invoice_number.as_str().is_ascii()
        })
        .unwrap();
    let raw = format!(
        "/v1/taxpayers/{}/invoices/{}/{}/{}",
        app.a,
        slashed.key.id.direction,
        slashed.key.id.supplier_tax_number,
        slashed.key.id.invoice_number
    );
    let r = app.get(&raw.replace('#', "%23"), Some(&token)).await;
    assert_eq!(r.status, 200, "{raw}: {}", r.text());
    assert_eq!(
        r.json()["invoice_number"],
        slashed.key.id.invoice_number.as_str()
    );

    // A batch part needs its ?batch=.
    let batch = app
        .records
        .iter()
        .find(|r| r.key.taxpayer == app.a && r.key.id.batch_index.is_some())
        .unwrap();
    let path = detail_path(batch);
    app.get(&path, Some(&token)).await.problem(404, None);
    let r = app.get(&format!("{path}?batch=2"), Some(&token)).await;
    assert_eq!(r.json()["batch_index"], 2);
}

#[tokio::test]
async fn downloads_the_original_xml_and_exports_csv() {
    let app = TestApp::start().await;
    let token = app.reader_of(app.a);
    let rec = app
        .records
        .iter()
        .find(|r| r.key.taxpayer == app.a)
        .unwrap();
    let doc = format!(
        "/v1/taxpayers/{}/documents/{}/{}/{}",
        app.a,
        rec.key.id.direction,
        rec.key.id.supplier_tax_number,
        percent(rec.key.id.invoice_number.as_str())
    );
    // The filesystem archive has no presigned URLs: the default serves the bytes.
    let r = app.get(&doc, Some(&token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/xml");
    assert_eq!(
        r.body,
        navsync_contract::archive::sample_xml(rec.key.id.invoice_number.as_str())
    );
    let r = app.get(&format!("{doc}?delivery=url"), Some(&token)).await;
    let url = r.json()["url"].as_str().unwrap().to_owned();
    assert!(url.ends_with("delivery=bytes"), "{url}");
    assert_eq!(
        app.get(&url, Some(&token)).await.body,
        navsync_contract::archive::sample_xml(rec.key.id.invoice_number.as_str())
    );
    app.get(&format!("{doc}?delivery=fax"), Some(&token))
        .await
        .problem(400, Some("delivery"));

    let want = expected(&app, &InvoiceQuery::new(app.a, Direction::Outbound));
    let r = app
        .get(
            &format!("/v1/taxpayers/{}/invoices.csv?direction=OUTBOUND", app.a),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "text/csv; charset=utf-8");
    assert!(r.header("content-disposition").contains(".csv"));
    let text = r.text();
    assert!(text.starts_with('\u{FEFF}'), "Excel needs the BOM");
    let lines: Vec<&str> = text
        .trim_start_matches('\u{FEFF}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert!(lines[0].starts_with("direction;supplier_tax_number;invoice_number;"));
    assert_eq!(lines.len() - 1, want.len());
    // Decimal comma for a Hungarian Excel; the gross HUF column sums to the store's.
    let sum: Decimal = lines[1..]
        .iter()
        .map(|l| {
            l.rsplit(';')
                .next()
                .unwrap()
                .replace(',', ".")
                .parse::<Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        sum,
        want.iter()
            .map(|r| r.invoice.totals.gross_huf)
            .sum::<Decimal>()
    );
    assert!(text.contains(";BÉTA Zrt.;"), "UTF-8 names survive");

    let r = app
        .get(
            &format!(
                "/v1/taxpayers/{}/invoices.csv?direction=OUTBOUND&dialect=rfc4180",
                app.a
            ),
            Some(&token),
        )
        .await;
    let text = r.text();
    assert!(text.starts_with("direction,supplier_tax_number,"));
    assert_eq!(text.lines().count() - 1, want.len());
    app.get(
        &format!(
            "/v1/taxpayers/{}/invoices.csv?direction=OUTBOUND&limit=5",
            app.a
        ),
        Some(&token),
    )
    .await
    .problem(400, Some("limit"));
}

#[tokio::test]
async fn no_reader_sees_another_taxpayers_data() {
    let app = TestApp::start().await;
    let a_token = app.reader_of(app.a);
    let b = app.b;
    let b_rec = app.records.iter().find(|r| r.key.taxpayer == b).unwrap();
    let tail = format!(
        "{}/{}/{}",
        b_rec.key.id.direction,
        b_rec.key.id.supplier_tax_number,
        percent(b_rec.key.id.invoice_number.as_str())
    );
    for uri in [
        format!("/v1/taxpayers/{b}/invoices?direction=OUTBOUND"),
        format!("/v1/taxpayers/{b}/invoices.csv?direction=OUTBOUND"),
        format!("/v1/taxpayers/{b}/invoices/{tail}"),
        format!("/v1/taxpayers/{b}/documents/{tail}"),
        format!("/v1/taxpayers/{b}/sync"),
    ] {
        let p = app.get(&uri, Some(&a_token)).await.problem(403, None);
        assert!(
            p["detail"].as_str().unwrap().contains(&b.to_string()),
            "{uri}"
        );
    }
    // A's path with B as the partner filter lists A's own invoice from B, and nothing of B's:
    // one inbound invoice of A with B as its supplier is added, the only one naming B.
    let mut from_b = Spec::new(app.a, Direction::Inbound, "FROM-B-001");
    from_b.partner = Some(b);
    from_b.partner_name = Some("B Kft.".into());
    app.store.put_many(&[record(&from_b)]).await.unwrap();
    let r = app
        .get(
            &format!(
                "/v1/taxpayers/{}/invoices?direction=INBOUND&partner_tax_number={b}",
                app.a
            ),
            Some(&a_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let items = r.json()["items"].as_array().unwrap().clone();
    let listed: Vec<(&str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["taxpayer"].as_str().unwrap(),
                i["invoice_number"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, [(app.a.to_string().as_str(), "FROM-B-001")]);

    // The operator may read both, but a cursor issued for A's listing is refused on B's.
    let admin = app.operator();
    let page = app
        .get(
            &format!(
                "/v1/taxpayers/{}/invoices?direction=OUTBOUND&limit=2",
                app.a
            ),
            Some(&admin),
        )
        .await
        .json();
    let cursor = percent(page["next_cursor"].as_str().unwrap());
    app.get(
        &format!("/v1/taxpayers/{b}/invoices?direction=OUTBOUND&limit=2&cursor={cursor}"),
        Some(&admin),
    )
    .await
    .problem(400, Some("cursor"));
    // …and on A's own listing with other filters.
    app.get(
        &format!(
            "/v1/taxpayers/{}/invoices?direction=OUTBOUND&limit=2&currency=EUR&cursor={cursor}",
            app.a
        ),
        Some(&admin),
    )
    .await
    .problem(400, Some("cursor"));
}

#[tokio::test]
async fn authentication_failures_are_401_with_a_bearer_challenge() {
    let app = TestApp::start().await;
    let uri = format!("/v1/taxpayers/{}/invoices?direction=OUTBOUND", app.a);
    let claims = jwks::access_claims("u", &[&format!("taxpayer-{}", app.a)]);
    let mut expired = claims.clone();
    expired["exp"] = serde_json::json!(jwks::now() - 3600);
    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = serde_json::json!("https://evil.example");
    let mut wrong_client = claims.clone();
    wrong_client["client_id"] = serde_json::json!("other-client");
    for (what, token) in [
        ("none", None),
        ("expired", Some(jwks::sign(&expired))),
        ("wrong issuer", Some(jwks::sign(&wrong_iss))),
        ("wrong audience", Some(jwks::sign(&wrong_client))),
        ("tampered", Some(jwks::tampered(&wrong_client, &claims))),
        ("alg none", Some(jwks::unsigned(&claims))),
        ("hs256", Some(jwks::hs256_with_public_key(&claims))),
        (
            "unknown key",
            Some(jwks::sign_with(&claims, jwks::OTHER_PEM, jwks::OTHER_KID)),
        ),
    ] {
        let r = app.get(&uri, token.as_deref()).await;
        r.problem(401, None);
        assert!(r.header("www-authenticate").starts_with("Bearer"), "{what}");
    }
    // The valid token passes.
    assert_eq!(app.get(&uri, Some(&jwks::sign(&claims))).await.status, 200);
    // A Basic header is no bearer token.
    let req = axum::http::Request::get(&uri)
        .header("authorization", "Basic dTpw")
        .body(axum::body::Body::empty())
        .unwrap();
    app.send(req).await.problem(401, None);
}

#[tokio::test]
async fn bad_input_is_a_named_400_never_a_500() {
    let app = TestApp::start().await;
    let token = app.reader_of(app.a);
    let a = app.a;
    for (uri, param) in [
        (format!("/v1/taxpayers/{a}/invoices"), "direction"),
        (
            format!("/v1/taxpayers/{a}/invoices?direction=SIDEWAYS"),
            "direction",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices?direction=INBOUND&issued_from=2024-02-30"),
            "issued_from",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices?direction=INBOUND&limit=0"),
            "limit",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices?direction=INBOUND&limit=abc"),
            "limit",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices?direction=INBOUND&partner_tax_number=12345678"),
            "partner_tax_number",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices?direction=INBOUND&payment_method=BITCOIN"),
            "payment_method",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices?direction=INBOUND&cursor=forged"),
            "cursor",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices?direction=INBOUND&colour=red"),
            "colour",
        ),
        (
            "/v1/taxpayers/12345678/invoices?direction=INBOUND".into(),
            "taxpayer",
        ),
        ("/v1/taxpayers/abc/sync".into(), "taxpayer"),
        (
            format!("/v1/taxpayers/{a}/invoices/SIDEWAYS/{a}/X-1"),
            "direction",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices/INBOUND/1234/X-1"),
            "supplier",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices/INBOUND/{a}/{}", "9".repeat(51)),
            "invoice_number",
        ),
        (
            format!("/v1/taxpayers/{a}/invoices/INBOUND/{a}/X-1?batch=0"),
            "batch",
        ),
    ] {
        let p = app.get(&uri, Some(&token)).await.problem(400, Some(param));
        if param == "payment_method" {
            assert_eq!(
                p["allowed"],
                serde_json::json!(["TRANSFER", "CASH", "CARD", "VOUCHER", "OTHER"])
            );
        }
    }
    // Not UTF-8 after percent-decoding: a 400, not a 500.
    app.get(
        &format!("/v1/taxpayers/{a}/invoices/INBOUND/{a}/%FF%FE"),
        Some(&token),
    )
    .await
    .problem(400, None);
    app.get(
        &format!("/v1/taxpayers/{a}/invoices/INBOUND/{a}/NOPE-1"),
        Some(&token),
    )
    .await
    .problem(404, None);
    app.get("/v2/nothing", None).await.problem(404, None);
    app.post("/health", None, "").await.problem(405, None);
}

#[tokio::test]
async fn sync_status_shows_the_watermark_and_admins_can_sync_now() {
    let app = TestApp::start().await;
    let reader = app.reader_of(app.a);
    let uri = format!("/v1/taxpayers/{}/sync", app.a);
    let s = app.get(&uri, Some(&reader)).await.json();
    assert_eq!(s["directions"][0]["direction"], "INBOUND");
    assert!(s["directions"][0]["watermark"].is_null());
    let mark = chrono::DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z")
        .unwrap()
        .to_utc();
    app.store
        .advance_watermark(app.a, Direction::Outbound, None, mark)
        .await
        .unwrap();
    let s = app.get(&uri, Some(&reader)).await.json();
    assert_eq!(s["directions"][1]["direction"], "OUTBOUND");
    assert_eq!(s["directions"][1]["watermark"], "2024-03-01T00:00:00Z");

    app.post(&uri, Some(&reader), "").await.problem(403, None);
    app.post(&uri, None, "").await.problem(401, None);
    let admin = app.operator();
    app.post(&uri, Some(&admin), r#"{"lookback_days": 31}"#)
        .await
        .problem(400, Some("lookback_days"));
    app.post(&uri, Some(&admin), r#"{"directions": []}"#)
        .await
        .problem(400, Some("directions"));
    app.post(&uri, Some(&admin), "{not json")
        .await
        .problem(400, Some("body"));
    // serde would read the struct from an array; the body must be an object (or null).
    for not_an_object in ["[null, null]", "[]", "7", r#""INBOUND""#, "true"] {
        app.post(&uri, Some(&admin), not_an_object)
            .await
            .problem(400, Some("body"));
    }
    let r = app
        .post(
            &uri,
            Some(&admin),
            r#"{"directions": ["INBOUND"], "lookback_days": 3}"#,
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.json()["reference"], "run-1");
    let r = app.post(&uri, Some(&admin), "").await;
    assert_eq!(
        r.json()["directions"],
        serde_json::json!(["INBOUND", "OUTBOUND"])
    );
    let seen = app.trigger.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (
            seen[0].directions.clone(),
            seen[0].lookback.map(|l| l.days())
        ),
        (vec![Direction::Inbound], Some(3))
    );
    // JSON null is no body: the defaults.
    assert_eq!(app.post(&uri, Some(&admin), "null").await.status, 202);
    assert_eq!(app.trigger.0.lock().unwrap().len(), 3);
}

/// A clock the test moves by hand, so the limiter's answers are exact.
struct HandClock(Mutex<chrono::DateTime<chrono::Utc>>);

impl HandClock {
    fn advance(&self, secs: i64) {
        *self.0.lock().unwrap() += chrono::Duration::seconds(secs);
    }
}

impl Clock for HandClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn throttled_callers_get_429_with_retry_after() {
    let clock = Arc::new(HandClock(Mutex::new(
        chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
    )));
    let app = TestApp::with(Options {
        limiter: RateLimiter::new(Some(Quota::per_minute(3)), None).with_clock(clock.clone()),
        ..Options::default()
    })
    .await;
    let uri = format!("/v1/taxpayers/{}/sync", app.a);
    let token = app.reader_of(app.a);
    for _ in 0..3 {
        assert_eq!(app.get(&uri, Some(&token)).await.status, 200);
    }
    // 3 per minute: the next token is due 20 s after the burst.
    let r = app.get(&uri, Some(&token)).await;
    r.problem(429, None);
    assert_eq!(r.header("retry-after"), "20");
    clock.advance(10);
    let r = app.get(&uri, Some(&token)).await;
    r.problem(429, None);
    assert_eq!(r.header("retry-after"), "10");
    // Another caller still gets through.
    assert_eq!(app.get(&uri, Some(&app.operator())).await.status, 200);
    clock.advance(10);
    assert_eq!(app.get(&uri, Some(&token)).await.status, 200);
    let r = app.get(&uri, Some(&token)).await;
    r.problem(429, None);
    assert_eq!(r.header("retry-after"), "20");
}

#[tokio::test]
async fn health_docs_and_cors_need_no_token() {
    let app = TestApp::with(Options {
        cors: CorsOrigins::parse("https://ui.example"),
        ..Options::default()
    })
    .await;
    assert_eq!(app.get("/health", None).await.json()["status"], "ok");
    let spec = app.get("/openapi.json", None).await.json();
    assert_eq!(spec["openapi"], "3.1.0");
    let page = app.get("/docs", None).await.text();
    assert!(page.contains("/openapi.json") && page.contains("swagger-ui-bundle.js"));
    let js = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert!(js.body.len() > 100_000 && js.header("content-type").starts_with("text/javascript"));
    assert_eq!(app.get("/docs/swagger-ui.css", None).await.status, 200);

    let preflight = axum::http::Request::builder()
        .method("OPTIONS")
        .uri(format!("/v1/taxpayers/{}/invoices", app.a))
        .header("origin", "https://ui.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send(preflight).await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        "https://ui.example"
    );
    let r = app.get("/health", None).await;
    assert_eq!(r.header("access-control-allow-origin"), "");
    let other = axum::http::Request::get("/health")
        .header("origin", "https://evil.example")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        app.send(other).await.header("access-control-allow-origin"),
        ""
    );
}

#[tokio::test]
async fn the_export_streams_page_by_page_without_losing_or_repeating_a_row() {
    // Pages of 4 rows: the export's body is the first page plus every later one.
    let app = TestApp::with(Options {
        export_page: 4,
        ..Options::default()
    })
    .await;
    let token = app.reader_of(app.a);
    for (params, query) in [
        (
            "direction=INBOUND&dialect=rfc4180",
            InvoiceQuery::new(app.a, Direction::Inbound),
        ),
        ("direction=OUTBOUND&sort=oldest_first&dialect=rfc4180", {
            let mut q = InvoiceQuery::new(app.a, Direction::Outbound);
            q.order = navsync_domain::query::SortOrder::OldestFirst;
            q
        }),
    ] {
        let want = expected(&app, &query);
        assert!(want.len() > 12, "needs several pages");
        let r = app
            .get(
                &format!("/v1/taxpayers/{}/invoices.csv?{params}", app.a),
                Some(&token),
            )
            .await;
        let text = r.text();
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows.len(), want.len(), "{params}");
        let got: BTreeSet<(String, String)> = rows
            .iter()
            .map(|r| (r[2].trim_matches('"').to_owned(), r[3].to_owned()))
            .collect();
        assert_eq!(got.len(), want.len(), "a row repeated: {params}");
        let dates: Vec<&str> = rows.iter().map(|r| r[6]).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        if !params.contains("oldest_first") {
            sorted.reverse();
        }
        assert_eq!(dates, sorted, "{params}");
    }
}

/// A supplier's document may carry any `xs:int` as its modification index; the chain view is
/// sized by what is stored, not by that number (issue 14: index 2,147,483,647 aborted the server).
#[tokio::test]
async fn a_chain_with_modification_index_i32_max_opens_with_a_small_answer() {
    let app = TestApp::start().await;
    let original = record(&Spec::new(app.a, Direction::Outbound, "HUGE/1"));
    let mut spec = Spec::new(app.a, Direction::Outbound, "HUGE/1-M");
    spec.operation = InvoiceOperation::Modify;
    spec.modifies = Some(("HUGE/1".into(), i32::MAX as u32));
    let modification = record(&spec);
    app.store
        .put_many(&[original, modification.clone()])
        .await
        .unwrap();
    let r = app
        .get(&detail_path(&modification), Some(&app.reader_of(app.a)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.len() < 16 * 1024, "{} bytes", r.body.len());
    let chain = &r.json()["chain"];
    assert_eq!(
        chain["missing_indexes"],
        serde_json::json!((1..=20).collect::<Vec<u32>>())
    );
    assert_eq!(chain["missing_count"], 2_147_483_646_u64);
    assert_eq!(
        chain["modifications"][0]["modification_index"],
        2_147_483_647_u64
    );
}

/// What a document breaks that NAV does not enforce is shown with the invoice, not refused.
#[tokio::test]
async fn an_invoices_warnings_are_in_its_detail() {
    let app = TestApp::start().await;
    let mut odd = record(&Spec::new(app.a, Direction::Outbound, "ODD/1"));
    odd.invoice.warnings = vec!["customer tax number 12345678: check digit should be 6".into()];
    let plain = record(&Spec::new(app.a, Direction::Outbound, "PLAIN/1"));
    app.store
        .put_many(&[odd.clone(), plain.clone()])
        .await
        .unwrap();
    let token = app.reader_of(app.a);
    let r = app.get(&detail_path(&odd), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["warnings"],
        serde_json::json!(["customer tax number 12345678: check digit should be 6"])
    );
    let r = app.get(&detail_path(&plain), Some(&token)).await;
    assert_eq!(r.json()["warnings"], serde_json::json!([]));
}

/// An electronic invoice's hash is shown with it, with whether it was verified.
#[tokio::test]
async fn an_invoices_electronic_invoice_hash_is_in_its_detail() {
    let app = TestApp::start().await;
    let mut electronic = record(&Spec::new(app.a, Direction::Outbound, "EL/1"));
    electronic.invoice.completeness_indicator = true;
    electronic.electronic_invoice_hash = Some(navsync_domain::ElectronicInvoiceHash {
        crypto_type: "SHA3-512".into(),
        value: "AB12CD".into(),
        verified: Some(false),
    });
    let plain = record(&Spec::new(app.a, Direction::Outbound, "PLAIN/1"));
    app.store
        .put_many(&[electronic.clone(), plain.clone()])
        .await
        .unwrap();
    let token = app.reader_of(app.a);
    let r = app.get(&detail_path(&electronic), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["electronic_invoice_hash"],
        serde_json::json!({"crypto_type": "SHA3-512", "value": "AB12CD", "verified": false})
    );
    let r = app.get(&detail_path(&plain), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["electronic_invoice_hash"], Value::Null);
}

#[tokio::test]
async fn a_resubmitted_invoices_detail_lists_its_superseded_version_and_the_list_counts_it_once() {
    let app = TestApp::start().await;
    let spec = Spec::new(app.a, Direction::Outbound, "RE/1");
    let mut first = record(&spec);
    first.digest.transaction_id = Some("TXFIRST".into());
    first.digest.index = Some(1);
    let mut again = record(&spec);
    again.digest.transaction_id = Some("TXAGAIN".into());
    again.digest.index = Some(1);
    again.digest.ins_date = first.digest.ins_date + chrono::TimeDelta::hours(3);
    again.document.sha256 = "b".repeat(64);
    app.store
        .put_many(std::slice::from_ref(&first))
        .await
        .unwrap();
    app.store
        .put_many(std::slice::from_ref(&again))
        .await
        .unwrap();
    let token = app.reader_of(app.a);
    let r = app.get(&detail_path(&again), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["transaction_id"], "TXAGAIN");
    assert_eq!(body["document"]["sha256"], "b".repeat(64));
    let versions = body["superseded_versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{body}");
    assert_eq!(versions[0]["report_id"], "TXFIRST/1");
    assert_eq!(versions[0]["transaction_id"], "TXFIRST");
    assert_eq!(versions[0]["sha256"], first.document.sha256.as_str());
    let list = app
        .get(
            &format!("/v1/taxpayers/{}/invoices?direction=OUTBOUND", app.a),
            Some(&token),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    let listed = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["invoice_number"] == "RE/1")
        .count();
    assert_eq!(listed, 1, "the list shows the current version only");
}
