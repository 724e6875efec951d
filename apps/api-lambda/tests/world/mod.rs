//! The API Lambda in the emulator, shared by the test binaries: invoices and documents written
//! with the real adapters, the cursor key in SSM, Cognito users and groups, and requests as
//! API Gateway HTTP API v2 events through `lambda_http`'s conversion.

#![allow(dead_code)] // each test binary uses its own part of this module

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent};
use navsync_api_lambda::{Config, LambdaBody, app, with_authorizer_claims};
use navsync_aws_emulator::cognito::Cognito;
use navsync_aws_emulator::{self as emu, aws_sdk_ssm};
use navsync_contract::archive::sample_xml;
use navsync_contract::fixtures::{taxpayer, varied};
use navsync_domain::ports::{DocumentArchive, InvoiceRepository};
use navsync_domain::{InvoiceRecord, TaxpayerId};
use navsync_dynamodb::{DynamoConfig, DynamoStore};
use navsync_s3::{S3Archive, S3Config};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

pub const WITH_AUTHORIZER: &str = include_str!("../events/apigw-v2-jwt-authorizer.json");
pub const NO_AUTHORIZER: &str = include_str!("../events/apigw-v2-no-authorizer.json");
pub const CURSOR_KEY: &str = "k3y-for-signing-cursors-0123456789abcdefghijklmnopqrstuvwxyzABCD";

pub struct World {
    pub router: axum::Router,
    pub sdk: emu::aws_config::SdkConfig,
    pub config: Config,
    pub table: String,
    pub bucket: String,
    pub records: Vec<InvoiceRecord>,
    pub a: TaxpayerId,
    pub b: TaxpayerId,
    /// A taxpayer with no data in this deployment.
    pub unknown: TaxpayerId,
    /// Reader of A.
    pub a_access: String,
    pub a_id: String,
    /// Access tokens of users in the other groups.
    pub a_admin: String,
    pub a_reader_b_admin: String,
    pub operator: String,
    pub unknown_admin: String,
    /// In the `admins` group of earlier releases, which grants nothing now.
    pub legacy_admin: String,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn problem(&self, status: u16) -> Value {
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
    pub async fn new() -> Self {
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

        // The groups terraform/modules/auth creates, plus the legacy `admins`.
        let cognito = Cognito::new_pool().await;
        let unknown = taxpayer(1_000_003);
        let group_a = format!("taxpayer-{a}");
        let (admin_a, admin_b, admin_u) = (
            format!("taxpayer-{a}-admin"),
            format!("taxpayer-{b}-admin"),
            format!("taxpayer-{unknown}-admin"),
        );
        for g in [
            &group_a,
            &admin_a,
            &admin_b,
            &admin_u,
            "operators",
            "admins",
        ] {
            cognito.group(g).await;
        }
        let alice = cognito.user("alice", std::slice::from_ref(&group_a)).await;
        let (a_access, a_id) = (alice.access, alice.id);
        let a_admin = cognito.user("anna", &[admin_a]).await.access;
        let a_reader_b_admin = cognito
            .user("bela", &[group_a.clone(), admin_b])
            .await
            .access;
        let operator = cognito.user("root", &["operators".to_owned()]).await.access;
        let unknown_admin = cognito.user("ursula", &[admin_u]).await.access;
        let legacy_admin = cognito.user("old", &["admins".to_owned()]).await.access;
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
            sdk,
            config,
            table,
            bucket,
            records,
            a,
            b,
            unknown,
            a_access,
            a_id,
            a_admin,
            a_reader_b_admin,
            operator,
            unknown_admin,
            legacy_admin,
            http: reqwest::Client::new(),
        }
    }

    /// Runs one API Gateway v2 event through lambda_http's conversion and the router.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        bearer: Option<&str>,
        claims: Option<Map<String, Value>>,
    ) -> Reply {
        self.call_with_body(method, uri, bearer, claims, None).await
    }

    /// [`World::call`] with a JSON request body.
    pub async fn call_with_body(
        &self,
        method: &str,
        uri: &str,
        bearer: Option<&str>,
        claims: Option<Map<String, Value>>,
        body: Option<&Value>,
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
        if let Some(b) = body {
            let text = b.to_string();
            event["headers"]["content-type"] = json!("application/json");
            event["headers"]["content-length"] = json!(text.len().to_string());
            event["body"] = json!(text);
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

    pub async fn get(&self, uri: &str, bearer: &str) -> Reply {
        self.call("GET", uri, Some(bearer), None).await
    }
}

pub fn pct(s: &str) -> String {
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
