//! The API Lambda end to end in the AWS emulator (moto): invoices in DynamoDB, documents in
//! S3, the cursor key in SSM, users and groups in Cognito with real RS256 tokens from its
//! InitiateAuth, and every request an API Gateway HTTP API v2 event run through `lambda_http`'s
//! conversion, with and without a JWT authorizer's claims.

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent};
use navsync_api_lambda::{Config, LambdaBody, app, with_authorizer_claims};
use navsync_aws_emulator::cognito::{Cognito, authorizer_claims};
use navsync_aws_emulator::{self as emu, aws_sdk_ssm};
use navsync_contract::archive::sample_xml;
use navsync_contract::fixtures::{taxpayer, varied};
use navsync_domain::ports::{DocumentArchive, InvoiceRepository};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::{Direction, InvoiceRecord, TaxpayerId};
use navsync_dynamodb::{DynamoConfig, DynamoStore};
use navsync_s3::{S3Archive, S3Config};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

const WITH_AUTHORIZER: &str = include_str!("events/apigw-v2-jwt-authorizer.json");
const NO_AUTHORIZER: &str = include_str!("events/apigw-v2-no-authorizer.json");
const CURSOR_KEY: &str = "k3y-for-signing-cursors-0123456789abcdefghijklmnopqrstuvwxyzABCD";

struct World {
    router: axum::Router,
    records: Vec<InvoiceRecord>,
    a: TaxpayerId,
    b: TaxpayerId,
    a_access: String,
    a_id: String,
    admin: String,
    http: reqwest::Client,
}

struct Reply {
    status: u16,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.headers["content-type"], "application/problem+json");
        self.json()
    }
}

impl World {
    async fn new() -> Self {
        let sdk = emu::sdk_config().await;
        let table = emu::new_table(&sdk, "api").await;
        let bucket = emu::new_bucket(&sdk, "api-docs").await;
        let param = format!("{}/cursor-key", emu::new_ssm_prefix("api"));
        aws_sdk_ssm::Client::new(&sdk)
            .put_parameter()
            .name(&param)
            .value(CURSOR_KEY)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .unwrap();

        // The data, written with the same adapters the sync Lambda uses.
        let store = DynamoStore::new(
            &sdk,
            DynamoConfig::new(&table, CURSOR_KEY.as_bytes().to_vec()),
        )
        .unwrap();
        let mut s3 = S3Config::new(&bucket);
        s3.force_path_style = true;
        let archive = S3Archive::new(&sdk, s3).unwrap();
        let (a, b) = (taxpayer(1_000_001), taxpayer(1_000_002));
        let mut records = varied(a, b);
        for r in &mut records {
            let xml = sample_xml(r.key.id.invoice_number.as_str());
            r.document = archive
                .put(&r.key, r.invoice.issue_date, &xml)
                .await
                .unwrap();
        }
        for chunk in records.chunks(25) {
            store.put_many(chunk).await.unwrap();
        }

        let cognito = Cognito::new_pool().await;
        let group_a = format!("taxpayer-{a}");
        for g in [&group_a, "admins"] {
            cognito.group(g).await;
        }
        let alice = cognito.user("alice", std::slice::from_ref(&group_a)).await;
        let (a_access, a_id) = (alice.access, alice.id);
        let admin = cognito.user("root", &["admins".to_owned()]).await.access;
        let config = Config::from_lookup(|name| {
            Some(match name {
                "NAVSYNC_TABLE" => table.clone(),
                "NAVSYNC_BUCKET" => bucket.clone(),
                "NAVSYNC_COGNITO_ISSUER" => cognito.issuer(),
                "NAVSYNC_COGNITO_CLIENT_ID" => cognito.client_id.clone(),
                "NAVSYNC_JWKS_URL" => cognito.jwks_url(),
                "NAVSYNC_CORS_ORIGINS" => String::new(),
                "NAVSYNC_PRESIGN_TTL_SECONDS" => "60".into(),
                "NAVSYNC_SYNC_FUNCTION" => "no-such-sync-function".into(),
                "NAVSYNC_CURSOR_KEY_PARAM" => param.clone(),
                _ => return None,
            })
        })
        .unwrap();
        let router = app(&config, &sdk).await.unwrap();
        Self {
            router,
            records,
            a,
            b,
            a_access,
            a_id,
            admin,
            http: reqwest::Client::new(),
        }
    }

    /// Runs one API Gateway v2 event through lambda_http's conversion and the router.
    async fn call(
        &self,
        method: &str,
        uri: &str,
        bearer: Option<&str>,
        claims: Option<Map<String, Value>>,
    ) -> Reply {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let mut event: Value = serde_json::from_str(if claims.is_some() {
            WITH_AUTHORIZER
        } else {
            NO_AUTHORIZER
        })
        .unwrap();
        event["rawPath"] = json!(path);
        event["rawQueryString"] = json!(query);
        event["requestContext"]["http"]["method"] = json!(method);
        event["requestContext"]["http"]["path"] = json!(path);
        event
            .as_object_mut()
            .unwrap()
            .remove("queryStringParameters");
        event.as_object_mut().unwrap().remove("pathParameters");
        if let Some(t) = bearer {
            event["headers"]["authorization"] = json!(format!("Bearer {t}"));
        }
        if let Some(c) = claims {
            event["requestContext"]["authorizer"]["jwt"]["claims"] = Value::Object(c);
        }
        // The whole Lambda path: event JSON → lambda_http's request → claims → router →
        // this runner's response conversion → the API Gateway v2 response JSON.
        let request: LambdaRequest = serde_json::from_value(event).unwrap();
        let service = self
            .router
            .clone()
            .map_request(with_authorizer_claims)
            .map_response(LambdaBody);
        let out = Adapter::from(service)
            .oneshot(LambdaEvent::new(request, Context::default()))
            .await
            .unwrap();
        let out = serde_json::to_value(&out).unwrap();
        let mut headers = axum::http::HeaderMap::new();
        for (k, v) in out["headers"].as_object().unwrap() {
            headers.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.as_str().unwrap().parse().unwrap(),
            );
        }
        let body = out["body"].as_str().unwrap_or_default();
        let body = if out["isBase64Encoded"] == true {
            STANDARD.decode(body).unwrap()
        } else {
            body.as_bytes().to_vec()
        };
        Reply {
            status: out["statusCode"].as_u64().unwrap() as u16,
            headers,
            body,
        }
    }

    async fn get(&self, uri: &str, bearer: &str) -> Reply {
        self.call("GET", uri, Some(bearer), None).await
    }
}

fn pct(s: &str) -> String {
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
    // An admin's cursor from A's listing does not page B's.
    let page = w
        .get(
            &format!("/v1/taxpayers/{a}/invoices?direction=OUTBOUND&limit=3"),
            &w.admin,
        )
        .await
        .json();
    let cursor = pct(page["next_cursor"].as_str().unwrap());
    let p = w
        .get(
            &format!("/v1/taxpayers/{b}/invoices?direction=OUTBOUND&limit=3&cursor={cursor}"),
            &w.admin,
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

    // Sync status from the table; "sync now" is admin-only, and an unreachable sync function
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
            Some(&w.admin),
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
