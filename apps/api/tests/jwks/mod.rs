//! A real JWKS endpoint on 127.0.0.1 and tokens signed with the test keys in `tests/keys/`.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use navsync_api::{ClaimsPolicy, OidcConfig, OidcVerifier};
use serde_json::{Value, json};

pub const ISSUER: &str = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_test";
pub const CLIENT_ID: &str = "navsync-web";
pub const SIGNING_PEM: &[u8] = include_bytes!("../keys/signing.pem");
pub const SIGNING_PUB_PEM: &[u8] = include_bytes!("../keys/signing.pub.pem");
pub const OTHER_PEM: &[u8] = include_bytes!("../keys/other.pem");
pub const SIGNING_KID: &str = "signing-key";
pub const OTHER_KID: &str = "other-key";

pub fn jwk(name: &str) -> Value {
    let text = match name {
        "signing" => include_str!("../keys/signing.jwk.json"),
        _ => include_str!("../keys/other.jwk.json"),
    };
    serde_json::from_str(text).unwrap()
}

type Served = (Arc<AtomicUsize>, Arc<Mutex<Vec<Value>>>);

#[derive(Clone)]
pub struct JwksServer {
    pub url: String,
    pub hits: Arc<AtomicUsize>,
    pub keys: Arc<Mutex<Vec<Value>>>,
}

impl JwksServer {
    /// Serves the `signing` key at `/<pool>/.well-known/jwks.json`, as moto does.
    pub async fn start() -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let keys = Arc::new(Mutex::new(vec![jwk("signing")]));
        let state = (hits.clone(), keys.clone());
        let app = axum::Router::new()
            .route(
                "/eu-central-1_test/.well-known/jwks.json",
                get(|State((hits, keys)): State<Served>| async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    Json(json!({ "keys": keys.lock().unwrap().clone() }))
                }),
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url: format!("http://{addr}/eu-central-1_test/.well-known/jwks.json"),
            hits,
            keys,
        }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn config(&self) -> OidcConfig {
        OidcConfig::cognito(ISSUER, CLIENT_ID, &self.url)
    }

    pub fn verifier(&self) -> OidcVerifier {
        OidcVerifier::new(self.config())
    }

    pub fn verifier_with(&self, policy: ClaimsPolicy, min_refetch: Duration) -> OidcVerifier {
        let mut c = self.config();
        c.policy = policy;
        c.jwks.min_refetch_interval = min_refetch;
        OidcVerifier::new(c)
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Claims of a valid Cognito access token for `groups`.
pub fn access_claims(sub: &str, groups: &[&str]) -> Value {
    json!({
        "sub": sub,
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now(),
        "iat": now(),
        "exp": now() + 3600,
        "username": sub,
        "cognito:groups": groups,
    })
}

/// Claims of a valid Cognito ID token for `groups`.
pub fn id_claims(sub: &str, groups: &[&str]) -> Value {
    json!({
        "sub": sub,
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "iat": now(),
        "exp": now() + 3600,
        "cognito:username": sub,
        "cognito:groups": groups,
    })
}

pub fn sign_with(claims: &Value, pem: &[u8], kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
}

pub fn sign(claims: &Value) -> String {
    sign_with(claims, SIGNING_PEM, SIGNING_KID)
}

/// A token with `alg: none` and an empty signature.
pub fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD
        .encode(json!({"alg": "none", "typ": "JWT", "kid": SIGNING_KID}).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

/// The classic confusion attack: HS256 keyed with the (public) RSA key.
pub fn hs256_with_public_key(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(SIGNING_KID.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(SIGNING_PUB_PEM)).unwrap()
}

/// A validly signed token whose payload is then swapped for `claims`.
pub fn tampered(original: &Value, claims: &Value) -> String {
    let token = sign(original);
    let parts: Vec<&str> = token.split('.').collect();
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{}.{}", parts[0], body, parts[2])
}
