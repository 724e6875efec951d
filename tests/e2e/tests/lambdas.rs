//! Both Lambdas end to end, the way AWS drives them:
//! the NAV simulator → the sync Lambda's handler, invoked with the EventBridge Scheduler input
//! Terraform configures (one schedule per taxpayer) → DynamoDB, S3 and SSM in the AWS emulator
//! (moto) → the API Lambda's handler, invoked with API Gateway HTTP API v2 events (with and
//! without a JWT authorizer's claims) carrying real tokens from the emulator's Cognito.
//!
//! What a user would notice: the API lists exactly the invoices NAV holds, per taxpayer and
//! direction, page by page, with the same totals; one invoice in full matches NAV's; a user of
//! taxpayer A never gets at taxpayer B's invoices by path, cursor, export or claims.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{TimeDelta, Utc};
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent};
use navsync_api_lambda::{LambdaBody, with_authorizer_claims};
use navsync_aws_emulator::cognito::{Cognito, authorizer_claims};
use navsync_aws_emulator::{self as emu, aws_config::SdkConfig, aws_sdk_ssm};
use navsync_domain::{Direction, Invoice, TaxpayerId};
use navsync_nav_sim::{SimConfig, SimHandle, TaxpayerCredentials};
use navsync_sync_lambda::handler::App as SyncApp;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tower::ServiceExt;

const WITH_AUTHORIZER: &str =
    include_str!("../../../apps/api-lambda/tests/events/apigw-v2-jwt-authorizer.json");
const NO_AUTHORIZER: &str =
    include_str!("../../../apps/api-lambda/tests/events/apigw-v2-no-authorizer.json");
const CURSOR_KEY: &str = "e2e-cursor-signing-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
/// Per taxpayer: enough that every listing takes several pages of [`PAGE`].
const INVOICES_PER_TAXPAYER: usize = 30;
const PAGE: usize = 7;

// ---- the sync side ---------------------------------------------------------------------

async fn put_credentials(sdk: &SdkConfig, prefix: &str, t: &TaxpayerCredentials) {
    let ssm = aws_sdk_ssm::Client::new(sdk);
    for (name, value) in [
        ("login", &t.login),
        ("password", &t.password),
        ("sign-key", &t.sign_key),
        ("exchange-key", &t.exchange_key),
    ] {
        ssm.put_parameter()
            .name(format!("{prefix}/{}/{name}", t.tax_number))
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .unwrap();
    }
}

/// A Lambda invocation as the runtime hands it to the handler: payload plus a context whose
/// deadline is the function's timeout away.
fn invocation(payload: Value, timeout: Duration) -> LambdaEvent<Value> {
    let mut context = Context::default();
    context.request_id = format!("e2e-{}", emu::unique_name("req"));
    context.deadline = (SystemTime::now() + timeout)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    LambdaEvent::new(payload, context)
}

/// `supplier/number/batch`, the identity of one invoice within a taxpayer's direction.
fn key(supplier: &str, number: &str, batch: Option<u64>) -> String {
    format!("{supplier}/{number}/{batch:?}")
}

/// What NAV holds for one taxpayer and direction: each invoice by key, and the gross HUF sum.
struct Expected {
    invoices: BTreeMap<String, Invoice>,
    gross_huf: Decimal,
}

fn expected(sim: &SimHandle, taxpayer: TaxpayerId, direction: Direction) -> Expected {
    let mut invoices = BTreeMap::new();
    let mut gross_huf = Decimal::ZERO;
    for s in sim.invoices() {
        let party = match direction {
            Direction::Outbound => &s.invoice.supplier,
            Direction::Inbound => &s.invoice.customer,
        };
        if party.tax_number.as_ref().map(|t| t.taxpayer_id) != Some(taxpayer) {
            continue;
        }
        let supplier = s.invoice.supplier.tax_number.as_ref().unwrap().taxpayer_id;
        let k = key(
            &supplier.to_string(),
            s.invoice.invoice_number.as_str(),
            s.invoice.batch_index.map(u64::from),
        );
        gross_huf += s.invoice.totals.gross_huf;
        assert!(invoices.insert(k.clone(), s.invoice).is_none(), "{k} twice");
    }
    Expected {
        invoices,
        gross_huf,
    }
}

// ---- the API side ----------------------------------------------------------------------

struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// Asserts an RFC 7807 problem with `status`; returns it.
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

/// How a request reaches the API Lambda.
#[derive(Clone, Copy)]
enum Via<'a> {
    /// A route without an authorizer: the bearer token is checked by the app against JWKS.
    Bearer(&'a str),
    /// A route behind API Gateway's JWT authorizer: its verified claims, no header.
    Authorizer(&'a str),
    Anonymous,
}

struct Api {
    router: axum::Router,
}

impl Api {
    /// One API Gateway v2 event through lambda_http's conversion, the claims hook, the router
    /// and the runner's response conversion, back to the v2 response JSON.
    async fn call(&self, method: &str, uri: &str, via: Via<'_>) -> Reply {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let template = match via {
            Via::Authorizer(_) => WITH_AUTHORIZER,
            Via::Bearer(_) | Via::Anonymous => NO_AUTHORIZER,
        };
        let mut event: Value = serde_json::from_str(template).unwrap();
        event["rawPath"] = json!(path);
        event["rawQueryString"] = json!(query);
        event["requestContext"]["http"]["method"] = json!(method);
        event["requestContext"]["http"]["path"] = json!(path);
        event["requestContext"]["requestId"] = json!(emu::unique_name("apigw"));
        // lambda_http builds the URI from rawPath/rawQueryString; the templates' parsed copies
        // would describe another request.
        let obj = event.as_object_mut().unwrap();
        obj.remove("queryStringParameters");
        obj.remove("pathParameters");
        match via {
            Via::Bearer(token) => {
                event["headers"]["authorization"] = json!(format!("Bearer {token}"));
            }
            Via::Authorizer(token) => {
                event["requestContext"]["authorizer"]["jwt"]["claims"] =
                    Value::Object(authorizer_claims(token));
            }
            Via::Anonymous => {}
        }
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
        let headers = out["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap().to_owned()))
            .collect();
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

    /// Every invoice of a listing, following `next_cursor`: key → summary. Asserts no invoice
    /// is listed twice and each belongs to the taxpayer and direction asked for.
    async fn list_all(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        via: Via<'_>,
    ) -> BTreeMap<String, Value> {
        let base = format!("/v1/taxpayers/{taxpayer}/invoices?direction={direction}&limit={PAGE}");
        let mut uri = base.clone();
        let mut all = BTreeMap::new();
        let mut pages = 0;
        loop {
            let r = self.call("GET", &uri, via).await;
            assert_eq!(r.status, 200, "{uri}: {}", r.text());
            let page = r.json();
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= PAGE);
            pages += 1;
            for item in items {
                assert_eq!(item["taxpayer"], taxpayer.to_string());
                assert_eq!(item["direction"], direction.to_string());
                let k = key(
                    item["supplier_tax_number"].as_str().unwrap(),
                    item["invoice_number"].as_str().unwrap(),
                    item["batch_index"].as_u64(),
                );
                assert!(
                    all.insert(k.clone(), item.clone()).is_none(),
                    "{k} listed twice"
                );
            }
            match page["next_cursor"].as_str() {
                Some(c) => uri = format!("{base}&cursor={}", pct(c)),
                None => break,
            }
        }
        assert!(
            pages > 1,
            "{taxpayer} {direction}: the listing should take several pages"
        );
        all
    }
}

/// Percent-encodes everything but unreserved characters (path segments and query values).
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

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("amount as a decimal string, got {v}"))
        .parse()
        .unwrap()
}

/// The CSV export's invoices: key per data row (asserting none repeats).
fn csv_keys(text: &str) -> BTreeSet<String> {
    let text = text.strip_prefix('\u{FEFF}').expect("the BOM Excel needs");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header = lines.next().unwrap();
    let sep = if header.contains(';') { ';' } else { ',' };
    let columns: Vec<&str> = header.split(sep).collect();
    let col = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    let (supplier, number, batch) = (
        col("supplier_tax_number"),
        col("invoice_number"),
        col("batch_index"),
    );
    let mut keys = BTreeSet::new();
    for line in lines {
        // The key columns come before any free text, so a plain split reaches them intact.
        let f: Vec<&str> = line.split(sep).collect();
        let unquote = |s: &str| s.trim_matches('"').to_owned();
        let k = key(
            &unquote(f[supplier]),
            &unquote(f[number]),
            unquote(f[batch]).parse().ok(),
        );
        assert!(keys.insert(k.clone()), "{k} exported twice");
    }
    keys
}

// ---- the test --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_nav_holds_is_what_the_api_lists_and_only_to_its_taxpayer() {
    // NAV: two taxpayers, each with outbound and inbound invoices inside the lookback.
    let now = Utc::now();
    let mut sim_config = SimConfig::new(11, INVOICES_PER_TAXPAYER, now);
    sim_config.taxpayers = 2;
    sim_config.period = (now - TimeDelta::days(20), now - TimeDelta::hours(1));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = navsync_nav_sim::start(sim_config, listener).await.unwrap();
    let creds = sim.taxpayers();
    let (a, b): (TaxpayerId, TaxpayerId) = (
        creds[0].tax_number.parse().unwrap(),
        creds[1].tax_number.parse().unwrap(),
    );

    // AWS: one table, one bucket, credentials and the cursor key in SSM.
    let sdk = emu::sdk_config().await;
    let table = emu::new_table(&sdk, "e2e").await;
    let bucket = emu::new_bucket(&sdk, "e2e-docs").await;
    let prefix = emu::new_ssm_prefix("e2e");
    for t in &creds {
        put_credentials(&sdk, &prefix, t).await;
    }
    let cursor_param = format!("{}/cursor-key", emu::new_ssm_prefix("e2e-api"));
    aws_sdk_ssm::Client::new(&sdk)
        .put_parameter()
        .name(&cursor_param)
        .value(CURSOR_KEY)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();

    // The sync Lambda, invoked once per taxpayer with the input each schedule carries.
    let sync_config = navsync_sync_lambda::config::Config::from_vars(|name| {
        Some(match name {
            "NAVSYNC_TABLE" => table.clone(),
            "NAVSYNC_BUCKET" => bucket.clone(),
            "NAVSYNC_SSM_PREFIX" => prefix.clone(),
            "NAVSYNC_NAV_ENV" => sim.base_url(),
            "NAVSYNC_LOOKBACK_DAYS" => "3".into(),
            "NAVSYNC_DEADLINE_MARGIN_SECONDS" => "5".into(),
            _ => return None,
        })
    })
    .unwrap();
    let mut nav = SyncApp::nav_config(&sync_config);
    nav.min_request_interval = None; // the simulator runs without NAV's traffic restriction
    let sync = SyncApp::new(sync_config, &sdk, nav).unwrap();
    for t in [a, b] {
        // terraform/modules/sync_schedule: input = {taxpayers = [id], lookback_days = N}.
        let input = json!({"taxpayers": [t.to_string()], "lookback_days": 30});
        let response = sync
            .handle(invocation(input, Duration::from_secs(900)))
            .await
            .unwrap_or_else(|e| panic!("sync of {t}: {e}"));
        assert_eq!(response.summaries.len(), 2, "{t}: both directions");
    }

    // Cognito: operators, a reader group per taxpayer, a user of each.
    let cognito = Cognito::new_pool().await;
    let (group_a, group_b) = (format!("taxpayer-{a}"), format!("taxpayer-{b}"));
    for g in ["operators", &group_a, &group_b] {
        cognito.group(g).await;
    }
    let alice = cognito
        .user("alice", std::slice::from_ref(&group_a))
        .await
        .access;
    let bob = cognito
        .user("bob", std::slice::from_ref(&group_b))
        .await
        .access;
    let root = cognito.user("root", &["operators".to_owned()]).await.access;

    // The API Lambda, built as its main() builds it.
    let api_config = navsync_api_lambda::Config::from_lookup(|name| {
        Some(match name {
            "NAVSYNC_TABLE" => table.clone(),
            "NAVSYNC_BUCKET" => bucket.clone(),
            "NAVSYNC_COGNITO_ISSUER" => cognito.issuer(),
            "NAVSYNC_COGNITO_CLIENT_ID" => cognito.client_id.clone(),
            "NAVSYNC_JWKS_URL" => cognito.jwks_url(),
            "NAVSYNC_SYNC_FUNCTION" => "navsync-sync".into(),
            "NAVSYNC_CURSOR_KEY_PARAM" => cursor_param.clone(),
            _ => return None,
        })
    })
    .unwrap();
    let api = Api {
        router: navsync_api_lambda::app(&api_config, &sdk).await.unwrap(),
    };

    // Exactly NAV's invoices, per taxpayer and direction, through cursor pagination: A's user
    // with a bearer token the app verifies, B's user behind the JWT authorizer.
    let mut expectations = BTreeMap::new();
    for (taxpayer, via) in [(a, Via::Bearer(&alice)), (b, Via::Authorizer(&bob))] {
        for direction in Direction::BOTH {
            let want = expected(&sim, taxpayer, direction);
            assert!(
                !want.invoices.is_empty(),
                "the simulator should hold {taxpayer} {direction} invoices"
            );
            let got = api.list_all(taxpayer, direction, via).await;
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                want.invoices.keys().collect::<Vec<_>>(),
                "{taxpayer} {direction}"
            );
            let gross: Decimal = got.values().map(|i| dec(&i["totals"]["gross_huf"])).sum();
            assert_eq!(gross, want.gross_huf, "{taxpayer} {direction} gross HUF");
            for (k, item) in &got {
                assert_eq!(
                    dec(&item["totals"]["gross_huf"]),
                    want.invoices[k].totals.gross_huf,
                    "{k}"
                );
            }
            expectations.insert((taxpayer, direction), want);
        }
    }

    // One invoice in full (the one with most lines): lines and totals are NAV's.
    let a_out = &expectations[&(a, Direction::Outbound)];
    let invoice = a_out
        .invoices
        .values()
        .max_by_key(|i| i.lines.len())
        .unwrap();
    let batch = invoice
        .batch_index
        .map(|b| format!("?batch={b}"))
        .unwrap_or_default();
    let detail_path = |owner: TaxpayerId, inv: &Invoice| {
        let supplier = inv.supplier.tax_number.as_ref().unwrap().taxpayer_id;
        let direction = if supplier == owner {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        format!(
            "/v1/taxpayers/{owner}/invoices/{direction}/{supplier}/{}{}",
            pct(inv.invoice_number.as_str()),
            inv.batch_index
                .map(|b| format!("?batch={b}"))
                .unwrap_or_default()
        )
    };
    let r = api
        .call("GET", &detail_path(a, invoice), Via::Bearer(&alice))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json();
    assert_eq!(d["invoice_number"], invoice.invoice_number.as_str());
    assert_eq!(
        d["lines"].as_array().unwrap().len(),
        invoice.lines.len(),
        "lines of {}{batch}",
        invoice.invoice_number
    );
    let t = &invoice.totals;
    for (field, want) in [
        ("net", t.net),
        ("vat", t.vat),
        ("gross", t.gross),
        ("net_huf", t.net_huf),
        ("vat_huf", t.vat_huf),
        ("gross_huf", t.gross_huf),
    ] {
        assert_eq!(dec(&d["totals"][field]), want, "totals.{field}");
    }
    for (line, want) in d["lines"].as_array().unwrap().iter().zip(&invoice.lines) {
        assert_eq!(line["number"], want.number, "line numbers in NAV's order");
    }

    // A's user never gets at B: not by B's path (list, export, sync status, one invoice) ...
    let b_out = &expectations[&(b, Direction::Outbound)];
    let b_invoice = b_out.invoices.values().next().unwrap();
    for uri in [
        format!("/v1/taxpayers/{b}/invoices?direction=OUTBOUND"),
        format!("/v1/taxpayers/{b}/invoices.csv?direction=OUTBOUND"),
        format!("/v1/taxpayers/{b}/sync"),
        detail_path(b, b_invoice),
    ] {
        for via in [Via::Bearer(&alice), Via::Authorizer(&alice)] {
            // 403: decided from the token before any lookup, so it says nothing of B's data.
            let p = api.call("GET", &uri, via).await.problem(403);
            assert!(
                p["detail"].as_str().unwrap().contains(&b.to_string()),
                "{uri}: {p}"
            );
        }
    }
    // ... nor by naming B's invoice under A's own path (A is not its supplier) ...
    let b_supplier = b_invoice.supplier.tax_number.as_ref().unwrap().taxpayer_id;
    api.call(
        "GET",
        &format!(
            "/v1/taxpayers/{a}/invoices/OUTBOUND/{b_supplier}/{}",
            pct(b_invoice.invoice_number.as_str())
        ),
        Via::Bearer(&alice),
    )
    .await
    .problem(404);
    // ... nor by a query parameter naming B on A's path ...
    // (the listing knows no `taxpayer` parameter, and names it) ...
    let p = api
        .call(
            "GET",
            &format!("/v1/taxpayers/{a}/invoices?direction=OUTBOUND&taxpayer={b}"),
            Via::Bearer(&alice),
        )
        .await
        .problem(400);
    assert_eq!(p["parameter"], "taxpayer", "{p}");
    // ... nor by a cursor from A's listing on B's path: refused for A's user, and for an
    // the operator (who may read B) the cursor itself is refused, by name.
    let first = api
        .call(
            "GET",
            &format!("/v1/taxpayers/{a}/invoices?direction=OUTBOUND&limit=3"),
            Via::Bearer(&alice),
        )
        .await
        .json();
    let cursor = pct(first["next_cursor"].as_str().unwrap());
    let on_b = format!("/v1/taxpayers/{b}/invoices?direction=OUTBOUND&limit=3&cursor={cursor}");
    api.call("GET", &on_b, Via::Bearer(&alice))
        .await
        .problem(403);
    let p = api
        .call("GET", &on_b, Via::Bearer(&root))
        .await
        .problem(400);
    assert_eq!(p["parameter"], "cursor", "{p}");
    // No token at all: 401.
    api.call(
        "GET",
        &format!("/v1/taxpayers/{a}/invoices?direction=OUTBOUND"),
        Via::Anonymous,
    )
    .await
    .problem(401);

    // The CSV export for A holds exactly A's invoices, per direction.
    for direction in Direction::BOTH {
        let r = api
            .call(
                "GET",
                &format!("/v1/taxpayers/{a}/invoices.csv?direction={direction}"),
                Via::Bearer(&alice),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let want: BTreeSet<String> = expectations[&(a, direction)]
            .invoices
            .keys()
            .cloned()
            .collect();
        assert_eq!(csv_keys(&r.text()), want, "CSV of {a} {direction}");
    }
}
