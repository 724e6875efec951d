//! The router over fixture invoices of two taxpayers (SQLite store and filesystem archive in a
//! temporary directory), for trying the API and for schemathesis:
//!
//! ```sh
//! cargo run -p navsync-api --example fixture_server -- 18090   # prints TAXPAYER= and TOKEN=
//! st run openapi/openapi.json -u http://127.0.0.1:18090 -H "Authorization: Bearer $TOKEN" --checks all
//! ```
//!
//! The token is an admin's, signed with the test-only key in `tests/keys/` and verified against a
//! JWKS this example serves itself on another loopback port. Binds 127.0.0.1 only.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use navsync_api::{
    ApiConfig, Auth, ClaimsPolicy, NoSyncTrigger, OidcConfig, OidcVerifier, Ports, RateLimiter,
    router,
};
use navsync_contract::archive::sample_xml;
use navsync_contract::fixtures::{taxpayer, varied};
use navsync_domain::ports::{DocumentArchive, InvoiceRepository};
use serde_json::{Value, json};

const ISSUER: &str = "https://issuer.fixture.invalid";

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .map(|p| p.parse().expect("the port must be a number"))
        .unwrap_or(18090);
    let dir = std::env::temp_dir().join(format!("navsync-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = navsync_sqlite::SqliteStore::open(dir.join("navsync.db"), vec![7u8; 32]).unwrap();
    let archive = navsync_fs_archive::FsArchive::new(dir.join("archive")).unwrap();
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

    let jwk: Value = serde_json::from_str(include_str!("../tests/keys/signing.jwk.json")).unwrap();
    let jwks = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!("http://{}/jwks.json", jwks.local_addr().unwrap());
    tokio::spawn(async move {
        let keys = json!({ "keys": [jwk] });
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || async move { axum::Json(keys) }),
        );
        axum::serve(jwks, app).await.unwrap()
    });

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("signing-key".into());
    let claims = json!({
        "sub": "fixture-admin", "iss": ISSUER, "client_id": "fixture", "token_use": "access",
        "exp": now + 8 * 3600, "cognito:groups": [format!("taxpayer-{a}"), "operators"],
    });
    let key = EncodingKey::from_rsa_pem(include_bytes!("../tests/keys/signing.pem")).unwrap();
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();

    let app = router(
        Ports {
            queries: store.clone(),
            sync_state: store,
            archive,
            sync_trigger: NoSyncTrigger,
        },
        Auth::new(
            Some(Arc::new(OidcVerifier::new(OidcConfig::cognito(
                ISSUER, "fixture", jwks_url,
            )))),
            ClaimsPolicy::default(),
            RateLimiter::unlimited(),
        ),
        ApiConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    println!(
        "API=http://{}\nTAXPAYER={a}\nTOKEN={token}",
        listener.local_addr().unwrap()
    );
    axum::serve(listener, app).await.unwrap();
}
