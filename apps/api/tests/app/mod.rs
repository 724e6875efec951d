//! The router over the local mode's real adapters (SQLite store, filesystem archive), with
//! fixture invoices of two taxpayers and tokens from a real JWKS server.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use navsync_api::{
    ApiConfig, Auth, ClaimsPolicy, CorsOrigins, Ports, RateLimiter, SyncRequest, SyncStarted,
    SyncTrigger, TriggerError,
};
use navsync_contract::archive::sample_xml;
use navsync_contract::fixtures::{taxpayer, varied};
use navsync_domain::ports::{DocumentArchive, InvoiceRepository};
use navsync_domain::{InvoiceRecord, TaxpayerId};
use navsync_fs_archive::FsArchive;
use navsync_sqlite::SqliteStore;
use serde_json::Value;
use tower::ServiceExt;

use crate::jwks::{self, JwksServer};

/// Records what "sync now" asked for: the real triggers (Lambda invoke, in-process sync) live
/// in the runners.
#[derive(Clone, Default)]
pub struct RecordingTrigger(pub Arc<Mutex<Vec<SyncRequest>>>);

#[async_trait]
impl SyncTrigger for RecordingTrigger {
    async fn trigger(&self, request: &SyncRequest) -> Result<SyncStarted, TriggerError> {
        self.0.lock().unwrap().push(request.clone());
        Ok(SyncStarted {
            reference: Some("run-1".into()),
        })
    }
}

pub struct TestApp {
    pub router: Router,
    pub store: SqliteStore,
    pub archive: FsArchive,
    pub records: Vec<InvoiceRecord>,
    pub a: TaxpayerId,
    pub b: TaxpayerId,
    pub jwks: JwksServer,
    pub trigger: RecordingTrigger,
    dir: PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct Options {
    pub limiter: RateLimiter,
    pub cors: CorsOrigins,
    pub export_page: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            limiter: RateLimiter::unlimited(),
            cors: CorsOrigins::None,
            export_page: 1000,
        }
    }
}

impl TestApp {
    pub async fn start() -> Self {
        Self::with(Options::default()).await
    }

    pub async fn with(options: Options) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "navsync-api-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(
            dir.join("navsync.db"),
            b"0123456789abcdef0123456789abcdef".to_vec(),
        )
        .unwrap();
        let archive = FsArchive::new(dir.join("archive")).unwrap();
        let (a, b) = (taxpayer(1_000_001), taxpayer(1_000_002));
        let mut records = varied(a, b);
        for r in &mut records {
            let xml = sample_xml(r.key.id.invoice_number.as_str());
            r.document = archive
                .put(&r.key, r.invoice.issue_date, &xml)
                .await
                .unwrap();
        }
        store.put_many(&records).await.unwrap();
        let jwks = JwksServer::start().await;
        let trigger = RecordingTrigger::default();
        let auth = Auth::new(
            Some(Arc::new(jwks.verifier())),
            ClaimsPolicy::default(),
            options.limiter,
        );
        let router = navsync_api::router(
            Ports {
                queries: store.clone(),
                sync_state: store.clone(),
                archive: archive.clone(),
                sync_trigger: trigger.clone(),
            },
            auth,
            ApiConfig {
                cors: options.cors,
                export_page: options.export_page,
                ..ApiConfig::default()
            },
        );
        Self {
            router,
            store,
            archive,
            records,
            a,
            b,
            jwks,
            trigger,
            dir,
        }
    }

    /// A Cognito access token for a user in `groups`.
    pub fn token(&self, groups: &[&str]) -> String {
        jwks::sign(&jwks::access_claims("user-1", groups))
    }

    pub fn reader_of(&self, t: TaxpayerId) -> String {
        self.token(&[&format!("taxpayer-{t}")])
    }

    /// Admin of `t`: a reader who may also start its sync.
    pub fn admin_of(&self, t: TaxpayerId) -> String {
        self.token(&[&format!("taxpayer-{t}-admin")])
    }

    /// The operator: every taxpayer, and sync.
    pub fn operator(&self) -> String {
        jwks::sign(&jwks::access_claims("operator-1", &["operators"]))
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        let mut req = Request::builder().method(Method::GET).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    pub async fn post(&self, uri: &str, token: Option<&str>, body: &str) -> Reply {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        self.send(req.body(Body::from(body.to_owned())).unwrap())
            .await
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// Asserts a problem+json response with `status` (and, for 400s, the parameter).
    pub fn problem(&self, status: u16, parameter: Option<&str>) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), "application/problem+json");
        let p = self.json();
        assert_eq!(p["status"], status);
        assert!(
            p["type"]
                .as_str()
                .unwrap()
                .starts_with("urn:navsync:problem:")
        );
        assert!(!p["title"].as_str().unwrap().is_empty());
        assert!(!p["detail"].as_str().unwrap().is_empty());
        assert_eq!(p["parameter"].as_str(), parameter, "{p}");
        p
    }
}
