//! The API Lambda end to end in the AWS emulator (moto): invoices in DynamoDB, documents in
//! S3, the cursor key in SSM, users and groups in Cognito with real RS256 tokens from its
//! InitiateAuth, and every request an API Gateway HTTP API v2 event run through `lambda_http`'s
//! conversion, with and without a JWT authorizer's claims.

mod world;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use navsync_api_lambda::{Config, app};
use navsync_aws_emulator::cognito::authorizer_claims;
use navsync_aws_emulator::{self as emu};
use navsync_contract::archive::sample_xml;
use navsync_contract::fixtures::Spec;
use navsync_domain::ports::{DocumentArchive, InvoiceQueries, InvoiceRepository, RepoError};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::{Direction, InvoiceRecord, TaxpayerId};
use navsync_dynamodb::{DEFAULT_INLINE_LIMIT, DynamoConfig, DynamoStore};
use navsync_s3::{S3Archive, S3Config};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use world::{CURSOR_KEY, World, pct};
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_lambda_serves_the_stored_invoices_to_cognito_users_only() {
    let w = World::new().await;
    let (a, b) = (w.a, w.b);

    // Health needs no token, through a route without an authorizer.
    let r = w.call("GET", "/health", None, None).await;
    assert_eq!((r.status, r.json()["status"].clone()), (200, json!("ok")));

    // A real Cognito access token, verified by the app against the emulator's JWKS: every
    // OUTBOUND invoice of A, page by page, with equal totals.
    let want: Vec<&InvoiceRecord> = w
        .records
        .iter()
        .filter(|r| InvoiceQuery::new(a, Direction::Outbound).matches(r))
        .collect();
    let base = format!("/v1/taxpayers/{a}/invoices?direction=OUTBOUND&limit=9");
    let mut uri = base.clone();
    let mut got: Vec<Value> = Vec::new();
    loop {
        let page = w.get(&uri, &w.a_access).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let page = page.json();
        got.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("{base}&cursor={}", pct(c)),
            None => break,
        }
    }
    let ids = |v: &[Value]| {
        v.iter()
            .map(|i| {
                format!(
                    "{}#{}",
                    i["invoice_number"].as_str().unwrap(),
                    i["batch_index"]
                )
            })
            .collect::<BTreeSet<_>>()
    };
    let want_ids: BTreeSet<String> = want
        .iter()
        .map(|r| {
            format!(
                "{}#{}",
                r.key.id.invoice_number,
                r.key
                    .id
                    .batch_index
                    .map_or("null".into(), |b| b.to_string())
            )
        })
        .collect();
    assert_eq!(got.len(), want.len());
    assert_eq!(ids(&got), want_ids);
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
    assert_eq!(
        sum,
        want.iter()
            .map(|r| r.invoice.totals.gross_huf)
            .sum::<Decimal>()
    );

    // The ID token works too; so do API Gateway's authorizer claims without any header.
    assert_eq!(w.get(&base, &w.a_id).await.status, 200);
    let r = w
        .call("GET", &base, None, Some(authorizer_claims(&w.a_access)))
        .await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 9);

    // A's token, or A's authorizer claims, never reach B.
    w.get(
        &format!("/v1/taxpayers/{b}/invoices?direction=OUTBOUND"),
        &w.a_access,
    )
    .await
    .problem(403);
    w.get(
        &format!("/v1/taxpayers/{b}/invoices.csv?direction=OUTBOUND"),
        &w.a_access,
    )
    .await
    .problem(403);
    w.call(
        "GET",
        &format!("/v1/taxpayers/{b}/sync"),
        None,
        Some(authorizer_claims(&w.a_access)),
    )
    .await
    .problem(403);
    // The operator's cursor from A's listing does not page B's.
    let page = w
        .get(
            &format!("/v1/taxpayers/{a}/invoices?direction=OUTBOUND&limit=3"),
            &w.operator,
        )
        .await
        .json();
    let cursor = pct(page["next_cursor"].as_str().unwrap());
    let p = w
        .get(
            &format!("/v1/taxpayers/{b}/invoices?direction=OUTBOUND&limit=3&cursor={cursor}"),
            &w.operator,
        )
        .await
        .problem(400);
    assert_eq!(p["parameter"], "cursor");

    // No token, a tampered one, or one from another pool's client: 401.
    w.call("GET", &base, None, None).await.problem(401);
    let mut parts: Vec<String> = w.a_access.split('.').map(str::to_owned).collect();
    let mut claims: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims.insert("cognito:groups".into(), json!([format!("taxpayer-{b}")]));
    parts[1] = URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string());
    w.get(
        &format!("/v1/taxpayers/{b}/invoices?direction=OUTBOUND"),
        &parts.join("."),
    )
    .await
    .problem(401);

    // One invoice in full, and its original document by presigned S3 URL.
    let rec = want[0];
    let tail = format!(
        "{}/{}/{}",
        rec.key.id.direction,
        rec.key.id.supplier_tax_number,
        pct(rec.key.id.invoice_number.as_str())
    );
    let batch = rec
        .key
        .id
        .batch_index
        .map(|b| format!("?batch={b}"))
        .unwrap_or_default();
    let d = w
        .get(
            &format!("/v1/taxpayers/{a}/invoices/{tail}{batch}"),
            &w.a_access,
        )
        .await
        .json();
    assert_eq!(
        d["totals"]["gross_huf"],
        rec.invoice.totals.gross_huf.to_string()
    );
    let r = w
        .get(
            &format!("/v1/taxpayers/{a}/documents/{tail}{batch}"),
            &w.a_access,
        )
        .await;
    assert_eq!(r.status, 302);
    let location = r.headers["location"].to_str().unwrap().to_owned();
    assert!(location.contains("X-Amz-Signature="), "{location}");
    assert!(location.contains("X-Amz-Expires=60"), "{location}");
    let xml = w
        .http
        .get(&location)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(xml.to_vec(), sample_xml(rec.key.id.invoice_number.as_str()));
    let r = w
        .get(
            &format!(
                "/v1/taxpayers/{a}/documents/{tail}?delivery=bytes{}",
                batch.replace('?', "&")
            ),
            &w.a_access,
        )
        .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (200, sample_xml(rec.key.id.invoice_number.as_str()))
    );

    // The CSV export pages through DynamoDB: one row per invoice.
    let r = w
        .get(
            &format!("/v1/taxpayers/{a}/invoices.csv?direction=OUTBOUND"),
            &w.a_access,
        )
        .await;
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        text.starts_with('\u{FEFF}'),
        "the BOM Excel needs survives API Gateway"
    );
    assert_eq!(text.trim_end().split("\r\n").count() - 1, want.len());

    // Sync status from the table; "sync now" needs A's admin or the operator, and an unreachable sync function
    // is a 503 the caller may retry, not a 500.
    let s = w
        .get(&format!("/v1/taxpayers/{a}/sync"), &w.a_access)
        .await
        .json();
    assert_eq!(s["directions"].as_array().unwrap().len(), 2);
    w.call(
        "POST",
        &format!("/v1/taxpayers/{a}/sync"),
        Some(&w.a_access),
        None,
    )
    .await
    .problem(403);
    let r = w
        .call(
            "POST",
            &format!("/v1/taxpayers/{a}/sync"),
            Some(&w.operator),
            None,
        )
        .await;
    r.problem(503);
    assert!(r.headers.contains_key("retry-after"));
    let _ = Duration::ZERO;
}

#[tokio::test]
async fn a_missing_cursor_key_parameter_is_named_at_start_up() {
    let sdk = emu::sdk_config().await;
    let config = Config::from_lookup(|name| {
        Some(match name {
            "NAVSYNC_JWKS_URL" | "NAVSYNC_COGNITO_ISSUER" => "http://127.0.0.1:9/x".into(),
            "NAVSYNC_CURSOR_KEY_PARAM" => "/navsync-test/nope/cursor-key".into(),
            "NAVSYNC_PRESIGN_TTL_SECONDS" => "60".into(),
            _ => "x".into(),
        })
    })
    .unwrap();
    let Err(err) = app(&config, &sdk).await else {
        panic!("started without its cursor key")
    };
    assert!(
        err.to_string().contains("/navsync-test/nope/cursor-key"),
        "{err}"
    );
}

/// A caller's name, token, and statuses for A, B and the unknown taxpayer.
type Row<'a> = (&'a str, Option<&'a str>, [[u16; 6]; 3]);
/// How a request carries its token: name, bearer header, authorizer claims.
type Via<'a> = (&'a str, Option<&'a str>, Option<Map<String, Value>>);

/// The authorization matrix through the Lambda's event path, with real Cognito groups: each
/// caller × endpoint × taxpayer (A, B, one without data), once with the bearer token and once
/// as API Gateway's authorizer claims of the same token. "sync now" reaching the (absent) sync
/// function is 503: authorization let it through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cognito_groups_grant_each_caller_exactly_its_taxpayers() {
    let w = World::new().await;
    let (a, b, u) = (w.a, w.b, w.unknown);
    const ENDPOINTS: [&str; 6] = [
        "list",
        "detail",
        "document",
        "csv",
        "sync status",
        "sync now",
    ];
    // Per caller: statuses for A, B and the unknown taxpayer, in ENDPOINTS order.
    #[rustfmt::skip]
    let rows: [Row; 7] = [
        ("reader of A", Some(&w.a_access), [
            [200, 200, 302, 200, 200, 403],
            [403, 403, 403, 403, 403, 403],
            [403, 403, 403, 403, 403, 403],
        ]),
        ("admin of A", Some(&w.a_admin), [
            [200, 200, 302, 200, 200, 503],
            [403, 403, 403, 403, 403, 403],
            [403, 403, 403, 403, 403, 403],
        ]),
        ("reader of A, admin of B", Some(&w.a_reader_b_admin), [
            [200, 200, 302, 200, 200, 403],
            [200, 200, 302, 200, 200, 503],
            [403, 403, 403, 403, 403, 403],
        ]),
        ("operator", Some(&w.operator), [
            [200, 200, 302, 200, 200, 503],
            [200, 200, 302, 200, 200, 503],
            [200, 404, 404, 200, 200, 503],
        ]),
        ("no token", None, [
            [401, 401, 401, 401, 401, 401],
            [401, 401, 401, 401, 401, 401],
            [401, 401, 401, 401, 401, 401],
        ]),
        ("admin of the unknown taxpayer only", Some(&w.unknown_admin), [
            [403, 403, 403, 403, 403, 403],
            [403, 403, 403, 403, 403, 403],
            [200, 404, 404, 200, 200, 503],
        ]),
        ("legacy admins group", Some(&w.legacy_admin), [
            [403, 403, 403, 403, 403, 403],
            [403, 403, 403, 403, 403, 403],
            [403, 403, 403, 403, 403, 403],
        ]),
    ];
    let uris = |t: TaxpayerId| {
        // A stored invoice of A or B; for the unknown taxpayer, one of A's keys.
        let owner = if t == u { a } else { t };
        let rec = w
            .records
            .iter()
            .find(|r| r.key.taxpayer == owner && r.key.id.batch_index.is_none())
            .expect("a fixture invoice without batch index");
        let tail = format!(
            "{}/{}/{}",
            rec.key.id.direction,
            rec.key.id.supplier_tax_number,
            pct(rec.key.id.invoice_number.as_str())
        );
        [
            format!("/v1/taxpayers/{t}/invoices?direction=OUTBOUND&limit=3"),
            format!("/v1/taxpayers/{t}/invoices/{tail}"),
            format!("/v1/taxpayers/{t}/documents/{tail}"),
            format!("/v1/taxpayers/{t}/invoices.csv?direction=OUTBOUND"),
            format!("/v1/taxpayers/{t}/sync"),
            format!("/v1/taxpayers/{t}/sync"),
        ]
    };
    let mut cells = 0;
    for (caller, token, per_taxpayer) in &rows {
        for (t, statuses) in [a, b, u].into_iter().zip(per_taxpayer) {
            for ((endpoint, uri), want) in ENDPOINTS.iter().zip(uris(t)).zip(statuses) {
                let method = if *endpoint == "sync now" {
                    "POST"
                } else {
                    "GET"
                };
                // The same token as a bearer header and as API Gateway's claims.
                let paths: Vec<Via> = match token {
                    Some(tok) => vec![
                        ("bearer", Some(*tok), None),
                        ("authorizer claims", None, Some(authorizer_claims(tok))),
                    ],
                    None => vec![("no token", None, None)],
                };
                for (path, bearer, claims) in paths {
                    let r = w.call(method, &uri, bearer, claims).await;
                    let cell = format!("{caller} × {t} × {endpoint} via {path} ({uri})");
                    assert_eq!(
                        r.status,
                        *want,
                        "{cell}: {}",
                        String::from_utf8_lossy(&r.body)
                    );
                    if *want == 403 {
                        let detail = r.problem(403)["detail"].as_str().unwrap().to_owned();
                        assert!(detail.contains(&t.to_string()), "{cell}: {detail}");
                    }
                    cells += 1;
                }
            }
        }
    }
    // 6 callers with a token × 2 paths, plus no token, × 3 taxpayers × 6 endpoints.
    assert_eq!(cells, (6 * 2 + 1) * 3 * 6);

    // /v1/me names the operator and each taxpayer's role, on both paths.
    let me = [
        (
            &w.a_access,
            false,
            json!([{"taxpayer": a.to_string(), "role": "reader"}]),
        ),
        (
            &w.a_admin,
            false,
            json!([{"taxpayer": a.to_string(), "role": "admin"}]),
        ),
        (
            &w.a_reader_b_admin,
            false,
            json!([{"taxpayer": a.to_string(), "role": "reader"},
                   {"taxpayer": b.to_string(), "role": "admin"}]),
        ),
        (&w.operator, true, json!([])),
        (
            &w.unknown_admin,
            false,
            json!([{"taxpayer": u.to_string(), "role": "admin"}]),
        ),
        (&w.legacy_admin, false, json!([])),
    ];
    for (token, operator, taxpayers) in me {
        for r in [
            w.get("/v1/me", token).await,
            w.call("GET", "/v1/me", None, Some(authorizer_claims(token)))
                .await,
        ] {
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            let body = r.json();
            assert_eq!(
                (&body["operator"], &body["taxpayers"]),
                (&json!(operator), &taxpayers),
                "{body}"
            );
        }
    }
    w.call("GET", "/v1/me", None, None).await.problem(401);
}

/// An invoice of `lines` lines with descriptions as long as NAV allows (512 characters), and an
/// original document to match: large invoices are common, and their model goes over DynamoDB's
/// item limit.
fn large_invoice(owner: TaxpayerId, lines: u32) -> (InvoiceRecord, Vec<u8>) {
    let mut spec = Spec::new(owner, Direction::Inbound, "NAGY/2024/0600");
    spec.lines = lines;
    let mut rec = navsync_contract::fixtures::record(&spec);
    for line in &mut rec.invoice.lines {
        let head = format!("{}. tétel: árvíztűrő tükörfúrógép, ", line.number);
        let fill = "cikkszám ÁÉÍÓÖŐÚÜŰ-0123456789 ".repeat(20);
        line.description = Some(format!("{head}{fill}").chars().take(512).collect());
    }
    let mut xml = sample_xml("NAGY/2024/0600");
    xml.truncate(xml.len() - "</InvoiceData>\r\n".len());
    for line in &rec.invoice.lines {
        xml.extend_from_slice(
            format!(
                "  <line><lineNumber>{}</lineNumber><lineDescription>{}</lineDescription></line>\r\n",
                line.number,
                line.description.as_deref().unwrap_or_default()
            )
            .as_bytes(),
        );
    }
    xml.extend_from_slice(b"</InvoiceData>\r\n");
    (rec, xml)
}

/// Issue 15 item 1: an invoice whose model the sync path moved to the S3 overflow store is
/// served whole by the API Lambda's detail and document endpoints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_over_the_item_limit_is_served_whole_by_the_api_lambda() {
    let w = World::new().await;
    let a = w.a;
    let (mut big, xml) = large_invoice(a, 600);
    let model_len = serde_json::to_vec(&big).unwrap().len();
    assert!(
        model_len > DEFAULT_INLINE_LIMIT,
        "the fixture must go to overflow: {model_len} bytes"
    );

    // Stored as the sync Lambda stores it: the document in the archive, the model through a
    // DynamoStore with the bucket as its overflow store.
    let mut s3 = S3Config::new(&w.bucket);
    s3.force_path_style = true;
    let archive = S3Archive::new(&w.sdk, s3).unwrap();
    big.document = archive
        .put(&big.key, big.invoice.issue_date, &xml)
        .await
        .unwrap();
    let config = || DynamoConfig::new(&w.table, CURSOR_KEY.as_bytes().to_vec());
    let sync_store = DynamoStore::new(&w.sdk, config())
        .unwrap()
        .with_overflow(Arc::new(archive.clone()));
    sync_store
        .put_many(std::slice::from_ref(&big))
        .await
        .unwrap();
    // It really is in overflow: a store without one cannot read it (the API Lambda's bug).
    let without = DynamoStore::new(&w.sdk, config()).unwrap();
    match without.get(&big.key).await {
        Err(RepoError::Corrupt(m)) => assert!(m.contains("overflow"), "{m}"),
        other => panic!("expected the overflow pointer, got {other:?}"),
    }

    let tail = format!(
        "{}/{}/{}",
        big.key.id.direction,
        big.key.id.supplier_tax_number,
        pct(big.key.id.invoice_number.as_str())
    );
    let r = w
        .get(&format!("/v1/taxpayers/{a}/invoices/{tail}"), &w.a_access)
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let d = r.json();
    let lines = d["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 600);
    for (got, want) in lines.iter().zip(&big.invoice.lines) {
        assert_eq!(got["number"], json!(want.number));
        assert_eq!(got["description"], json!(want.description));
        assert_eq!(got["net"], json!(want.net.unwrap().to_string()));
    }
    assert_eq!(
        d["totals"]["gross_huf"],
        big.invoice.totals.gross_huf.to_string()
    );
    assert_eq!(d["document"]["sha256"], big.document.sha256);

    // The original document, by presigned URL and as bytes through the Lambda.
    let r = w
        .get(&format!("/v1/taxpayers/{a}/documents/{tail}"), &w.a_access)
        .await;
    assert_eq!(r.status, 302, "{}", String::from_utf8_lossy(&r.body));
    let location = r.headers["location"].to_str().unwrap().to_owned();
    let fetched = w.http.get(&location).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), xml);
    let r = w
        .get(
            &format!("/v1/taxpayers/{a}/documents/{tail}?delivery=bytes"),
            &w.a_access,
        )
        .await;
    assert_eq!((r.status, r.body.len()), (200, xml.len()));
    assert!(r.body == xml, "the document arrives byte for byte");
}

/// `n` small OUTBOUND invoices of `owner`, numbered `EXP/00000`… (one line each).
fn export_records(owner: TaxpayerId, n: u32) -> Vec<InvoiceRecord> {
    (0..n)
        .map(|i| {
            let mut spec = Spec::new(owner, Direction::Outbound, &format!("EXP/{i:05}"));
            spec.lines = 1;
            navsync_contract::fixtures::record(&spec)
        })
        .collect()
}

/// Issue 15 item 2: an export of 50,000 invoices through the API Lambda's event path. The
/// Lambda cannot send it in the response (~4.3 MB at most): it is written to the exports
/// bucket by multipart upload and answered with 303 to a presigned link, which serves every row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_50_000_invoices_is_delivered_by_link() {
    const N: u32 = 50_000;
    let mut w = World::new().await;
    let owner = w.unknown;
    let records = export_records(owner, N);
    let seeded = std::time::Instant::now();
    let store = DynamoStore::new(
        &w.sdk,
        DynamoConfig::new(&w.table, CURSOR_KEY.as_bytes().to_vec()),
    )
    .unwrap();
    store.put_many(&records).await.unwrap();
    let seeded = seeded.elapsed();

    let exports = emu::new_bucket(&w.sdk, "api-exports").await;
    let mut config = w.config.clone();
    config.exports_bucket = Some(exports.clone());
    w.router = app(&config, &w.sdk).await.unwrap();

    let started = std::time::Instant::now();
    let uri = format!("/v1/taxpayers/{owner}/invoices.csv?direction=OUTBOUND");
    let r = w.get(&uri, &w.operator).await;
    let exported = started.elapsed();
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.headers["cache-control"], "no-store");
    let location = r.headers["location"].to_str().unwrap().to_owned();
    assert!(location.contains("X-Amz-Expires=60"), "{location}");
    assert!(
        location.contains(&format!("/{exports}/exports/")),
        "{location}"
    );

    let res = w.http.get(&location).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"navsync-{owner}-outbound-invoices.csv\"").as_str()
    );
    let csv = res.bytes().await.unwrap();
    let text = std::str::from_utf8(&csv).unwrap();
    assert!(text.starts_with('\u{FEFF}'), "the Excel BOM is kept");
    let rows: Vec<&str> = text.trim_end().split("\r\n").skip(1).collect();
    assert_eq!(rows.len(), N as usize);
    let numbers: BTreeSet<&str> = rows
        .iter()
        .filter_map(|row| row.split(';').find(|f| f.starts_with("EXP/")))
        .collect();
    assert_eq!(numbers.len(), N as usize, "every invoice once");
    assert!(
        csv.len() > navsync_api_lambda::response::MAX_BINARY_BODY,
        "more than a Lambda response carries: {} bytes",
        csv.len()
    );
    eprintln!(
        "export of {N} invoices on {}: seeded in {seeded:.1?}, exported (303) in {exported:.1?}, {} bytes",
        emu::emulator().name(),
        csv.len()
    );
}
